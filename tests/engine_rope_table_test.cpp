// The rotary cos/sin table vLLM and SGLang build at model init
// (vllm/model_executor/layers/rotary_embedding/__init__.py get_rope and the
// classes it picks, v0.19.0). Expected rows are worked by hand from those
// classes and the presets' config values, written next to each case.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api_call.h"
#include "fixture_configs.h"

namespace {
using json = nlohmann::json;

// The rope_table component of a vLLM estimate (null when there is none).
json rope_table(const json& model, const char* engine = "vllm") {
  const json r = api({{"model", model}, {"engine", engine}, {"search", false}});
  for (const auto& c : r["components"]) {
    if (c["id"] == "rope_table") return c;
  }
  return json();
}

json preset(const char* id) { return {{"preset", id}}; }
}  // namespace

TEST_CASE("rope table: rows by scaling type, as vLLM's get_rope builds them", "[engine][rope]") {
  // Default RotaryEmbedding: max_position_embeddings rows. Qwen2.5-7B: 32,768
  // x head_dim 128 x 2 B = 8,388,608 B.
  json q = rope_table(preset("Qwen/Qwen2.5-7B-Instruct"));
  CHECK(q["inputs"]["rows"] == 32768);
  CHECK(q["bytes"] == 8388608);
  // SGLang keeps the table in fp32: twice that.
  CHECK(rope_table(preset("Qwen/Qwen2.5-7B-Instruct"), "sglang")["bytes"] == 16777216);
  // Llama3RotaryEmbedding: max_position_embeddings rows (131,072).
  CHECK(rope_table(preset("meta-llama/Llama-3.1-8B"))["inputs"]["rows"] == 131072);
  // DeepseekScalingRotaryEmbedding (yarn on MLA): original 4,096 x factor 40 =
  // 163,840 rows of qk_rope_head_dim 64.
  json d = rope_table(preset("deepseek-ai/DeepSeek-V3"));
  CHECK(d["inputs"]["rows"] == 163840);
  CHECK(d["inputs"]["rotary_dim"] == 64);
  // Phi3LongRoPEScaledRotaryEmbedding: a short table of original 4,096 rows
  // beside the long one of 131,072 (top-level original_max_position_embeddings).
  CHECK(rope_table(preset("microsoft/Phi-3-mini-128k-instruct"))["inputs"]["rows"] == 135168);
  // Gemma 3 (vLLM models/gemma3.py): global layers LinearScaling (factor 8 x
  // 131,072 = 1,048,576 rows) and the sliding layers' unscaled table with
  // rope_local_base_freq (131,072 rows): 1,179,648 rows of head_dim 256.
  json g = rope_table({{"config", load("google__gemma-3-4b-it.json")}});
  CHECK(g["inputs"]["rows"] == 1179648);
  CHECK(g["bytes"] == int64_t{1179648} * 256 * 2);
  // gpt-oss (vLLM models/gpt_oss.py asks for dtype=torch.float32): YaRN,
  // original 4,096 x factor 32 = 131,072 rows x head_dim 64 x 4 B.
  json o = rope_table(preset("openai/gpt-oss-20b"));
  CHECK(o["inputs"]["rows"] == 131072);
  CHECK(o["bytes"] == 131072 * 64 * 4);
  CHECK(o["inputs"]["bytes"] == 4);
  // partial_rotary_factor 0.4 of head_dim 80 (phi-2): rotary_dim 32.
  CHECK(rope_table(preset("microsoft/phi-2"))["inputs"]["rotary_dim"] == 32);
}

TEST_CASE("rope table: YaRN and linear scaling from a pasted config", "[engine][rope]") {
  json cfg = {{"architectures", {"Qwen2ForCausalLM"}},
              {"model_type", "qwen2"},
              {"hidden_size", 1024},
              {"intermediate_size", 2816},
              {"num_hidden_layers", 2},
              {"num_attention_heads", 16},
              {"num_key_value_heads", 16},
              {"vocab_size", 1000},
              {"max_position_embeddings", 131072},
              {"rope_scaling",
               {{"type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32768}}}};
  // YaRNScalingRotaryEmbedding: ceil(original 32,768 x 4) = 131,072 rows of 64.
  json y = rope_table({{"config", cfg}});
  CHECK(y["inputs"]["rows"] == 131072);
  CHECK(y["bytes"] == 131072 * 64 * 2);
  // LinearScalingRotaryEmbedding: max_position x factor = 131,072 x 2.
  cfg["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  CHECK(rope_table({{"config", cfg}})["inputs"]["rows"] == 262144);
  // transformers v5's rope_parameters with a per-layer-type table.
  cfg.erase("rope_scaling");
  cfg["rope_parameters"] = {{"full_attention", {{"rope_type", "default"}, {"rope_theta", 1e6}}}};
  CHECK(rope_table({{"config", cfg}})["inputs"]["rows"] == 131072);
}

TEST_CASE("rope table: none without rotary positions, none outside vLLM and SGLang",
          "[engine][rope]") {
  // ALiBi (BLOOM) and learned positions (GPT-2, OPT): no table.
  CHECK(rope_table({{"config", load("bigscience__bloom-560m.json")}}).is_null());
  CHECK(rope_table({{"config", load("openai-community__gpt2.json")}}).is_null());
  CHECK(rope_table({{"config", load("facebook__opt-125m.json")}}).is_null());
  // Falcon-7B uses RoPE (alibi false); without max_position_embeddings in its
  // config, FalconConfig's default 2,048 rows, head_dim 64.
  json f = rope_table({{"config", load("tiiuae__falcon-7b.json")}});
  CHECK(f["inputs"]["rows"] == 2048);
  CHECK(f["inputs"]["rotary_dim"] == 64);
  // Transformers computes cos/sin per step from inv_freq: no table.
  CHECK(rope_table(preset("meta-llama/Llama-3.1-8B"), "hf").is_null());
}
