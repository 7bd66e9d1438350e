// State-space and linear-recurrent mixers: Mamba-1 (HF MambaForCausalLM,
// methodology §3.8), the Jamba hybrid (Mamba-1 + attention + MoE), the
// Nemotron-H hybrid (Mamba-2 / attention / MLP / MoE blocks chosen per layer
// by hybrid_override_pattern) and Gated DeltaNet (Qwen3-Next / Qwen3.5).
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

// time_step_rank: an integer or "auto" (= ceil(hidden / 16)).
int64_t time_step_rank(const Src& src, int64_t hidden) {
  std::string where;
  const json* v = src.find({"time_step_rank", "dt_rank"}, &where);
  if (!v || (v->is_string() && v->get<std::string>() == "auto")) {
    return (hidden + 15) / 16;
  }
  return jsonu::as_int(*v, where, 1, kMaxWidth);
}

struct Mamba1Dims {
  int64_t d_in = 0, state = 0, kernel = 0, dt_rank = 0;
  bool bias = false, conv_bias = true;
};

// MambaMixer / JambaMambaMixer tensors; Jamba adds RMSNorms on dt, B, C.
void emit_mamba1(Inventory& inv, const Mamba1Dims& m, int64_t h, const std::string& pre,
                 bool bc_norms, int i) {
  inv.linear(pre + "in_proj", 2 * m.d_in, h, m.bias, i);
  inv.add(pre + "conv1d", TensorRole::other, m.d_in, m.kernel, i);
  if (m.conv_bias) inv.add(pre + "conv1d.bias", TensorRole::bias, m.d_in, 1, i);
  inv.linear(pre + "x_proj", m.dt_rank + 2 * m.state, m.d_in, false, i);
  inv.linear(pre + "dt_proj", m.d_in, m.dt_rank, true, i);
  inv.add(pre + "A_log", TensorRole::other, m.d_in, m.state, i);
  inv.add(pre + "D", TensorRole::other, m.d_in, 1, i);
  inv.linear(pre + "out_proj", h, m.d_in, m.bias, i);
  if (bc_norms) {
    inv.norm(pre + "dt_layernorm", m.dt_rank, NormKind::rms, i);
    inv.norm(pre + "b_layernorm", m.state, NormKind::rms, i);
    inv.norm(pre + "c_layernorm", m.state, NormKind::rms, i);
  }
}

void mamba_layer_shape(LayerSpec& l, const Mamba1Dims& m) {
  l = LayerSpec{};
  l.mixer = MixerKind::mamba;
  l.ffn = FfnKind::none;
  l.state_elems = m.d_in * m.state + m.d_in * m.kernel;  // ssm + conv states
}

}  // namespace

void parse_mamba(const Src& src, ModelSpec& s) {
  s.family = "mamba";
  s.hidden = src.need({"hidden_size", "d_model"}, kMaxWidth);
  s.num_layers = src.need({"num_hidden_layers", "n_layer"}, kMaxLayers);
  s.vocab = src.need({"vocab_size"}, kMaxWidth);
  Mamba1Dims m;
  m.state = src.i({"state_size", "d_state"}, 1, kMaxWidth).value_or(16);
  m.kernel = src.i({"conv_kernel", "d_conv"}, 1, kMaxWidth).value_or(4);
  const int64_t expand = src.i({"expand"}, 1, 1000).value_or(2);
  m.d_in = src.i({"intermediate_size"}, 1, kMaxWidth).value_or(expand * s.hidden);
  m.dt_rank = time_step_rank(src, s.hidden);
  m.bias = flag(src, {"use_bias"}, false);
  m.conv_bias = flag(src, {"use_conv_bias"}, true);
  s.intermediate = m.d_in;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.layers.resize(static_cast<size_t>(s.num_layers));
  Inventory inv(s.tensors, src.path());
  inv.add("embeddings", TensorRole::embedding, s.vocab, s.hidden, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, s.hidden, -1);
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    mamba_layer_shape(s.layers[i], m);
    inv.norm("norm", s.hidden, NormKind::rms, i);
    emit_mamba1(inv, m, s.hidden, "mixer.", false, i);
  }
  inv.norm("norm_f", s.hidden, NormKind::rms, -1);
}

