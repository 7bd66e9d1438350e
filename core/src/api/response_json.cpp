#include "api/response_json.h"

#include <cmath>
#include <cstdio>

#include "api/internal.h"
#include "engine/llama_cpp.h"
#include "engine/ollama.h"
#include "speed/speed.h"
#include "vramfit/catalog.h"

namespace vramfit {

using json = nlohmann::json;

// Objects are built by assignment rather than from nested initializer lists:
// each {"key", value} member of one is a temporary two-element array, built,
// checked and torn down inline, which cost tens of KB of wasm.

namespace {
// The per-GPU matrix (79 catalogue GPUs x 11 keys) is the bulk of every
// response, and the page recomputes it on each change: as a tree of
// nlohmann objects it made an estimate without searches ~40% slower
// (native, user time 100 -> 142 us per call), so the GPU objects are
// written as text by this one writer, for `gpus` and `target` alike. `more`
// adds members (target's gpus_needed). Strings are valid UTF-8 (the
// catalogue, or request text nlohmann validated): only quotes, backslashes
// and controls need escaping.
void append_gpu(std::string& out, const GpuFit& f, const std::string& more = "") {
  auto str = [&](const char* key, const std::string& v) {
    out += '"';
    out += key;
    out += "\":\"";
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += ch;
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else
        out += ch;
    }
    out += "\",";
  };
  auto num = [&](const char* key, int64_t v) {
    out += '"';
    out += key;
    out += "\":";
    out += std::to_string(v);
    out += ',';
  };
  out += '{';
  str("id", f.id);
  str("name", f.name);
  str("vendor", f.vendor);
  out += f.custom ? "\"custom\":true," : "\"custom\":false,";
  num("memory_bytes", f.memory_bytes);
  num("usable_bytes", f.usable_bytes);
  num("need_bytes", f.need_bytes);
  num("headroom_bytes", f.headroom_bytes);
  str("verdict", verdict_name(f.verdict));
  num("max_batch_size", f.max_batch_size);
  if (f.tokens_per_s > 0) {
    // One decimal: enough for a table cell, and the same text everywhere.
    char buf[48];
    std::snprintf(buf, sizeof buf, "\"tokens_per_s\":%.1f,", f.tokens_per_s);
    out += buf;
  }
  out += "\"max_seq_len\":";
  out += std::to_string(f.max_seq_len);
  out += more;
  out += '}';
}
}  // namespace

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
  j["label"] = layout_words(n.parallel, true);
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

namespace {
// Named as SGLang logs them (methodology §7.9).
void add_sglang(json& out, const engine::SglangStartup& v, const std::string& gpu) {
  auto gib = [](int64_t b) { return std::round(double(b) / 1073741824.0 * 100) / 100; };
  json& j = out["engine"]["sglang"];
  j["gpu"] = gpu;
  j["release"] = "0.5";
  j["total_gpu_memory_bytes"] = v.total;
  j["mem_fraction_static"] = v.mem_fraction_static;
  if (v.fraction_derived) j["reserved_mem_mib"] = v.reserved_mib;
  j["chunked_prefill_size"] = v.chunked_prefill_size;
  j["cuda_graph_max_bs"] = v.cuda_graph_max_bs;
  j["load_weight_begin_avail_mem_gb"] = gib(v.total_gpu_memory);
  j["weights_mem_usage_bytes"] = v.weights;
  j["load_weight_end_avail_mem_gb"] = gib(v.available_after_weights);
  j["rest_memory_bytes"] = v.rest_memory;
  j["kv_cell_size_bytes"] = v.cell_size;
  j["context_len"] = v.context_len;
  j["starts"] = v.starts;
  if (v.starts) {
    j["max_total_num_tokens"] = v.max_total_num_tokens;
    if (v.swa_tokens > 0) j["swa_max_total_num_tokens"] = v.swa_tokens;
    j["kv_cache_bytes"] = v.kv_bytes;
    j["memory_pool_end_avail_mem_gb"] = gib(v.available_after_pool);
    j["max_req_len"] = v.max_req_len;
    j["max_concurrency"] = std::round(v.max_concurrency * 100) / 100;
  } else {
    j["refusal"] = v.refusal;
    j["min_mem_fraction_static"] = v.min_mem_fraction_static;
  }
}
}  // namespace

