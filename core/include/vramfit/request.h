// The estimate request (core/SCHEMA.md), parsed and validated, with defaults
// applied. One struct for CLI flags, JSON files, the wasm module and URLs.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/result.h"

namespace vramfit {

enum class Task { inference, full, lora, qlora, dora, qdora };
enum class Precision { bf16_mixed, fp16_mixed, bf16_pure, fp32 };
enum class Optimizer {
  adamw,
  adamw_fused,
  adamw_8bit,
  paged_adamw_8bit,
  adafactor,
  sgd,
  sgd_momentum,
  lion
};
enum class Attention { sdpa, flash, eager };
enum class Loss { standard, chunked, fused };
enum class Engine { hf, vllm, llama_cpp, ollama, sglang };
enum class LoraDtype { fp32, bf16, fp16 };
enum class FlashAttn { automatic, on, off };  // llama.cpp -fa auto|on|off

// Request bounds that other modules search up to (fit's max batch / seq).
// They keep every byte product far below 2^63 (see memory/estimate.cpp).
constexpr int64_t kMaxBatchSize = 1 << 20;
constexpr int64_t kMaxSeqLen = 1 << 24;  // 16.7M tokens

struct LoraOptions {
  int64_t rank = 16;
  double alpha = 32;
  bool all_linear = true;            // PEFT target_modules="all-linear"
  std::vector<std::string> targets;  // module names when !all_linear
  double dropout = 0.0;
  LoraDtype dtype = LoraDtype::fp32;  // adapters fp32 unless told otherwise
  int64_t dtype_bytes = 4;            // bytes of `dtype`
};

struct ParallelOptions {
  int64_t tp = 1, pp = 1, dp = 1, ep = 1;
  int zero = 0;  // 0-3; fsdp == zero 3
  bool fsdp = false;
  bool offload_optimizer = false;
  bool offload_params = false;
  int64_t microbatches = 0;  // pipeline micro-batches in flight (0 = pp)
  // DeepSpeed ZeRO-1/2's reduce buffer (methodology §9.2): elements, and a
  // second buffer with overlap_comm (unset: DeepSpeed's default, off below 3).
  int64_t reduce_bucket_size = 500000000;
  std::optional<bool> overlap_comm;
};

// GPUs a layout runs on: tp x pp x dp (experts shard over these).
inline int64_t layout_gpus(const ParallelOptions& p) { return p.tp * p.pp * p.dp; }

// Mechanisms a training stack switches on (core/data/stacks.json).
struct StackMechanisms {
  bool bnb_saves_4bit_input = false;    // bitsandbytes < 0.43.2 (methodology §15.3)
  bool offloaded_checkpoints = false;   // Unsloth: checkpoints in CPU memory (§15.4)
  bool unsloth_kernels = false;         // Unsloth's fused LoRA autograd kernels (§15.6)
  bool shifted_logits_copy = false;     // transformers < 4.49: fp32 shifted logits copy (§15.7)
  bool checkpoint_gpu_buffers = false;  // Unsloth >= 2025: two persistent GPU buffers (§15.4)
  bool unsloth_lora_wide_temp = false;  // Unsloth 2024.12: T x I temporary in LoRA_MLP (§15.6)
  bool rope_per_layer = false;          // Unsloth 2024.12 + transformers 4.47: RoPE per layer
  bool no_sharding = false;      // one GPU, or data-parallel copies: no ZeRO-3 / FSDP (§10.3)
  bool ddp_bucket_copy = false;  // DDP without gradient_as_bucket_view: buckets copy grads (§5.1)
  bool single_device = false;    // one GPU only: several take another recipe (§10.3)
};

// llama.cpp (llama-server) settings; unset values take the engine's defaults
// from core/data/engines/llama_cpp.json.
struct LlamaCppOptions {
  std::optional<int64_t> n_gpu_layers;  // layers on the GPU; > n_layer: the output layer too
  std::optional<int64_t> n_ubatch;
  std::optional<int64_t> n_batch;
  FlashAttn flash_attn = FlashAttn::automatic;
  std::string cache_type_k;  // "" = engine default (f16)
  std::string cache_type_v;
  std::optional<int64_t> n_parallel;  // slots (-np); Ollama: OLLAMA_NUM_PARALLEL
  std::optional<int64_t> n_cpu_moe;   // --n-cpu-moe: first N layers' experts in host memory
};

struct CustomGpu {
  std::string name;
  int64_t memory_bytes = 0;
  std::string like;  // a catalogue GPU whose chip this is (SMs, architecture); "" = unknown
};

struct Request {
  // model: exactly one of preset / config; `model_id` names a Hub repo.
  std::string preset;
  std::string model_id;
  // Exact bytes of the checkpoint's stored tensors (model.checkpoint), from
  // safetensors / GGUF headers; 0 = derive weights from the config.
  int64_t checkpoint_bytes = 0;
  std::string checkpoint_source;

