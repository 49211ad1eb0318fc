#!/usr/bin/env bash
# The dashboard end to end in headless Chromium (tests/board/browser_test.mjs): starts
# `soma board` on a copy of tests/board/fixtures/runs, then the script, which starts Chromium
# and runs the checks; the page's screenshot lands in WORK/board.png. Every process it starts is
# killed on the way out, failure included, and each has a time limit, so it never hangs.
# Usage: browser_test.sh SOMA WORK
set -euo pipefail
soma=$1
work=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
browser=$(command -v chromium || true)
[ -n "$browser" ] || { echo "FAIL: no chromium (scripts/install-deps.sh installs it)"; exit 1; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work"
cp -r "$here/fixtures/runs" "$work/runs"

timeout 100 "$soma" board "$work/runs" --port 0 >"$work/board.log" 2>&1 &
pids+=($!)
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/board.log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "FAIL: soma board did not start"; cat "$work/board.log"; exit 1; }
echo "soma board at $url"

# The script kills its Chromium on the way out, on SIGTERM (timeout, the cleanup) too.
timeout 90 node "$here/browser_test.mjs" "$browser" "$url" "$work/runs" "$work/profile" "$work/board.png" &
node=$!
pids+=("$node")
wait "$node"
