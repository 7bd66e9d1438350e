#!/usr/bin/env bash
# Builds the offline single-file page: one vramfit.html with the wasm (base64
# of an LZMA stream), its glue and the app code inlined; works from file://.
# Usage: scripts/build-single.sh [OUT]   (default: build-wasm/vramfit.html)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build-wasm/vramfit.html}
if [ ! -f web/gen/vramfit.wasm ] || [ "${SKIP_WASM_BUILD:-0}" != 1 ]; then
  scripts/build-wasm.sh
fi
mkdir -p "$(dirname "$OUT")"
node scripts/inline-single.mjs web "$OUT"
