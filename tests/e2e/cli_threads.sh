#!/usr/bin/env bash
# `soma train --deterministic` at 1, 2 and 8 threads: the same steps.csv, metrics.csv and
# weights, bit for bit (model.safetensors differs only in its header, which records the
# thread count). 8 threads on fewer cores still split the work 8 ways, where oneDNN's GEMM
# begins to split its sums. BATCH replaces the config's batch size ("-": keep it; a large
# batch gives the long sums where the split shows). Extra arguments go to every run
# (--no-deterministic shows the difference).
#   cli_threads.sh path/to/soma CONFIG.json LIMIT BATCH [TRAIN ARGS...]
set -euo pipefail
soma=$1 source=$2 limit=$3 batch=$4
shift 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
config=$dir/$(basename "$source")
if [ "$batch" = - ]; then cp "$source" "$config"
else sed "s/\"batch_size\": *[0-9]*/\"batch_size\": $batch/" "$source" >"$config"; fi

for t in 1 2 8; do
  "$soma" train "$config" --name run --runs "$dir/t$t" --epochs 1 --limit "$limit" --test-limit 128 \
    --threads "$t" --deterministic "$@" >"$dir/out$t.txt"
done
# The tensors of a safetensors file follow its 8-byte header length and the JSON header.
tensors() {
  local n
  n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  tail -c +$((9 + n)) "$1"
}
for t in 2 8; do
  for f in steps.csv metrics.csv; do
    cmp "$dir/t1/run/$f" "$dir/t$t/run/$f" || fail "$f differs between 1 and $t threads"
  done
  cmp <(tensors "$dir/t1/run/model.safetensors") <(tensors "$dir/t$t/run/model.safetensors") ||
    fail "the weights differ between 1 and $t threads"
  [ "$(tail -n 1 "$dir/out1.txt")" = "$(tail -n 1 "$dir/out$t.txt")" ] || fail "the test results differ at $t threads"
done
echo "$(basename "$config"): $(($(wc -l <"$dir/t1/run/steps.csv") - 1)) steps; 1, 2 and 8 threads give bit-identical files"
