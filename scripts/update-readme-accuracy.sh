#!/usr/bin/env bash
# Rewrites the accuracy tables in README.md (between the accuracy, vllm, llamacpp-bench and speed markers)
# from the benchmark's current output. Usage: scripts/update-readme-accuracy.sh [vramfit]
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(python3 scripts/bench_accuracy.py "${1:-build/vramfit}" --markdown)
python3 - "$table" <<'PY'
import re, sys
table = sys.argv[1].strip()
head, _, rest = table.partition("\n\n")
stats, _, misses = rest.partition("\nmisses over 15%:")
body = head + "\n\n```\n" + stats.strip() + "\n```"
if misses.strip():
    body += "\n\nMisses over 15% and why:\n\n" + misses.strip()
s = open("README.md").read()
s = re.sub(r"<!-- accuracy:begin -->.*?<!-- accuracy:end -->",
           "<!-- accuracy:begin -->\n" + body + "\n<!-- accuracy:end -->", s, flags=re.S)
open("README.md", "w").write(s)
PY
vllm=$(python3 scripts/bench_vllm.py "${1:-build/vramfit}" --markdown)
python3 - "$vllm" <<'PY'
import re, sys
s = open("README.md").read()
s = re.sub(r"<!-- vllm:begin -->.*?<!-- vllm:end -->",
           "<!-- vllm:begin -->\n" + sys.argv[1].strip() + "\n<!-- vllm:end -->", s, flags=re.S)
open("README.md", "w").write(s)
PY
python3 scripts/bench_llamacpp.py "${1:-build/vramfit}" --readme >/dev/null
speed=$(python3 scripts/bench_speed_accuracy.py "${1:-build/vramfit}")
python3 - "$speed" <<'PY'
import re, sys
s = open("README.md").read()
block = "```\n" + sys.argv[1].strip() + "\n```"
s = re.sub(r"<!-- speed:begin -->.*?<!-- speed:end -->",
           lambda m: "<!-- speed:begin -->\n" + block + "\n<!-- speed:end -->", s, flags=re.S)
open("README.md", "w").write(s)
PY
