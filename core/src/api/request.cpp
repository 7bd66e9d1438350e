#include "vramfit/request.h"

#include <algorithm>
#include <array>
#include <utility>

#include "util/json_util.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using json = nlohmann::json;
using jsonu::join;

// Limits keep every byte product far below 2^63 (see estimate.cpp).
constexpr int64_t kMaxBatch = 1 << 20;
constexpr int64_t kMaxSeq = 1 << 24;  // 16.7M tokens
constexpr int64_t kMaxRank = 1 << 16;
constexpr int64_t kMaxDegree = 4096;

template <typename E, size_t N>
E parse_enum(const json& obj, const char* key, const std::string& path,
             const std::array<std::pair<const char*, E>, N>& table, E fallback) {
  auto s = jsonu::opt_string(obj, key, path);
  if (!s) return fallback;
  for (const auto& [name, value] : table) {
    if (*s == name) return value;
  }
  std::string allowed;
  for (const auto& entry : table) {
    allowed += (allowed.empty() ? "" : ", ") + std::string(entry.first);
  }
  throw Error(ErrorCode::unknown_value, join(path, key),
              join(path, key) + ": unknown value \"" + *s + "\" (one of: " + allowed + ")");
}

constexpr std::array<std::pair<const char*, Task>, 6> kTasks{{
    {"inference", Task::inference}, {"full", Task::full}, {"lora", Task::lora},
    {"qlora", Task::qlora}, {"dora", Task::dora}, {"qdora", Task::qdora}}};
constexpr std::array<std::pair<const char*, Precision>, 4> kPrecisions{{
    {"bf16_mixed", Precision::bf16_mixed}, {"fp16_mixed", Precision::fp16_mixed},
    {"bf16_pure", Precision::bf16_pure}, {"fp32", Precision::fp32}}};
constexpr std::array<std::pair<const char*, Optimizer>, 8> kOptimizers{{
    {"adamw", Optimizer::adamw}, {"adamw_fused", Optimizer::adamw_fused},
    {"adamw_8bit", Optimizer::adamw_8bit},
    {"paged_adamw_8bit", Optimizer::paged_adamw_8bit},
    {"adafactor", Optimizer::adafactor}, {"sgd", Optimizer::sgd},
    {"sgd_momentum", Optimizer::sgd_momentum}, {"lion", Optimizer::lion}}};
constexpr std::array<std::pair<const char*, Attention>, 3> kAttention{{
    {"sdpa", Attention::sdpa}, {"flash", Attention::flash}, {"eager", Attention::eager}}};
constexpr std::array<std::pair<const char*, Loss>, 2> kLosses{{
    {"standard", Loss::standard}, {"chunked", Loss::chunked}}};
constexpr std::array<std::pair<const char*, Engine>, 3> kEngines{{
    {"hf", Engine::hf}, {"vllm", Engine::vllm}, {"llama_cpp", Engine::llama_cpp}}};

template <typename E, size_t N>
const char* enum_name(const std::array<std::pair<const char*, E>, N>& table, E v) {
  for (const auto& [name, value] : table) {
    if (value == v) return name;
  }
  return "?";
}

void parse_lora(const json& req, Request& r) {
  const json* l = jsonu::find(req, "lora");
  if (!l) return;
  const std::string p = "lora";
  jsonu::as_object(*l, p);
  if (auto v = jsonu::opt_int(*l, "rank", p, 1, kMaxRank)) r.lora.rank = *v;
  if (auto v = jsonu::opt_number(*l, "alpha", p, 0, 1e9)) r.lora.alpha = *v;
  if (auto v = jsonu::opt_number(*l, "dropout", p, 0, 0.99)) r.lora.dropout = *v;
  if (auto d = jsonu::opt_string(*l, "dtype", p)) {
    if (*d == "fp32") r.lora.dtype_bytes = 4;
    else if (*d == "bf16" || *d == "fp16") r.lora.dtype_bytes = 2;
    else throw Error(ErrorCode::unknown_value, "lora.dtype",
                     "lora.dtype: unknown value \"" + *d + "\" (one of: fp32, bf16, fp16)");
  }
  if (const json* t = jsonu::find(*l, "targets")) {
    if (t->is_string()) {
      std::string s = t->get<std::string>();
      if (s != "all-linear") {
        throw Error(ErrorCode::unknown_value, "lora.targets",
                    "lora.targets must be \"all-linear\" or a list of module names");
      }
      r.lora.all_linear = true;
    } else if (t->is_array()) {
      if (t->empty() || t->size() > 64) {
        throw Error(ErrorCode::out_of_range, "lora.targets",
                    "lora.targets must list 1 to 64 module names");
      }
      r.lora.all_linear = false;
      for (size_t i = 0; i < t->size(); ++i) {
        r.lora.targets.push_back(
            jsonu::as_string((*t)[i], "lora.targets[" + std::to_string(i) + "]"));
      }
    } else {
      throw Error(ErrorCode::wrong_type, "lora.targets",
                  "lora.targets must be \"all-linear\" or an array of strings");
    }
  }
}

