// The JSON facade: response envelope (core/SCHEMA.md), catalogue content and
// the weight-format detection order.
#include "vramfit/api.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "api_call.h"

namespace {

using json = nlohmann::json;

bool is_int(const json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

// A small Llama-style config. Hand count (methodology §3.3):
//   h 256, L 2, n_h 4, n_kv 2 (d 64), I 512, V 1000, untied.
//   per layer q 256x256 65,536 + k 128x256 32,768 + v 32,768 + o 65,536
//     + gate/up/down 3 x 256 x 512 = 393,216 + 2 norms 512 = 590,336
//   2 layers 1,180,672 + embed 256,000 + head 256,000 + final norm 256
//   = 1,692,928.
json tiny_config() {
  return {{"model_type", "llama"},    {"hidden_size", 256},          {"num_hidden_layers", 2},
          {"num_attention_heads", 4}, {"num_key_value_heads", 2},    {"intermediate_size", 512},
          {"vocab_size", 1000},       {"tie_word_embeddings", false}};
}

json tiny_req(const json& cfg, const std::string& id = "") {
  json model = {{"config", cfg}};
  if (!id.empty()) model["id"] = id;
  return {{"model", model}, {"search", false}};
}

}  // namespace

TEST_CASE("Response envelope has every documented field", "[api]") {
  const json r = api({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                      {"task", "qlora"},
                      {"batch_size", 4},
                      {"seq_len", 1024},
                      {"gpu", "rtx-4090-24g"}});
  CHECK(r["schema_version"] == vramfit::kSchemaVersion);
  CHECK(r["schema_version"] == 2);
  CHECK(r["vramfit_version"] == std::string(vramfit::version()));

  REQUIRE(r["model"].is_object());
  CHECK(r["model"]["id"] == "meta-llama/Llama-3.1-8B");
  CHECK(r["model"]["source"] == "preset");
  CHECK(r["model"]["model_type"] == "llama");
  CHECK(r["model"]["num_layers"] == 32);
  CHECK(r["model"]["num_kv_heads"] == 8);

  REQUIRE(r["params"].is_object());
  for (const char* k : {"total", "trainable", "active", "embeddings", "lm_head", "non_embedding"}) {
    INFO(k);
    CHECK(is_int(r["params"][k]));
  }
  // Published count (model card; methodology §3.10).
  CHECK(r["params"]["total"].get<int64_t>() == 8030261248LL);
  CHECK(r["params"]["active"].get<int64_t>() == 8030261248LL);  // dense

  REQUIRE(r["components"].is_array());
  REQUIRE_FALSE(r["components"].empty());
  std::set<std::string> ids;
  for (const auto& c : r["components"]) {
    INFO(c.dump());
    CHECK(c["id"].is_string());
    CHECK(is_int(c["bytes"]));
    CHECK(c["bytes"].get<int64_t>() > 0);
    CHECK(c["formula"].is_string());
    CHECK_FALSE(c["formula"].get<std::string>().empty());
    CHECK(c["inputs"].is_object());
    CHECK(c["in_peak"].is_boolean());
    CHECK(c["runtime"].is_boolean());
    CHECK(c["uncertainty"].is_number());
    CHECK(c["label"].is_string());
    ids.insert(c["id"].get<std::string>());
  }
  for (const char* id : {"weights", "lora_adapters", "gradients", "optimizer_states", "activations",
                         "logits", "cuda_context"}) {
    INFO(id);
    CHECK(ids.count(id) == 1);
  }

  CHECK(is_int(r["peak_allocated_bytes"]));
  CHECK(is_int(r["reserved_bytes"]));
  CHECK(is_int(r["total_bytes"]));
  CHECK(r["peak_phase"].is_string());
  REQUIRE(r["phases"].is_array());
  bool peak_found = false;
  for (const auto& ph : r["phases"]) {
    if (ph["id"] == r["peak_phase"]) {
      peak_found = true;
      CHECK(ph["bytes"] == r["peak_allocated_bytes"]);
    }
    CHECK(ph["bytes"].get<int64_t>() <= r["peak_allocated_bytes"].get<int64_t>());
  }
  CHECK(peak_found);
  REQUIRE(r["range"].is_object());
  CHECK(is_int(r["range"]["low_bytes"]));
  CHECK(is_int(r["range"]["high_bytes"]));

  REQUIRE(r["gpus"].is_array());
  CHECK(r["gpus"].size() >= 40);
  const std::set<std::string> verdicts = {"fits", "tight", "no"};
  for (const auto& g : r["gpus"]) {
    INFO(g.dump());
    CHECK(verdicts.count(g["verdict"].get<std::string>()) == 1);
    CHECK(is_int(g["memory_bytes"]));
    CHECK(is_int(g["need_bytes"]));
    CHECK(is_int(g["max_batch_size"]));
    CHECK(is_int(g["max_seq_len"]));
    CHECK(g["need_bytes"] == r["total_bytes"]);
  }
  REQUIRE(r.contains("target"));
  CHECK(r["target"]["id"] == "rtx-4090-24g");
  CHECK(verdicts.count(r["target"]["verdict"].get<std::string>()) == 1);

  CHECK(r["warnings"].is_array());
  CHECK(r["weights_format"].is_object());
  CHECK(r["request"]["task"] == "qlora");
  CHECK(r["request"]["batch_size"] == 4);
  CHECK(r["request"]["seq_len"] == 1024);
}

TEST_CASE("Requests of schema 1 are still accepted (version 2 changed responses only)", "[api]") {
  const json r =
      api({{"schema_version", 1}, {"model", {{"preset", "Qwen/Qwen3-0.6B"}}}, {"search", false}});
  CHECK(r["schema_version"] == 2);
}

TEST_CASE("Error envelope: schema_version and error{code, field, message} only", "[api]") {
  const json r = json::parse(vramfit::estimate_json("{\"model\": {\"preset\": \"no/such\"}}"));
  CHECK(r["schema_version"] == 2);
  REQUIRE(r.contains("error"));
  CHECK(r.size() == 2);
  CHECK(r["error"].size() == 3);
  CHECK(r["error"]["code"] == "unknown_preset");
  CHECK(r["error"]["field"] == "model.preset");
  CHECK(r["error"]["message"].is_string());
}

TEST_CASE("Inline config: params counted by hand, source config, id echoed", "[api]") {
  const json r = api(tiny_req(tiny_config(), "org/tiny"));
  CHECK(r["params"]["total"].get<int64_t>() == 1692928);  // derivation at tiny_config()
  CHECK(r["params"]["embeddings"].get<int64_t>() == 256000);
  CHECK(r["params"]["lm_head"].get<int64_t>() == 256000);
  CHECK(r["model"]["source"] == "config");
  CHECK(r["model"]["id"] == "org/tiny");
}

TEST_CASE("Context above max_position_embeddings warns", "[api]") {
  // Llama-3.1-8B max_position_embeddings = 131,072.
  const json r = api(
      {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}}, {"seq_len", 131073}, {"search", false}});
  bool found = false;
  for (const auto& w : r["warnings"]) found = found || w["code"] == "context_above_model_max";
  CHECK(found);
}

