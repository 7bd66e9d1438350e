// Decoder-only transformer LMs: per-layer shapes (attention kind, windows,
// MLA, MoE placement; methodology §2.3, §3.4, §3.5) and the tensor inventory.
#include <set>

#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

std::set<int64_t> int_set(const Src& src, const char* key, int64_t hi) {
  std::set<int64_t> out;
  std::string where;
  const json* v = src.find({key}, &where);
  if (!v) return out;
  if (!v->is_array()) {
    jsonu::report(Error(ErrorCode::wrong_type, where, where + " must be an array"));
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    out.insert(jsonu::as_int((*v)[i], where + "[" + std::to_string(i) + "]", 0, hi));
  }
  return out;
}

// Which layers are MoE (methodology §3.5 placement table).
class MoePlan {
 public:
  MoePlan(const Src& src, const ModelSpec& s, MoePlacement p)
      : p_(s.moe.num_experts > 0 ? p : MoePlacement::none) {
    if (p_ == MoePlacement::qwen) {
      listed_ = int_set(src, "mlp_only_layers", kMaxLayers);
      step_ = src.i({"decoder_sparse_step"}, 1, kMaxLayers).value_or(1);
    } else if (p_ == MoePlacement::deepseek) {
      first_ = src.i({"first_k_dense_replace"}, 0, kMaxLayers).value_or(0);
      std::string where;
      const json* freq = src.find({"moe_layer_freq"}, &where);
      if (freq && freq->is_array()) {
        // A per-layer list, 1 = MoE (MiniMax-M3, MiMo-V2-Flash remote code:
        // `moe_layer_freq[layer_idx]` picks the sparse block).
        if (static_cast<int64_t>(freq->size()) != s.num_layers) {
          jsonu::report(Error(ErrorCode::inconsistent, where,
                              where + " has " + std::to_string(freq->size()) + " entries for " +
                                  std::to_string(s.num_layers) + " layers"));
          return;
        }
        use_list_ = true;
        for (size_t i = 0; i < freq->size(); ++i) {
          if (jsonu::as_int((*freq)[i], where + "[" + std::to_string(i) + "]", 0, 1) == 1) {
            listed_.insert(static_cast<int64_t>(i));
          }
        }
      } else {
        step_ = src.i({"moe_layer_freq"}, 1, kMaxLayers).value_or(1);
      }
    } else if (p_ == MoePlacement::llama4) {
      use_list_ = src.has({"moe_layers"});
      if (use_list_) listed_ = int_set(src, "moe_layers", kMaxLayers);
      step_ = src.i({"interleave_moe_layer_step"}, 1, kMaxLayers).value_or(1);
    }
  }
  bool operator()(int64_t i) const {
    switch (p_) {
      case MoePlacement::none:
        return false;
      case MoePlacement::all:
        return true;
      case MoePlacement::qwen:
        return !listed_.count(i) && (i + 1) % step_ == 0;
      case MoePlacement::deepseek:
        if (use_list_) return listed_.count(i) > 0;
        return i >= first_ && i % step_ == 0;
      case MoePlacement::llama4:
        return use_list_ ? listed_.count(i) > 0 : (i + 1) % step_ == 0;
    }
    return false;
  }

 private:
  MoePlacement p_;
  std::set<int64_t> listed_;
  int64_t step_ = 1, first_ = 0;
  bool use_list_ = false;
};

void read_mla(const Src& src, ModelSpec& s) {
  MlaSpec& m = s.mla;
  m.q_lora_rank = src.i({"q_lora_rank"}, 1, kMaxWidth).value_or(0);
  m.kv_lora_rank = src.need({"kv_lora_rank"}, kMaxWidth);
  m.qk_rope_head_dim = src.need({"qk_rope_head_dim"}, kMaxWidth);
  m.qk_nope_head_dim = src.need({"qk_nope_head_dim"}, kMaxWidth);
  m.v_head_dim = src.need({"v_head_dim"}, kMaxWidth);
}

