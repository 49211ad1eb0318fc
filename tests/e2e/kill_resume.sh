#!/usr/bin/env bash
# Kill-and-resume, end to end: a training process writing checkpoints every 7 batches is killed
# with SIGKILL mid-epoch; a new process resumes from the last checkpoint and finishes; its final
# weights must equal, byte for byte, those of a run that was never interrupted.
#   kill_resume.sh path/to/soma_resume_e2e
set -euo pipefail
program=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$program" --out "$dir/reference.safetensors"

"$program" --out "$dir/killed.safetensors" --checkpoint "$dir/ckpt.safetensors" --every 7 --delay-ms 20 &
pid=$!
for _ in $(seq 1 1200); do
  [ -f "$dir/ckpt.safetensors" ] && break
  sleep 0.05
done
sleep 0.3  # a few more batches, so the kill lands between checkpoints
kill -KILL "$pid"
status=0
wait "$pid" || status=$?
if [ "$status" -ne 137 ] || [ -f "$dir/killed.safetensors" ]; then
  echo "FAIL: the training process was not killed mid-run (exit status $status)" >&2
  exit 1
fi

"$program" --out "$dir/resumed.safetensors" --checkpoint "$dir/ckpt.safetensors" --every 7 --resume | tee "$dir/log"
if ! grep -Eq '^resuming at epoch [0-9]+, batch [1-9][0-9]* ' "$dir/log"; then
  echo "FAIL: the checkpoint was not taken mid-epoch" >&2
  exit 1
fi
if ! cmp "$dir/reference.safetensors" "$dir/resumed.safetensors"; then
  echo "FAIL: the resumed run's weights differ from the uninterrupted run's" >&2
  exit 1
fi
echo "resumed weights are bit-identical to the uninterrupted run's"
