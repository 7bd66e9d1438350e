#!/usr/bin/env bash
# Prints web figures (not timed tests): wasm/js bytes raw and gzipped, single
# file size, first figure painted (cold loads) and keypress to painted figure
# on localhost: medians with min and max (BENCH_WEB_LOADS, BENCH_WEB_KEYS).
# Uses web/gen/ and build-wasm/vramfit.html as built (scripts/build-single.sh).
# GPU_POOR_DIR=DIR adds gpu_poor's first figure in the same run (DIR/gpu_poor/
# holding its built site; scripts/bench-web.mjs againstGpuPoor).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f web/gen/vramfit.wasm ] || scripts/build-wasm.sh
[ -f build-wasm/vramfit.html ] || SKIP_WASM_BUILD=1 scripts/build-single.sh build-wasm/vramfit.html
node scripts/bench-web.mjs build-wasm/vramfit.html