// Sliding windows and chunks (methodology §2.2 sliding-window row, §7.3).
void apply_windows(const Src& src, ModelSpec& s, WindowRule rule) {
  auto sw = src.i({"sliding_window"}, 0, 1000000000).value_or(0);
  if (rule == WindowRule::qwen && !flag(src, {"use_sliding_window"}, false)) sw = 0;
  if (s.max_positions > 0 && sw >= s.max_positions) sw = 0;  // §2.4: full
  auto types = layer_types(src, s.num_layers);
  int64_t chunk = src.i({"attention_chunk_size"}, 1, 1000000000).value_or(8192);
  for (int64_t i = 0; i < s.num_layers; ++i) {
    LayerSpec& l = s.layers[i];
    if (!types.empty()) {
      const std::string& t = types[i];
      if (t == "sliding_attention")
        l.window = sw;
      else if (t == "chunked_attention")
        l.chunk = chunk;
      else if (t == "linear_attention")
        l.mixer = MixerKind::linear_attention;
      // DSA layers (GLM-5, DeepSeek-V3.2) attend to all tokens they select:
      // a full-length cache; configuration_utils calls them indexed_attention.
      else if (t != "full_attention" && t != "attention" && t != "deepseek_sparse_attention" &&
               t != "indexed_attention") {
        jsonu::report(Error(ErrorCode::unknown_value, src.at("layer_types"),
                            "layer type '" + t + "' is not supported here"));
      }
      continue;
    }
    switch (rule) {
      case WindowRule::all:
        l.window = sw;
        break;
      case WindowRule::qwen:
        if (i >= src.i({"max_window_layers"}, 0, kMaxLayers).value_or(28)) l.window = sw;
        break;
      case WindowRule::gemma2:
        if (i % 2 == 0) l.window = src.has({"sliding_window"}) ? sw : 4096;
        break;
      case WindowRule::gemma3: {
        int64_t pat = src.i({"sliding_window_pattern"}, 1, kMaxLayers).value_or(6);
        if ((i + 1) % pat != 0) l.window = src.has({"sliding_window"}) ? sw : 4096;
        break;
      }
      case WindowRule::llama4: {
        int64_t every = src.i({"no_rope_layer_interval"}, 1, kMaxLayers).value_or(4);
        if ((i + 1) % every != 0) l.chunk = chunk;  // RoPE layers are chunked
        break;
      }
      case WindowRule::qwen_next: {
        int64_t every = src.i({"full_attention_interval"}, 1, kMaxLayers).value_or(4);
        if ((i + 1) % every != 0) l.mixer = MixerKind::linear_attention;
        break;
      }
      case WindowRule::none:
        break;
    }
  }
}

// Linear-attention layers keep a fixed recurrent state and no KV cache.
void finish_linear_layers(const Src& src, ModelSpec& s) {
  bool any = false;
  for (const auto& l : s.layers) any = any || l.mixer == MixerKind::linear_attention;
  if (!any) return;
  const DeltaNetDims d = read_deltanet(src);
  if (jsonu::failed()) return;  // its checks guard deltanet_state's products
  for (auto& l : s.layers) {
    if (l.mixer != MixerKind::linear_attention) continue;
    l.n_heads = l.n_kv_heads = l.head_dim = l.v_head_dim = 0;
    l.kv_cache_dim = 0;
    l.state_elems = deltanet_state(d);
  }
}

void build_layers(const Src& src, ModelSpec& s, const Family& f) {
  bool mla = s.family.rfind("deepseek_v", 0) == 0 || s.family == "glm_moe_dsa";
  if (mla) read_mla(src, s);
  s.layers.assign(static_cast<size_t>(s.num_layers), LayerSpec{});
  const MoePlan is_moe(src, s, f.moe);
  for (int64_t i = 0; i < s.num_layers; ++i) {
    LayerSpec& l = s.layers[i];
    l.n_heads = s.num_heads;
    l.n_kv_heads = s.num_kv_heads;
    l.head_dim = l.v_head_dim = s.head_dim;
    l.kv_cache_dim = l.n_kv_heads * 2 * s.head_dim;
    if (mla) {
      l.mixer = MixerKind::mla;
      l.n_kv_heads = s.num_heads;
      l.head_dim = s.mla.qk_nope_head_dim + s.mla.qk_rope_head_dim;
      l.v_head_dim = s.mla.v_head_dim;
      l.kv_cache_dim = s.mla.kv_lora_rank + s.mla.qk_rope_head_dim;
    }
    if (is_moe(i)) {
      l.ffn = FfnKind::moe;
      ++s.moe.num_moe_layers;
    } else {
      l.ffn_width = s.intermediate;
    }
  }
  if (s.intermediate == 0 && s.moe.num_moe_layers < s.num_layers) {
    jsonu::report_missing(src.path(), "intermediate_size");
  }
  apply_windows(src, s, f.windows);
  finish_linear_layers(src, s);
}

void emit_mla(Inventory& inv, const ModelSpec& s, int layer) {
  const MlaSpec& m = s.mla;
  const int64_t h = s.hidden, n = s.num_heads;
  const int64_t d_qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
  const bool b = s.attention_bias;
  if (m.q_lora_rank > 0) {
    inv.linear("q_a_proj", m.q_lora_rank, h, b, layer);
    inv.norm("q_a_layernorm", m.q_lora_rank, NormKind::rms, layer);
    inv.linear("q_b_proj", n * d_qk, m.q_lora_rank, false, layer);
  } else {
    inv.linear("q_proj", n * d_qk, h, false, layer);
  }
  inv.linear("kv_a_proj_with_mqa", m.kv_lora_rank + m.qk_rope_head_dim, h, b, layer);
  inv.norm("kv_a_layernorm", m.kv_lora_rank, NormKind::rms, layer);
  inv.linear("kv_b_proj", n * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank, false, layer);
  inv.linear("o_proj", h, n * m.v_head_dim, b, layer);
}

