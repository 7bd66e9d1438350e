// The component and phase registry (core/src/memory/components.cpp,
// phases.cpp) is the one list of ids and labels: these tests fail when a
// component belongs to no phase, a phase or component lacks a label, an id
// repeats, or the catalogue and the estimate responses disagree with it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "fit/fit.h"
#include "memory/registry.h"
#include "vramfit/api.h"

namespace {
using json = nlohmann::json;
using vramfit::mem::component_table;
using vramfit::mem::phase_table;

json catalogue() { return json::parse(vramfit::catalog_json(false)); }

// Requests that between them reach every component and every phase.
std::vector<json> varied_requests() {
  const json model = {{"preset", "meta-llama/Llama-3.1-8B"}};
  auto req = [&](json extra) {
    json r = {{"model", model}, {"search", false}};
    for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
    return r;
  };
  return {
      req({{"task", "inference"}, {"engine", "hf"}}),
      req({{"task", "inference"}, {"engine", "vllm"}, {"parallel", {{"tp", 2}}}}),
      req({{"task", "inference"}, {"engine", "llama_cpp"}}),
      req({{"task", "full"}, {"parallel", {{"dp", 8}, {"zero", 3}}}}),
      req({{"task", "full"},
           {"precision", "bf16_mixed"},
           {"parallel", {{"dp", 2}, {"zero", 1}}},
           {"seq_len", 512}}),
      // Foreach AdamW, autocast over fp32 params, no checkpointing: the
      // components today's hf stack defaults leave out.
      req({{"task", "full"},
           {"precision", "bf16_mixed"},
           {"optimizer", "adamw"},
           {"gradient_checkpointing", false},
           {"eval", {{"batch_size", 2}}},
           {"seq_len", 256}}),
      req({{"task", "lora"}, {"gradient_checkpointing", true}}),
      // Plain data parallel: DDP's gradient buckets.
      req({{"task", "lora"}, {"parallel", {{"dp", 2}}}, {"seq_len", 256}}),
      req({{"task", "qlora"}}),
      req({{"task", "qdora"}, {"seq_len", 256}}),
      req({{"task", "full"}, {"optimizer", "paged_adamw_8bit"}, {"seq_len", 256}}),
  };
}
}  // namespace

TEST_CASE("registry: every phase has an id, a label and its own bit", "[registry]") {
  std::set<std::string> ids;
  uint32_t bits = 0;
  for (const auto& p : phase_table()) {
    INFO("phase " << p.id);
    CHECK(std::string(p.id).size() > 0);
    CHECK(std::string(p.label).size() > 0);
    CHECK(std::string(p.label) != p.id);                // a label, not the id again
    CHECK(ids.insert(p.id).second);                     // no duplicate id
    CHECK((p.bit != 0 && (p.bit & (p.bit - 1)) == 0));  // one bit
    CHECK((bits & p.bit) == 0);                         // no shared bit
    bits |= p.bit;
  }
  CHECK(bits == (vramfit::mem::kTrainingPhases | vramfit::mem::kInferencePhases));
}

TEST_CASE("registry: every component has a label and is alive in some phase", "[registry]") {
  std::set<std::string> ids;
  uint32_t all = 0;
  for (const auto& c : component_table()) {
    INFO("component " << c.id);
    CHECK(ids.insert(c.id).second);
    CHECK(std::string(c.label).size() > 0);
    CHECK(std::string(c.description).size() > 0);
    CHECK(c.formula != nullptr);
    CHECK(c.uncertainty >= 0);
    CHECK(c.uncertainty < 1);
    // Runtime components count on top of the peak, in no phase; every other
    // component would silently drop out of the total without a phase.
    if (c.runtime)
      CHECK(c.phases == 0);
    else
      CHECK(c.phases != 0);
    all |= c.phases;
  }
  // And every phase has something alive in it.
  for (const auto& p : phase_table()) {
    INFO("phase " << p.id);
    CHECK((all & p.bit) != 0);
  }
}

