#include "vramfit/request.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "api/fields.h"
#include "util/json_util.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"
#include "vramfit/stacks.h"

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
  jsonu::report(
      Error(ErrorCode::unknown_value, f.path,
            std::string(f.path) + ": unknown value \"" + s + "\" (one of: " + allowed + ")"));
  return json();
}

json check_modules(const Field& f, const json& t) {
  if (t.is_string()) {
    if (t.get<std::string>() != "all-linear") {
      jsonu::report(Error(ErrorCode::unknown_value, f.path,
                          "lora.targets must be \"all-linear\" or a list of module names"));
      return json();
    }
    return t;
  }
  if (!t.is_array()) {
    jsonu::report(Error(ErrorCode::wrong_type, f.path,
                        "lora.targets must be \"all-linear\" or an array of strings"));
    return json();
  }
  if (t.empty() || t.size() > static_cast<size_t>(f.hi)) {
    jsonu::report(Error(
        ErrorCode::out_of_range, f.path,
        "lora.targets must list 1 to " + std::to_string(static_cast<int>(f.hi)) + " module names"));
    return json();
  }
  json out = json::array();
  for (size_t i = 0; i < t.size(); ++i) {
    out.push_back(jsonu::as_string(t[i], "lora.targets[" + std::to_string(i) + "]"));
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// "name:GiB[@like][,name:GiB...]" (the page's and the CLI's text; "name=GiB"
// as the CLI once wrote it) -> [{name, memory_gib[, like]}]; blank items are
// skipped. GiB is a plain decimal; bounds are check_gpus's, as for the array
// form; "@like" names the catalogue GPU whose chip it is.
json parse_gpus_text(const Field& f, const std::string& text) {
  json out = json::array();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = trim(text.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    const std::string p = std::string(f.path) + "[" + std::to_string(out.size()) + "]";
    auto sep = item.rfind(':');
    if (sep == std::string::npos) sep = item.rfind('=');
    const std::string name = sep == std::string::npos ? "" : trim(item.substr(0, sep));
    std::string gib = sep == std::string::npos ? "" : trim(item.substr(sep + 1));
    std::string like;
    if (const auto at = gib.find('@'); at != std::string::npos) {
      like = trim(gib.substr(at + 1));
      gib = trim(gib.substr(0, at));
    }
    const auto digits = gib.find_first_not_of("0123456789");
    const bool decimal = !gib.empty() && digits != 0 &&
                         (digits == std::string::npos ||
                          (gib[digits] == '.' && digits + 1 < gib.size() &&
                           gib.find_first_not_of("0123456789", digits + 1) == std::string::npos));
    if (name.empty() || !decimal) {
      jsonu::report(Error(
          ErrorCode::invalid_request, p,
          std::string(f.path) + ": \"" + item + "\" is not \"name:GiB\" (or \"name:GiB@gpu\")"));
      return json();
    }
    json& e = out.emplace_back(json::object());
    e["name"] = name;
    e["memory_gib"] = std::strtod(gib.c_str(), nullptr);
    if (!like.empty()) e["like"] = like;
  }
  return out;
}

json check_gpus(const Field& f, const json& given) {
  const json g = given.is_string() ? parse_gpus_text(f, given.get<std::string>()) : given;
  if (jsonu::failed()) return json();
  if (!g.is_array()) {
    jsonu::report(Error(
        ErrorCode::wrong_type, f.path,
        "custom_gpus must be an array of {\"name\", \"memory_gib\"} or \"name:GiB,...\" text"));
    return json();
  }
  if (g.size() > static_cast<size_t>(f.hi)) {
    jsonu::report(Error(ErrorCode::out_of_range, f.path,
                        "at most " + std::to_string(static_cast<int>(f.hi)) + " custom GPUs"));
    return json();
  }
  const Field& mem = fields::field("custom_gpus[].memory_gib");
  const Field& name = fields::field("custom_gpus[].name");
  json out = json::array();
  for (size_t i = 0; i < g.size(); ++i) {
    std::string p = "custom_gpus[" + std::to_string(i) + "]";
    jsonu::as_object(g[i], p);
    json& e = out.emplace_back(json::object());
    e["name"] = jsonu::opt_string(g[i], "name", p).value_or("custom " + std::to_string(i + 1));
    if (jsonu::failed()) return json();
    const std::string& n = e["name"].get_ref<const std::string&>();
    if (n.empty() || n.size() > static_cast<size_t>(name.hi)) {
      jsonu::report(Error(
          ErrorCode::out_of_range, p + ".name",
          p + ".name must be 1 to " + std::to_string(static_cast<int>(name.hi)) + " characters"));
      return json();
    }
    auto gib = jsonu::opt_number(g[i], "memory_gib", p, mem.lo, mem.hi);
    if (!gib) jsonu::report_missing(p, "memory_gib");
    if (jsonu::failed()) return json();
    e["memory_bytes"] = static_cast<int64_t>(*gib * 1073741824.0);
    if (auto like = jsonu::opt_string(g[i], "like", p)) {
      const Gpu* chip = find_gpu(*like);
      if (!chip) {
        jsonu::report(Error(ErrorCode::unknown_value, p + ".like",
                            p + ".like: \"" + *like + "\" is not a catalogue GPU id or alias"));
        return json();
      }
      e["like"] = chip->id;
    }
  }
  return out;
}

json check_weights(const json& w) {
  if (w.is_string()) return w.get<std::string>() == "auto" ? json("") : w;
  if (w.is_object()) {
    const Field& b = fields::field("weights_dtype.bits");
    const Field& g = fields::field("weights_dtype.group_size");
    auto bits = jsonu::opt_number(w, "bits", "weights_dtype", b.lo, b.hi);
    if (!bits) jsonu::report_missing("weights_dtype", "bits");
    if (jsonu::failed()) return json();
    json out;
    out["bits"] = *bits;
    out["group_size"] = jsonu::opt_int(w, "group_size", "weights_dtype", static_cast<int64_t>(g.lo),
                                       static_cast<int64_t>(g.hi))
                            .value_or(0);
    return out;
  }
  jsonu::report(Error(
      ErrorCode::wrong_type, "weights_dtype",
      "weights_dtype must be a dtype id (\"bf16\", \"nf4\", ...) or {\"bits\", \"group_size\"}"));
  return json();
}

// The value checked against the field's kind and bounds, in the form its
// `set` takes. Messages are jsonu's, naming the full path.
json check(const Field& f, const json& v) {
  switch (f.kind) {
    case Kind::integer:
      return jsonu::as_int(v, f.path, static_cast<int64_t>(f.lo), static_cast<int64_t>(f.hi));
    case Kind::number:
      return jsonu::as_number(v, f.path, f.lo, f.hi);
    case Kind::boolean:
      return jsonu::as_bool(v, f.path);
    case Kind::enumeration:
      return check_enum(f, v);
    case Kind::dtype: {
      const std::string s = jsonu::as_string(v, f.path);
      return s == "auto" ? "" : s;
    }
    case Kind::gpu:
      return jsonu::as_string(v, f.path);
    case Kind::text:
      return jsonu::as_string(v, f.path);
    case Kind::modules:
      return check_modules(f, v);
    case Kind::gpus:
      return check_gpus(f, v);
    case Kind::weights:
      return check_weights(v);
  }
  return v;
}

// Rules between fields, after every field is read.
void check_consistency(const json& req, Request& r) {
  if (r.prompt_len && *r.prompt_len > r.seq_len) {
    jsonu::report(Error(ErrorCode::inconsistent, "prompt_len",
                        "prompt_len (" + std::to_string(*r.prompt_len) +
                            ") must not exceed seq_len (" + std::to_string(r.seq_len) + ")"));
    return;
  }
  // An eval object turns the eval phase on; unset sizes follow training's.
  if (jsonu::find(req, "eval")) {
    if (!r.eval_batch_size) r.eval_batch_size = r.batch_size;
    if (!r.eval_seq_len) r.eval_seq_len = r.seq_len;
  }
  if (r.parallel.fsdp) r.parallel.zero = 3;
  if (r.parallel.offload_params && r.parallel.zero != 3) {
    jsonu::report(Error(ErrorCode::inconsistent, "parallel.offload_params",
                        "parallel.offload_params needs ZeRO-3 or FSDP (parallel.zero = 3)"));
    return;
  }
  if (r.task == Task::inference && r.parallel.zero > 0) {
    jsonu::report(Error(ErrorCode::inconsistent, "parallel.zero",
                        "parallel.zero applies to training; inference uses tp/pp"));
  }
}

// `gpus` against the layout, once the fields that do not apply are reset.
void check_gpus_layout(Request& r) {
  r.layout_from_gpus = false;
  // Not applying (llama.cpp, Ollama), it is dropped: a null default cannot
  // be written back through the row's setter.
  if (!fields::applies(fields::field("gpus"), r)) r.gpus.reset();
  if (r.gpus) {
    // A degree of 1 is the default: the page sends every field's default,
    // so only a degree above 1 is a layout of the request's own.
    const ParallelOptions& p = r.parallel;
    const bool layout_given = p.tp > 1 || p.pp > 1 || p.dp > 1;
    if (layout_given && layout_gpus(p) != *r.gpus) {
      jsonu::report(Error(ErrorCode::inconsistent, "gpus",
                          "gpus (" + std::to_string(*r.gpus) +
                              ") must equal the layout's parallel.tp x pp x dp (" +
                              std::to_string(p.tp) + " x " + std::to_string(p.pp) + " x " +
                              std::to_string(p.dp) + " = " + std::to_string(layout_gpus(p)) +
                              "): make them match, or set tp, pp and dp back to 1"));
      return;
    }
    r.layout_from_gpus = !layout_given;
  }
}

// Edit distance of two short keys (Levenshtein), for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min(std::min(row[j], row[j - 1]) + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0));
      diag = up;
    }
  }
  return row[b.size()];
}

