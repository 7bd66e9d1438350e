// Ollama's launch of llama-server (methodology §17): the defaults it picks
// (num_ctx by VRAM, num_parallel, num_batch) before llama.cpp's buffer
// arithmetic (engine/llama_cpp.h) takes over. Data: core/data/engines/ollama.json.
#pragma once

#include <cstdint>

#include "vramfit/model.h"
#include "vramfit/request.h"

namespace vramfit {
namespace ollama {

// OLLAMA_NUM_PARALLEL's default.
int64_t default_num_parallel();

// The num_ctx Ollama picks when none is set, by the total VRAM of the GPUs.
int64_t default_num_ctx(int64_t total_vram_bytes);

// num_ctx as Ollama passes it: capped at the model's training context.
int64_t context_of(const ModelSpec& spec, int64_t num_ctx);

// Ollama's estimate of the server's VRAM (PredictServerVRAM), bytes.
int64_t predict_vram(const ModelSpec& spec, int64_t file_bytes, int64_t n_ctx);

// num_batch when unset (server/sched.go automaticGenerationBatch) for a
// llama-server context of n_ctx tokens on the request's GPU.
int64_t auto_num_batch(const ModelSpec& spec, const Request& req, int64_t n_ctx, bool flash_attn,
                       int64_t file_bytes);

// Bytes llama-server's layer fit may fill on the request's GPU (0: no GPU).
int64_t fit_room(const Request& req);

}  // namespace ollama
}  // namespace vramfit
