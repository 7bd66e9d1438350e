#!/usr/bin/env bash
# CLI tests: run the real binary. ctest calls: cli_test.sh <vramfit binary> <fixtures dir>
# One line per check; exits non-zero when any check fails.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <vramfit binary> <fixtures dir>" >&2
  exit 2
fi
BIN=$1
FIX=$2
[[ -x "$BIN" ]] || { echo "not executable: $BIN" >&2; exit 2; }
[[ -d "$FIX" ]] || { echo "no fixtures dir: $FIX" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [[ -n "${2:-}" ]] && echo "       $2"; return 0; }

# run NAME -- ARGS...: runs the binary, keeps stdout/stderr/exit code.
run() {
  set +e
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  set -e
}

# jcheck NAME PY_EXPR: evaluates a Python expression over d = json(stdout).
jcheck() {
  local name=$1 expr=$2
  if python3 - "$TMP/out" "$expr" <<'PY' 2>"$TMP/py_err"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
  then ok "$name"; else bad "$name" "expr: $expr; $(head -c 300 "$TMP/py_err") stdout: $(head -c 300 "$TMP/out")"; fi
}

expect_rc() {  # expect_rc NAME CODE
  if [[ $RC -eq $2 ]]; then ok "$1 (exit $RC)"; else bad "$1" "exit $RC, want $2; stderr: $(head -c 300 "$TMP/err")"; fi
}

stderr_has() {  # stderr_has NAME REGEX
  if grep -Eq -- "$2" "$TMP/err"; then ok "$1"; else bad "$1" "stderr lacks /$2/: $(head -c 300 "$TMP/err")"; fi
}

LLAMA=meta-llama/Llama-3.1-8B
LLAMA_CFG=$FIX/configs/meta-llama__Meta-Llama-3.1-8B.json

# --- params ----------------------------------------------------------------
# 8,030,261,248: Llama-3.1-8B published count (methodology §3.10).
run params --preset "$LLAMA" --json
expect_rc "params --preset exits 0" 0
jcheck "params --preset total = 8,030,261,248" 'd["params"]["total"] == 8030261248'
jcheck "params --preset model id echoed" 'd["model"]["id"] == "meta-llama/Llama-3.1-8B"'

run params --config "$LLAMA_CFG" --json
expect_rc "params --config exits 0" 0
jcheck "params --config Llama-3.1-8B total = 8,030,261,248" 'd["params"]["total"] == 8030261248'
jcheck "params --config source is config" 'd["model"]["source"] == "config"'

# Mistral-7B 7,241,732,096 and GPT-2 124,439,808 (methodology §3.10).
if [[ -f "$FIX/configs/mistralai__Mistral-7B-v0.1.json" ]]; then
  run params --config "$FIX/configs/mistralai__Mistral-7B-v0.1.json" --json
  jcheck "params --config Mistral-7B-v0.1 total = 7,241,732,096" 'd["params"]["total"] == 7241732096'
fi
if [[ -f "$FIX/configs/openai-community__gpt2.json" ]]; then
  run params --config "$FIX/configs/openai-community__gpt2.json" --json
  jcheck "params --config gpt2 total = 124,439,808" 'd["params"]["total"] == 124439808'
fi

run params --preset "$LLAMA"
expect_rc "params table exits 0" 0
if [[ -s "$TMP/out" ]]; then ok "params table prints something"; else bad "params table prints something"; fi

# --- estimate ----------------------------------------------------------------
run estimate --preset "$LLAMA" --task qlora --batch 4 --seq 1024 --json
expect_rc "estimate qlora exits 0" 0
jcheck "estimate qlora has components" 'len(d["components"]) > 0 and all("bytes" in c and "id" in c for c in d["components"])'
jcheck "estimate qlora has weights and lora_adapters" '{"weights", "lora_adapters"} <= {c["id"] for c in d["components"]}'
jcheck "estimate qlora echoes task/batch/seq" 'd["request"]["task"] == "qlora" and d["request"]["batch_size"] == 4 and d["request"]["seq_len"] == 1024'
jcheck "estimate qlora weights nf4" 'd["weights_format"]["dtype"] == "nf4"'
jcheck "estimate peak <= total" 'd["peak_allocated_bytes"] <= d["total_bytes"]'
jcheck "estimate gpus >= 40 with verdicts" 'len(d["gpus"]) >= 40 and all(g["verdict"] in ("fits", "tight", "no") for g in d["gpus"])'

