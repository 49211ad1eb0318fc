#!/usr/bin/env bash
# The fresh-machine check: fails when a test uses a program or a Python module that
# scripts/install-deps.sh does not install, since on a fresh Debian machine only those (and the
# Essential packages every Debian has) are there. Run by `make test` (ctest
# fresh_machine.tests_use_only_installed); tests/fresh_machine/violation shows what it catches.
#   check_fresh_machine.sh INSTALL_DEPS_SCRIPT PATH...   (folders are searched, files read)
# What it reads, without running anything: every command word of the shell scripts (the first
# word of each command, after `if`, `!`, `$(`, `|`, `&&`, ..., and the command given to a
# wrapper: timeout, nice, env, exec, xargs, flock FILE, or a function of the script called as
# `run STATUS cmd`), python started from C++ or CMake (system, popen, COMMAND), and the imports
# of each .py file that a test names. It is a reader, not a shell: quoted text is skipped except
# inside $(...), so `grep -E "a|b"` is fine.
#   check_fresh_machine.sh --list INSTALL_DEPS_SCRIPT PATH...  also prints every command word found
set -uo pipefail
list=0
[[ ${1:-} == --list ]] && { list=1; shift; }
deps=$1; shift

# The packages install-deps.sh installs: the words of its `packages=(...)` list.
packages=$(sed -n '/^packages=(/,/)/p' "$deps" | tr -d '()"' | sed 's/packages=//; s/\$@//' | tr -s ' \n' '\n' |
           grep -v '^$')
has_package() { grep -qx "$1" <<<"$packages"; }

# Programs of the packages every Debian has (Essential or required: bash, coreutils, diffutils,
# findutils, grep, sed, gzip, tar, util-linux, mawk, dpkg), and bash's builtins and keywords.
allowed=" bash sh [ [[ test echo printf cd pwd set unset shift exit return trap local declare export read
  source . eval exec command type wait kill true false break continue let shopt getopts pushd popd umask
  cat cp mv rm ln mkdir rmdir ls touch chmod head tail wc tr cut sort uniq paste join comm tee mktemp
  basename dirname realpath readlink stat du df date sleep seq yes env nice timeout od dd truncate
  sha256sum md5sum cksum expr printenv id nproc split fold diff cmp find xargs grep egrep sed awk mawk
  gzip gunzip zcat tar flock getopt mountpoint dpkg-deb"
allowed=" $(echo $allowed) "  # one space between words, and around them
# Programs of the packages the script installs.
# (g++ brings binutils: nm, c++filt, ...)
for pair in cmake:cmake cmake:ctest cmake:cpack ninja-build:ninja g++:g++ g++:c++ g++:gcc g++:nm g++:c++filt \
            g++:objdump g++:ar g++:ld pkg-config:pkg-config \
            openmpi-bin:mpirun openmpi-bin:mpiexec npm:npm npm:node bible-kjv:bible python3:python3 chromium:chromium clang:clang clang:clang++; do
  has_package "${pair%%:*}" && allowed+="${pair#*:} "
done
# install-deps.sh checks npm with `command -v` and installs it when missing.
grep -q 'missing+=(npm)' "$deps" && allowed+="npm node "

status=0
violation() {  # FILE LINE WHAT
  echo "fresh machine: $1:$2: $3, which scripts/install-deps.sh does not install"
  status=1
}

