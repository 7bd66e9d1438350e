// A request prepared once per model: everything that does not depend on
// batch size or sequence length, so that searches re-evaluate cheaply.
#pragma once

#include "engine/llama_cpp.h"
#include "memory/parts.h"
#include "vramfit/catalog.h"
#include "vramfit/estimate.h"
#include "vramfit/params.h"

namespace vramfit {

struct Prepared {
  const ModelSpec* spec = nullptr;
  Request req;
  WeightFormat fmt;
  mem::Shard shard;
  mem::WeightBytes weights;
  mem::LoraSize lora;
  mem::ActivationBytes act;
  ParamCounts params;
  int64_t trainable = 0;      // trainable params per GPU
  double kv_bytes = 2;        // KV cache bytes per element
  double factored_state = 0;  // Adafactor state of the trainable tensors
  int64_t beta = 2;           // compute dtype bytes
  double fragmentation = 0.1;
  int64_t rope_table = 0;          // vLLM / SGLang: the precomputed rotary cos/sin table, bytes
  const Gpu* vllm_chip = nullptr;  // vLLM: the GPU its profile run is sized for
  int64_t vllm_max_num_seqs = 0;   // vLLM: the request's, or the default of its GPU
  int64_t vllm_batched_tokens = 0;
  llama_cpp::ModelBytes llama_model;  // engine llama_cpp: tensor bytes per layer
  std::vector<std::pair<std::string, std::string>> warnings;
  // req.precision is bf16_mixed because DeepSpeed ZeRO-1/2 keeps fp32
  // masters under the stack's pure bf16 (estimate.cpp): as_given undoes it.
  bool deepspeed_masters = false;
};

// The request as given (the stack's precision), for searches that change the
// layout and so re-decide the regime.
Request as_given(const Prepared& p);

// Checks the request against the model (layout, LoRA targets, formats, the
// engine's settings) and prepares it.
Result<Prepared> prepare(const ModelSpec& spec, const Request& req);

// Evaluates at batch b and sequence length s (training micro-batch, or
// inference batch and context length).
Breakdown evaluate(const Prepared& p, int64_t b, int64_t s, bool explain);

}  // namespace vramfit