# KV cache 131,072 B/token x 4 x 1024 = 536,870,912 (methodology F9).
run estimate --preset "$LLAMA" --batch 4 --seq 1024 --json --no-search
jcheck "estimate inference kv_cache = 536,870,912" '[c["bytes"] for c in d["components"] if c["id"] == "kv_cache"] == [536870912]'

run estimate --preset "$LLAMA" --task lora --lora-rank 8 --lora-targets q_proj,v_proj --gpu 4090 --json --no-search
expect_rc "estimate lora with targets exits 0" 0
# r 8 x ((4096+4096) + (4096+1024)) x 32 layers = 3,407,872.
jcheck "estimate lora q,v r8 params = 3,407,872" 'd["params"]["lora"] == 3407872'
jcheck "estimate --gpu 4090 gives target" 'd["target"]["id"] == "rtx-4090-24g"'

run estimate --preset "$LLAMA" --task full --dp 8 --zero 3 --custom-gpu mine=40 --json
expect_rc "estimate full zero3 custom gpu exits 0" 0
jcheck "custom gpu appended" 'd["gpus"][-1]["custom"] is True and d["gpus"][-1]["name"] == "mine"'

# Flags come from the request field table: canonical names and the older aliases.
run estimate --preset "$LLAMA" --batch-size 3 --seq-len 512 --engine vllm --kv-cache-dtype fp8 --gpu-memory-utilization 0.8 --no-search --json
expect_rc "estimate with canonical flags exits 0" 0
jcheck "canonical flags reach the request" 'd["request"]["batch_size"] == 3 and d["request"]["seq_len"] == 512 and d["request"]["kv_cache_dtype"] == "fp8" and d["request"]["gpu_memory_utilization"] == 0.8 and d["request"]["search"] is False'
run estimate --preset "$LLAMA" --batch 3 --seq 512 --engine vllm --kv-dtype fp8 --gpu-mem-util 0.8 --no-search --json
jcheck "alias flags give the same request" 'd["request"]["batch_size"] == 3 and d["request"]["seq_len"] == 512 and d["request"]["kv_cache_dtype"] == "fp8" and d["request"]["gpu_memory_utilization"] == 0.8'
# Custom GPUs: the name:GiB text goes to the core (its only parser), repeated flags joined
# with ','; NAME=GiB still read.
run estimate --preset "$LLAMA" --custom-gpu "My card:20, Node:96" --custom-gpu old=8 --no-search --json
expect_rc "estimate --custom-gpu name:GiB list exits 0" 0
jcheck "custom gpus name:GiB and NAME=GiB" '[(g["name"], g["memory_gib"]) for g in d["request"]["custom_gpus"]] == [("My card", 20.0), ("Node", 96.0), ("old", 8.0)]'
run estimate --preset "$LLAMA" --custom-gpu "card" --no-search
expect_rc "estimate --custom-gpu without GiB exits 2" 2
stderr_has "--custom-gpu names the syntax" 'name:GiB'
stderr_has "--custom-gpu error names the item's field" 'at custom_gpus\[0\]'
run estimate --preset "$LLAMA" --custom-gpu "a:8" --custom-gpu "b:0.001" --no-search
expect_rc "estimate --custom-gpu out-of-range memory exits 2" 2
stderr_has "--custom-gpu range error at the joined item" 'out_of_range at custom_gpus\[1\]\.memory_gib'
# Every numeric flag of the field table (`vramfit fields --json`) sets its field: given its
# bound, the request echo holds that value at the field's path.
run fields --json
cp "$TMP/out" "$TMP/fields.json"
if python3 - "$BIN" "$TMP/fields.json" <<'PY' >"$TMP/flags_log" 2>&1
import json, subprocess, sys
bin, fields = sys.argv[1], json.load(open(sys.argv[2]))
bad = 0
for f in fields:
    if f["kind"] not in ("int", "number") or "part_of" in f or "flag" not in f:
        continue
    # The bound, but for layouts the model must allow (heads, layers, experts)
    # and vLLM's max_model_len, at most the model's (Qwen3-0.6B: 40,960).
    value = 2 if f["path"] in ("parallel.tp", "parallel.pp", "parallel.ep", "gpus") else f["max"]
    if f["path"] == "max_model_len":
        value = 40960
    preset = "Qwen/Qwen3-30B-A3B" if f["path"] == "parallel.ep" else "Qwen/Qwen3-0.6B"
    args = [bin, "estimate", "--preset", preset, "--task", "lora", "--no-search", "--json"]
    if "engines" in f or f.get("tasks") == ["inference"]:
        args[5] = "inference"
        args += ["--engine", f.get("engines", ["vllm"])[0]]
    if f["path"] == "prompt_len":
        args += ["--seq-len", str(value)]
    for flag in [f["flag"]] + f.get("aliases", []):
        out = json.loads(subprocess.run(args + [flag, str(value)], capture_output=True, text=True).stdout or "{}")
        got = out.get("request", {})
        for key in f["path"].split("."):
            got = got.get(key) if isinstance(got, dict) else None
        if got != value:
            print(f"{flag} {value}: echo {f['path']} = {got!r} {out.get('error', '')}")
            bad += 1