TEST_CASE("A target that does not fit gets recommendations that save bytes", "[api]") {
  const json r = api({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                      {"task", "full"},
                      {"gpu", "rtx-4090-24g"},
                      {"search", false}});
  REQUIRE(r["target"]["verdict"] != "fits");
  REQUIRE(r["recommend"].is_array());
  REQUIRE_FALSE(r["recommend"].empty());
  for (const auto& rec : r["recommend"]) {
    INFO(rec.dump());
    CHECK(rec["saves_bytes"].get<int64_t>() > 0);
    CHECK(rec["total_bytes"].get<int64_t>() + rec["saves_bytes"].get<int64_t>() ==
          r["total_bytes"].get<int64_t>());
  }
}

TEST_CASE("catalog_json content", "[api][catalog]") {
  const json c = json::parse(vramfit::catalog_json());
  CHECK(c["schema_version"] == 2);
  REQUIRE(c["presets"].is_array());
  CHECK(c["presets"].size() >= 30);
  std::set<std::string> ids;
  for (const auto& p : c["presets"]) {
    INFO(p.dump());
    CHECK_FALSE(p.contains("error"));  // every preset parses and counts
    CHECK(p["id"].is_string());
    CHECK(is_int(p["params"]));
    CHECK(p["params"].get<int64_t>() > 0);
    CHECK(ids.insert(p["id"].get<std::string>()).second);
  }
  CHECK(ids.count("meta-llama/Llama-3.1-8B") == 1);
  for (const auto& p : c["presets"]) {
    if (p["id"] == "meta-llama/Llama-3.1-8B") CHECK(p["params"].get<int64_t>() == 8030261248LL);
  }
  REQUIRE(c["gpus"].is_array());
  CHECK(c["gpus"].size() >= 40);
  for (const auto& g : c["gpus"]) {
    INFO(g.dump());
    CHECK(is_int(g["memory_bytes"]));
    // memory_bytes = memory_mib x 2^20 (catalog.h).
    CHECK(g["memory_bytes"].get<int64_t>() == g["memory_mib"].get<int64_t>() * 1048576LL);
  }
  // Driver totals quoted in methodology §10.1 (nvidia-smi "Total", MiB).
  const std::pair<const char*, int64_t> measured[] = {
      {"h100-sxm-80g", 81559}, {"a100-sxm-80g", 81920}, {"rtx-4090-24g", 24564}, {"l4-24g", 23034}};
  for (const auto& [id, mib] : measured) {
    bool found = false;
    for (const auto& g : c["gpus"]) {
      if (g["id"] != id) continue;
      found = true;
      INFO(id);
      CHECK(g["memory_mib"].get<int64_t>() == mib);
    }
    CHECK(found);
  }
  REQUIRE(c["dtypes"].is_array());
  bool nf4 = false;
  for (const auto& d : c["dtypes"]) {
    // NF4 + double quant: 0.515869140625 B = 4.126953125 bits (F7).
    if (d["id"] == "nf4") {
      nf4 = true;
      CHECK(d["bits_per_weight"].get<double>() == 4.126953125);
    }
  }
  CHECK(nf4);
  CHECK(c["enums"]["task"].size() == 6);
  CHECK(c["defaults"]["batch_size"] == 1);
  CHECK(c["defaults"]["seq_len"] == 2048);
  // The catalogue is computed once: two calls return identical text.
  CHECK(vramfit::catalog_json() == vramfit::catalog_json());
}

