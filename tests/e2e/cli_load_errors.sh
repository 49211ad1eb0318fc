#!/usr/bin/env bash
# Weights that do not fit the model of their config, as a soma command user meets them: the
# error names the file and gives advice for the command line, not the C++ API's strict = false.
#   cli_load_errors.sh SOMA SOURCE_DIR
# Run b has one more layer than run a; a's model and checkpoint are then put into b's folder.
set -uo pipefail
soma=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_error COMMAND...: must exit 1 with a message naming FILE and no "strict".
expect_error() {
  local file=$1; shift
  "$@" >out.txt 2>err.txt && fail "'$*' succeeded: $(cat out.txt)"
  cat err.txt
  grep -q "$file" err.txt || fail "'$*': the message does not name $file"
  grep -q "strict" err.txt && fail "'$*': the message gives the C++ advice (strict)"
  grep -q "missing tensor" err.txt || fail "'$*': the message does not list the missing tensors"
  return 0
}
sed 's/{"type": "Dense", "out": 1}, "Sigmoid"/{"type": "Dense", "out": 3}, "Sigmoid", {"type": "Dense", "out": 1}, "Sigmoid"/' \
  "$src/configs/xor.json" >deeper.json
grep -q '"out": 3' deeper.json || fail "could not make the deeper config from configs/xor.json"
"$soma" train "$src/configs/xor.json" --runs runs --name a --epochs 2 >/dev/null || fail "training run a"
"$soma" train deeper.json --runs runs --name b --epochs 2 >/dev/null || fail "training run b"

cp runs/a/model.safetensors runs/b/model.safetensors
expect_error runs/b/model.safetensors "$soma" evaluate runs/b
grep -q "runs/b/config.json" err.txt || fail "evaluate: the advice does not name the config"
expect_error runs/b/model.safetensors "$soma" predict runs/b x.npy

cp runs/a/checkpoint.safetensors runs/b/checkpoint.safetensors
expect_error runs/b/checkpoint.safetensors "$soma" train --resume runs/b --epochs 3
echo "load errors name the file and give command-line advice"
