// The JSON facade (core/SCHEMA.md): request text -> response text, with every
// failure returned as an error value. This file only translates; the model
// lives in config/params/estimate/fit.
#include "vramfit/api.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "api/internal.h"
#include "fit/fit.h"
#include "fit/strategies.h"
#include "util/json_util.h"
#include "memory/prepared.h"
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
const ModelSpec& preset_spec(const std::string& id) {
  static std::map<std::string, ModelSpec> cache;
  const nlohmann::json& cfg = preset_config(id);  // throws unknown_preset
  auto it = cache.find(id);
  if (it == cache.end()) it = cache.emplace(id, parse_model_config(cfg, "model.preset")).first;
  return it->second;
}

struct ResolvedModel {
  ModelSpec spec;
  std::string id;
  std::string source;  // preset / config
};

ResolvedModel resolve_model(const json& req) {
  const json* m = jsonu::find(req, "model");
  if (!m) jsonu::missing("", "model");
  jsonu::as_object(*m, "model");
  const json* preset = jsonu::find(*m, "preset");
  const json* config = jsonu::find(*m, "config");
  if ((preset != nullptr) == (config != nullptr)) {
    throw Error(ErrorCode::invalid_request, "model",
                "model must have exactly one of \"preset\" (a built-in Hub id) or \"config\" "
                "(a config.json object)");
  }
  ResolvedModel r;
  if (preset) {
    r.id = jsonu::as_string(*preset, "model.preset");
    r.source = "preset";
    r.spec = preset_spec(r.id);
  } else {
    jsonu::as_object(*config, "model.config");
    r.source = "config";
    r.id = jsonu::opt_string(*m, "id", "model").value_or("");
    r.spec = parse_model_config(*config, "model.config");
  }
  return r;
}

json components_json(const Breakdown& bd) {
  json arr = json::array();
  const Phase* peak = nullptr;
  for (const auto& ph : bd.phases) if (ph.id == bd.peak_phase) peak = &ph;
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
    e["uncertainty"] = c.uncertainty;
    e["formula"] = c.formula;
    e["inputs"] = c.inputs;
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

// The per-GPU matrix is the bulk of every response: written as text directly
// (same keys and order as gpu_json) and spliced into the dumped response.
std::string gpus_text(const std::vector<GpuFit>& fits) {
  std::string out = "[";
  // Strings here are valid UTF-8 (the catalogue, or request text nlohmann
  // already validated): only quotes, backslashes and controls need escaping.
  auto str = [&](const char* key, const std::string& v) {
    out += '"'; out += key; out += "\":\"";
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') { out += '\\'; out += ch; }
      else if (c < 0x20) { char buf[8]; std::snprintf(buf, sizeof buf, "\\u%04x", c); out += buf; }
      else out += ch;
    }
    out += "\",";
  };
  auto num = [&](const char* key, int64_t v, bool last = false) {
    out += '"'; out += key; out += "\":"; out += std::to_string(v);
    if (!last) out += ',';
  };
  for (size_t i = 0; i < fits.size(); ++i) {
    const GpuFit& f = fits[i];
    out += i ? ",{" : "{";
    str("id", f.id);
    str("name", f.name);
    str("vendor", f.vendor);
    out += f.custom ? "\"custom\":true," : "\"custom\":false,";
    num("memory_bytes", f.memory_bytes);
    num("usable_bytes", f.usable_bytes);
    num("need_bytes", f.need_bytes);
    num("headroom_bytes", f.headroom_bytes);
    str("verdict", f.verdict);
    num("max_batch_size", f.max_batch_size);
    num("max_seq_len", f.max_seq_len, true);
    out += '}';
  }
  return out + "]";
}

constexpr const char* kGpusPlaceholder = "\u0001vramfit-gpus\u0001";

json gpu_json(const GpuFit& f) {
  json e = json::object();
  e["id"] = f.id;
  e["name"] = f.name;
  e["vendor"] = f.vendor;
  e["custom"] = f.custom;
  e["memory_bytes"] = f.memory_bytes;
  e["usable_bytes"] = f.usable_bytes;
  e["need_bytes"] = f.need_bytes;
  e["headroom_bytes"] = f.headroom_bytes;
  e["verdict"] = f.verdict;
  e["max_batch_size"] = f.max_batch_size;
  e["max_seq_len"] = f.max_seq_len;
  return e;
}

