#!/usr/bin/env bash
# End-to-end tests of the soma command, one case per CTest test:
#   cli.sh SOMA SOURCE_DIR CASE [CONFIG | GIF_INFO | ONNXRUNTIME_NODE_DIR]
# Each case runs in a fresh temporary folder, trains on a few hundred examples at most, and
# fails with a message saying what differed.
set -uo pipefail
soma=$1 src=$2 case=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# run EXPECTED_STATUS command...: runs it, prints its output, checks the exit status.
run() {
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  cat out.txt err.txt
  [[ $got == "$want" ]] || fail "'$*' exited with $got, expected $want"
}
quick=(--limit 192 --test-limit 200 --threads 2)

case $case in
help)
  run 0 "$soma" --help
  grep -q "train" out.txt || fail "--help lists no train command"
  for cmd in train evaluate predict summary gradcheck bench play; do
    run 0 "$soma" $cmd --help
    grep -qi "usage" out.txt || fail "$cmd --help prints no usage"
  done
  run 0 "$soma" --version
  grep -Eq "^soma [0-9]+\.[0-9]+\.[0-9]+$" out.txt || fail "--version: $(cat out.txt)"
  ;;

train-evaluate-predict)
  # A run folder with everything in it.
  run 0 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name a --epochs 2 "${quick[@]}"
  grep -Eq "^test accuracy 0\.[0-9]+$" <(tail -1 out.txt) || fail "train: no test accuracy last"
  for f in config.json run.json metrics.csv steps.csv times.csv loss.png loss.svg accuracy.png accuracy.svg \
           checkpoint.safetensors model.safetensors best.safetensors report.md; do
    [[ -s runs/a/$f ]] || fail "runs/a/$f is missing"
  done
  [[ $(wc -l <runs/a/metrics.csv) == 3 ]] || fail "metrics.csv: $(cat runs/a/metrics.csv)"
  [[ $(wc -l <runs/a/steps.csv) == 7 ]] || fail "steps.csv should have 6 steps: $(cat runs/a/steps.csv)"
  [[ $(wc -l <runs/a/times.csv) == 7 ]] || fail "times.csv should have 6 steps: $(cat runs/a/times.csv)"
  grep -q '"in": 3136' runs/a/config.json || fail "config.json lacks the resolved Dense input size"
  grep -q '"status": "finished"' runs/a/run.json || fail "run.json: $(cat runs/a/run.json)"
  grep -q '"machine"' runs/a/run.json || fail "run.json has no machine"
  # The same name again is refused, pointing at --resume.
  run 1 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name a "${quick[@]}"
  grep -q "soma train --resume runs/a" err.txt || fail "no --resume hint"

  # Without --name the config's name is used, numbered when taken.
  run 0 "$soma" train "$src/configs/xor.json" --runs runs --epochs 1
  run 0 "$soma" train "$src/configs/xor.json" --runs runs --epochs 1
  [[ -d runs/xor && -d runs/xor-2 ]] || fail "expected runs/xor and runs/xor-2: $(ls runs)"

  run 0 "$soma" evaluate runs/a --limit 100
  grep -Eq "^accuracy 0\.[0-9]+$" <(tail -1 out.txt) || fail "evaluate: no accuracy line"
  grep -q "^Ankle boot" out.txt || fail "evaluate: no per-class table"
  run 0 "$soma" evaluate runs/a/model.safetensors --limit 100

  # predict: IDX images, a PNG, and a PNG of the wrong size.
  run 0 "$soma" predict runs/a /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --max-rows 5
  [[ $(grep -c "^[0-9]*: " out.txt) == 5 ]] || fail "predict: expected 5 rows"
  grep -q "more (--max-rows)" out.txt || fail "predict: no count of the rows left out"
  # A 28x28 grey PNG and zeros [3, 784] as NPY, committed (tests run no Python).
  cp "$src/tests/e2e/fixtures/item.png" "$src/tests/e2e/fixtures/x.npy" .
  run 0 "$soma" predict runs/a x.npy
  [[ $(grep -c "^[0-9]: " out.txt) == 3 ]] || fail "predict npy: expected 3 rows"
  run 0 "$soma" predict runs/a item.png --top 2
  grep -Eq "^0: [^,]+ 0\.[0-9]{4}, [^,]+ 0\.[0-9]{4}$" out.txt || fail "predict png: $(cat out.txt)"
  run 1 "$soma" predict runs/a runs/a/loss.png
  grep -q "is 800x480 pixels but the model takes 28x28 images" err.txt || fail "wrong-size image message"
  # A 54-byte BMP declaring 65535x16384 pixels is refused from its header, never decoded.
  printf 'BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\xff\xff\0\0\0\x40\0\0\x01\0\x18\0' >huge.bmp
  head -c 24 /dev/zero >>huge.bmp
  run 1 "$soma" predict runs/a huge.bmp
  grep -q "is 65535x16384 pixels but the model takes 28x28 images" err.txt || fail "huge image: $(cat err.txt)"
  # A run folder's config.json nested 40,000 levels deep is refused, not a stack overflow.
  mkdir deep && cp runs/a/model.safetensors deep/
  { printf '{"model": '; head -c 40000 /dev/zero | tr '\0' '['; head -c 40000 /dev/zero | tr '\0' ']'; printf '}'; } >deep/config.json
  run 1 "$soma" evaluate deep
  grep -q "deep/config.json:1:110: model\[0\].*nested deeper than 100 levels" err.txt || fail "deep config: $(cat err.txt)"
  run 1 "$soma" train --resume deep
  grep -q "nested deeper than 100 levels" err.txt || fail "deep config on resume: $(cat err.txt)"
  # Weights diverged to NaN (lr 1e38): evaluate reports a NaN loss, not a confusion-matrix error.
  printf '{"data": {"train": {"x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0]}}, "model": [{"type": "Dense", "out": 3}, "ReLU", {"type": "Dense", "out": 2}], "optimizer": {"type": "sgd", "lr": 1e38}, "epochs": 3, "batch_size": 2}' >nan.json
  run 0 "$soma" train nan.json --runs runs --name nan
  run 0 "$soma" evaluate runs/nan
  grep -q "^loss nan$" out.txt || fail "NaN weights: $(cat out.txt err.txt)"
  ;;