sys.exit(1 if bad else 0)
PY
then ok "every numeric flag of the field table reaches its field"; else bad "every numeric flag of the field table reaches its field" "$(head -c 600 "$TMP/flags_log")"; fi

run --help
if grep -q -- '--batch-size N  (also --batch)' "$TMP/out" && grep -q 'qlora = QLoRA' "$TMP/out"; then ok "--help lists table flags, aliases and enum labels"; else bad "--help lists table flags, aliases and enum labels"; fi

# --- no raw ids in text output (issue 10) ----------------------------------
# Text output prints labels; ids stay in --json. The catalogue's ids with a
# '_' (bf16_mixed, paged_adamw_8bit, layer_backward, optimizer_states...)
# must not appear, nor a bare verdict id ("no") in the verdict columns.
# The ids: enum values of the request fields, and the phase and component
# ids of two responses that reach most of them.
run fields --json
cp "$TMP/out" "$TMP/fields.json"
run estimate --preset "$LLAMA" --task full --dp 8 --zero 3 --eval-batch-size 2 --no-search --json
cp "$TMP/out" "$TMP/full.json"
run estimate --preset "$LLAMA" --task qlora --no-search --json
cp "$TMP/out" "$TMP/qlora.json"
no_raw_ids() {  # no_raw_ids NAME: checks $TMP/out for those ids
  if python3 - "$TMP" "$TMP/out" <<'PY' 2>"$TMP/py_err"
import json, re, sys
d = sys.argv[1]
ids = {v["id"] for f in json.load(open(d + "/fields.json")) for v in f.get("values", [])}
for name in ("full", "qlora"):
    r = json.load(open(d + "/" + name + ".json"))
    ids |= {p["id"] for p in r["phases"]} | {x["id"] for x in r["components"]}
assert {"bf16_mixed", "paged_adamw_8bit", "optimizer_states"} <= ids, sorted(ids)
text = open(sys.argv[2]).read()
found = sorted(i for i in ids if "_" in i and re.search(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])", text))
# "no" is the one verdict id that is not its label ("does not fit").
bare = [l for l in text.splitlines() if re.search(r"\sno\s+-?\d", l) or re.search(r"-> no$", l)]
if found or bare: print(found, bare[:3], file=sys.stderr); sys.exit(1)
PY
  then ok "$1"; else bad "$1" "$(head -c 400 "$TMP/py_err")"; fi
}
run estimate --preset "$LLAMA" --task full --precision bf16_mixed --optimizer paged_adamw_8bit --dp 8 --zero 3 --gpu 4090 --strategies --no-gradient-checkpointing
no_raw_ids "estimate text (full, zero3, paged 8-bit, strategies, suggestions): labels only"
grep -q 'try .*: saves .* -> \(fits\|tight\|does not fit\)' "$TMP/out" && ok "suggestions end with a verdict label" || bad "suggestions end with a verdict label" "$(grep try "$TMP/out" | head -2)"
# vLLM refuses the 70B's default max_model_len on 2 x H100: the max_model_len
# suggestion frees no memory, so it names no saving ("saves 0.00 GiB" read as nonsense).
run estimate --preset meta-llama/Llama-3.1-70B --engine vllm --tp 2 --gpu h100
grep -q 'try max_model_len [0-9]*: -> fits' "$TMP/out" && ! grep -q 'saves 0.00' "$TMP/out" && ok "vLLM max_model_len suggestion names no saving" || bad "vLLM max_model_len suggestion names no saving" "$(grep try "$TMP/out" | head -3)"
run estimate --preset "$LLAMA" --task qlora --optimizer paged_adamw_8bit --loss chunked --gpu 3090 --seq 8192
no_raw_ids "estimate text (qlora): labels only"
grep -q 'NF4' "$TMP/out" && ok "qlora weights dtype shown by its label" || bad "qlora weights dtype shown by its label" "$(sed -n 1,12p "$TMP/out")"
run estimate --preset "$LLAMA" --engine vllm --inference-mode forward --kv-cache-dtype fp8 --gpu h100 --strategies
no_raw_ids "estimate text (vllm): labels only"
# params says how a config was read: a task-head class without model_type.
cat >"$TMP/rpt.json" <<'EOF'
{"architectures": ["GPT2ForSequenceClassification"], "n_embd": 1024, "n_head": 16, "n_layer": 24, "vocab_size": 50257}
EOF
run params --config "$TMP/rpt.json" --json
# GPT-2 medium body: 24 x (12 x 1024^2 + 13 x 1024) + wte 50,257 x 1,024 + wpe 1,024 x 1,024 +
# ln_f 2,048 = 354,823,168, plus score 2 x 1,024 (num_labels absent: 2) = 354,825,216.
jcheck "params: task-head class counted with its score head" 'd["params"]["total"] == 354825216'
jcheck "params --json carries the config warnings" 'any("score head" in w["message"] for w in d["warnings"])'
run params --config "$TMP/rpt.json"
grep -q '^warning: .*score head' "$TMP/out" && ok "params table prints the config warnings" || bad "params table prints the config warnings" "$(cat "$TMP/out")"
grep -q '^config (gpt2 rules)' "$TMP/out" && ok "params table names the rules used without model_type" || bad "params table names the rules used without model_type" "$(head -1 "$TMP/out")"
# Engine start-up answers in the text table, the same figures as the JSON.
for eng in vllm sglang; do
  run estimate --preset "$LLAMA" --engine $eng --gpu h100 --no-search --json
  if [[ $eng == vllm ]]; then key=kv_cache_size_tokens; else key=max_total_num_tokens; fi
  tokens=$(python3 -c "import json,sys; print(f'{json.load(open(sys.argv[1]))[\"engine\"][\"$eng\"][\"$key\"]:,}')" "$TMP/out")
  run estimate --preset "$LLAMA" --engine $eng --gpu h100 --no-search
  grep -q -- "$tokens tokens\|#tokens: $tokens" "$TMP/out" && ok "$eng text shows the KV tokens of the JSON ($tokens)" || bad "$eng text shows the KV tokens of the JSON ($tokens)" "$(grep -A4 start-up "$TMP/out")"
