#!/usr/bin/env bash
# `vramfit --model` against a local mock Hub (tests/hub/mock_hub.py), no
# internet: the repo listing (model-info API) fed to the core's plan, configs
# (params.json where a repo has no config.json), safetensors headers by
# Range, GGUF headers (split into parts too), and every failure (401/403 gated, 404, 429,
# 5xx, slow, truncated, invalid, offline, DNS), with exit codes, messages and
# where the token went.
# ctest calls: hub_cli_test.sh <vramfit binary> <fixtures dir> <mock_hub.py>
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 <vramfit binary> <fixtures dir> <mock_hub.py>" >&2
  exit 2
fi
BIN=$1
FIX=$2
MOCK=$3
[[ -x "$BIN" ]] || { echo "not executable: $BIN" >&2; exit 2; }

TMP=$(mktemp -d)
MOCK_PID=""
cleanup() {
  if [[ -n "$MOCK_PID" ]]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# A build without libcurl says so and exits 3: check that and stop.
# (A closed local port as the endpoint: this probe never leaves the machine.)
probe=$(HF_ENDPOINT=http://127.0.0.1:1 VRAMFIT_HTTP_TIMEOUT=2 "$BIN" params --model tiny/llama 2>&1 || true)
if [[ $probe == *"built without libcurl"* ]]; then
  echo "ok   - built without libcurl: --model explains itself"
  exit 0
fi

# Resolve python3 once (a pyenv shim costs a second per call under load).
PY=$(python3 -c 'import sys; print(sys.executable)')
TOKEN=hf_mock_secret_token_1234
"$PY" "$MOCK" --fixtures "$FIX" --token "$TOKEN" --log "$TMP/log" --slow 4 --idle-exit 120 \
  >"$TMP/port" 2>"$TMP/mock_err" &
MOCK_PID=$!
for _ in $(seq 1 100); do
  grep -q '^PORT ' "$TMP/port" 2>/dev/null && break
  sleep 0.1
done
PORT=$(awk '/^PORT /{print $2}' "$TMP/port")
[[ -n "$PORT" ]] || { echo "mock hub did not start: $(cat "$TMP/mock_err")" >&2; exit 2; }

# A clean Hub environment: no token, no proxy, short timeout.
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_TOKEN_PATH http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export HF_ENDPOINT="http://127.0.0.1:$PORT"
export HF_HOME="$TMP/hf_home"
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
export VRAMFIT_HTTP_TIMEOUT=2

PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; [[ -n "${2:-}" ]] && echo "       $2"; return 0; }

run() {
  set +e
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  set -e
}

# expect NAME RC 'regex on stderr+stdout'...
expect() {
  local name=$1 want=$2
  shift 2
  if [[ $RC -ne $want ]]; then
    bad "$name" "exit $RC, want $want; stderr: $(head -c 400 "$TMP/err")"
    return
  fi
  local pat
  for pat in "$@"; do
    if ! grep -Eq -- "$pat" "$TMP/out" "$TMP/err"; then
      bad "$name" "no match for /$pat/ in: $(head -c 600 "$TMP/err") $(head -c 600 "$TMP/out")"
      return
    fi
  done
  ok "$name"
}

jcheck() {
  local name=$1 expr=$2
  if "$PY" - "$TMP/out" "$expr" <<'PY' 2>"$TMP/py_err"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
  then ok "$name"; else bad "$name" "expr: $expr; $(head -c 300 "$TMP/py_err") stdout: $(head -c 300 "$TMP/out")"; fi
}

# log_check NAME PY_EXPR: evaluates over L = the mock's request log lines.
log_check() {
  local name=$1 expr=$2
  if "$PY" - "$TMP/log" "$expr" <<'PY' 2>"$TMP/py_err"
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
  then ok "$name"; else bad "$name" "expr: $expr; $(head -c 300 "$TMP/py_err")"; fi
}
reset_log() { : >"$TMP/log"; }

# --- success paths --------------------------------------------------------
reset_log
run params --model meta-llama/Meta-Llama-3.1-8B
expect "params --model: config-based count" 0 "8,030,261,248" "meta-llama/Meta-Llama-3.1-8B"
# 8,030,261,248 BF16 params x 2 bytes = 16,060,522,496 (the real index total_size).
expect "params --model: checkpoint bytes from 4 shard headers" 0 \
  "checkpoint bytes \(safetensors headers: 4 files, 291 tensors, [0-9]+ KiB read\)" "16,060,522,496 B" \
  "matches the headers" "equal"
log_check "shards read by Range: 0-7 then the header, never whole" \
  "sum(1 for r in L if r['range']=='bytes=0-7')==4 and all(r['range'] for r in L if r['path'].endswith('.safetensors')) and all(r['status']==206 for r in L if r['range'])"
log_check "no token sent when none is configured" "all(r['authorization'] is None for r in L)"

# NVIDIA's config.json holds time_step_limit [0.0, Infinity], as the Hub serves it.
run params --model nvidia/Nemotron-H-56B-Base-8K
expect "params --model: a config.json with Infinity is read" 0 "nvidia/Nemotron-H-56B-Base-8K"

run params --model meta-llama/Meta-Llama-3.1-8B --json
jcheck "params --json: checkpoint member" \
  "d['checkpoint']['summary']['total_bytes']==16060522496 and d['checkpoint']['summary']['params']==d['params']['total'] and d['checkpoint']['index_total_size']==16060522496 and d['model']['id']=='meta-llama/Meta-Llama-3.1-8B'"

run estimate --model meta-llama/Meta-Llama-3.1-8B --task qlora --seq 1024 --json
jcheck "estimate --model: same estimate as the config" \
  "d['model']['id']=='meta-llama/Meta-Llama-3.1-8B' and d['params']['total']==8030261248 and d['total_bytes']>0"
run estimate --config "$FIX/configs/meta-llama__Meta-Llama-3.1-8B.json" --task qlora --seq 1024 --json
jcheck "estimate --config gives the same weights" "d['params']['total']==8030261248"

run fit --model meta-llama/Meta-Llama-3.1-8B --gpu h100
expect "fit --model" 0 "H100"

run params --model tiny/llama-gptq
# 106,816 params: 73,728 in 4-bit qweight (9,216 int32 x 8) + 33,088 F16.
expect "GPTQ: packed int32 unpacked, overhead split out" 0 "params from headers +106,816" \
  "stored elements +45,920" "quantisation scales/zeros" "equal"

run params --model tiny/llama --revision v1
expect "--revision v1" 0 "tiny/llama" "106,816"
reset_log
run params --model tiny/llama --revision refs/pr/1
expect "unknown revision: 404 RevisionNotFound" 3 'revision "refs/pr/1" not found' "--revision"
log_check "revision is URL-encoded" "any(r['path'].endswith('/api/models/tiny/llama/revision/refs%2Fpr%2F1') for r in L)"

run params --model tiny/gguf --gguf-file tiny-Q8_0.gguf --json
# Q8_0 = 34 bytes per 32 values; data section 114,432 bytes (hand sum in mock_hub.py terms:
# 2 x 17,408 + 256 + 2 x (2 x 256 + 2 x 4,352 + 2 x 2,176 + 3 x 8,704)).
jcheck "GGUF: config from the header, exact bytes" \
  "d['model']['model_type']=='llama' and d['params']['total']==106816 and d['checkpoint']['format']=='gguf' and d['checkpoint']['summary']['total_bytes']==114432 and d['checkpoint']['summary']['bytes_by_dtype']['Q8_0']==113152"
run estimate --model tiny/gguf --gguf-file tiny-Q8_0.gguf --engine llama_cpp --dtype q8_0
expect "GGUF: estimate" 0 "peak allocated"

# gguf-split parts: every part's header read, the config from part 1.
reset_log
run params --model tiny/gguf-split --gguf-file tiny-Q8_0-00001-of-00002.gguf --json
jcheck "split GGUF: both parts read, bytes summed, config from part 1" \
  "d['checkpoint']['files']==['tiny-Q8_0-00001-of-00002.gguf','tiny-Q8_0-00002-of-00002.gguf'] and d['checkpoint']['summary']['total_bytes']==114432 and d['checkpoint']['summary']['tensors']==21 and d['params']['total']==106816 and d['checkpoint']['difference_reason']=='equal'"
log_check "split GGUF: one header read per part" \
  "sorted(r['path'].rsplit('/',1)[1] for r in L if r['range'])==['tiny-Q8_0-00001-of-00002.gguf','tiny-Q8_0-00002-of-00002.gguf'] and all(r['status']==206 for r in L if r['range'])"
run params --model tiny/gguf-split --gguf-file tiny-Q8_0-00002-of-00003.gguf
expect "split GGUF: a part missing from the listing" 3 "has no file tiny-Q8_0-00002-of-00003.gguf" "tiny-Q8_0-00001-of-00002.gguf"

run params --model tiny/bad-header
expect "invalid shard header: params still printed, warning says why" 0 "106,816" \
  "checkpoint bytes unavailable: .*invalid safetensors header: safetensors\.[^ ]+\.data_offsets"

run params --model openai/gpt-oss-20b
expect "repo without safetensors: config count, note" 0 "gpt_oss" "no safetensors weights"

reset_log
run params --model tiny/gguf-bigvocab --gguf-file big-Q8_0.gguf --json
# vocab 150,000 x hidden 64 x 2 (embedding + output) + the tiny layers:
# 19,200,000 + 64 + 2 x 36,992 = 19,274,048.
jcheck "GGUF header over 1 MiB: fetched in growing ranges" \
  "d['params']['total']==19274048 and d['checkpoint']['summary']['params']==19274048"
log_check "GGUF ranges: 1 MiB first, then what the parser asked for" \
  "(lambda G: G[0]['range']=='bytes=0-1048575' and 2<=len(G)<=4 and all(int(a['range'].split('-')[1])<int(b['range'].split('-')[1]) for a,b in zip(G,G[1:])) and all(r['status']==206 for r in G))([r for r in L if r['path'].endswith('.gguf')])"

run params --model tiny/sharded-mismatch
expect "index names a tensor no shard has: note" 0 "2 files" \
  "note: the index lists model.layers.9.mlp.up_proj.weight"

reset_log
run params --model tiny/gguf-multi
expect "GGUF-only repo without --gguf-file: the plan's default (Q4_0 < Q8_0: Q8_0), config from it" 0 \
  "106,816" "gguf headers: 1 file" "114,432 B"
log_check "the repo listing comes first (model-info API), then the one GGUF" \
  "L[0]['path']=='/api/models/tiny/gguf-multi' and {r['path'].rsplit('/',1)[1] for r in L[1:]}=={'tiny-Q8_0.gguf'}"

# Mistral format (params.json + consolidated.safetensors, no config.json).
reset_log
run params --model tiny/params-only
# tiny/llama in params.json keys: embed 256*64 + head 256*64 + final norm 64
# + 2 layers x (q,o 64*64; k,v 64*32; mlp 3*64*128; 2 norms of 64) = 106,816.
expect "params-only repo: params.json read, same count as tiny/llama" 0 "106,816" \
  "no config.json; read its params.json" "safetensors headers: 1 file" "equal"
log_check "params.json as the listing says (no config.json request); consolidated.safetensors by Range" \
  "not any(r['path'].endswith('/config.json') for r in L) and any(r['path'].endswith('/params.json') and r['status']==200 for r in L) and any(r['path'].endswith('/consolidated.safetensors') and r['status']==206 for r in L)"
run params --model tiny/params-only --json
jcheck "params-only --json: mistral, headers of consolidated.safetensors" \
  "d['model']['model_type']=='mistral' and d['params']['total']==106816 and d['checkpoint']['files']==['consolidated.safetensors'] and d['checkpoint']['summary']['params']==106816"
run params --model tiny/no-config
expect "no config.json nor params.json: not found, says so" 3 \
  "tiny/no-config has no config.json \(nor params.json or a GGUF file\)" "--config FILE"

run params --model noranges/llama
expect "server ignoring Range still works" 0 "params from headers +106,816"

# --- tokens ------------------------------------------------------------------
reset_log
run params --model gated/llama
expect "gated, no token: 401 + set HF_TOKEN" 3 "gated or private \(HTTP 401[,)]" "HF_TOKEN" "--config FILE" "--preset"
HF_TOKEN=wrong-token run params --model gated/llama
expect "gated, wrong token: says which token" 3 "token from HF_TOKEN has no access"
HF_TOKEN=$TOKEN run params --model gated/llama
expect "gated, HF_TOKEN: 200" 0 "106,816"
mkdir -p "$HF_HOME"
printf '%s\n' "$TOKEN" >"$HF_HOME/token"
run params --model gated/llama
expect "gated, token file \$HF_HOME/token: 200" 0 "106,816"
rm -f "$HF_HOME/token"
mkdir -p "$TMP/elsewhere"
printf '%s' "$TOKEN" >"$TMP/elsewhere/tok"
HF_TOKEN_PATH="$TMP/elsewhere/tok" run params --model gated/llama
expect "gated, HF_TOKEN_PATH: 200" 0 "106,816"
if grep -rq "$TOKEN" "$TMP/out" "$TMP/err"; then bad "token never printed"; else ok "token never printed"; fi
reset_log
HF_TOKEN=$TOKEN run params --model redirect/llama
expect "redirect to another host" 0 "106,816"
log_check "token sent to the endpoint host, not to the redirect target" \
  "any(r['host'].startswith('127.0.0.1') and r['authorization']=='Bearer $TOKEN' for r in L) and any(r['host'].startswith('localhost') for r in L) and all(r['authorization'] is None for r in L if r['host'].startswith('localhost'))"

# --- failures ------------------------------------------------------------------
run params --model missing/llama
expect "404 RepoNotFound" 3 "no such model repository" "--config FILE" "--preset ID"
run params --model nosuchorg/nosuchmodel
expect "unknown repo (anonymous 401 RepoNotFound) reads as not found" 3 "no such model repository"
run estimate --model ratelimit/llama
expect "429: wait and retry" 3 "rate-limiting" "retry after 30 s" "HF_TOKEN"
run fit --model broken/llama
expect "500: retry later" 3 "HTTP 500" "Retry in a few minutes"
run params --model truncated/llama
expect "Content-Length longer than the body" 3 "cut off" "Retry"
run params --model invalid/llama
expect "non-JSON body" 3 "not a JSON object" "captive portal"
run params --model deep/llama
expect "hostile deep JSON: refused, no crash" 3 "nested deeper than 256"
start=$(date +%s)
VRAMFIT_HTTP_TIMEOUT=1 run params --model slow/llama
end=$(date +%s)
expect "slow answer: timeout" 3 "within 1 s" "VRAMFIT_HTTP_TIMEOUT"
if (( end - start <= 3 )); then ok "timeout is prompt ($((end - start)) s)"; else bad "timeout took $((end - start)) s"; fi
HF_ENDPOINT="http://127.0.0.1:1" run params --model tiny/llama
expect "offline (connection refused)" 3 "cannot connect" "--config FILE"
HF_ENDPOINT="http://no-such-host.invalid" run params --model tiny/llama
expect "DNS failure" 3 "cannot resolve no-such-host.invalid|cannot connect"
HF_ENDPOINT="ftp://127.0.0.1:$PORT" run params --model tiny/llama
expect "non-http endpoint refused" 2 "HF_ENDPOINT"

# --- usage ---------------------------------------------------------------------
run params --model "../../etc/passwd"
expect "bad id" 2 "not a Hugging Face model id"
run params --model "org/na me"
expect "bad id with a space" 2 "not a Hugging Face model id"
run params --model tiny/llama --preset meta-llama/Llama-3.1-8B
expect "--model with --preset" 2 "cannot be combined"
run params --preset meta-llama/Llama-3.1-8B --revision v1
expect "--revision without --model" 2 "need --model"
run params --model tiny/gguf --gguf-file ../x.gguf
expect "bad --gguf-file" 2 "gguf-file"

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
