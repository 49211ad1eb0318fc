#!/usr/bin/env bash
# bench/run.sh: what `make bench` runs. Runs every implemented workload of
# shared/BENCHMARKS.md with soma (build/bin/soma-bench) and PyTorch (bench/torch_ref.py) at 1
# and 2 threads, alternating the two per workload in one run, then prints a table; a ratio
# above 1 always means soma is better. Builds nothing: run `make` first.
#   bench/run.sh                 all workloads
#   bench/run.sh B1 B9           some of them
# Environment: BUILD (default build), THREADS (default "1 2"), ROUNDS (default 1: the whole
# suite this many times, each figure then the median over rounds; use 3 or more on a machine
# shared with other jobs), PYTHON (default /usr/bin/python3, Debian's python3-torch).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-1 2}
ROUNDS=${ROUNDS:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
SOMA=$BUILD/bin/soma-bench

if [ ! -x "$SOMA" ]; then
  echo "bench/run.sh: $SOMA not found; build first (make)" >&2
  exit 1
fi
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "bench/run.sh: $PYTHON cannot import torch (install python3-torch)" >&2
  exit 1
fi

# One line per run: workload and its arguments. B10 runs once per matrix size.
runs=()
for w in "${@:-B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11}"; do
  for id in $w; do
    case "$id" in
      B10|b10|gemm) runs+=("B10 --size 256" "B10 --size 1024" "B10 --size 2048") ;;
      *) runs+=("$id") ;;
    esac
  done
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
for round in $(seq "$ROUNDS"); do
  for run in "${runs[@]}"; do
    for t in $THREADS; do
      # shellcheck disable=SC2086  # $run is a workload and its options, split on purpose
      for side in soma pytorch; do
        if [ $side = soma ]; then line=$("$SOMA" $run --threads "$t")
        else line=$("$PYTHON" bench/torch_ref.py $run --threads "$t"); fi
        rc=$?
        if [ -z "$line" ]; then
          echo "bench/run.sh: $side $run --threads $t printed nothing (exit $rc)" >&2
          status=1
          continue
        fi
        [ $rc -eq 0 ] || status=1
        echo "$side $round $line" >>"$results"
      done
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$PYTHON" - "$results" "$load_before" "$load_after" "$ROUNDS" <<'EOF'
import json, os, platform, statistics, sys

path, load_before, load_after, rounds = sys.argv[1:5]
runs = {}  # (workload, size, threads) -> {"soma": [result per round], "pytorch": [...]}
for line in open(path):
    side, _, text = line.split(" ", 2)
    r = json.loads(text)
    runs.setdefault((r["workload"], r.get("size", 0), r["threads"]), {}).setdefault(side, []).append(r)

def merged(results):
    """One result from several rounds: the median of every numeric field, the first error."""
    if not results:
        return None
    out = dict(results[0])
    for key, value in results[0].items():
        if isinstance(value, (int, float)) and key not in ("threads", "size"):
            out[key] = statistics.median(r[key] for r in results)
    out["range"] = (min(r["value"] for r in results), max(r["value"] for r in results))
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        out["error"] = errors[0]
    return out

def order(key):
    workload, size, threads = key
    return (int(workload[1:]), size, threads)

def fmt(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" if v < 10 else f"{v:.1f}"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
env = " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in ("OPENBLAS_CORETYPE", "OMP_WAIT_POLICY"))
print(f"soma vs PyTorch, {cpu}, {os.cpu_count()} cores, {env}")
print(f"load average before {load_before}, after {load_after} (above ~0.5, other processes disturb the timings)")
print("each figure: median of 5 repetitions after one warm-up"
      + (f", then the median over {rounds} rounds" if int(rounds) > 1 else "")
      + "; ratio > 1 means soma is better\n")
header = ("workload", "metric", "threads", "soma", "pytorch", "ratio", "notes")
table = []
for key in sorted(runs, key=order):
    workload, size, threads = key
    s, p = merged(runs[key].get("soma", [])), merged(runs[key].get("pytorch", []))
    name = f"{workload} n={size}" if size else workload
    metric = (s or p)["metric"]
    ratio = "-"
    if s and p and s["value"] > 0 and p["value"] > 0:
        # throughput: soma / pytorch; latency: pytorch / soma, so > 1 always favours soma
        ratio = f"{(p['value'] / s['value'] if metric == 'latency_us' else s['value'] / p['value']):.2f}x"
    notes = []
    for side, r in (("soma", s), ("pytorch", p)):
        if r and "error" in r:
            notes.append(f"{side} FAILED: {r['error']}")
    if s and "peak_fraction" in s:
        notes.append(f"soma {s['peak_fraction']:.0%} of FMA peak ({s['peak_gflops']:.0f}), "
                     f"{s['of_blas']:.0%} of dnnl_sgemm ({s['blas_gflops']:.0f})")
    if s and "final_loss" in s and p and "final_loss" in p:
        notes.append(f"final loss {s['final_loss']:.2g} / {p['final_loss']:.2g}")
    if s and "peak_rss_mb" in s and p and "peak_rss_mb" in p:
        notes.append(f"peak RSS {s['peak_rss_mb']:.0f} / {p['peak_rss_mb']:.0f} MB")
    if int(rounds) > 1:
        notes.append("range " + " / ".join(f"{fmt(r['range'][0])}-{fmt(r['range'][1])}" for r in (s, p) if r))
    table.append((name, metric, str(threads), fmt(s["value"]) if s else "-", fmt(p["value"]) if p else "-",
                  ratio, "; ".join(notes)))
widths = [max(len(r[i]) for r in table + [header]) for i in range(len(header))]
for r in [header, tuple("-" * w for w in widths)] + table:
    print("  ".join(c.ljust(w) if i in (0, 1, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
EOF
exit $status
