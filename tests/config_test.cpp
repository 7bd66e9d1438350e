// parse_model_config(): family layouts, defaults, layer shapes, quantisation
// and every rejected input (code and field path). Fixtures are real HF
// configs (tests/fixtures/configs/SOURCES.tsv); expected values are hand
// derivations from the published architecture, written next to each check.
#include "vramfit/config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config_parse.h"
#include "fixture_configs.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

using nlohmann::json;
using vramfit::ErrorCode;
using vramfit::FfnKind;
using vramfit::MixerKind;
using vramfit::ModelSpec;
using vramfit::TensorRole;

namespace {

const vramfit::TensorGroup* find(const ModelSpec& s, const std::string& name, int layer) {
  for (const auto& t : s.tensors) {
    if (t.name == name && t.layer == layer) return &t;
  }
  return nullptr;
}

// Asserts that parsing fails with `code` naming `field`.
void expect_error(const json& cfg, ErrorCode code, const std::string& field) {
  try {
    parse_config(cfg);
    FAIL("expected " << vramfit::error_code_name(code) << " at " << field);
  } catch (const vramfit::Error& e) {
    CHECK(vramfit::error_code_name(e.code()) == std::string(vramfit::error_code_name(code)));
    CHECK(e.field() == field);
  }
}

json small_llama() {
  return json{{"model_type", "llama"},    {"hidden_size", 64},           {"num_hidden_layers", 2},
              {"num_attention_heads", 4}, {"num_key_value_heads", 2},    {"intermediate_size", 128},
              {"vocab_size", 100},        {"tie_word_embeddings", false}};
}

}  // namespace

TEST_CASE("config: explicit head_dim wins over hidden/heads (Gemma-7B: 16 x 256 != 3072)") {
  auto s = parse_config(load("google__gemma-7b.json"));
  CHECK(s.family == "gemma");
  CHECK(s.head_dim == 256);
  const auto* q = find(s, "q_proj", 0);
  REQUIRE(q);
  CHECK(q->rows == 16 * 256);  // q_dim = n_h * d = 4096
  CHECK(q->cols == 3072);
  CHECK(s.tied_embeddings);  // key absent: GemmaConfig default is tied
  CHECK(s.layers[0].kv_cache_dim == 16 * 2 * 256);
}

TEST_CASE("config: head_dim defaults to hidden / heads") {
  auto s = parse_config(load("meta-llama__Meta-Llama-3.1-8B.json"));
  CHECK(s.head_dim == 4096 / 32);
  CHECK(s.num_kv_heads == 8);
  CHECK(s.layers[0].kv_cache_dim == 8 * 2 * 128);  // n_kv * (d + d_v)
  CHECK_FALSE(s.tied_embeddings);
  CHECK(find(s, "lm_head", -1));
  CHECK(s.stored_dtype == "bfloat16");
}

TEST_CASE("config: tie_word_embeddings true removes the lm_head tensor") {
  auto s = parse_config(load("meta-llama__Llama-3.2-1B.json"));
  CHECK(s.tied_embeddings);
  CHECK_FALSE(find(s, "lm_head", -1));
  CHECK(vramfit::count_params(s).lm_head == 0);
}

TEST_CASE("config: dtype is read from torch_dtype or dtype") {
  CHECK(parse_config(load("TinyLlama__TinyLlama-1.1B-Chat-v1.0.json")).stored_dtype ==
        "float32");  // re-save with the newer "dtype" key
  CHECK(parse_config(load("google__gemma-2-9b.json")).stored_dtype == "float32");
}

