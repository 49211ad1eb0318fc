#!/usr/bin/env bash
# Installs the Debian packages soma needs, only those that are missing.
# Usage: scripts/install-deps.sh [extra package ...]   (quiet when all is there)
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config libopenblas-dev libdnnl-dev zlib1g-dev
          nlohmann-json3-dev libcli11-dev libstb-dev libgtest-dev "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "soma: installing ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
