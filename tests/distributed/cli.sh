#!/usr/bin/env bash
# `mpirun -np 2 soma train` end to end:
#   cli.sh SOMA CONFIGS resume       stopped at step 5, refused on 1 process, --resume'd at the same
#                                    N: the run folder's steps.csv, metrics.csv and model.safetensors
#                                    are byte for byte those of a run never stopped; only rank 0
#                                    wrote a run folder
#   cli.sh SOMA CONFIGS dead KILL|STOP  rank 1 killed (or stopped: hung) mid-run: the job ends
#                                    with a non-zero status within 60 s; a hung rank makes rank 0
#                                    time out (SOMA_MPI_TIMEOUT=5) and say so
# No SOMA (built without MPI): skipped (exit 77).
set -uo pipefail
soma=$1 configs=$2 case=$3 signal=${4:-}
[ -n "$soma" ] || { echo "skipped: soma was built without MPI (libopenmpi-dev)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { timeout 300 mpirun --oversubscribe -np 2 "$@"; }

if [ "$case" = resume ]; then
  args=(--name run --epochs 2 --limit 512 --test-limit 64 --threads 1)
  mpi "$soma" train "$configs/mlp_fashion.json" "${args[@]}" --runs whole >/dev/null || fail "the whole run failed"
  mpi "$soma" train "$configs/mlp_fashion.json" "${args[@]}" --runs stopped --stop-after 5 >/dev/null
  [ -f stopped/run/checkpoint.safetensors ] && [ ! -f stopped/run/model.safetensors ] || fail "not stopped at step 5"
  if "$soma" train --resume stopped/run >/dev/null 2>err.txt; then fail "a 2-rank run resumed on 1 process"; fi
  grep -q "was trained on 2 rank(s)" err.txt || fail "resuming on 1 process did not say why it refused: $(cat err.txt)"
  mpi "$soma" train --resume stopped/run >/dev/null || fail "--resume failed"
  for f in steps.csv metrics.csv model.safetensors; do
    cmp whole/run/$f stopped/run/$f || fail "$f differs after the stop and resume"
  done
  [ "$(ls whole)" = run ] || fail "a rank other than 0 wrote under --runs: $(ls whole)"
  grep -q '"ranks": 2' whole/run/run.json || fail "run.json does not record the 2 ranks"
  echo "2 ranks: stopped after step 5, resumed; steps.csv, metrics.csv and model.safetensors are bit-identical"
  exit 0
fi

[ "$case" = dead ] && [[ $signal == KILL || $signal == STOP ]] || fail "usage: cli.sh SOMA CONFIGS resume|dead KILL|STOP"
tag=$$-$RANDOM
SOMA_TEST_TAG=$tag SOMA_MPI_TIMEOUT=5 mpi -x SOMA_TEST_TAG -x SOMA_MPI_TIMEOUT "$soma" train "$configs/xor.json" \
  --epochs 100000000 --threads 1 --name run --runs runs >out.txt 2>err.txt &
job=$!
for _ in $(seq 1 1500); do
  [ -f runs/run/checkpoint.safetensors ] && break
  sleep 0.02
done
[ -f runs/run/checkpoint.safetensors ] || fail "training did not start: $(cat err.txt)"
# Rank 1: the process whose environment holds this test's tag and rank 1.
rank1=
for env in /proc/[0-9]*/environ; do
  if grep -qzx "SOMA_TEST_TAG=$tag" "$env" 2>/dev/null && grep -qzx "OMPI_COMM_WORLD_RANK=1" "$env" 2>/dev/null; then
    rank1=$(basename "$(dirname "$env")")
  fi
done
[ -n "$rank1" ] || fail "rank 1's process not found"
start=$(date +%s)
kill -"$signal" "$rank1"
status=0
wait "$job" || status=$?
elapsed=$(($(date +%s) - start))
cat err.txt
[ "$status" -ne 0 ] || fail "the job exited with status 0 after rank 1 got SIG$signal"
[ "$status" -ne 124 ] || fail "the job hung until timeout's 300 s after rank 1 got SIG$signal"
[ "$elapsed" -le 60 ] || fail "the job took $elapsed s to stop after rank 1 got SIG$signal"
if [ "$signal" = STOP ]; then
  grep -q "timed out after 5 s" err.txt || fail "rank 0 did not report the timeout"
fi
echo "rank 1 got SIG$signal: the job stopped with status $status after $elapsed s"
