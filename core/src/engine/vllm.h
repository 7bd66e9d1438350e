// vLLM's own start-up arithmetic (methodology §7.8): the KV pool is what is
// left of total x gpu_memory_utilization after the weights, the profile
// run's activation peak and the non-torch memory, with no margin of ours;
// the pool is cut into blocks per KV-cache group as vLLM's kv_cache_utils.py
// does. Parameters (defaults, byte counts) come from data/engines/vllm.json,
// each with the vLLM file and release it is taken from.
#pragma once

#include <cstdint>
#include <string>

#include "memory/prepared.h"
#include "vramfit/catalog.h"

namespace vramfit {
namespace engine {

// What vLLM computes (and logs) when it starts on one GPU of `total` bytes.
struct VllmStartup {
  int64_t total = 0;
  int64_t requested = 0;     // total x gpu_memory_utilization
  int64_t weights = 0;       // "Model loading took"
  int64_t non_torch = 0;     // "non-torch forward increase"
  int64_t activation = 0;    // "torch peak memory increase" of the profile run
  int64_t available_kv = 0;  // "Available KV cache memory" (may be <= 0)
  int64_t max_num_seqs = 0;
  int64_t max_num_batched_tokens = 0;
  int64_t max_model_len = 0;
  int64_t block_size = 0;
  int64_t num_blocks = 0;      // of the shared pool (0 when refused)
  int64_t kv_tokens = 0;       // "GPU KV cache size: N tokens" (per replica)
  double max_concurrency = 0;  // "Maximum concurrency for max_model_len tokens per request"
  // vLLM refuses to start when one request of max_model_len does not fit
  // (check_enough_kv_cache_memory); then the largest length that would.
  bool starts = false;
  int64_t needed_kv = 0;              // one request at max_model_len
  int64_t largest_max_model_len = 0;  // estimate_max_model_len; 0 if none
  std::string refusal;                // vLLM's message, empty when it starts
};

// `chip`: the GPU's catalogue entry (SM count and architecture, which the
// sampler warm-up depends on); nullptr when unknown.
VllmStartup vllm_startup(const Prepared& p, int64_t total_bytes, const std::string& gpu_name,
                         const Gpu* chip);

// Requests of `len` tokens that the started engine's pool holds at once
// (floor of the concurrency vLLM reports for that length).
int64_t vllm_max_batch(const Prepared& p, const VllmStartup& st, int64_t len);
// Largest length <= max_model_len of which `batch` requests fit the pool; 0 if none.
int64_t vllm_max_len(const Prepared& p, const VllmStartup& st, int64_t batch);
// KV bytes vLLM sets aside for `batch` requests of `len` tokens (whole blocks).
int64_t vllm_kv_bytes(const Prepared& p, const VllmStartup& st, int64_t batch, int64_t len);

// Component formulas (memory/components.cpp rows limited to vLLM).
int64_t vllm_profile_peak(const Prepared& p, int64_t max_num_seqs, int64_t batched_tokens,
                          const Gpu* chip);
int64_t vllm_non_torch(const Prepared& p);
// Rows of the rotary cos/sin table vLLM's get_rope precomputes (SGLang's
// rotary_embedding.py, adapted from it, has the same rows); 0 without RoPE.
int64_t rope_table_rows(const ModelSpec& m);
// max_num_seqs / max_num_batched_tokens: the request's, or vLLM's default for
// the GPU (engine/arg_utils.py get_batch_defaults, vllm serve).
int64_t vllm_max_num_seqs(const Request& r, int64_t total_bytes, const std::string& gpu_name);
int64_t vllm_batched_tokens(const Request& r, int64_t total_bytes, const std::string& gpu_name);

}  // namespace engine
}  // namespace vramfit
