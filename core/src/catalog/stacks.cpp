// Training stacks: parses and validates the embedded stacks.json
// (methodology §15). Field paths and values are checked where they are
// applied (api/request.cpp) and, for every stack, by tests/stacks_test.cpp.
#include "vramfit/stacks.h"

#include <algorithm>

#include "catalog/common.h"
#include "catalog/embedded.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using catalog::json;

void bad(const std::string& path, const std::string& msg) {
  jsonu::report(Error(ErrorCode::inconsistent, path, path + " " + msg));
}

StackDefault parse_default(const json& rec, const std::string& path) {
  catalog::reject_unknown_keys(rec, path,
                               {"field", "value", "tasks", "stored_dtype", "zero", "source"});
  StackDefault d;
  d.field = catalog::req_string(rec, "field", path);
  if (const json* v = jsonu::require(rec, "value", path)) d.value = *v;
  d.tasks = catalog::string_list(rec, "tasks", path);
  d.stored_dtype = catalog::string_list(rec, "stored_dtype", path);
  if (const json* z = jsonu::find(rec, "zero")) {
    if (!z->is_array()) bad(path + ".zero", "must be an array of ZeRO stages");
    for (size_t i = 0; z->is_array() && i < z->size(); ++i) {
      const std::string at = path + ".zero[" + std::to_string(i) + "]";
      d.zero.push_back(static_cast<int>(jsonu::as_int((*z)[i], at, 0, 3)));
    }
  }
  return d;
}

StackVersion parse_version(const json& rec, const std::string& path) {
  catalog::reject_unknown_keys(rec, path, {"id", "name", "defaults", "mechanisms"});
  StackVersion v;
  v.id = catalog::req_string(rec, "id", path);
  catalog::check_slug(v.id, path + ".id");
  v.name = catalog::req_string(rec, "name", path);
  const json* defs = jsonu::find(rec, "defaults");
  if (defs) {
    if (!defs->is_array()) bad(path + ".defaults", "must be an array");
    for (size_t i = 0; defs->is_array() && i < defs->size(); ++i) {
      v.defaults.push_back(
          parse_default((*defs)[i], path + ".defaults[" + std::to_string(i) + "]"));
    }
  }
  if (const json* m = jsonu::find(rec, "mechanisms")) {
    const json& mechanisms = jsonu::as_object(*m, path + ".mechanisms");
    for (auto it = mechanisms.begin(); it != mechanisms.end(); ++it) {
      const std::string id = it.key();
      const auto& known = stack_mechanism_flags();
      if (std::none_of(known.begin(), known.end(),
                       [&](const StackMechanismFlag& k) { return id == k.id; })) {
        bad(path + ".mechanisms", "names an unknown mechanism \"" + id + "\"");
      }
      v.mechanisms.push_back({id, jsonu::as_string(it.value(), path + ".mechanisms." + id)});
    }
  }
  return v;
}

Stack parse_stack(const json& rec, const std::string& path) {
  catalog::reject_unknown_keys(rec, path, {"id", "name", "versions"});
  Stack s;
  s.id = catalog::req_string(rec, "id", path);
  catalog::check_slug(s.id, path + ".id");
  s.name = catalog::req_string(rec, "name", path);
  const json* vs = jsonu::find(rec, "versions");
  if (!vs || !vs->is_array() || vs->empty()) {
    bad(path + ".versions", "must list versions");
    return s;
  }
  for (size_t i = 0; i < vs->size(); ++i) {
    s.versions.push_back(parse_version((*vs)[i], path + ".versions[" + std::to_string(i) + "]"));
    for (size_t j = 0; j + 1 < s.versions.size(); ++j) {
      if (s.versions[j].id == s.versions.back().id)
        bad(path, "repeats version " + s.versions[j].id);
    }
  }
  return s;
}

}  // namespace

const std::vector<StackMechanismFlag>& stack_mechanism_flags() {
  using M = StackMechanisms;
  static const std::vector<StackMechanismFlag> flags = {
      {"bnb_saves_4bit_input", &M::bnb_saves_4bit_input},
      {"offloaded_checkpoints", &M::offloaded_checkpoints},
      {"unsloth_kernels", &M::unsloth_kernels},
      {"shifted_logits_copy", &M::shifted_logits_copy},
      {"checkpoint_gpu_buffers", &M::checkpoint_gpu_buffers},
      {"unsloth_lora_wide_temp", &M::unsloth_lora_wide_temp},
      {"rope_per_layer", &M::rope_per_layer},
      {"no_sharding", &M::no_sharding},
      {"ddp_bucket_copy", &M::ddp_bucket_copy},
      {"single_device", &M::single_device}};
  return flags;
}

Result<std::vector<Stack>> parse_stack_catalog(const std::string& json_text) {
  jsonu::Collect errors;
  json records = catalog::load_records(json_text, "stacks.json", "stacks");
  std::vector<Stack> out;
  for (size_t i = 0; i < records.size(); ++i) {
    out.push_back(parse_stack(records[i], "stacks.json.stacks[" + std::to_string(i) + "]"));
    for (size_t j = 0; j + 1 < out.size(); ++j) {
      if (out[j].id == out.back().id) bad("stacks.json", "repeats stack " + out[j].id);
    }
  }
  if (out.empty()) bad("stacks.json", "lists no stack");
  if (errors.failed()) return errors.error();
  return out;
}

const std::vector<Stack>& stack_catalog() {
  static const std::vector<Stack> table = [] {
    return checked(parse_stack_catalog(embedded_text("stacks.json")));
  }();
  return table;
}

const Stack* find_stack(const std::string& id) {
  for (const Stack& s : stack_catalog()) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace vramfit