resume)
  # Interrupted after 5 steps, then resumed: the same steps, metrics and weights as a run
  # that was never interrupted.
  run 0 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name whole --epochs 2 "${quick[@]}"
  run 3 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name cut --epochs 2 "${quick[@]}" --stop-after 5
  grep -q "soma train --resume runs/cut" out.txt || fail "no resume hint after the interruption"
  grep -q '"status": "interrupted"' runs/cut/run.json || fail "run.json: $(cat runs/cut/run.json)"
  run 1 "$soma" train --resume runs/cut --seed 3
  grep -q "only --epochs and --threads" err.txt || fail "--resume accepted --seed"
  run 0 "$soma" train --resume runs/cut
  cmp runs/whole/steps.csv runs/cut/steps.csv || fail "steps.csv differ after resume"
  cmp runs/whole/metrics.csv runs/cut/metrics.csv || fail "metrics.csv differ after resume"
  "$soma" evaluate runs/whole >whole.txt && "$soma" evaluate runs/cut >cut.txt || fail "evaluate failed"
  diff <(tail -2 whole.txt) <(tail -2 cut.txt) || fail "evaluations differ after resume"
  # Resuming a finished run trains nothing more; more --epochs continue it.
  run 0 "$soma" train --resume runs/cut --epochs 3
  [[ $(wc -l <runs/cut/metrics.csv) == 4 ]] || fail "--epochs 3 on resume: $(cat runs/cut/metrics.csv)"
  # A GAN (two players, its own noise generator) resumes exactly too, mid-epoch.
  run 0 "$soma" train "$src/configs/gan_fashion.json" --runs runs --name gan_whole --epochs 2 --limit 192 --threads 2
  run 3 "$soma" train "$src/configs/gan_fashion.json" --runs runs --name gan_cut --epochs 2 --limit 192 --threads 2 --stop-after 4
  run 0 "$soma" train --resume runs/gan_cut
  cmp runs/gan_whole/steps.csv runs/gan_cut/steps.csv || fail "GAN steps.csv differ after resume"
  cmp runs/gan_whole/samples_epoch_2.png runs/gan_cut/samples_epoch_2.png || fail "GAN samples differ after resume"
  ;;

