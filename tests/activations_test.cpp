// Activation and loss-buffer bytes through the public API, against the
// per-op derivations in core/MEMORY_MODEL.md (hand-computed here).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "vramfit/api.h"

namespace {
using json = nlohmann::json;

// The training settings these derivations assume (foreach AdamW, autocast
// over fp32 params, no checkpointing) unless a test gives its own, so the
// training stack's defaults (methodology §15) do not apply.
json run(json req) {
  for (const auto& [k, v] : {std::pair<const char*, json>{"precision", "bf16_mixed"},
                             {"optimizer", "adamw"},
                             {"gradient_checkpointing", false}}) {
    if (!req.contains(k)) req[k] = v;
  }
  return json::parse(vramfit::estimate_json(req.dump()));
}

int64_t component(const json& r, const std::string& id) {
  for (const auto& c : r.at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<int64_t>();
  }
  FAIL("no component " << id << " in " << r.dump().substr(0, 400));
  return -1;
}

// Llama-3.1-8B: h 4096, q_dim 4096, kv_dim 1024, I 14336, 32 heads, 32 layers, V 128256.
const json kLlama = {{"preset", "meta-llama/Llama-3.1-8B"}};
}  // namespace

TEST_CASE("Full fine-tune activations follow the HF saving rules (methodology F10)") {
  // Per token per layer (bf16_pure, SDPA, no checkpointing):
  //   2 RMSNorms x (fp32 copy 4h + normed bf16 2h)            = 12h = 49,152
  //   linear inputs: attention input 2h + MLP input 2h         =  4h = 16,384
  //   q 2*4096 + k 2*1024 + v 2*1024 + out 2*4096 + lse 4*32   = 20,608
  //   MLP: gate out, SiLU out, up out, product: 4 x 2I         = 114,688
  //   total 200,832 B (= methodology F10, HF eager full fine-tune)
  // Final norm 4h + 2h + lm_head input 2h = 32,768 B per token.
  // 1024 tokens x (32 x 200,832 + 32,768) = 6,614,417,408 B.
  json r = run({{"model", kLlama},
                {"task", "full"},
                {"precision", "bf16_pure"},
                {"batch_size", 1},
                {"seq_len", 1024},
                {"search", false}});
  CHECK(component(r, "activations") == 6614417408LL);
}

TEST_CASE("LoRA inputs are cast to fp32 per module when adapters are fp32 (PEFT)") {
  // Per token per layer, all-linear r 16, fp32 adapters, no autocast:
  //   norms: 2 x fp32 copy 4h                                   =  32,768
  //   q, k, v inputs: 3 x (4h fp32 cast + 4r lora_A output)     =  49,344
  //   o input: 4*4096 + 4r                                      =  16,448
  //   attention: 2*(4096 + 1024 + 1024 + 4096) + 4*32           =  20,608
  //   gate, up inputs: 2 x (4h + 4r)                            =  32,896
  //   MLP saves 3 x 2I = 86,016; down input 4I + 4r = 57,408    = 143,424
  //   total 295,488 B
  // Final norm fp32 copy 4h = 16,384 B (frozen norm weight and head).
  // 1024 tokens x (32 x 295,488 + 16,384) = 9,699,328,000 B.
  json r = run({{"model", kLlama},
                {"task", "lora"},
                {"batch_size", 1},
                {"seq_len", 1024},
                {"search", false}});
  CHECK(component(r, "activations") == 9699328000LL);

  // Under autocast the saved LoRA input is the bf16 cast (2 in + 2r):
  //   32,768 + 3(8192+32) + (8192+32) + 20,608 + 2(8192+32) + 86,016 + 28,672+32
  //   = 217,440 B per token per layer; + 16,384 final.
  json a = run({{"model", kLlama},
                {"task", "lora"},
                {"autocast", true},
                {"batch_size", 1},
                {"seq_len", 1024},
                {"search", false}});
  CHECK(component(a, "activations") == 1024LL * (32 * 217440 + 16384));
}

TEST_CASE("Loss buffer is 12 V bytes per token for the HF cross-entropy (methodology F11)") {
  // 12 x 128,256 x 2,048 = 3,152,019,456 B (F11).
  json r = run({{"model", kLlama},
                {"task", "lora"},
                {"batch_size", 1},
                {"seq_len", 2048},
                {"search", false}});
  CHECK(component(r, "logits") == 3152019456LL);
}

TEST_CASE("Checkpointing keeps one bf16 layer input per layer per token") {
  // 32 layers x 2h (8,192 B) + final norm 4h (16,384 B) = 278,528 B per token;
  // x 2048 tokens = 570,425,344 B.
  json r = run({{"model", kLlama},
                {"task", "lora"},
                {"gradient_checkpointing", true},
                {"batch_size", 1},
                {"seq_len", 2048},
                {"search", false}});
  CHECK(component(r, "activations") == 570425344LL);
}

