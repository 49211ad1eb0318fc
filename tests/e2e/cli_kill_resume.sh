#!/usr/bin/env bash
# `soma train` killed with SIGKILL mid-run, then `--resume`d, for any learner's config: the run
# folder ends with the same steps.csv, metrics.csv and model.safetensors, byte for byte, as a
# run that was never interrupted (the sink drops the rows written after the last checkpoint).
#   cli_kill_resume.sh path/to/soma CONFIG.json LIMIT
set -euo pipefail
soma=$1 config=$2 limit=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The same config with a checkpoint every 3 steps, so the kill lands between two of them.
sed '0,/{/s//{"checkpoint_every": 3, "verbose": 0,/' "$config" >config.json

"$soma" train config.json --name run --epochs 2 --limit "$limit" --test-limit 64 --threads 1 --runs whole >/dev/null

"$soma" train config.json --name run --epochs 2 --limit "$limit" --test-limit 64 --threads 1 --runs killed >/dev/null &
pid=$!
for _ in $(seq 1 600); do
  [ -f killed/run/checkpoint.safetensors ] && break
  sleep 0.02
done
sleep 0.4  # some more steps, written to steps.csv after the last checkpoint
kill -KILL "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 137 ] && [ ! -f killed/run/model.safetensors ] || fail "not killed mid-run (exit status $status)"

written=$(($(wc -l <killed/run/steps.csv) - 1))
"$soma" train --resume killed/run >/dev/null
for f in steps.csv metrics.csv model.safetensors; do
  cmp whole/run/$f killed/run/$f || fail "$f differs after the kill and resume"
done
echo "$(basename "$config"): killed after $written of $(($(wc -l <whole/run/steps.csv) - 1)) steps; the resumed run's files are bit-identical"
