#!/usr/bin/env bash
# Runs every test on a fresh Debian machine: installs what is missing, checks
# the formatting, builds native + wasm, runs ctest (core, CLI, Hub mock), the same tests under
# ASan + UBSan, bounded fuzzing, the accuracy benchmark, and the wasm module
# and browser tests (last, so node's summary closes the log).
# Usage: scripts/test.sh   (FUZZ_SECONDS=N for longer fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh all
export NODE_PATH=/usr/share/nodejs
# Each phase prints how long the one before it took (CI has 20 minutes on 2 cores).
phase() {
  if [[ -n ${PHASE:-} ]]; then echo "-- ${PHASE}: $((SECONDS - PHASE_START)) s (total ${SECONDS} s)"; fi
  PHASE=$1 PHASE_START=$SECONDS
  [[ -n $1 ]] && echo "== $1"
  return 0
}
echo "-- install-deps: ${SECONDS} s"

phase "format (clang-format 14, Prettier)"
bash scripts/format.sh --check

phase "native build and tests"
bash scripts/build-native.sh
ctest --test-dir build --output-on-failure -j2

phase "AddressSanitizer + UBSan build (clang, shared with the fuzzers), every native test again"
bash scripts/test-sanitize.sh

phase "fuzzing (bounded: ${FUZZ_SECONDS:-20} s per target)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

phase "accuracy benchmark (measured peaks vs estimates)"
bash scripts/bench-accuracy.sh build/vramfit

if [[ -x scripts/test-web.sh || -f scripts/test-web.sh ]]; then
  phase "wasm module and browser tests"
  # The native CLI lets the module tests compare native and wasm answers.
  VRAMFIT_CLI="$PWD/build/vramfit" bash scripts/test-web.sh
fi
phase ""
