// KV cache and recurrent state per GPU: per layer, K and V for every cached
// token (windowed and chunked layers capped), or a fixed state for mamba and
// linear-attention layers (methodology §7.1-§7.5).
#include <algorithm>

#include "memory/parts.h"

namespace vramfit {
namespace mem {

double kv_bytes_per_token(const LayerSpec& L, bool hf, double kv_bytes, int64_t tp) {
  if (L.mixer == MixerKind::attention) {
    // kv_cache_dim is the layer's K+V width over its KV heads, 0 for a layer
    // that caches no text tokens (Mllama cross-attention). TP shards heads,
    // replicating when n_kv < tp.
    if (L.kv_cache_dim <= 0 || L.n_kv_heads <= 0) return 0;
    const double heads =
        std::max<double>(1.0, static_cast<double>(L.n_kv_heads) / static_cast<double>(tp));
    return heads * static_cast<double>(L.kv_cache_dim / L.n_kv_heads) * kv_bytes;
  }
  if (L.mixer == MixerKind::mla) {
    // HF caches the decompressed per-head K/V; vLLM and llama.cpp the
    // latent (kv_lora_rank + rope dim), replicated across TP (§7.2).
    return hf ? static_cast<double>(L.n_heads) / static_cast<double>(tp) *
                    static_cast<double>(L.head_dim + L.v_head_dim) * kv_bytes
              : static_cast<double>(L.kv_cache_dim) * kv_bytes;
  }
  return 0;
}

int64_t kv_cache_bytes(const ModelSpec& s, const Request& req, int64_t b, int64_t seq,
                       double kv_bytes, const Shard& sh) {
  double total = 0;
  const bool hf = req.engine == Engine::hf;
  const size_t per_stage = (s.layers.size() + sh.pp - 1) / sh.pp;
  size_t n = 0;
  for (const auto& L : s.layers) {
    if (n++ >= per_stage) break;
    if (L.mixer == MixerKind::mamba || L.mixer == MixerKind::linear_attention) {
      total += static_cast<double>(b) * static_cast<double>(L.state_elems) * 4.0 / sh.tp;
      continue;
    }
    const double per_tok = kv_bytes_per_token(L, hf, kv_bytes, sh.tp);
    if (per_tok <= 0) continue;
    int64_t tokens = seq;
    if (L.window > 0) tokens = std::min(seq, L.window);
    if (L.chunk > 0) tokens = std::min(seq, L.chunk);
    total += per_tok * static_cast<double>(tokens) * static_cast<double>(b);
  }
  return to_bytes(total);
}

}  // namespace mem
}  // namespace vramfit