  Task task = Task::inference;
  std::string stack = "hf";   // training stack id (core/data/stacks.json)
  std::string stack_version;  // "" = the stack's first (newest) version
  StackMechanisms mechanisms;
  // Request field paths the stack filled in (apply_stack_defaults).
  std::vector<std::string> stack_defaults;
  // Whether the training stack's shipped config set `field` (a path above).
  bool from_stack(const std::string& field) const;
  std::string weights_dtype;          // "" = auto-detect (quant config, name, dtype)
  std::optional<double> custom_bits;  // {"bits": b, "group_size": g}
  int64_t custom_group = 0;
  Precision precision = Precision::bf16_mixed;
  std::optional<bool> autocast;  // unset: on for *_mixed precisions
  int64_t batch_size = 1;
  int64_t seq_len = 2048;
  std::optional<int64_t> prompt_len;  // inference: prefill length (<= seq_len)
  bool logits_all = false;            // inference_mode "forward": logits for every position
  bool legacy_kv_cache = false;       // hf_cache "legacy": transformers <= 4.41 tuple cache
  bool gradient_checkpointing = false;
  Optimizer optimizer = Optimizer::adamw;
  bool optimizer_in_backward = false;
  int64_t gradient_accumulation_steps = 1;  // micro-batches per optimizer step
  LoraOptions lora;
  Attention attention = Attention::sdpa;
  std::string kv_cache_dtype;  // "" = same as compute dtype
  Loss loss = Loss::standard;
  std::optional<int64_t> eval_batch_size;
  std::optional<int64_t> eval_seq_len;
  ParallelOptions parallel;
  // GPUs of the target kind the job runs on. With tp, pp and dp at 1 it sets
  // them (fit/strategies.h apply_gpus); given with them it must equal
  // tp x pp x dp.
  std::optional<int64_t> gpus;
  bool layout_from_gpus = false;  // tp/pp/dp come from `gpus`
  // Several GPUs asked for (gpus, tp, pp or dp above 1) under an engine whose
  // multi-GPU split is not modelled (llama.cpp, Ollama): dropped, and warned.
  bool layout_dropped = false;
  std::string gpu;  // catalogue id/alias: the highlighted GPU
  std::vector<CustomGpu> custom_gpus;
  Engine engine = Engine::hf;
  double gpu_memory_utilization = 0.9;  // vllm
  // vllm; unset: vLLM's defaults (engine/vllm.cpp, data/engines/vllm.json)
  std::optional<int64_t> max_num_batched_tokens;  // chunked prefill budget, by GPU memory
  std::optional<int64_t> max_num_seqs;            // by GPU memory (get_batch_defaults)
  std::optional<int64_t> max_model_len;           // the model's max_position_embeddings
  std::optional<int64_t> block_size;              // 16
  LlamaCppOptions llama_cpp;                      // engine llama_cpp
  // sglang; unset: SGLang's defaults by GPU (engine/sglang.cpp, data/engines/sglang.json);
  // max_model_len above is its context_length
  std::optional<double> mem_fraction_static;
  std::optional<int64_t> chunked_prefill_size;
  std::optional<int64_t> cuda_graph_max_bs;
  // Training time and cost (response speed, methodology §18.2); unset: not shown.
  std::optional<int64_t> train_tokens;    // tokens to train on
  std::optional<int64_t> dataset_tokens;  // a dataset's tokens, times epochs
  std::optional<double> epochs;
  std::optional<double> price_per_gpu_hour;
  int64_t cuda_context_mib = 500;  // methodology §8 default
  double fragmentation = -1;       // reserved/allocated - 1; <0 = default
  // PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True (methodology §8).
  bool expandable_segments = false;
  bool search = true;       // per-GPU max batch / max seq searches
  bool strategies = false;  // compare parallel layouts
};

// Validates and fills a Request from JSON (everything except the model,
// which the API resolves); the first error names its field.
Result<Request> parse_request(const nlohmann::json& request);

// Training: resolves the stack version and fills every field the stack
// sets that `request` does not give (nor a rule of the task rules out),
// recording its path in r.stack_defaults. `stored_dtype` is the model's
// torch_dtype. unknown_value for a stack_version the stack lacks; a default
// that contradicts the request (check_consistency) is its error too.
Status apply_stack_defaults(const nlohmann::json& request, const std::string& stored_dtype,
                            Request& r);

const char* task_name(Task t);
const char* precision_name(Precision p);
const char* optimizer_name(Optimizer o);
const char* attention_name(Attention a);
const char* loss_name(Loss l);
const char* engine_name(Engine e);
bool is_training(Task t);
bool is_lora(Task t);            // lora, qlora, dora, qdora
bool is_quantized_lora(Task t);  // qlora, qdora

// The request as JSON: every field that applies to its task and engine, with
// its default filled in; a derived value that was not given is absent.
// Parsing it again gives the same Request.
nlohmann::json request_to_json(const Request& r);

}  // namespace vramfit
