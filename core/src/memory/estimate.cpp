// Assembles components into phases and takes the peak as the max over
// phases (never a sum of phase peaks). Training: methodology §5, §6.6;
// inference: §7; overheads §8; sharding §9.9.
#include "vramfit/estimate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <type_traits>

#include "memory/optimizer_state.h"
#include "memory/prepared.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using json = nlohmann::json;
constexpr double kGiB = 1073741824.0;

double kv_dtype_bytes(const Request& req, int64_t beta) {
  if (req.kv_cache_dtype.empty()) return static_cast<double>(beta);
  const DType* d = find_dtype(req.kv_cache_dtype);
  if (!d || !d->kv_cache) {
    throw Error(ErrorCode::unknown_value, "kv_cache_dtype",
                "kv_cache_dtype: unknown or unsupported value \"" + req.kv_cache_dtype +
                    "\" (one of: fp32, fp16, bf16, fp8, int8, q8_0, q4_0)");
  }
  return d->bits_per_weight / 8.0;
}

void validate_parallel(const ModelSpec& s, const Request& r) {
  const auto& p = r.parallel;
  if (s.num_heads % p.tp != 0) {
    throw Error(ErrorCode::inconsistent, "parallel.tp",
                "parallel.tp = " + std::to_string(p.tp) + " does not divide the " +
                    std::to_string(s.num_heads) + " attention heads");
  }
  if (p.pp > static_cast<int64_t>(s.layers.size())) {
    throw Error(ErrorCode::inconsistent, "parallel.pp",
                "parallel.pp = " + std::to_string(p.pp) + " exceeds the " +
                    std::to_string(s.layers.size()) + " layers");
  }
  if (p.ep > 1 && (s.moe.num_experts == 0 || s.moe.num_experts % p.ep != 0)) {
    throw Error(ErrorCode::inconsistent, "parallel.ep",
                s.moe.num_experts == 0
                    ? "parallel.ep needs a mixture-of-experts model"
                    : "parallel.ep = " + std::to_string(p.ep) + " does not divide the " +
                          std::to_string(s.moe.num_experts) + " experts");
  }
}

double layers_nonzero(const ModelSpec& m) {
  return static_cast<double>(std::max<size_t>(m.layers.size(), 1));
}

}  // namespace

// When the checkpoint's own tensor bytes are known (safetensors / GGUF
// headers) and nothing re-quantises or re-casts the weights, they replace the
// config-derived figure; sharding keeps the config-derived per-GPU share.
void use_checkpoint_bytes(const ModelSpec& spec, const Request& req, int64_t hp, Prepared& p) {
  const bool as_stored = req.weights_dtype.empty() &&
                         (req.task == Task::inference || req.task == Task::lora ||
                          req.task == Task::dora);
  if (req.checkpoint_bytes <= 0 || !as_stored) return;
  const mem::WeightBytes whole = mem::weight_bytes(spec, p.fmt, hp, mem::Shard{});
  const double share = whole.total > 0 ? static_cast<double>(p.weights.total) /
                                             static_cast<double>(whole.total) : 1.0;
  const double scale = static_cast<double>(req.checkpoint_bytes) * share /
                       static_cast<double>(std::max<int64_t>(p.weights.total, 1));
  p.weights.quantized = mem::to_bytes(static_cast<double>(p.weights.quantized) * scale);
  p.weights.high_precision = mem::to_bytes(static_cast<double>(p.weights.high_precision) * scale);
  p.weights.total = p.weights.quantized + p.weights.high_precision;
  p.fmt.rule = "checkpoint_headers";
}