json run(const std::string& text, std::string& gpus_out) {
  const json req = jsonu::parse_text(text, "request");
  jsonu::as_object(req, "request");
  if (auto v = jsonu::opt_int(req, "schema_version", "", 0, 1000); v && *v != kSchemaVersion) {
    throw Error(ErrorCode::unknown_value, "schema_version",
                "schema_version " + std::to_string(*v) + " is not supported (this is " +
                    std::to_string(kSchemaVersion) + ")");
  }
  ResolvedModel model = resolve_model(req);
  Request r = parse_request(req);
  if (const json* ck = jsonu::find(req.at("model"), "checkpoint")) {
    jsonu::as_object(*ck, "model.checkpoint");
    auto total = jsonu::opt_int(*ck, "total_bytes", "model.checkpoint", 1, int64_t{1} << 52);
    if (!total) jsonu::missing("model.checkpoint", "total_bytes");
    r.checkpoint_bytes = *total;
    r.checkpoint_source = jsonu::opt_string(*ck, "source", "model.checkpoint").value_or("headers");
  }
  if (r.model_id.empty()) r.model_id = model.id;
  if (model.source == "preset") r.preset = model.id;
  const Prepared p = prepare(model.spec, r);
  const Breakdown bd = evaluate(p, r.batch_size, r.seq_len, true);
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["vramfit_version"] = version();
  out["model"] = model_json(model);
  out["params"] = params_json(p.params, bd, model.spec);
  json echo = request_to_json(r);
  echo["weights_dtype"] = bd.weights.dtype;
  out["request"] = echo;
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
  out["total_bytes"] = bd.total_bytes;
  json& range = out["range"];
  range["low_bytes"] = bd.low_bytes;
  range["high_bytes"] = bd.high_bytes;
  const auto fits = fit_all(p, bd);
  out["gpus"] = kGpusPlaceholder;
  // Smallest catalogue GPU that fits as requested (ties: first listed).
  const GpuFit* smallest = nullptr;
  for (const auto& f : fits) {
    if (f.custom || f.verdict != "fits") continue;
    if (!smallest || f.memory_bytes < smallest->memory_bytes) smallest = &f;
  }
  if (smallest) out["smallest_gpu"] = smallest->id;  // absent when none fits
  gpus_out = gpus_text(fits);
  json warnings = json::array();
  auto warn = [&warnings](const std::string& code, const std::string& msg) {
    json& w = warnings.emplace_back(json::object());
    w["code"] = code;
    w["message"] = msg;
  };
  for (const auto& [code, msg] : bd.warnings) warn(code, msg);
  if (model.spec.max_positions > 0 && r.seq_len > model.spec.max_positions) {
    warn("context_above_model_max", "seq_len " + std::to_string(r.seq_len) +
                                        " exceeds the model's max_position_embeddings " +
                                        std::to_string(model.spec.max_positions));
  }
  if (!r.gpu.empty()) {
    const Gpu* g = find_gpu(r.gpu);
    if (!g) {
      throw Error(ErrorCode::unknown_value, "gpu",
                  "gpu: unknown GPU \"" + r.gpu + "\" (run `vramfit gpus` for the list)");
    }
    for (const auto& f : fits) {
      if (f.id != g->id) continue;
      out["target"] = gpu_json(f);
      json needed = gpus_needed(model.spec, r, f.usable_bytes);
      if (!needed.is_null()) out["target"]["gpus_needed"] = needed;
      if (f.verdict != "fits") out["recommend"] = recommend(model.spec, r, bd, f.usable_bytes);
    }
  }
  out["disk"] = disk_json(p);
  if (r.strategies) out["strategies"] = strategies_json(model.spec, r);
  out["warnings"] = warnings;
  return out;
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

// Invalid UTF-8 from a config must not make dump() throw: replace it.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string estimate_json(const std::string& request_json) {
  try {
    std::string gpus;
    std::string text = dump(run(request_json, gpus));
    const std::string quoted = json(kGpusPlaceholder).dump();
    const auto pos = text.find(quoted);
    if (pos != std::string::npos) text.replace(pos, quoted.size(), gpus);
    return text;
  } catch (const Error& e) {
    return dump(error_json(error_code_name(e.code()), e.field(), e.what()));
  } catch (const std::exception& e) {
    return dump(error_json("internal", "", std::string("internal error: ") + e.what()));
  } catch (...) {
    return dump(error_json("internal", "", "internal error"));
  }
}

std::string json_text_error(const std::string& text, const std::string& what) {
  try {
    jsonu::parse_text(text, what);
    return "";
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string(what) + ": " + e.what();
  }
}

std::string catalog_json(bool preset_counts) {
  auto make = [](bool counts) {
    try {
      return dump(catalog_document(counts));
    } catch (const std::exception& e) {
      return dump(error_json("internal", "", std::string("internal error: ") + e.what()));
    }
  };
  if (!preset_counts) {
    static const std::string lite = make(false);
    return lite;
  }
  static const std::string full = make(true);
  return full;
}

const char* version() { return VRAMFIT_VERSION; }

}  // namespace vramfit
