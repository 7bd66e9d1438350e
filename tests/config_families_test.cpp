// Families beyond the plain decoder: encoder-decoder T5, DeciLM block
// configs, Qwen3.5 hybrid linear attention, Mllama cross-attention and the
// separately counted vision towers. Expected values are published counts or
// hand derivations written next to each check.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config_parse.h"
#include "fixture_configs.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

using nlohmann::json;
using vramfit::count_params;
using vramfit::FfnKind;
using vramfit::MixerKind;

TEST_CASE("config: T5: encoder + decoder, shared tied embedding, relative bias in block 0") {
  // t5-small is 60,506,624 parameters with vocab 32128 (HF card); this
  // fixture is a re-save with vocab 32101, i.e. 27 x 512 fewer.
  auto s = parse_config(load("google-t5__t5-small.json"));
  CHECK(s.encoder_decoder);
  CHECK(s.family == "t5");
  CHECK(s.layers.size() == 6);                    // decoder blocks
  CHECK(s.layers[0].kv_cache_dim == 2 * 8 * 64);  // self-attention cache
  auto c = count_params(s);
  CHECK(c.total == 60506624 - 27 * 512);
  CHECK(c.lm_head == 0);  // tie_word_embeddings defaults to true for T5
}

TEST_CASE("config: T5 v1.1 style: gated FF and an untied head") {
  json cfg = load("google-t5__t5-small.json");
  cfg["feed_forward_proj"] = "gated-gelu";
  cfg["tie_word_embeddings"] = false;
  auto c = count_params(parse_config(cfg));
  // Gating adds one 2048 x 512 wi_1 per block (6 encoder + 6 decoder); the
  // untied head adds 32101 x 512.
  CHECK(c.total == 60506624 - 27 * 512 + 12 * 2048 * 512 + 32101 * 512);
}

TEST_CASE("config: DeciLM block_configs: Llama-3.3-Nemotron-Super-49B") {
  // HF model page: 49,867,145,216 parameters.
  auto s = parse_config(load("nvidia__Llama-3_3-Nemotron-Super-49B-v1.json"));
  CHECK(s.family == "decilm");
  CHECK(count_params(s).total == 49867145216);
  // Block 0: n_heads_in_group 8 => 64 / 8 = 8 KV heads; ffn_mult 2.625 =>
  // int(2 * 2.625 * 8192 / 3) = 14336 (already a multiple of 256).
  CHECK(s.layers[0].n_kv_heads == 8);
  CHECK(s.layers[0].ffn_width == 14336);
  int no_op = 0;
  for (const auto& l : s.layers) no_op += l.mixer == MixerKind::none;
  CHECK(no_op == 31);  // 10 + 8 + 6 + 5 + 1 + 1 attention no_op blocks
}

TEST_CASE("config: DeciLM rejects a block list that does not match the layers") {
  json cfg = load("nvidia__Llama-3_3-Nemotron-Super-49B-v1.json");
  cfg["block_configs"].erase(0);
  try {
    parse_config(cfg);
    FAIL("expected inconsistent");
  } catch (const vramfit::Error& e) {
    CHECK(e.code() == vramfit::ErrorCode::inconsistent);
    CHECK(e.field() == "model.config.block_configs");
  }
}

TEST_CASE("config: Qwen3.5 hybrid: Gated DeltaNet layers carry state, not KV") {
  auto s = parse_config(load("Qwen__Qwen3.5-27B.json"));
  CHECK(s.family == "qwen3_5");
  CHECK(s.layers[0].mixer == MixerKind::linear_attention);
  CHECK(s.layers[0].kv_cache_dim == 0);
  CHECK(s.layers[3].mixer == MixerKind::attention);
  CHECK(s.layers[3].kv_cache_dim == 2 * 4 * 256);
  // State: 48 value heads x 128 x 128 + conv (2*16*128 + 48*128) x 4.
  CHECK(s.layers[0].state_elems == 48 * 128 * 128 + 10240 * 4);
  auto c = count_params(s);
  // Linear layer: in_proj_qkv 10240x5120, in_proj_z 6144x5120, in_proj_b/a
  // 2 x 48x5120, conv 10240x4, dt_bias+A_log 96, norm 128, out_proj
  // 5120x6144, 2 norms 10240, MLP 3x5120x17408.
  CHECK(c.per_layer[0] ==
        52428800 + 31457280 + 491520 + 40960 + 96 + 128 + 31457280 + 10240 + 267386880);
  // Full-attention layer: gated q 2x24x256 x5120, k,v 4x256x5120 each,
  // o 5120x6144, q/k norms 2x256, 2 norms, MLP.
  CHECK(c.per_layer[3] == 62914560 + 2 * 5242880 + 31457280 + 512 + 10240 + 267386880);
}

