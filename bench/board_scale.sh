#!/usr/bin/env bash
# How fast `soma board` opens a big runs folder (docs/board.md, "Scale"): writes RUNS runs of
# STEPS steps each (steps.csv with loss and accuracy, metrics.csv per 1,000 steps, run.json,
# config.json) under DIR, starts soma board on it, and times the run list over HTTP, then the
# page in headless Chromium: until its first charts are drawn, one poll, all runs selected,
# and a line appended to a run until the page shows it. Not a test: it prints numbers.
# Usage: bench/board_scale.sh build/bin/soma [DIR=/tmp/soma_board_scale] [RUNS=100] [STEPS=100000]
set -euo pipefail
soma=$1
dir=${2:-/tmp/soma_board_scale}
runs=${3:-100}
steps=${4:-100000}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ! -f "$dir/.complete_${runs}_${steps}" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "writing $runs runs of $steps steps under $dir"
  for r in $(seq -w 1 "$runs"); do
    mkdir -p "$dir/run_$r"
    awk -v n="$steps" -v r="$r" 'BEGIN { srand(r); print "step,epoch,loss,accuracy";
      for (s = 1; s <= n; s++) printf "%d,%d,%.6g,%.6g\n", s, int((s - 1) / 1000), 2.3 * exp(-s / (n / 5)) + 0.1 + 0.05 * rand() + (rand() < 0.0001 ? 3 : 0), 1 - 0.9 * exp(-s / (n / 4)) }' \
      >"$dir/run_$r/steps.csv"
    awk -v n="$steps" 'BEGIN { print "epoch,step,loss,val_loss"; for (e = 0; e < n / 1000; e++) printf "%d,%d,%.6g,%.6g\n", e, (e + 1) * 1000, 2.3 * exp(-e * 1000 / (n / 5)) + 0.12, 2.3 * exp(-e * 1000 / (n / 5)) + 0.15 }' \
      >"$dir/run_$r/metrics.csv"
    printf '{"status": "finished", "started": "2026-12-01 10:%s:00"}\n' "$r" >"$dir/run_$r/run.json"
    printf '{"name": "run_%s", "epochs": %d, "optimizer": {"type": "adam", "lr": 0.00%s}}\n' "$r" $((steps / 1000)) "$r" \
      >"$dir/run_$r/config.json"
  done
  touch "$dir/.complete_${runs}_${steps}"
fi
du -sh "$dir"
uptime

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -- "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log=$(mktemp)
timeout 600 "$soma" board "$dir" --port 0 >"$log" 2>&1 &
pids+=($!)
server=$!
url=""
for _ in $(seq 100); do url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { cat "$log"; exit 1; }
for what in "run list, first (cold)" "run list, again (a poll)"; do
  curl -s -o /dev/null -w "$what: %{time_total} s, %{size_download} bytes\n" "${url}api/runs"
done
curl -s -o /dev/null -w "one run's loss, 100,000 steps to 1,000 pixels (cold parse): %{time_total} s, %{size_download} bytes\n" \
  "${url}api/series?run=run_050&column=loss&pixels=1000"
curl -s -o /dev/null -w "the same again (parsed): %{time_total} s\n" "${url}api/series?run=run_050&column=loss&pixels=1000"
profile=$(mktemp -d)
pgrep -P "$server" >/dev/null && server=$(pgrep -P "$server")  # soma under timeout
timeout 300 node "$root/bench/board_open.mjs" "$(command -v chromium)" "$url" "$dir" "$profile" "$server" &
node=$!
pids+=("$node")
wait "$node"
rm -rf "$profile" "$log"
