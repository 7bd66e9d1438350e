// Parallel layouts compared side by side, and the fewest GPUs that hold a
// request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fit/recommend.h"
#include "memory/prepared.h"

namespace vramfit {

struct Layout {
  int64_t tp = 1, pp = 1, dp = 1, ep = 1;
  int zero = 0;  // ZeRO stage
};

struct Strategy {
  std::string name;  // "TP 4 x PP 2"
  int64_t gpus = 1;
  Layout parallel;
  int64_t per_gpu_total_bytes = 0;
  int64_t per_gpu_peak_allocated_bytes = 0;
  std::string smallest_gpu;  // catalogue id; empty when none fits
};

// Per-GPU total for single GPU, TP 2/4/8, PP 2/4, TP x PP, ZeRO-2/3 x 8
// (training) and EP (MoE), each with the smallest catalogue GPU that holds
// it. Layouts invalid for the model (tp not dividing heads) are skipped.
std::vector<Strategy> strategies(const ModelSpec& spec, const Request& req);

inline Layout layout_of(const ParallelOptions& p) { return {p.tp, p.pp, p.dp, p.ep, p.zero}; }

// The layout in words: "tensor parallel 2, data parallel 4 with ZeRO-3 /
// FSDP" (degrees above 1; the ZeRO stage when `with_zero` and above 0).
std::string layout_words(const Layout& l, bool with_zero);

// Training data parallel below ZeRO-3 under a stack that can shard: ZeRO-3 /
// FSDP over the same GPUs holds less. The "shard" suggestion, and what
// gpus_needed tries before more GPUs.
bool can_shard_further(const Request& r);

// `base` spread over n times its GPUs, the one rule gpus_needed and the
// request's `gpus` follow: inference, tensor parallel x n when that divides
// the attention heads, else pipeline parallel x n; training, data parallel
// x n with ZeRO-3 / FSDP.
ParallelOptions scaled_layout(const ModelSpec& spec, Task task, ParallelOptions base, int64_t n);

// The layout `gpus` picks (Request::layout_from_gpus): one GPU's, scaled to
// r.gpus; a ZeRO stage the request set (1-3, or fsdp) stays, and a training
// stack that cannot shard runs data-parallel copies (ZeRO 0). Returns
// `inconsistent` at `gpus` when neither tensor nor pipeline parallel can
// spread the model over that many.
Status apply_gpus(const ModelSpec& spec, Request& r);

struct GpusNeeded {
  int64_t count = 1;  // layout_gpus(parallel)
  Layout parallel;    // ep is the request's own
  int64_t per_gpu_total_bytes = 0;
};

// Fewest GPUs that hold the request by `judge` (the target GPU's verdict:
// vramfit's rule, or vLLM's / SGLang's start-up arithmetic under those
// engines), scaling the given layout: tensor parallel (then pipeline) for
// inference, ZeRO-3 data parallel for training (a data-parallel layout
// below ZeRO-3 first tries ZeRO-3 on its own GPUs). None when 64 are not
// enough.
std::optional<GpusNeeded> gpus_needed(const ModelSpec& spec, const Request& req,
                                      const Judge& judge);

}  // namespace vramfit
