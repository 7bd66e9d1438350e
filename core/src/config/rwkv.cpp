// RWKV (no attention: time-mix and channel-mix blocks with a fixed recurrent
// state). v4: transformers models/rwkv/modeling_rwkv.py (v4.57)
// RwkvSelfAttention / RwkvFeedForward / RwkvBlock; v5 ("rwkv5"): the
// remote code RWKV/rwkv-5-world-* modeling_rwkv5.py (Dec 2023), which adds
// per-head time_decay / time_faaaa, a gate projection and a GroupNorm ln_x.
// Per block: ln1, ln2 (LayerNorm), pre_ln on block 0; time mix key, value,
// receptance (+ gate in v5), output; channel mix key (h -> inter),
// receptance (h -> h), value (inter -> h), two time_mix vectors. ln_out and
// head at the end. Other RWKV versions are refused.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

void parse_rwkv(const Src& src, ModelSpec& s) {
  const bool v5 = s.family == "rwkv5";
  if (s.family != "rwkv" && !v5) {
    jsonu::report(
        Error(ErrorCode::unsupported_model, src.at("model_type"),
              "model_type '" + s.family +
                  "' (RWKV time-mix and channel-mix blocks of this version) is not supported"));
    return;
  }
  s.family = v5 ? "rwkv5" : "rwkv";
  const int64_t h = src.need({"hidden_size"}, kMaxWidth);
  s.hidden = h;
  s.num_layers = src.need({"num_hidden_layers"}, kMaxLayers);
  s.vocab = src.need({"vocab_size"}, kMaxWidth);
  const int64_t att = src.i({"attention_hidden_size"}, 1, kMaxWidth).value_or(h);
  // RwkvConfig: intermediate_size None = 4h; rwkv5: int(3.5h // 32 * 32).
  const int64_t inter =
      src.i({"intermediate_size"}, 1, kMaxWidth).value_or(v5 ? (h * 7 / 2) / 32 * 32 : 4 * h);
  const int64_t head_size = v5 ? src.i({"head_size"}, 1, kMaxWidth).value_or(64) : 0;
  if (v5 && h % head_size != 0) {
    jsonu::report(Error(ErrorCode::inconsistent, src.at("head_size"),
                        src.at("head_size") + " does not divide hidden_size"));
    return;
  }
  const int64_t heads = v5 ? h / head_size : 0;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  s.intermediate = inter;
  s.layers.assign(static_cast<size_t>(s.num_layers), LayerSpec{});
  Inventory inv(s.tensors, src.path());
  inv.add("embeddings", TensorRole::embedding, s.vocab, h, -1);
  if (!s.tied_embeddings) inv.add("head", TensorRole::lm_head, s.vocab, h, -1);
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    LayerSpec& l = s.layers[i];
    l.mixer = MixerKind::linear_attention;  // fixed state, no KV cache
    // Token shifts (2 x h) plus v4's num/den/max (3 x att) or v5's per-head
    // k x v matrices.
    l.state_elems =
        2 * h + (v5 ? checked_product({heads, head_size, head_size}, src.path()) : 3 * att);
    l.ffn_width = inter;
    if (i == 0) inv.norm("pre_ln", h, NormKind::layer, i);
    inv.norm("ln1", h, NormKind::layer, i);
    inv.norm("ln2", h, NormKind::layer, i);
    if (v5) {
      inv.add("attention.time_decay", TensorRole::other, heads, head_size, i);
      inv.add("attention.time_faaaa", TensorRole::other, heads, head_size, i);
      inv.add("attention.time_mix_gate", TensorRole::other, h, 1, i);
      inv.linear("attention.gate", att, h, false, i);
      inv.norm("attention.ln_x", h, NormKind::layer, i);  // GroupNorm affine
    } else {
      inv.add("attention.time_decay", TensorRole::other, att, 1, i);
      inv.add("attention.time_first", TensorRole::other, att, 1, i);
    }
    for (const char* m :
         {"attention.time_mix_key", "attention.time_mix_value", "attention.time_mix_receptance",
          "feed_forward.time_mix_key", "feed_forward.time_mix_receptance"}) {
      inv.add(m, TensorRole::other, h, 1, i);
    }
    inv.linear("attention.key", att, h, false, i);
    inv.linear("attention.value", att, h, false, i);
    inv.linear("attention.receptance", att, h, false, i);
    inv.linear("attention.output", h, att, false, i);
    inv.linear("feed_forward.key", inter, h, false, i);
    inv.linear("feed_forward.receptance", h, h, false, i);
    inv.linear("feed_forward.value", h, inter, false, i);
  }
  inv.norm("ln_out", h, NormKind::layer, -1);
}

}  // namespace cfg
}  // namespace vramfit