TEST_CASE("Foreach AdamW step materialises one copy of the second moment") {
  // Full fine-tune bf16_pure: states bf16, sqrt(v) copy = 2 B x 8,030,261,248.
  json r = run({{"model", kLlama},
                {"task", "full"},
                {"precision", "bf16_pure"},
                {"batch_size", 1},
                {"seq_len", 512},
                {"search", false}});
  CHECK(component(r, "optimizer_step") == 2LL * 8030261248LL);
  // Peak is the optimizer step: weights 2P + grads 2P + states 4P + temp 2P.
  CHECK(r.at("peak_phase") == "optimizer_step");
  CHECK(r.at("peak_allocated_bytes").get<int64_t>() == 10LL * 8030261248LL);
  json fused = run({{"model", kLlama},
                    {"task", "full"},
                    {"precision", "bf16_pure"},
                    {"optimizer", "adamw_fused"},
                    {"search", false}});
  for (const auto& c : fused.at("components")) CHECK(c.at("id") != "optimizer_step");
}

TEST_CASE("Checkpoint header bytes replace the config-derived weights when stored as-is") {
  // A checkpoint whose headers sum to 16,000,000,000 B: inference keeps the
  // stored tensors, so weights = 16,000,000,000 B and the rule says so.
  json r = run({{"model",
                 {{"preset", "meta-llama/Llama-3.1-8B"},
                  {"checkpoint", {{"total_bytes", 16000000000LL}, {"source", "safetensors"}}}}},
                {"search", false}});
  CHECK(component(r, "weights") == 16000000000LL);
  CHECK(r.at("weights_format").at("rule") == "checkpoint_headers");
  // QLoRA re-quantises the base: the config-derived NF4 figure stands.
  json q = run(
      {{"model",
        {{"preset", "meta-llama/Llama-3.1-8B"}, {"checkpoint", {{"total_bytes", 16000000000LL}}}}},
       {"task", "qlora"},
       {"search", false}});
  CHECK(q.at("weights_format").at("rule") != "checkpoint_headers");
  // A checkpoint object without total_bytes names the missing field.
  json e =
      run({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}, {"checkpoint", json::object()}}}});
  CHECK(e.at("error").at("field") == "model.checkpoint.total_bytes");
}

TEST_CASE("A custom {bits, group_size} format adds a scale and a zero per group") {
  // 4 bits, group 128: 4 + (4 + 16)/128 = 4.15625 bits per weight (the GPTQ /
  // AWQ figure of methodology §4.3 without g_idx).
  json r = run({{"model", kLlama},
                {"weights_dtype", {{"bits", 4}, {"group_size", 128}}},
                {"search", false}});
  CHECK(r.at("weights_format").at("bits").get<double>() == 4.15625);
  json plain = run({{"model", kLlama}, {"weights_dtype", {{"bits", 3}}}, {"search", false}});
  CHECK(plain.at("weights_format").at("bits").get<double>() == 3.0);
}

TEST_CASE("HF generate: the legacy tuple cache holds two caches while decoding") {
  // Llama-2-13B: 40 layers, MHA 40 x 128 = 5,120, fp16 cache:
  //   per token 2 (K, V) x 40 x 5,120 x 2 B = 819,200 B.
  // Batch 16, prompt 512, 512 new tokens (seq 1,024):
  //   kv_cache = 16 x 1,024 x 819,200 = 13,421,772,800 B.
  // transformers <= 4.41 (issue #25930, fixed by PR #30536 in 4.42): the last
  // decode forward extends a cache of 1,022 tokens held by generate() until
  // the forward returns: 16 x 1,022 x 819,200 = 13,395,558,400 B.
  // DynamicCache (>= 4.42): one layer's K or V: 13,421,772,800 / 40 / 2 =
  // 167,772,160 B.
  json req = {{"model", {{"preset", "TheBloke/Llama-2-13B-chat-GPTQ"}}},
              {"task", "inference"},
              {"weights_dtype", "fp16"},
              {"batch_size", 16},
              {"seq_len", 1024},
              {"prompt_len", 512},
              {"search", false}};
  const json dyn = run(req);
  CHECK(component(dyn, "kv_cache") == 13421772800);
  CHECK(component(dyn, "decode_transient") == 167772160);
  req["hf_cache"] = "legacy";
  const json legacy = run(req);
  CHECK(component(legacy, "decode_transient") == 13395558400);
  CHECK(legacy.at("peak_phase") == "decode");
  // One new token: no decode forward, nothing held twice.
  req["seq_len"] = 513;
  const json one = run(req);
  for (const auto& c : one.at("components")) CHECK(c.at("id") != "decode_transient");
  // Only the HF engine has it: elsewhere it takes no effect and is not echoed.
  req["engine"] = "vllm";
  CHECK_FALSE(run(req).at("request").contains("hf_cache"));
}