Prepared prepare(const ModelSpec& spec, const Request& req) {
  validate_parallel(spec, req);
  Prepared p;
  p.spec = &spec;
  p.req = req;
  p.shard = mem::shard_of(req);
  p.params = count_params(spec);
  p.fmt = resolve_weight_format(spec, req);
  p.beta = mem::compute_bytes(req);
  const int64_t hp = p.fmt.bits >= 32 ? 4 : 2;
  p.weights = mem::weight_bytes(spec, p.fmt, hp, p.shard);
  use_checkpoint_bytes(spec, req, hp, p);
  p.lora = mem::lora_size(spec, req);
  p.act = mem::activation_bytes(spec, req, p.lora, p.shard.tp);
  p.kv_bytes = kv_dtype_bytes(req, p.beta);
  const double per_gpu = static_cast<double>(p.params.total) /
                         static_cast<double>(p.shard.tp * p.shard.pp);
  p.trainable = req.task == Task::full ? mem::to_bytes(per_gpu) : p.lora.params;
  p.factored_state = req.task == Task::full ? p.weights.factored_state : p.lora.factored_state;
  p.fragmentation = req.fragmentation >= 0 ? req.fragmentation
                    : req.engine == Engine::vllm ? 0.03 : 0.10;
  if (spec.approximate) {
    p.warnings.push_back({"approximate_architecture",
                          "model_type \"" + spec.model_type +
                              "\" is not in the family table: counted as a generic decoder"});
  }
  for (const auto& w : spec.warnings) p.warnings.push_back({"config", w});
  return p;
}

namespace {

// Byte sums saturate at mem::to_bytes' cap (9e18) instead of overflowing
// int64 (signed overflow is UB; e.g. eager attention at 3M tokens).
int64_t add_bytes(int64_t a, int64_t b) {
  constexpr int64_t kCap = 9000000000000000000;
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum > kCap) return kCap;
  return sum;
}

// One member of a component's "inputs": a key and an integer, number or
// string, held as plain values. Inputs become JSON only when explaining
// (searches skip it), in one out-of-line function: nlohmann initializer lists
// at each of the call sites below inlined several KB of wasm apiece.
struct Input {
  enum Kind { kInt, kNumber, kString };
  const char* key;
  Kind kind;
  int64_t i = 0;
  double d = 0;
  const char* s = nullptr;
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Input(const char* k, T v) : key(k), kind(kInt), i(static_cast<int64_t>(v)) {}
  Input(const char* k, double v) : key(k), kind(kNumber), d(v) {}
  Input(const char* k, const char* v) : key(k), kind(kString), s(v) {}
  Input(const char* k, const std::string& v) : key(k), kind(kString), s(v.c_str()) {}
  Input(const char* k, bool v) = delete;  // would become a number; add a kind first
};

json inputs_json(std::initializer_list<Input> inputs) {
  json j = json::object();
  for (const Input& in : inputs) {
    if (in.kind == Input::kInt) j[in.key] = in.i;
    else if (in.kind == Input::kNumber) j[in.key] = in.d;
    else j[in.key] = in.s;
  }
  return j;
}

#define INPUTS(...) std::initializer_list<Input>(__VA_ARGS__)

struct Builder {
  std::vector<Component>& out;
  bool explain;
  void add(const char* id, const char* label, double bytes, double unc,
           const char* formula, std::initializer_list<Input> inputs, bool runtime = false) {
    Component c;
    c.id = id;
    c.label = label;
    c.bytes = mem::to_bytes(bytes);
    c.uncertainty = unc;
    c.runtime = runtime;
    if (explain) {
      c.formula = formula;
      c.inputs = inputs_json(inputs);
    }
    out.push_back(std::move(c));
  }
};

