// The request field table (core/src/api/fields_table.cpp): the parser, the echo and
// the catalogue come from it. Expected bounds are written here from
// core/SCHEMA.md's promises, not read from the code under test.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "vramfit/api.h"
#include "vramfit/error.h"
#include "vramfit/request.h"

namespace {
using json = nlohmann::json;

const json& catalog() {
  static const json c = json::parse(vramfit::catalog_json(false));
  return c;
}

// The error of parse_request, as {code, field}; null when it parses.
// The request parse_request makes of `req` (which must parse).
vramfit::Request parsed(const json& req) {
  auto r = vramfit::parse_request(req);
  REQUIRE(r.ok());
  return std::move(r).value();
}

json parse_error(const json& req) {
  const auto r = vramfit::parse_request(req);
  if (r.ok()) return nullptr;
  return {{"code", vramfit::error_code_name(r.error().code())}, {"field", r.error().field()}};
}

// {"a": {"b": v}} for path "a.b".
json at_path(const std::string& path, const json& v) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) return {{path, v}};
  return {{path.substr(0, dot), {{path.substr(dot + 1), v}}}};
}
}  // namespace

TEST_CASE("Catalogue limits are the core's bounds (one value each)") {
  const json limits = catalog().at("limits");
  // The drift the review found between page and core, settled on the core.
  CHECK(limits.at("batch_size").at("max") == 1048576);
  CHECK(limits.at("seq_len").at("max") == 16777216);
  CHECK(limits.at("gpu_memory_utilization").at("min") == 0.05);
  CHECK(limits.at("lora.dropout").at("max") == 0.99);
  CHECK(limits.at("lora.alpha").at("max") == 1e9);
  CHECK(limits.at("parallel.dp").at("max") == 1048576);
  CHECK(limits.at("custom_gpus[].memory_gib").at("min") == 0.01);
  CHECK(limits.at("custom_gpus[].memory_gib").at("max") == 1e6);
  CHECK(limits.at("batch_size").at("integer") == true);
  CHECK(limits.at("fragmentation").at("integer") == false);
}

TEST_CASE("Custom GPU bounds are rows of the table: count, name length, memory") {
  json gpus, name;
  for (const json& f : catalog().at("fields")) {
    if (f.at("path") == "custom_gpus") gpus = f;
    if (f.at("path") == "custom_gpus[].name") name = f;
  }
  CHECK(gpus.at("kind") == "gpus");
  CHECK(gpus.at("max_items") == 16);
  CHECK(name.at("kind") == "text");
  CHECK(name.at("max_length") == 60);
  CHECK(name.at("part_of") == "custom_gpus");
}

TEST_CASE("custom_gpus text echoes as the array it parses to") {
  const json echo = vramfit::request_to_json(parsed({{"custom_gpus", "card: 20, big=0.5"}}));
  CHECK(
      echo.at("custom_gpus") ==
      json::parse(R"([{"name": "card", "memory_gib": 20.0}, {"name": "big", "memory_gib": 0.5}])"));
  CHECK(vramfit::request_to_json(parsed(echo)) == echo);
}

TEST_CASE("The parser enforces every catalogue limit at that field's path") {
  for (const auto& [path, l] : catalog().at("limits").items()) {
    if (path.find('[') != std::string::npos || path.rfind("weights_dtype.", 0) == 0) continue;
    INFO(path);
    const bool integer = l.at("integer").get<bool>();
    const json below =
        integer ? json(l.at("min").get<int64_t>() - 1) : json(l.at("min").get<double>() - 0.001);
    const json above =
        integer ? json(l.at("max").get<int64_t>() + 1) : json(l.at("max").get<double>() * 1.5 + 1);
    const json base = {{"task", "lora"}};  // a training task: parallel.zero > 0 is allowed
    for (const json& bad : {below, above}) {
      json req = base;
      req.merge_patch(at_path(path, bad));
      const json err = parse_error(req);
      CHECK(err == json{{"code", "out_of_range"}, {"field", path}});
    }
    json ok = base;
    ok.merge_patch(at_path(path, l.at("max")));
    if (path == "prompt_len") ok["seq_len"] = l.at("max");  // prompt_len <= seq_len
    CHECK(parse_error(ok).is_null());
  }
}

TEST_CASE("Every enum value has a human label and is accepted by the parser") {
  for (const json& f : catalog().at("fields")) {
    if (!f.contains("values")) continue;
    const std::string path = f.at("path");
    for (const json& v : f.at("values")) {
      INFO(path << " = " << v.dump());
      CHECK_FALSE(v.at("label").get<std::string>().empty());
      CHECK(parse_error(at_path(path, v.at("id"))).is_null());
    }
    CHECK(parse_error(at_path(path, "no-such-value")) ==
          json{{"code", "unknown_value"}, {"field", path}});
  }
}

