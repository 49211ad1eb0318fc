#!/usr/bin/env bash
# bench/deterministic.sh: the cost of deterministic mode (docs/reproducibility.md). Runs
# soma-bench with --deterministic and --no-deterministic, alternating the two per workload
# and thread count, ROUNDS times, and prints each figure's median and the ratio det/non-det
# (below 1: deterministic mode is slower). Builds nothing: run `make` first.
#   bench/deterministic.sh [WORKLOADS...]      default: B2 B3 B4 B5 B6 B7 B8
# Environment: BUILD (default build), THREADS (default "1 2"), ROUNDS (default 3).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-1 2}
ROUNDS=${ROUNDS:-3}
bench=$BUILD/bin/soma-bench
[ -x "$bench" ] || { echo "bench/deterministic.sh: $bench not found; build first (make)" >&2; exit 1; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for w in "${@:-B2 B3 B4 B5 B6 B7 B8}"; do
    for t in $THREADS; do
      for mode in deterministic no-deterministic; do
        value=$("$bench" "$w" --threads "$t" "--$mode" | sed 's/.*"value":\([0-9.e+-]*\).*/\1/')
        echo "$w $t $mode $value" >>"$results"
      done
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-4s %7s %14s %14s %8s\n' workload threads deterministic non-det ratio
for w in "${@:-B2 B3 B4 B5 B6 B7 B8}"; do
  for t in $THREADS; do
    det=$(awk -v w="$w" -v t="$t" '$1 == w && $2 == t && $3 == "deterministic" { print $4 }' "$results" | median)
    non=$(awk -v w="$w" -v t="$t" '$1 == w && $2 == t && $3 == "no-deterministic" { print $4 }' "$results" | median)
    printf '%-8s %7s %14s %14s %8.3f\n' "$w" "$t" "$det" "$non" "$(awk -v a="$det" -v b="$non" 'BEGIN { print a / b }')"
  done
done
