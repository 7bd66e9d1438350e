// Real configs the Hub serves outside the common shape: the non-standard
// literals Infinity / NaN in config files (refused in requests), and old
// configs that give `architectures` but no model_type. Expected counts are
// Hub totals (tests/fixtures/configs/SOURCES.tsv) or hand derivations.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "config_parse.h"
#include "test_config.h"
#include "util/json_util.h"
#include "vramfit/api.h"
#include "vramfit/config.h"
#include "vramfit/params.h"

namespace {
using nlohmann::json;

std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(VRAMFIT_TEST_DATA_DIR) + "/configs/" + name);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A config file as the CLI reads it (api.h config_file_json).
json config_file(const std::string& name) {
  const json r = json::parse(vramfit::config_file_json(fixture_text(name), name));
  REQUIRE(r.contains("config"));
  return r.at("config");
}

int64_t total(const json& cfg) { return vramfit::count_params(parse_config(cfg)).total; }
}  // namespace

TEST_CASE("config literals: Infinity, -Infinity, NaN outside strings; strings kept") {
  namespace jsonu = vramfit::jsonu;
  const std::string text =
      R"({"a": [0.0, Infinity], "b": -Infinity, "c": NaN, "s": "Infinity NaN \" Infinity"})";
  const json j = jsonu::parse_text(jsonu::map_config_literals(text), "config");
  CHECK(j["a"][1].get<double>() == 1e308);
  CHECK(j["b"].get<double>() == -1e308);
  CHECK(j["c"].is_null());
  CHECK(j["s"] == "Infinity NaN \" Infinity");
  // Same length for +-Infinity: a later syntax error keeps its column.
  CHECK(jsonu::map_config_literals("[Infinity, -Infinity]").size() == 21);
}

TEST_CASE("config literals: still refused in a request, naming the position") {
  const json r = json::parse(vramfit::estimate_json(
      R"({"model": {"config": {"model_type": "llama", "rope_theta": Infinity}}})"));
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["code"] == "invalid_json");
  const std::string msg = r["error"]["message"];
  CHECK(msg.find("line 1, column 60") != std::string::npos);
  CHECK(msg.find("Infinity and NaN are not JSON numbers") != std::string::npos);
}

TEST_CASE("config file: a syntax error still names line and column") {
  const json r = json::parse(vramfit::config_file_json("{\n \"a\": NaN,\n \"b\": }", "c.json"));
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["code"] == "invalid_json");
  CHECK(r["error"]["field"] == "c.json");
  CHECK(r["error"]["message"].get<std::string>().find("line 3") != std::string::npos);
}

TEST_CASE("config: Nemotron-H-56B with time_step_limit [0.0, Infinity] is read") {
  json cfg = config_file("nvidia__Nemotron-H-56B-Base-8K.json");
  CHECK(cfg["time_step_limit"][1].get<double>() == 1e308);
  const int64_t n = total(cfg);
  // The 56B of the name (NVIDIA's Nemotron-H paper: 56B), within 1%.
  CHECK(n == Approx(56e9).epsilon(0.01));
  // The literal only had to be read: the count does not depend on it.
  cfg.erase("time_step_limit");
  CHECK(total(cfg) == n);
}

TEST_CASE("config: architectures names the family when model_type is absent") {
  // GPT-NeoX (pythia-1.4b): Hub total 1,414,647,808 (untied embed_in and
  // embed_out, two-matrix MLP); the generic path counted 1,816,758,272.
  CHECK(total(config_file("EleutherAI__pythia-1.4b-deduped.abridged.json")) == 1414647808);
  // MistralForCausalLM: Mistral-7B's Hub total 7,241,732,096 (8 KV heads by
  // MistralConfig's default, which the abridged file leaves out).
  CHECK(total(config_file("HuggingFaceH4__zephyr-7b-alpha.abridged.json")) == 7241732096);
  // GPT2LMHeadModel without n_positions (GPT2Config default 1024). Hub total
  // 175,620,096 holds a stored copy of the tied head (50257 x 768) and 12
  // causal-mask buffers attn.bias (1024 x 1024); the parameters are
  // 175,620,096 - 38,597,376 - 12,582,912 = 124,439,808 (GPT-2 small).
  const auto s = parse_config(config_file("microsoft__DialoGPT-small.abridged.json"));
  CHECK(s.family == "gpt2");
  CHECK(vramfit::count_params(s).total == 175620096 - 50257 * 768 - 12 * 1024 * 1024);
}