// DeepSeek-V3.2 lightning indexer (DSA), per layer, after the reference
// inference code: wq_b (q_lora_rank -> heads*dim), wk (h -> dim), LayerNorm
// k_norm, weights_proj (h -> heads).
void emit_indexer(const Src& src, Inventory& inv, const ModelSpec& s, int layer) {
  const int64_t heads = src.need({"index_n_heads"}, kMaxHeads);
  const int64_t dim = src.need({"index_head_dim"}, kMaxWidth);
  const int64_t q_in = s.mla.q_lora_rank > 0 ? s.mla.q_lora_rank : s.hidden;
  inv.linear("indexer.wq_b", heads * dim, q_in, false, layer);
  inv.linear("indexer.wk", dim, s.hidden, false, layer);
  inv.norm("indexer.k_norm", dim, NormKind::layer, layer);
  inv.linear("indexer.weights_proj", heads, s.hidden, false, layer);
}

// Mllama cross-attention layer: attends to vision tokens (fixed length).
void emit_cross_attention(Inventory& inv, const Rules& r, const LayerSpec& l, int64_t h,
                          int layer) {
  AttnStyle st = r.attn;
  st.q = "cross_attn.q_proj";
  st.k = "cross_attn.k_proj";
  st.v = "cross_attn.v_proj";
  st.o = "cross_attn.o_proj";
  st.qk_norm = QkNorm::per_head;
  emit_attention(inv, st, l, h, layer);
  inv.add("cross_attn_attn_gate", TensorRole::other, 1, 1, layer);
  inv.add("cross_attn_mlp_gate", TensorRole::other, 1, 1, layer);
}

void emit_positions_and_embeddings(const Src& src, Inventory& inv, const Rules& r, ModelSpec& s) {
  if (r.family == "opt") {
    // OPT: token table in word_embed_proj_dim, learned positions with an
    // offset of 2, project_in/out when the two widths differ (OPT-350m).
    int64_t wepd = src.i({"word_embed_proj_dim"}, 1, kMaxWidth).value_or(s.hidden);
    inv.add("embed_tokens", TensorRole::embedding, s.vocab, wepd, -1);
    inv.add("embed_positions", TensorRole::position, s.max_positions + 2, s.hidden, -1);
    if (wepd != s.hidden) {
      inv.linear("project_in", s.hidden, wepd, false, -1);
      inv.linear("project_out", wepd, s.hidden, false, -1);
    }
    if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, wepd, -1);
    return;
  }
  emit_embeddings(inv, r, s);
  if (r.learned_positions) {
    inv.add("wpe", TensorRole::position, s.max_positions, s.hidden, -1);
  }
  if (!r.embed_norm.empty()) inv.norm(r.embed_norm, s.hidden, s.norm, -1);
  emit_head(inv, r, s);
}

void emit_inventory(const Src& src, ModelSpec& s, const Rules& r, const MoeStyle& ms) {
  Inventory inv(s.tensors, src.path());
  emit_positions_and_embeddings(src, inv, r, s);
  std::set<int64_t> cross;
  if (r.family == "mllama") {
    cross = src.has({"cross_attention_layers"}) ? int_set(src, "cross_attention_layers", kMaxLayers)
                                                : std::set<int64_t>{3, 8, 13, 18, 23, 28, 33, 38};
  }
  // GLM-5.2 IndexShare: "shared" layers reuse an earlier layer's top-k and
  // hold no indexer (transformers models/glm_moe_dsa/modular_glm_moe_dsa.py
  // GlmMoeDsaConfig.indexer_types, v5.6).
  std::vector<std::string> indexers;
  {
    std::string where;
    if (const json* v = src.find({"indexer_types"}, &where)) {
      if (!v->is_array() || static_cast<int64_t>(v->size()) != s.num_layers) {
        jsonu::report(
            Error(ErrorCode::inconsistent, where,
                  where + " must list one entry per layer (" + std::to_string(s.num_layers) + ")"));
      } else {
        for (size_t k = 0; k < v->size(); ++k) {
          indexers.push_back(jsonu::as_string((*v)[k], where + "[" + std::to_string(k) + "]"));
        }
      }
    }
  }
  DeltaNetDims dn;
  for (const auto& l : s.layers) {
    if (l.mixer == MixerKind::linear_attention) {
      dn = read_deltanet(src);
      dn.split_proj = r.family == "qwen3_5";
      break;
    }
  }
  if (jsonu::failed()) return;
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    LayerSpec& l = s.layers[i];
    if (r.norms_have_params) {
      for (const auto& n : r.layer_norms) inv.norm(n, s.hidden, s.norm, i);
    }
    if (cross.count(i)) {
      emit_cross_attention(inv, r, l, s.hidden, i);
      l.kv_cache_dim = 0;  // caches vision tokens only: no per-text-token KV
    } else if (l.mixer == MixerKind::mla) {
      emit_mla(inv, s, i);
      if ((r.family == "deepseek_v32" || r.family == "glm_moe_dsa") &&
          (indexers.empty() || indexers[i] == "full")) {
        emit_indexer(src, inv, s, i);
      }
    } else if (l.mixer == MixerKind::linear_attention) {
      emit_deltanet(inv, dn, s.hidden, i);
    } else {
      emit_attention(inv, r.attn, l, s.hidden, i);
    }
    if (l.ffn == FfnKind::moe) {
      emit_moe(inv, ms, s, i);
    } else {
      emit_mlp(inv, r.mlp, s.hidden, l.ffn_width, i);
    }
  }
  if (!r.final_norm.empty()) inv.norm(r.final_norm, s.hidden, s.norm, -1);
}