namespace {

struct Mamba2Dims {
  int64_t heads = 0, head_dim = 0, groups = 0, state = 0, kernel = 0, d_in = 0, conv_dim = 0;
  bool bias = false, conv_bias = false;
};

Mamba2Dims mamba2_dims(const Src& src) {
  Mamba2Dims m;
  m.heads = src.need({"mamba_num_heads"}, kMaxHeads);
  m.head_dim = src.need({"mamba_head_dim"}, kMaxWidth);
  m.groups = src.i({"n_groups"}, 1, kMaxHeads).value_or(1);
  m.state = src.need({"ssm_state_size"}, kMaxWidth);
  m.kernel = src.i({"conv_kernel"}, 1, kMaxWidth).value_or(4);
  m.d_in = m.heads * m.head_dim;
  m.conv_dim = m.d_in + 2 * m.groups * m.state;
  m.bias = flag(src, {"mamba_proj_bias", "use_bias"}, false);
  m.conv_bias = flag(src, {"use_conv_bias"}, true);
  // state_elems = heads*head_dim*state + conv_dim*kernel must fit int64.
  checked_product({m.heads, m.head_dim, m.state}, src.path());
  checked_product({m.conv_dim, m.kernel}, src.path());
  return m;
}

void emit_mamba2(Inventory& inv, const Mamba2Dims& m, int64_t h, int i) {
  inv.linear("mixer.in_proj", 2 * m.d_in + 2 * m.groups * m.state + m.heads, h, m.bias, i);
  inv.add("mixer.conv1d", TensorRole::other, m.conv_dim, m.kernel, i);
  if (m.conv_bias) inv.add("mixer.conv1d.bias", TensorRole::bias, m.conv_dim, 1, i);
  inv.add("mixer.dt_bias", TensorRole::other, m.heads, 1, i);
  inv.add("mixer.A_log", TensorRole::other, m.heads, 1, i);
  inv.add("mixer.D", TensorRole::other, m.heads, 1, i);
  inv.norm("mixer.norm", m.d_in, NormKind::rms, i);  // gated RMSNorm
  inv.linear("mixer.out_proj", h, m.d_in, m.bias, i);
}

}  // namespace

namespace {

// The block pattern, one character per layer (M mamba, * attention, -
// mlp, E moe). Newer configs give `layers_block_type`, a list whose length is
// the layer count (transformers models/nemotron_h/configuration_nemotron_h.py,
// v5: _pattern_to_list, and configuration_utils remap_legacy_layer_types:
// "mamba" = "linear_attention", "attention" = "full_attention").
std::string hybrid_pattern(const Src& src, std::string* where) {
  if (const json* list = src.find({"layers_block_type"}, where)) {
    if (!list->is_array()) {
      jsonu::report(Error(ErrorCode::wrong_type, *where, *where + " must be an array"));
      return std::string();
    }
    std::string p;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string at = *where + "[" + std::to_string(i) + "]";
      const std::string t = jsonu::as_string((*list)[i], at);
      if (t == "mamba" || t == "linear_attention") {
        p += 'M';
      } else if (t == "attention" || t == "full_attention") {
        p += '*';
      } else if (t == "mlp") {
        p += '-';
      } else if (t == "moe") {
        p += 'E';
      } else {
        jsonu::report(Error(ErrorCode::unsupported_model, at,
                            at + ": NemotronH block type '" + t + "' is not supported"));
        return std::string();
      }
    }
    return p;
  }
  const json* pat = src.find({"hybrid_override_pattern"}, where);
  if (!pat) {
    jsonu::report_missing(src.path(), "hybrid_override_pattern");
    return std::string();
  }
  return jsonu::as_string(*pat, *where);
}

