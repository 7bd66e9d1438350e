#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang++-14 + ASan + UBSan
# in build-fuzz/ and runs each for SECONDS_PER_TARGET (default 20), seeded
# from the repository's configs, presets and golden request cases (copied at
# run time into build-fuzz/corpus/<target>/, which also keeps what the fuzzer
# finds between runs). The build is the one scripts/test-sanitize.sh uses. Prints executions, coverage (cov/ft) and crashes per
# target; exits 1 when any target crashed (artifacts in build-fuzz/crashes/).
# Turn a crash into a regression: copy the input (for fuzz_estimate, the
# request printed by VRAMFIT_FUZZ_PRINT=1 build-fuzz/tests/fuzz_estimate FILE)
# to tests/fixtures/bad/regressions/ (config-*.json for fuzz_config,
# checkpoint-*.bin for fuzz_checkpoint, the raw crash file).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(fuzz_config fuzz_request fuzz_estimate fuzz_checkpoint)
BUILD=${BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

bash scripts/configure-sanitized.sh "$BUILD"
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}" >/dev/null

# Seeds: config.json files for fuzz_config; requests for fuzz_request
# (golden cases' "request", configs wrapped as inline models); a tiny
# safetensors and GGUF file for fuzz_checkpoint; entropy for fuzz_estimate.
seed() {
  local target=$1 dir=$BUILD/corpus/$1
  mkdir -p "$dir"
  python3 - "$target" "$dir" <<'PY'
import glob, json, os, sys
target, out = sys.argv[1], sys.argv[2]
configs = sorted(glob.glob("tests/fixtures/configs/*.json") + glob.glob("core/data/presets/*.json"))
cases = sorted(f for f in glob.glob("tests/fixtures/cases/*.json") if not f.endswith(".expected.json"))
def put(name, text):
    with open(os.path.join(out, "seed-" + name), "w") as f:
        f.write(text)
if target == "fuzz_config":
    for c in configs:
        put(os.path.basename(c), open(c).read())
elif target == "fuzz_request":
    for c in cases:
        put(os.path.basename(c), json.dumps(json.load(open(c))["request"]))
    for c in configs[::3]:
        cfg = json.load(open(c))
        put("inline-" + os.path.basename(c), json.dumps({"model": {"config": cfg}, "search": False}))
elif target == "fuzz_checkpoint":  # first byte: 0 safetensors, 1 gguf
    import struct
    hdr = json.dumps({"__metadata__": {"format": "pt"},
                      "model.embed_tokens.weight": {"dtype": "BF16", "shape": [4, 2], "data_offsets": [0, 16]},
                      "model.layers.0.mlp.down_proj.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16, 32]}}).encode()
    with open(os.path.join(out, "seed-safetensors"), "wb") as f:
        f.write(b"\x00" + struct.pack("<Q", len(hdr)) + hdr + bytes(32))
    def s(x): return struct.pack("<Q", len(x)) + x.encode()
    def kv(k, t, v): return s(k) + struct.pack("<I", t) + v
    u32 = lambda k, v: kv(k, 4, struct.pack("<I", v))
    kvs = [kv("general.architecture", 8, s("llama")), u32("llama.block_count", 2),
           u32("llama.embedding_length", 64), u32("llama.feed_forward_length", 128),
           u32("llama.attention.head_count", 4), u32("llama.attention.head_count_kv", 2),
           u32("llama.context_length", 2048), u32("llama.vocab_size", 100)]
    tensors = [("token_embd.weight", [64, 100], 1, 0), ("blk.0.ffn_down.weight", [128, 64], 1, 12800)]
    body = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs)
    for name, dims, typ, off in tensors:
        body += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", typ, off)
    body += bytes((-len(body)) % 32)
    with open(os.path.join(out, "seed-gguf"), "wb") as f:
        f.write(b"\x01" + body)
else:  # fuzz_estimate: bytes drive a generator; the files are just entropy
    for c in cases:
        put(os.path.basename(c), open(c).read())
PY
}

mkdir -p "$BUILD/crashes"
status=0
summary=()
for t in "${TARGETS[@]}"; do
  seed "$t"
  log=$BUILD/$t.log
  rm -rf "$BUILD/crashes/$t"
  mkdir -p "$BUILD/crashes/$t"
  set +e
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "$BUILD/tests/$t" -max_total_time="$SECS" -timeout=25 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t/" \
      -dict=tests/fuzz/vramfit.dict \
      "$BUILD/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' <<<"$last" | grep -Eo '[0-9]+' || echo "?")
  ft=$(grep -Eo 'ft: [0-9]+' <<<"$last" | grep -Eo '[0-9]+' || echo "?")
  crashes=$(find "$BUILD/crashes/$t" -type f | wc -l)
  line=$(printf '%-14s %4ss  execs %-9s cov %-6s ft %-7s crashes %s (rc %s)' \
         "$t" "$SECS" "$execs" "$cov" "$ft" "$crashes" "$rc")
  echo "fuzz: $line"
  summary+=("$line")
  if ((rc != 0)); then
    status=1
    grep -E 'ERROR|runtime error|invariant broken|Test unit written' "$log" | head -5 >&2 || true
  fi
done
echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit $status
