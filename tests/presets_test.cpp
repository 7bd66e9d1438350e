// Built-in presets: every one parses and counts; ids unique; published totals.
#include "vramfit/presets.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "config_parse.h"
#include "vramfit/api.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

namespace {

using json = nlohmann::json;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_preset(const std::string& id) {
  for (const auto& p : vramfit::preset_list()) {
    if (p.id == id) return true;
  }
  return false;
}

int64_t total_of(const std::string& id) {
  const vramfit::ModelSpec s = parse_config(preset_json(id), "model.preset");
  return vramfit::count_params(s).total;
}

}  // namespace

TEST_CASE("Preset list is non-trivial, sorted and has unique ids", "[presets]") {
  const auto& list = vramfit::preset_list();
  CHECK(list.size() >= 30);
  std::set<std::string> ids, ids_ci, files;
  for (const auto& p : list) {
    INFO(p.id);
    CHECK_FALSE(p.id.empty());
    CHECK(p.id.find('/') != std::string::npos);  // Hub ids are org/name
    CHECK_FALSE(p.file.empty());
    CHECK(ids.insert(p.id).second);
    CHECK(ids_ci.insert(lower(p.id)).second);  // lookups are case-insensitive
    CHECK(files.insert(p.file).second);
  }
  // Sorted by id, case-insensitively (presets.h).
  for (size_t i = 1; i < list.size(); ++i) {
    CHECK(lower(list[i - 1].id) < lower(list[i].id));
  }
}

TEST_CASE("Every preset parses and counts without error", "[presets]") {
  for (const auto& p : vramfit::preset_list()) {
    INFO(p.id << " (" << p.file << ")");
    try {
      const json& cfg = preset_json(p.id);
      REQUIRE(cfg.is_object());
      const vramfit::ModelSpec s = parse_config(cfg, "model.preset");
      const vramfit::ParamCounts c = vramfit::count_params(s);
      CHECK(c.total > 0);
      CHECK(c.active > 0);
      CHECK(c.active <= c.total);
      CHECK(c.embeddings + c.lm_head + c.non_embedding == c.total);
      CHECK(s.num_layers > 0);
      CHECK(static_cast<int64_t>(s.layers.size()) == s.num_layers);
    } catch (const vramfit::Error& e) {
      FAIL("vramfit::Error " << vramfit::error_code_name(e.code()) << " at " << e.field() << ": "
                             << e.what());
    } catch (const std::exception& e) {
      FAIL("exception: " << e.what());
    }
  }
}

TEST_CASE("preset_config lookup is case-insensitive; unknown ids suggest", "[presets]") {
  const json& a = preset_json("meta-llama/Llama-3.1-8B");
  const json& b = preset_json("META-LLAMA/llama-3.1-8b");
  CHECK(&a == &b);  // cached once per file
  const auto r = vramfit::preset_config("meta-llama/Llama-3.1-8X");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == vramfit::ErrorCode::unknown_preset);
  CHECK(r.error().field() == "model.preset");
  // "Llama-" shares the first six characters of the name part.
  CHECK(std::string(r.error().what()).find("did you mean") != std::string::npos);
}