// A key of the request (or of one of its objects: lora, parallel, eval,
// weights_dtype) that names no field would leave the field it was meant for
// at its default without a word: unknown_value at the key, with the closest
// field's path.
void unknown_key(const std::string& path) {
  std::string best;
  size_t best_d = 3;  // suggest within two edits
  for (const Field& f : fields::request_fields()) {
    const std::string candidate = f.path;
    // A cut-off name ("weights_dtype.group") counts as one edit away.
    const size_t d = candidate.compare(0, path.size(), path) == 0 ? 1 : distance(path, candidate);
    if (d < best_d) best_d = d, best = candidate;
  }
  jsonu::report(Error(
      ErrorCode::unknown_value, path,
      path + ": not a request field" +
          (best.empty() ? std::string(" (see SCHEMA.md)") : " (did you mean " + best + "?)")));
}

void check_keys(const json& req) {
  const std::vector<Field>& rows = fields::request_fields();
  for (auto it = req.begin(); it != req.end(); ++it) {
    const std::string& key = it.key();
    if (key == "schema_version" || key == "model") continue;
    const size_t n = key.size();
    bool field = false, group = false;  // a field's path, or the head of some
    for (const Field& f : rows) {
      const size_t len = std::strlen(f.path);
      if (len < n || key.compare(0, n, f.path, n) != 0) continue;
      field = field || len == n;
      group = group || f.path[n] == '.';
    }
    if (!field && !group) return unknown_key(key);
    if (!group || !it->is_object()) continue;  // weights_dtype may be text
    for (auto sub = it->begin(); sub != it->end(); ++sub) {
      const std::string path = key + "." + sub.key();
      bool known = false;
      for (const Field& f : rows) known = known || path == f.path;
      if (!known) return unknown_key(path);
    }
  }
}