TEST_CASE("catalogue: phases and components equal the registry", "[registry][api]") {
  const json cat = catalogue();
  REQUIRE(cat.at("phases").size() == phase_table().size());
  for (size_t i = 0; i < phase_table().size(); ++i) {
    const auto& p = phase_table()[i];
    const json& e = cat["phases"][i];
    CHECK(e.at("id") == p.id);
    CHECK(e.at("label") == p.label);
    CHECK(e.at("task") == ((p.bit & vramfit::mem::kTrainingPhases) ? "training" : "inference"));
  }
  REQUIRE(cat.at("components").size() == component_table().size());
  for (size_t i = 0; i < component_table().size(); ++i) {
    const auto& c = component_table()[i];
    const json& e = cat["components"][i];
    INFO("component " << c.id);
    CHECK(e.at("id") == c.id);
    CHECK(e.at("label") == c.label);
    CHECK(e.at("description") == c.description);
    CHECK(e.at("runtime") == c.runtime);
    json phases = json::array();
    for (const auto& p : phase_table()) {
      if (c.phases & p.bit) phases.push_back(p.id);
    }
    CHECK(e.at("phases") == phases);
  }
}

TEST_CASE("estimate: every component and phase id in a response is in the catalogue",
          "[registry][api]") {
  const json cat = catalogue();
  std::map<std::string, json> components;
  std::set<std::string> phases;
  for (const auto& c : cat["components"]) components[c["id"]] = c;
  for (const auto& p : cat["phases"]) phases.insert(p["id"].get<std::string>());
  std::set<std::string> seen_components, seen_phases;
  for (const json& req : varied_requests()) {
    const json r = json::parse(vramfit::estimate_json(req.dump()));
    INFO("request " << req.dump());
    REQUIRE_FALSE(r.contains("error"));
    for (const auto& c : r["components"]) {
      const std::string id = c["id"];
      INFO("component " << id);
      REQUIRE(components.count(id) == 1);
      CHECK(c["label"] == components[id]["label"]);
      seen_components.insert(id);
    }
    CHECK(phases.count(r["peak_phase"].get<std::string>()) == 1);
    for (const auto& ph : r["phases"]) {
      const std::string pid = ph["id"];
      REQUIRE(phases.count(pid) == 1);
      seen_phases.insert(pid);
      // A phase lists only components that declare it.
      for (const auto& cid : ph["components"]) {
        INFO("phase " << pid << ", component " << cid);
        const json& declared = components[cid.get<std::string>()]["phases"];
        CHECK(std::find(declared.begin(), declared.end(), pid) != declared.end());
      }
    }
  }
  // The requests above reach every phase and every component, so the checks
  // cover the whole registry.
  CHECK(seen_phases.size() == phases.size());
  CHECK(seen_components.size() == components.size());
}

TEST_CASE("catalogue: verdicts equal fit's table, each with its own label", "[api]") {
  const json cat = catalogue();
  const auto& table = vramfit::verdict_table();
  REQUIRE(cat.at("verdicts").size() == table.size());
  std::set<std::string> labels;
  for (size_t i = 0; i < table.size(); ++i) {
    const json& e = cat["verdicts"][i];
    CHECK(e.at("id") == vramfit::verdict_name(table[i].verdict));
    CHECK(e.at("label") == table[i].label);
    CHECK_FALSE(e.at("description").get<std::string>().empty());
    labels.insert(table[i].label);
  }
  CHECK(labels.size() == table.size());
  for (auto v : {vramfit::Verdict::fits, vramfit::Verdict::tight, vramfit::Verdict::no}) {
    CHECK(std::any_of(table.begin(), table.end(), [&](const auto& d) { return d.verdict == v; }));
  }
  CHECK(vramfit::verdict_name(vramfit::Verdict::no) == std::string("no"));
}
