// Bytes autograd saves for backward, per token, following PyTorch's saving
// rules op by op through the HF transformers decoder layer (methodology §6.2,
// §6.3; the derivation is written out in core/MEMORY_MODEL.md):
//  - a Linear saves its input iff its weight needs a gradient;
//  - an elementwise product saves each operand the other's gradient needs;
//  - dtype casts save nothing; softmax/log-softmax/SiLU save one tensor;
//  - HF RMSNorm upcasts to fp32 and pow() saves that fp32 copy;
//  - PEFT casts the input of every LoRA module to the adapter dtype (fp32),
//    per module, and lora_A saves that cast (under autocast: a bf16 cast).
#include <algorithm>
#include <map>

#include "memory/optimizer_state.h"
#include "memory/parts.h"

namespace vramfit {
namespace mem {

namespace {

struct Ctx {
  const ModelSpec* spec;
  const Request* req;
  double beta;        // compute dtype bytes
  bool full;          // all weights trainable
  bool autocast;      // torch.autocast active
  bool fp32_params;   // full FT with fp32 master params (mixed / fp32)
  double lora_bytes;  // adapter dtype bytes
  double rank;
  bool bnb_input;  // bitsandbytes < 0.43.2 saves each 4-bit matmul's input
};

bool is_targeted_name(const std::string& name, const LoraSize& lora) {
  for (const auto& t : lora.targets) {
    if (t.name == name) return true;
  }
  return false;
}

// Saved bytes per token for the inputs of a set of linears that read the
// same tensor of width `in` (`n` modules, of which `targeted` are LoRA).
// `already_saved`: another op saves that very tensor (the attention output
// is saved by SDPA/flash), so an uncast LoRA input adds nothing.
double linear_inputs(const Ctx& c, double in, int n, int targeted, bool already_saved = false) {
  if (c.full) {
    // Under autocast with fp32 params each linear casts its input to bf16
    // separately; otherwise all share one saved tensor.
    if (c.autocast && c.fp32_params) return 2.0 * in * n;
    return (c.fp32_params ? 4.0 : c.beta) * in;
  }
  const double r = c.rank;
  const bool drop = c.req->lora.dropout > 0;
  // bitsandbytes before 0.43.2 (MatMul4Bit.forward: ctx.tensors = (A, B),
  // removed by PR #1270) keeps the input of every 4-bit matmul, frozen or
  // not: one tensor shared by the modules, unless another op saves it.
  const bool lora_saves_raw = targeted > 0 && !(c.lora_bytes > c.beta) && !drop;
  const double bnb = c.bnb_input && !already_saved && !lora_saves_raw ? c.beta * in : 0;
  if (targeted == 0) return bnb;
  double per_module;
  if (c.lora_bytes > c.beta && !c.autocast) {
    per_module = c.lora_bytes * in + (drop ? in : 0);  // fp32 cast (+ mask)
  } else if (c.autocast && c.lora_bytes > c.beta) {
    per_module = 2.0 * in + (drop ? in + c.lora_bytes * in : 0);
  } else {
    // Same dtype: no cast; modules share the input unless dropout copies it.
    if (!drop) return (already_saved ? 0 : c.beta * in) + targeted * c.beta * r;
    per_module = c.beta * in + in;
  }
  const double a_out = (c.autocast ? 2.0 : c.lora_bytes) * r;  // lora_B input
  return bnb + targeted * (per_module + a_out);
}

struct LayerLinears {
  int attn_in = 0, attn_in_t = 0;  // q/k/v (or fused qkv) and how many LoRA
  int o_t = 0;
  int mlp_in = 0, mlp_in_t = 0;  // gate/up (or fc1)
  int down_t = 0;
  int norms = 0, qk_norms = 0;
  int expert_t = 0;
  double targeted_out = 0;  // sum of out_features of LoRA-targeted linears
};

// Where a linear sits in the layer, from its HF module name.
enum class Slot { attn_in, out_proj, mlp_in, down };

Slot slot_of(const std::string& n) {
  auto has = [&](const char* x) { return n.find(x) != std::string::npos; };
  if (has("o_proj") || has("out_proj") || has("attn.c_proj") || has("attention.dense") ||
      n == "dense" || n == "self_attention.dense") {
    return Slot::out_proj;
  }
  if (has("down_proj") || has("fc2") || has("dense_4h_to_h") || has("mlp.c_proj") || has("w2")) {
    return Slot::down;
  }
  if (has("gate") || has("up_proj") || has("fc1") || has("h_to_4h") || has("c_fc") || has("w1") ||
      has("w3")) {
    return Slot::mlp_in;
  }
  return Slot::attn_in;
}

struct NameInfo {
  Slot slot;
  bool targeted;
};
// Names repeat in every layer: classify each distinct name once per call.
// An ordered map, as catalog::KeyIndex: the module then has no hash table
// code (measured 3.0 KB of wasm); the few dozen names stay cheap to look up.
using NameCache = std::map<std::string, NameInfo>;

LayerLinears scan_layer(const ModelSpec& s, const std::vector<const TensorGroup*>& tensors,
                        const LoraSize& lora, NameCache& names) {
  LayerLinears l;
  for (const TensorGroup* tp : tensors) {
    const TensorGroup& t = *tp;
    if (t.role == TensorRole::norm && t.name.find("bias") == std::string::npos) {
      if (t.rows == s.hidden)
        ++l.norms;
      else
        ++l.qk_norms;
      continue;
    }
    if (t.role != TensorRole::linear && t.role != TensorRole::expert_linear) continue;
    auto it = names.find(t.name);
    if (it == names.end()) {
      it = names.emplace(t.name, NameInfo{slot_of(t.name), is_targeted_name(t.name, lora)}).first;
    }
    const bool tg = it->second.targeted;
    if (t.role == TensorRole::expert_linear) {
      l.expert_t += tg;
      continue;
    }
    if (tg) l.targeted_out += static_cast<double>(t.rows * t.count);
    const Slot slot = it->second.slot;
    if (t.cols != s.hidden && slot != Slot::down && slot != Slot::out_proj) continue;  // MLA inner
    switch (slot) {
      case Slot::out_proj:
        l.o_t += tg;
        break;
      case Slot::down:
        l.down_t += tg;
        break;
      case Slot::mlp_in:
        ++l.mlp_in;
        l.mlp_in_t += tg;
        break;
      case Slot::attn_in:
        ++l.attn_in;
        l.attn_in_t += tg;
        break;
    }
  }
  return l;
}

double norm_saves(const Ctx& c, const ModelSpec& s) {
  const double h = static_cast<double>(s.hidden);
  if (s.norm == NormKind::layer) return c.beta * h + 8;  // input + mean/rstd
  // fp32 copy saved by pow(); the normalised tensor when the weight trains.
  return 4.0 * h + (c.full ? (c.fp32_params ? 4.0 : c.beta) * h : 0);
}

// One decoder layer under Unsloth's kernels (unslothai/unsloth
// unsloth/kernels/fast_lora.py, rms_layernorm.py), bytes per token:
//  - fast RMSNorm saves its input X and the fp32 rstd; the first norm's X is
//    the layer input itself (held by the checkpoint), the second's is the
//    residual after attention;
//  - LoRA_QKV saves X once for q, k and v (X @ A is recomputed);
//  - attention saves q, k, v, out + fp32 log-sum-exp (flash/SDPA);
//  - LoRA_W (o_proj) saves X, the attention output already saved;
//  - LoRA_MLP saves X, e = X @ G and g = X @ U; h = silu(e) * g is
//    recomputed in backward.
double unsloth_layer(const Ctx& c, const LayerSpec& L, int norms, double h, double t) {
  const double qd = static_cast<double>(L.n_heads * L.head_dim);
  const double kvd = static_cast<double>(L.n_kv_heads * L.head_dim);
  const double vd = static_cast<double>(L.n_kv_heads * L.v_head_dim);
  const double od = static_cast<double>(L.n_heads * L.v_head_dim);
  const double rep = norms * 4.0 + (norms - 1) * c.beta * h;
  const double attn =
      c.beta * h + c.beta * (qd + kvd + vd + od) + 4.0 * static_cast<double>(L.n_heads);
  const double mlp = c.beta * h + 2.0 * c.beta * static_cast<double>(L.ffn_width);
  return rep + (attn + mlp) / t;
}

}  // namespace

ActivationBytes activation_bytes(const ModelSpec& s, const Request& req, const LoraSize& lora,
                                 int64_t tp) {
  Ctx c{&s,
        &req,
        static_cast<double>(compute_bytes(req)),
        req.task == Task::full,
        false,
        false,
        static_cast<double>(req.lora.dtype_bytes),
        static_cast<double>(req.lora.rank),
        req.mechanisms.bnb_saves_4bit_input && is_quantized_lora(req.task)};
  const bool mixed =
      req.precision == Precision::bf16_mixed || req.precision == Precision::fp16_mixed;
  // Autocast default: on for full fine-tuning in a *_mixed precision (HF
  // Trainer bf16=True on an fp32 model); off for LoRA-family tasks, where the
  // base is loaded in bf16 and PEFT's fp32 adapters then cast their inputs to
  // fp32 per module (the larger, conservative case).
  c.autocast = req.autocast.value_or(mixed && c.full);
  // Under ZeRO the layers run on 16-bit parameters: the fp32 copy is the
  // optimizer's master, not the residual stream's dtype.
  c.fp32_params = c.full && req.precision != Precision::bf16_pure && !zero_mixed_precision(req);
  if (c.full && req.precision == Precision::fp32) c.autocast = false;
  // Unsloth's fused LoRA kernels replace the HF modules when every linear of
  // a gated dense layer carries a dropout-free adapter (methodology §15.6).
  const bool unsloth = req.mechanisms.unsloth_kernels && !c.full && req.lora.all_linear &&
                       req.lora.dropout == 0 && s.mlp == MlpKind::gated && s.norm == NormKind::rms;
  const double t = static_cast<double>(tp);
  const double h = static_cast<double>(s.hidden);
  const double res = c.fp32_params ? 4.0 : c.beta;  // residual stream dtype

  ActivationBytes out;
  out.layer_input = res * h;
  NameCache names;
  // Tensors grouped by layer once (the inventory is in no particular order).
  std::vector<std::vector<const TensorGroup*>> by_layer(s.layers.size());
  for (const auto& tg : s.tensors) {
    if (tg.layer >= 0 && static_cast<size_t>(tg.layer) < by_layer.size())
      by_layer[tg.layer].push_back(&tg);
  }
  for (int i = 0; i < static_cast<int>(s.layers.size()); ++i) {
    const LayerSpec& L = s.layers[i];
    const LayerLinears ll = scan_layer(s, by_layer[i], lora, names);
    const int norms = std::max(ll.norms, s.parallel_attention ? 1 : 2);
    if (unsloth && L.mixer == MixerKind::attention && L.ffn == FfnKind::dense) {
      const double layer = unsloth_layer(c, L, norms, h, t);
      out.all_layers += layer;
      out.max_layer = std::max(out.max_layer, layer);
      continue;
    }
    double rep = norms * norm_saves(c, s);
    double split = 0;
    const double nh = static_cast<double>(L.n_heads);
    const double qd = nh * static_cast<double>(L.head_dim);
    const double kvd = static_cast<double>(L.n_kv_heads * L.head_dim);
    const double vd = static_cast<double>(L.n_kv_heads * L.v_head_dim);
    const double od = nh * static_cast<double>(L.v_head_dim);
    if (L.mixer == MixerKind::attention || L.mixer == MixerKind::mla) {
      split += linear_inputs(c, h, std::max(ll.attn_in, 1), ll.attn_in_t);
      if (ll.qk_norms > 0) split += 4.0 * (qd + kvd) + (c.full ? c.beta * (qd + kvd) : 0);
      if (req.attention == Attention::eager) {
        // q, repeat_kv-expanded k and v, the transposed output copy when
        // o_proj trains; fp32 softmax output + bf16 probabilities.
        split += c.beta * (qd + qd + od) + (c.full ? c.beta * od : 0);
        out.quadratic += (4.0 + c.beta) * nh / t;
      } else {
        // flash / sdpa (no padding mask): q, k, v, out + fp32 log-sum-exp.
        split += c.beta * (qd + kvd + vd + od) + 4.0 * nh;
      }
      if (!c.full) {
        split += linear_inputs(c, od, 1, ll.o_t, req.attention != Attention::eager);
      }
    } else if (L.mixer != MixerKind::none) {
      // Mamba / linear attention: in_proj + conv + gate tensors, ~6h at
      // expand 2 (approximate; flagged by a warning in estimate.cpp).
      split += c.beta * 12.0 * h + linear_inputs(c, h, 1, ll.attn_in_t);
    }
    if (L.ffn == FfnKind::dense || L.ffn == FfnKind::moe) {
      const bool gated = s.mlp == MlpKind::gated;
      // Gated: gate out (SiLU input), SiLU out and up out; plain: the GeLU
      // input. Then the down-projection input (full) or its LoRA cast.
      auto mlp = [&](double w, int down_t) {
        double v = gated ? 3.0 * c.beta * w : c.beta * w;
        return v + (c.full ? c.beta * w : linear_inputs(c, w, 1, down_t));
      };
      split += linear_inputs(c, h, std::max(ll.mlp_in, 1), ll.mlp_in_t);
      if (L.ffn == FfnKind::dense) {
        split += mlp(static_cast<double>(L.ffn_width), ll.down_t);
      } else {
        const double k = static_cast<double>(s.moe.experts_per_token);
        const double e = static_cast<double>(s.moe.num_experts);
        rep += 4.0 * e;  // fp32 router softmax
        // Each token visits k experts: gathered input + expert MLP + output
        // kept for the routing-weight product.
        split +=
            k * (2.0 * c.beta * h + mlp(static_cast<double>(s.moe.expert_width), ll.expert_t > 0));
        if (s.moe.shared_width > 0) split += mlp(static_cast<double>(s.moe.shared_width), 0);
      }
    }
    // DoRA scales base and LoRA outputs by m/||W + BA||: both outputs are
    // saved per module, +2 beta out per token (methodology §5.3).
    if (req.task == Task::dora || req.task == Task::qdora) split += 2.0 * c.beta * ll.targeted_out;
    const double layer = rep + split / t;
    out.all_layers += layer;
    out.max_layer = std::max(out.max_layer, layer);
  }
  if (unsloth) {
    // LoRA_MLP.backward (unsloth/kernels/fast_lora.py): DW = matmul_lora(dY,
    // W_down^T) (I wide) beside the incoming dY (h wide); h, df, de are
    // written into DW, e, g, and dX into X's buffer with in-place addmm_.
    const double width = static_cast<double>(s.intermediate) / t;
    out.backward_transient = c.beta * (width + h);
    // Unsloth 2024.12's matmul_lora added the LoRA term as
    // `out += (X @ A) @ (s * B)`: a second T x I tensor beside DW.
    if (req.mechanisms.unsloth_lora_wide_temp) out.backward_transient += c.beta * width;
    // The final fast RMSNorm saves X and the fp32 rstd; the loss backward
    // frees them before any layer is recomputed.
    out.final_saves = c.beta * h + 4.0;
    out.all_layers += out.final_saves;
    return out;
  }
  // Final norm (+ lm_head input when the head trains).
  out.final_saves = norm_saves(c, s) + (c.full ? c.beta * h : 0);
  out.all_layers += out.final_saves;
  // Backward of a gated MLP holds grads of its output, product, act, up and
  // gate inputs at once, plus the hidden-state grads [derived].
  double width = static_cast<double>(std::max(s.intermediate, s.moe.expert_width));
  out.backward_transient = c.beta * (3.0 * width / t + 2.0 * h);
  return out;
}

}  // namespace mem
}  // namespace vramfit
