#!/usr/bin/env bash
# Builds tests/consumer, a user's program, against soma one way, in an empty folder, and runs it:
# its last line must be "test accuracy X" with X >= 0.7. Each way also checks that no path of
# soma's source tree went into what it built against. CXX, CXXFLAGS and LDFLAGS (as CMake reads
# them) say how to compile: tests/CMakeLists.txt passes those of soma's build.
#   run.sh install          SOURCE WORK BUILD   cmake --install BUILD into WORK (the others' prefix)
#   run.sh find_package     SOURCE WORK PREFIX  find_package(soma) from PREFIX
#   run.sh pkg_config       SOURCE WORK PREFIX  g++ with pkg-config's flags for soma from PREFIX
#   run.sh add_subdirectory SOURCE WORK         add_subdirectory(SOURCE): only the library builds
#   run.sh deb              SOURCE WORK BUILD   BUILD's .deb (cpack) unpacked into WORK/root, then
#                                               find_package and pkg-config from WORK/root/usr
set -euo pipefail
way=$1 src=$(realpath "$2") work=$3
fail() { echo "FAIL: $*"; exit 1; }

# No file of the installed tree names the source tree (a compiled-in data path, an include dir).
# A build with sanitizers (CXXFLAGS with -fsanitize, make test-sanitize) writes its source file
# names into the compiled code's instrumentation, for its reports: there only text files (the
# headers, the CMake package, soma.pc) are read.
no_source_paths() {
  local found skip=()
  [[ ${CXXFLAGS:-} == *-fsanitize* ]] && skip=(-I)
  found=$(grep -rlF "${skip[@]}" "$src" "$1" || true)
  [[ -z $found ]] || fail "these files name the source tree $src: $found"
  echo "no file under $1 names $src"
}

if [[ $way == install ]]; then
  rm -rf "$work"
  cmake --install "$4" --prefix "$work" >/dev/null
  no_source_paths "$work"
  exit 0
fi

# The add_subdirectory build folder is kept between runs, so that a second `make test` only
# rebuilds what changed; the others start from nothing.
[[ $way == add_subdirectory ]] || rm -rf "$work"
rm -rf "$work/project" "$work/run"
mkdir -p "$work/project" "$work/run"
cp "$src/tests/consumer/CMakeLists.txt" "$src/tests/consumer/main.cpp" "$work/project/"
cd "$work"

with_cmake() {  # PREFIX_PATH or "", then cmake -D options
  local start=$SECONDS
  cmake -S project -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${@:2}" ${1:+-DCMAKE_PREFIX_PATH=$1} >build.log ||
    { cat build.log; fail "configure"; }
  cmake --build build -j 2 >>build.log || { tail -50 build.log; fail "build"; }
  if [[ -n $1 ]]; then  # the soma found must be the one in the prefix
    local dir
    dir=$(grep ^soma_DIR:PATH= build/CMakeCache.txt)
    dir=${dir#*=}
    [[ $dir == "$1"/* ]] || fail "find_package found soma in $dir, not under $1"
  fi
  echo "built with cmake in $((SECONDS - start)) s"
  program=$work/build/first_net
}

with_pkg_config() {  # PREFIX
  local start=$SECONDS flags
  flags=$(PKG_CONFIG_PATH=$(dirname "$(find "$1" -name soma.pc)") pkg-config --cflags --libs soma) || fail "pkg-config soma"
  echo "pkg-config --cflags --libs soma: $flags"
  mkdir -p build
  ${CXX:-g++} -std=c++20 -O2 ${CXXFLAGS:-} project/main.cpp $flags ${LDFLAGS:-} -o build/first_net_pc ||
    fail "the compiler with pkg-config's flags"
  echo "built with pkg-config in $((SECONDS - start)) s"
  program=$work/build/first_net_pc
}

run_program() {
  (cd run && "$program" | tee out.txt) || fail "$program exited with $?"
  local last pattern='^test accuracy ([01][.][0-9]+)$'
  last=$(tail -n 1 run/out.txt)
  [[ $last =~ $pattern ]] || fail "last line '$last', expected 'test accuracy X'"
  # Both are "d.dddd": string order is number order.
  [[ ! ${BASH_REMATCH[1]} < 0.7 ]] || fail "test accuracy ${BASH_REMATCH[1]} < 0.7"
  [[ -s run/first_net.safetensors ]] || fail "first_net.safetensors was not written"
}

case $way in
  find_package) with_cmake "$4"; run_program ;;
  pkg_config) with_pkg_config "$4"; run_program ;;
  add_subdirectory)
    with_cmake "" -DSOMA_SOURCE_DIR="$src" -DCMAKE_CXX_COMPILER_LAUNCHER="${SOMA_LAUNCHER:-}"
    # As a subproject, soma defines its library only: no tests, examples, tools or benchmarks.
    ! grep -qE "soma_tests|soma_cli|soma-bench|examples/01_xor" build/build.ninja ||
      fail "the subproject defined tests, the soma command, soma-bench or the examples"
    run_program ;;
  deb)
    cpack -G DEB --config "$4/CPackConfig.cmake" -B "$work/package" >cpack.log || { cat cpack.log; fail "cpack"; }
    deb=$(ls "$work"/package/soma_*.deb)
    echo "$(basename "$deb"): $(du -h "$deb" | cut -f1)"
    dpkg-deb -x "$deb" root
    no_source_paths root
    with_cmake "$work/root/usr"; run_program
    with_pkg_config "$work/root/usr"; run_program ;;
  *) fail "unknown way '$way'" ;;
esac
echo "ok: $way"
