// Prepares a request, evaluates the component rows (components.cpp) and
// takes the peak as the max over phases (never a sum of phase peaks).
// Training: methodology §5, §6.6; inference: §7; overheads §8; sharding §9.9.
#include "vramfit/estimate.h"

#include <algorithm>
#include <cmath>

#include "engine/llama_cpp.h"
#include "engine/vllm.h"
#include "memory/prepared.h"
#include "memory/registry.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
// The accepted KV dtypes, as flagged in dtypes.json (for the error text).
std::string kv_dtype_list() {
  std::string out;
  for (const DType& d : dtype_table()) {
    if (d.kv_cache) out += (out.empty() ? "" : ", ") + d.id;
  }
  return out;
}

Result<double> kv_dtype_bytes(const Request& req, int64_t beta) {
  if (req.kv_cache_dtype.empty()) return static_cast<double>(beta);
  const DType* d = find_dtype(req.kv_cache_dtype);
  if (!d || !d->kv_cache) {
    return Error(ErrorCode::unknown_value, "kv_cache_dtype",
                 "kv_cache_dtype: unknown or unsupported value \"" + req.kv_cache_dtype +
                     "\" (one of: " + kv_dtype_list() + ")");
  }
  return d->bits_per_weight / 8.0;
}

Status validate_parallel(const ModelSpec& s, const Request& r) {
  const auto& p = r.parallel;
  if (s.num_heads % p.tp != 0) {
    return Error(ErrorCode::inconsistent, "parallel.tp",
                 "parallel.tp = " + std::to_string(p.tp) + " does not divide the " +
                     std::to_string(s.num_heads) + " attention heads");
  }
  if (p.pp > static_cast<int64_t>(s.layers.size())) {
    return Error(ErrorCode::inconsistent, "parallel.pp",
                 "parallel.pp = " + std::to_string(p.pp) + " exceeds the " +
                     std::to_string(s.layers.size()) + " layers");
  }
  if (p.ep > 1 && (s.moe.num_experts == 0 || s.moe.num_experts % p.ep != 0)) {
    return Error(ErrorCode::inconsistent, "parallel.ep",
                 s.moe.num_experts == 0
                     ? "parallel.ep needs a mixture-of-experts model"
                     : "parallel.ep = " + std::to_string(p.ep) + " does not divide the " +
                           std::to_string(s.moe.num_experts) + " experts");
  }
  return {};
}

}  // namespace

// When the checkpoint's own tensor bytes are known (safetensors / GGUF
// headers) and nothing re-quantises or re-casts the weights, they replace the
// config-derived figure; sharding keeps the config-derived per-GPU share.
void use_checkpoint_bytes(const ModelSpec& spec, const Request& req, int64_t hp, Prepared& p) {
  const bool as_stored =
      req.weights_dtype.empty() &&
      (req.task == Task::inference || req.task == Task::lora || req.task == Task::dora);
  if (req.checkpoint_bytes <= 0 || !as_stored) return;
  const mem::WeightBytes whole = mem::weight_bytes(spec, p.fmt, hp, mem::Shard{});
  const double share = whole.total > 0
                           ? static_cast<double>(p.weights.total) / static_cast<double>(whole.total)
                           : 1.0;
  const double scale = static_cast<double>(req.checkpoint_bytes) * share /
                       static_cast<double>(std::max<int64_t>(p.weights.total, 1));
  p.weights.quantized = mem::to_bytes(static_cast<double>(p.weights.quantized) * scale);
  p.weights.high_precision = mem::to_bytes(static_cast<double>(p.weights.high_precision) * scale);
  p.weights.total = p.weights.quantized + p.weights.high_precision;
  p.fmt.rule = "checkpoint_headers";
}

