#!/usr/bin/env bash
# Runs a data-parallel test program on 2 ranks: run.sh PROGRAM. No PROGRAM: soma was built
# without MPI, and the test is skipped (exit 77).
set -uo pipefail
if [[ $# -eq 0 || -z ${1:-} ]]; then
  echo "skipped: soma was built without MPI (scripts/install-deps.sh installs libopenmpi-dev; then cmake again)"
  exit 77
fi
# Tests run as root in containers; OpenMPI refuses that unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec timeout 580 mpirun --oversubscribe -np 2 "$@"
