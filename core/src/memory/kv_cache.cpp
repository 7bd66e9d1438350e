// KV cache and recurrent state per GPU: per layer, K and V for every cached
// token (windowed and chunked layers capped), or a fixed state for mamba and
// linear-attention layers (methodology §7.1-§7.5).
#include <algorithm>

#include "memory/parts.h"

namespace vramfit {
namespace mem {

int64_t kv_cache_bytes(const ModelSpec& s, const Request& req, int64_t b, int64_t seq,
                       double kv_bytes, const Shard& sh) {
  double total = 0;
  const bool hf = req.engine == Engine::hf;
  const size_t per_stage = (s.layers.size() + sh.pp - 1) / sh.pp;
  size_t n = 0;
  for (const auto& L : s.layers) {
    if (n++ >= per_stage) break;
    double per_tok = 0;
    if (L.mixer == MixerKind::attention) {
      // kv_cache_dim is the layer's K+V width over its KV heads, 0 for a layer
      // that caches no text tokens (Mllama cross-attention). TP shards heads,
      // replicating when n_kv < tp.
      if (L.kv_cache_dim <= 0 || L.n_kv_heads <= 0) continue;
      const double heads =
          std::max<double>(1.0, static_cast<double>(L.n_kv_heads) / static_cast<double>(sh.tp));
      per_tok = heads * static_cast<double>(L.kv_cache_dim / L.n_kv_heads) * kv_bytes;
    } else if (L.mixer == MixerKind::mla) {
      // HF caches the decompressed per-head K/V; vLLM and llama.cpp the
      // latent (kv_lora_rank + rope dim), replicated across TP (§7.2).
      per_tok = hf ? static_cast<double>(L.n_heads) / sh.tp *
                         static_cast<double>(L.head_dim + L.v_head_dim) * kv_bytes
                   : static_cast<double>(L.kv_cache_dim) * kv_bytes;
    } else if (L.mixer == MixerKind::mamba || L.mixer == MixerKind::linear_attention) {
      total += static_cast<double>(b) * static_cast<double>(L.state_elems) * 4.0 / sh.tp;
      continue;
    } else {
      continue;
    }
    int64_t tokens = seq;
    if (L.window > 0) tokens = std::min(seq, L.window);
    if (L.chunk > 0) tokens = std::min(seq, L.chunk);
    total += per_tok * static_cast<double>(tokens) * static_cast<double>(b);
  }
  return to_bytes(total);
}

}  // namespace mem
}  // namespace vramfit