// Unknown model_type: Llama layout from the standard fields (§2.4); expert
// fields, when present, are counted as routed MoE so that an unknown MoE is
// not undercounted by an order of magnitude.
void generic_rules(const Src& src, ModelSpec& s, Rules& r) {
  s.approximate = true;
  std::string w = (s.model_type.empty() ? std::string("no model_type")
                                        : "unknown model_type '" + s.model_type + "'") +
                  ": counted as a generic Llama-style decoder (separate q/k/v/o "
                  "projections, gated 3-matrix MLP, RMSNorm, 2 norms per layer, "
                  "no learned positions)";
  auto tie = src.b({"tie_word_embeddings"});
  if (!tie) w += "; tie_word_embeddings absent: assumed untied (larger count)";
  s.tied_embeddings = tie.value_or(false);
  s.attention_bias = flag(src, {"attention_bias", "qkv_bias"}, false);
  s.mlp_bias = flag(src, {"mlp_bias"}, false);
  r.attn.qkv_bias = r.attn.o_bias = s.attention_bias;
  r.mlp.bias = s.mlp_bias;
  read_moe(src, s, {"num_local_experts", "num_experts", "n_routed_experts"},
           {"moe_intermediate_size", "intermediate_size"});
  if (s.moe.num_experts > 0) {
    s.moe.shared_width =
        src.i({"n_shared_experts"}, 0, kMaxExperts).value_or(0) * s.moe.expert_width +
        src.i({"shared_expert_intermediate_size"}, 0, kMaxWidth).value_or(0);
    w += "; experts counted as gated routed MoE from layer first_k_dense_replace on";
  }
  s.warnings.push_back(w);
}

// Multi-token-prediction modules ship in some checkpoints but transformers
// does not load them (methodology §3.7): say so rather than count them.
void note_mtp(const Src& src, ModelSpec& s) {
  auto n = src.i({"num_nextn_predict_layers", "mtp_num_hidden_layers"}, 0, kMaxLayers);
  if (n && *n > 0) {
    s.warnings.push_back(std::to_string(*n) +
                         " multi-token-prediction layer(s) in the checkpoint are not "
                         "counted (not loaded by transformers; used only for "
                         "speculative decoding)");
  }
}

}  // namespace

void parse_decoder(const Src& src, ModelSpec& spec) {
  // spec.family holds the text model_type chosen by parse_model_config.
  const Family* fam = find_family(spec.family);
  static const Family kGeneric{"generic", WindowRule::none, MoePlacement::deepseek};
  if (!fam) fam = &kGeneric;
  read_core_dims(src, spec, fam->defaults);
  Rules rules;
  rules.family = fam->family;
  spec.family = fam->family;
  MoeStyle moe;
  if (fam->rules) {
    fam->rules(src, spec, rules, moe);
  } else {
    generic_rules(src, spec, rules);
  }
  // Under a jsonu::Collect a failed check does not stop the code after it:
  // no layer list or inventory is built on a shape that failed.
  if (jsonu::failed()) return;
  validate_heads(src, spec);
  if (jsonu::failed()) return;
  build_layers(src, spec, *fam);
  read_rope(src, spec, rules);
  if (jsonu::failed()) return;
  emit_inventory(src, spec, rules, moe);
  note_mtp(src, spec);
}

}  // namespace cfg
}  // namespace vramfit
