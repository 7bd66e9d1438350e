// LFM2 (Liquid AI; transformers models/lfm2/modeling_lfm2.py, v4.54+):
// attention layers (layer_types "full_attention", or full_attn_idxs in older
// configs) and gated short-convolution layers ("conv") elsewhere.
// - Lfm2Attention: q/k/v_proj, out_proj (no bias), q_layernorm and
//   k_layernorm RMSNorm(head_dim);
// - Lfm2ShortConv: in_proj (3 * conv_dim x h), depthwise conv
//   (conv_dim x conv_L_cache), out_proj; bias when conv_bias; conv_dim = h;
// - Lfm2MLP: w1, w3, w2 of block_ff_dim (intermediate_size), reduced to 2/3,
//   times block_ffn_dim_multiplier and rounded up to block_multiple_of when
//   block_auto_adjust_ff_dim;
// - operator_norm and ffn_norm per layer, embedding_norm at the end (the
//   final norm), lm_head tied by default.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

void parse_lfm2(const Src& src, ModelSpec& s) {
  s.family = "lfm2";
  read_core_dims(src, s, nullptr);
  validate_heads(src, s);
  const int64_t h = s.hidden, L = s.num_layers;
  int64_t ff = src.i({"block_ff_dim", "intermediate_size"}, 1, kMaxWidth).value_or(0);
  if (ff == 0) jsonu::report_missing(src.path(), "intermediate_size");
  if (jsonu::failed()) return;  // collected: stop before the layers
  if (flag(src, {"block_auto_adjust_ff_dim"}, true)) {
    ff = 2 * ff / 3;
    const double mult = src.num({"block_ffn_dim_multiplier"}).value_or(1.0);
    if (mult > 0) {
      // Above the cap the check below reports it (no out-of-range cast).
      const double w = mult * static_cast<double>(ff);
      ff = w > static_cast<double>(kMaxWidth) ? kMaxWidth + 1 : static_cast<int64_t>(w);
    }
    const int64_t m = src.i({"block_multiple_of"}, 1, kMaxWidth).value_or(256);
    ff = m * ((ff + m - 1) / m);
    if (ff <= 0 || ff > kMaxWidth) {
      jsonu::report(Error(ErrorCode::out_of_range, src.at("block_ffn_dim_multiplier"),
                          src.at("block_ffn_dim_multiplier") + " gives an MLP width out of range"));
      return;
    }
  }
  s.intermediate = ff;
  s.tied_embeddings = flag(src, {"tie_word_embeddings", "tie_embedding"}, true);
  const bool conv_bias = flag(src, {"conv_bias"}, false);
  const int64_t kernel = src.i({"conv_L_cache"}, 1, 1024).value_or(3);
  const int64_t conv_dim = src.i({"conv_dim"}, 1, kMaxWidth).value_or(h);
  // 1: full attention (a string, as vector<bool> is 0.6 KB more wasm).
  std::string attn(static_cast<size_t>(L), 0);
  auto types = layer_types(src, L);
  if (!types.empty()) {
    for (int64_t i = 0; i < L; ++i) {
      const std::string& t = types[i];
      if (t == "full_attention") {
        attn[i] = 1;
      } else if (t != "conv") {
        jsonu::report(
            Error(ErrorCode::unsupported_model, src.at("layer_types"),
                  src.at("layer_types") + ": LFM2 layer type '" + t + "' is not supported"));
        return;
      }
    }
  } else {
    std::string where;
    const json* idx = src.find({"full_attn_idxs"}, &where);
    if (!idx) {
      jsonu::report_missing(src.path(), "layer_types");
      return;
    }
    if (!idx->is_array()) {
      jsonu::report(Error(ErrorCode::wrong_type, where, where + " must be an array"));
      return;
    }
    for (size_t k = 0; k < idx->size(); ++k) {
      attn[jsonu::as_int((*idx)[k], where + "[" + std::to_string(k) + "]", 0, L - 1)] = 1;
    }
  }
  s.layers.assign(static_cast<size_t>(L), LayerSpec{});
  Inventory inv(s.tensors, src.path());
  inv.add("embed_tokens", TensorRole::embedding, s.vocab, h, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, h, -1);
  AttnStyle st;
  st.o = "out_proj";
  st.qk_norm = QkNorm::per_head;
  for (int i = 0; i < static_cast<int>(L); ++i) {
    LayerSpec& l = s.layers[i];
    inv.norm("operator_norm", h, NormKind::rms, i);
    inv.norm("ffn_norm", h, NormKind::rms, i);
    if (attn[i]) {
      l.n_heads = s.num_heads;
      l.n_kv_heads = s.num_kv_heads;
      l.head_dim = l.v_head_dim = s.head_dim;
      l.kv_cache_dim = 2 * s.num_kv_heads * s.head_dim;
      emit_attention(inv, st, l, h, i);
    } else {
      // A fixed conv window per sequence, no per-token cache.
      l.mixer = MixerKind::linear_attention;
      l.state_elems = checked_product({conv_dim, kernel}, src.path());
      inv.linear("conv.in_proj", 3 * conv_dim, h, conv_bias, i);
      inv.add("conv.conv", TensorRole::other, conv_dim, kernel, i);
      if (conv_bias) inv.add("conv.conv.bias", TensorRole::bias, conv_dim, 1, i);
      inv.linear("conv.out_proj", h, conv_dim, conv_bias, i);
    }
    l.ffn_width = ff;
    emit_mlp(inv, MlpStyle{MlpKind::gated, "w1", "w3", "w2", nullptr, false}, h, ff, i,
             "feed_forward");
  }
  inv.norm("embedding_norm", h, NormKind::rms, -1);
}

}  // namespace cfg
}  // namespace vramfit
