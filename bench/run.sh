#!/usr/bin/env bash
# bench/run.sh: what `make bench` runs. Runs every implemented workload of
# shared/BENCHMARKS.md with soma (build/bin/soma-bench) and its peers at 1 and 2 threads,
# all sides alternating per workload and thread count in one run, then prints one table; a
# ratio above 1 always means soma is better. The peers:
#   pytorch       bench/torch_ref.py in the environment as given
#   pytorch-best  the same under bench/peer_env.sh best: PyTorch's fastest working
#                 configuration on this machine (OpenBLAS's AVX-512 kernels on one thread,
#                 tcmalloc); the table checks that it computed the same losses as given
#   dlib          build/bin/soma-bench-dlib (B1 B2 B3 B6 B9; built when libdlib-dev is
#                 installed), under bench/peer_env.sh best too (DLIB_CONFIG): its products are
#                 the same OpenBLAS
# "vs PyTorch" is against the faster of the two PyTorch figures. Builds nothing: run `make` first.
#   bench/run.sh                 all workloads
#   bench/run.sh B1 B9           some of them
#   bench/run.sh --busy B2 B3    with one competing CPU-bound process running during every
#                                measurement (also BUSY=1); threads then default to "1 0"
# Environment: BUILD (default build), THREADS (default "1 2"; 0 = each library's own default
# count, printed in the table), ROUNDS (default 1: the whole suite this many times, each figure
# then the median over rounds; use 3 or more on a machine shared with other jobs), PEERS
# (default "pytorch pytorch-best dlib"), PYTHON (default /usr/bin/python3, Debian's python3-torch),
# RESULTS (a file to keep the raw JSON lines in; bench/run_table.py prints the table again from it),
# DLIB_CONFIG (bench/peer_env.sh's configuration for dlib, default best; e.g. core=auto).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BUSY=${BUSY:-0}
workloads=()
for arg in "$@"; do
  if [ "$arg" = --busy ]; then BUSY=1; else workloads+=("$arg"); fi
done
if [ "$BUSY" = 1 ]; then THREADS=${THREADS:-1 0}; else THREADS=${THREADS:-1 2}; fi
ROUNDS=${ROUNDS:-1}
PEERS=${PEERS:-pytorch pytorch-best dlib}
PYTHON=${PYTHON:-/usr/bin/python3}
DLIB_CONFIG=${DLIB_CONFIG:-best}
SOMA=$BUILD/bin/soma-bench
DLIB=$BUILD/bin/soma-bench-dlib

if [ ! -x "$SOMA" ]; then
  echo "bench/run.sh: $SOMA not found; build first (make)" >&2
  exit 1
fi
if [[ " $PEERS " == *" pytorch"* ]] && ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "bench/run.sh: $PYTHON cannot import torch (install python3-torch, or set PEERS)" >&2
  exit 1
fi
# The workloads soma-bench-dlib implements, from its --help ("  B1   xor ...").
dlib_workloads=""
if [[ " $PEERS " == *" dlib "* ]]; then
  if [ -x "$DLIB" ]; then
    dlib_workloads=" $("$DLIB" --help | awk '/^workloads:/ { on = 1; next } on { printf "%s ", $1 }')"
  else
    echo "bench/run.sh: $DLIB not built (install libdlib-dev and re-run cmake); dlib left out" >&2
  fi
fi

# One line per run: workload and its arguments. B10 runs once per matrix size.
runs=()
for w in "${workloads[@]:-B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11}"; do
  for id in $w; do
    case "$id" in
      B10|b10|gemm) runs+=("B10 --size 256" "B10 --size 1024" "B10 --size 2048") ;;
      *) runs+=("$id") ;;
    esac
  done
done

# --busy: one CPU-bound process competes with every measurement, started before it and
# stopped after it, so that a library's default thread count meets a machine with a core taken.
spinner=""
stop_spinner() {
  if [ -n "$spinner" ]; then kill "$spinner" 2>/dev/null; wait "$spinner" 2>/dev/null; spinner=""; fi
}
if [ -n "${RESULTS:-}" ]; then
  results=$RESULTS; : >"$results"
  trap 'stop_spinner' EXIT
else
  results=$(mktemp)
  trap 'stop_spinner; rm -f "$results"' EXIT
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Interrupted (Ctrl-C, or killed): the table of what was measured so far, then out.
trap 'echo "bench/run.sh: interrupted; the table of what ran so far:" >&2; print_table; exit 130' INT TERM
print_table() {
  "$PYTHON" bench/run_table.py "$results" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$ROUNDS" "$BUSY"
}

measure() {  # SIDE ROUND THREADS RUN...: runs one side once and appends its JSON line
  local side=$1 round=$2 t=$3 line rc
  shift 3
  case "$side" in
    soma) set -- "$SOMA" "$@" ;;
    pytorch) set -- "$PYTHON" bench/torch_ref.py "$@" ;;
    pytorch-best) set -- bench/peer_env.sh best "$PYTHON" bench/torch_ref.py "$@" ;;
    dlib) set -- bench/peer_env.sh "$DLIB_CONFIG" "$DLIB" "$@" ;;
  esac
  if [ "$BUSY" = 1 ]; then
    bash -c 'while :; do :; done' &
    spinner=$!
  fi
  line=$("$@" --threads "$t")
  rc=$?
  stop_spinner
  if [ -z "$line" ]; then
    echo "bench/run.sh: $side: $* --threads $t printed nothing (exit $rc)" >&2
    status=1
    return
  fi
  [ $rc -eq 0 ] || status=1
  echo "$side $round $line" >>"$results"
}

status=0
for round in $(seq "$ROUNDS"); do
  for run in "${runs[@]}"; do
    for t in $THREADS; do
      for side in soma $PEERS; do
        case "$side" in
          dlib) [[ "$dlib_workloads" == *" ${run%% *} "* ]] || continue ;;
          soma|pytorch|pytorch-best) ;;
          *) echo "bench/run.sh: unknown peer '$side' in PEERS" >&2; exit 2 ;;
        esac
        # shellcheck disable=SC2086  # $run is a workload and its options, split on purpose
        measure "$side" "$round" "$t" $run
      done
    done
  done
done
print_table
exit $status
