#!/usr/bin/env bash
# Builds the wasm module and serves the page on http://127.0.0.1:${PORT:-8000}/.
# Installs what is missing first (apt when root); needs no network otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}

missing=()
command -v emcmake >/dev/null 2>&1 || missing+=(emscripten binaryen)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "serve: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "serve: missing ${missing[*]}; run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
# npm packages are only for the tests; a failure here (offline) is not fatal.
# esbuild (npm) bundles the page's JS: install it when missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  command -v npm >/dev/null 2>&1 || { echo "serve: npm missing (apt-get install npm)" >&2; exit 1; }
  npm ci --no-audit --no-fund --loglevel=error || {
    echo "serve: npm ci failed (offline?): the page's bundler, esbuild, comes from npm" >&2
    exit 1
  }
fi

scripts/build-wasm.sh
echo
echo "vramfit: http://127.0.0.1:${PORT}/   (Ctrl-C to stop)"
exec node scripts/static-server.mjs web "$PORT" 127.0.0.1 >/dev/null
