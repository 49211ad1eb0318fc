#!/usr/bin/env bash
# bench/peer_configs.sh: how PyTorch's "best" configuration (bench/peer_env.sh) was found. Runs
# bench/torch_ref.py under each candidate configuration of OpenBLAS's kernels and the allocator,
# the candidates alternating per workload so that all see the same machine state, and prints
# each one's figure against the environment as given, with the losses it computed: a
# configuration counts only if it computes the same losses as given.
#   bench/peer_configs.sh                  B1 B2 B5 B6 B9 and B10 n=1024 at 1 thread
#   THREADS="1 2" bench/peer_configs.sh B3 B5
#   PEER=dlib CONFIGS="given core=auto best" bench/peer_configs.sh B2 B9   the same for dlib
# Environment: CONFIGS (bench/peer_env.sh specs, default below), THREADS (default 1), ROUNDS
# (default 1; each figure then the median over rounds), PEER (torch, the default, or dlib:
# $BUILD/bin/soma-bench-dlib, BUILD defaulting to build), PYTHON (default /usr/bin/python3).
set -u
cd "$(dirname "$0")/.." || exit 1
CONFIGS=${CONFIGS:-given core=auto core=SkylakeX core=Zen core=auto,malloc=keep core=auto,malloc=jemalloc core=auto,malloc=tcmalloc core=auto,malloc=tcmalloc,blas=1}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
case "${PEER:-torch}" in
  torch) program=("$PYTHON" bench/torch_ref.py) ;;
  dlib) program=("${BUILD:-build}/bin/soma-bench-dlib") ;;
  *) echo "bench/peer_configs.sh: PEER is torch or dlib" >&2; exit 2 ;;
esac

runs=()
for w in "${@:-B1 B2 B5 B6 B9 B10}"; do
  for id in $w; do
    case "$id" in
      B10|b10|gemm) runs+=("B10 --size 1024") ;;
      *) runs+=("$id") ;;
    esac
  done
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$ROUNDS"); do
  for run in "${runs[@]}"; do
    for t in $THREADS; do
      for config in $CONFIGS; do
        # shellcheck disable=SC2086  # $run is a workload and its options, split on purpose
        line=$(bench/peer_env.sh "$config" "${program[@]}" $run --threads "$t")
        [ -n "$line" ] && echo "$config $line" >>"$results"
      done
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$PYTHON" - "$results" "$load_before" "$load_after" "$CONFIGS" "${PEER:-torch}" <<'EOF'
import json, statistics, sys

path, load_before, load_after, configs = sys.argv[1:5]
configs = configs.split()
runs = {}  # (workload, size, threads) -> config -> [result]
for line in open(path):
    config, text = line.split(" ", 1)
    r = json.loads(text)
    runs.setdefault((r["workload"], r.get("size", 0), r["threads"]), {}).setdefault(config, []).append(r)

def losses(r):
    out = [r[k] for k in ("final_loss",) if k in r] + r.get("first_losses", [])
    return "/".join(f"{v:.6g}" for v in out) or "-"

print(f"{sys.argv[5]} configurations (bench/peer_env.sh), load average before {load_before}, after {load_after}")
print("value: median over rounds; ratio: against 'given', > 1 faster; losses: final / first batches\n")
for (workload, size, threads), by_config in sorted(runs.items()):
    metric = next(iter(by_config.values()))[0]["metric"]
    name = f"{workload} n={size}" if size else workload
    given = by_config.get("given")
    base = statistics.median(r["value"] for r in given) if given else None
    print(f"{name}, {threads} thread(s), {metric}")
    for config in configs:
        if config not in by_config:
            continue
        rs = by_config[config]
        v = statistics.median(r["value"] for r in rs)
        ratio = "" if not base else f"{(base / v if metric == 'latency_us' else v / base):.2f}x"
        first = rs[0]
        print(f"  {config:40} {v:12.1f} {ratio:>6}  core {first.get('blas_core')}, malloc {first.get('malloc')}, "
              f"OpenBLAS threads {first.get('blas_threads')}, losses {losses(first)}")
EOF
