#!/usr/bin/env bash
# bench/peer_env.sh CONFIG COMMAND [ARG...]: runs a peer's benchmark (bench/torch_ref.py,
# soma-bench-dlib) in one configuration of the libraries under it, which only the environment
# can change (OpenBLAS picks its kernels and glibc its allocator before main runs):
#   given   the environment as it is (on this machine OPENBLAS_CORETYPE=Haswell: AVX2 kernels)
#   best    PyTorch's fastest working configuration on this machine, as bench/peer_configs.sh
#           measured it (docs/performance.md, "PyTorch at its best"): the BEST spec below
#   SPEC    comma-separated settings, for bench/peer_configs.sh's search:
#             core=given|auto|NAME   OpenBLAS's kernels: as given, its own CPU detection
#                                    (OPENBLAS_CORETYPE unset), or forced (SkylakeX, Zen, ...)
#             malloc=glibc|keep|jemalloc|tcmalloc
#                                    glibc as given; glibc told to keep freed memory
#                                    (GLIBC_TUNABLES: no trimming, mmap only above 32 MiB);
#                                    Debian's libjemalloc2 or libtcmalloc-minimal4 preloaded
#             blas=N                 torch_ref.py only: OpenBLAS held to N threads whatever
#                                    --threads (its --blas-threads); torch's own pool keeps
#                                    --threads. dlib's only threads are OpenBLAS's: not for it
# The programs print what they then ran on ("blas_core", "malloc"), so a setting that did not
# take shows in their output. Example:
#   bench/peer_env.sh best /usr/bin/python3 bench/torch_ref.py B2 --threads 1
set -euo pipefail
BEST="core=auto,malloc=tcmalloc,blas=1"

if [ $# -lt 2 ]; then
  echo "usage: bench/peer_env.sh given|best|SPEC COMMAND [ARG...]" >&2
  exit 2
fi
spec=$1; shift
case "$spec" in
  given) spec="" ;;
  best) spec=$BEST ;;
esac

preload() {  # LIBRARY PACKAGE: adds the library to LD_PRELOAD, or fails naming the package
  local path
  path=$(/sbin/ldconfig -p | awk -v lib="$1" '$1 == lib && !found { print $NF; found = 1 }')
  [ -n "$path" ] || { echo "bench/peer_env.sh: $1 not found (install $2)" >&2; exit 1; }
  export LD_PRELOAD="$path${LD_PRELOAD:+ $LD_PRELOAD}"
}

IFS=, read -ra settings <<<"$spec"
for setting in ${settings[@]+"${settings[@]}"}; do
  case "$setting" in
    core=given) ;;
    core=auto) unset OPENBLAS_CORETYPE ;;
    core=*) export OPENBLAS_CORETYPE="${setting#core=}" ;;
    malloc=glibc) ;;
    malloc=keep)
      export GLIBC_TUNABLES="glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}" ;;
    malloc=jemalloc) preload libjemalloc.so.2 libjemalloc2 ;;
    malloc=tcmalloc) preload libtcmalloc_minimal.so.4 libtcmalloc-minimal4 ;;
    blas=*) export TORCH_REF_BLAS_THREADS="${setting#blas=}" ;;
    *) echo "bench/peer_env.sh: unknown setting '$setting' (see the header of this script)" >&2; exit 2 ;;
  esac
done
exec "$@"