void add_fit_report(json& out, const FitReport& r) {
  if (!r.smallest_gpu.empty()) out["smallest_gpu"] = r.smallest_gpu;  // absent when none fits
  if (r.target && r.target->recommend) out["recommend"] = *r.target->recommend;
  out["disk"] = r.disk;
  if (r.vllm) {
    // Named as vLLM logs them (methodology §7.8).
    const engine::VllmStartup& v = *r.vllm;
    json& j = out["engine"]["vllm"];
    j["gpu"] = r.vllm_gpu;
    j["release"] = "0.19.0";
    j["total_gpu_memory_bytes"] = v.total;
    j["requested_memory_bytes"] = v.requested;
    j["model_weights_bytes"] = v.weights;
    j["non_torch_memory_bytes"] = v.non_torch;
    j["activation_peak_bytes"] = v.activation;
    j["available_kv_cache_memory_bytes"] = v.available_kv;
    j["available_kv_cache_memory_gib"] =
        std::round(double(v.available_kv) / 1073741824.0 * 100) / 100;
    j["max_num_seqs"] = v.max_num_seqs;
    j["max_num_batched_tokens"] = v.max_num_batched_tokens;
    j["max_model_len"] = v.max_model_len;
    j["block_size"] = v.block_size;
    j["starts"] = v.starts;
    if (v.starts) {
      j["num_gpu_blocks"] = v.num_blocks;
      j["kv_cache_size_tokens"] = v.kv_tokens;
      j["max_concurrency"] = std::round(v.max_concurrency * 100) / 100;
    } else {
      j["refusal"] = v.refusal;
      j["largest_max_model_len"] = v.largest_max_model_len;
    }
  }
  if (r.sglang) add_sglang(out, *r.sglang, r.sglang_gpu);
  if (r.strategies) out["strategies"] = *r.strategies;
}

void add_warnings(json& out, const std::vector<std::pair<std::string, std::string>>& list) {
  for (const auto& [code, message] : list) {
    json& w = out.emplace_back(json::object());
    w["code"] = code;
    w["message"] = message;
  }
}

std::string response_text(const json& rest, const FitReport& r) {
  std::string out;
  out.reserve(32 * 1024);  // a typical response (79 GPUs) is ~24 KB
  // nlohmann's own serializer, appending to `out` (as dump() does into a
  // fresh string), with dump()'s settings (invalid UTF-8 replaced).
  using Serializer = nlohmann::detail::serializer<json>;
  Serializer ser(nlohmann::detail::output_adapter<char>(out), ' ', json::error_handler_t::replace);
  auto key = [&](const char* k) {
    if (out.size() > 1) out += ',';
    ser.dump(json(k), false, false, 0);
    out += ':';
  };
  // The GPU members, in key order: "gpus" < "target".
  auto gpu_member = [&](int which) {
    if (which == 0) {
      key("gpus");
      out += '[';
      for (size_t i = 0; i < r.gpus.size(); ++i) {
        if (i) out += ',';
        append_gpu(out, r.gpus[i]);
      }
      out += ']';
    } else {
      key("target");
      const auto& needed = r.target->gpus_needed;
      append_gpu(out, r.target->fit, needed ? ",\"gpus_needed\":" + dump(*needed) : "");
    }
  };
  const char* gpu_keys[] = {"gpus", "target"};
  const int gpu_count = r.target ? 2 : 1;
  // One object: rest's members (nlohmann's sorted key order) merged with
  // the GPU members.
  out += '{';
  int k = 0;
  for (auto it = rest.begin(); it != rest.end(); ++it) {
    for (; k < gpu_count && it.key() > gpu_keys[k]; ++k) gpu_member(k);
    key(it.key().c_str());
    ser.dump(*it, false, false, 0);
  }
  for (; k < gpu_count; ++k) gpu_member(k);
  out += '}';
  return out;
}

namespace {

double in_mib(int64_t bytes) {
  return std::round(static_cast<double>(bytes) / 1048576.0 * 100) / 100;
}

// The buffers as llama.cpp prints them, per device.
void buffer_members(json& j, const llama_cpp::Buffers& b) {
  j["model_buffer_gpu_mib"] = in_mib(b.model_gpu);
  j["model_buffer_cpu_mib"] = in_mib(b.model_cpu);
  j["kv_buffer_gpu_mib"] = in_mib(b.kv_gpu);
  j["kv_buffer_cpu_mib"] = in_mib(b.kv_cpu);
  j["compute_buffer_gpu_mib"] = in_mib(b.compute_gpu);
  j["compute_buffer_host_mib"] = in_mib(b.compute_host);
  j["gpu_mib"] = in_mib(b.model_gpu + b.kv_gpu + b.compute_gpu);
  j["host_mib"] = in_mib(b.model_cpu + b.kv_cpu + b.compute_host);
}

}  // namespace