TEST_CASE("config: Jamba-v0.1: Mamba-1 + attention every 8th layer + MoE every 2nd") {
  // AI21 / HF card: 51.6B total, 12B active.
  auto s = parse_config(load("ai21labs__Jamba-v0.1.json"));
  CHECK(s.family == "jamba");
  CHECK(s.layers[4].mixer == MixerKind::attention);  // i % 8 == 4
  CHECK(s.layers[0].mixer == MixerKind::mamba);
  CHECK(s.layers[0].state_elems == 8192 * 16 + 8192 * 4);
  CHECK(s.layers[1].ffn == FfnKind::moe);  // i % 2 == 1
  CHECK(s.moe.num_moe_layers == 16);
  auto c = count_params(s);
  CHECK(c.total > 51.55e9);
  CHECK(c.total < 51.65e9);
  CHECK(c.active > 12.0e9);
  CHECK(c.active < 12.2e9);
}

TEST_CASE("config: LLaVA-1.5-7B: CLIP ViT-L/14-336 tower + projector") {
  // llava-hf/llava-1.5-7b-hf: 7,063,427,072 parameters in total.
  auto s = parse_config(load("llava-hf__llava-1.5-7b-hf.json"));
  REQUIRE(s.towers.size() == 1);
  CHECK_FALSE(s.towers[0].approximate);
  auto c = count_params(s);
  CHECK(c.total + c.towers == 7063427072);
  // CLIPVisionModel ViT-L/14 @336: 303,507,456; projector 1024x4096 +
  // 4096x4096 + 2 biases = 20,979,712.
  CHECK(c.towers == 303507456 + 20979712);
}

TEST_CASE("config: Gemma-3-4B: sparse Gemma3TextConfig defaults + SigLIP tower") {
  // google/gemma-3-4b-it: 4,300,079,472 parameters in total.
  auto s = parse_config(load("google__gemma-3-4b-it.json"));
  CHECK(s.family == "gemma3");
  CHECK(s.vocab == 262208);  // Gemma3TextConfig default
  CHECK(s.num_heads == 8);
  CHECK(s.tied_embeddings);
  CHECK(s.layers[0].window == 1024);
  CHECK(s.layers[5].window == 0);
  auto c = count_params(s);
  CHECK(c.total + c.towers == 4300079472);
}

TEST_CASE("config: Gemma-3-27B: text + SigLIP tower (medgemma-27b-it, same architecture)") {
  // google/gemma-3-27b-it: 27,432,406,640 parameters in total.
  auto c = count_params(parse_config(load("google__medgemma-27b-it.json")));
  CHECK(c.total + c.towers == 27432406640);
}

TEST_CASE("config: Qwen-VL towers: Qwen2.5-VL-7B and Qwen3-VL-2B") {
  // Qwen/Qwen2.5-VL-7B-Instruct: 8,292,166,656 = 7,615,616,512 text +
  // 676,550,144 visual (published num_parameters / model metadata).
  auto q25 = count_params(parse_config(load("Qwen__Qwen2.5-VL-7B-Instruct.json")));
  CHECK(q25.total == 7615616512);
  CHECK(q25.towers == 676550144);
  // Qwen/Qwen3-VL-2B-Instruct: 2,127,532,032 on the hub (3 deepstack mergers).
  auto s3 = parse_config(load("Qwen__Qwen3-VL-2B-Instruct.json"));
  REQUIRE(s3.towers.size() == 1);
  CHECK_FALSE(s3.towers[0].approximate);
  auto q3 = count_params(s3);
  CHECK(q3.total + q3.towers == 2127532032);
}

TEST_CASE("config: unknown vision towers are generic ViTs flagged approximate") {
  json cfg = {{"model_type", "llava_like"},
              {"text_config",
               {{"model_type", "llama"},
                {"hidden_size", 64},
                {"num_hidden_layers", 1},
                {"num_attention_heads", 4},
                {"intermediate_size", 128},
                {"vocab_size", 100}}},
              {"vision_config",
               {{"model_type", "new_vit"},
                {"hidden_size", 32},
                {"num_hidden_layers", 1},
                {"intermediate_size", 64},
                {"patch_size", 4}}}};
  auto s = parse_config(cfg);
  REQUIRE(s.towers.size() == 1);
  CHECK(s.towers[0].approximate);
  CHECK_FALSE(s.warnings.empty());
  // patch 32x(3x4x4) + layer [2 LN 128 + 4x(32x32+32) + 64x32+64 + 32x64+32]
  // + projector 64x32+64.
  CHECK(count_params(s).towers == 1536 + 128 + 4224 + 2112 + 2080 + 2112);
}

TEST_CASE("config: Mllama text model: vocab+8 embedding and cross-attention layers") {
  json cfg = {{"model_type", "mllama"},
              {"text_config",
               {{"model_type", "mllama_text_model"},
                {"hidden_size", 64},
                {"num_hidden_layers", 4},
                {"num_attention_heads", 4},
                {"num_key_value_heads", 2},
                {"intermediate_size", 128},
                {"vocab_size", 100},
                {"cross_attention_layers", {1}}}}};
  auto s = parse_config(cfg);
  CHECK(s.family == "mllama");
  auto c = count_params(s);
  CHECK(c.embeddings == 108 * 64);  // Embedding(vocab_size + 8, hidden)
  CHECK(c.lm_head == 100 * 64);
  CHECK(s.layers[1].kv_cache_dim == 0);  // caches vision tokens only
  // Self-attention layer: q,o 64x64, k,v 32x64, 2 norms, MLP 3x64x128.
  const int64_t self = 2 * 4096 + 2 * 2048 + 128 + 3 * 64 * 128;
  CHECK(c.per_layer[0] == self);
  // Cross layer adds q_norm/k_norm (16 each) and two scalar gates.
  CHECK(c.per_layer[1] == self + 32 + 2);
}

