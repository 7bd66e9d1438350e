// The static catalogue for front ends (core/SCHEMA.md, "Catalogue"): presets,
// GPUs, dtypes, enums and defaults, as one JSON document.
#include <nlohmann/json.hpp>

#include "api/internal.h"
#include "memory/registry.h"
#include "vramfit/api.h"
#include "vramfit/catalog.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"
#include "vramfit/presets.h"
#include "vramfit/request.h"

namespace vramfit {
namespace {
using json = nlohmann::json;

json strings(std::initializer_list<const char*> items) {
  json arr = json::array();
  for (const char* s : items) arr.emplace_back(s);
  return arr;
}

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

}  // namespace

json catalog_document(bool preset_counts) {
  json presets = json::array();
  for (const auto& p : preset_list()) {
    json& e = presets.emplace_back(json::object());
    e["id"] = p.id;
    e["source"] = p.source;
    if (!preset_counts) continue;
    try {
      const ModelSpec s = parse_model_config(preset_config(p.id), "model.preset");
      const ParamCounts c = count_params(s);
      e["model_type"] = s.model_type;
      e["params"] = c.total;
      if (s.moe.num_experts > 0) e["active_params"] = c.active;
    } catch (const Error& err) {
      e["error"] = err.what();  // surfaced by tests; never expected
    }
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
    e["arch"] = g.arch;
    e["form_factor"] = g.form_factor;
    e["source"] = g.source;
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
    e["note"] = d.note;
  }
  json enums = json::object();
  enums["task"] = strings({"inference", "full", "lora", "qlora", "dora", "qdora"});
  enums["precision"] = strings({"bf16_mixed", "fp16_mixed", "bf16_pure", "fp32"});
  enums["optimizer"] = strings({"adamw", "adamw_fused", "adamw_8bit", "paged_adamw_8bit",
                                "adafactor", "sgd", "sgd_momentum", "lion"});
  enums["attention"] = strings({"sdpa", "flash", "eager"});
  enums["loss"] = strings({"standard", "chunked"});
  enums["engine"] = strings({"hf", "vllm", "llama_cpp"});
  enums["inference_mode"] = strings({"generate", "forward"});
  // Every request field's default value. Fields whose default is derived
  // (weights_dtype, kv_cache_dtype, autocast, fragmentation: SCHEMA.md) are
  // absent, which front ends show as "auto".
  const Request d;
  json defaults = json::object();
  defaults["task"] = task_name(d.task);
  defaults["precision"] = precision_name(d.precision);
  defaults["batch_size"] = d.batch_size;
  defaults["seq_len"] = d.seq_len;
  defaults["inference_mode"] = "generate";
  defaults["gradient_checkpointing"] = d.gradient_checkpointing;
  defaults["optimizer"] = optimizer_name(d.optimizer);
  defaults["optimizer_in_backward"] = d.optimizer_in_backward;
  json& lora = defaults["lora"];
  lora["rank"] = d.lora.rank;
  lora["alpha"] = d.lora.alpha;
  lora["targets"] = "all-linear";
  lora["dropout"] = d.lora.dropout;
  lora["dtype"] = "fp32";
  defaults["attention"] = attention_name(d.attention);
  defaults["loss"] = loss_name(d.loss);
  defaults["engine"] = engine_name(d.engine);
  json& parallel = defaults["parallel"];
  for (const char* k : {"tp", "pp", "dp", "ep"}) parallel[k] = 1;
  parallel["zero"] = 0;
  for (const char* k : {"fsdp", "offload_optimizer", "offload_params"}) parallel[k] = false;
  defaults["gpu_memory_utilization"] = d.gpu_memory_utilization;
  defaults["max_num_batched_tokens"] = d.max_num_batched_tokens;
  defaults["cuda_context_mib"] = d.cuda_context_mib;
  defaults["search"] = d.search;
  defaults["strategies"] = d.strategies;
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["vramfit_version"] = version();
  out["presets"] = std::move(presets);
  out["gpus"] = std::move(gpus);
  out["dtypes"] = std::move(dtypes);
  out["enums"] = std::move(enums);
  out["defaults"] = std::move(defaults);
  out["phases"] = phases_json();
  out["components"] = memory_components_json();
  return out;
}
}  // namespace vramfit