void training_components(const Prepared& p, int64_t b, int64_t s, Builder& B) {
  const Request& r = p.req;
  const ModelSpec& m = *p.spec;
  const bool full = r.task == Task::full;
  const bool pure = r.precision == Precision::bf16_pure;
  const double dp = static_cast<double>(p.shard.dp);
  const double T = static_cast<double>(b) * static_cast<double>(s);
  const double V = static_cast<double>(m.vocab);
  const bool ds_mixed = full && !pure && r.parallel.zero >= 1 && r.precision != Precision::fp32;

  double w = static_cast<double>(p.weights.total);
  if (ds_mixed) w = w / 2.0;  // DeepSpeed: bf16 params + separate fp32 master
  if (r.parallel.offload_params) w = 0;  // ZeRO-3 offload: params live on the CPU
  B.add("weights", "Weights", w, p.fmt.bits < 16 ? 0.03 : 0.005,
        "params x bytes per weight, per tensor group (quantised linears vs 16-bit rest)",
        INPUTS({{"dtype", p.fmt.dtype}, {"bits", p.fmt.bits}, {"params", p.params.total}}));
  if (!full) {
    B.add("lora_adapters", "LoRA adapters", static_cast<double>(p.lora.params) * r.lora.dtype_bytes,
          0.001, "r x (in + out) per targeted module (+ out for DoRA) x adapter bytes",
          INPUTS({{"lora_params", p.lora.params}, {"rank", r.lora.rank}, {"bytes", r.lora.dtype_bytes}}));
  }
  const double n = static_cast<double>(p.trainable);
  const double state = trainable_param_bytes(r);
  const double g_shard = r.parallel.zero >= 2 ? dp : 1.0;
  const double o_shard = r.parallel.zero >= 1 ? dp : 1.0;
  double grads = n * state / g_shard;
  // Optimizer in backward: one parameter's gradient at a time, the largest.
  if (r.optimizer_in_backward) {
    grads = static_cast<double>(full ? p.weights.largest_tensor : p.lora.largest_matrix) * state;
  }
  B.add("gradients", "Gradients", grads, 0.01,
        "trainable params x grad bytes (/ dp under ZeRO-2/3)",
        INPUTS({{"trainable", p.trainable}, {"bytes", static_cast<int64_t>(state)}}));
  const double opt = r.parallel.offload_optimizer
                         ? 0 : optimizer_state_bytes(r.optimizer, n, state, p.factored_state) / o_shard;
  B.add("optimizer_states", "Optimizer states", opt, 0.01,
        "trainable params x state bytes (AdamW: m and v)",
        INPUTS({{"optimizer", optimizer_name(r.optimizer)}, {"state_bytes", static_cast<int64_t>(state)}}));
  if (ds_mixed && !r.parallel.offload_optimizer) {
    B.add("master_weights", "fp32 master weights", 4.0 * n / o_shard, 0.01,
          "4 bytes x trainable params / dp", INPUTS({{"trainable", p.trainable}}));
  }
  const bool autocast_copies = full && !pure && r.precision != Precision::fp32 && !ds_mixed &&
                               r.autocast.value_or(true);
  if (autocast_copies) {
    B.add("autocast_weight_copies", "bf16 weight copies (autocast)",
          2.0 * static_cast<double>(p.weights.linear_params), 0.05,
          "autocast casts every fp32 linear weight to bf16 and saves it for backward",
          INPUTS({{"linear_params", p.weights.linear_params}}));
  }
  // Pipeline 1F1B: the first stage holds min(pp, micro-batches) micro-batches
  // of its L/pp layers in flight, i.e. about L layers' worth (methodology §9.6).
  const double pp = static_cast<double>(p.shard.pp);
  const double in_flight = static_cast<double>(
      std::min<int64_t>(p.shard.pp, r.parallel.microbatches > 0 ? r.parallel.microbatches : p.shard.pp));
  const double layers = static_cast<double>(m.layers.size()) / pp * in_flight;
  const double quad = p.act.quadratic * static_cast<double>(s) / pp * in_flight;
  if (r.gradient_checkpointing) {
    // HF checkpoints each decoder layer: only its input survives the forward;
    // backward recomputes one layer at a time (methodology §6.4).
    B.add("activations", "Activations (checkpointed inputs)",
          T * (p.act.layer_input * layers + p.act.final_saves), 0.05,
          "tokens x (layers x layer input + final norm/head saves)",
          INPUTS({{"tokens", T}, {"layer_input_bytes_per_token", p.act.layer_input}, {"layers", layers}}));
    B.add("recompute_layer", "Recomputed layer (backward)",
          T * (p.act.max_layer + p.act.quadratic * static_cast<double>(s) / layers_nonzero(m)) +
              T * p.act.backward_transient,
          0.2, "tokens x one layer's saved bytes + its backward temporaries",
          INPUTS({{"tokens", T}, {"layer_bytes_per_token", p.act.max_layer}}));
  } else {
    B.add("activations", "Activations", T * (p.act.all_layers / pp * in_flight + quad),
          0.12, "tokens x saved bytes per token, summed over layers (autograd saving rules)",
          INPUTS({{"tokens", T}, {"per_token_all_layers", p.act.all_layers}}));
    B.add("backward_transient", "Backward temporaries", T * p.act.backward_transient, 0.3,
          "tokens x gradient tensors alive while backpropagating one layer",
          INPUTS({{"tokens", T}}));
  }
  const double tp = static_cast<double>(p.shard.tp);
  const double ce = r.loss == Loss::chunked ? T * V * (static_cast<double>(p.beta) + 4.0 + 1.0) / tp
                                            : T * V * 12.0 / tp;
  B.add("logits", "Logits + cross-entropy", ce, 0.15,
        r.loss == Loss::chunked ? "tokens x V x (bf16 logits 2 + fp32 log-probs 4 + one chunk's grads)"
                                : "tokens x V x 12 (fp32 log-probs, their grad, grad of fp32 logits)",
        INPUTS({{"tokens", T}, {"vocab", m.vocab}}));
  if (p.fmt.bits < 16 && is_lora(r.task)) {
    B.add("dequant_transient", "Dequantised weight (transient)",
          2.0 * static_cast<double>(p.weights.largest_linear), 0.05,
          "bitsandbytes dequantises one weight matrix at a time to bf16",
          INPUTS({{"largest_linear_elems", p.weights.largest_linear}}));
  }
  if (r.task == Task::dora || r.task == Task::qdora) {
    // DoRA materialises W + BA for the largest targeted module (§5.3).
    double biggest = 0;
    for (const auto& t : p.lora.targets) biggest = std::max(biggest, double(t.in) * (t.in + 2.0 * t.out));
    B.add("dora_transient", "DoRA weight-norm transient", 2.0 * biggest, 0.2,
          "bf16 x (in^2 + 2 out x in) for the largest targeted module", INPUTS({}));
  }
  const bool foreach_step = r.optimizer == Optimizer::adamw && !r.optimizer_in_backward;
  B.add("optimizer_step", "Optimizer step temporaries", foreach_step ? n * state / o_shard : 0, 0.05,
        "torch foreach AdamW materialises sqrt(v) for all params at once",
        INPUTS({{"trainable", p.trainable}}));
  if (r.eval_batch_size) {
    const double Te = static_cast<double>(*r.eval_batch_size) * static_cast<double>(*r.eval_seq_len);
    const double h = static_cast<double>(m.hidden);
    const double I = static_cast<double>(std::max(m.intermediate, m.moe.expert_width));
    B.add("eval_spike", "Evaluation step", Te * V * 10.0 / tp + Te * p.beta * (2 * h + 3 * I) / tp,
          0.2, "eval tokens x (V x 10 logits + one layer's live tensors)",
          INPUTS({{"eval_tokens", Te}}));
  }
  if (p.shard.shard_params) {
    B.add("gathered_params", "Gathered layer (ZeRO-3/FSDP)",
          2.0 * 2.0 * static_cast<double>(p.weights.largest_layer_params) / tp, 0.2,
          "prefetch + current unit, bf16", INPUTS({{"largest_layer_params", p.weights.largest_layer_params}}));
  }
}

