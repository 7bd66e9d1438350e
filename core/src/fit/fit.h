// Per-GPU verdicts and exact integer searches (methodology §10). Results are
// plain structs; the facade (api/response_json.cpp) alone writes JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "memory/prepared.h"
#include "vramfit/catalog.h"

namespace vramfit {

constexpr double kSafetyReserve = 0.05;  // §10.2: fits below 95% of capacity

enum class Verdict { fits, tight, fits_paged, no };

// The verdicts with their words for people: the catalogue's `verdicts`
// (api/catalog_json.cpp), so front ends show these labels, not the ids.
struct VerdictInfo {
  Verdict verdict;
  const char* id;     // the response's "verdict"
  const char* label;  // what the page and the CLI's text output print
  const char* description;
};
const std::vector<VerdictInfo>& verdict_table();
const char* verdict_name(Verdict v);

struct GpuFit {
  std::string id, name, vendor;
  bool custom = false;
  int64_t memory_bytes = 0;   // driver total
  const Gpu* chip = nullptr;  // catalogue entry of its chip (custom: `like`), else nullptr
  int64_t usable_bytes = 0;   // x gpu_memory_utilization for vLLM
  int64_t need_bytes = 0;
  int64_t headroom_bytes = 0;  // usable - need (negative when short)
  Verdict verdict = Verdict::no;
  int64_t max_batch_size = 0;  // largest that still "fits"; 0 = none
  int64_t max_seq_len = 0;
  // Catalogue GPUs the request fits (methodology §18): decode tokens/s per
  // sequence at batch_size and seq_len of context (inference), or training
  // tokens/s (training); 0 = not given.
  double tokens_per_s = 0;
};

// `paged`: bytes of paged optimizer states inside `need`; when all the
// rest fits, the verdict is fits_paged (methodology §15.8).
Verdict verdict_for(int64_t need, int64_t usable, int64_t paged = 0);

// Memory the request may use on a GPU of `memory` bytes (vLLM takes only
// gpu_memory_utilization of it).
int64_t usable_of(const Request& req, int64_t memory);

// vLLM's verdict on one GPU (f.memory_bytes set): usable, need, headroom,
// verdict and, when searching, max batch / context (engine/vllm.cpp, §7.8).
void fit_vllm(const Prepared& p, const std::string& gpu_name, GpuFit& f);
// The total vLLM sizes its budget from (torch.cuda.mem_get_info): a catalogue
// GPU's cuda_total where listed, else the memory it is given. (SGLang reads
// nvidia-smi's memory.total for its defaults: engine/sglang.cpp.)
int64_t engine_total(const GpuFit& f);
// A catalogue GPU's cuda_total where listed, else its memory.
int64_t cuda_total(const Gpu& g);
// SGLang's verdict on one GPU, the same way (engine/sglang.cpp, §7.9).
void fit_sglang(const Prepared& p, GpuFit& f);

// Every catalogue GPU plus the request's custom GPUs.
std::vector<GpuFit> fit_all(const Prepared& p, const Breakdown& bd);

// The smallest (by memory) catalogue GPU on which `need` bytes fit (ties:
// first listed); nullptr when none does.
const Gpu* smallest_gpu(int64_t need, const Request& req);

// Largest b in [1, hi] whose estimate fits `usable`; 0 when none.
int64_t max_batch(const Prepared& p, int64_t s, int64_t usable, int64_t hi);

// Domain warnings on the request as a whole (the memory model adds its own).
std::vector<std::pair<std::string, std::string>> request_warnings(const ModelSpec& spec,
                                                                  const Request& req);

}  // namespace vramfit
