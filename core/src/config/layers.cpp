// Shared decoder pieces: core dimensions with aliases (methodology §2.2),
// head validation (§2.4), layer_types, and the tensor emitters for attention,
// MLP, MoE, embeddings and head (§3.2-§3.5).
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

int64_t dim_or_default(const Src& src, std::initializer_list<const char*> keys, int64_t hi,
                       int64_t dflt) {
  if (auto v = src.i(keys, 1, hi)) return *v;
  // Sparse nested configs get the family defaults transformers would apply;
  // a top-level config missing a size is a user error.
  if (src.nested() && dflt > 0) return dflt;
  jsonu::report_missing(src.path(), *keys.begin());
  return 1;
}

}  // namespace

void read_core_dims(const Src& src, ModelSpec& spec, const Defaults* d, int64_t known_layers) {
  static const Defaults kNone;
  if (!d) d = &kNone;
  spec.hidden = dim_or_default(src, {"hidden_size", "n_embd", "d_model", "n_embed", "dim"},
                               kMaxWidth, d->hidden);
  spec.num_layers =
      known_layers > 0
          ? known_layers
          : dim_or_default(src, {"num_hidden_layers", "n_layer", "num_layers", "n_layers"},
                           kMaxLayers, d->layers);
  spec.num_heads = dim_or_default(src, {"num_attention_heads", "n_head", "num_heads", "n_heads"},
                                  kMaxHeads, d->heads);
  spec.vocab = dim_or_default(src, {"vocab_size", "padded_vocab_size"}, kMaxWidth, d->vocab);
  spec.num_kv_heads = src.i({"num_key_value_heads"}, 1, kMaxHeads)
                          .value_or(d->kv_heads ? d->kv_heads : spec.num_heads);
  auto inter = src.i({"intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"}, 1, kMaxWidth);
  spec.intermediate = inter ? *inter : (src.nested() ? d->intermediate : 0);
  spec.max_positions = src.i({"max_position_embeddings", "n_positions", "n_ctx"}, 1, 1000000000)
                           .value_or(d->max_positions);
  auto hd = src.i({"head_dim"}, 1, kMaxWidth);
  spec.head_dim = hd ? *hd : d->head_dim;
}

void validate_heads(const Src& src, ModelSpec& spec) {
  if (spec.head_dim == 0) {
    if (spec.hidden % spec.num_heads != 0) {
      jsonu::report(Error(ErrorCode::inconsistent, src.at("num_attention_heads"),
                          "hidden size " + std::to_string(spec.hidden) + " is not divisible by " +
                              std::to_string(spec.num_heads) +
                              " attention heads and no head_dim is given"));
      return;
    }
    spec.head_dim = spec.hidden / spec.num_heads;
  }
  if (spec.num_kv_heads > spec.num_heads || spec.num_heads % spec.num_kv_heads != 0) {
    jsonu::report(Error(ErrorCode::inconsistent, src.at("num_key_value_heads"),
                        std::to_string(spec.num_kv_heads) + " key/value heads do not divide " +
                            std::to_string(spec.num_heads) + " attention heads"));
  }
}