// NemotronHMoE: top-k router (+ e_score_correction_bias), relu2 up/down
// experts and shared experts of moe_shared_expert_intermediate_size.
void read_nemotron_moe(const Src& src, ModelSpec& s) {
  read_moe(src, s, {"n_routed_experts"}, {"moe_intermediate_size"});
  if (s.moe.num_experts == 0) jsonu::report_missing(src.path(), "n_routed_experts");
  s.moe.shared_width = src.i({"moe_shared_expert_intermediate_size"}, 0, kMaxWidth).value_or(0) *
                       src.i({"n_shared_experts"}, 0, kMaxExperts).value_or(1);
}

struct HybridParts {
  int64_t latent = 0;  // moe_latent_size (0 = experts work at hidden size)
  Mamba2Dims mamba;
  AttnStyle attn;
  MlpStyle mlp;
  MoeStyle moe;
};

// LatentMoE (Nemotron 3 Super / Ultra; transformers
// models/nemotron_h/modeling_nemotron_h.py NemotronHMoE / NemotronHExperts,
// v5): the routed experts work in moe_latent_size behind fc1_latent_proj
// (h -> latent) and fc2_latent_proj (latent -> h); experts up_proj
// (E x w x latent), down_proj (E x latent x w); the router and the shared
// experts stay at hidden size.
void emit_latent_moe(Inventory& inv, const HybridParts& p, const ModelSpec& s, int i) {
  const int64_t e = s.moe.num_experts, w = s.moe.expert_width, h = s.hidden;
  const auto X = TensorRole::expert_linear;
  inv.add("gate", TensorRole::router, e, h, i);
  inv.linear("fc1_latent_proj", p.latent, h, s.mlp_bias, i);
  inv.linear("fc2_latent_proj", h, p.latent, s.mlp_bias, i);
  inv.linear("experts.up_proj", w, p.latent, false, i, X, e, true);
  inv.linear("experts.down_proj", p.latent, w, false, i, X, e, true);
  if (s.moe.shared_width > 0) {
    emit_mlp(inv, MlpStyle{MlpKind::plain, "", "up_proj", "down_proj", nullptr, s.mlp_bias}, h,
             s.moe.shared_width, i, "shared_experts");
  }
}

void emit_hybrid_layer(Inventory& inv, const HybridParts& p, ModelSpec& s, char kind, int i,
                       const Src& src, const std::string& where) {
  LayerSpec& l = s.layers[i];
  l.mixer = MixerKind::none;
  l.ffn = FfnKind::none;
  inv.norm("norm", s.hidden, NormKind::rms, i);
  const Mamba2Dims& m = p.mamba;
  switch (kind) {
    case 'M':
      l.mixer = MixerKind::mamba;
      l.state_elems = m.heads * m.head_dim * m.state + m.conv_dim * m.kernel;
      emit_mamba2(inv, m, s.hidden, i);
      break;
    case '*':
      l.mixer = MixerKind::attention;
      l.n_heads = s.num_heads;
      l.n_kv_heads = s.num_kv_heads;
      l.head_dim = l.v_head_dim = s.head_dim;
      l.kv_cache_dim = 2 * s.num_kv_heads * s.head_dim;
      emit_attention(inv, p.attn, l, s.hidden, i);
      break;
    case '-':
      if (s.intermediate == 0) jsonu::report_missing(src.path(), "intermediate_size");
      l.ffn = FfnKind::dense;
      l.ffn_width = s.intermediate;
      emit_mlp(inv, p.mlp, s.hidden, s.intermediate, i);
      break;
    case 'E':
      l.ffn = FfnKind::moe;
      ++s.moe.num_moe_layers;
      if (p.latent > 0) {
        emit_latent_moe(inv, p, s, i);
      } else {
        emit_moe(inv, p.moe, s, i);
      }
      break;
    default:
      jsonu::report(Error(ErrorCode::unknown_value, where,
                          std::string("unknown block '") + kind + "' in " + where));
  }
}

}  // namespace

