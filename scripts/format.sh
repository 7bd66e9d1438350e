#!/usr/bin/env bash
# Formats the tracked sources: C++ with clang-format 14 (.clang-format), JS with
# Prettier (.prettierrc). `--check` changes nothing and fails listing the files
# that drift (scripts/test.sh runs it).
# Usage: scripts/format.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t cxx < <(git ls-files '*.cpp' '*.h' '*.h.in')
mapfile -t js < <(git ls-files '*.js' '*.mjs' '*.ts')
prettier=node_modules/.bin/prettier
if [[ ${1:-} == --check ]]; then
  bad=()
  for f in "${cxx[@]}"; do
    clang-format-14 --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  mapfile -t -O "${#bad[@]}" bad < <("$prettier" --list-different "${js[@]}" || true)
  if ((${#bad[@]})); then
    printf 'not formatted (run bash scripts/format.sh):\n' >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#cxx[@]} C++ and ${#js[@]} JS files formatted"
else
  clang-format-14 -i "${cxx[@]}"
  "$prettier" --write --log-level warn "${js[@]}"
fi