void read_rope(const Src& src, ModelSpec& spec, const Rules& r) {
  bool attends = false;
  for (const auto& l : spec.layers) {
    attends = attends || l.mixer == MixerKind::attention || l.mixer == MixerKind::mla;
  }
  if (!r.rotary || r.learned_positions || !attends) return;
  RopeSpec& rope = spec.rope;
  // transformers v5's rope_parameters may be keyed by layer type (Gemma 3):
  // the full-attention table is the model's.
  auto full_table = [](const json* o) -> const json* {
    if (!o || !o->is_object()) return nullptr;
    const json* f = jsonu::find(*o, "full_attention");
    return f && f->is_object() ? f : o;
  };
  std::string rp_at;
  const json* rp_all = src.find({"rope_parameters"}, &rp_at);
  const json* rp = full_table(rp_all);
  if (spec.mla.kv_lora_rank > 0) {
    rope.rotary_dim = spec.mla.qk_rope_head_dim;
  } else if (auto d = src.i({"rotary_dim"}, 1, kMaxWidth)) {
    rope.rotary_dim = std::min(*d, spec.head_dim);  // GPT-J, CodeGen: absolute
  } else {
    // partial_rotary_factor (Phi, StableLM, GLM) or GPT-NeoX's rotary_pct.
    double f = src.num({"partial_rotary_factor", "rotary_pct"}).value_or(1.0);
    if (const json* v = rp ? jsonu::find(*rp, "partial_rotary_factor") : nullptr) {
      f = jsonu::as_number(*v, rp_at + ".partial_rotary_factor", 0, 1);
    }
    if (!(f > 0 && f <= 1)) {
      jsonu::report(Error(ErrorCode::out_of_range, src.at("partial_rotary_factor"),
                          "partial_rotary_factor must be in (0, 1]"));
      f = 1;
    }
    rope.rotary_dim = static_cast<int64_t>(double(spec.head_dim) * f);
  }
  // Gemma 3's sliding layers rotate with rope_local_base_freq, unscaled (v5: a
  // "sliding_attention" entry of rope_parameters). Gemma3TextConfig always
  // has one (default 10,000): a sparse nested text_config leaves it out.
  {
    const bool keyed = rp_all && rp_all->is_object();
    const json* sl = keyed ? jsonu::find(*rp_all, "sliding_attention") : nullptr;
    const json* fu = keyed ? jsonu::find(*rp_all, "full_attention") : nullptr;
    rope.local_table =
        r.family == "gemma3" || src.has({"rope_local_base_freq"}) || (sl && fu && *sl != *fu);
  }
  // vLLM's gpt_oss.py OAIAttention asks get_rope for dtype=torch.float32.
  rope.fp32_table = r.family == "gpt_oss";
  rope.type = "default";
  std::string where;
  const json* t = full_table(src.find({"rope_scaling", "rope_parameters"}, &where));
  if (!t) return;
  for (const char* k : {"rope_type", "type"}) {
    if (const json* v = jsonu::find(*t, k)) {
      rope.type = jsonu::as_string(*v, where + "." + k);
      break;
    }
  }
  if (const json* v = jsonu::find(*t, "factor")) {
    rope.factor = jsonu::as_number(*v, where + ".factor", 1e-6, 1e6);
  }
  if (const json* v = jsonu::find(*t, "original_max_position_embeddings")) {
    rope.original_max =
        jsonu::as_int(*v, where + ".original_max_position_embeddings", 1, 1000000000);
  } else {
    // Phi-3 keeps it at the top level (vLLM's patch_rope_parameters moves it in).
    rope.original_max = src.i({"original_max_position_embeddings"}, 1, 1000000000).value_or(0);
  }
  if (rope.type == "su") rope.type = "longrope";  // Phi-3's first configs
}