done
# A custom GPU in the text form with its chip (name:GiB@gpu): named in the
# engine header; SGLang's "GB" printed as its log prints them (GiB): the
# Llama-3.1-8B log's "mem usage=15.02 GB" (tests/validation/sglang_logs.tsv).
run estimate --preset "$LLAMA" --engine sglang --custom-gpu "Node:79.19@h100" --no-search
grep -q 'SGLang .* start-up on Node ' "$TMP/out" && grep -q 'mem usage=15.02 GB' "$TMP/out" && ok "sglang text: custom GPU named, mem usage as SGLang logs it" || bad "sglang text: custom GPU named, mem usage as SGLang logs it" "$(grep -A2 start-up "$TMP/out")"
run estimate --preset "$LLAMA" --custom-gpu "Node:79.19@no-such-gpu" --no-search
grep -q 'custom_gpus\[0\].like' "$TMP/err" && ok "custom GPU text: unknown @gpu named in the error" || bad "custom GPU text: unknown @gpu named in the error" "$(cat "$TMP/err")"
run estimate --preset meta-llama/Llama-3.1-70B --engine vllm --tp 2 --gpu h100 --no-search
grep -q 'would not start: .*estimated maximum model length is' "$TMP/out" && ok "vllm text prints vLLM's refusal" || bad "vllm text prints vLLM's refusal" "$(grep -A5 start-up "$TMP/out")"
run estimate --preset "$LLAMA" --engine ollama --gpu 4090 --no-search
grep -q 'offloaded 33/33 layers to GPU' "$TMP/out" && ok "ollama text prints its offload line" || bad "ollama text prints its offload line" "$(grep -A3 Ollama "$TMP/out")"
run fit --preset meta-llama/Llama-3.1-70B --task lora
no_raw_ids "fit text: labels only"
grep -q 'does not fit' "$TMP/out" && ok "fit text prints the verdict label" || bad "fit text prints the verdict label"
run params --preset "$LLAMA"
no_raw_ids "params text: labels only"