namespace {
// DeepSpeed ZeRO-1/2 keeps fp32 master weights and fp32 optimizer states
// whatever dtype the model was loaded in (deepspeed/runtime/base_optimizer.py
// _configure_master_weights @edaa7221: fp32 unless
// bf16_master_weights_and_gradients): a stack's pure-bf16 default (the model
// loaded in bf16) runs there as bf16 mixed. Decided here, per layout, so that
// every request the fit search builds at another ZeRO stage gets its own
// regime; a pure bf16 the user gives is kept (DeepSpeed's bf16 master options).
bool deepspeed_masters(const Request& r) {
  return r.task == Task::full && (r.parallel.zero == 1 || r.parallel.zero == 2) &&
         r.precision == Precision::bf16_pure && r.from_stack("precision");
}
}  // namespace

Result<Prepared> prepare(const ModelSpec& spec, const Request& given) {
  const bool masters = deepspeed_masters(given);
  Request req = given;
  if (masters) req.precision = Precision::bf16_mixed;  // undone by as_given
  VRAMFIT_RETURN_IF_ERROR(validate_parallel(spec, req));
  if (req.optimizer_in_backward && req.gradient_accumulation_steps > 1) {
    // torchtune recipes raise "Gradient accumulation is not supported with
    // optimizer in bwd": each parameter is stepped as its gradient is ready.
    const bool from_stack = req.from_stack("optimizer_in_backward");
    return Error(ErrorCode::inconsistent, "gradient_accumulation_steps",
                 std::string("optimizer_in_backward") +
                     (from_stack ? " (on in the training stack's shipped config)" : "") +
                     " steps each parameter as soon as its gradient is ready, so gradients cannot "
                     "accumulate over micro-batches: set gradient_accumulation_steps to 1 or turn "
                     "optimizer_in_backward off");
  }
  Prepared p;
  p.deepspeed_masters = masters;
  p.spec = &spec;
  p.req = req;
  p.shard = mem::shard_of(req);
  p.params = count_params(spec);
  VRAMFIT_ASSIGN_OR_RETURN(p.fmt, resolve_weight_format(spec, req));
  p.beta = mem::compute_bytes(req);
  const int64_t hp = p.fmt.bits >= 32 ? 4 : 2;
  p.weights = mem::weight_bytes(spec, p.fmt, hp, p.shard);
  use_checkpoint_bytes(spec, req, hp, p);
  VRAMFIT_ASSIGN_OR_RETURN(p.lora, mem::lora_size(spec, req));
  p.act = mem::activation_bytes(spec, req, p.lora, p.shard.tp);
  VRAMFIT_ASSIGN_OR_RETURN(p.kv_bytes, kv_dtype_bytes(req, p.beta));
  const double per_gpu =
      static_cast<double>(p.params.total) / static_cast<double>(p.shard.tp * p.shard.pp);
  p.trainable = req.task == Task::full ? mem::to_bytes(per_gpu) : p.lora.params;
  p.factored_state = req.task == Task::full ? p.weights.factored_state : p.lora.factored_state;
  // llama.cpp's buffers are exact sizes (ggml backend buffers, no caching
  // allocator): no fragmentation reserve by default. vLLM sizes its pool from
  // the profile run (engine/vllm.cpp): its components carry no reserve either.
  // With expandable segments, PyTorch's allocator unmaps every free block's
  // pages before it gives up on an allocation (c10/cuda/CUDACachingAllocator
  // .cpp release_cached_blocks -> release_blocks -> unmap_block), so at the
  // out-of-memory boundary reserved memory is the allocated memory.
  p.fragmentation =
      req.fragmentation >= 0 ? req.fragmentation
      : req.engine == Engine::llama_cpp || req.engine == Engine::ollama || req.expandable_segments
          ? 0.0
          : 0.10;
  // vLLM builds its rotary table in the model dtype (rotary_embedding/base.py
  // cache.to(dtype)); SGLang keeps it in fp32 on CUDA (layers/rotary_embedding.py
  // "cache needs to be in FP32 for numerical stability").
  if (req.engine == Engine::vllm || req.engine == Engine::sglang) {
    const int64_t elem = req.engine == Engine::vllm && !spec.rope.fp32_table ? p.beta : 4;
    p.rope_table = engine::rope_table_rows(spec) * spec.rope.rotary_dim * elem;
  }
  if (req.engine == Engine::vllm) {
    // The breakdown's profile run uses the highlighted GPU's vLLM
    // defaults (an H100-class GPU's without one); fit.cpp redoes it per GPU.
    const Gpu* g = req.gpu.empty() ? nullptr : find_gpu(req.gpu);
    p.vllm_chip = g ? g : find_gpu("h100-sxm-80g");
    const int64_t mem = g ? g->memory_bytes : int64_t{80} << 30;
    const std::string name = g ? g->name : "";
    p.vllm_max_num_seqs = engine::vllm_max_num_seqs(req, mem, name);
    p.vllm_batched_tokens = engine::vllm_batched_tokens(req, mem, name);
    // vLLM refuses a max_model_len above the model's (config.py get_max_model_len).
    if (req.max_model_len && spec.max_positions > 0 && *req.max_model_len > spec.max_positions) {
      return Error(ErrorCode::inconsistent, "max_model_len",
                   "max_model_len = " + std::to_string(*req.max_model_len) +
                       " exceeds the model's max_position_embeddings (" +
                       std::to_string(spec.max_positions) + "); vLLM refuses it");
    }
  }
  // SGLang refuses a context_length above the model's too (configs/model_config.py,
  // unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN is set).
  if (req.engine == Engine::sglang && req.max_model_len && spec.max_positions > 0 &&
      *req.max_model_len > spec.max_positions) {
    return Error(ErrorCode::inconsistent, "max_model_len",
                 "max_model_len (context_length) = " + std::to_string(*req.max_model_len) +
                     " exceeds the model's max_position_embeddings (" +
                     std::to_string(spec.max_positions) + "); SGLang refuses it");
  }
  if ((req.engine == Engine::llama_cpp || req.engine == Engine::ollama) &&
      req.task == Task::inference) {
    VRAMFIT_RETURN_IF_ERROR(llama_cpp::check_settings(req));
    p.llama_model = llama_cpp::model_bytes(spec, p.fmt.dtype);
    // The file's own tensor bytes (GGUF header) scale the file-type rule's.
    llama_cpp::ModelBytes& mb = p.llama_model;
    int64_t stored = mb.input + mb.output_on_cpu;
    for (int64_t l : mb.layer) stored += l;
    if (req.checkpoint_bytes > 0 && req.weights_dtype.empty() && stored > 0) {
      const double k = static_cast<double>(req.checkpoint_bytes) / static_cast<double>(stored);
      auto scale = [k](int64_t& v) { v = mem::to_bytes(static_cast<double>(v) * k); };
      for (int64_t& l : mb.layer) scale(l);
      scale(mb.input);
      scale(mb.output_on_gpu);
      scale(mb.output_on_cpu);
      scale(mb.output_weight);
      for (int64_t& l : mb.experts) scale(l);
    }
  }
  if (spec.approximate) {
    p.warnings.push_back({"approximate_architecture",
                          "model_type \"" + spec.model_type +
                              "\" is not in the family table: counted as a generic decoder"});
  }
  for (const auto& w : spec.warnings) p.warnings.push_back({"config", w});
  if (is_training(req.task) && !req.gpu.empty() &&
      (req.parallel.offload_params || req.parallel.offload_optimizer)) {
    // The step model (methodology §18.2) counts GPU FLOPs only: with offload
    // the optimizer step runs on the CPU (one thread per rank under torchrun)
    // and every step copies parameters and gradients over PCIe; both depend
    // on the host, which a request does not describe.
    p.warnings.push_back(
        {"speed_offload",
         "CPU offload: the training speed leaves out the optimizer step on the CPU and the PCIe "
         "copies of parameters and gradients, which depend on the host: expect a slower step "
         "(torchtune's README @0031bfb: 1,568 tokens/s for a 70B full fine-tune on 8 x A100 with "
         "offload)"});
  }
  if (is_training(req.task) && req.gradient_accumulation_steps > 1 && req.parallel.zero == 3 &&
      p.shard.dp > 1) {
    // transformers trainer.py _inner_training_loop runs every micro-batch but
    // the last under accelerator.no_sync, except under DeepSpeed; FSDP's
    // no_sync keeps unsharded gradients.
    p.warnings.push_back(
        {"fsdp_accumulation",
         "with gradient accumulation, the Trainer runs FSDP's no_sync for every micro-batch but "
         "the last, and FSDP then keeps each GPU's gradients unsharded: not modelled, the "
         "figures are DeepSpeed ZeRO-3's, which reduces every micro-batch"});
  }
  if (p.deepspeed_masters) {
    p.warnings.push_back(
        {"deepspeed_fp32_master",
         "DeepSpeed ZeRO-1/2 keeps fp32 master weights and fp32 optimizer states whatever dtype "
         "the model is loaded in: the training stack's pure bf16 is counted as bf16 mixed here"});
  }
  if (req.layout_dropped) {
    // llama.cpp's --split-mode layer / --tensor-split (Ollama schedules the
    // same split) is not modelled: the request's layout fields do not apply.
    p.warnings.push_back(
        {"engine_single_gpu",
         std::string(req.engine == Engine::ollama ? "Ollama" : "llama.cpp") +
             " splits a model over several GPUs by layers, which this estimate does not model "
             "yet: the number of GPUs and the tp, pp and dp degrees were left out, and the "
             "figures are for one GPU"});
  }
  if (is_training(req.task) && req.mechanisms.single_device && layout_gpus(req.parallel) > 1) {
    // stacks.json single_device (torchtune's single-device recipes): no
    // layout over several GPUs is this recipe's; its distributed one is FSDP.
    p.warnings.push_back(
        {"stack_single_device",
         "this training stack's recipe runs on one GPU: on several it runs its distributed "
         "recipe (FSDP), which this stack entry does not describe; the figures are each GPU's "
         "for the layout you set"});
  } else if (is_training(req.task) && req.mechanisms.no_sharding &&
             (req.parallel.zero > 0 || req.parallel.tp > 1 || req.parallel.pp > 1)) {
    // stacks.json no_sharding (Unsloth; torchtune takes the branch above):
    // the layout is estimated as asked, but the stack would not run it.
    p.warnings.push_back(
        {"stack_no_sharding",
         "this training stack does not shard the model or its training state across GPUs "
         "(ZeRO, FSDP, tensor or pipeline parallel): the figures follow the layout you set, which "
         "it does not run; with it, each GPU holds what one GPU does"});
  }
  if (req.expandable_segments && req.fragmentation < 0 &&
      (is_training(req.task) || req.engine == Engine::hf)) {
    p.warnings.push_back(
        {"expandable_segments",
         "expandable segments: no allocator reserve is added, since PyTorch unmaps free pages "
         "before it reports out of memory; torch.cuda.max_memory_reserved() during a run can "
         "read higher (freed pages stay mapped until something needs them)"});
  }
  return p;
}