// The id of an enum field's value; the rows are looked up once.
const char* enum_id(const Field& f, int index) {
  return f.values.at(static_cast<size_t>(index)).id;
}

}  // namespace

Result<Request> parse_request(const json& req) {
  // Stops at the first error, as the throwing parser did: a setter only ever
  // sees a checked value.
  jsonu::Collect errors;
  jsonu::as_object(req, "request");
  if (errors.failed()) return errors.error();
  Request r;
  for (const Field& f : fields::request_fields()) {
    if (!f.set) continue;  // a part of a compound field
    const json* v = locate(req, f.path);
    if (errors.failed()) return errors.error();
    if (!v) continue;
    const json checked = check(f, *v);
    if (errors.failed()) return errors.error();
    f.set(r, checked);
  }
  check_keys(req);
  if (errors.failed()) return errors.error();
  check_consistency(req, r);
  if (errors.failed()) return errors.error();
  const bool several = (r.gpus && *r.gpus > 1) || layout_gpus(r.parallel) > 1;
  // A field given for a task or engine it does not apply to takes no effect
  // (and is left out of the echo): back to its default.
  static const Request defaults;
  auto reset = [&r](const Field& f) {
    if (!f.set || !f.get || fields::applies(f, r)) return;
    const json d = f.get(defaults);
    if (!d.is_null()) f.set(r, d);
  };
  reset(fields::field("engine"));  // first: rows for one engine depend on it
  for (const Field& f : fields::request_fields()) reset(f);
  r.layout_dropped = several && !fields::applies(fields::field("gpus"), r);
  check_gpus_layout(r);
  if (errors.failed()) return errors.error();
  return r;
}