TEST_CASE("config: Qwen2-VL with top-level text fields maps to the qwen2 layout") {
  json cfg = {{"model_type", "qwen2_vl"}, {"hidden_size", 64},          {"num_hidden_layers", 2},
              {"num_attention_heads", 4}, {"num_key_value_heads", 2},   {"intermediate_size", 128},
              {"vocab_size", 100},        {"tie_word_embeddings", true}};
  auto s = parse_config(cfg);
  CHECK(s.model_type == "qwen2_vl");
  CHECK(s.family == "qwen2");
  // q,k,v biases (64 + 32 + 32), no o bias: Qwen2 attention.
  auto c = count_params(s);
  CHECK(c.per_layer[0] == 2 * 4096 + 2 * 2048 + 128 + 128 + 3 * 64 * 128);
}

namespace {

// A tiny config: h 64, 4 heads (d 16), 2 layers, I 128, V 100.
json tiny(const std::string& type) {
  return json{{"model_type", type},       {"hidden_size", 64},        {"num_hidden_layers", 2},
              {"num_attention_heads", 4}, {"intermediate_size", 128}, {"vocab_size", 100}};
}

int64_t total(const json& cfg) { return count_params(parse_config(cfg)).total; }

}  // namespace

TEST_CASE("config: family layouts by hand derivation on tiny configs") {
  // GPT-J: ln_1 128, q,k,v,out 4x4096 (no bias), fc_in 8192+128,
  // fc_out 8192+64 => 33,088/layer; wte 6400, ln_f 128, head 6400+100.
  CHECK(total(tiny("gptj")) == 2 * 33088 + 6400 + 128 + 6500);
  // Phi-3 (kv 2): qkv_proj 128x64, o 4096, gate_up 256x64, down 8192,
  // 2 RMSNorms 128 => 36,992/layer; untied: 2 x 6400, final norm 64.
  json phi3 = tiny("phi3");
  phi3["num_key_value_heads"] = 2;
  CHECK(total(phi3) == 2 * 36992 + 12800 + 64);
  // Starcoder2 (kv 2, biases, LayerNorm, tied): q,o 4096+64, k,v 2048+32,
  // c_fc 8192+128, c_proj 8192+64, 2 LN 256 => 29,312/layer; embed 6400;
  // final LN 128.
  json sc2 = tiny("starcoder2");
  sc2["num_key_value_heads"] = 2;
  CHECK(total(sc2) == 2 * 29312 + 6400 + 128);
  // OLMo: non-parametric LayerNorms; 4x4096 + 3x8192 = 40,960/layer; untied.
  CHECK(total(tiny("olmo")) == 2 * 40960 + 12800);
  // OLMo-2 (kv 2): 12,288 attention + q_norm 64 + k_norm 32 (full width)
  // + MLP 24,576 + 2 post-norms 128 => 37,088/layer; untied; final 64.
  json olmo2 = tiny("olmo2");
  olmo2["num_key_value_heads"] = 2;
  CHECK(total(olmo2) == 2 * 37088 + 12800 + 64);
}

TEST_CASE("config: OPT-350m layout: project_in/out and no final norm") {
  json cfg = tiny("opt");
  cfg.erase("intermediate_size");
  cfg["ffn_dim"] = 128;
  cfg["word_embed_proj_dim"] = 32;
  cfg["max_position_embeddings"] = 50;
  cfg["do_layer_norm_before"] = false;
  // embed 100x32, positions (50+2)x64, project_in 64x32, project_out
  // 32x64; per layer 4x(4096+64) + 2 LN 256 + fc1 8192+128 + fc2 8192+64.
  CHECK(total(cfg) == 3200 + 3328 + 2048 + 2048 + 2 * (16640 + 256 + 16576));
}

TEST_CASE("config: Falcon new decoder architecture: GQA qkv and two LayerNorms") {
  json cfg = tiny("falcon");
  cfg.erase("intermediate_size");
  cfg["new_decoder_architecture"] = true;
  cfg["num_kv_heads"] = 2;
  auto s = parse_config(cfg);
  CHECK(s.num_kv_heads == 2);
  // qkv (4 + 2x2) x 16 = 128 rows; dense 4096; MLP 2 x 64 x 256 (4h);
  // ln_attn + ln_mlp 256 => 45,312/layer; tied embed 6400; ln_f 128.
  CHECK(count_params(s).total == 2 * 45312 + 6400 + 128);
}
