#!/usr/bin/env bash
# Configures the one sanitized build (clang++-14, ASan + UBSan, libFuzzer
# coverage) that both scripts/test-sanitize.sh (every native test again) and
# scripts/fuzz.sh (the fuzz targets) use: one compile of the core instead of
# two (CI has 20 minutes on 2 cores).
# Usage: scripts/configure-sanitized.sh BUILD_DIR   (FUZZ_CXX overrides clang++-14)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$1
CXX_BIN=${FUZZ_CXX:-clang++-14}
command -v "$CXX_BIN" >/dev/null || {
  echo "sanitized build: $CXX_BIN not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  # -O1 -gline-tables-only: about half the compile time of -O2 -g while the
  # tests still run in seconds; line tables keep file:line in reports.
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_COMPILER="$CXX_BIN" -DVRAMFIT_FUZZ=ON -DVRAMFIT_SANITIZE=ON \
    -DVRAMFIT_CLI=ON -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
else
  cmake "$BUILD" >/dev/null  # refresh: new sources and targets
fi