namespace {

// Byte sums saturate at mem::to_bytes' cap (9e18) instead of overflowing
// int64 (signed overflow is UB; e.g. eager attention at 3M tokens).
int64_t add_bytes(int64_t a, int64_t b) {
  constexpr int64_t kCap = 9000000000000000000;
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum) || sum > kCap) return kCap;
  return sum;
}

// Sums the components alive in each phase of the task and keeps the largest
// (ties: the earlier phase); returns its bit.
uint32_t take_peak(const Prepared& p, const std::vector<uint32_t>& live_in, Breakdown& out,
                   bool explain) {
  const uint32_t task_phases =
      is_training(p.req.task) ? mem::kTrainingPhases : mem::kInferencePhases;
  uint32_t peak_bit = 0;
  for (const auto& d : mem::phase_table()) {
    if (!(d.bit & task_phases) || (d.applies && !d.applies(p.req))) continue;
    int64_t bytes = 0;
    std::vector<std::string> live;
    for (size_t i = 0; i < out.components.size(); ++i) {
      const Component& c = out.components[i];
      if (!(live_in[i] & d.bit) || c.bytes == 0) continue;
      // Paged states are managed memory: absent from max_memory_allocated.
      if (!c.paged) bytes = add_bytes(bytes, c.bytes);
      if (explain) live.push_back(c.id);
    }
    if (!peak_bit || bytes > out.peak_allocated_bytes) {
      peak_bit = d.bit;
      out.peak_allocated_bytes = bytes;
      if (explain) out.peak_phase = d.id;
    }
    // The searches need only the totals: no per-probe phase records.
    if (explain) out.phases.push_back(Phase{d.id, std::move(live), bytes});
  }
  return peak_bit;
}

