#!/usr/bin/env bash
# soma play end to end: a DQN run trained for 300 steps (a small fixture) is played greedily; the
# returns are printed, their mean equals the run's own test evaluation (same episodes), the GIF
# holds the first episode (one frame per step plus the first); a folder that is not an RL run,
# or holds no model, is refused naming the folder.
#   cli_play.sh SOMA GIF_INFO SOURCE_DIR
set -uo pipefail
soma=$1 gif_info=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
run() {
  local want=$1; shift
  "$@" >out.txt 2>err.txt; local got=$?
  cat out.txt err.txt
  [[ $got == "$want" ]] || fail "'$*' exited with $got, expected $want"
}

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
echo "ok: play"
