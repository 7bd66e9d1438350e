// Structured libFuzzer target: the input bytes drive a generator of *valid
// looking* requests (FuzzedDataProvider), so the fuzzer spends its time in
// the memory model instead of the JSON parser: built-in presets or
// synthesized configs of many families with extreme dimensions, every enum,
// batch/seq up to and past the limits, LoRA ranks and targets, the parallel
// layout, KV/weight dtypes, custom GPUs, eval steps and the searches.
// Every answer is checked by fuzz_check.h (no NaN, no negative bytes,
// peak <= reserved <= total, low <= total <= high, never "internal").
// VRAMFIT_FUZZ_PRINT=1 prints each generated request (to turn a crash into a
// tests/fixtures/bad/ regression file).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "vramfit/api.h"
#include "vramfit/presets.h"

namespace {

using json = nlohmann::json;

// Sizes that sit on limits and around products that could overflow.
const int64_t kEdges[] = {0,
                          1,
                          2,
                          3,
                          7,
                          8,
                          16,
                          64,
                          96,
                          128,
                          255,
                          256,
                          4096,
                          32000,
                          65536,
                          100000,
                          1000000,
                          10000000,
                          10000001,
                          int64_t{1} << 20,
                          int64_t{1} << 24,
                          int64_t{1} << 31,
                          int64_t{1} << 40,
                          -1};

int64_t dim(FuzzedDataProvider& f, int64_t lo, int64_t hi) {
  switch (f.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return kEdges[f.ConsumeIntegralInRange<size_t>(0, std::size(kEdges) - 1)];
    case 1:
      return f.ConsumeIntegral<int64_t>();
    default:
      return f.ConsumeIntegralInRange<int64_t>(lo, hi);
  }
}

// Batch / sequence sizes: mostly the limits (2^20, 2^24) and around them,
// where byte products are largest.
int64_t tokens(FuzzedDataProvider& f, int64_t typical) {
  switch (f.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return int64_t{1} << 20;
    case 1:
      return int64_t{1} << 24;
    case 2:
      return f.ConsumeIntegralInRange<int64_t>((int64_t{1} << 20) - 2, (int64_t{1} << 24) + 2);
    case 3:
      return dim(f, 1, typical);
    default:
      return f.ConsumeIntegralInRange<int64_t>(1, typical);
  }
}

template <size_t N>
const char* one_of(FuzzedDataProvider& f, const char* const (&v)[N]) {
  return v[f.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

const char* const kTypes[] = {
    "llama",      "mistral", "mixtral", "qwen2",       "qwen2_moe",    "qwen3",        "qwen3_moe",
    "qwen3_next", "gemma",   "gemma2",  "gemma3_text", "deepseek_v3",  "gpt2",         "opt",
    "falcon",     "phi",     "phi3",    "gpt_neox",    "bloom",        "olmo",         "mamba",
    "nemotron_h", "t5",      "gpt_oss", "llama4_text", "nemotron-nas", "no_such_type", ""};

json synth_config(FuzzedDataProvider& f) {
  json c = json::object();
  const std::string type = one_of(f, kTypes);
  if (!type.empty()) c["model_type"] = type;
  const int64_t heads = dim(f, 1, 64);
  int64_t hidden = dim(f, 1, 8192);
  if (f.ConsumeBool() && __builtin_mul_overflow(heads, dim(f, 1, 256), &hidden)) hidden = -1;
  c["hidden_size"] = hidden;
  c["num_hidden_layers"] = dim(f, 1, 8);
  c["num_attention_heads"] = heads;
  if (f.ConsumeBool()) c["num_key_value_heads"] = dim(f, 1, 8);
  c["intermediate_size"] = dim(f, 1, 30000);
  c["vocab_size"] = dim(f, 1, 200000);
  if (f.ConsumeBool()) c["head_dim"] = dim(f, 1, 256);
  if (f.ConsumeBool()) c["tie_word_embeddings"] = f.ConsumeBool();
  if (f.ConsumeBool()) c["max_position_embeddings"] = dim(f, 1, 1 << 17);
  if (f.ConsumeBool()) c["sliding_window"] = dim(f, 0, 8192);
  if (f.ConsumeBool()) {  // MoE fields under several spellings
    c[one_of(f, {"num_local_experts", "num_experts", "n_routed_experts"})] = dim(f, 0, 256);
    c["num_experts_per_tok"] = dim(f, 1, 8);
    c["moe_intermediate_size"] = dim(f, 1, 4096);
    if (f.ConsumeBool()) c["n_shared_experts"] = dim(f, 0, 4);
    if (f.ConsumeBool()) c["shared_expert_intermediate_size"] = dim(f, 0, 4096);
  }
  if (type == "deepseek_v3" || f.ConsumeBool()) {
    c["kv_lora_rank"] = dim(f, 1, 512);
    c["qk_rope_head_dim"] = dim(f, 1, 64);
    c["qk_nope_head_dim"] = dim(f, 1, 128);
    c["v_head_dim"] = dim(f, 1, 128);
    if (f.ConsumeBool()) c["q_lora_rank"] = dim(f, 1, 1536);
  }
  if (type == "mamba" || type == "nemotron_h" || f.ConsumeBool()) {
    c["state_size"] = dim(f, 1, 128);
    c["mamba_num_heads"] = dim(f, 1, 128);
    c["mamba_head_dim"] = dim(f, 1, 64);
    c["ssm_state_size"] = dim(f, 1, 128);
    c["n_groups"] = dim(f, 1, 8);
    std::string pat;
    const int64_t n = c["num_hidden_layers"].get<int64_t>();
    for (int64_t i = 0; i < n && i < 64; ++i) pat += one_of(f, {"M", "*", "-", "E"});
    c["hybrid_override_pattern"] = pat;
  }
  if (type == "qwen3_next" || f.ConsumeBool()) {
    c["linear_num_key_heads"] = dim(f, 1, 16);
    c["linear_num_value_heads"] = dim(f, 1, 32);
    c["linear_key_head_dim"] = dim(f, 1, 128);
    c["linear_value_head_dim"] = dim(f, 1, 128);
  }
  if (f.ConsumeBool()) {
    c["vision_config"] = {{"hidden_size", dim(f, 1, 1024)},
                          {"num_hidden_layers", dim(f, 1, 4)},
                          {"patch_size", dim(f, 1, 16)},
                          {"image_size", dim(f, 1, 448)}};
  }
  if (f.ConsumeBool()) {
    c["quantization_config"] = {{"quant_method", one_of(f, {"gptq", "awq", "bitsandbytes", "fp8",
                                                            "mxfp4", "compressed-tensors", "x"})},
                                {"bits", dim(f, 1, 8)}};
  }
  if (f.ConsumeBool()) c["torch_dtype"] = one_of(f, {"bfloat16", "float16", "float32", "int8"});
  return c;
}

const char* const kDtypes[] = {"fp32", "fp16", "bf16",      "fp8",      "int8",  "nf4",
                               "fp4",  "int4", "gptq_int4", "awq_int4", "mxfp4", "nvfp4",
                               "q8_0", "q6_k", "q5_k_m",    "q4_k_m",   "q4_0",  "q3_k_m",
                               "q2_k", "auto", "bogus"};
const char* const kTargets[] = {"q_proj",
                                "k_proj",
                                "v_proj",
                                "o_proj",
                                "gate_proj",
                                "up_proj",
                                "down_proj",
                                "w1",
                                "w2",
                                "w3",
                                "experts.gate_proj",
                                "gate",
                                "query_key_value",
                                "c_attn",
                                "fc1",
                                "lm_head",
                                "nope"};

json build_request(FuzzedDataProvider& f) {
  json r = json::object();
  const auto& presets = vramfit::preset_list();
  if (f.ConsumeIntegralInRange<int>(0, 2) > 0 && !presets.empty()) {
    r["model"] = {{"preset", presets[f.ConsumeIntegralInRange<size_t>(0, presets.size() - 1)].id}};
  } else {
    r["model"] = {{"config", synth_config(f)}};
    if (f.ConsumeBool())
      r["model"]["id"] =
          one_of(f, {"org/m-GPTQ", "org/m-AWQ", "org/m-4bit", "org/m-GGUF", "org/m-FP8", "org/m"});
  }
  r["task"] = one_of(f, {"inference", "full", "lora", "qlora", "dora", "qdora"});
  r["search"] = f.ConsumeIntegralInRange<int>(0, 7) == 0;
  if (f.ConsumeBool()) r["batch_size"] = tokens(f, 64);
  if (f.ConsumeBool()) r["seq_len"] = tokens(f, 32768);
  if (f.ConsumeBool()) r["prompt_len"] = dim(f, 1, 32768);
  if (f.ConsumeBool())
    r["precision"] = one_of(f, {"bf16_mixed", "fp16_mixed", "bf16_pure", "fp32"});
  if (f.ConsumeBool()) r["autocast"] = f.ConsumeBool();
  if (f.ConsumeBool()) r["gradient_checkpointing"] = f.ConsumeBool();
  if (f.ConsumeBool()) {
    r["optimizer"] = one_of(f, {"adamw", "adamw_fused", "adamw_8bit", "paged_adamw_8bit",
                                "adafactor", "sgd", "sgd_momentum", "lion"});
  }
  if (f.ConsumeBool()) r["optimizer_in_backward"] = f.ConsumeBool();
  if (f.ConsumeBool()) r["attention"] = one_of(f, {"sdpa", "flash", "eager"});
  if (f.ConsumeBool()) r["loss"] = one_of(f, {"standard", "chunked"});
  if (f.ConsumeBool()) r["engine"] = one_of(f, {"hf", "vllm", "llama_cpp"});
  if (f.ConsumeBool()) r["inference_mode"] = one_of(f, {"generate", "forward"});
  if (f.ConsumeBool())
    r["weights_dtype"] = one_of(f, kDtypes);
  else if (f.ConsumeIntegralInRange<int>(0, 7) == 0) {
    r["weights_dtype"] = {{"bits", f.ConsumeFloatingPointInRange<double>(0.5, 40)},
                          {"group_size", dim(f, 0, 256)}};
  }
  if (f.ConsumeBool()) r["kv_cache_dtype"] = one_of(f, kDtypes);
  if (f.ConsumeBool()) {
    json l = {{"rank", dim(f, 1, 256)}};
    if (f.ConsumeBool()) l["alpha"] = f.ConsumeFloatingPointInRange<double>(0, 1024);
    if (f.ConsumeBool()) l["dropout"] = f.ConsumeFloatingPointInRange<double>(0, 0.99);
    if (f.ConsumeBool()) l["dtype"] = one_of(f, {"fp32", "bf16", "fp16"});
    if (f.ConsumeBool()) {
      json t = json::array();
      const int n = f.ConsumeIntegralInRange<int>(1, 5);
      for (int i = 0; i < n; ++i) t.push_back(one_of(f, kTargets));
      l["targets"] = t;
    }
    r["lora"] = l;
  }
  if (f.ConsumeBool()) {
    json p = json::object();
    if (f.ConsumeBool()) p["tp"] = dim(f, 1, 8);
    if (f.ConsumeBool()) p["pp"] = dim(f, 1, 8);
    if (f.ConsumeBool()) p["dp"] = dim(f, 1, 64);
    if (f.ConsumeBool()) p["ep"] = dim(f, 1, 8);
    if (f.ConsumeBool()) p["zero"] = f.ConsumeIntegralInRange<int>(0, 3);
    if (f.ConsumeBool()) p["fsdp"] = f.ConsumeBool();
    if (f.ConsumeBool()) p["offload_optimizer"] = f.ConsumeBool();
    if (f.ConsumeBool()) p["offload_params"] = f.ConsumeBool();
    if (f.ConsumeBool()) p["microbatches"] = dim(f, 1, 16);
    r["parallel"] = p;
  }
  if (f.ConsumeBool()) r["eval"] = {{"batch_size", tokens(f, 16)}, {"seq_len", tokens(f, 4096)}};
  if (f.ConsumeBool()) r["gpu"] = one_of(f, {"h100", "4090", "a100-80g", "mi300x", "nope"});
  if (f.ConsumeBool()) {
    r["custom_gpus"] = json::array(
        {{{"name", "x"}, {"memory_gib", f.ConsumeFloatingPointInRange<double>(0.005, 2e6)}}});
  }
  if (f.ConsumeBool()) r["gpu_memory_utilization"] = f.ConsumeFloatingPointInRange<double>(0, 1.1);
  if (f.ConsumeBool()) r["max_num_batched_tokens"] = dim(f, 1, 65536);
  if (f.ConsumeBool()) r["cuda_context_mib"] = dim(f, 0, 2000);
  if (f.ConsumeBool()) r["fragmentation"] = f.ConsumeFloatingPointInRange<double>(0, 1);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider f(data, size);
  const json req = build_request(f);
  const std::string text = req.dump();
  static const bool print = std::getenv("VRAMFIT_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "request: %s\n", text.c_str());
  vramfit_fuzz::check_response(vramfit::estimate_json(text));
  return 0;
}
