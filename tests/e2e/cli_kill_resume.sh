#!/usr/bin/env bash
# `soma train` killed with SIGKILL at random moments, then resumed, for any learner's config:
# the run folder ends with the same steps.csv, metrics.csv and model.safetensors, byte for
# byte, as a run that was never interrupted (the sink drops the rows written after the last
# checkpoint). Each trial is a fresh run killed once: odd trials at a moment drawn over the
# whole uninterrupted run (start-up, folder creation and the end included), even trials
# after its first checkpoint. A run killed before it had a config.json or a checkpoint is
# started again under its name. SEED fixes the moments (default: 1).
#   cli_kill_resume.sh path/to/soma CONFIG.json LIMIT [TRIALS] [SEED]
set -euo pipefail
soma=$1 config=$2 limit=$3 trials=${4:-2}
RANDOM=${5:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }

# The same config with a checkpoint every 3 steps, so a kill lands between two of them.
sed '0,/{/s//{"checkpoint_every": 3, "verbose": 0,/' "$config" >config.json
# soma itself, not a shell function or subshell, goes to the background: $! must be its pid.
opts="--name run --epochs 2 --limit $limit --test-limit 64 --threads 1"

# The uninterrupted run, timed: its end and the moment its first checkpoint appeared.
start=$(now)
"$soma" train config.json $opts --runs whole >/dev/null &
pid=$!
first=""
while kill -0 "$pid" 2>/dev/null; do
  [ -z "$first" ] && [ -f whole/run/checkpoint.safetensors ] && first=$(now)
  sleep 0.02
done
wait "$pid" || fail "the uninterrupted run failed"
end=$(now)
total=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
after=$(awk -v a="$start" -v b="${first:-$start}" 'BEGIN { print b - a }')

mid=0 early=0 late=0
for trial in $(seq "$trials"); do
  # A moment in [0, total) (odd trials) or [after, total) (even trials), in seconds.
  from=$([ $((trial % 2)) -eq 1 ] && echo 0 || echo "$after")
  moment=$(awk -v r=$RANDOM -v lo="$from" -v hi="$total" 'BEGIN { printf "%.3f", lo + (hi - lo) * r / 32768 }')
  runs=killed$trial
  "$soma" train config.json $opts --runs "$runs" >/dev/null &
  pid=$!
  sleep "$moment"
  kill -KILL "$pid" 2>/dev/null || true
  status=0
  wait "$pid" || status=$?
  landed="mid-run, resumed"
  if [ "$status" -eq 0 ]; then
    late=$((late + 1))  # it finished first
    landed="after the end"
  elif [ "$status" -ne 137 ]; then
    fail "trial $trial: the run exited with status $status before the kill"
  elif [ -f "$runs/run/checkpoint.safetensors" ] && [ -f "$runs/run/config.json" ]; then
    mid=$((mid + 1))
    "$soma" train --resume "$runs/run" >/dev/null
  else
    early=$((early + 1))  # no checkpoint yet: the same command again restarts it in place
    landed="before the first checkpoint, restarted"
    "$soma" train config.json $opts --runs "$runs" >/dev/null
  fi
  for f in steps.csv metrics.csv model.safetensors; do
    cmp whole/run/$f "$runs/run/$f" || fail "trial $trial (killed at ${moment}s of ${total}s): $f differs"
  done
  echo "trial $trial: killed at ${moment}s of ${total}s ($landed): the files are bit-identical" >&2
  rm -rf "$runs"
done
echo "$(basename "$config"): $trials kills at random moments ($mid mid-run and resumed, $early before the first" \
  "checkpoint and restarted, $late after the end); every resumed run's files are bit-identical"