TEST_CASE("config: unknown architectures keep the generic path") {
  const json cfg = {{"architectures", {"SomethingNewForCausalLM"}},
                    {"hidden_size", 64},
                    {"intermediate_size", 128},
                    {"num_attention_heads", 4},
                    {"num_hidden_layers", 2},
                    {"vocab_size", 100}};
  CHECK(parse_config(cfg).family == "generic");
}

TEST_CASE("config: Nemotron-3-Nano counts no e_score_correction_bias (a buffer)") {
  // Hub safetensors total 31,577,937,344 (corpus exact, llmfit); the router's
  // correction bias (23 MoE layers x 128 experts) is a buffer, not stored.
  CHECK(total(config_file("nvidia__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json")) == 31577937344);
}

TEST_CASE("config: RWKV-5 counted from its blocks; other RWKV versions refused") {
  // mlc-llm's rwkv5_3b preset fields (RWKV-5 World 3B). Hand sum, h = 2560,
  // 40 heads of 64, intermediate int(3.5h // 32 * 32) = 8960, per block:
  //   ln1 + ln2 (LayerNorm)              4 x 2560          =     10,240
  //   time_decay, time_faaaa, mix_gate   3 x 2560          =      7,680
  //   5 time_mix vectors                 5 x 2560          =     12,800
  //   key, value, receptance, gate, out  5 x 2560^2        = 32,768,000
  //   ln_x (GroupNorm affine)            2 x 2560          =      5,120
  //   ffn key, value                     2 x 8960 x 2560   = 45,875,200
  //   ffn receptance                     2560^2            =  6,553,600
  //                                                          85,232,640
  // 32 blocks 2,727,444,480 + pre_ln 5,120 + embeddings 65536 x 2560 =
  // 167,772,160 + ln_out 5,120 + untied head 167,772,160 = 3,062,999,040.
  const json cfg = {{"model_type", "rwkv5"},   {"hidden_size", 2560},
                    {"num_hidden_layers", 32}, {"attention_hidden_size", 2560},
                    {"head_size", 64},         {"vocab_size", 65536}};
  CHECK(total(cfg) == 3062999040);
  json v6 = cfg;
  v6["model_type"] = "rwkv6";
  const json r = json::parse(vramfit::estimate_json(json{{"model", {{"config", v6}}}}.dump()));
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["code"] == "unsupported_model");
  CHECK(r["error"]["field"] == "model.config.model_type");
}

TEST_CASE("config: EXAONE-4.0-32B counts its per-head q/k norms") {
  // Hub safetensors total 32,003,216,384 (corpus exact, llmfit); the generic
  // path missed q_norm + k_norm: 64 layers x 2 x head_dim 128 = 16,384.
  const auto s = parse_config(config_file("LGAI-EXAONE__EXAONE-4.0-32B.json"));
  CHECK(s.family == "exaone4");
  CHECK(vramfit::count_params(s).total == 32003216384);
}

TEST_CASE("quantised checkpoints: modules the config leaves unquantised stay 16-bit") {
  // unsloth's orpheus-3b bnb-4bit keeps model.layers.0.self_attn in bf16
  // (llm_int8_skip_modules; transformers quantizers_utils.py
  // should_convert_module matches it as a prefix). Layer 0 attention of this
  // Llama-3.2-3B layout: q 3072 x 3072 + k, v 3072 x 1024 + o 3072 x 3072 =
  // 25,165,824 weights, so the weights grow by 25,165,824 x (16 - b) / 8 bytes
  // where b is the 4-bit format's bits per weight.
  json cfg = config_file("unsloth__orpheus-3b-0.1-ft-unsloth-bnb-4bit.json");
  auto weights = [](const json& c, double* bits) {
    const json r = json::parse(vramfit::estimate_json(json{{"model", {{"config", c}}}}.dump()));
    REQUIRE(r.contains("components"));
    *bits = r["weights_format"]["bits"].get<double>();
    for (const auto& x : r["components"]) {
      if (x["id"] == "weights") return x["bytes"].get<double>();
    }
    FAIL("no weights component");
    return 0.0;
  };
  double bits = 0;
  const double kept = weights(cfg, &bits);
  cfg["quantization_config"]["llm_int8_skip_modules"] = json::array({"lm_head"});
  const double all = weights(cfg, &bits);
  CHECK(std::abs(kept - all - 25165824.0 * (16.0 - bits) / 8.0) <= 2.0);
  // gpt-oss: modules_to_not_convert names attention, routers, embeddings and
  // head, which MXFP4 leaves unquantised anyway: no change.
  json oss = config_file("openai__gpt-oss-20b.json");
  const double listed = weights(oss, &bits);
  oss["quantization_config"].erase("modules_to_not_convert");
  CHECK(weights(oss, &bits) == listed);
}