TEST_CASE("config: HF module names are kept for LoRA targeting") {
  auto gpt2 = parse_config(load("openai-community__gpt2.json"));
  const auto* c_attn = find(gpt2, "c_attn", 3);
  REQUIRE(c_attn);
  CHECK(c_attn->rows == 3 * 768);
  CHECK(find(gpt2, "c_attn.bias", 3));
  CHECK(find(gpt2, "wpe", -1)->role == TensorRole::position);
  auto neox = parse_config(load("EleutherAI__pythia-160m.json"));
  CHECK(find(neox, "query_key_value", 0));
  CHECK(find(neox, "dense_4h_to_h", 0));
  auto phi3_like = parse_config(load("microsoft__phi-2.json"));
  CHECK(find(phi3_like, "fc1", 0));
  CHECK(find(phi3_like, "dense", 0));
  auto mixtral = parse_config(load("mistralai__Mixtral-8x7B-v0.1.json"));
  const auto* w1 = find(mixtral, "experts.w1", 0);
  REQUIRE(w1);
  CHECK(w1->role == TensorRole::expert_linear);
  CHECK(w1->count == 8);
  CHECK(w1->routed);
  CHECK(find(mixtral, "gate", 0)->role == TensorRole::router);
  // Vectors that ride along with routers are not Linears (LoRA all-linear).
  auto v3 = parse_config(load("deepseek-ai__DeepSeek-V3.json"));
  CHECK(find(v3, "e_score_correction_bias", 3)->role == TensorRole::other);
  auto oss = parse_config(load("openai__gpt-oss-20b.json"));
  CHECK(find(oss, "router.bias", 0)->role == TensorRole::bias);
}

TEST_CASE("config: Falcon-7B: multi-query attention, one LayerNorm per layer") {
  auto s = parse_config(load("tiiuae__falcon-7b.json"));
  CHECK(s.family == "falcon");
  CHECK(s.num_kv_heads == 1);
  // fused qkv = (71 + 2*1) heads x 64
  CHECK(find(s, "query_key_value", 0)->rows == (71 + 2) * 64);
  CHECK(find(s, "input_layernorm", 0));
  CHECK_FALSE(find(s, "post_attention_layernorm", 0));
  CHECK(s.tied_embeddings);
}

TEST_CASE("config: MoE placement: DeepSeek-V3 first_k_dense_replace = 3") {
  auto s = parse_config(load("deepseek-ai__DeepSeek-V3.json"));
  CHECK(s.moe.num_experts == 256);
  CHECK(s.moe.experts_per_token == 8);
  CHECK(s.moe.expert_width == 2048);
  CHECK(s.moe.shared_width == 2048);  // 1 shared expert x 2048
  CHECK(s.moe.num_moe_layers == 61 - 3);
  CHECK(s.layers[2].ffn == FfnKind::dense);
  CHECK(s.layers[2].ffn_width == 18432);
  CHECK(s.layers[3].ffn == FfnKind::moe);
}

TEST_CASE("config: MoE placement: Qwen mlp_only_layers and decoder_sparse_step") {
  json cfg = load("Qwen__Qwen1.5-MoE-A2.7B.json");
  CHECK(parse_config(cfg).moe.num_moe_layers == 24);
  cfg["decoder_sparse_step"] = 2;             // layers 1, 3, 5, ... are MoE
  cfg["mlp_only_layers"] = json::array({1});  // ...except layer 1
  auto s = parse_config(cfg);
  CHECK(s.moe.num_moe_layers == 11);
  CHECK(s.layers[0].ffn == FfnKind::dense);
  CHECK(s.layers[1].ffn == FfnKind::dense);
  CHECK(s.layers[3].ffn == FfnKind::moe);
  CHECK(s.layers[0].ffn_width == 5632);
  CHECK(find(s, "shared_expert_gate", 3));
}

TEST_CASE("config: MoE placement: Llama-4 interleave_moe_layer_step and moe_layers") {
  json cfg = load("meta-llama__Llama-4-Scout-17B-16E-Instruct.json");
  auto scout = parse_config(cfg);
  CHECK(scout.family == "llama4");
  CHECK(scout.moe.num_moe_layers == 48);                // step 1: every layer
  CHECK(scout.moe.shared_width == 8192);                // one shared expert of width I
  cfg["text_config"]["interleave_moe_layer_step"] = 2;  // Maverick layout
  auto mav = parse_config(cfg);
  CHECK(mav.moe.num_moe_layers == 24);
  CHECK(mav.layers[0].ffn_width == 16384);  // intermediate_size_mlp
  CHECK(mav.layers[1].ffn == FfnKind::moe);
  cfg["text_config"]["moe_layers"] = json::array({0, 5});
  CHECK(parse_config(cfg).moe.num_moe_layers == 2);
  // Chunked attention on RoPE layers; every 4th layer is global (NoPE).
  CHECK(scout.layers[0].chunk == 8192);
  CHECK(scout.layers[3].chunk == 0);
}

