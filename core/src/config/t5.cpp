// Encoder-decoder T5 family (HF T5ForConditionalGeneration / MT5 / UMT5).
// Encoder tensors have layer -1 (they hold no KV cache); decoder blocks are
// the ModelSpec layers. T5LayerNorm is RMS-style (weight only), attention has
// no biases, and block 0 of each stack owns the relative position bias table.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

struct T5Dims {
  int64_t d_model, d_kv, heads, d_ff, buckets;
  bool gated;
};

void emit_t5_attention(Inventory& inv, const T5Dims& d, const std::string& pre, bool rel_bias,
                       int layer) {
  const int64_t inner = d.heads * d.d_kv;
  inv.linear(pre + ".q", inner, d.d_model, false, layer);
  inv.linear(pre + ".k", inner, d.d_model, false, layer);
  inv.linear(pre + ".v", inner, d.d_model, false, layer);
  inv.linear(pre + ".o", d.d_model, inner, false, layer);
  if (rel_bias) {
    inv.add(pre + ".relative_attention_bias", TensorRole::other, d.buckets, d.heads, layer);
  }
}

void emit_t5_ff(Inventory& inv, const T5Dims& d, const std::string& pre, int layer) {
  if (d.gated) {
    inv.linear(pre + ".wi_0", d.d_ff, d.d_model, false, layer);
    inv.linear(pre + ".wi_1", d.d_ff, d.d_model, false, layer);
  } else {
    inv.linear(pre + ".wi", d.d_ff, d.d_model, false, layer);
  }
  inv.linear(pre + ".wo", d.d_model, d.d_ff, false, layer);
}

// `v1_1`: MT5Config / UMT5Config, whose defaults are a gated-GELU MLP and an
// untied head (T5Config: ReLU, tied); transformers models/mt5, models/umt5
// configuration_*.py.
T5Dims read_t5(const Src& src, bool v1_1) {
  T5Dims d{};
  d.d_model = src.need({"d_model"}, kMaxWidth);
  d.d_kv = src.i({"d_kv"}, 1, kMaxWidth).value_or(64);
  d.heads = src.i({"num_heads"}, 1, kMaxHeads).value_or(8);
  d.d_ff = src.i({"d_ff"}, 1, kMaxWidth).value_or(2048);
  d.buckets = src.i({"relative_attention_num_buckets"}, 1, kMaxWidth).value_or(32);
  d.gated =
      src.s({"feed_forward_proj"}).value_or(v1_1 ? "gated-gelu" : "relu").rfind("gated-", 0) == 0;
  return d;
}

void emit_encoder(Inventory& inv, const T5Dims& d, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i) {
    const std::string b = "encoder.block." + std::to_string(i);
    inv.norm(b + ".layer.0.layer_norm", d.d_model, NormKind::rms, -1);
    emit_t5_attention(inv, d, b + ".layer.0.SelfAttention", i == 0, -1);
    inv.norm(b + ".layer.1.layer_norm", d.d_model, NormKind::rms, -1);
    emit_t5_ff(inv, d, b + ".layer.1.DenseReluDense", -1);
  }
  inv.norm("encoder.final_layer_norm", d.d_model, NormKind::rms, -1);
}

void emit_decoder(Inventory& inv, const T5Dims& d, ModelSpec& s) {
  s.layers.assign(static_cast<size_t>(s.num_layers), LayerSpec{});
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    LayerSpec& l = s.layers[i];
    l.n_heads = l.n_kv_heads = d.heads;
    l.head_dim = l.v_head_dim = d.d_kv;
    l.kv_cache_dim = 2 * d.heads * d.d_kv;  // self-attention cache only
    l.ffn_width = d.d_ff;
    inv.norm("layer.0.layer_norm", d.d_model, NormKind::rms, i);
    emit_t5_attention(inv, d, "SelfAttention", i == 0, i);
    inv.norm("layer.1.layer_norm", d.d_model, NormKind::rms, i);
    emit_t5_attention(inv, d, "EncDecAttention", false, i);
    inv.norm("layer.2.layer_norm", d.d_model, NormKind::rms, i);
    emit_t5_ff(inv, d, "DenseReluDense", i);
  }
  inv.norm("decoder.final_layer_norm", d.d_model, NormKind::rms, -1);
}

}  // namespace

void parse_t5(const Src& src, ModelSpec& s) {
  const bool v1_1 = s.family == "mt5" || s.family == "umt5";
  s.family = "t5";
  s.encoder_decoder = true;
  const T5Dims d = read_t5(src, v1_1);
  const int64_t enc_layers = src.i({"num_layers"}, 1, kMaxLayers).value_or(6);
  s.num_layers = src.i({"num_decoder_layers"}, 1, kMaxLayers).value_or(enc_layers);
  s.hidden = d.d_model;
  s.num_heads = s.num_kv_heads = d.heads;
  s.head_dim = d.d_kv;
  s.intermediate = d.d_ff;
  s.vocab = src.need({"vocab_size"}, kMaxWidth);
  s.max_positions = src.i({"n_positions"}, 1, 1000000000).value_or(0);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, !v1_1);
  s.mlp = d.gated ? MlpKind::gated : MlpKind::plain;
  Inventory inv(s.tensors, src.path());
  inv.add("shared", TensorRole::embedding, s.vocab, d.d_model, -1);
  if (!s.tied_embeddings) inv.add("lm_head", TensorRole::lm_head, s.vocab, d.d_model, -1);
  emit_encoder(inv, d, enc_layers);
  emit_decoder(inv, d, s);
}

}  // namespace cfg
}  // namespace vramfit
