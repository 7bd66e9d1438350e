// Exact parameter counts, summed from a ModelSpec's tensor inventory.
#pragma once

#include <cstdint>
#include <vector>

#include "vramfit/model.h"

namespace vramfit {

struct ParamCounts {
  int64_t total = 0;               // language model; a tied head counted once
  int64_t embeddings = 0;          // token (+ learned position) embeddings
  int64_t lm_head = 0;             // 0 when tied to the embeddings
  int64_t non_embedding = 0;       // total - embeddings - lm_head
  int64_t active = 0;              // per token: routed experts scaled by k/E
  int64_t active_no_embed = 0;     // active minus the input embedding table
  int64_t towers = 0;              // vision/audio towers (not in total)
  std::vector<int64_t> per_layer;  // decoder layer i
};

ParamCounts count_params(const ModelSpec& spec);

// Sum of count*rows*cols over a list of tensor groups.
int64_t sum_params(const std::vector<TensorGroup>& tensors);

}  // namespace vramfit
