#!/usr/bin/env bash
# bench/kill_trials.sh: `soma train` killed with SIGKILL at TRIALS random moments (default 20)
# per config, for a classifier, a GAN and an RBM, each resumed and compared byte for byte with
# an uninterrupted run (tests/e2e/cli_kill_resume.sh; `make test` runs 2 per config). Builds
# nothing: run `make` first.
#   bench/kill_trials.sh [TRIALS] [SEED]
set -eu
cd "$(dirname "$0")/.."
BUILD=$(realpath "${BUILD:-build}")
trials=${1:-20} seed=${2:-1}
status=0
for run in cnn_fashion:1600 gan_fashion:3200 rbm_fashion:19200; do
  bash tests/e2e/cli_kill_resume.sh "$BUILD/bin/soma" "$PWD/configs/${run%%:*}.json" "${run##*:}" "$trials" "$seed" || status=1
done
exit $status