void parse_nemotron_h(const Src& src, ModelSpec& s) {
  s.family = "nemotron_h";
  std::string where;
  const std::string p = hybrid_pattern(src, &where);
  // With layers_block_type the list gives the layer count (num_hidden_layers
  // is deprecated there and may be absent).
  const bool listed = src.has({"layers_block_type"});
  read_core_dims(src, s, nullptr, listed ? static_cast<int64_t>(p.size()) : 0);
  if (s.head_dim == 0) {
    s.head_dim = src.i({"attention_head_dim"}, 1, kMaxWidth).value_or(0);
  }
  validate_heads(src, s);
  if (static_cast<int64_t>(p.size()) != s.num_layers || p.empty() ||
      static_cast<int64_t>(p.size()) > kMaxLayers) {
    jsonu::report(Error(ErrorCode::inconsistent, where,
                        where + " has " + std::to_string(p.size()) + " blocks for " +
                            std::to_string(s.num_layers) + " layers"));
  }
  if (jsonu::failed()) return;  // collected: p[i] below needs the checks
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = flag(src, {"attention_bias"}, false);
  s.mlp_bias = flag(src, {"mlp_bias"}, false);
  s.mlp = MlpKind::plain;  // relu2 up/down
  if (p.find('E') != std::string::npos) read_nemotron_moe(src, s);
  HybridParts parts;
  if (p.find('M') != std::string::npos) parts.mamba = mamba2_dims(src);
  if (jsonu::failed()) return;  // mamba2_dims' checks guard the state sizes
  parts.attn.qkv_bias = parts.attn.o_bias = s.attention_bias;
  parts.mlp = MlpStyle{MlpKind::plain, "", "up_proj", "down_proj", nullptr, s.mlp_bias};
  parts.moe.gated = false;
  parts.latent = src.i({"moe_latent_size"}, 1, kMaxWidth).value_or(0);
  // NemotronHTopkRouter registers e_score_correction_bias as a buffer, not a
  // parameter (transformers models/nemotron_h/modeling_nemotron_h.py): not
  // counted (Nemotron-3-Nano's Hub total has no such 23 x 128 values).
  parts.moe.score_bias = false;
  s.layers.resize(static_cast<size_t>(s.num_layers));
  Inventory inv(s.tensors, src.path());
  inv.add("embeddings", TensorRole::embedding, s.vocab, s.hidden, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, s.hidden, -1);
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    emit_hybrid_layer(inv, parts, s, p[i], i, src, where);
  }
  inv.norm("norm_f", s.hidden, NormKind::rms, -1);
}

// Jamba (HF JambaForCausalLM): attention every attn_layer_period layers
// (at attn_layer_offset), Mamba-1 mixers with RMSNorms on dt, B and C
// elsewhere; MoE every expert_layer_period layers (at expert_layer_offset).
void parse_jamba(const Src& src, ModelSpec& s) {
  s.family = "jamba";
  read_core_dims(src, s, nullptr);
  validate_heads(src, s);
  if (s.intermediate == 0) jsonu::report_missing(src.path(), "intermediate_size");
  if (jsonu::failed()) return;  // collected: no layers on a failed shape
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  read_moe(src, s, {"num_experts"}, {"intermediate_size"});
  const int64_t a_per = src.i({"attn_layer_period"}, 1, kMaxLayers).value_or(8);
  const int64_t a_off = src.i({"attn_layer_offset"}, 0, kMaxLayers).value_or(4);
  const int64_t e_per = src.i({"expert_layer_period"}, 1, kMaxLayers).value_or(2);
  const int64_t e_off = src.i({"expert_layer_offset"}, 0, kMaxLayers).value_or(1);
  Mamba1Dims m;
  m.state = src.i({"mamba_d_state"}, 1, kMaxWidth).value_or(16);
  m.kernel = src.i({"mamba_d_conv"}, 1, kMaxWidth).value_or(4);
  m.d_in = src.i({"mamba_expand"}, 1, 1000).value_or(2) * s.hidden;
  m.dt_rank = src.i({"mamba_dt_rank"}, 1, kMaxWidth).value_or((s.hidden + 15) / 16);
  m.bias = flag(src, {"mamba_proj_bias"}, false);
  m.conv_bias = flag(src, {"mamba_conv_bias"}, true);
  MoeStyle moe;
  moe.router = "router";
  s.layers.assign(static_cast<size_t>(s.num_layers), LayerSpec{});
  Inventory inv(s.tensors, src.path());
  inv.add("embed_tokens", TensorRole::embedding, s.vocab, s.hidden, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, s.hidden, -1);
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    LayerSpec& l = s.layers[i];
    inv.norm("input_layernorm", s.hidden, NormKind::rms, i);
    if (i % a_per == a_off) {
      l.n_heads = s.num_heads;
      l.n_kv_heads = s.num_kv_heads;
      l.head_dim = l.v_head_dim = s.head_dim;
      l.kv_cache_dim = 2 * s.num_kv_heads * s.head_dim;
      emit_attention(inv, AttnStyle{}, l, s.hidden, i);
    } else {
      mamba_layer_shape(l, m);
      emit_mamba1(inv, m, s.hidden, "mamba.", true, i);
    }
    inv.norm("pre_ff_layernorm", s.hidden, NormKind::rms, i);
    if (s.moe.num_experts > 0 && i % e_per == e_off) {
      l.ffn = FfnKind::moe;
      ++s.moe.num_moe_layers;
      emit_moe(inv, moe, s, i);
    } else {
      l.ffn = FfnKind::dense;
      l.ffn_width = s.intermediate;
      emit_mlp(inv, MlpStyle{}, s.hidden, s.intermediate, i);
    }
  }
  inv.norm("final_layernorm", s.hidden, NormKind::rms, -1);
}