summary-gradcheck)
  run 0 "$soma" summary "$src/configs/cnn_fashion.json"
  grep -q "^Total params: 421,770" out.txt || fail "summary total"
  grep -Eq "^layers.8 \(Dense\) +\[N, 128\] +401,536" out.txt || fail "summary Dense row"
  run 0 "$soma" summary "$src/configs/residual_cnn.json"
  grep -q "block2_add (Add)" out.txt || fail "summary of the residual graph"
  run 0 "$soma" gradcheck "$src/configs/cnn_fashion.json" --batch 2 --samples 3
  [[ $(tail -1 out.txt) == "gradcheck passed" ]] || fail "gradcheck"
  run 0 "$soma" gradcheck "$src/configs/xor.json"
  if [[ -s $src/third_party/kjv/kjv.txt ]]; then  # int64 ids through an Embedding, in float64
    run 0 "$soma" gradcheck "$src/configs/char_lstm.json" --batch 1 --samples 2
    [[ $(tail -1 out.txt) == "gradcheck passed" ]] || fail "gradcheck of char_lstm"
  fi
  ;;

bad-config)
  printf '{"data": "fashion-mnist", "model": {"layers": [\n {"type": "Conv2d", "out": 8, "kernel": "3x3"}]}}' >bad.json
  run 1 "$soma" train bad.json --runs runs
  [[ $(cat err.txt) == 'soma: config error: model.layers[0].kernel: expected a positive integer or a list of two, got "3x3"' ]] ||
    fail "message: $(cat err.txt)"
  printf '{"data": {"train": {"csv": "missing.csv", "label_column": "y"}}, "model": ["ReLU"]}' >nodata.json
  run 1 "$soma" train nodata.json --runs runs
  grep -q "^soma: config error: data.train.csv: .*missing.csv" err.txt || fail "missing file: $(cat err.txt)"
  printf '{"epochs": 1,\n "seed" 2}' >syntax.json
  run 1 "$soma" summary syntax.json
  grep -q "^soma: config error: syntax.json:2:9: invalid JSON" err.txt || fail "syntax: $(cat err.txt)"
  [[ $(wc -l <err.txt) == 1 ]] || fail "more than one line of error"
  printf '{"data": {"train": {"x": [[0, 1]], "y": [0]}}, "model": [{"type": "Dense", "out": 2}],\n "augment": ["random_horizontal_flip", {"type": "random_rotation", "degrees": 200}]}' >aug.json
  run 1 "$soma" summary aug.json
  [[ $(cat err.txt) == 'soma: config error: augment[1].degrees: expected a number in [0, 180], got 200' ]] ||
    fail "augment message: $(cat err.txt)"
  [[ ! -e runs ]] || fail "refused configs left run folders: $(ls runs)"
  printf '{"model": [{"type": "Dense", "out": 5, "out": 500}]}' >dup.json
  run 1 "$soma" summary dup.json
  [[ $(cat err.txt) == 'soma: config error: dup.json:1:40: model[0].out: given twice; expected each key once in an object' ]] ||
    fail "duplicate key: $(cat err.txt)"
  # A 10 MB name is not echoed whole into the error.
  { printf '{"name": "'; head -c 10000000 /dev/zero | tr '\0' 'x'; printf '", "data": {"train": {"x": [[0]], "y": [0]}}, "model": [{"type": "Dense", "out": 2}]}'; } >long.json
  run 1 "$soma" train long.json --runs runs
  (( $(wc -c <err.txt) < 400 )) || fail "a long name made a $(wc -c <err.txt)-byte error"
  grep -q "expected a run name of at most 200 characters" err.txt || fail "long name: $(head -c 400 err.txt)"
  printf '[1, 2]' >array.json
  run 1 "$soma" summary array.json
  grep -q "^soma: config error: array.json: expected a JSON object" err.txt || fail "array config: $(cat err.txt)"
  ;;