namespace {
bool listed(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

Result<const StackVersion*> stack_version_of(const Stack& s, const std::string& id) {
  if (id.empty()) return &s.versions.front();
  std::string allowed;
  for (const StackVersion& v : s.versions) {
    if (v.id == id) return &v;
    allowed += (allowed.empty() ? "" : ", ") + v.id;
  }
  return Error(ErrorCode::unknown_value, "stack_version",
               "stack_version: stack \"" + s.id + "\" has no version \"" + id +
                   "\" (one of: " + allowed + ")");
}
}  // namespace

bool Request::from_stack(const std::string& field) const {
  return std::find(stack_defaults.begin(), stack_defaults.end(), field) != stack_defaults.end();
}

Status apply_stack_defaults(const json& req, const std::string& stored_dtype, Request& r) {
  r.stack_defaults.clear();
  r.mechanisms = StackMechanisms{};
  if (!is_training(r.task)) return {};
  const Stack* s = find_stack(r.stack);
  if (!s)
    return Error(ErrorCode::unknown_value, "stack", "stack: unknown value \"" + r.stack + "\"");
  VRAMFIT_ASSIGN_OR_RETURN(const StackVersion* found, stack_version_of(*s, r.stack_version));
  const StackVersion& v = *found;
  r.stack_version = v.id;
  jsonu::Collect errors;
  for (const StackMechanism& m : v.mechanisms) {
    for (const StackMechanismFlag& k : stack_mechanism_flags()) {
      if (m.id == k.id) r.mechanisms.*k.flag = true;
    }
  }
  for (const StackDefault& d : v.defaults) {
    if (!listed(d.tasks, task_name(r.task)) || !listed(d.stored_dtype, stored_dtype)) continue;
    if (!d.zero.empty() &&
        std::find(d.zero.begin(), d.zero.end(), r.parallel.zero) == d.zero.end()) {
      continue;  // a DeepSpeed setting for the stages its config files set it
    }
    const Field& f = fields::field(d.field);
    if (!f.set || !fields::applies(f, r) || locate(req, f.path)) continue;
    if (r.from_stack(d.field)) continue;  // an earlier default for this field matched
    const json checked = check(f, d.value);
    if (errors.failed()) return errors.error();
    f.set(r, checked);
    r.stack_defaults.push_back(d.field);
  }
  check_consistency(req, r);
  if (errors.failed()) return errors.error();
  return {};
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
