#include "api/response_json.h"

namespace vramfit {

using json = nlohmann::json;

// Objects are built by assignment rather than from nested initializer lists:
// each {"key", value} member of one is a temporary two-element array, built,
// checked and torn down inline, which cost tens of KB of wasm.

void to_json(json& j, const GpuFit& f) {
  j = json::object();
  j["id"] = f.id;
  j["name"] = f.name;
  j["vendor"] = f.vendor;
  j["custom"] = f.custom;
  j["memory_bytes"] = f.memory_bytes;
  j["usable_bytes"] = f.usable_bytes;
  j["need_bytes"] = f.need_bytes;
  j["headroom_bytes"] = f.headroom_bytes;
  j["verdict"] = verdict_name(f.verdict);
  j["max_batch_size"] = f.max_batch_size;
  j["max_seq_len"] = f.max_seq_len;
}

void to_json(json& j, const Recommendation& r) {
  j = json::object();
  j["id"] = r.id;
  json& change = j["change"] = json::object();
  for (const auto& c : r.changes) {
    std::visit([&](const auto& v) { change[c.path] = v; }, c.value);
  }
  j["label"] = r.label;
  j["why"] = r.why;
  if (!r.parts.empty()) j["parts"] = r.parts;
  j["total_bytes"] = r.total_bytes;
  j["saves_bytes"] = r.saves_bytes;
  j["verdict"] = verdict_name(r.verdict);
}

void to_json(json& j, const Strategy& s) {
  j = json::object();
  j["name"] = s.name;
  j["gpus"] = s.gpus;
  json& par = j["parallel"];
  par["tp"] = s.parallel.tp;
  par["pp"] = s.parallel.pp;
  par["dp"] = s.parallel.dp;
  par["ep"] = s.parallel.ep;
  par["zero"] = s.parallel.zero;
  j["per_gpu_total_bytes"] = s.per_gpu_total_bytes;
  j["per_gpu_peak_allocated_bytes"] = s.per_gpu_peak_allocated_bytes;
  if (!s.smallest_gpu.empty()) j["smallest_gpu"] = s.smallest_gpu;  // absent: none fits
}

void to_json(json& j, const GpusNeeded& n) {
  j = json::object();
  j["count"] = n.count;
  json& par = j["parallel"];  // ep is not scaled: left out
  par["tp"] = n.parallel.tp;
  par["pp"] = n.parallel.pp;
  par["dp"] = n.parallel.dp;
  par["zero"] = n.parallel.zero;
  j["per_gpu_total_bytes"] = n.per_gpu_total_bytes;
}

void to_json(json& j, const DiskSizes& d) {
  j = json::object();
  j["checkpoint_bytes"] = d.checkpoint_bytes;
  j["stored_dtype_bytes"] = d.stored_dtype_bytes;
  if (d.checkpoint_with_optimizer_bytes) {
    j["checkpoint_with_optimizer_bytes"] = *d.checkpoint_with_optimizer_bytes;
  }
  if (d.lora_adapter_bytes) j["lora_adapter_bytes"] = *d.lora_adapter_bytes;
}

void add_fit_report(json& out, const FitReport& r) {
  out["gpus"] = r.gpus;
  if (!r.smallest_gpu.empty()) out["smallest_gpu"] = r.smallest_gpu;  // absent when none fits
  if (r.target) {
    json& t = out["target"] = r.target->fit;
    if (r.target->gpus_needed) t["gpus_needed"] = *r.target->gpus_needed;
    if (r.target->recommend) out["recommend"] = *r.target->recommend;
  }
  out["disk"] = r.disk;
  if (r.strategies) out["strategies"] = *r.strategies;
}

void add_warnings(json& out, const std::vector<std::pair<std::string, std::string>>& list) {
  for (const auto& [code, message] : list) {
    json& w = out.emplace_back(json::object());
    w["code"] = code;
    w["message"] = message;
  }
}

}  // namespace vramfit
