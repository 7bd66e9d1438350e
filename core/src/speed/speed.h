// Inference speed on one GPU: decode tokens/s (per sequence and aggregate at
// batch B and context depth D), prefill tokens/s and time to first token.
// A roofline per step with stated efficiency and per-kernel terms, each with
// a low/high band (methodology §18). Pure: no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "memory/prepared.h"
#include "vramfit/catalog.h"

namespace vramfit {
namespace speed {

// One speed figure with its band, formula and inputs (like a Component).
struct Figure {
  const char* id = "";     // decode_tokens_per_s, ... (SCHEMA.md "speed")
  const char* label = "";  // short human label
  const char* unit = "";   // "tokens/s" or "s"
  double value = 0;
  double low = 0;  // slow end of the band (low efficiency, high overhead)
  double high = 0;
  const char* formula = "";
  nlohmann::json inputs = nlohmann::json::object();
};

struct Workload {
  int64_t batch = 1;   // concurrent sequences decoding together
  int64_t depth = 0;   // tokens already in each sequence's context
  int64_t prompt = 0;  // prompt tokens to prefill (time to first token)
};

// The modelling constants, each from a cited mechanism (speed.cpp).
struct Terms {
  double bw_eff = 0;       // achieved / datasheet memory bandwidth
  double compute_eff = 0;  // achieved / datasheet dense fp16 tensor peak
  double kernel_s = 0;     // seconds per short kernel (launch + minimum run)
};
Terms terms_mid();
Terms terms_slow();
Terms terms_fast();

// The figures for request `p` on GPU `g`; empty when the GPU has no
// bandwidth figure. Prefill, time to first token and the compute-bound
// crossover need the GPU's fp16/bf16 peak and are left out without it.
std::vector<Figure> inference_speed(const Prepared& p, const Gpu& g, const Workload& w);

}  // namespace speed
}  // namespace vramfit
