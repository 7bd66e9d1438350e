#!/usr/bin/env bash
# Prints the accuracy tables: published measured peaks vs vramfit estimates,
# then vLLM's logged start-up figures vs vramfit's vLLM arithmetic.
# Figures, not tests: they fail only if a case cannot be estimated at all.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/bench_accuracy.py "${1:-build/vramfit}" "${@:2}"
echo
python3 scripts/bench_vllm.py "${1:-build/vramfit}" "${@:2}"
python3 scripts/bench_llamacpp.py "${1:-build/vramfit}"
python3 scripts/bench_speed_accuracy.py "${1:-build/vramfit}"