std::vector<std::string> layer_types(const Src& src, int64_t layers) {
  std::string where;
  const json* v = src.find({"layer_types"}, &where);
  if (!v) return {};
  // {} or exactly `layers` entries: callers index it by layer.
  if (!v->is_array()) {
    jsonu::report(Error(ErrorCode::wrong_type, where, where + " must be an array"));
    return {};
  }
  if (static_cast<int64_t>(v->size()) != layers) {
    jsonu::report(Error(ErrorCode::inconsistent, where,
                        where + " has " + std::to_string(v->size()) + " entries for " +
                            std::to_string(layers) + " layers"));
    return {};
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    out.push_back(jsonu::as_string((*v)[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

void emit_attention(Inventory& inv, const AttnStyle& st, const LayerSpec& l, int64_t hidden,
                    int layer) {
  int64_t q_dim = l.n_heads * l.head_dim;
  int64_t kv_dim = l.n_kv_heads * l.head_dim;
  int64_t v_dim = l.n_kv_heads * l.v_head_dim;
  const int64_t q_rows = st.output_gate ? 2 * q_dim : q_dim;
  if (st.fused_qkv) {
    inv.linear(st.fused_qkv, q_rows + kv_dim + v_dim, hidden, st.qkv_bias, layer);
  } else {
    inv.linear(st.q, q_rows, hidden, st.qkv_bias, layer);
    inv.linear(st.k, kv_dim, hidden, st.qkv_bias, layer);
    inv.linear(st.v, v_dim, hidden, st.qkv_bias, layer);
  }
  inv.linear(st.o, hidden, l.n_heads * l.v_head_dim, st.o_bias, layer);
  if (st.qk_norm == QkNorm::per_head) {
    inv.norm("q_norm", l.head_dim, st.qk_norm_kind, layer);
    inv.norm("k_norm", l.head_dim, st.qk_norm_kind, layer);
  } else if (st.qk_norm == QkNorm::full) {
    inv.norm("q_norm", q_dim, st.qk_norm_kind, layer);
    inv.norm("k_norm", kv_dim, st.qk_norm_kind, layer);
  }
  if (st.sinks) inv.add("sinks", TensorRole::other, l.n_heads, 1, layer);
}

void emit_mlp(Inventory& inv, const MlpStyle& st, int64_t hidden, int64_t width, int layer,
              const std::string& prefix) {
  auto name = [&](const char* n) { return prefix.empty() ? std::string(n) : prefix + "." + n; };
  if (st.kind == MlpKind::gated) {
    if (st.fused_gate_up) {
      inv.linear(name(st.fused_gate_up), 2 * width, hidden, st.bias, layer);
    } else {
      inv.linear(name(st.gate), width, hidden, st.bias, layer);
      inv.linear(name(st.up), width, hidden, st.bias, layer);
    }
  } else {
    inv.linear(name(st.up), width, hidden, st.bias, layer);
  }
  inv.linear(name(st.down), hidden, width, st.bias, layer);
}

void emit_moe(Inventory& inv, const MoeStyle& st, const ModelSpec& spec, int layer) {
  const int64_t e = spec.moe.num_experts, w = spec.moe.expert_width;
  const int64_t h = spec.hidden;
  inv.add(st.router, TensorRole::router, e, h, layer);
  if (st.router_bias) inv.add(st.router + ".bias", TensorRole::bias, e, 1, layer);
  // DeepSeek-V3 registers its aux-free balancing bias as a persistent
  // buffer; it is in the checkpoint and in the published 671B count. A
  // vector, not a Linear: role other keeps it out of LoRA "all-linear".
  if (st.score_bias) {
    inv.add("e_score_correction_bias", TensorRole::other, e, 1, layer);
  }
  const auto X = TensorRole::expert_linear;
  if (st.fused) {
    inv.linear("experts.gate_up_proj", 2 * w, h, st.expert_bias, layer, X, e, true);
  } else if (st.gated) {
    inv.linear(std::string("experts.") + st.w_gate, w, h, st.expert_bias, layer, X, e, true);
    inv.linear(std::string("experts.") + st.w_up, w, h, st.expert_bias, layer, X, e, true);
  } else {
    inv.linear(std::string("experts.") + st.w_up, w, h, st.expert_bias, layer, X, e, true);
  }
  inv.linear(std::string("experts.") + st.w_down, h, w, st.expert_bias, layer, X, e, true);
  if (spec.moe.shared_width > 0) {
    MlpStyle shared;
    shared.kind = st.gated ? MlpKind::gated : MlpKind::plain;
    emit_mlp(inv, shared, h, spec.moe.shared_width, layer, st.shared_name);
    if (st.shared_gate) {
      inv.add("shared_expert_gate", TensorRole::router, 1, h, layer);
    }
  }
}

void emit_embeddings(Inventory& inv, const Rules& r, const ModelSpec& spec) {
  inv.add(r.embed, TensorRole::embedding, spec.vocab + r.extra_vocab, spec.hidden, -1);
}

void emit_head(Inventory& inv, const Rules& r, const ModelSpec& spec) {
  if (spec.tied_embeddings) return;  // shares the embedding tensor
  inv.add(r.head, TensorRole::lm_head, spec.vocab, spec.hidden, -1);
  if (r.head_bias) inv.add(r.head + ".bias", TensorRole::lm_head, spec.vocab, 1, -1);
}

// Routed experts, top-k and expert width; shared width is set by callers.
void read_moe(const Src& src, ModelSpec& s, std::initializer_list<const char*> e_keys,
              std::initializer_list<const char*> w_keys) {
  auto e = src.i(e_keys, 0, kMaxExperts);
  if (!e || *e == 0) return;  // dense model (e.g. Qwen-MoE with 0 experts)
  s.moe.num_experts = *e;
  s.moe.experts_per_token =
      src.need({"num_experts_per_tok", "experts_per_token", "num_experts_per_token", "moe_topk",
                "top_k", "top_k_experts"},
               kMaxExperts);
  if (s.moe.experts_per_token > s.moe.num_experts) {
    jsonu::report(Error(ErrorCode::inconsistent, src.at("num_experts_per_tok"),
                        "num_experts_per_tok " + std::to_string(s.moe.experts_per_token) +
                            " exceeds the " + std::to_string(s.moe.num_experts) +
                            " routed experts"));
  }
  s.moe.expert_width = src.need(w_keys, kMaxWidth);
}

bool flag(const Src& src, std::initializer_list<const char*> keys, bool dflt) {
  return src.b(keys).value_or(dflt);
}

}  // namespace cfg
}  // namespace vramfit
