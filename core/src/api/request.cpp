#include "vramfit/request.h"

#include <string>
#include <utility>

#include "api/fields.h"
#include "util/json_util.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using json = nlohmann::json;
using fields::Field;
using fields::Kind;
using jsonu::join;

// The value at a field's path ("lora.rank"), or nullptr when absent; a
// parent that is not an object is a wrong_type error at the parent.
const json* locate(const json& req, const std::string& path) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) return jsonu::find(req, path.c_str());
  const std::string parent = path.substr(0, dot);
  const json* p = jsonu::find(req, parent.c_str());
  if (!p) return nullptr;
  jsonu::as_object(*p, parent);
  return jsonu::find(*p, path.substr(dot + 1).c_str());
}

json check_enum(const Field& f, const json& v) {
  const std::string s = jsonu::as_string(v, f.path);
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (s == f.values[i].id) return json(i);
  }
  std::string allowed;
  for (const auto& e : f.values) allowed += (allowed.empty() ? "" : ", ") + std::string(e.id);
  throw Error(ErrorCode::unknown_value, f.path,
              std::string(f.path) + ": unknown value \"" + s + "\" (one of: " + allowed + ")");
}

json check_modules(const Field& f, const json& t) {
  if (t.is_string()) {
    if (t.get<std::string>() != "all-linear") {
      throw Error(ErrorCode::unknown_value, f.path,
                  "lora.targets must be \"all-linear\" or a list of module names");
    }
    return t;
  }
  if (!t.is_array()) {
    throw Error(ErrorCode::wrong_type, f.path,
                "lora.targets must be \"all-linear\" or an array of strings");
  }
  if (t.empty() || t.size() > static_cast<size_t>(f.hi)) {
    throw Error(ErrorCode::out_of_range, f.path,
                "lora.targets must list 1 to " + std::to_string(static_cast<int>(f.hi)) +
                    " module names");
  }
  json out = json::array();
  for (size_t i = 0; i < t.size(); ++i) {
    out.push_back(jsonu::as_string(t[i], "lora.targets[" + std::to_string(i) + "]"));
  }
  return out;
}

json check_gpus(const Field& f, const json& g) {
  if (!g.is_array()) {
    throw Error(ErrorCode::wrong_type, f.path, "custom_gpus must be an array");
  }
  if (g.size() > static_cast<size_t>(f.hi)) {
    throw Error(ErrorCode::out_of_range, f.path,
                "at most " + std::to_string(static_cast<int>(f.hi)) + " custom GPUs");
  }
  const Field& mem = fields::field("custom_gpus[].memory_gib");
  json out = json::array();
  for (size_t i = 0; i < g.size(); ++i) {
    std::string p = "custom_gpus[" + std::to_string(i) + "]";
    jsonu::as_object(g[i], p);
    json& e = out.emplace_back(json::object());
    e["name"] = jsonu::opt_string(g[i], "name", p).value_or("custom " + std::to_string(i + 1));
    auto gib = jsonu::opt_number(g[i], "memory_gib", p, mem.lo, mem.hi);
    if (!gib) jsonu::missing(p, "memory_gib");
    e["memory_bytes"] = static_cast<int64_t>(*gib * 1073741824.0);
  }
  return out;
}

json check_weights(const json& w) {
  if (w.is_string()) return w.get<std::string>() == "auto" ? json("") : w;
  if (w.is_object()) {
    const Field& b = fields::field("weights_dtype.bits");
    const Field& g = fields::field("weights_dtype.group_size");
    auto bits = jsonu::opt_number(w, "bits", "weights_dtype", b.lo, b.hi);
    if (!bits) jsonu::missing("weights_dtype", "bits");
    json out;
    out["bits"] = *bits;
    out["group_size"] = jsonu::opt_int(w, "group_size", "weights_dtype",
                                       static_cast<int64_t>(g.lo), static_cast<int64_t>(g.hi))
                            .value_or(0);
    return out;
  }
  throw Error(ErrorCode::wrong_type, "weights_dtype",
              "weights_dtype must be a dtype id (\"bf16\", \"nf4\", ...) or {\"bits\", \"group_size\"}");
}

