#!/usr/bin/env bash
# Builds the WebAssembly module (ES module + wasm) in build-wasm/ and copies
# the outputs into web/gen/ for serving, with web/gen/app.mjs, the page's JS
# bundled (scripts/bundle-app.mjs).
# Usage: scripts/build-wasm.sh   (BUILD_DIR, JOBS override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-wasm}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# Debian's emscripten runs acorn from /usr/share/nodejs (toolchain.md pitfall 1).
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

command -v emcmake >/dev/null || { echo "build-wasm: emcmake not found (apt-get install emscripten binaryen)" >&2; exit 1; }

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # Passing the emulator ourselves avoids emcmake's Node-20-incompatible flag.
  emcmake cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node
fi
cmake --build "$BUILD_DIR" -j"$JOBS" --target vramfit_wasm

mkdir -p web/gen
for f in vramfit.mjs vramfit.wasm; do
  cp "$BUILD_DIR/web/$f" web/gen/"$f"
done
echo "build-wasm: web/gen/ <- $BUILD_DIR/web/{vramfit.mjs,vramfit.wasm}"
# The presets' configs the module leaves out, fetched after the first figure.
node scripts/bundle-app.mjs --presets web web/gen/presets.json
# The default page's first answer, from this module (bundled into app.mjs).
node scripts/snapshot.mjs web web/gen/snapshot.json
# The page loads its JS as one bundle (web/index.html).
node scripts/bundle-app.mjs web web/gen/app.mjs
# The embeddable widget as one classic script (no CORS needed from other origins).
node scripts/bundle-app.mjs --widget web web/gen/vramfit-widget.js
