#include "tables.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>

#include "vramfit/api.h"

namespace vramfit {
namespace cli {

using json = nlohmann::json;

std::string gib(int64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / 1073741824.0);
  return buf;
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return n < 0 ? "-" + s : s;
}

namespace {
void row(const std::string& a, const std::string& b, int w = 26) {
  std::printf("  %-*s %s\n", w, a.c_str(), b.c_str());
}
int64_t i64(const json& j, const char* k) { return j.contains(k) ? j.at(k).get<int64_t>() : 0; }

// The words for an id from the catalogue: `list` is "phases", "verdicts",
// "dtypes" (their `label`) or "gpus" (their `name`). Text output prints
// these, never the ids, which stay in --json.
std::string catalog_label(const char* list, const std::string& id) {
  static const json catalog = json::parse(catalog_json(false));
  const char* key = std::string(list) == "gpus" ? "name" : "label";
  for (const auto& e : catalog.at(list)) {
    if (e.at("id") == id) return e.at(key).get<std::string>();
  }
  return id;
}
std::string phase_label(const std::string& id) { return catalog_label("phases", id); }
std::string verdict_label(const json& v) { return catalog_label("verdicts", v.get<std::string>()); }
std::string gpu_name(const json& id) { return catalog_label("gpus", id.get<std::string>()); }
}  // namespace

json config_warnings(const json& r) {
  json out = json::array();
  for (const auto& w : r.value("warnings", json::array())) {
    if (w.value("code", "") == "config") out.push_back(w);
  }
  return out;
}

void print_params(const json& r) {
  const json& m = r.at("model");
  const json& p = r.at("params");
  // A pasted config has no Hub id: say where the model came from instead.
  std::string id = m.value("id", std::string());
  if (id.empty()) id = m.value("source", std::string("config"));
  // Configs without model_type are read by a family's rules: name those.
  std::string type = m.value("model_type", std::string());
  if (type.empty()) type = m.value("family", std::string("?")) + " rules";
  std::printf("%s (%s)\n", id.c_str(), type.c_str());
  row("total", with_commas(i64(p, "total")));
  row("embeddings", with_commas(i64(p, "embeddings")));
  row("LM head", p.at("lm_head").get<int64_t>() == 0 ? "tied" : with_commas(i64(p, "lm_head")));
  row("non-embedding", with_commas(i64(p, "non_embedding")));
  if (m.contains("moe")) row("active per token", with_commas(i64(p, "active")));
  if (i64(p, "towers") > 0) row("vision/audio towers", with_commas(i64(p, "towers")));
  if (m.value("approximate", false)) row("note", "approximate (unknown architecture)");
  for (const auto& w : config_warnings(r)) {
    std::printf("warning: %s\n", w.at("message").get<std::string>().c_str());
  }
}

namespace {
// The human label of an enum field's value ("qlora" -> "QLoRA (4-bit base)").
std::string value_label(const json& fields, const char* path, const std::string& id) {
  for (const auto& f : fields) {
    if (f.at("path") != path) continue;
    for (const auto& v : f.value("values", json::array())) {
      if (v.at("id") == id) return v.at("label").get<std::string>();
    }
  }
  return id;
}
// "Optimizer AdamW (fused), Gradient checkpointing on": the settings the
// training stack filled in, by their labels.
std::string stack_defaults_text(const json& d, const json& fields, const std::string& prefix = "") {
  std::string out;
  for (const auto& [key, v] : d.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (v.is_object()) {
      out += (out.empty() ? "" : ", ") + stack_defaults_text(v, fields, path);
      continue;
    }
    std::string label = path;
    for (const auto& f : fields) {
      if (f.at("path") == path) label = f.at("label").get<std::string>();
    }
    const std::string value = v.is_boolean() ? (v.get<bool>() ? "on" : "off")
                              : v.is_string()
                                  ? value_label(fields, path.c_str(), v.get<std::string>())
                                  : v.dump();
    out += (out.empty() ? "" : ", ") + label + " " + value;
  }
  return out;
}
// Speed figures on the request's GPU (response `speed`, methodology §18).
void print_speed(const json& sp) {
  if (sp.contains("context_depth")) {
    std::printf("\nspeed on %s, batch %lld, context depth %lld\n", gpu_name(sp.at("gpu")).c_str(),
                static_cast<long long>(sp.at("batch_size").get<int64_t>()),
                static_cast<long long>(sp.at("context_depth").get<int64_t>()));
  } else {
    std::printf("\ntraining speed on %s, batch %lld x seq %lld\n", gpu_name(sp.at("gpu")).c_str(),
                static_cast<long long>(sp.at("batch_size").get<int64_t>()),
                static_cast<long long>(sp.at("seq_len").get<int64_t>()));
  }
  for (const auto& f : sp.at("figures")) {
    const std::string unit = f.at("unit").get<std::string>();
    const char* fmt = unit == "s"          ? "%.3f s  (%.3f - %.3f)"
                      : unit == "currency" ? "%.2f  (%.2f - %.2f)"
                                           : "%.1f tokens/s  (%.1f - %.1f)";
    char buf[128];
    std::snprintf(buf, sizeof buf, fmt, f.at("value").get<double>(), f.at("low").get<double>(),
                  f.at("high").get<double>());
    std::string text = buf;
    // Long runs read better in hours.
    if (unit == "s" && f.at("value").get<double>() >= 3600) {
      std::snprintf(buf, sizeof buf, "%.1f h  (%.1f - %.1f)", f.at("value").get<double>() / 3600,
                    f.at("low").get<double>() / 3600, f.at("high").get<double>() / 3600);
      text = buf;
    }
    row(f.at("label").get<std::string>(), text);
  }
}
}  // namespace

// The engines' own start-up figures, named as their logs name them
// (methodology §7.8 vLLM, §7.9 SGLang, §17 Ollama); llama.cpp's buffers below.
void print_engine(const json& r, int64_t seq_len) {
  const json& e = r.at("engine");
  // A custom GPU's name is in the response's GPU list, not the catalogue.
  auto engine_gpu = [&r](const json& id) {
    for (const auto& g : r.value("gpus", json::array())) {
      if (g.value("id", "") == id && g.contains("name")) return g.at("name").get<std::string>();
    }
    return gpu_name(id);
  };
  auto num = [](const json& o, const char* k) { return o.at(k).get<double>(); };
  if (e.contains("vllm")) {
    const json& v = e.at("vllm");
    std::printf("\nvLLM %s start-up on %s (max_model_len %lld, max_num_seqs %lld):\n",
                v.at("release").get<std::string>().c_str(), engine_gpu(v.at("gpu")).c_str(),
                static_cast<long long>(i64(v, "max_model_len")),
                static_cast<long long>(i64(v, "max_num_seqs")));
    std::printf("  model weights %s, activation peak %s, non-torch %s\n",
                gib(i64(v, "model_weights_bytes")).c_str(),
                gib(i64(v, "activation_peak_bytes")).c_str(),
                gib(i64(v, "non_torch_memory_bytes")).c_str());
    if (v.contains("available_kv_cache_memory_bytes")) {
      std::printf("  Available KV cache memory: %.2f GiB\n",
                  num(v, "available_kv_cache_memory_bytes") / 1073741824.0);
    }
    if (v.contains("kv_cache_size_tokens")) {
      std::printf("  GPU KV cache size: %s tokens\n",
                  with_commas(i64(v, "kv_cache_size_tokens")).c_str());
    }
    if (v.contains("max_concurrency")) {
      std::printf("  Maximum concurrency for %lld tokens per request: %.2fx\n",
                  static_cast<long long>(i64(v, "max_model_len")), num(v, "max_concurrency"));
    }
    if (!v.at("starts").get<bool>()) {
      std::printf("  would not start: %s\n", v.at("refusal").get<std::string>().c_str());
    }
  }
  if (e.contains("sglang")) {
    const json& g = e.at("sglang");
    std::printf("\nSGLang %s start-up on %s (mem_fraction_static %.3f, context_len %lld):\n",
                g.at("release").get<std::string>().c_str(), engine_gpu(g.at("gpu")).c_str(),
                num(g, "mem_fraction_static"), static_cast<long long>(i64(g, "context_len")));
    // SGLang's "GB" are GiB (utils.py get_available_gpu_memory divides by 1 << 30;
    // memory_pool.py's GB = 1024 ** 3): printed as its log prints them.
    std::printf("  Load weight end. mem usage=%.2f GB\n",
                num(g, "weights_mem_usage_bytes") / 1073741824.0);
    if (g.at("starts").get<bool>()) {
      std::printf("  KV Cache is allocated. #tokens: %s, K+V size: %.2f GB\n",
                  with_commas(i64(g, "max_total_num_tokens")).c_str(),
                  num(g, "kv_cache_bytes") / 1073741824.0);
      std::printf("  max_total_num_tokens=%s, max_req_len=%lld; %.2f requests of %lld tokens\n",
                  with_commas(i64(g, "max_total_num_tokens")).c_str(),
                  static_cast<long long>(i64(g, "max_req_len")), num(g, "max_concurrency"),
                  static_cast<long long>(seq_len));
    } else {
      std::printf("  would not start: %s\n", g.at("refusal").get<std::string>().c_str());
    }
  }
  if (e.contains("ollama")) {
    const json& o = e.at("ollama");
    std::printf("\nOllama on %s (num_ctx %lld, num_parallel %lld, KV %s):\n",
                engine_gpu(o.at("gpu")).c_str(), static_cast<long long>(i64(o, "num_ctx")),
                static_cast<long long>(i64(o, "num_parallel")),
                o.at("kv_cache_type").get<std::string>().c_str());
    std::printf("  offloaded %lld/%lld layers to GPU; VRAM %.2f MiB, host %.2f MiB%s\n",
                static_cast<long long>(i64(o, "layers_offload")),
                static_cast<long long>(i64(o, "layers_model")), num(o, "gpu_mib"),
                num(o, "host_mib"), o.at("layers_fitted").get<bool>() ? "" : " (partial offload)");
  }
}

void print_estimate(const json& r, const json& fields) {
  print_params(r);
  const json& q = r.at("request");
  const int64_t accumulate = q.value("gradient_accumulation_steps", int64_t{1});
  const std::string micro =
      accumulate > 1 ? ", " + std::to_string(accumulate) + " micro-batches per optimizer step" : "";
  std::printf("\n%s, batch %lld x seq %lld%s, weights %s\n",
              value_label(fields, "task", q.at("task").get<std::string>()).c_str(),
              static_cast<long long>(q.at("batch_size").get<int64_t>()),
              static_cast<long long>(q.at("seq_len").get<int64_t>()), micro.c_str(),
              catalog_label("dtypes", q.at("weights_dtype").get<std::string>()).c_str());
  // The layout, when it spans several GPUs: figures below are per GPU.
  const int64_t layout = r.contains("layout") ? i64(r.at("layout"), "gpus") : 1;
  if (layout > 1) {
    std::printf("per GPU, on %lld GPUs: %s\n", static_cast<long long>(layout),
                r.at("layout").at("label").get<std::string>().c_str());
  }
  if (q.contains("stack")) {
    const std::string given = r.contains("stack_defaults") && !r.at("stack_defaults").empty()
                                  ? stack_defaults_text(r.at("stack_defaults"), fields)
                                  : "none";
    std::printf("stack %s %s; from the stack: %s\n",
                value_label(fields, "stack", q.at("stack").get<std::string>()).c_str(),
                q.value("stack_version", "").c_str(), given.c_str());
  }
  // One column for the labels: as wide as the longest component's.
  int w = 26;
  for (const auto& c : r.at("components"))
    w = std::max(w, static_cast<int>(c.at("label").get<std::string>().size()));
  for (const auto& c : r.at("components")) {
    std::string mark = c.at("in_peak").get<bool>() ? "" : "  (not at peak)";
    row(c.at("label").get<std::string>(), gib(c.at("bytes").get<int64_t>()) + mark, w);
  }
  std::printf("\n");
  row("peak allocated (PyTorch)",
      gib(i64(r, "peak_allocated_bytes")) + "  [" +
          phase_label(r.at("peak_phase").get<std::string>()) + "]",
      w);
  if (r.contains("paged_bytes")) {
    row("paged optimizer states", gib(i64(r, "paged_bytes")) + "  (managed memory, in the total)",
        w);
  }
  row("total (nvidia-smi)",
      gib(i64(r, "total_bytes")) + "  (range " + gib(i64(r.at("range"), "low_bytes")) + " - " +
          gib(i64(r.at("range"), "high_bytes")) + ")",
      w);
  if (r.contains("smallest_gpu")) {
    row("smallest GPU that fits", gpu_name(r.at("smallest_gpu")), w);
  }
  if (r.contains("speed") && r.at("speed").is_object()) print_speed(r.at("speed"));
  for (const auto& w : r.at("warnings")) {
    std::printf("warning: %s\n", w.at("message").get<std::string>().c_str());
  }
  if (r.contains("target")) {
    const json& t = r.at("target");
    std::printf("\n%s%s: %s (headroom %s%s)\n",
                layout > 1 ? (std::to_string(layout) + " x ").c_str() : "",
                t.at("name").get<std::string>().c_str(), verdict_label(t.at("verdict")).c_str(),
                gib(i64(t, "headroom_bytes")).c_str(), layout > 1 ? " each" : "");
    if (t.contains("gpus_needed") && t.at("gpus_needed").at("count").get<int64_t>() > layout) {
      const json& n = t.at("gpus_needed");
      std::printf("  needs %lld of them (%s): %s per GPU\n",
                  static_cast<long long>(n.at("count").get<int64_t>()),
                  n.at("label").get<std::string>().c_str(),
                  gib(i64(n, "per_gpu_total_bytes")).c_str());
    }
  }
  if (r.contains("engine")) print_engine(r, q.at("seq_len").get<int64_t>());
  if (r.contains("engine") && r.at("engine").contains("llama_cpp")) {
    // llama.cpp's buffers as llama-server prints them (MiB), methodology §16.
    const json& l = r.at("engine").at("llama_cpp");
    auto mib = [&](const char* k) { return l.at(k).get<double>(); };
    const int64_t ngl = l.at("n_gpu_layers").get<int64_t>();
    const int64_t n_layer = l.at("n_layer").get<int64_t>();
    std::printf("\nllama.cpp buffers (MiB), %lld of %lld layers%s on the GPU:\n",
                static_cast<long long>(std::min(ngl, n_layer)), static_cast<long long>(n_layer),
                ngl > n_layer ? " and the output layer" : "");
    std::printf("  model    GPU %10.2f  CPU %10.2f\n", mib("model_buffer_gpu_mib"),
                mib("model_buffer_cpu_mib"));
    std::printf("  KV       GPU %10.2f  CPU %10.2f  (%lld cells)\n", mib("kv_buffer_gpu_mib"),
                mib("kv_buffer_cpu_mib"), static_cast<long long>(l.at("kv_cells").get<int64_t>()));
    std::printf("  compute  GPU %10.2f  host %9.2f\n", mib("compute_buffer_gpu_mib"),
                mib("compute_buffer_host_mib"));
    if (l.contains("max_n_gpu_layers")) {
      const json& x = l.at("max_n_gpu_layers");
      const int64_t n = x.at("n_gpu_layers").get<int64_t>();
      if (n < 0) {
        std::printf("  no layer fits the GPU\n");
      } else {
        std::printf(
            "  llama-server's own pick: %lld layers on the GPU (%.2f MiB there, %.2f MiB "
            "host)\n",
            static_cast<long long>(n), x.at("gpu_mib").get<double>(),
            x.at("host_mib").get<double>());
      }
    }
  }
  if (r.contains("disk")) {
    const json& d = r.at("disk");
    std::printf("\ndisk: checkpoint %s", gib(i64(d, "checkpoint_bytes")).c_str());
    if (d.contains("checkpoint_with_optimizer_bytes")) {
      std::printf(", with optimizer state %s",
                  gib(i64(d, "checkpoint_with_optimizer_bytes")).c_str());
    }
    if (d.contains("lora_adapter_bytes")) {
      std::printf(", LoRA adapter %s", gib(i64(d, "lora_adapter_bytes")).c_str());
    }
    std::printf("\n");
  }
  if (r.contains("strategies")) {
    std::printf("\n%-22s %5s %14s  %s\n", "layout", "GPUs", "per GPU", "smallest GPU that fits");
    for (const auto& s : r.at("strategies")) {
      std::printf("%-22s %5lld %14s  %s\n", s.at("name").get<std::string>().c_str(),
                  static_cast<long long>(s.at("gpus").get<int64_t>()),
                  gib(i64(s, "per_gpu_total_bytes")).c_str(),
                  s.contains("smallest_gpu") ? gpu_name(s.at("smallest_gpu")).c_str() : "none");
    }
  }
  if (r.contains("recommend")) {
    for (const auto& s : r.at("recommend")) {
      // Labels vary in length (a combined change names all its steps).
      // As the page does: no "saves" when a change frees nothing (vLLM's
      // max_model_len changes what starts, not the memory in use).
      const int64_t saves = i64(s, "saves_bytes");
      const std::string freed = saves > 0 ? "saves " + gib(saves) + " " : "";
      std::printf("  try %s: %s-> %s\n", s.at("label").get<std::string>().c_str(), freed.c_str(),
                  verdict_label(s.at("verdict")).c_str());
    }
  }
}

void print_fit(const json& r) {
  // tokens/s: decode per sequence (inference) or training, all GPUs.
  const bool training = r.at("request").at("task") != "inference";
  std::printf("%-28s %10s %-12s %11s %10s %10s %11s\n", "GPU", "memory", "verdict", "headroom",
              "max batch", "max seq", training ? "train tok/s" : "decode tok/s");
  for (const auto& g : r.at("gpus")) {
    char speed[32] = "-";
    if (g.contains("tokens_per_s")) {
      std::snprintf(speed, sizeof speed, "%.1f", g.at("tokens_per_s").get<double>());
    }
    std::printf("%-28s %10s %-12s %11s %10lld %10lld %11s\n",
                g.at("name").get<std::string>().c_str(), gib(i64(g, "usable_bytes")).c_str(),
                verdict_label(g.at("verdict")).c_str(), gib(i64(g, "headroom_bytes")).c_str(),
                static_cast<long long>(i64(g, "max_batch_size")),
                static_cast<long long>(i64(g, "max_seq_len")), speed);
  }
}

void print_presets(const json& c) {
  for (const auto& p : c.at("presets")) {
    std::printf("%-48s %-14s %s\n", p.at("id").get<std::string>().c_str(),
                p.value("model_type", std::string("?")).c_str(),
                p.contains("params") ? with_commas(p.at("params").get<int64_t>()).c_str() : "-");
  }
}

void print_gpus(const json& c) {
  for (const auto& g : c.at("gpus")) {
    std::printf("%-22s %-34s %9lld MiB  %s\n", g.at("id").get<std::string>().c_str(),
                g.at("name").get<std::string>().c_str(),
                static_cast<long long>(g.at("memory_mib").get<int64_t>()),
                g.at("memory_measured").get<bool>() ? "measured" : "nominal");
  }
}

void print_dtypes(const json& c) {
  for (const auto& d : c.at("dtypes")) {
    std::printf("%-12s %-28s %8.4f bits/weight%s\n", d.at("id").get<std::string>().c_str(),
                d.at("label").get<std::string>().c_str(), d.at("bits_per_weight").get<double>(),
                d.at("kv_cache").get<bool>() ? "  (kv cache)" : "");
  }
}

namespace {
// 1048576 -> "2^20" (bounds read better as powers of two), else the JSON text.
std::string bound(const json& v) {
  const double x = v.get<double>();
  if (x == static_cast<double>(static_cast<int64_t>(x))) {
    const int64_t n = static_cast<int64_t>(x);
    if (n < 1024) return std::to_string(n);
    for (int e = 10; e < 63; ++e) {
      if (n == (int64_t{1} << e)) return "2^" + std::to_string(e);
    }
    return std::to_string(n);
  }
  return v.dump();
}

std::string default_text(const json& d) {
  if (d.contains("default")) return d.at("default").dump();
  if (d.contains("derived")) return "derived: " + d.at("derived").get<std::string>();
  return "";
}

std::string values_text(const json& d, const char* sep) {
  std::string out;
  for (const auto& v : d.at("values")) {
    out += (out.empty() ? "" : sep) + v.at("id").get<std::string>() + " = " +
           v.at("label").get<std::string>();
  }
  return out;
}

std::string list_text(const json& d, const char* key) {
  std::string out;
  for (const auto& v : d.value(key, json::array())) {
    out += (out.empty() ? "" : ", ") + v.get<std::string>();
  }
  return out;
}

std::string type_text(const json& d) {
  const std::string kind = d.at("kind").get<std::string>();
  if (kind == "int" || kind == "number") {
    return (kind == "int" ? "int " : "number ") + bound(d.at("min")) + ".." + bound(d.at("max"));
  }
  if (kind == "enum") return "enum";
  if (kind == "dtype") return "dtype id";
  if (kind == "gpu") return "GPU id";
  if (kind == "modules") return "\"all-linear\" or up to " + d.at("max_items").dump() + " names";
  if (kind == "gpus") return "array or name:GiB text (up to " + d.at("max_items").dump() + ")";
  if (kind == "text") return "text (up to " + d.at("max_length").dump() + " chars)";
  if (kind == "weights") return "dtype id or {bits, group_size}";
  return kind;
}

std::string placeholder(const json& d) {
  const std::string kind = d.at("kind").get<std::string>();
  if (kind == "bool") return "";
  if (kind == "int") return " N";
  if (kind == "number") return " X";
  if (kind == "gpus") return " name:GiB[@gpu][,...]";
  if (kind == "modules") return " a,b,c|all-linear";
  return " ID";
}
}  // namespace

std::string flags_help(const json& fields) {
  std::string out = "request flags (core/SCHEMA.md; a bool flag also has a --no- form):\n";
  for (const auto& d : fields) {
    if (!d.contains("flag")) continue;
    out += "  " + d.at("flag").get<std::string>() + placeholder(d);
    if (d.contains("aliases")) out += "  (also " + list_text(d, "aliases") + ")";
    out += "\n      " + d.at("label").get<std::string>();
    if (d.contains("values"))
      out += ": " + values_text(d, "; ");
    else if (d.contains("min"))
      out += ", " + bound(d.at("min")) + ".." + bound(d.at("max"));
    if (d.contains("unit")) out += " " + d.at("unit").get<std::string>();
    const json& v = d.value("default", json());
    std::string def = v.is_string() ? v.get<std::string>() : default_text(d);
    // A stack-set field: its default is the training stack's, the static one a fallback.
    if (d.contains("derived") && d.contains("default"))
      out += "; default from the training stack (--stack), else " + def;
    else if (!def.empty())
      out += "; default " + def;
    out += "\n";
  }
  return out;
}

std::string fields_markdown(const json& fields) {
  std::string out = "| field | type | default | CLI | meaning |\n|---|---|---|---|---|\n";
  for (const auto& d : fields) {
    std::string meaning = d.at("label").get<std::string>() + ". " + d.at("help").get<std::string>();
    if (d.contains("unit")) meaning += " Unit: " + d.at("unit").get<std::string>() + ".";
    if (d.contains("values")) meaning += " Values: " + values_text(d, "; ") + ".";
    if (d.contains("tasks")) meaning += " Tasks: " + list_text(d, "tasks") + ".";
    if (d.contains("engines")) meaning += " Engines: " + list_text(d, "engines") + ".";
    std::string cli = d.contains("flag") ? "`" + d.at("flag").get<std::string>() + "`" : "";
    for (const auto& a : d.value("aliases", json::array()))
      cli += ", `" + a.get<std::string>() + "`";
    const std::string def = default_text(d);
    out += "| `" + d.at("path").get<std::string>() + "` | " + type_text(d) + " | " +
           (d.contains("default") ? "`" + def + "`" : def) + " | " + cli + " | " + meaning + " |\n";
  }
  return out;
}

std::string enums_typescript(const json& fields) {
  std::string out =
      "// Generated by `vramfit schema-types` from the request field table\n"
      "// (core/src/api/fields_table.cpp); ctest schema_docs fails on any difference.\n"
      "// prettier-ignore\n"
      "export type RequestEnums = {\n";
  for (const auto& d : fields) {
    if (!d.contains("values")) continue;
    const std::string path = d.at("path").get<std::string>();
    std::string values;
    for (const auto& v : d.at("values")) {
      values += (values.empty() ? "'" : "|'") + v.at("id").get<std::string>() + "'";
    }
    const bool plain = path.find('.') == std::string::npos;
    out += "  " + (plain ? path : "'" + path + "'") + ": " + values + ";\n";
  }
  out += "};\n";
  // Every request field, typed by its kind; "a.b" paths nest under "a".
  // Compound fields' parts (weights_dtype.bits, custom_gpus[].name) are
  // typed with their field.
  auto ts_type = [](const json& d) -> std::string {
    const std::string kind = d.at("kind").get<std::string>();
    const std::string path = d.at("path").get<std::string>();
    if (kind == "enum") return "RequestEnums['" + path + "']";
    if (kind == "int" || kind == "number") return "number";
    if (kind == "bool") return "boolean";
    if (kind == "modules") return "'all-linear' | string[]";
    if (kind == "gpus") return "Array<{name: string; memory_gib: number}> | string";
    if (kind == "weights") return "string | {bits: number; group_size?: number}";
    return "string";  // dtype, gpu, text: ids, aliases and names
  };
  auto member = [&](const json& d, const std::string& name, const char* indent) {
    return std::string(indent) + "/** " + d.at("label").get<std::string>() + " */\n" + indent +
           name + "?: " + ts_type(d) + ";\n";
  };
  out += "// prettier-ignore\nexport type RequestSettings = {\n";
  std::string group;  // the open nested object ("lora"), if any
  for (const auto& d : fields) {
    if (d.contains("part_of")) continue;
    const std::string path = d.at("path").get<std::string>();
    const auto dot = path.find('.');
    const std::string head = dot == std::string::npos ? "" : path.substr(0, dot);
    if (head != group) {
      if (!group.empty()) out += "  };\n";
      if (!head.empty()) out += "  " + head + "?: {\n";
      group = head;
    }
    out += head.empty() ? member(d, path, "  ") : member(d, path.substr(dot + 1), "    ");
  }
  if (!group.empty()) out += "  };\n";
  return out + "};\n";
}

}  // namespace cli
}  // namespace vramfit