# The command words of a shell script, as "LINE WORD", one per line.
command_words() {
  awk '
    function flush(seg,   n, w, i, k, word, fn) {
      n = split(seg, w, /[ \t]+/)
      i = 1
      while (i <= n && (w[i] == "" || w[i] ~ /^[A-Za-z_][A-Za-z_0-9]*=/ || w[i] ~ /^[0-9]*[<>]/)) i++
      if (i > n) return
      word = w[i]
      # Keywords that start a command after them.
      while (word ~ /^(if|then|else|elif|do|while|until|!|time|\{)$/ && i < n) word = w[++i]
      if (word ~ /^(for|case|in|select|function|fi|done|esac|then|do|else)$/) return
      if (word ~ /^[A-Za-z_][A-Za-z_0-9]*(\[[^]]*\])?\+?=/) return  # an assignment
      if (word ~ /\//) { if (word !~ /^\//) return; sub(/.*\//, "", word) }
      if (word !~ /^[A-Za-z_][A-Za-z0-9_.+-]*$/ || word in defined) {  # an operator, a quote, a variable
        if (!(word in defined)) return
      }
      if (word in defined) { called(i, n, w, 0, 1); return }
      print line_no, word
      if (word ~ /^(timeout|nice|env|exec|xargs|command|flock|sudo)$/) called(i, n, w, word == "flock")
    }
    # A wrapper, or a function of this script called as `run STATUS cmd`, runs its argument.
    # need_status: only after a number, as in `run 1 flock ...` (not `has_package python3`).
    function called(i, n, w, skip, need_status,   k, word, seen) {
        for (k = i + 1; k <= n; k++) {
          if (w[k] ~ /^[0-9]+$/) seen = 1
          if (w[k] == "" || w[k] ~ /^-/ || w[k] ~ /^[0-9.]+[smhd]?$/ || w[k] ~ /^[A-Za-z_]+=/) continue
          if (skip) { skip = 0; continue }
          if (w[k] ~ /^(%Q%|[$"\x27])/) break
          if (w[k] ~ /\// && w[k] !~ /^\//) break
          if (need_status && !seen) break
          word = w[k]; sub(/.*\//, "", word)
          if (word ~ /^[A-Za-z_][A-Za-z0-9_.+-]*$/ && !(word in defined)) print line_no, word
          break
        }
    }
    # First pass: the functions the script defines.
    NR == FNR {
      if (match($0, /^[ \t]*(function[ \t]+)?[A-Za-z_][A-Za-z_0-9-]*[ \t]*\(\)/)) {
        f = substr($0, RSTART, RLENGTH); sub(/^[ \t]*(function[ \t]+)?/, "", f); sub(/[ \t]*\(\)$/, "", f)
        defined[f] = 1
      }
      next
    }
    {
      # A line ending in a backslash continues on the next.
      if (pending != "") { line = pending " " $0 } else { line = $0; line_no = FNR }
      if (line ~ /\\$/) { pending = substr(line, 1, length(line) - 1); next }
      pending = ""
      if (q == "" && line ~ /^[ \t]*#/) next
      # A function definition is no command; a case pattern "a|b)" is not one either.
      sub(/^[ \t]*(function[ \t]+)?[A-Za-z_][A-Za-z_0-9-]*[ \t]*\(\)/, "", line)
      sub(/^[ \t]*[^ \t()"$]+\)/, "", line)
      gsub(/\$\(\([^()]*\)\)/, "0", line)  # arithmetic $((a + b)) runs nothing
      out = ""  # q and depth carry over: a quoted string may span lines
      for (c = 1; c <= length(line); c++) {
        ch = substr(line, c, 1); two = substr(line, c, 2)
        if (q == "\x27") { if (ch == "\x27") q = ""; continue }
        if (q == "\"" && depth == 0) {
          if (ch == "\\") { c++; continue }
          if (two == "$(") { depth = 1; out = out " ; "; c++; continue }
          if (ch == "\"") { q = ""; out = out "%Q%" }
          continue
        }
        if (ch == "#" && (c == 1 || substr(line, c - 1, 1) ~ /[ \t]/) && depth == 0) break
        if (ch == "\x27") { q = "\x27"; out = out "%Q%"; continue }
        if (ch == "\"") { q = "\""; continue }
        if (two == "$(" || two == "<(" || two == ">(") { depth += (q == "\"" ? 1 : 0); out = out " ; "; c++; continue }
        if (ch == ")" && depth > 0) { depth--; out = out " ; "; continue }
        if (ch == "`" ) { out = out " ; "; continue }
        if (ch == ";" || ch == "|" || ch == "&" || ch == "(" || ch == ")") { out = out " ; "; continue }
        out = out ch
      }
      n = split(out, segs, / ; /)
      for (s = 1; s <= n; s++) flush(segs[s])
    }' "$1" "$1"
}

scripts=() others=() pyfiles=()
while IFS= read -r -d '' f; do
  case $f in
    *.sh) scripts+=("$f") ;;
    *.py) pyfiles+=("$f") ;;
    *.cpp | *.h | *.cmake | */CMakeLists.txt) others+=("$f") ;;
  esac
done < <(for p in "$@"; do
           if [[ -d $p ]]; then
             find "$p" \( -path '*/fresh_machine/violation' ! -path "$p" \) -prune -o -type f -print0
           else
             printf '%s\0' "$p"
           fi
         done)

for f in "${scripts[@]}"; do
  while read -r line word; do
    [[ $list == 1 ]] && echo "$f:$line: $word"
    [[ $allowed == *" $word "* ]] || violation "$f" "$line" "it runs '$word'"
  done < <(command_words "$f")
done
# Python started from C++ or CMake.
if ! has_package python3; then
  for f in "${others[@]}"; do
    while IFS=: read -r line _; do
      violation "$f" "$line" "it runs python"
    done < <(grep -nE '(system|popen|execl|execv|execvp|COMMAND|execute_process)[ (].*python' "$f" |
             grep -vE '^[0-9]+:\s*(//|#)')
  done
fi
# The imports of every Python file that a test script or a CMake test command names (C++ that
# starts python is caught above). Its standard library comes with python3.
stdlib=" os sys json math struct re io gzip time random pathlib subprocess argparse itertools collections
  functools shutil tempfile typing dataclasses hashlib textwrap string copy "
stdlib=" $(echo $stdlib) "
cmake_files=()
for f in "${others[@]}"; do [[ $f == *.cmake || $f == */CMakeLists.txt ]] && cmake_files+=("$f"); done
for py in "${pyfiles[@]}"; do
  name=$(basename "$py")
  { grep -vhE '^\s*#' "${scripts[@]}" /dev/null; grep -hE 'add_test|COMMAND' "${cmake_files[@]}" /dev/null; } |
    grep -qF "$name" || continue
  has_package python3 || violation "$py" 1 "a test runs it with python3"
  while IFS=: read -r line module; do
    [[ $stdlib == *" $module "* ]] || [[ -f $(dirname "$py")/$module.py ]] || has_package "python3-$module" || violation "$py" "$line" "it imports '$module' (Debian python3-$module)"
  done < <(grep -nE '^\s*(import|from)\s+[A-Za-z_]' "$py" | sed -E 's/^([0-9]+):\s*(import|from)\s+([A-Za-z_0-9]+).*/\1:\3/')
done
exit $status
