#include "api/fields.h"

#include <string>
#include <utility>

#include "util/invariant.h"
#include "vramfit/error.h"

namespace vramfit {
namespace fields {
namespace {
using json = nlohmann::json;

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::integer:
      return "int";
    case Kind::number:
      return "number";
    case Kind::boolean:
      return "bool";
    case Kind::enumeration:
      return "enum";
    case Kind::dtype:
      return "dtype";
    case Kind::gpu:
      return "gpu";
    case Kind::modules:
      return "modules";
    case Kind::gpus:
      return "gpus";
    case Kind::weights:
      return "weights";
    case Kind::text:
      return "text";
  }
  return "?";
}
}  // namespace

const Field& field(const std::string& path) {
  for (const Field& f : request_fields()) {
    if (path == f.path) return f;
  }
  // Paths come from the code and from stacks.json's defaults (tests/stacks_test.cpp
  // checks that each names a field).
  invariant_failed("no request field " + path);
}

bool applies(const Field& f, const Request& r) {
  return (f.tasks & task_bit(r.task)) && (f.engines & engine_bit(r.engine));
}

json to_json_value(const Field& f, const json& stored) {
  if (f.kind == Kind::enumeration && stored.is_number_integer()) {
    return f.values.at(stored.get<size_t>()).id;
  }
  return stored;
}

void put(json& out, const std::string& path, json value) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    out[path] = std::move(value);
  } else {
    out[path.substr(0, dot)][path.substr(dot + 1)] = std::move(value);
  }
}

json describe(const Field& f) {
  json d = json::object();
  d["path"] = f.path;
  d["kind"] = kind_name(f.kind);
  d["label"] = f.label;
  d["help"] = f.help;
  d["group"] = f.group;
  if (*f.unit) d["unit"] = f.unit;
  if (f.kind == Kind::integer || f.kind == Kind::number) {
    d["min"] = f.lo;
    d["max"] = f.hi;
    if (f.kind == Kind::integer) {
      d["min"] = static_cast<int64_t>(f.lo);
      d["max"] = static_cast<int64_t>(f.hi);
    }
  } else if (f.kind == Kind::text) {
    d["max_length"] = static_cast<int64_t>(f.hi);
  } else if (f.hi > 0) {
    d["max_items"] = static_cast<int64_t>(f.hi);
  }
  if (!f.values.empty()) {
    json& values = d["values"] = json::array();
    for (const EnumValue& v : f.values) {
      json& e = values.emplace_back(json::object());
      e["id"] = v.id;
      e["label"] = v.label;
    }
  }
  if (f.derived) d["derived"] = f.derived;
  if (f.get) {
    const json def = to_json_value(f, f.get(Request{}));
    if (!def.is_null()) d["default"] = def;
  }
  if (f.tasks != ~0u) {
    json& tasks = d["tasks"] = json::array();
    for (const EnumValue& v : field("task").values) {
      if (f.tasks & (1u << (&v - field("task").values.data()))) tasks.push_back(v.id);
    }
  }
  if (f.engines != ~0u) {
    json& engines = d["engines"] = json::array();
    for (const EnumValue& v : field("engine").values) {
      if (f.engines & (1u << (&v - field("engine").values.data()))) engines.push_back(v.id);
    }
  }
  if (!f.set) {  // "custom_gpus[].memory_gib" is a part of "custom_gpus"
    const std::string path = f.path;
    d["part_of"] = path.substr(0, path.find_first_of(".["));
  }
  if (*f.flag) d["flag"] = f.flag;
  if (!f.aliases.empty()) d["aliases"] = f.aliases;
  return d;
}

}  // namespace fields
}  // namespace vramfit