run-folders)
  # A refused config leaves no folder behind.
  printf '{"data": "fashion-mnist", "model": [{"type": "Dense", "out": -1}]}' >bad.json
  run 1 "$soma" train bad.json --runs runs --name r
  [[ ! -e runs ]] || fail "a refused config left $(ls -R runs)"
  # A run that never wrote a checkpoint (killed early, or an older soma's empty folder) is
  # restarted in place under its name, and the temporary files of killed writers go.
  mkdir -p runs/r && echo '{}' >runs/r/config.json && echo half >runs/r/.checkpoint.safetensors.99.0.tmp
  run 0 "$soma" train "$src/configs/xor.json" --runs runs --name r --epochs 2
  [[ -s runs/r/model.safetensors && ! -e runs/r/.checkpoint.safetensors.99.0.tmp ]] || fail "restart in place: $(ls -a runs/r)"
  # One that has a checkpoint is not.
  run 1 "$soma" train "$src/configs/xor.json" --runs runs --name r --epochs 2
  grep -q "soma train --resume runs/r" err.txt || fail "no --resume hint: $(cat err.txt)"
  # --resume of a run with no checkpoint starts it again from its config.json.
  mkdir runs/s && cp runs/r/config.json runs/s/
  run 0 "$soma" train --resume runs/s
  grep -q "restarting (no checkpoint yet)" out.txt || fail "resume without a checkpoint: $(cat out.txt)"
  [[ -s runs/s/model.safetensors ]] || fail "the restarted run wrote no model"
  # While another process holds the folder's lock, neither a second --resume nor a writer
  # under the same --name gets in.
  run 1 flock runs/s/lock "$soma" train --resume runs/s --epochs 3
  grep -q "runs/s' is in use by another soma process" err.txt || fail "second --resume: $(cat err.txt)"
  rm runs/s/model.safetensors runs/s/checkpoint.safetensors
  run 1 flock runs/s/lock "$soma" train "$src/configs/xor.json" --runs runs --name s
  grep -q "runs/s' is in use by another soma process" err.txt || fail "second writer: $(cat err.txt)"
  # Two trainings started at once under one --name: exactly one gets the folder; without a
  # name, each gets its own.
  "$soma" train "$src/configs/xor.json" --runs race --name same --epochs 20 >a.txt 2>&1 & a=$!
  "$soma" train "$src/configs/xor.json" --runs race --name same --epochs 20 >b.txt 2>&1 & b=$!
  wait $a; sa=$?; wait $b; sb=$?
  [[ $((sa + sb)) == 1 ]] || fail "two writers of one --name exited $sa and $sb: $(cat a.txt b.txt)"
  "$soma" train "$src/configs/xor.json" --runs race2 --epochs 20 >a.txt 2>&1 & a=$!
  "$soma" train "$src/configs/xor.json" --runs race2 --epochs 20 >b.txt 2>&1 & b=$!
  wait $a && wait $b || fail "two unnamed runs: $(cat a.txt b.txt)"
  [[ -s race2/xor/model.safetensors && -s race2/xor-2/model.safetensors ]] || fail "two unnamed runs: $(ls race2)"
  # threads beyond what the CLI allows are refused in a config too.
  printf '{"threads": 100000}' >threads.json
  run 1 "$soma" train threads.json --runs runs
  [[ $(cat err.txt) == 'soma: config error: threads: expected an integer from 0 (all cores) to 1024, got 100000' ]] ||
    fail "threads: $(cat err.txt)"
  ;;