// The value checked against the field's kind and bounds, in the form its
// `set` takes. Messages are jsonu's, naming the full path.
json check(const Field& f, const json& v) {
  switch (f.kind) {
    case Kind::integer:
      return jsonu::as_int(v, f.path, static_cast<int64_t>(f.lo), static_cast<int64_t>(f.hi));
    case Kind::number: return jsonu::as_number(v, f.path, f.lo, f.hi);
    case Kind::boolean: return jsonu::as_bool(v, f.path);
    case Kind::enumeration: return check_enum(f, v);
    case Kind::dtype: {
      const std::string s = jsonu::as_string(v, f.path);
      return s == "auto" ? "" : s;
    }
    case Kind::gpu: return jsonu::as_string(v, f.path);
    case Kind::modules: return check_modules(f, v);
    case Kind::gpus: return check_gpus(f, v);
    case Kind::weights: return check_weights(v);
  }
  return v;
}

// Rules between fields, after every field is read.
void check_consistency(const json& req, Request& r) {
  if (r.prompt_len && *r.prompt_len > r.seq_len) {
    throw Error(ErrorCode::inconsistent, "prompt_len",
                "prompt_len (" + std::to_string(*r.prompt_len) +
                    ") must not exceed seq_len (" + std::to_string(r.seq_len) + ")");
  }
  // An eval object turns the eval phase on; unset sizes follow training's.
  if (jsonu::find(req, "eval")) {
    if (!r.eval_batch_size) r.eval_batch_size = r.batch_size;
    if (!r.eval_seq_len) r.eval_seq_len = r.seq_len;
  }
  if (r.parallel.fsdp) r.parallel.zero = 3;
  if (r.parallel.offload_params && r.parallel.zero != 3) {
    throw Error(ErrorCode::inconsistent, "parallel.offload_params",
                "parallel.offload_params needs ZeRO-3 or FSDP (parallel.zero = 3)");
  }
  if (r.task == Task::inference && r.parallel.zero > 0) {
    throw Error(ErrorCode::inconsistent, "parallel.zero",
                "parallel.zero applies to training; inference uses tp/pp");
  }
}

// The id of an enum field's value; the rows are looked up once.
const char* enum_id(const Field& f, int index) {
  return f.values.at(static_cast<size_t>(index)).id;
}

}  // namespace

Request parse_request(const json& req) {
  jsonu::as_object(req, "request");
  Request r;
  for (const Field& f : fields::request_fields()) {
    if (!f.set) continue;  // a part of a compound field
    if (const json* v = locate(req, f.path)) f.set(r, check(f, *v));
  }
  check_consistency(req, r);
  return r;
}

const char* task_name(Task t) {
  static const Field& f = fields::field("task");
  return enum_id(f, static_cast<int>(t));
}
const char* precision_name(Precision p) {
  static const Field& f = fields::field("precision");
  return enum_id(f, static_cast<int>(p));
}
const char* optimizer_name(Optimizer o) {
  static const Field& f = fields::field("optimizer");
  return enum_id(f, static_cast<int>(o));
}
const char* attention_name(Attention a) {
  static const Field& f = fields::field("attention");
  return enum_id(f, static_cast<int>(a));
}
const char* loss_name(Loss l) {
  static const Field& f = fields::field("loss");
  return enum_id(f, static_cast<int>(l));
}
const char* engine_name(Engine e) {
  static const Field& f = fields::field("engine");
  return enum_id(f, static_cast<int>(e));
}
bool is_training(Task t) { return t != Task::inference; }
bool is_lora(Task t) { return t != Task::inference && t != Task::full; }
bool is_quantized_lora(Task t) { return t == Task::qlora || t == Task::qdora; }

json request_to_json(const Request& r) {
  json j = json::object();
  for (const Field& f : fields::request_fields()) {
    if (!f.get || !fields::applies(f, r)) continue;
    // A derived value that was not given stays out (null reads as NaN to
    // clients); the catalogue's fields[].derived says how it is derived.
    json v = f.get(r);
    if (!v.is_null()) fields::put(j, f.path, fields::to_json_value(f, v));
  }
  return j;
}

}  // namespace vramfit
