#!/usr/bin/env bash
# Runs every libFuzzer harness built in BIN_DIR for RUNS executions each (make fuzz):
#   fuzz/run_all.sh build-fuzz/bin 1000000 [NAME ...]
# Each starts from its committed seeds (fuzz/corpus/<name>, never written) and keeps what it
# finds in BIN_DIR/../fuzz-corpus/<name>; a crash, leak, timeout or OOM leaves its input in
# BIN_DIR/../fuzz-artifacts/ and makes the script fail after the other harnesses have run.
# FUZZ_MAX_SECONDS (environment) also stops each harness after that many seconds.
set -uo pipefail
# One thread: OpenMP workers spinning at every parallel loop only slow a fuzzer down.
export OMP_NUM_THREADS=1
bin=$(cd "$1" && pwd) runs=$2
shift 2
src="$(cd "$(dirname "$0")" && pwd)"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls "$src"/corpus))
failed=()
for name in "${names[@]}"; do
  work="$bin/../fuzz-corpus/$name" artifacts="$bin/../fuzz-artifacts"
  mkdir -p "$work" "$artifacts"
  log="$bin/../fuzz-$name.log"
  # 2 GB and 10 s per input: a few-KB input needing more is a finding. -max_len 8 KB: the
  # seeds are under 1 KB, and long inputs only slow the search.
  "$bin/fuzz_$name" -runs="$runs" -rss_limit_mb=2048 -timeout=10 -max_len=8192 -print_final_stats=1 \
    -max_total_time="${FUZZ_MAX_SECONDS:-0}" \
    -artifact_prefix="$artifacts/$name-" "$work" "$src/corpus/$name" >"$log" 2>&1
  status=$?
  echo "$name: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" || echo 'stopped early'), exit $status"
  [ $status -eq 0 ] || { failed+=("$name"); tail -30 "$log"; }
done
[ ${#failed[@]} -eq 0 ] || { echo "findings in: ${failed[*]} (see $bin/../fuzz-artifacts)" >&2; exit 1; }