run estimate --preset "$LLAMA"
expect_rc "estimate table exits 0" 0

# --request FILE.json
cat >"$TMP/req.json" <<'EOF'
{"schema_version": 1, "model": {"preset": "meta-llama/Llama-3.1-8B"}, "task": "lora",
 "batch_size": 2, "seq_len": 1024, "lora": {"rank": 16}, "search": false}
EOF
run estimate --request "$TMP/req.json" --json
expect_rc "estimate --request exits 0" 0
# 16 x 81,920 x 32 = 41,943,040 (all-linear on Llama-3.1-8B).
jcheck "estimate --request lora params = 41,943,040" 'd["params"]["lora"] == 41943040'
jcheck "estimate --request echoes batch 2" 'd["request"]["batch_size"] == 2'

# --- fit -------------------------------------------------------------------------
run fit --preset "$LLAMA" --task qlora --json
expect_rc "fit --json exits 0" 0
jcheck "fit lists gpus with max batch/seq" 'len(d["gpus"]) >= 40 and all(isinstance(g["max_batch_size"], int) and isinstance(g["max_seq_len"], int) for g in d["gpus"])'
jcheck "fit: some GPU fits qlora 8B" 'any(g["verdict"] == "fits" for g in d["gpus"])'
run fit --preset "$LLAMA"
expect_rc "fit table exits 0" 0

# --- catalogue -------------------------------------------------------------------
run gpus --json
expect_rc "gpus --json exits 0" 0
jcheck "gpus --json >= 40" 'isinstance(d, list) and len(d) >= 40'
jcheck "gpus have memory_bytes" 'all(g["memory_bytes"] > 0 for g in d)'
run dtypes --json
expect_rc "dtypes --json exits 0" 0
jcheck "dtypes --json has bf16, nf4, q4_k_m" '{"bf16", "nf4", "q4_k_m"} <= {x["id"] for x in d}'
run presets --json
expect_rc "presets --json exits 0" 0
jcheck "presets --json >= 30" 'isinstance(d, list) and len(d) >= 30'
jcheck "presets --json no error entries" 'all("error" not in p for p in d)'
for cmd in gpus dtypes presets; do
  run "$cmd"
  expect_rc "$cmd table exits 0" 0
