#!/usr/bin/env bash
# Writes the parts of the docs generated from the request field table
# (core/src/api/fields_table.cpp) between their markers:
#   core/SCHEMA.md     <!-- fields:begin --> ... <!-- fields:end -->   (vramfit schema-fields)
#   web/js/engine.d.ts // <enums:begin> ... // <enums:end>            (vramfit schema-types:
#                      RequestEnums and the RequestSettings interface)
# Usage: scripts/update-schema-docs.sh [--check] [path/to/vramfit]   (default: build/vramfit)
# --check changes nothing and exits 1 when a file differs (ctest schema_docs).
set -euo pipefail
cd "$(dirname "$0")/.."
CHECK=0
if [[ "${1:-}" == --check ]]; then CHECK=1; shift; fi
BIN=${1:-build/vramfit}
[[ -x "$BIN" ]] || { echo "update-schema-docs: no executable $BIN" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BIN" schema-fields >"$TMP/fields.md"
"$BIN" schema-types >"$TMP/enums.ts"

status=0
# splice FILE BEGIN END GENERATED
splice() {
  python3 - "$1" "$2" "$3" "$4" "$CHECK" <<'PY' || status=1
import sys
path, begin, end, gen, check = sys.argv[1:6]
text = open(path).read()
b, e = text.find(begin), text.find(end)
if b < 0 or e < b:
    sys.exit(f"{path}: markers {begin} / {end} not found")
new = text[:b + len(begin)] + "\n" + open(gen).read() + text[e:]
if new == text:
    sys.exit(0)
if check == "1":
    sys.exit(f"{path}: the generated part differs from the field table; run scripts/update-schema-docs.sh")
open(path, "w").write(new)
print(f"wrote {path}")
PY
}
splice core/SCHEMA.md '<!-- fields:begin -->' '<!-- fields:end -->' "$TMP/fields.md"
splice web/js/engine.d.ts '// <enums:begin>' '// <enums:end>' "$TMP/enums.ts"
exit $status