DeltaNetDims read_deltanet(const Src& src) {
  DeltaNetDims d;
  d.k_heads = src.need({"linear_num_key_heads"}, kMaxHeads);
  d.v_heads = src.need({"linear_num_value_heads"}, kMaxHeads);
  d.k_dim = src.need({"linear_key_head_dim"}, kMaxWidth);
  d.v_dim = src.need({"linear_value_head_dim"}, kMaxWidth);
  d.kernel = src.i({"linear_conv_kernel_dim"}, 1, kMaxWidth).value_or(4);
  // deltanet_state() = v_heads*k_dim*v_dim + conv_dim*kernel must fit int64.
  const std::string& p = src.path();
  const int64_t conv =
      2 * checked_product({d.k_heads, d.k_dim}, p) + checked_product({d.v_heads, d.v_dim}, p);
  checked_product({d.v_heads, d.k_dim, d.v_dim}, p);
  checked_product({conv, d.kernel}, p);
  return d;
}

// Recurrent state per sequence: one k_dim x v_dim matrix per value head plus
// the causal-conv window over q, k and v.
int64_t deltanet_state(const DeltaNetDims& d) {
  const int64_t conv_dim = 2 * d.k_heads * d.k_dim + d.v_heads * d.v_dim;
  return d.v_heads * d.k_dim * d.v_dim + conv_dim * d.kernel;
}

void emit_deltanet(Inventory& inv, const DeltaNetDims& d, int64_t h, int i) {
  const int64_t key = d.k_heads * d.k_dim, value = d.v_heads * d.v_dim;
  const int64_t conv_dim = 2 * key + value;
  if (d.split_proj) {
    inv.linear("linear_attn.in_proj_qkv", conv_dim, h, false, i);
    inv.linear("linear_attn.in_proj_z", value, h, false, i);
    inv.linear("linear_attn.in_proj_b", d.v_heads, h, false, i);
    inv.linear("linear_attn.in_proj_a", d.v_heads, h, false, i);
  } else {
    inv.linear("linear_attn.in_proj_qkvz", conv_dim + value, h, false, i);
    inv.linear("linear_attn.in_proj_ba", 2 * d.v_heads, h, false, i);
  }
  inv.add("linear_attn.conv1d", TensorRole::other, conv_dim, d.kernel, i);
  inv.add("linear_attn.dt_bias", TensorRole::other, d.v_heads, 1, i);
  inv.add("linear_attn.A_log", TensorRole::other, d.v_heads, 1, i);
  inv.norm("linear_attn.norm", d.v_dim, NormKind::rms, i);  // gated RMSNorm
  inv.linear("linear_attn.out_proj", h, value, false, i);
}

}  // namespace cfg
}  // namespace vramfit
