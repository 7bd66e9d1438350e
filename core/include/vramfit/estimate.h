// The memory model: ModelSpec + Request -> per-component bytes, phases and
// the peak. Pure functions, no I/O. Formulas and sources: core/MEMORY_MODEL.md
// (derived from methodology §4-§10).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vramfit/model.h"
#include "vramfit/request.h"
#include "vramfit/result.h"

namespace vramfit {

// A memory component. Bytes are per GPU (after parallel sharding).
// Ids, labels and formulas are string literals (static storage): searches
// evaluate thousands of breakdowns and must not allocate for them.
struct Component {
  const char* id = "";     // weights, kv_cache, activations, ... (SCHEMA.md)
  const char* label = "";  // short human label
  int64_t bytes = 0;
  double uncertainty = 0;    // relative, for the low/high band
  bool runtime = false;      // not a PyTorch tensor (context, fragmentation)
  bool paged = false;        // cudaMallocManaged: outside PyTorch's allocator, pages to host
  const char* formula = "";  // how it was computed (empty unless explaining)
  nlohmann::json inputs;     // null unless explaining (an object allocates)
};

// A moment in the step when a set of components is live at once.
struct Phase {
  std::string id;                       // forward_end, backward, ...
  std::vector<std::string> components;  // ids live in this phase
  int64_t bytes = 0;
};

// The resolved weight format and which rule decided it.
struct WeightFormat {
  std::string dtype;  // dtype id ("bf16", "nf4", "custom")
  double bits = 16;   // effective bits per quantised weight
  std::string rule;   // request / quantization_config / repo_name / ...
};

struct Breakdown {
  WeightFormat weights;
  int64_t trainable_params = 0;
  int64_t lora_params = 0;
  std::vector<Component> components;  // every component, live or not
  std::vector<Phase> phases;
  std::string peak_phase;
  int64_t peak_allocated_bytes = 0;  // ~ torch.cuda.max_memory_allocated (paged bytes excluded)
  int64_t paged_bytes = 0;           // paged components in the peak (in total_bytes)
  int64_t reserved_bytes = 0;        // peak x (1 + fragmentation)
  int64_t total_bytes = 0;           // ~ nvidia-smi: reserved + context
  int64_t low_bytes = 0;             // band on total_bytes
  int64_t high_bytes = 0;
  double fragmentation = 0;
  std::vector<std::pair<std::string, std::string>> warnings;  // code, text
};

// Weight format for a request on a model (explicit, detected, or default).
Result<WeightFormat> resolve_weight_format(const ModelSpec& spec, const Request& req);
// The format the checkpoint's files store (quantization_config, else
// torch_dtype, else bf16), whatever format the request loads it in.
WeightFormat checkpoint_weight_format(const ModelSpec& spec);

// Full estimate. `explain` = false skips formula/inputs text (searches).
Result<Breakdown> estimate_memory(const ModelSpec& spec, const Request& req, bool explain = true);

}  // namespace vramfit