void parse_parallel(const json& req, Request& r) {
  const json* par = jsonu::find(req, "parallel");
  if (!par) return;
  const std::string p = "parallel";
  jsonu::as_object(*par, p);
  auto& o = r.parallel;
  if (auto v = jsonu::opt_int(*par, "tp", p, 1, kMaxDegree)) o.tp = *v;
  if (auto v = jsonu::opt_int(*par, "pp", p, 1, kMaxDegree)) o.pp = *v;
  if (auto v = jsonu::opt_int(*par, "dp", p, 1, 1 << 20)) o.dp = *v;
  if (auto v = jsonu::opt_int(*par, "ep", p, 1, kMaxDegree)) o.ep = *v;
  if (auto v = jsonu::opt_int(*par, "zero", p, 0, 3)) o.zero = static_cast<int>(*v);
  if (auto v = jsonu::opt_bool(*par, "fsdp", p)) o.fsdp = *v;
  if (auto v = jsonu::opt_bool(*par, "offload_optimizer", p)) o.offload_optimizer = *v;
  if (auto v = jsonu::opt_bool(*par, "offload_params", p)) o.offload_params = *v;
  if (auto v = jsonu::opt_int(*par, "microbatches", p, 1, 1 << 16)) o.microbatches = *v;
  if (o.fsdp) o.zero = 3;
  if (o.offload_params && o.zero != 3) {
    throw Error(ErrorCode::inconsistent, "parallel.offload_params",
                "parallel.offload_params needs ZeRO-3 or FSDP (parallel.zero = 3)");
  }
}

void parse_custom_gpus(const json& req, Request& r) {
  const json* g = jsonu::find(req, "custom_gpus");
  if (!g) return;
  if (!g->is_array()) {
    throw Error(ErrorCode::wrong_type, "custom_gpus", "custom_gpus must be an array");
  }
  if (g->size() > 16) {
    throw Error(ErrorCode::out_of_range, "custom_gpus", "at most 16 custom GPUs");
  }
  for (size_t i = 0; i < g->size(); ++i) {
    std::string p = "custom_gpus[" + std::to_string(i) + "]";
    jsonu::as_object((*g)[i], p);
    CustomGpu c;
    c.name = jsonu::opt_string((*g)[i], "name", p).value_or("custom " + std::to_string(i + 1));
    auto gib = jsonu::opt_number((*g)[i], "memory_gib", p, 0.01, 1e6);
    if (!gib) jsonu::missing(p, "memory_gib");
    c.memory_bytes = static_cast<int64_t>(*gib * 1073741824.0);
    r.custom_gpus.push_back(c);
  }
}

void parse_weights_dtype(const json& req, Request& r) {
  const json* w = jsonu::find(req, "weights_dtype");
  if (!w) return;
  if (w->is_string()) {
    r.weights_dtype = w->get<std::string>();
    if (r.weights_dtype == "auto") r.weights_dtype.clear();
    return;
  }
  if (w->is_object()) {
    auto bits = jsonu::opt_number(*w, "bits", "weights_dtype", 1, 32);
    if (!bits) jsonu::missing("weights_dtype", "bits");
    r.custom_bits = *bits;
    r.custom_group = jsonu::opt_int(*w, "group_size", "weights_dtype", 0, 1 << 20).value_or(0);
    r.weights_dtype = "custom";
    return;
  }
  throw Error(ErrorCode::wrong_type, "weights_dtype",
              "weights_dtype must be a dtype id (\"bf16\", \"nf4\", ...) or {\"bits\", \"group_size\"}");
}

void parse_eval(const json& req, Request& r) {
  const json* e = jsonu::find(req, "eval");
  if (!e) return;
  jsonu::as_object(*e, "eval");
  r.eval_batch_size = jsonu::opt_int(*e, "batch_size", "eval", 1, kMaxBatch);
  r.eval_seq_len = jsonu::opt_int(*e, "seq_len", "eval", 1, kMaxSeq);
  if (!r.eval_batch_size) r.eval_batch_size = r.batch_size;
  if (!r.eval_seq_len) r.eval_seq_len = r.seq_len;
}
}  // namespace

