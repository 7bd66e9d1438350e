// Internal building blocks of the memory model (estimate.cpp assembles them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/estimate.h"
#include "vramfit/model.h"
#include "vramfit/request.h"

namespace vramfit {
namespace mem {

// Parallel layout seen by one GPU.
struct Shard {
  int64_t tp = 1, pp = 1, ep = 1, dp = 1;
  bool shard_params = false;  // ZeRO-3 / FSDP
};
Shard shard_of(const Request& req);

// bitsandbytes' paged optimizers page the states of tensors of at least
// this many elements (optim/optimizer.py get_state_buffer: p.numel() < 1e5
// gets torch.zeros_like; methodology §15.8).
constexpr int64_t kPagedMinElems = 100000;

// Weight storage per GPU, split by what is quantised.
struct WeightBytes {
  int64_t total = 0;
  int64_t quantized = 0;             // tensors stored in the low-bit format
  int64_t high_precision = 0;        // embeddings, head, norms, ... kept 16/32-bit
  int64_t linear_params = 0;         // params of linear + expert tensors (per GPU)
  int64_t largest_linear = 0;        // elements of the largest linear (dequant)
  int64_t largest_tensor = 0;        // elements of the largest parameter tensor
  double factored_state = 0;         // Adafactor: 4(rows+cols) per matrix, 4n per vector
  double paged_params = 0;           // elements of tensors >= 1e5 (bitsandbytes pages their states)
  int64_t largest_layer_params = 0;  // largest decoder layer (ZeRO-3 gather)
};
WeightBytes weight_bytes(const ModelSpec& spec, const WeightFormat& fmt,
                         int64_t high_precision_bytes, const Shard& sh);

// One LoRA-targeted module kind (same shape in every layer it appears in).
struct LoraTarget {
  std::string name;
  int64_t in = 0, out = 0;
  int64_t instances = 0;  // modules across all layers (x experts)
};
struct LoraSize {
  int64_t params = 0;          // adapter parameters (incl. DoRA magnitude)
  int64_t largest_matrix = 0;  // elements of the largest lora_A / lora_B
  double factored_state = 0;   // Adafactor state for the adapters
  double paged_params = 0;     // elements of lora_A / lora_B matrices >= 1e5 (paged states)
  std::vector<LoraTarget> targets;
};
Result<LoraSize> lora_size(const ModelSpec& spec, const Request& req);

// Bytes saved for backward per token, summed over all decoder layers (one
// microbatch), and the largest single layer.
struct ActivationBytes {
  double all_layers = 0;          // per token
  double max_layer = 0;           // per token, largest layer
  double layer_input = 0;         // per token per layer: checkpointed input
  double quadratic = 0;           // per token per unit of sequence length (eager)
  double final_saves = 0;         // per token: final norm (+ head input) saves
  double backward_transient = 0;  // per token: grads alive in one layer's backward
};
ActivationBytes activation_bytes(const ModelSpec& spec, const Request& req, const LoraSize& lora,
                                 int64_t tp);

// Bytes one cached token takes in one layer on one GPU (K and V, or an MLA
// latent); 0 for a layer that caches no tokens (recurrent, Mllama
// cross-attention). `hf`: HF caches MLA decompressed (kv_cache.cpp).
double kv_bytes_per_token(const LayerSpec& L, bool hf, double kv_bytes, int64_t tp);

// KV cache / recurrent state bytes for b sequences of s tokens (per GPU;
// kv_cache.cpp).
int64_t kv_cache_bytes(const ModelSpec& spec, const Request& req, int64_t b, int64_t s,
                       double kv_bytes, const Shard& sh);

// Compute dtype bytes (2 for bf16/fp16 compute, 4 for fp32).
int64_t compute_bytes(const Request& req);

// Saturating helpers: byte counts are computed in double and clamped.
int64_t to_bytes(double v);

}  // namespace mem
}  // namespace vramfit
