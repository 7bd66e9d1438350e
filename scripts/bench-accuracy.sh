#!/usr/bin/env bash
# Prints the accuracy table (published measured peaks vs vramfit estimates).
# A figure, not a test: it fails only if a case cannot be estimated at all.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/bench_accuracy.py "${1:-build/vramfit}" "${@:2}"
echo
python3 scripts/bench_llamacpp.py "${1:-build/vramfit}"
