// The static catalogue for front ends (core/SCHEMA.md, "Catalogue"): presets,
// GPUs, dtypes, enums and defaults, as one JSON document.
#include <nlohmann/json.hpp>

#include "api/fields.h"
#include "api/internal.h"
#include "fit/fit.h"
#include "memory/registry.h"
#include "vramfit/api.h"
#include "vramfit/catalog.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"
#include "vramfit/presets.h"
#include "vramfit/request.h"
#include "vramfit/stacks.h"

namespace vramfit {
namespace {
using json = nlohmann::json;

// Phases and memory components with their labels, from the registry
// (memory/phases.cpp, memory/components.cpp): front ends show these labels
// and hold no ids of their own.
json phases_json() {
  json arr = json::array();
  for (const auto& d : mem::phase_table()) {
    json& e = arr.emplace_back(json::object());
    e["id"] = d.id;
    e["label"] = d.label;
    e["task"] = (d.bit & mem::kTrainingPhases) ? "training" : "inference";
  }
  return arr;
}

json memory_components_json() {
  json arr = json::array();
  for (const auto& d : mem::component_table()) {
    json& e = arr.emplace_back(json::object());
    e["id"] = d.id;
    e["label"] = d.label;
    e["description"] = d.description;
    e["runtime"] = d.runtime;
    json& phases = e["phases"] = json::array();
    for (const auto& ph : mem::phase_table()) {
      if (d.phases & ph.bit) phases.emplace_back(ph.id);
    }
  }
  return arr;
}

// Training stacks with their versions, defaults and mechanisms, each with
// its source (core/data/stacks.json): the page shows where a default comes from.
json stacks_json() {
  json arr = json::array();
  for (const Stack& s : stack_catalog()) {
    json& e = arr.emplace_back(json::object());
    e["id"] = s.id;
    e["name"] = s.name;
    json& versions = e["versions"] = json::array();
    for (const StackVersion& v : s.versions) {
      json& ve = versions.emplace_back(json::object());
      ve["id"] = v.id;
      ve["name"] = v.name;
      json& defs = ve["defaults"] = json::array();
      for (const StackDefault& d : v.defaults) {
        json& de = defs.emplace_back(json::object());
        de["field"] = d.field;
        de["value"] = d.value;
        if (!d.tasks.empty()) de["tasks"] = d.tasks;
        if (!d.stored_dtype.empty()) de["stored_dtype"] = d.stored_dtype;
        if (!d.zero.empty()) de["zero"] = d.zero;
      }
      json& mech = ve["mechanisms"] = json::array();
      for (const StackMechanism& m : v.mechanisms) {
        json& me = mech.emplace_back(json::object());
        me["id"] = m.id;
        me["source"] = m.source;
      }
    }
  }
  return arr;
}

// Verdicts with their labels (fit/fit.cpp): front ends print the label.
json verdicts_json() {
  json arr = json::array();
  for (const auto& d : verdict_table()) {
    json& e = arr.emplace_back(json::object());
    e["id"] = d.id;
    e["label"] = d.label;
    e["description"] = d.description;
  }
  return arr;
}

}  // namespace

json catalog_document(bool preset_counts) {
  json presets = json::array();
  for (const auto& p : preset_list()) {
    json& e = presets.emplace_back(json::object());
    e["id"] = p.id;
    e["source"] = p.source;
    if (!preset_counts) continue;
    const Result<const json*> cfg = preset_config(p.id);
    const Result<ModelSpec> s =
        cfg.ok() ? parse_model_config(*cfg.value(), "model.preset") : cfg.error();
    if (!s.ok()) {
      e["error"] = s.error().what();  // surfaced by tests; never expected
      continue;
    }
    const ParamCounts c = count_params(s.value());
    e["model_type"] = s.value().model_type;
    e["params"] = c.total;
    if (s.value().moe.num_experts > 0) e["active_params"] = c.active;
  }
  json gpus = json::array();
  for (const auto& g : gpu_catalog()) {
    json& e = gpus.emplace_back(json::object());
    e["id"] = g.id;
    e["name"] = g.name;
    e["vendor"] = g.vendor;
    e["aliases"] = g.aliases;
    e["memory_mib"] = g.memory_mib;
    e["memory_bytes"] = g.memory_bytes;
    e["memory_measured"] = g.memory_measured;
    e["nominal_gb"] = g.nominal_gb;
    e["bandwidth_gbps"] = g.bandwidth_gbps;
    e["bf16_tflops"] = g.bf16_tflops ? json(*g.bf16_tflops) : json();
    if (g.fp16_acc16_tflops) e["fp16_acc16_tflops"] = *g.fp16_acc16_tflops;
    e["arch"] = g.arch;
    if (g.sm_count > 0) e["sm_count"] = g.sm_count;
    if (g.cuda_total_bytes > 0) e["cuda_total_bytes"] = g.cuda_total_bytes;
    e["form_factor"] = g.form_factor;
    if (g.pcie_gen > 0) {
      e["pcie_gen"] = g.pcie_gen;
      e["pcie_lanes"] = g.pcie_lanes;
    }
    if (g.peer_gbps > 0) {
      e["peer_link"] = g.peer_link;
      e["peer_gbps"] = g.peer_gbps;
    }
  }
  json dtypes = json::array();
  for (const auto& d : dtype_table()) {
    json& e = dtypes.emplace_back(json::object());
    e["id"] = d.id;
    e["label"] = d.label;
    e["kind"] = dtype_kind_name(d.kind);
    e["bits_per_weight"] = d.bits_per_weight;
    e["kv_cache"] = d.kv_cache;
    e["aliases"] = d.aliases;
  }
  // enums, defaults, limits and field descriptions: the request field table
  // (api/fields_table.cpp). A field whose default is derived (weights_dtype,
  // kv_cache_dtype, autocast, fragmentation...) has no `defaults` entry and a
  // `derived` text in `fields`; front ends show it as "auto".
  json enums = json::object();
  json defaults = json::object();
  json limits = json::object();
  json field_list = json::array();
  const Request request_defaults;
  for (const fields::Field& f : fields::request_fields()) {
    field_list.push_back(fields::describe(f));
    if (!f.values.empty()) {
      json& ids = enums[f.path] = json::array();
      for (const auto& v : f.values) ids.push_back(v.id);
    }
    if (f.kind == fields::Kind::integer || f.kind == fields::Kind::number) {
      const json& d = field_list.back();
      json& l = limits[f.path];
      l["min"] = d["min"];
      l["max"] = d["max"];
      l["integer"] = f.kind == fields::Kind::integer;
    }
    if (!f.get || f.derived) continue;  // a derived field has no default to show
    json value = fields::to_json_value(f, f.get(request_defaults));
    if (!value.is_null()) fields::put(defaults, f.path, std::move(value));
  }
  // Dtype-valued fields list the catalogue's dtypes that fit them.
  json& kv = enums["kv_cache_dtype"] = json::array();
  for (const auto& d : dtype_table()) {
    if (d.kv_cache) kv.push_back(d.id);
  }
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["vramfit_version"] = version();
  out["presets"] = std::move(presets);
  out["gpus"] = std::move(gpus);
  json& vendors = out["gpu_vendors"] = json::array();
  for (const GpuVendor& v : gpu_vendors()) vendors.push_back({{"id", v.id}, {"label", v.label}});
  vendors.push_back({{"id", kCustomGpuVendor.id}, {"label", kCustomGpuVendor.label}});
  out["dtypes"] = std::move(dtypes);
  out["enums"] = std::move(enums);
  out["defaults"] = std::move(defaults);
  out["phases"] = phases_json();
  out["components"] = memory_components_json();
  out["verdicts"] = verdicts_json();
  out["stacks"] = stacks_json();
  out["limits"] = std::move(limits);
  out["fields"] = std::move(field_list);
  return out;
}
}  // namespace vramfit
