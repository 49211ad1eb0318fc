#!/usr/bin/env bash
# soma export end to end: a CNN trained for a few steps is exported and the file is run by
# onnxruntime on another batch size; a GAN run and a missing folder are refused in one line.
#   cli_export.sh SOMA SOURCE_DIR ONNXRUNTIME_NODE_DIR
set -uo pipefail
soma=$1 src=$2 ort=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
run() {  # run EXPECTED_STATUS command...
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  cat out.txt err.txt
  [[ $got == "$want" ]] || fail "'$*' exited with $got, expected $want"
}
quick=(--limit 128 --test-limit 64 --epochs 1 --threads 2)

run 0 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name cnn "${quick[@]}"
run 0 "$soma" export runs/cnn cnn.onnx
grep -q "^wrote cnn.onnx: ONNX opset 17, Sequential from runs/cnn/model.safetensors, inputs \[1, 1, 28, 28\]" out.txt ||
  fail "export: $(cat out.txt)"
[[ -s cnn.onnx ]] || fail "cnn.onnx was not written"
# onnxruntime loads it and runs a batch of 3 (the file was exported for 1).
node -e "
const ort = require('$ort');
(async () => {
  const s = await ort.InferenceSession.create('cnn.onnx');
  const x = new ort.Tensor('float32', new Float32Array(3 * 784).fill(0.5), [3, 1, 28, 28]);
  const y = (await s.run({input: x})).output;
  console.log('names', s.inputNames.join(','), s.outputNames.join(','), 'dims', y.dims.join('x'));
})().catch((e) => { console.error(String(e)); process.exit(1); });" >out.txt 2>&1 || fail "onnxruntime: $(cat out.txt)"
cat out.txt
grep -q "^names input output dims 3x10$" out.txt || fail "onnxruntime ran it with another result: $(cat out.txt)"

run 0 "$soma" train "$src/configs/gan_fashion.json" --runs runs --name gan --limit 64 --epochs 1 --threads 2
run 1 "$soma" export runs/gan gan.onnx
grep -q "holds a gan learner" err.txt || fail "a GAN run was not refused: $(cat err.txt)"
[[ ! -e gan.onnx ]] || fail "gan.onnx was written"
run 1 "$soma" export runs/none none.onnx
[[ $(wc -l <err.txt) == 1 ]] && grep -q "^soma: error: 'runs/none' does not exist" err.txt || fail "$(cat err.txt)"
echo "ok"
