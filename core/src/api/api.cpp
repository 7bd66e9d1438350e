// The JSON facade (core/SCHEMA.md): request text -> response text, with every
// failure returned as an error value. This file only translates; the model
// lives in config/params/estimate/fit.
#include "vramfit/api.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "api/fields.h"
#include "api/internal.h"
#include "api/response_json.h"
#include "catalog/embedded.h"
#include "fit/report.h"
#include "fit/strategies.h"
#include "memory/prepared.h"
#include "util/json_util.h"
#include "vramfit/catalog.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"
#include "vramfit/presets.h"

namespace vramfit {

namespace {
using json = nlohmann::json;

// Objects here are built by assignment rather than from nested initializer
// lists: each {"key", value} member of one is a temporary two-element array,
// built, checked and torn down inline, which cost tens of KB of wasm.

// Presets are immutable: parse each once (the page re-estimates on every
// keystroke with the same model). Single-threaded use, as in wasm and CLI.
Result<const ModelSpec*> preset_spec(const std::string& id) {
  static std::map<std::string, ModelSpec> cache;
  VRAMFIT_ASSIGN_OR_RETURN(const json* cfg, preset_config(id));
  auto it = cache.find(id);
  if (it == cache.end()) {
    VRAMFIT_ASSIGN_OR_RETURN(ModelSpec spec, parse_model_config(*cfg, "model.preset"));
    it = cache.emplace(id, std::move(spec)).first;
  }
  return &it->second;
}

struct ResolvedModel {
  ModelSpec spec;
  std::string id;
  std::string source;  // preset / config
};

// A key of `obj` outside `keys` (a misspelt one would be ignored): unknown_value.
// `keys` as the message lists them ("preset, config, id, checkpoint").
Status only_keys(const json& obj, const char* path, const char* keys) {
  const std::string list = std::string(", ") + keys + ", ";
  for (const auto& item : obj.items()) {
    const std::string& key = item.key();
    if (list.find(", " + key + ", ") != std::string::npos) continue;
    const std::string at = std::string(path) + "." + key;
    return Error(ErrorCode::unknown_value, at,
                 at + ": not a request field (" + path + " holds " + keys + ")");
  }
  return {};
}

// Runs under the facade's jsonu::Collect (guarded).
Result<ResolvedModel> resolve_model(const json& req) {
  const json* m = jsonu::require(req, "model", "");
  if (!m || !jsonu::as_object(*m, "model").is_object()) return jsonu::first_error();
  VRAMFIT_RETURN_IF_ERROR(only_keys(*m, "model", "preset, config, id, checkpoint"));
  const json* preset = jsonu::find(*m, "preset");
  const json* config = jsonu::find(*m, "config");
  if ((preset != nullptr) == (config != nullptr)) {
    return Error(ErrorCode::invalid_request, "model",
                 "model must have exactly one of \"preset\" (a built-in Hub id) or \"config\" "
                 "(a config.json object)");
  }
  ResolvedModel r;
  if (preset) {
    r.id = jsonu::as_string(*preset, "model.preset");
    if (jsonu::failed()) return jsonu::first_error();
    r.source = "preset";
    VRAMFIT_ASSIGN_OR_RETURN(const ModelSpec* spec, preset_spec(r.id));
    r.spec = *spec;
  } else {
    jsonu::as_object(*config, "model.config");
    r.source = "config";
    r.id = jsonu::opt_string(*m, "id", "model").value_or("");
    if (jsonu::failed()) return jsonu::first_error();
    VRAMFIT_ASSIGN_OR_RETURN(r.spec, parse_model_config(*config, "model.config"));
  }
  return r;
}

json components_json(const Breakdown& bd) {
  json arr = json::array();
  const Phase* peak = nullptr;
  for (const auto& ph : bd.phases)
    if (ph.id == bd.peak_phase) peak = &ph;
  for (const auto& c : bd.components) {
    bool live = c.runtime;
    if (peak) {
      for (const auto& id : peak->components) live = live || id == c.id;
    }
    if (c.bytes == 0) continue;
    json& e = arr.emplace_back(json::object());
    e["id"] = c.id;
    e["label"] = c.label;
    e["bytes"] = c.bytes;
    e["in_peak"] = live;
    e["runtime"] = c.runtime;
    if (c.paged) e["paged"] = true;  // managed memory: not in peak_allocated_bytes
    e["uncertainty"] = c.uncertainty;
    e["formula"] = c.formula;
    e["inputs"] = c.inputs.is_null() ? json::object() : c.inputs;
  }
  return arr;
}

json params_json(const ParamCounts& pc, const Breakdown& bd, const ModelSpec& s) {
  json j = json::object();
  j["total"] = pc.total;
  j["trainable"] = bd.trainable_params;
  j["embeddings"] = pc.embeddings;
  j["lm_head"] = pc.lm_head;
  j["non_embedding"] = pc.non_embedding;
  j["towers"] = pc.towers;
  j["per_layer"] = pc.per_layer;
  if (s.moe.num_experts > 0) {
    j["active"] = pc.active;
    j["active_excluding_embeddings"] = pc.active_no_embed;
  } else {
    j["active"] = pc.total;
  }
  if (bd.lora_params > 0) j["lora"] = bd.lora_params;
  return j;
}

// {field path: value} for each field the training stack filled in
// (core/data/stacks.json): flat, keyed by the dotted path ("lora.dtype"), as
// SCHEMA.md says and front ends look fields up.
json stack_defaults_json(const Request& r) {
  json j = json::object();
  for (const std::string& path : r.stack_defaults) {
    const fields::Field& f = fields::field(path);
    j[path] = fields::to_json_value(f, f.get(r));
  }
  return j;
}

json model_json(const ResolvedModel& m) {
  const ModelSpec& s = m.spec;
  json j = json::object();
  j["id"] = m.id;
  j["source"] = m.source;
  j["model_type"] = s.model_type;
  j["family"] = s.family;
  j["approximate"] = s.approximate;
  j["hidden_size"] = s.hidden;
  j["num_layers"] = s.num_layers;
  j["num_heads"] = s.num_heads;
  j["num_kv_heads"] = s.num_kv_heads;
  j["head_dim"] = s.head_dim;
  j["intermediate_size"] = s.intermediate;
  j["vocab_size"] = s.vocab;
  j["tied_embeddings"] = s.tied_embeddings;
  j["max_position_embeddings"] = s.max_positions;
  j["stored_dtype"] = s.stored_dtype;
  if (s.moe.num_experts > 0) {
    json& moe = j["moe"];
    moe["experts"] = s.moe.num_experts;
    moe["experts_per_token"] = s.moe.experts_per_token;
    moe["expert_width"] = s.moe.expert_width;
    moe["moe_layers"] = s.moe.num_moe_layers;
  }
  if (!s.quant.method.empty()) {
    json& q = j["quantization"];
    q["method"] = s.quant.method;
    q["bits"] = s.quant.bits;
  }
  return j;
}

// Runs under the facade's jsonu::Collect (guarded).
Result<std::string> run(const std::string& text) {
  const json req = jsonu::parse_text(text, "request");
  jsonu::as_object(req, "request");
  if (jsonu::failed()) return jsonu::first_error();
  if (auto v = jsonu::opt_int(req, "schema_version", "", 0, 1000);
      v && (*v < kOldestRequestSchema || *v > kSchemaVersion)) {
    return Error(ErrorCode::unknown_value, "schema_version",
                 "schema_version " + std::to_string(*v) + " is not supported (this build reads " +
                     std::to_string(kOldestRequestSchema) + " to " +
                     std::to_string(kSchemaVersion) + ")");
  }
  if (jsonu::failed()) return jsonu::first_error();
  VRAMFIT_ASSIGN_OR_RETURN(const ResolvedModel model, resolve_model(req));
  VRAMFIT_ASSIGN_OR_RETURN(Request r, parse_request(req));
  VRAMFIT_RETURN_IF_ERROR(apply_stack_defaults(req, model.spec.stored_dtype, r));
  VRAMFIT_RETURN_IF_ERROR(apply_gpus(model.spec, r));
  if (const json* ck = jsonu::find(*jsonu::find(req, "model"), "checkpoint")) {
    jsonu::as_object(*ck, "model.checkpoint");
    if (jsonu::failed()) return jsonu::first_error();
    VRAMFIT_RETURN_IF_ERROR(only_keys(*ck, "model.checkpoint", "total_bytes, source"));
    auto total = jsonu::opt_int(*ck, "total_bytes", "model.checkpoint", 1, int64_t{1} << 52);
    if (!total) jsonu::report_missing("model.checkpoint", "total_bytes");
    r.checkpoint_source = jsonu::opt_string(*ck, "source", "model.checkpoint").value_or("headers");
    if (jsonu::failed()) return jsonu::first_error();
    r.checkpoint_bytes = *total;
  }
  if (r.model_id.empty()) r.model_id = model.id;
  if (model.source == "preset") r.preset = model.id;
  VRAMFIT_ASSIGN_OR_RETURN(const Prepared p, prepare(model.spec, r));
  const Breakdown bd = evaluate(p, r.batch_size, r.seq_len, true);
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["vramfit_version"] = version();
  out["model"] = model_json(model);
  out["params"] = params_json(p.params, bd, model.spec);
  if (const int64_t gpus = layout_gpus(r.parallel); gpus > 1) {
    // Every byte figure below is per GPU of this layout.
    json& l = out["layout"];
    l["gpus"] = gpus;
    l["label"] = layout_words(layout_of(r.parallel), true);
  }
  json echo = request_to_json(r);
  echo["weights_dtype"] = bd.weights.dtype;
  out["request"] = echo;
  if (is_training(r.task)) out["stack_defaults"] = stack_defaults_json(r);
  json& wf = out["weights_format"];
  wf["dtype"] = bd.weights.dtype;
  wf["bits"] = bd.weights.bits;
  wf["rule"] = bd.weights.rule;
  out["components"] = components_json(bd);
  json phases = json::array();
  for (const auto& ph : bd.phases) {
    json& e = phases.emplace_back(json::object());
    e["id"] = ph.id;
    e["bytes"] = ph.bytes;
    e["components"] = ph.components;
  }
  out["phases"] = phases;
  out["peak_phase"] = bd.peak_phase;
  out["peak_allocated_bytes"] = bd.peak_allocated_bytes;
  out["reserved_bytes"] = bd.reserved_bytes;
  if (bd.paged_bytes > 0) out["paged_bytes"] = bd.paged_bytes;
  out["total_bytes"] = bd.total_bytes;
  json& range = out["range"];
  range["low_bytes"] = bd.low_bytes;
  range["high_bytes"] = bd.high_bytes;
  if (r.engine == Engine::llama_cpp && r.task == Task::inference) {
    out["engine"]["llama_cpp"] = llama_cpp_json(p);
  }
  if (r.engine == Engine::ollama && r.task == Task::inference) {
    out["engine"]["ollama"] = ollama_json(p);
  }
  if (json sp = speed_json(p); !sp.is_null()) out["speed"] = std::move(sp);
  VRAMFIT_ASSIGN_OR_RETURN(const FitReport fit, fit_report(p, bd));
  add_fit_report(out, fit);
  json& warnings = out["warnings"] = json::array();
  add_warnings(warnings, bd.warnings);
  add_warnings(warnings, fit.warnings);
  return response_text(out, fit);
}

}  // namespace

json error_json(const std::string& code, const std::string& field, const std::string& msg) {
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  json& e = out["error"];
  e["code"] = code;
  e["field"] = field;
  e["message"] = msg;
  return out;
}

std::string guarded_call(Result<std::string> (*call)(void*), void* fn) {
  jsonu::Collect errors;
  const Result<std::string> out = call(fn);
  // A read the call did not stop at came first: its error is the answer.
  if (errors.failed() || !out.ok()) {
    const Error& e = errors.failed() ? errors.error() : out.error();
    return dump(error_json(error_code_name(e.code()), e.field(), e.what()));
  }
  return out.value();
}

// Invalid UTF-8 from a config must not make dump() throw: replace it.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string estimate_json(const std::string& request_json) {
  return guarded([&] { return run(request_json); });
}

