#!/usr/bin/env bash
# Installs what vramfit needs from Debian packages (when root) and npm.
# Usage: scripts/install-deps.sh [native|web|all]   (default all)
set -euo pipefail
what=${1:-all}
pkgs=(cmake g++ make nlohmann-json3-dev catch2 libcurl4-openssl-dev python3 clang-14 libclang-rt-14-dev
      clang-format-14)
cmds=(cmake g++ make)
if [[ $what != native ]]; then
  # xz packs the offline file's engine (scripts/bundle-app.mjs packLzma).
  pkgs+=(emscripten binaryen chromium python3 xz-utils)
  cmds+=(emcc chromium xz)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages: ${missing[*]} (run as root or install them with apt-get)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ $what != native && -f package.json ]]; then
  if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