void inference_components(const Prepared& p, int64_t b, int64_t s, Builder& B) {
  const Request& r = p.req;
  const ModelSpec& m = *p.spec;
  const double tp = static_cast<double>(p.shard.tp);
  const int64_t prompt = r.prompt_len ? std::min(*r.prompt_len, s) : s;
  B.add("weights", "Weights", static_cast<double>(p.weights.total), p.fmt.bits < 16 ? 0.03 : 0.005,
        "params x bytes per weight, per tensor group",
        INPUTS({{"dtype", p.fmt.dtype}, {"bits", p.fmt.bits}, {"params", p.params.total}}));
  const int64_t kv = mem::kv_cache_bytes(m, r, b, s, p.kv_bytes, p.shard);
  B.add("kv_cache", "KV cache", static_cast<double>(kv), 0.01,
        "2 x kv_heads x head_dim x bytes x tokens per layer (windowed layers capped)",
        INPUTS({{"batch", b}, {"tokens", s}, {"kv_element_size", p.kv_bytes}}));
  double chunk = static_cast<double>(b) * static_cast<double>(prompt);
  if (r.engine == Engine::vllm) chunk = std::min(chunk, double(r.max_num_batched_tokens));
  if (r.engine == Engine::llama_cpp) chunk = std::min(chunk, 512.0);
  const double h = static_cast<double>(m.hidden);
  const double q = static_cast<double>(m.num_heads * m.head_dim);
  const double kvd = static_cast<double>(m.num_kv_heads * m.head_dim);
  const double I = m.moe.num_experts > 0 ? static_cast<double>(m.moe.expert_width)
                                         : static_cast<double>(m.intermediate);
  const double beta = static_cast<double>(p.beta);
  double act = beta * chunk * (2 * h + std::max(2 * q + 2 * kvd, 3 * I) / tp);
  if (m.moe.num_experts > 0) act += beta * chunk * h * static_cast<double>(m.moe.experts_per_token);
  if (r.attention == Attention::eager) {
    act += static_cast<double>(b) * double(m.num_heads) / tp * double(prompt) * double(prompt) * (2 * beta + 4);
  }
  B.add("prefill_activations", "Prefill activations", act, 0.3,
        "live tensors of one layer during prefill: residual + normed input + max(attention, MLP)",
        INPUTS({{"prefill_tokens", chunk}}));
  const double V = static_cast<double>(m.vocab);
  const double logits = r.logits_all ? static_cast<double>(b) * prompt * V * beta / tp
                                     : static_cast<double>(b) * V * (beta + 4.0) / tp;
  B.add("logits", "Logits", logits, 0.1,
        r.logits_all ? "batch x prompt x V x bytes (forward over every position)"
                     : "batch x V x (bf16 + fp32) for the last position (generate)",
        INPUTS({{"vocab", m.vocab}}));
  // DynamicCache grows by torch.cat: one layer's K (or V) exists twice.
  const double layers = static_cast<double>(std::max<size_t>(m.layers.size(), 1));
  B.add("decode_transient", "KV growth copy", r.engine == Engine::hf ? static_cast<double>(kv) / layers / 2.0 : 0,
        0.2, "one layer's K or V copied by torch.cat on each decode step", INPUTS({}));
}