TEST_CASE("Every field has a label and help and group and unique CLI flags") {
  std::set<std::string> flags;
  for (const json& f : catalog().at("fields")) {
    INFO(f.dump());
    CHECK_FALSE(f.at("label").get<std::string>().empty());
    CHECK_FALSE(f.at("help").get<std::string>().empty());
    CHECK_FALSE(f.at("group").get<std::string>().empty());
    CHECK((f.contains("default") || f.contains("derived") || f.contains("part_of")));
    std::vector<json> names;
    if (f.contains("flag")) names.push_back(f.at("flag"));
    for (const json& a : f.value("aliases", json::array())) names.push_back(a);
    for (const json& n : names) {
      const bool fresh = flags.insert(n.get<std::string>()).second;
      CHECK(fresh);
    }
  }
  // The flags the CLI has always had stay, as flags or aliases.
  for (const char* old : {"--batch", "--seq", "--kv-dtype", "--grad-ckpt", "--dtype",
                          "--gpu-mem-util", "--max-batched-tokens", "--eval-batch", "--eval-seq",
                          "--bits", "--group-size", "--custom-gpu", "--lora-dtype"}) {
    CHECK(flags.count(old) == 1);
  }
}

TEST_CASE("The echo holds every given field that applies and parses to itself") {
  const json requests[] = {
      {{"engine", "vllm"},
       {"kv_cache_dtype", "fp8"},
       {"gpu_memory_utilization", 0.8},
       {"max_num_batched_tokens", 4096},
       {"fragmentation", 0.05},
       {"search", false},
       {"strategies", true},
       {"custom_gpus", {{{"name", "card"}, {"memory_gib", 20}}}},
       {"prompt_len", 100},
       {"parallel", {{"microbatches", 4}}},
       {"gpu", "h100"}},
      {{"task", "qlora"},
       {"autocast", false},
       {"eval", {{"batch_size", 2}}},
       {"lora", {{"dtype", "fp16"}, {"targets", {"q_proj", "v_proj"}}, {"rank", 8}}},
       {"weights_dtype", {{"bits", 3}, {"group_size", 64}}}},
      json::object(),
  };
  for (const json& req : requests) {
    INFO(req.dump());
    const json echo = vramfit::request_to_json(parsed(req));
    // Parsing the echo gives the same request.
    CHECK(vramfit::request_to_json(parsed(echo)) == echo);
    for (const auto& [key, value] : req.items()) {
      INFO(key);
      REQUIRE(echo.contains(key));
      if (value.is_object() && key != "weights_dtype") {
        for (const auto& [k, v] : value.items()) CHECK(echo[key][k] == v);
      } else if (key == "custom_gpus") {
        CHECK(echo[key][0]["name"] == "card");
        CHECK(echo[key][0]["memory_gib"] == 20.0);
      } else {
        CHECK(echo[key] == value);
      }
    }
  }
  // Task-specific fields stay out where they do not apply.
  const json inference = vramfit::request_to_json(parsed(json::object()));
  CHECK_FALSE(inference.contains("optimizer"));
  CHECK_FALSE(inference.contains("lora"));
  CHECK_FALSE(inference.contains("gpu_memory_utilization"));  // vLLM only
  CHECK_FALSE(inference.contains("kv_cache_dtype"));          // derived, not given
  CHECK(inference.at("custom_gpus") == json::array());
}

// parse_request returns its first error (core/README.md "Errors"): fields
// are read in the table's order and nothing after a failed one is set.
TEST_CASE("parse_request: the first failing field in table order is the error") {
  CHECK(parse_error({{"batch_size", 0}, {"seq_len", "x"}}) ==
        json({{"code", "out_of_range"}, {"field", "batch_size"}}));
  CHECK(parse_error({{"custom_gpus", "card 20"}, {"gpus", 3}, {"parallel", {{"tp", 2}}}}) ==
        json({{"code", "invalid_request"}, {"field", "custom_gpus[0]"}}));
  CHECK(parse_error({{"lora", {{"targets", json::array()}}}, {"task", "qlora"}}) ==
        json({{"code", "out_of_range"}, {"field", "lora.targets"}}));
  // Every field fine, then a rule between them.
  CHECK(parse_error({{"seq_len", 100}, {"prompt_len", 200}}) ==
        json({{"code", "inconsistent"}, {"field", "prompt_len"}}));
}
