// Gemma 4 text decoder (transformers models/gemma4/modular_gemma4.py, v5.5:
// Gemma4TextAttention, Gemma4TextMLP, Gemma4TextRouter, Gemma4TextExperts,
// Gemma4TextDecoderLayer, Gemma4TextModel). Per layer:
// - attention: full layers use global_head_dim and, with attention_k_eq_v,
//   num_global_key_value_heads and no v_proj (values = keys); q_norm, k_norm
//   per head (v_norm has no scale); the last num_kv_shared_layers layers
//   reuse an earlier layer's K/V: no k/v projections, norms or cache;
// - a dense gated MLP, twice as wide on shared layers with use_double_wide_mlp;
// - with enable_moe_block, a router (proj E x h, scale h, per_expert_scale E)
//   and fused experts beside the MLP, with three more norms;
// - per-layer embeddings (hidden_size_per_layer_input > 0, E2B/E4B): a gate,
//   a projection and a norm per layer, and embed_tokens_per_layer,
//   per_layer_model_projection and per_layer_projection_norm once;
// layer_scalar is a buffer (register_buffer), not a parameter: not counted.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

void parse_gemma4(const Src& src, ModelSpec& s) {
  s.family = "gemma4";
  read_core_dims(src, s, nullptr);
  if (s.intermediate == 0) jsonu::report_missing(src.path(), "intermediate_size");
  validate_heads(src, s);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.attention_bias = flag(src, {"attention_bias"}, false);
  const int64_t L = s.num_layers, h = s.hidden;
  const auto types = layer_types(src, L);
  if (types.empty()) jsonu::report_missing(src.path(), "layer_types");
  const int64_t g_head = src.i({"global_head_dim"}, 1, kMaxWidth).value_or(s.head_dim);
  const bool k_eq_v = flag(src, {"attention_k_eq_v"}, false);
  const int64_t g_kv = src.i({"num_global_key_value_heads"}, 1, kMaxHeads).value_or(s.num_kv_heads);
  const int64_t shared = src.i({"num_kv_shared_layers"}, 0, L).value_or(0);
  const bool wide = flag(src, {"use_double_wide_mlp"}, false);
  const int64_t ple = src.i({"hidden_size_per_layer_input"}, 0, kMaxWidth).value_or(0);
  const int64_t window = src.i({"sliding_window"}, 0, 1000000000).value_or(0);
  if (flag(src, {"enable_moe_block"}, false)) {
    read_moe(src, s, {"num_experts"}, {"moe_intermediate_size", "expert_intermediate_size"});
    if (s.moe.num_experts == 0) jsonu::report_missing(src.path(), "num_experts");
  }
  // Collected errors: nothing is built on a shape that failed (types[i]).
  if (jsonu::failed()) return;
  s.layers.assign(static_cast<size_t>(L), LayerSpec{});
  Inventory inv(s.tensors, src.path());
  inv.add("embed_tokens", TensorRole::embedding, s.vocab, h, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, h, -1);
  if (ple > 0) {
    const int64_t ple_vocab = src.i({"vocab_size_per_layer_input"}, 1, kMaxWidth).value_or(s.vocab);
    const int64_t packed = checked_product({L, ple}, src.path());
    inv.add("embed_tokens_per_layer", TensorRole::embedding, ple_vocab, packed, -1);
    inv.linear("per_layer_model_projection", packed, h, false, -1);
    inv.norm("per_layer_projection_norm", ple, NormKind::rms, -1);
  }
  AttnStyle attn;
  attn.qkv_bias = attn.o_bias = s.attention_bias;
  MoeStyle moe;
  moe.router = "router.proj";
  moe.fused = true;
  for (int i = 0; i < static_cast<int>(L); ++i) {
    LayerSpec& l = s.layers[i];
    const std::string& t = types[i];
    const bool full = t == "full_attention";
    if (!full && t != "sliding_attention") {
      jsonu::report(
          Error(ErrorCode::unsupported_model, src.at("layer_types"),
                src.at("layer_types") + ": Gemma 4 layer type '" + t + "' is not supported"));
      return;
    }
    const bool kv_shared = i >= L - shared;
    const bool alt = full && k_eq_v;
    l.n_heads = s.num_heads;
    l.n_kv_heads = alt ? g_kv : s.num_kv_heads;
    l.head_dim = l.v_head_dim = full ? g_head : s.head_dim;
    l.window = full ? 0 : window;
    if (s.num_heads % l.n_kv_heads != 0) {
      jsonu::report(Error(ErrorCode::inconsistent, src.at("num_global_key_value_heads"),
                          std::to_string(l.n_kv_heads) + " key/value heads do not divide " +
                              std::to_string(s.num_heads) + " attention heads"));
      return;
    }
    for (const char* n : {"input_layernorm", "post_attention_layernorm",
                          "pre_feedforward_layernorm", "post_feedforward_layernorm"}) {
      inv.norm(n, h, NormKind::rms, i);
    }
    const int64_t q = s.num_heads * l.head_dim, kv = l.n_kv_heads * l.head_dim;
    inv.linear("self_attn.q_proj", q, h, s.attention_bias, i);
    inv.norm("self_attn.q_norm", l.head_dim, NormKind::rms, i);
    if (!kv_shared) {
      inv.linear("self_attn.k_proj", kv, h, s.attention_bias, i);
      if (!alt) inv.linear("self_attn.v_proj", kv, h, s.attention_bias, i);
      inv.norm("self_attn.k_norm", l.head_dim, NormKind::rms, i);
    }
    inv.linear("self_attn.o_proj", h, q, s.attention_bias, i);
    // A shared layer reads the cache of the last earlier layer of its type.
    l.kv_cache_dim = kv_shared ? 0 : 2 * kv;
    l.ffn_width = s.intermediate * (wide && kv_shared && shared > 0 ? 2 : 1);
    emit_mlp(inv, MlpStyle{}, h, l.ffn_width, i, "mlp");
    if (s.moe.num_experts > 0) {
      l.ffn = FfnKind::moe;
      ++s.moe.num_moe_layers;
      emit_moe(inv, moe, s, i);
      inv.add("router.scale", TensorRole::other, h, 1, i);
      inv.add("router.per_expert_scale", TensorRole::other, s.moe.num_experts, 1, i);
      for (const char* n : {"post_feedforward_layernorm_1", "post_feedforward_layernorm_2",
                            "pre_feedforward_layernorm_2"}) {
        inv.norm(n, h, NormKind::rms, i);
      }
    }
    if (ple > 0) {
      inv.linear("per_layer_input_gate", ple, h, false, i);
      inv.linear("per_layer_projection", h, ple, false, i);
      inv.norm("post_per_layer_input_norm", h, NormKind::rms, i);
    }
  }
  inv.norm("norm", h, NormKind::rms, -1);
}

}  // namespace cfg
}  // namespace vramfit