// Which components are alive together (core/MEMORY_MODEL.md, "Peak").
struct PhaseDef {
  const char* id;
  std::vector<const char*> components;
};

const std::vector<PhaseDef>& training_phases() {
  static const std::vector<PhaseDef> defs = {
      {"forward_end", {"weights", "lora_adapters", "optimizer_states", "master_weights",
                       "gathered_params", "autocast_weight_copies", "activations", "logits",
                       "dequant_transient", "dora_transient"}},
      {"layer_backward", {"weights", "lora_adapters", "optimizer_states", "master_weights",
                          "gathered_params", "autocast_weight_copies", "activations",
                          "recompute_layer", "backward_transient", "dequant_transient",
                          "dora_transient"}},
      {"backward_end", {"weights", "lora_adapters", "optimizer_states", "master_weights",
                        "gathered_params", "gradients", "dequant_transient"}},
      {"optimizer_step", {"weights", "lora_adapters", "optimizer_states", "master_weights",
                          "gathered_params", "gradients", "optimizer_step"}},
      {"eval", {"weights", "lora_adapters", "optimizer_states", "master_weights",
                "gathered_params", "eval_spike"}}};
  return defs;
}

const std::vector<PhaseDef>& inference_phases() {
  static const std::vector<PhaseDef> defs = {
      {"prefill", {"weights", "kv_cache", "prefill_activations", "logits"}},
      {"decode", {"weights", "kv_cache", "decode_transient", "logits"}}};
  return defs;
}

