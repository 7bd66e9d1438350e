#!/usr/bin/env bash
# Web tests: tsc check of web/js/engine.d.ts, node:test module tests
# (tests/js, the wasm in Node incl. golden parity) and browser tests
# (tests/web, headless Chromium via playwright-core). Screenshots go to
# $E2E_OUT (default build-wasm/screenshots).
# SKIP_WASM_BUILD=1 reuses web/gen/; without /usr/bin/chromium (or $CHROMIUM)
# the browser tests are skipped with a message. VRAMFIT_CLI=<build>/vramfit
# adds a live native-vs-wasm parity check over tests/fixtures/cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export E2E_OUT=${E2E_OUT:-build-wasm/screenshots}

if [ ! -x node_modules/.bin/tsc ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
if [ "${SKIP_WASM_BUILD:-0}" != 1 ]; then
  scripts/build-wasm.sh
fi
SKIP_WASM_BUILD=1 scripts/build-single.sh build-wasm/vramfit.html

echo "test-web: tsc --noEmit --strict (web/js/engine.d.ts)"
node_modules/.bin/tsc -p tests/js/types/tsconfig.json

suites=(tests/js/)
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  suites+=(tests/web/)
else
  echo "test-web: ${CHROMIUM:-/usr/bin/chromium} not found; browser tests skipped" >&2
fi
# node's summary (# tests / # pass / # fail) closes the log.
node --test --test-concurrency=2 "${suites[@]}"
