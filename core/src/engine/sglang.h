// SGLang's own start-up arithmetic (methodology §7.9): the KV pool is what
// the GPU has free after the weights load, less total x (1 -
// mem_fraction_static) kept for activations and CUDA graphs; it is cut into
// tokens of one cell (bytes per token over every layer). Parameters
// (defaults by GPU size, memory in use before the weights) come from
// data/engines/sglang.json, each with the SGLang file it is taken from.
#pragma once

#include <cstdint>
#include <string>

#include "memory/prepared.h"

namespace vramfit {
namespace engine {

// What SGLang computes (and logs) when it starts on one GPU of `total` bytes.
struct SglangStartup {
  int64_t total = 0;               // the GPU (nvidia-smi memory.total)
  double mem_fraction_static = 0;  // the request's, or SGLang's default
  bool fraction_derived = false;   // derived from the GPU (no request value)
  int64_t reserved_mib = 0;        // the default's reserved_mem (0 when given)
  int64_t chunked_prefill_size = 0;
  int64_t cuda_graph_max_bs = 0;
  int64_t total_gpu_memory = 0;         // "Load weight begin. avail mem"
  int64_t weights = 0;                  // "Load weight end. ... mem usage"
  int64_t available_after_weights = 0;  // "Load weight end. avail mem"
  int64_t rest_memory = 0;              // the KV budget (may be <= 0)
  int64_t cell_size = 0;                // KV bytes per full-attention token
  int64_t max_total_num_tokens = 0;     // "KV Cache is allocated. #tokens"
  int64_t swa_tokens = 0;               // hybrid sliding-window pool; 0 if none
  int64_t kv_bytes = 0;                 // K size + V size
  int64_t available_after_pool = 0;     // "Memory pool end. avail mem"
  int64_t context_len = 0;              // context_length (the model's by default)
  int64_t max_req_len = 0;              // min(context_len, max_total_num_tokens) - 1
  double max_concurrency = 0;           // tokens / the requested length
  bool starts = false;
  double min_mem_fraction_static = 0;  // smallest that leaves a KV pool
  std::string refusal;                 // SGLang's message, empty when it starts
};

SglangStartup sglang_startup(const Prepared& p, int64_t total_bytes);

// Requests of `len` tokens the pool holds at once; 0 when one does not fit.
int64_t sglang_max_batch(const SglangStartup& st, int64_t len);
// Longest request (<= max_req_len) of which `batch` fit the pool; 0 if none.
int64_t sglang_max_len(const SglangStartup& st, int64_t batch);
// KV bytes `batch` requests of `len` tokens take in the pool.
int64_t sglang_kv_bytes(const SglangStartup& st, int64_t batch, int64_t len);

}  // namespace engine
}  // namespace vramfit