Request parse_request(const json& req) {
  jsonu::as_object(req, "request");
  Request r;
  r.task = parse_enum(req, "task", "", kTasks, Task::inference);
  parse_weights_dtype(req, r);
  r.precision = parse_enum(req, "precision", "", kPrecisions, Precision::bf16_mixed);
  r.autocast = jsonu::opt_bool(req, "autocast", "");
  if (auto v = jsonu::opt_int(req, "batch_size", "", 1, kMaxBatch)) r.batch_size = *v;
  if (auto v = jsonu::opt_int(req, "seq_len", "", 1, kMaxSeq)) r.seq_len = *v;
  r.prompt_len = jsonu::opt_int(req, "prompt_len", "", 1, kMaxSeq);
  if (r.prompt_len && *r.prompt_len > r.seq_len) {
    throw Error(ErrorCode::inconsistent, "prompt_len",
                "prompt_len (" + std::to_string(*r.prompt_len) +
                    ") must not exceed seq_len (" + std::to_string(r.seq_len) + ")");
  }
  if (auto m = jsonu::opt_string(req, "inference_mode", "")) {
    if (*m != "generate" && *m != "forward") {
      throw Error(ErrorCode::unknown_value, "inference_mode",
                  "inference_mode: unknown value \"" + *m + "\" (one of: generate, forward)");
    }
    r.logits_all = *m == "forward";
  }
  if (auto v = jsonu::opt_bool(req, "gradient_checkpointing", "")) r.gradient_checkpointing = *v;
  r.optimizer = parse_enum(req, "optimizer", "", kOptimizers, Optimizer::adamw);
  if (auto v = jsonu::opt_bool(req, "optimizer_in_backward", "")) r.optimizer_in_backward = *v;
  parse_lora(req, r);
  r.attention = parse_enum(req, "attention", "", kAttention, Attention::sdpa);
  if (auto v = jsonu::opt_string(req, "kv_cache_dtype", "")) r.kv_cache_dtype = *v == "auto" ? "" : *v;
  r.loss = parse_enum(req, "loss", "", kLosses, Loss::standard);
  parse_eval(req, r);
  parse_parallel(req, r);
  if (auto v = jsonu::opt_string(req, "gpu", "")) r.gpu = *v;
  parse_custom_gpus(req, r);
  r.engine = parse_enum(req, "engine", "", kEngines, Engine::hf);
  if (auto v = jsonu::opt_number(req, "gpu_memory_utilization", "", 0.05, 1.0)) r.gpu_memory_utilization = *v;
  if (auto v = jsonu::opt_int(req, "max_num_batched_tokens", "", 1, kMaxSeq)) r.max_num_batched_tokens = *v;
  if (auto v = jsonu::opt_int(req, "cuda_context_mib", "", 0, 1 << 16)) r.cuda_context_mib = *v;
  if (auto v = jsonu::opt_number(req, "fragmentation", "", 0, 1)) r.fragmentation = *v;
  if (auto v = jsonu::opt_bool(req, "search", "")) r.search = *v;
  if (auto v = jsonu::opt_bool(req, "strategies", "")) r.strategies = *v;
  if (r.task == Task::inference && r.parallel.zero > 0) {
    throw Error(ErrorCode::inconsistent, "parallel.zero",
                "parallel.zero applies to training; inference uses tp/pp");
  }
  return r;
}

const char* task_name(Task t) { return enum_name(kTasks, t); }
const char* precision_name(Precision p) { return enum_name(kPrecisions, p); }
const char* optimizer_name(Optimizer o) { return enum_name(kOptimizers, o); }
const char* attention_name(Attention a) { return enum_name(kAttention, a); }
const char* loss_name(Loss l) { return enum_name(kLosses, l); }
const char* engine_name(Engine e) { return enum_name(kEngines, e); }
bool is_training(Task t) { return t != Task::inference; }
bool is_lora(Task t) { return t != Task::inference && t != Task::full; }
bool is_quantized_lora(Task t) { return t == Task::qlora || t == Task::qdora; }

json request_to_json(const Request& r) {
  json j;
  j["task"] = task_name(r.task);
  j["batch_size"] = r.batch_size;
  j["seq_len"] = r.seq_len;
  if (r.prompt_len) j["prompt_len"] = *r.prompt_len;
  if (is_training(r.task)) {
    j["precision"] = precision_name(r.precision);
    j["gradient_checkpointing"] = r.gradient_checkpointing;
    j["optimizer"] = optimizer_name(r.optimizer);
    j["optimizer_in_backward"] = r.optimizer_in_backward;
    j["loss"] = loss_name(r.loss);
    if (r.eval_batch_size) {
      // By assignment, not initializer lists: those cost much more code in wasm.
      json& eval = j["eval"];
      eval["batch_size"] = *r.eval_batch_size;
      eval["seq_len"] = *r.eval_seq_len;
    }
  }
  if (is_lora(r.task)) {
    json targets = r.lora.all_linear ? json("all-linear") : json(r.lora.targets);
    json& lora = j["lora"];
    lora["rank"] = r.lora.rank;
    lora["alpha"] = r.lora.alpha;
    lora["targets"] = std::move(targets);
    lora["dropout"] = r.lora.dropout;
    lora["dtype"] = r.lora.dtype_bytes == 4 ? "fp32" : "bf16";
  }
  if (r.task == Task::inference) j["inference_mode"] = r.logits_all ? "forward" : "generate";
  j["attention"] = attention_name(r.attention);
  j["engine"] = engine_name(r.engine);
  json& par = j["parallel"];
  par["tp"] = r.parallel.tp;
  par["pp"] = r.parallel.pp;
  par["dp"] = r.parallel.dp;
  par["ep"] = r.parallel.ep;
  par["zero"] = r.parallel.zero;
  par["fsdp"] = r.parallel.fsdp;
  par["offload_optimizer"] = r.parallel.offload_optimizer;
  par["offload_params"] = r.parallel.offload_params;
  if (!r.gpu.empty()) j["gpu"] = r.gpu;
  j["cuda_context_mib"] = r.cuda_context_mib;
  return j;
}

}  // namespace vramfit
