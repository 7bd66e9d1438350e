#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UBSan (-DVRAMFIT_SANITIZE=ON:
# -fno-sanitize-recover, so any UB aborts the test that hit it) in the
# sanitized build that the fuzzers share (build-fuzz/, clang++-14; see
# scripts/configure-sanitized.sh) and runs ctest there: the unit tests, the
# bad-input catalogue, the property tests and the CLI tests.
# Usage: scripts/test-sanitize.sh   (BUILD_DIR, JOBS, FUZZ_CXX override)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

bash scripts/configure-sanitized.sh "$BUILD"
cmake --build "$BUILD" -j"$JOBS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"
echo "test-sanitize: ASan + UBSan build passed every test in $BUILD"
