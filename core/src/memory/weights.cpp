// Weight storage and LoRA adapter sizes, summed over the tensor inventory
// (methodology §4 weights per format, §5.3 LoRA shapes).
#include <algorithm>
#include <cctype>
#include <cmath>

#include "memory/optimizer_state.h"
#include "memory/parts.h"
#include "util/invariant.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"
#include "vramfit/result.h"

namespace vramfit {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& hay, const char* needle) {
  return hay.find(needle) != std::string::npos;
}

Result<WeightFormat> from_dtype(const std::string& id, const std::string& rule) {
  const DType* d = find_dtype(id);
  if (!d) {
    return Error(
        ErrorCode::unknown_value, "weights_dtype",
        "weights_dtype: unknown format \"" + id + "\" (see `vramfit dtypes` for the list)");
  }
  return WeightFormat{d->id, d->bits_per_weight, rule};
}

// quantization_config -> dtype id ("" when it names nothing we map).
std::string from_quant(const QuantSpec& q) {
  const std::string m = lower(q.method);
  if (m.empty()) return "";
  if (contains(m, "bitsandbytes") || m == "bnb") {
    if (q.bits == 8) return "int8";
    // BitsAndBytesConfig defaults to no double quantisation (4.5 bits).
    const bool fp4 = lower(q.quant_type) == "fp4";
    if (q.double_quant) return fp4 ? "fp4" : "nf4";
    return fp4 ? "fp4_nodq" : "nf4_nodq";
  }
  if (m == "gptq") return q.bits == 8 ? "int8" : "gptq_int4";
  if (m == "awq") return "awq_int4";
  if (m == "mxfp4") return "mxfp4";
  if (contains(m, "fp8")) return "fp8";
  if (contains(m, "compressed")) return q.bits == 4 ? "int4" : "fp8";
  if (m == "modelopt") return q.bits == 4 ? "nvfp4" : "fp8";
  return "";
}

std::string from_name(const std::string& model_id) {
  const std::string n = lower(model_id);
  if (n.empty()) return "";
  if (contains(n, "gguf")) return "q4_k_m";
  if (contains(n, "-awq") || contains(n, "_awq")) return "awq_int4";
  if (contains(n, "gptq")) return "gptq_int4";
  if (contains(n, "bnb-4bit") || contains(n, "-4bit")) return "nf4";
  if (contains(n, "-8bit")) return "int8";
  if (contains(n, "-fp8") || contains(n, "_fp8")) return "fp8";
  if (contains(n, "mxfp4")) return "mxfp4";
  return "";
}

std::string from_stored(const std::string& dtype) {
  const std::string d = lower(dtype);
  if (d == "bfloat16") return "bf16";
  if (d == "float16" || d == "half") return "fp16";
  if (d == "float32" || d == "float") return "fp32";
  return "";
}
}  // namespace

Result<WeightFormat> resolve_weight_format(const ModelSpec& spec, const Request& req) {
  if (req.weights_dtype == "custom") {
    // Group-wise integer layout: an fp16 scale and a b-bit zero per group
    // (methodology §4.3: bits/weight = q + (q + 16)/g).
    double bits = *req.custom_bits;
    if (req.custom_group > 0) bits += (bits + 16.0) / static_cast<double>(req.custom_group);
    return WeightFormat{"custom", bits, "request"};
  }
  if (!req.weights_dtype.empty()) {
    VRAMFIT_ASSIGN_OR_RETURN(WeightFormat f, from_dtype(req.weights_dtype, "request"));
    if (is_quantized_lora(req.task) && f.bits >= 16) {
      return Error(ErrorCode::inconsistent, "weights_dtype",
                   std::string("task ") + task_name(req.task) +
                       " trains on a quantised base; weights_dtype " + f.dtype +
                       " is not quantised (use nf4, int8, gptq_int4, ... or task lora)");
    }
    return f;
  }
  if (req.task == Task::full) {
    // Full fine-tuning: the precision regime decides (methodology §5.1).
    // Under ZeRO a 16-bit mixed precision trains a 16-bit model; fp32 is only
    // the master (component master_weights).
    if (req.precision == Precision::bf16_pure) return from_dtype("bf16", "precision");
    if (zero_mixed_precision(req))
      return from_dtype(req.precision == Precision::fp16_mixed ? "fp16" : "bf16", "precision");
    return from_dtype("fp32", "precision");
  }
  std::string id = from_quant(spec.quant);
  if (!id.empty()) return from_dtype(id, "quantization_config");
  if (is_quantized_lora(req.task)) return from_dtype("nf4", "task");
  id = from_name(req.model_id.empty() ? req.preset : req.model_id);
  if (!id.empty()) return from_dtype(id, "repo_name");
  id = from_stored(spec.stored_dtype);
  if (!id.empty()) return from_dtype(id, "torch_dtype");
  return from_dtype("bf16", "default");
}