std::string json_text_error(const std::string& text, const std::string& what) {
  jsonu::Collect errors;
  jsonu::parse_text(text, what);
  return errors.failed() ? errors.error().what() : "";
}

std::string config_file_json(const std::string& text, const std::string& what) {
  return guarded([&]() -> Result<json> {
    json out = json::object();
    out["schema_version"] = kSchemaVersion;
    out["config"] = jsonu::parse_text(jsonu::map_config_literals(text), what);
    return out;  // a parse error: guarded answers it
  });
}

std::string catalog_json(bool preset_counts) {
  auto make = [](bool counts) { return guarded([&] { return catalog_document(counts); }); };
  if (!preset_counts) {
    static const std::string lite = make(false);
    return lite;
  }
  // Kept once every preset's config is at hand (add_data_json).
  static std::string full;
  if (!full.empty()) return full;
  const auto& list = preset_list();
  const bool all = std::all_of(list.begin(), list.end(),
                               [](const PresetInfo& p) { return preset_config_loaded(p.id); });
  if (!all) return make(true);
  full = make(true);
  return full;
}

std::string add_data_json(const std::string& files_json) {
  return guarded([&]() -> Result<json> {
    const json files = jsonu::parse_text(files_json, "data files");
    if (jsonu::failed()) return jsonu::first_error();
    if (!files.is_object()) {
      return Error(ErrorCode::wrong_type, "", "data files: expected an object of file texts");
    }
    int n = 0;
    for (const auto& item : files.items()) {
      const std::string& name = item.key();
      const json& text = item.value();
      const auto& list = preset_list();
      const bool known = std::any_of(list.begin(), list.end(), [&](const PresetInfo& p) {
        return name == "presets/" + p.file;
      });
      if (!known || !text.is_string()) {
        return Error(ErrorCode::unknown_value, name,
                     "data files: \"" + name + "\" is not a preset file given as text");
      }
      if (find_embedded(name) != nullptr) continue;
      add_data_file(name, text.get<std::string>());
      ++n;
    }
    json out = json::object();
    out["schema_version"] = kSchemaVersion;
    out["added"] = n;
    return out;
  });
}

bool preset_loaded(const std::string& preset) { return preset_config_loaded(preset); }

const char* version() { return VRAMFIT_VERSION; }

}  // namespace vramfit