TEST_CASE("config: sliding windows: Mistral all layers, Qwen2 disabled, Gemma-2 alternating") {
  auto mistral = parse_config(load("mistralai__Mistral-7B-v0.1.json"));
  for (const auto& l : mistral.layers) CHECK(l.window == 4096);
  auto qwen = parse_config(load("Qwen__Qwen2-7B.json"));  // use_sliding_window false
  for (const auto& l : qwen.layers) CHECK(l.window == 0);
  auto g2 = parse_config(load("google__gemma-2-9b.json"));
  CHECK(g2.layers[0].window == 4096);
  CHECK(g2.layers[1].window == 0);
  CHECK(find(g2, "pre_feedforward_layernorm", 0));  // 4 norms per layer
}

TEST_CASE("config: sliding windows: Gemma-3 pattern and gpt-oss layer_types") {
  auto g3 = parse_config(load("google__gemma-3-1b-it.json"));
  CHECK(g3.layers[0].window == 512);
  CHECK(g3.layers[5].window == 0);            // (5+1) % 6 == 0: global layer
  CHECK(find(g3, "q_norm", 0)->rows == 256);  // per-head RMSNorm
  auto oss = parse_config(load("openai__gpt-oss-20b.json"));
  CHECK(oss.layers[0].window == 128);
  CHECK(oss.layers[1].window == 0);
  CHECK(find(oss, "sinks", 0)->rows == 64);
}

TEST_CASE("config: MLA shapes: DeepSeek-V3 and V2-Lite without q LoRA") {
  auto v3 = parse_config(load("deepseek-ai__DeepSeek-V3.json"));
  CHECK(v3.layers[0].mixer == MixerKind::mla);
  CHECK(v3.mla.q_lora_rank == 1536);
  CHECK(v3.layers[0].kv_cache_dim == 512 + 64);  // kv_lora_rank + rope dim
  CHECK(v3.layers[0].head_dim == 128 + 64);
  CHECK(v3.layers[0].v_head_dim == 128);
  CHECK(find(v3, "q_a_proj", 0)->rows == 1536);
  auto lite = parse_config(load("deepseek-ai__DeepSeek-V2-Lite.json"));
  CHECK(lite.mla.q_lora_rank == 0);
  CHECK(find(lite, "q_proj", 0)->rows == 16 * 192);
  CHECK_FALSE(find(lite, "e_score_correction_bias", 1));  // greedy top-k
}

TEST_CASE("config: Mamba-130m: recurrent state instead of KV cache") {
  auto s = parse_config(load("state-spaces__mamba-130m-hf.json"));
  CHECK(s.layers[0].mixer == MixerKind::mamba);
  CHECK(s.layers[0].kv_cache_dim == 0);
  CHECK(s.layers[0].state_elems == 1536 * 16 + 1536 * 4);  // ssm + conv state
}

TEST_CASE("config: Nemotron-H hybrid: per-layer kind from hybrid_override_pattern") {
  auto s = parse_config(load("nvidia__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json"));
  // pattern "MEMEM*E...": layer 0 Mamba-2, 1 MoE, 5 attention
  CHECK(s.layers[0].mixer == MixerKind::mamba);
  CHECK(s.layers[1].ffn == FfnKind::moe);
  CHECK(s.layers[5].mixer == MixerKind::attention);
  CHECK(s.layers[5].kv_cache_dim == 2 * 2 * 128);
  CHECK(s.moe.num_moe_layers == 23);
}

TEST_CASE("config: sparse llava text_config gets LlamaConfig defaults") {
  auto s = parse_config(load("llava-hf__llava-1.5-7b-hf.json"));
  CHECK(s.model_type == "llama");
  CHECK(s.hidden == 4096);
  CHECK(s.num_layers == 32);
  CHECK(s.intermediate == 11008);
  CHECK(s.vocab == 32064);
  CHECK(s.stored_dtype == "float16");
  // Llama-2-7B (6,738,415,616) plus 64 extra vocab rows in embed and head.
  CHECK(vramfit::count_params(s).total == 6738415616 + 2 * 64 * 4096);
}