WeightFormat checkpoint_weight_format(const ModelSpec& spec) {
  // Ids of dtypes.json that the rules above pick: only a broken build lacks one.
  std::string id = from_quant(spec.quant);
  if (!id.empty()) return checked(from_dtype(id, "quantization_config"));
  id = from_stored(spec.stored_dtype);
  return checked(from_dtype(id.empty() ? "bf16" : id, id.empty() ? "default" : "torch_dtype"));
}

namespace mem {

int64_t to_bytes(double v) {
  if (!(v > 0)) return 0;
  if (v > 9.0e18) return int64_t{9000000000000000000};
  return static_cast<int64_t>(std::ceil(v));
}

int64_t compute_bytes(const Request& req) {
  if (req.task == Task::full && req.precision == Precision::fp32) return 4;
  if (req.weights_dtype == "fp32" && req.task != Task::full) return 4;
  return 2;
}

Shard shard_of(const Request& req) {
  Shard s;
  s.tp = req.parallel.tp;
  s.pp = req.parallel.pp;
  s.ep = req.parallel.ep;
  s.dp = req.parallel.dp;
  s.shard_params = req.parallel.zero == 3;
  return s;
}

namespace {
bool is_quantisable(const WeightFormat& fmt, TensorRole role, bool has_experts) {
  const bool gguf = fmt.dtype.rfind("q", 0) == 0 && fmt.dtype != "qlora";
  if (fmt.dtype == "mxfp4" && has_experts) return role == TensorRole::expert_linear;
  if (role == TensorRole::linear || role == TensorRole::expert_linear) return true;
  // llama.cpp quantises the embedding and output tables too (§4.4).
  return gguf && (role == TensorRole::embedding || role == TensorRole::lm_head);
}

// The module name transformers gives a tensor of our inventory (Llama-style
// layout: model.embed_tokens, model.layers.N.self_attn.*, model.layers.N.mlp.*,
// lm_head), for matching quantization_config's lists of modules left
// unquantised.
std::string module_name(const TensorGroup& t) {
  if (t.layer < 0) {
    return t.role == TensorRole::lm_head ? "lm_head" : "model." + t.name;
  }
  static const char* const kAttn[] = {"q_proj",    "k_proj",   "v_proj",   "o_proj",
                                      "qkv_proj",  "q_a_proj", "q_b_proj", "kv_a_proj_with_mqa",
                                      "kv_b_proj", "dense",    "c_attn",   "query_key_value"};
  const std::string layer = "model.layers." + std::to_string(t.layer) + ".";
  if (t.name.find('.') != std::string::npos) {
    // Already qualified (self_attn.q_proj, linear_attn.*, experts.*, ...).
    const bool attn = t.name.rfind("self_attn.", 0) == 0 || t.name.rfind("linear_attn.", 0) == 0 ||
                      t.name.rfind("mixer.", 0) == 0 || t.name.rfind("mlp.", 0) == 0;
    return layer + (attn ? "" : "mlp.") + t.name;
  }
  for (const char* a : kAttn) {
    if (t.name == a) return layer + "self_attn." + t.name;
  }
  return layer + "mlp." + t.name;
}

// transformers quantizers/quantizers_utils.py should_convert_module (v4.57):
// a pattern matches at the start of the name (re.match: `.` any character,
// `*` any run here) or is a suffix of it. compressed-tensors' "re:" entries
// are read the same way.
bool glob_prefix(const char* p, const char* n) {
  // Greedy matching with one backtrack point, the last '*' seen: O(|p| x |n|)
  // (recursing at every '*' is exponential in the number of stars).
  const char* star_p = nullptr;
  const char* star_n = nullptr;
  for (;;) {
    if (*p == '\0') return true;  // re.match: the rest of the name is free
    if (*p == '$' && p[1] == '\0') {
      if (*n == '\0') return true;
    } else if (*p == '*') {
      star_p = p++;
      star_n = n;
      continue;
    } else if (*n != '\0' && (*p == '.' || *p == *n)) {
      ++p;
      ++n;
      continue;
    }
    if (!star_p || *star_n == '\0') return false;
    p = star_p + 1;  // let the last '*' take one more character
    n = ++star_n;
  }
}

bool not_converted(const std::string& name, const std::vector<std::string>& patterns) {
  for (std::string p : patterns) {
    if (p.rfind("re:", 0) == 0) p = p.substr(3);
    if (p.empty()) continue;
    if (glob_prefix(p.c_str(), name.c_str())) return true;
    if (name.size() >= p.size() && name.compare(name.size() - p.size(), p.size(), p) == 0) {
      return true;
    }
  }
  return false;
}

// Per-GPU divisor of a tensor group under TP / EP (methodology §9.5, §9.7).
double split_of(const TensorGroup& t, const Shard& sh) {
  switch (t.role) {
    case TensorRole::linear:
    case TensorRole::embedding:
    case TensorRole::lm_head:
      return static_cast<double>(sh.tp);
    case TensorRole::expert_linear:
      return static_cast<double>(sh.ep * (sh.ep > 1 ? 1 : sh.tp));
    default:
      return 1.0;  // norms, routers, biases: replicated
  }
}
}  // namespace

WeightBytes weight_bytes(const ModelSpec& spec, const WeightFormat& fmt,
                         int64_t high_precision_bytes, const Shard& sh) {
  WeightBytes w;
  const bool has_experts = spec.moe.num_experts > 0;
  const bool low_bit = fmt.bits < 16;
  double quant = 0, high = 0, linear = 0, embed = 0, head = 0;
  std::vector<double> layer_params(spec.layers.size(), 0.0);
  for (const auto& t : spec.tensors) {
    const double n =
        static_cast<double>(t.rows) * static_cast<double>(t.cols) * static_cast<double>(t.count);
    const double per_gpu = n / split_of(t, sh);
    if (t.layer >= 0 && static_cast<size_t>(t.layer) < layer_params.size()) {
      layer_params[t.layer] += n;
    }
    bool q = low_bit ? is_quantisable(fmt, t.role, has_experts) : true;
    // Modules the checkpoint keeps in 16-bit (modules_to_not_convert,
    // llm_int8_skip_modules, compressed-tensors ignore): only when the format
    // comes from that quantization_config.
    if (q && low_bit && fmt.rule == "quantization_config" &&
        !spec.quant.modules_not_converted.empty() &&
        not_converted(module_name(t), spec.quant.modules_not_converted)) {
      q = false;
    }
    const double bytes =
        q ? per_gpu * fmt.bits / 8.0 : per_gpu * static_cast<double>(high_precision_bytes);
    if (t.role == TensorRole::linear || t.role == TensorRole::expert_linear) {
      linear += per_gpu;
      w.largest_linear = std::max(w.largest_linear, t.rows * t.cols);
    }
    w.largest_tensor = std::max(w.largest_tensor, t.rows * t.cols);
    if (t.rows * t.cols >= kPagedMinElems) w.paged_params += per_gpu;
    // Adafactor (beta1 = None): row + column second moments for a matrix,
    // a full vector for 1-D tensors (methodology §5.2).
    w.factored_state += static_cast<double>(t.count) / split_of(t, sh) *
                        (t.cols > 1 ? 4.0 * static_cast<double>(t.rows + t.cols)
                                    : 4.0 * static_cast<double>(t.rows));
    // GPTQ keeps a g_idx (int32 per input feature) beside every quantised
    // linear (methodology §4.3, F8).
    if (q && low_bit && fmt.dtype.rfind("gptq", 0) == 0 &&
        (t.role == TensorRole::linear || t.role == TensorRole::expert_linear)) {
      quant += 4.0 * static_cast<double>(t.cols * t.count) / split_of(t, sh) /
               static_cast<double>(t.layer >= 0 ? sh.pp : 1);
    }
    if (t.layer < 0 && t.role == TensorRole::embedding)
      embed += bytes;
    else if (t.layer < 0 && t.role == TensorRole::lm_head)
      head += bytes;
    else if (q && low_bit)
      quant += bytes / static_cast<double>(sh.pp);
    else
      high += bytes / static_cast<double>(t.layer >= 0 ? sh.pp : 1);
  }
  // Vision / audio towers are loaded with the model and stay in 16-bit
  // (quantisation integrations skip them); they sit on the first stage.
  for (const auto& tower : spec.towers) {
    for (const auto& t : tower.tensors) {
      const double n =
          static_cast<double>(t.rows) * static_cast<double>(t.cols) * static_cast<double>(t.count);
      high += n * static_cast<double>(high_precision_bytes) / static_cast<double>(sh.tp);
    }
  }
  // Pipeline stages: the first holds the embedding, the last the head; the
  // busiest stage is reported (§9.6).
  const double ends = sh.pp > 1 ? std::max(embed, head) : embed + head;
  if (low_bit && fmt.dtype.rfind("q", 0) == 0)
    quant += ends;
  else
    high += ends;
  double divisor = sh.shard_params ? static_cast<double>(sh.dp) : 1.0;
  w.quantized = to_bytes(quant / divisor);
  w.high_precision = to_bytes(high / divisor);
  w.total = w.quantized + w.high_precision;
  w.linear_params = to_bytes(linear / static_cast<double>(sh.pp));
  double largest = 0;
  for (double p : layer_params) largest = std::max(largest, p);
  w.largest_layer_params = to_bytes(largest);
  return w;
}

namespace {
bool name_matches(const std::string& name, const std::string& target) {
  if (name == target) return true;
  if (name.size() > target.size() &&
      name.compare(name.size() - target.size(), target.size(), target) == 0 &&
      name[name.size() - target.size() - 1] == '.') {
    return true;
  }
  return false;
}

bool targeted(const TensorGroup& t, const LoraOptions& o) {
  if (o.all_linear) {
    // PEFT "all-linear": every nn.Linear but the output layer. Fused 3-D
    // expert tensors are not nn.Linear and are skipped.
    return t.role == TensorRole::linear || t.role == TensorRole::router;
  }
  if (t.role != TensorRole::linear && t.role != TensorRole::expert_linear &&
      t.role != TensorRole::router) {
    return false;
  }
  for (const auto& target : o.targets) {
    if (name_matches(t.name, target)) return true;
  }
  return false;
}
}  // namespace

Result<LoraSize> lora_size(const ModelSpec& spec, const Request& req) {
  LoraSize out;
  if (!is_lora(req.task)) return out;
  const bool dora = req.task == Task::dora || req.task == Task::qdora;
  const int64_t r = req.lora.rank;
  for (const auto& t : spec.tensors) {
    if (t.layer < 0 || !targeted(t, req.lora)) continue;
    // lora_A: r x in, lora_B: out x r; DoRA adds a magnitude per output.
    // Checked: rank 2^16 on 10^5 experts (or a 10^12-row module) would
    // overflow int64; refuse above 10^15 adapter params like the model cap.
    int64_t n = 0;
    if (__builtin_mul_overflow(r, t.rows + t.cols, &n) ||
        __builtin_add_overflow(n, dora ? t.rows : 0, &n) ||
        __builtin_mul_overflow(n, t.count, &n) ||
        __builtin_add_overflow(out.params, n, &out.params) || out.params > 1000000000000000) {
      return Error(ErrorCode::out_of_range, "lora.rank",
                   "lora.rank = " + std::to_string(r) +
                       " gives more than 10^15 adapter parameters on this model");
    }
    out.largest_matrix = std::max(out.largest_matrix, r * std::max(t.rows, t.cols));
    for (const int64_t m : {r * t.cols, t.rows * r}) {
      if (m >= kPagedMinElems) out.paged_params += static_cast<double>(m * t.count);
    }
    // lora_A (r x in) and lora_B (out x r): rows + cols each; DoRA vector.
    out.factored_state += static_cast<double>(t.count) * 4.0 *
                          static_cast<double>((r + t.cols) + (t.rows + r) + (dora ? t.rows : 0));
    auto it = std::find_if(out.targets.begin(), out.targets.end(), [&](const LoraTarget& x) {
      return x.name == t.name && x.in == t.cols && x.out == t.rows;
    });
    if (it == out.targets.end()) {
      out.targets.push_back({t.name, t.cols, t.rows, t.count});
    } else {
      it->instances += t.count;
    }
  }
  if (out.params == 0) {
    return Error(ErrorCode::inconsistent, "lora.targets",
                 "lora.targets matches no linear module of this model (module names: "
                 "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, ...)");
  }
  return out;
}

}  // namespace mem
}  // namespace vramfit