json llama_cpp_json(const Prepared& p) {
  const Request& r = p.req;
  if (r.engine != Engine::llama_cpp || r.task != Task::inference) return json();
  const ModelSpec& m = *p.spec;
  const llama_cpp::Settings s =
      llama_cpp::settings_of(m, r, r.batch_size * r.seq_len, &p.llama_model);
  const llama_cpp::Buffers b = llama_cpp::buffers(m, p.llama_model, s);
  json j = json::object();
  j["n_ctx"] = s.n_ctx;
  j["kv_cells"] = b.kv_cells;
  j["n_ctx_seq"] = b.n_ctx_seq;
  j["n_parallel"] = s.n_parallel;
  j["kv_unified"] = s.kv_unified;
  j["n_cpu_moe"] = s.n_cpu_moe;
  j["n_gpu_layers"] = b.n_gpu_layers;
  j["n_layer"] = static_cast<int64_t>(m.layers.size());
  j["n_ubatch"] = s.n_ubatch;
  j["n_batch"] = s.n_batch;
  j["flash_attn"] = b.flash_attn;
  j["cache_type_k"] = s.type_k;
  j["cache_type_v"] = s.type_v;
  buffer_members(j, b);
  if (const Gpu* g = r.gpu.empty() ? nullptr : find_gpu(r.gpu)) {
    // llama-server's auto -ngl keeps fit_margin_mib free beside the context.
    const int64_t room =
        g->memory_bytes - (r.cuda_context_mib + llama_cpp::fit_margin_mib()) * 1048576;
    const int64_t ngl = llama_cpp::max_gpu_layers(m, p.llama_model, s, room);
    json& x = j["max_n_gpu_layers"] = json::object();
    x["gpu"] = g->id;
    x["n_gpu_layers"] = ngl;
    if (ngl >= 0) {
      llama_cpp::Settings at = s;
      at.n_gpu_layers = ngl;
      const llama_cpp::Buffers c = llama_cpp::buffers(m, p.llama_model, at);
      x["gpu_mib"] = in_mib(c.model_gpu + c.kv_gpu + c.compute_gpu);
      x["host_mib"] = in_mib(c.model_cpu + c.kv_cpu + c.compute_host);
      x["spare_mib"] = in_mib(g->memory_bytes - r.cuda_context_mib * 1048576 -
                              (c.model_gpu + c.kv_gpu + c.compute_gpu));
    }
  }
  return j;
}

json ollama_json(const Prepared& p) {
  const Request& r = p.req;
  if (r.engine != Engine::ollama || r.task != Task::inference) return json();
  const ModelSpec& m = *p.spec;
  const int64_t asked = r.batch_size * r.seq_len;
  const llama_cpp::Settings s = llama_cpp::settings_of(m, r, asked, &p.llama_model);
  const llama_cpp::Buffers b = llama_cpp::buffers(m, p.llama_model, s);
  const int64_t n_layer = static_cast<int64_t>(m.layers.size());
  json j = json::object();
  j["num_ctx"] = ollama::context_of(m, asked);
  j["num_parallel"] = s.n_parallel;
  j["n_ctx"] = s.n_ctx;
  j["kv_cells"] = b.kv_cells;
  j["num_batch"] = s.n_batch;
  j["flash_attn"] = b.flash_attn;
  j["kv_cache_type"] = s.type_k == s.type_v ? json(s.type_k) : json(s.type_k + "/" + s.type_v);
  // Ollama's layer count includes the output layer, as llama.cpp's
  // "offloaded N/M layers to GPU" line does.
  j["layers_model"] = n_layer + 1;
  j["layers_offload"] = b.n_gpu_layers;
  j["layers_fitted"] = !r.llama_cpp.n_gpu_layers.has_value() && !r.gpu.empty();
  j["predicted_vram_mib"] =
      in_mib(ollama::predict_vram(m, llama_cpp::file_bytes(p.llama_model), s.n_ctx));
  buffer_members(j, b);
  if (const Gpu* g = r.gpu.empty() ? nullptr : find_gpu(r.gpu)) {
    j["gpu"] = g->id;
    j["default_num_ctx"] = ollama::default_num_ctx(g->memory_bytes);
    j["spare_mib"] = in_mib(g->memory_bytes - r.cuda_context_mib * 1048576 -
                            (b.model_gpu + b.kv_gpu + b.compute_gpu));
  }
  return j;
}

static json figures_json(const std::vector<speed::Figure>& figures) {
  json figs = json::array();
  for (const speed::Figure& f : figures) {
    json& e = figs.emplace_back(json::object());
    e["id"] = f.id;
    e["label"] = f.label;
    e["unit"] = f.unit;
    e["value"] = f.value;
    e["low"] = f.low;
    e["high"] = f.high;
    e["formula"] = f.formula;
    e["inputs"] = f.inputs;
  }
  return figs;
}

json speed_json(const Prepared& p) {
  const Request& r = p.req;
  const Gpu* g = r.gpu.empty() ? nullptr : find_gpu(r.gpu);
  if (!g) return nullptr;
  if (r.task != Task::inference) {
    speed::TrainingPlan plan;
    plan.train_tokens = static_cast<double>(r.train_tokens.value_or(0));
    plan.dataset_tokens = static_cast<double>(r.dataset_tokens.value_or(0));
    plan.epochs = r.epochs.value_or(1.0);
    plan.price_per_gpu_hour = r.price_per_gpu_hour.value_or(0.0);
    const std::vector<speed::Figure> figs = speed::training_speed(p, *g, plan);
    if (figs.empty()) return nullptr;
    json out = json::object();
    out["gpu"] = g->id;
    out["batch_size"] = r.batch_size;
    out["seq_len"] = r.seq_len;
    out["figures"] = figures_json(figs);
    return out;
  }
  speed::Workload w;
  w.batch = r.batch_size;
  w.depth = r.seq_len;
  w.prompt = r.seq_len;
  json out = json::object();
  out["gpu"] = g->id;
  out["batch_size"] = w.batch;
  out["context_depth"] = w.depth;
  out["prompt_tokens"] = w.prompt;
  out["figures"] = figures_json(speed::inference_speed(p, *g, w));
  return out;
}

}  // namespace vramfit
