// Per-GPU verdicts and exact integer searches (methodology §10).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "memory/prepared.h"

namespace vramfit {

constexpr double kSafetyReserve = 0.05;  // §10.2: fits below 95% of capacity

struct GpuFit {
  std::string id, name, vendor;
  bool custom = false;
  int64_t memory_bytes = 0;   // driver total
  int64_t usable_bytes = 0;   // x gpu_memory_utilization for vLLM
  int64_t need_bytes = 0;
  int64_t headroom_bytes = 0; // usable - need (negative when short)
  std::string verdict;        // fits / tight / no
  int64_t max_batch_size = 0; // largest that still "fits"; 0 = none
  int64_t max_seq_len = 0;
};

std::string verdict_for(int64_t need, int64_t usable);

// Every catalogue GPU plus the request's custom GPUs.
std::vector<GpuFit> fit_all(const Prepared& p, const Breakdown& bd);

// Largest b in [1, hi] whose estimate fits `usable`; 0 when none.
int64_t max_batch(const Prepared& p, int64_t s, int64_t usable, int64_t hi);

// Cheapest changes that make the request fit `usable` (with bytes saved).
nlohmann::json recommend(const ModelSpec& spec, const Request& req,
                         const Breakdown& bd, int64_t usable);

}  // namespace vramfit