TEST_CASE("Published parameter totals through presets", "[presets][params]") {
  // Exact totals: methodology §3.10 (recomputed from config.json with the §3
  // formulas; equal to model-card / num_parameters() figures).
  // Llama-3.1-8B: 8,030,261,248 (model card "8.03B"; num_parameters()).
  CHECK(total_of("meta-llama/Llama-3.1-8B") == 8030261248LL);
  // Mixtral-8x7B: 46,702,792,704 (Mixtral paper 46.7B; hand count in
  // estimate_test.cpp).
  CHECK(total_of("mistralai/Mixtral-8x7B-v0.1") == 46702792704LL);
  // gpt-oss-20b: 20,914,757,184 (OpenAI model card "20.9B"; §3.10).
  CHECK(total_of("openai/gpt-oss-20b") == 20914757184LL);
  // gpt-oss-120b: 116,829,156,672 (model card "116.8B"; §3.10).
  CHECK(total_of("openai/gpt-oss-120b") == 116829156672LL);
  // Llama-3.1-70B (= Llama-3-70B shapes): 70,553,706,496 (§3.10).
  CHECK(total_of("meta-llama/Llama-3.1-70B") == 70553706496LL);
  // Llama-3.1-405B: 405,853,388,800 (§3.10).
  CHECK(total_of("meta-llama/Llama-3.1-405B") == 405853388800LL);
  // Qwen3-30B-A3B: 30,532,122,624 (§3.10).
  CHECK(total_of("Qwen/Qwen3-30B-A3B") == 30532122624LL);
  // DeepSeek-V3 main model with e_score_correction_bias: 671,026,419,200 (§3.10).
  CHECK(total_of("deepseek-ai/DeepSeek-V3") == 671026419200LL);
  if (has_preset("Qwen/Qwen3-8B")) {
    // Qwen3-8B: 8,190,735,360 (§3.10; model card "8.2B").
    CHECK(total_of("Qwen/Qwen3-8B") == 8190735360LL);
  }
  if (has_preset("microsoft/phi-2")) {
    // Phi-2: 2,779,683,840 (§3.10).
    CHECK(total_of("microsoft/phi-2") == 2779683840LL);
  }
  if (has_preset("tiiuae/falcon-7b-instruct")) {
    // Falcon-7B shapes: 6,921,720,704 (§3.10).
    CHECK(total_of("tiiuae/falcon-7b-instruct") == 6921720704LL);
  }
}

TEST_CASE("Instruct and quantised variants count like their base", "[presets][params]") {
  // Same shapes, same parameters; only the stored format differs.
  CHECK(total_of("meta-llama/Llama-3.1-8B-Instruct") == total_of("meta-llama/Llama-3.1-8B"));
  if (has_preset("Qwen/Qwen3-30B-A3B-FP8")) {
    CHECK(total_of("Qwen/Qwen3-30B-A3B-FP8") == total_of("Qwen/Qwen3-30B-A3B"));
  }
}

TEST_CASE("Active parameters of MoE presets", "[presets][params]") {
  // Mixtral-8x7B active: 12,879,925,248 (derivation in estimate_test.cpp;
  // paper "12.9B", methodology §3.10 "12.88B").
  const vramfit::ModelSpec s = parse_config(preset_json("mistralai/Mixtral-8x7B-v0.1"));
  const auto c = vramfit::count_params(s);
  CHECK(c.active == 12879925248LL);
  CHECK(s.moe.num_experts == 8);
  CHECK(s.moe.experts_per_token == 2);
  // gpt-oss-20b: 3.61B active excluding the input embedding (§3.10, model
  // card "3.6B").
  const auto g = vramfit::count_params(parse_config(preset_json("openai/gpt-oss-20b")));
  CHECK(static_cast<double>(g.active_no_embed) == Approx(3.61e9).epsilon(0.005));
}

// The web module embeds one preset's config and is handed the others
// (api.h add_data_json); the native library embeds them all.
TEST_CASE("add_data_json takes preset files only; embedded ones stay as they are") {
  const std::string some = "presets/" + vramfit::preset_list().front().file;
  const json ok = json::parse(vramfit::add_data_json(json{{some, "{}"}}.dump()));
  CHECK(ok["added"] == 0);  // embedded natively: not replaced
  CHECK(vramfit::preset_loaded(vramfit::preset_list().front().id));
  CHECK(vramfit::preset_loaded("no/such-preset"));  // estimate names the error

  const json bad = json::parse(vramfit::add_data_json(R"({"gpus.json": "{}"})"));
  CHECK(bad["error"]["code"] == "unknown_value");
  CHECK(bad["error"]["field"] == "gpus.json");
  const json not_text = json::parse(vramfit::add_data_json(json{{some, 1}}.dump()));
  CHECK(not_text["error"]["code"] == "unknown_value");
  const json not_object = json::parse(vramfit::add_data_json("[]"));
  CHECK(not_object["error"]["code"] == "wrong_type");
}
