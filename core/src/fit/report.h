// Everything the fit layer answers for one request: the per-GPU matrix,
// the smallest GPU, the requested GPU with what it needs, disk sizes and
// layouts. The facade translates it; it decides nothing itself.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/sglang.h"
#include "engine/vllm.h"
#include "fit/disk.h"
#include "fit/fit.h"
#include "fit/recommend.h"
#include "fit/strategies.h"

namespace vramfit {

struct Target {
  GpuFit fit;
  std::optional<GpusNeeded> gpus_needed;
  std::optional<std::vector<Recommendation>> recommend;  // when it does not fit
};

struct FitReport {
  std::vector<GpuFit> gpus;
  std::string smallest_gpu;      // catalogue id; empty when none fits
  std::optional<Target> target;  // the request's `gpu`
  DiskSizes disk;
  std::optional<std::vector<Strategy>> strategies;            // when requested
  std::vector<std::pair<std::string, std::string>> warnings;  // {code, message}
  // engine vllm: vLLM's start-up figures on the highlighted GPU (or the
  // first custom GPU)
  std::optional<engine::VllmStartup> vllm;
  std::string vllm_gpu;
  // engine sglang: SGLang's start-up figures, chosen the same way
  std::optional<engine::SglangStartup> sglang;
  std::string sglang_gpu;
};

// unknown_value when the request names a GPU the catalogue lacks.
Result<FitReport> fit_report(const Prepared& p, const Breakdown& bd);

}  // namespace vramfit
