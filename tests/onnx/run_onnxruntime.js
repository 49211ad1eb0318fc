// Runs the ONNX files that tests/onnx/export_test.cpp wrote with onnxruntime (npm package
// onnxruntime-node, installed by scripts/install-deps.sh), all in one process so that the test
// starts node once. It only runs them; the C++ test compares the outputs with soma's.
//   node run_onnxruntime.js ONNXRUNTIME_NODE_DIR CASES_DIR
// CASES_DIR/manifest.json: {"cases": [{"name", "model", "inputs": [{"name", "type", "dims",
// "file"}]}]}, the inputs raw little-endian float32 or int64. Writes NAME.result.json per case:
// {"outputs": [{"name", "dims", "file"}]} (raw float32) or {"error": "..."}.
'use strict';
const fs = require('fs');
const path = require('path');

const [ortDir, dir] = process.argv.slice(2);
const ort = require(ortDir);

// A copy: a Buffer's bytes may sit at an offset that a typed array cannot start from.
function bytesOf(file) {
  const b = fs.readFileSync(path.join(dir, file));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
}

async function runCase(c) {
  const session = await ort.InferenceSession.create(path.join(dir, c.model));
  const feeds = {};
  for (const input of c.inputs) {
    const bytes = bytesOf(input.file);
    const data = input.type === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
    feeds[input.name] = new ort.Tensor(input.type, data, input.dims);
  }
  const results = await session.run(feeds);
  const outputs = session.outputNames.map((name, i) => {
    const t = results[name];
    const file = `${c.name}.out${i}.bin`;
    fs.writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return {name, dims: t.dims, file};
  });
  return {outputs};
}

(async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const c of manifest.cases) {
    let result;
    try {
      result = await runCase(c);
    } catch (e) {
      result = {error: String(e && e.message ? e.message : e)};
    }
    fs.writeFileSync(path.join(dir, `${c.name}.result.json`), JSON.stringify(result));
  }
})().catch((e) => {
  console.error(`run_onnxruntime.js: ${e}`);
  process.exit(1);
});
