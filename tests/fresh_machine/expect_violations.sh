#!/usr/bin/env bash
# Shows that cmake/check_fresh_machine.sh catches what a fresh machine lacks: run on the
# fixture folder violation/, it must fail and name each violation, and nothing else.
#   expect_violations.sh CHECKER INSTALL_DEPS_SCRIPT
set -uo pipefail
checker=$1 deps=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(bash "$checker" "$deps" "$here/violation")
status=$?
echo "$out"
[[ $status == 1 ]] || { echo "FAIL: the check exited with $status on the violations, expected 1"; exit 1; }
expected=("uses.sh:6: it runs 'python3'" "uses.sh:7: it runs 'jq'" "uses.sh:8: it runs 'convert'"
          "uses.sh:9: it runs 'xmllint'" "CMakeLists.txt:2: it runs python" "starts_python.h:3: it runs python"
          "make_data.py:1: a test runs it with python3" "make_data.py:4: it imports 'numpy'")
for e in "${expected[@]}"; do
  grep -qF "$e" <<<"$out" || { echo "FAIL: the check did not report: $e"; exit 1; }
done
[[ $(wc -l <<<"$out") == "${#expected[@]}" ]] || { echo "FAIL: expected ${#expected[@]} violations"; exit 1; }
echo "ok: all ${#expected[@]} violations caught"