play)
  # soma play on a DQN run of 300 steps (a small fixture): each episode's return, a mean equal to
  # the run's own test evaluation (the same episodes), the GIF of the first episode (read back by
  # gif_info, giflib's decoder: one frame per step plus the first), refusals naming the folder.
  gif_info=$4
  run 0 "$soma" train "$src/tests/e2e/fixtures/dqn_cartpole_resume.json" --runs runs --name p --epochs 1 --threads 1
  test_return=$(sed -n 's/^test episode_return //p' out.txt)
  [[ -n $test_return ]] || fail "train printed no test episode_return"
  for f in steps.csv metrics.csv episode_return.png episode_length.png loss.png q.png epsilon.png model.safetensors; do
    [[ -s runs/p/$f ]] || fail "runs/p/$f is missing"
  done
  head -1 runs/p/metrics.csv | grep -q "episode_return" || fail "metrics.csv has no episode_return: $(head -1 runs/p/metrics.csv)"

  run 0 "$soma" play runs/p --episodes 2 --gif ep.gif
  grep -Eq "^episode 1: return [0-9]+, [0-9]+ steps$" out.txt || fail "no return of episode 1"
  grep -Eq "^episode 2: return [0-9]+, [0-9]+ steps$" out.txt || fail "no return of episode 2"
  last=$(tail -1 out.txt)
  [[ $last =~ ^mean\ return\ ([0-9.]+)\ \(std\ [0-9.]+\ over\ 2\ episodes\)$ ]] || fail "last line: $last"
  [[ ${BASH_REMATCH[1]} == $(printf "%.1f" "$test_return") ]] ||
    fail "play's mean ${BASH_REMATCH[1]} differs from the run's test episode_return $test_return (the same episodes)"
  steps=$(sed -n 's/^episode 1: return [0-9]*, \([0-9]*\) steps$/\1/p' out.txt)
  info=$("$gif_info" ep.gif) || fail "ep.gif is not a readable GIF"
  [[ $info == "600x400 $((steps + 1)) frames" ]] || fail "ep.gif: $info, expected 600x400 and $((steps + 1)) frames"

  # Another seed plays other episodes; still one line per episode.
  run 0 "$soma" play runs/p --episodes 3 --seed 7
  [[ $(grep -c "^episode " out.txt) == 3 ]] || fail "--episodes 3 played $(grep -c "^episode " out.txt)"

  # Refusals name the folder.
  mkdir -p sup nomodel
  cp "$src/configs/xor.json" sup/config.json
  run 1 "$soma" play sup
  grep -q "'sup' holds a supervised run, not a reinforcement-learning one" err.txt || fail "non-RL run: $(cat err.txt)"
  cp runs/p/config.json nomodel/
  run 1 "$soma" play nomodel
  grep -q "'nomodel' has neither model.safetensors nor checkpoint.safetensors" err.txt || fail "no model: $(cat err.txt)"
  run 1 "$soma" play nowhere
  grep -q "'nowhere' is not a run folder" err.txt || fail "no folder: $(cat err.txt)"
  ;;

config)
  # Every config in configs/ trains for a few steps.
  config=$4
  epochs=1
  [[ $(basename "$config") == xor.json ]] && epochs=20
  run 0 "$soma" train "$config" --runs runs --name c --epochs $epochs --limit 128 --test-limit 100 --threads 2
  [[ -s runs/c/model.safetensors ]] || fail "no model.safetensors"
  ;;

export)
  # soma export (registered by tests/onnx when soma has the onnx layer): a CNN trained for a few
  # steps is exported and run by onnxruntime on another batch size; a GAN run and a missing
  # folder are refused in one line.
  ort=$4
  run 0 "$soma" train "$src/configs/cnn_fashion.json" --runs runs --name cnn --limit 128 --test-limit 64 --epochs 1 --threads 2
  run 0 "$soma" export runs/cnn cnn.onnx
  grep -q "^wrote cnn.onnx: ONNX opset 17, Sequential from runs/cnn/model.safetensors, inputs \[1, 1, 28, 28\]" out.txt ||
    fail "export: $(cat out.txt)"
  node -e "
const ort = require('$ort');
(async () => {
  const s = await ort.InferenceSession.create('cnn.onnx');
  const x = new ort.Tensor('float32', new Float32Array(3 * 784).fill(0.5), [3, 1, 28, 28]);
  const y = (await s.run({input: x})).output;
  console.log('names', s.inputNames.join(','), s.outputNames.join(','), 'dims', y.dims.join('x'));
})().catch((e) => { console.error(String(e)); process.exit(1); });" >out.txt 2>&1 || fail "onnxruntime: $(cat out.txt)"
  grep -q "^names input output dims 3x10$" out.txt || fail "onnxruntime ran it with another result: $(cat out.txt)"
  run 0 "$soma" train "$src/configs/gan_fashion.json" --runs runs --name gan --limit 64 --epochs 1 --threads 2
  run 1 "$soma" export runs/gan gan.onnx
  grep -q "holds a gan learner" err.txt || fail "a GAN run was not refused: $(cat err.txt)"
  [[ ! -e gan.onnx ]] || fail "gan.onnx was written"
  run 1 "$soma" export runs/none none.onnx
  [[ $(wc -l <err.txt) == 1 ]] && grep -q "^soma: error: 'runs/none' does not exist" err.txt || fail "$(cat err.txt)"
  ;;

*) fail "unknown case $case" ;;
esac
echo "ok: $case"
