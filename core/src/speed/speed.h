// Inference speed on one GPU: decode tokens/s (per sequence and aggregate at
// batch B and context depth D), prefill tokens/s and time to first token.
// A roofline per step with stated efficiency and per-kernel terms, each with
// a low/high band (methodology §18). Pure: no I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
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
  double bw_eff = 0;        // achieved / datasheet memory bandwidth
  double compute_eff = 0;   // achieved / datasheet dense fp16 tensor peak
  double kernel_s = 0;      // seconds per short kernel (launch + minimum run)
  double host_layer_s = 0;  // eager HF: host seconds per decoder layer per step
  // Tensor-parallel all-reduce (methodology §18.3): fixed cost per call over
  // a GPU-to-GPU link / over PCIe, and the achieved share of the link's
  // per-direction bandwidth for the data term.
  double ar_peer_s = 0;
  double ar_pcie_s = 0;
  double peer_eff = 0;
  double pcie_eff = 0;
};
// The link the ranks of one collective talk over (methodology §18.3): the
// GPU-to-GPU link where every rank has one (SXM/OAM boards; a PCIe card's
// bridge joins two cards only), else the host's PCIe link. Per-direction
// GB/s; 0 when the catalogue lists neither.
struct Link {
  double gbps = 0;
  bool peer = false;
};
Link link_between(const Gpu& g, int64_t ranks);
// The input `link`: the catalogue's peer link name, "PCIe" or "not listed".
std::string link_name(const Gpu& g, const Link& l);

// The achieved share of that link's bandwidth under terms `t`.
double link_efficiency(const Link& l, const Terms& t);

Terms terms_mid();
Terms terms_slow();
Terms terms_fast();

// The figures for request `p` on GPU `g`; empty when the GPU has no
// bandwidth figure. Prefill, time to first token and the compute-bound
// crossover need the GPU's fp16/bf16 peak and are left out without it.
std::vector<Figure> inference_speed(const Prepared& p, const Gpu& g, const Workload& w);

// Training (methodology §18.2): what one optimiser step computes.
struct TrainingCost {
  double matmul_params = 0;   // per GPU (tensor/pipeline shard)
  double adapter_params = 0;  // LoRA / DoRA, per GPU
  double attention_fwd = 0;   // attention FLOPs per token, forward
  double flops_per_token = 0;
  double tokens_per_step = 0;  // micro-batch x seq_len, per replica
  double dequant_bytes_per_step = 0;
};
TrainingCost training_cost(const Prepared& p);

// What to train: tokens, or a dataset's tokens x epochs; price per GPU-hour
// for the cost (0 = not given).
struct TrainingPlan {
  double train_tokens = 0;
  double dataset_tokens = 0;
  double epochs = 1;
  double price_per_gpu_hour = 0;
};

// Step time and tokens/s on GPU `g`, and time and cost to train when the
// plan gives tokens. Empty without a bf16/fp16 peak or in fp32.
std::vector<Figure> training_speed(const Prepared& p, const Gpu& g, const TrainingPlan& plan);

// The middle figures alone, for the per-GPU fit matrix (no band, no JSON):
// decode tokens/s per sequence at `batch` and context `depth`, and training
// tokens/s (all GPUs); 0 when the GPU lacks the figures they need.
double decode_tokens_per_s(const Prepared& p, const Gpu& g, int64_t batch, int64_t depth);
// `c` = training_cost(p), which does not depend on the GPU: the fit matrix
// computes it once for all of them.
double train_tokens_per_s(const Prepared& p, const TrainingCost& c, const Gpu& g);

}  // namespace speed
}  // namespace vramfit