TEST_CASE("config: quantization_config variants") {
  auto oss = parse_config(load("openai__gpt-oss-20b.json"));
  CHECK(oss.quant.method == "mxfp4");
  CHECK(oss.quant.bits == 4);
  CHECK(oss.quant.modules_not_converted.size() == 4);
  auto fp8 = parse_config(load("Qwen__Qwen3-30B-A3B-FP8.json"));
  CHECK(fp8.quant.method == "fp8");
  CHECK(fp8.quant.group_size == 128);  // weight_block_size [128, 128]
  json cfg = small_llama();
  cfg["quantization_config"] = {{"quant_method", "bitsandbytes"},
                                {"load_in_4bit", true},
                                {"bnb_4bit_quant_type", "nf4"},
                                {"bnb_4bit_use_double_quant", true}};
  auto bnb = parse_config(cfg).quant;
  CHECK(bnb.method == "bitsandbytes_4bit");
  CHECK(bnb.quant_type == "nf4");
  CHECK(bnb.double_quant);
  cfg["quantization_config"] = {{"quant_method", "bitsandbytes"}, {"load_in_8bit", true}};
  CHECK(parse_config(cfg).quant.method == "bitsandbytes_8bit");
  cfg["quantization_config"] = {{"quant_method", "gptq"}, {"bits", 4}, {"group_size", -1}};
  auto gptq = parse_config(cfg).quant;
  CHECK((gptq.method == "gptq" && gptq.bits == 4 && gptq.group_size == -1));
  cfg["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}, {"group_size", 128}};
  CHECK(parse_config(cfg).quant.group_size == 128);
  cfg["quantization_config"] = {
      {"quant_method", "compressed-tensors"},
      {"config_groups", {{"group_0", {{"weights", {{"num_bits", 8}, {"type", "float"}}}}}}},
      {"ignore", json::array({"lm_head"})}};
  auto ct = parse_config(cfg).quant;
  CHECK((ct.method == "compressed-tensors" && ct.bits == 8 && ct.quant_type == "fp8"));
  CHECK(ct.modules_not_converted == std::vector<std::string>{"lm_head"});
}

TEST_CASE("config: quantization_config from real quantised checkpoints") {
  // unsloth bnb-4bit saves "_load_in_4bit" and llm_int8_skip_modules.
  auto bnb = parse_config(load("unsloth__orpheus-3b-0.1-ft-unsloth-bnb-4bit.json")).quant;
  CHECK(bnb.method == "bitsandbytes_4bit");
  CHECK(bnb.quant_type == "nf4");
  CHECK(bnb.double_quant);
  CHECK(std::find(bnb.modules_not_converted.begin(), bnb.modules_not_converted.end(), "lm_head") !=
        bnb.modules_not_converted.end());
  auto gptq = parse_config(load("TheBloke__Llama-2-13B-chat-GPTQ.json")).quant;
  CHECK((gptq.method == "gptq" && gptq.bits == 4 && gptq.group_size == 128));
  // MLX conversions have no quant_method: {group_size, bits, mode}.
  auto mlx = parse_config(load("mlx-community__Qwen2.5-7B-Instruct-4bit.json")).quant;
  CHECK((mlx.method == "mlx" && mlx.bits == 4 && mlx.group_size == 64));
}

TEST_CASE("config: unknown model_type: generic Llama count, approximate, warning") {
  auto s = parse_config(load("XiaomiMiMo__MiMo-7B-Base.json"));
  CHECK(s.approximate);
  CHECK(s.family == "generic");
  REQUIRE(s.warnings.size() == 2);
  CHECK(s.warnings[0].find("mimo") != std::string::npos);
  CHECK(s.warnings[1].find("multi-token") != std::string::npos);  // MTP not counted
  // Hand derivation (attention_bias true on q,k,v,o; untied):
  // embed + head 2 x 151680 x 4096 = 1,242,562,560; per layer attention
  // 2 x 4096^2 + 2 x 1024 x 4096 + biases 10,240 = 41,953,280, MLP
  // 3 x 4096 x 11008 = 135,266,304, norms 8,192 => 177,227,776 x 36
  // = 6,380,199,936; final norm 4,096.
  CHECK(vramfit::count_params(s).total == 1242562560 + 6380199936 + 4096);
}

TEST_CASE("config: unknown MoE model_type counts routed experts") {
  json cfg = small_llama();
  cfg["model_type"] = "brand_new_moe";
  cfg["num_local_experts"] = 4;
  cfg["num_experts_per_tok"] = 2;
  cfg["moe_intermediate_size"] = 32;
  auto c = vramfit::count_params(parse_config(cfg));
  // Per layer: q,o 64x64, k,v 32x64, 2 norms, router 4x64, experts
  // 4 x 3 x 64 x 32; embed + head 2 x 100 x 64; final norm 64.
  const int64_t layer = 2 * 4096 + 2 * 2048 + 128 + 256 + 4 * 3 * 64 * 32;
  CHECK(c.total == 2 * layer + 12800 + 64);
  CHECK(c.active == c.total - 2 * 2 * 3 * 64 * 32);  // 2 of 4 experts active
}

TEST_CASE("config: missing fields name the field") {
  json cfg = small_llama();
  cfg.erase("hidden_size");
  expect_error(cfg, ErrorCode::missing_field, "model.config.hidden_size");
  cfg = small_llama();
  cfg.erase("intermediate_size");
  expect_error(cfg, ErrorCode::missing_field, "model.config.intermediate_size");
  cfg = small_llama();
  cfg["model_type"] = "brand_new";
  cfg.erase("vocab_size");
  expect_error(cfg, ErrorCode::missing_field, "model.config.vocab_size");
}

TEST_CASE("config: bad inputs: wrong types, zero, negative and absurd sizes") {
  json cfg = small_llama();
  cfg["num_hidden_layers"] = "32";
  expect_error(cfg, ErrorCode::wrong_type, "model.config.num_hidden_layers");
  cfg["num_hidden_layers"] = 0;
  expect_error(cfg, ErrorCode::out_of_range, "model.config.num_hidden_layers");
  cfg["num_hidden_layers"] = -4;
  expect_error(cfg, ErrorCode::out_of_range, "model.config.num_hidden_layers");
  cfg["num_hidden_layers"] = 1000000000000;  // must neither hang nor overflow
  expect_error(cfg, ErrorCode::out_of_range, "model.config.num_hidden_layers");
  cfg = small_llama();
  cfg["hidden_size"] = 2.5;
  expect_error(cfg, ErrorCode::out_of_range, "model.config.hidden_size");
  cfg["hidden_size"] = 100000000;  // above the 1e7 width cap
  expect_error(cfg, ErrorCode::out_of_range, "model.config.hidden_size");
  cfg = small_llama();
  cfg["tie_word_embeddings"] = "yes";
  expect_error(cfg, ErrorCode::wrong_type, "model.config.tie_word_embeddings");
  expect_error(json::array(), ErrorCode::wrong_type, "model.config");
  expect_error(json{{"model_type", "llava"}, {"text_config", "llama"}}, ErrorCode::wrong_type,
               "model.config.text_config");
  cfg = small_llama();
  cfg["layer_types"] = json::array({"full_attention", "ring_attention"});
  expect_error(cfg, ErrorCode::unknown_value, "model.config.layer_types");
}

TEST_CASE("config: bad inputs: a model beyond 1e15 parameters is refused, not overflowed") {
  json cfg = small_llama();
  cfg["num_hidden_layers"] = 100000;
  cfg["hidden_size"] = 10000000;
  cfg["num_attention_heads"] = 1;
  cfg["num_key_value_heads"] = 1;
  cfg["intermediate_size"] = 10000000;
  expect_error(cfg, ErrorCode::out_of_range, "model.config");
}

TEST_CASE("config: bad inputs: contradictory heads and experts") {
  json cfg = small_llama();
  cfg["hidden_size"] = 66;  // 66 % 4 != 0 and no head_dim
  expect_error(cfg, ErrorCode::inconsistent, "model.config.num_attention_heads");
  cfg["head_dim"] = 16;  // an explicit head_dim makes it valid
  CHECK_NOTHROW(parse_config(cfg));
  cfg = small_llama();
  cfg["num_key_value_heads"] = 3;  // 4 % 3 != 0
  expect_error(cfg, ErrorCode::inconsistent, "model.config.num_key_value_heads");
  json moe = load("mistralai__Mixtral-8x7B-v0.1.json");
  moe["num_experts_per_tok"] = 9;  // 9 > 8 experts
  expect_error(moe, ErrorCode::inconsistent, "model.config.num_experts_per_tok");
  json oss = load("openai__gpt-oss-20b.json");
  oss["layer_types"].erase(0);  // 23 entries for 24 layers
  expect_error(oss, ErrorCode::inconsistent, "model.config.layer_types");
}

TEST_CASE("config: nested text_config errors name the nested path") {
  json cfg = load("Qwen__Qwen3-VL-2B-Instruct.json");
  cfg["text_config"]["num_attention_heads"] = "16";
  expect_error(cfg, ErrorCode::wrong_type, "model.config.text_config.num_attention_heads");
}

namespace {

// The tiny llama of tests/hub/mock_hub.py in params.json spelling.
json tiny_params() {
  return {{"dim", 64},         {"n_layers", 2},     {"head_dim", 16},
          {"hidden_dim", 128}, {"n_heads", 4},      {"n_kv_heads", 2},
          {"norm_eps", 1e-5},  {"vocab_size", 256}, {"rope_theta", 10000.0}};
}

}  // namespace

TEST_CASE("config: Mistral params.json is read as the equivalent HF config") {
  auto p = parse_config(load("mistralai__Mistral-7B-v0.1.params.json"));
  auto hf = parse_config(load("mistralai__Mistral-7B-v0.1.json"));
  CHECK(p.model_type == "mistral");
  CHECK(p.family == "mistral");
  CHECK_FALSE(p.approximate);
  CHECK(p.num_kv_heads == 8);
  CHECK(p.head_dim == 128);
  CHECK(p.intermediate == 14336);
  CHECK_FALSE(p.tied_embeddings);
  for (const auto& l : p.layers) CHECK(l.window == 4096);  // sliding_window: 4096
  CHECK(p.tensors.size() == hf.tensors.size());

  auto mx = parse_config(load("mistralai__Mixtral-8x7B-Instruct-v0.1.params.json"));
  CHECK(mx.family == "mixtral");
  CHECK(mx.moe.num_experts == 8);
  CHECK(mx.moe.experts_per_token == 2);
  const auto* w1 = find(mx, "experts.w1", 0);
  REQUIRE(w1 != nullptr);
  CHECK(w1->count == 8);
  CHECK(w1->rows == 14336);  // hidden_dim is the expert width
  // Mixtral paper: 12.9B active.
  auto active = vramfit::count_params(mx).active;
  CHECK(active > 12.87e9);
  CHECK(active < 12.89e9);
}

TEST_CASE("config: params.json vision_encoder is a (generic, approximate) vision tower") {
  auto px = parse_config(load("mistralai__Pixtral-Large-Instruct-2411.params.json"));
  CHECK(px.family == "mistral");
  CHECK(px.hidden == 12288);
  CHECK(px.num_layers == 88);
  REQUIRE(px.towers.size() == 1);
  CHECK(px.towers[0].approximate);
  bool warned = false;
  for (const auto& w : px.warnings) warned = warned || w.find("pixtral") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("config: params.json sliding_window pattern, tied embeddings, defaults") {
  json p = tiny_params();
  // embed 256*64 + head 256*64 + final norm 64 + 2 layers x (q,o 64*64;
  // k,v 64*32; mlp 3*64*128; 2 norms of 64) = 106,816 (tiny/llama).
  CHECK(vramfit::count_params(parse_config(p)).total == 106816);
  p["tied_embeddings"] = true;
  CHECK(vramfit::count_params(parse_config(p)).total == 106816 - 256 * 64);
  p["n_layers"] = 4;
  p["sliding_window"] = {nullptr, 32};  // vLLM: null = full attention
  auto s = parse_config(p);
  REQUIRE(s.layers.size() == 4);
  CHECK(s.layers[0].window == 0);
  CHECK(s.layers[1].window == 32);
  CHECK(s.layers[2].window == 0);
  CHECK(s.layers[3].window == 32);
  CHECK(s.max_positions == 128000);  // vLLM's default when absent
  json q = tiny_params();
  q.erase("n_kv_heads");  // absent: one kv head per head
  q.erase("head_dim");    // absent: dim / n_heads
  auto m = parse_config(q);
  CHECK(m.num_kv_heads == 4);
  CHECK(m.head_dim == 16);
  q["multimodal"] = {{"whisper_model_args", {{"encoder_args", {{"dim", 32}}}}}};
  auto audio = parse_config(q);
  CHECK(audio.approximate);  // Voxtral's audio encoder is not counted
  CHECK(audio.towers.empty());
}

TEST_CASE("config: malformed params.json errors name the params.json field") {
  json p = tiny_params();
  p.erase("n_heads");
  expect_error(p, ErrorCode::missing_field, "model.config.n_heads");
  p = tiny_params();
  p.erase("dim");
  expect_error(p, ErrorCode::missing_field, "model.config.dim");
  p = tiny_params();
  p["dim"] = "64";
  expect_error(p, ErrorCode::wrong_type, "model.config.dim");
  p = tiny_params();
  p["hidden_dim"] = 0;
  expect_error(p, ErrorCode::out_of_range, "model.config.hidden_dim");
  p = tiny_params();
  p["n_kv_heads"] = 3;
  expect_error(p, ErrorCode::inconsistent, "model.config.n_kv_heads");
  p = tiny_params();
  p["moe"] = {{"num_experts_per_tok", 2}};
  expect_error(p, ErrorCode::missing_field, "model.config.moe.num_experts");
  p = tiny_params();
  p["moe"] = {{"num_experts", 2}, {"num_experts_per_tok", 4}};
  expect_error(p, ErrorCode::inconsistent, "model.config.moe.num_experts_per_tok");
  p = tiny_params();
  p["sliding_window"] = {16, 32};
  expect_error(p, ErrorCode::inconsistent, "model.config.sliding_window");
  p = tiny_params();
  p["vision_encoder"] = 3;
  expect_error(p, ErrorCode::wrong_type, "model.config.vision_encoder");
  p = tiny_params();
  p["quantization"] = {{"qformat_weight", "int3"}};
  expect_error(p, ErrorCode::unknown_value, "model.config.quantization");
}

// The parser returns its first error (core/README.md "Errors"): checks after
// it run on in-range stand-ins or stop, and never replace it or crash.
TEST_CASE("config: the first error is returned, whatever fails after it") {
  json cfg = small_llama();
  cfg["hidden_size"] = 66;                     // heads do not divide it: checked first
  cfg["layer_types"] = json::array({"full"});  // 1 entry for 2 layers: read later
  auto r = vramfit::parse_model_config(cfg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field() == "model.config.num_attention_heads");

  cfg = small_llama();
  cfg["num_hidden_layers"] = "two";  // read before vocab_size
  cfg["vocab_size"] = -1;
  r = vramfit::parse_model_config(cfg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::wrong_type);
  CHECK(r.error().field() == "model.config.num_hidden_layers");

  // DeciLM blocks: a block without "attention", then one whose group would
  // divide by zero if the parser went on to emit it.
  json deci = {{"model_type", "nemotron-nas"},
               {"hidden_size", 64},
               {"num_hidden_layers", 2},
               {"num_attention_heads", 4},
               {"vocab_size", 100}};
  deci["block_configs"] =
      json::array({json{{"ffn", {{"ffn_mult", 1.0}}}},
                   json{{"attention", {{"n_heads_in_group", 0}}}, {"ffn", {{"ffn_mult", 1.0}}}}});
  r = vramfit::parse_model_config(deci);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::missing_field);
  CHECK(r.error().field() == "model.config.block_configs[0].attention");

  // NemotronH: a pattern shorter than the layers, and an unknown block type.
  json nh = {{"model_type", "nemotron_h"}, {"hidden_size", 64}, {"num_hidden_layers", 4},
             {"num_attention_heads", 4},   {"vocab_size", 100}, {"hybrid_override_pattern", "M*"}};
  r = vramfit::parse_model_config(nh);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::inconsistent);
  // Layer 1 is unknown; layer 3 (an MLP) then misses intermediate_size.
  nh["hybrid_override_pattern"] = "*?*-";
  r = vramfit::parse_model_config(nh);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::unknown_value);
  CHECK(r.error().field() == "model.config.hybrid_override_pattern");

  // A Mistral params.json whose sliding_window list is empty (a modulo by
  // its length would follow).
  json params = {{"dim", 64},         {"n_layers", 2},     {"n_heads", 4},
                 {"hidden_dim", 128}, {"vocab_size", 100}, {"sliding_window", json::array()}};
  r = vramfit::parse_model_config(params);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field() == "model.config.sliding_window");
}
