// llama.cpp (llama-server) buffers as llama.cpp allocates and prints them:
// model buffers per device, KV buffer, compute buffers (methodology §16).
// Engine parameters come from core/data/engines/llama_cpp.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/model.h"
#include "vramfit/request.h"
#include "vramfit/result.h"

namespace vramfit {
namespace llama_cpp {

// The request's llama.cpp settings with the engine defaults filled in.
struct Settings {
  int64_t n_ctx = 0;         // as requested (seq_len); cells = padded
  int64_t n_gpu_layers = 0;  // clamped to [0, n_layer + 1]
  int64_t n_ubatch = 512;
  int64_t n_batch = 2048;
  bool flash_attn = true;
  std::string type_k = "F16";  // GGML type names
  std::string type_v = "F16";
  int64_t n_parallel = 4;  // slots (n_seq_max)
  bool kv_unified = true;  // one KV stream shared by the slots
  int64_t n_cpu_moe = 0;   // layers whose routed experts stay in host memory
};

struct Buffers {
  int64_t kv_cells = 0;    // all streams: n_ctx padded
  int64_t n_ctx_seq = 0;   // cells per stream (a slot's context)
  int64_t kv_streams = 1;  // 1 unified, else n_parallel
  int64_t model_gpu = 0, model_cpu = 0;
  int64_t kv_gpu = 0, kv_cpu = 0;
  int64_t compute_gpu = 0, compute_host = 0;
  int64_t n_gpu_layers = 0;  // resolved
  bool flash_attn = true;
};

struct ModelBytes;

// The request's llama.cpp settings that llama.cpp refuses: an unknown cache
// type, a quantised V cache without flash attention (prepare checks them).
Status check_settings(const Request& req);

// Settings for a request at context length n_ctx (-c; under Ollama,
// num_ctx, multiplied by the slots), for a request check_settings passed.
// With `model`, Ollama's own picks that depend
// on the weights (num_batch, the fitted n_gpu_layers) are made too.
Settings settings_of(const ModelSpec& spec, const Request& req, int64_t n_ctx,
                     const ModelBytes* model = nullptr);

// The model's tensor bytes as llama.cpp stores them, placed per layer;
// `weights_dtype` is the resolved dtype id (its llama.cpp file type decides
// each tensor's GGML type). Computed once per request.
struct ModelBytes {
  std::vector<int64_t> layer;    // each decoder layer's tensors
  std::vector<int64_t> experts;  // of which routed-expert stacks (ffn_*_exps)
  int64_t input = 0;             // token embedding, positions: always a CPU buffer
  int64_t output_on_gpu = 0;     // final norm + output (a tied output duplicated)
  int64_t output_on_cpu = 0;     // final norm + output (a tied output shares the embedding)
  int64_t output_weight = 0;     // the output matrix
  bool fused_qkv = false;        // one attn_qkv tensor per layer
};
ModelBytes model_bytes(const ModelSpec& spec, const std::string& weights_dtype);

// The GGUF file's tensor bytes (the token embedding once).
int64_t file_bytes(const ModelBytes& model);

// Every buffer for `spec` under `s`.
Buffers buffers(const ModelSpec& spec, const ModelBytes& model, const Settings& s);

// MiB llama-server's automatic n_gpu_layers leaves free per device.
int64_t fit_margin_mib();

// The largest n_gpu_layers (0 .. n_layer + 1) whose GPU buffers fit in
// `gpu_bytes`; -1 when even 0 does not.
int64_t max_gpu_layers(const ModelSpec& spec, const ModelBytes& model, Settings s,
                       int64_t gpu_bytes);

}  // namespace llama_cpp
}  // namespace vramfit