TEST_CASE("catalog_json(false): the same catalogue without preset counts", "[api][catalog]") {
  json full = json::parse(vramfit::catalog_json(true));
  json lite = json::parse(vramfit::catalog_json(false));
  REQUIRE(lite["presets"].size() == full["presets"].size());
  for (size_t i = 0; i < full["presets"].size(); ++i) {
    json& p = full["presets"][i];
    CHECK(lite["presets"][i]["id"] == p["id"]);
    CHECK_FALSE(lite["presets"][i].contains("params"));
    CHECK_FALSE(lite["presets"][i].contains("model_type"));
    for (const char* k : {"params", "active_params", "model_type"}) p.erase(k);
  }
  CHECK(lite == full);  // nothing else differs
}

TEST_CASE("weights_format.rule: quantization_config > repo name > torch_dtype > default",
          "[api][weights_format]") {
  const json gptq = {{"quant_method", "gptq"}, {"bits", 4}, {"group_size", 128}};
  const json bnb = {{"quant_method", "bitsandbytes"},
                    {"load_in_4bit", true},
                    {"bnb_4bit_quant_type", "nf4"},
                    {"bnb_4bit_use_double_quant", true}};

  SECTION("quantization_config wins over repo name and torch_dtype") {
    json cfg = tiny_config();
    cfg["torch_dtype"] = "float16";
    cfg["quantization_config"] = gptq;
    const json r = api(tiny_req(cfg, "org/Model-AWQ"));
    CHECK(r["weights_format"]["rule"] == "quantization_config");
    CHECK(r["weights_format"]["dtype"] == "gptq_int4");
    cfg["quantization_config"] = bnb;
    const json r2 = api(tiny_req(cfg, "org/Model-AWQ"));
    CHECK(r2["weights_format"]["rule"] == "quantization_config");
    CHECK(r2["weights_format"]["dtype"] == "nf4");
  }
  SECTION("bitsandbytes 4-bit without double quant: 0.5625 B per linear param") {
    // §4.2: 4-bit codes 0.5 B + fp32 absmax per 64 weights 4/64 = 0.5625 B
    // (4.5 bits) when bnb_4bit_use_double_quant is false (its default).
    // tiny_config: linear params 2 x 589,824 = 1,179,648 x 0.5625 = 663,552 B;
    // embedding, head and norms 513,280 x 2 B = 1,026,560 B; total 1,690,112 B.
    json cfg = tiny_config();
    json q = bnb;
    q.erase("bnb_4bit_use_double_quant");
    cfg["quantization_config"] = q;
    const json r = api(tiny_req(cfg));
    CHECK(r["weights_format"]["rule"] == "quantization_config");
    CHECK(r["weights_format"]["bits"].get<double>() == 4.5);
    for (const auto& c : r["components"]) {
      if (c["id"] == "weights") CHECK(c["bytes"].get<int64_t>() == 1690112);
    }
  }
  SECTION("repo name wins over torch_dtype") {
    json cfg = tiny_config();
    cfg["torch_dtype"] = "float16";
    const json r = api(tiny_req(cfg, "org/Model-AWQ"));
    CHECK(r["weights_format"]["rule"] == "repo_name");
    CHECK(r["weights_format"]["dtype"] == "awq_int4");
    const json g = api(tiny_req(cfg, "TheBloke/Model-GPTQ"));
    CHECK(g["weights_format"]["rule"] == "repo_name");
    CHECK(g["weights_format"]["dtype"] == "gptq_int4");
  }
  SECTION("torch_dtype when no quantization_config and a plain name") {
    json cfg = tiny_config();
    cfg["torch_dtype"] = "float16";
    const json r = api(tiny_req(cfg, "org/Model"));
    CHECK(r["weights_format"]["rule"] == "torch_dtype");
    CHECK(r["weights_format"]["dtype"] == "fp16");
    cfg["torch_dtype"] = "float32";
    const json r32 = api(tiny_req(cfg));
    CHECK(r32["weights_format"]["rule"] == "torch_dtype");
    CHECK(r32["weights_format"]["dtype"] == "fp32");
  }
  SECTION("default bf16 when nothing says otherwise") {
    const json r = api(tiny_req(tiny_config()));
    CHECK(r["weights_format"]["rule"] == "default");
    CHECK(r["weights_format"]["dtype"] == "bf16");
    // Hand: 1,692,928 params x 2 B = 3,385,856 B.
    for (const auto& c : r["components"]) {
      if (c["id"] == "weights") CHECK(c["bytes"].get<int64_t>() == 3385856);
    }
  }
  SECTION("an explicit weights_dtype beats everything") {
    json cfg = tiny_config();
    cfg["quantization_config"] = gptq;
    json req = tiny_req(cfg, "org/Model-AWQ");
    req["weights_dtype"] = "int8";
    const json r = api(req);
    CHECK(r["weights_format"]["rule"] == "request");
    CHECK(r["weights_format"]["dtype"] == "int8");
  }
  SECTION("qlora without quantization_config defaults to nf4 (rule task)") {
    json req = tiny_req(tiny_config(), "org/Model");
    req["task"] = "qlora";
    const json r = api(req);
    CHECK(r["weights_format"]["rule"] == "task");
    CHECK(r["weights_format"]["dtype"] == "nf4");
  }
}