void finish(const Prepared& p, Breakdown& out, bool explain) {
  auto bytes_of = [&](const char* id) -> int64_t {
    for (const auto& c : out.components) if (std::strcmp(c.id, id) == 0) return c.bytes;
    return 0;
  };
  const auto& defs = is_training(p.req.task) ? training_phases() : inference_phases();
  const PhaseDef* peak_def = nullptr;
  for (const auto& d : defs) {
    if (std::string(d.id) == "eval" && !p.req.eval_batch_size) continue;
    Phase ph{d.id, {}, 0};
    for (const char* c : d.components) {
      const int64_t v = bytes_of(c);
      if (v == 0) continue;
      ph.bytes = add_bytes(ph.bytes, v);
      if (explain) ph.components.push_back(c);
    }
    if (!peak_def || ph.bytes > out.peak_allocated_bytes) {
      peak_def = &d;
      out.peak_allocated_bytes = ph.bytes;
      out.peak_phase = d.id;
    }
    out.phases.push_back(std::move(ph));
  }
  out.fragmentation = p.fragmentation;
  const double frag = static_cast<double>(out.peak_allocated_bytes) * p.fragmentation;
  const double ctx = static_cast<double>(p.req.cuda_context_mib) * 1048576.0;
  const int64_t ranks = p.shard.tp * p.shard.pp * p.shard.dp;
  const double nccl = ranks > 1 ? 0.25 * kGiB + 0.05 * kGiB * double(ranks) : 0;
  const double graphs = p.req.engine == Engine::vllm ? 0.5 * kGiB : 0;
  Builder B{out.components, explain};
  B.add("allocator_overhead", "Allocator reserve", frag, 0.5,
        "peak x fragmentation (caching allocator keeps freed blocks reserved)",
        INPUTS({{"fraction", p.fragmentation}}), true);
  B.add("cuda_context", "CUDA context", ctx, 0.5,
        "CUDA context + kernels + library workspaces (lazy loading)",
        INPUTS({{"mib", p.req.cuda_context_mib}}), true);
  if (nccl > 0) B.add("nccl_buffers", "NCCL buffers", nccl, 0.5, "0.25 GiB + 0.05 GiB x ranks", INPUTS({{"ranks", ranks}}), true);
  if (graphs > 0) B.add("cuda_graphs", "CUDA graphs", graphs, 0.5, "vLLM graph capture allowance", INPUTS({}), true);
  out.reserved_bytes = add_bytes(out.peak_allocated_bytes, mem::to_bytes(frag));
  int64_t total = 0;  // exact integer sum, so reserved <= total always
  double low = 0, high = 0;
  for (const auto& c : out.components) {
    bool live = c.runtime;
    for (const char* id : peak_def->components) live = live || std::strcmp(c.id, id) == 0;
    if (!live) continue;
    total = add_bytes(total, c.bytes);
    low += static_cast<double>(c.bytes) * (1 - c.uncertainty);
    high += static_cast<double>(c.bytes) * (1 + c.uncertainty);
  }
  out.total_bytes = total;
  out.low_bytes = std::min(total, mem::to_bytes(low));
  out.high_bytes = std::max(total, mem::to_bytes(high));
}

}  // namespace

Breakdown evaluate(const Prepared& p, int64_t b, int64_t s, bool explain) {
  Breakdown out;
  out.components.reserve(16);
  out.weights = p.fmt;
  out.trainable_params = p.req.task == Task::full ? p.params.total : p.lora.params;
  out.lora_params = p.lora.params;
  out.warnings = p.warnings;
  Builder B{out.components, explain};
  if (is_training(p.req.task)) training_components(p, b, s, B);
  else inference_components(p, b, s, B);
  finish(p, out, explain);
  return out;
}

Breakdown estimate_memory(const ModelSpec& spec, const Request& req, bool explain) {
  const Prepared p = prepare(spec, req);
  return evaluate(p, req.batch_size, req.seq_len, explain);
}

}  // namespace vramfit