// The total counts the peak phase's components and the runtime ones.
void total_and_band(const std::vector<uint32_t>& live_in, uint32_t peak_bit, Breakdown& out) {
  int64_t total = 0;  // exact integer sum, so reserved <= total always
  double low = 0, high = 0;
  for (size_t i = 0; i < out.components.size(); ++i) {
    const Component& c = out.components[i];
    if (!c.runtime && !(live_in[i] & peak_bit)) continue;
    total = add_bytes(total, c.bytes);
    if (c.paged) out.paged_bytes = add_bytes(out.paged_bytes, c.bytes);
    low += static_cast<double>(c.bytes) * (1 - c.uncertainty);
    high += static_cast<double>(c.bytes) * (1 + c.uncertainty);
  }
  out.total_bytes = total;
  out.low_bytes = std::min(total, mem::to_bytes(low));
  out.high_bytes = std::max(total, mem::to_bytes(high));
}

// Runs the rows whose phases meet `phases` (or the runtime rows) in table
// order; `live_in` gets each added component's phase set.
void add_components(mem::Ctx& ctx, bool runtime, uint32_t phases, bool explain, Breakdown& out,
                    std::vector<uint32_t>& live_in) {
  for (const auto& d : mem::component_table()) {
    if (d.runtime != runtime || (!runtime && !(d.phases & phases))) continue;
    if (!(d.engines & mem::engine_mask(ctx.p.req.engine))) continue;
    mem::Emit e;
    e.explain = explain;
    d.formula(ctx, e);
    if (!e.present) continue;
    Component c;
    c.id = d.id;
    c.label = d.label;
    c.bytes = mem::to_bytes(e.bytes);
    c.uncertainty = e.uncertainty >= 0 ? e.uncertainty : d.uncertainty;
    c.runtime = d.runtime;
    c.paged = e.paged;
    c.formula = e.formula;
    if (explain) c.inputs = std::move(e.inputs);
    out.components.push_back(std::move(c));
    live_in.push_back(e.phases ? e.phases & d.phases : d.phases);
  }
}

}  // namespace

