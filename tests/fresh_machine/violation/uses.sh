#!/usr/bin/env bash
# A test script that a fresh machine cannot run (a fixture of check_fresh_machine.sh, never
# run): each command marked "violation" uses what scripts/install-deps.sh does not install.
set -uo pipefail
run() { "$@" >out.txt; }
python3 -c "import numpy; print(numpy.zeros(3))"  # violation: python3
loss=$(jq .loss run.json)                         # violation: jq
run 0 convert a.png b.jpg                         # violation: convert (ImageMagick)
[[ $(tail -1 out.txt) == ok ]] && /usr/bin/xmllint --noout a.xml  # violation: xmllint
grep -E "python3|jq" out.txt | sort -u            # fine: quoted text is no command
echo "$loss"