done
run --help
expect_rc "--help exits 0" 0

# --- bad input: exit 2, message on stderr -----------------------------------------
run estimate --preset "$LLAMA" --batch abc
expect_rc "bad flag value exits 2" 2
stderr_has "bad flag value names the flag" '--batch expects a number'

run estimate --preset "$LLAMA" --batch 12abc
expect_rc "trailing junk in a number exits 2" 2

run estimate --preset "$LLAMA" --batch 0
expect_rc "batch 0 exits 2" 2
stderr_has "batch 0 reports out_of_range at batch_size" 'out_of_range.*batch_size'

run estimate --preset nobody/NoModel-7B
expect_rc "unknown preset exits 2" 2
stderr_has "unknown preset on stderr" 'unknown_preset'

run estimate --preset "$LLAMA" --tp 3
expect_rc "tp 3 exits 2" 2
stderr_has "tp 3 reports parallel.tp" 'parallel\.tp'

printf '{\n  "model_type": "llama",\n  "hidden_size": 4096,,\n}\n' >"$TMP/broken.json"
run params --config "$TMP/broken.json"
expect_rc "malformed config exits 2" 2
stderr_has "malformed config message has line" 'line 3'
stderr_has "malformed config message has column" 'column'

# Scripts read stdout: with --json the error object is there too (either order).
run params --config "$TMP/broken.json" --json
expect_rc "malformed config with --json exits 2" 2
jcheck "malformed config: error object on stdout" 'd["error"]["code"] == "invalid_json" and "line 3" in d["error"]["message"]'
run params --json --config "$TMP/broken.json"
jcheck "malformed config (--json first): error object on stdout" 'd["error"]["code"] == "invalid_json"'

# A config file may hold Infinity (NVIDIA's time_step_limit [0.0, Infinity]);
# a request may not, and says where.
run params --config "$FIX/configs/nvidia__Nemotron-H-56B-Base-8K.json" --json
expect_rc "config with Infinity exits 0" 0
jcheck "config with Infinity counted (about 56B)" '55e9 < d["params"]["total"] < 57e9'
printf '{"model": {"preset": "meta-llama/Llama-3.1-8B"},\n "batch_size": NaN}' >"$TMP/nan.json"
run estimate --request "$TMP/nan.json" --json
expect_rc "request with NaN exits 2" 2
jcheck "request with NaN: invalid_json at line 2" 'd["error"]["code"] == "invalid_json" and "line 2" in d["error"]["message"] and "not JSON numbers" in d["error"]["message"]'

run params --config "$TMP/does-not-exist.json"
expect_rc "missing config file exits 2" 2
stderr_has "missing file named on stderr" 'cannot read .*does-not-exist\.json'

run estimate --request "$TMP/nope.json"
expect_rc "missing request file exits 2" 2

printf '{"model": {"preset": "meta-llama/Llama-3.1-8B"}, "batch_size": "4"}' >"$TMP/wrong.json"
run estimate --request "$TMP/wrong.json" --json
expect_rc "wrong type in request exits 2" 2
stderr_has "wrong type reported" 'wrong_type.*batch_size'
jcheck "error JSON on stdout with --json" 'd["error"]["code"] == "wrong_type" and d["error"]["field"] == "batch_size"'

printf '{"model": {"preset": "x"},\n "task": }' >"$TMP/badreq.json"
run estimate --request "$TMP/badreq.json"
expect_rc "malformed request exits 2" 2
stderr_has "malformed request reports invalid_json with line" 'invalid_json.*line 2'

run estimate --preset "$LLAMA" --frobnicate
expect_rc "unknown flag exits 2" 2
stderr_has "unknown flag named" 'unknown flag --frobnicate'

run frobnicate
expect_rc "unknown command exits 2" 2

run estimate
expect_rc "estimate without a model exits 2" 2

run estimate --preset
expect_rc "flag without value exits 2" 2
stderr_has "flag without value explained" 'needs a value'

echo "cli_test: $PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