Request as_given(const Prepared& p) {
  Request r = p.req;
  if (p.deepspeed_masters) r.precision = Precision::bf16_pure;
  return r;
}

Breakdown evaluate(const Prepared& p, int64_t b, int64_t s, bool explain) {
  Breakdown out;
  out.components.reserve(24);
  out.weights = p.fmt;
  out.trainable_params = p.req.task == Task::full ? p.params.total : p.lora.params;
  out.lora_params = p.lora.params;
  out.warnings = p.warnings;
  std::vector<uint32_t> live_in;
  live_in.reserve(24);
  mem::Ctx ctx{p, b, s, out.components};
  const uint32_t task_phases =
      is_training(p.req.task) ? mem::kTrainingPhases : mem::kInferencePhases;
  add_components(ctx, false, task_phases, explain, out, live_in);
  const uint32_t peak_bit = take_peak(p, live_in, out, explain);
  out.fragmentation = p.fragmentation;
  ctx.peak = out.peak_allocated_bytes;
  add_components(ctx, true, 0, explain, out, live_in);
  out.reserved_bytes = add_bytes(out.peak_allocated_bytes, ctx.bytes_of("allocator_overhead"));
  total_and_band(live_in, peak_bit, out);
  return out;
}

Result<Breakdown> estimate_memory(const ModelSpec& spec, const Request& req, bool explain) {
  VRAMFIT_ASSIGN_OR_RETURN(const Prepared p, prepare(spec, req));
  return evaluate(p, req.batch_size, req.seq_len, explain);
}

}  // namespace vramfit
