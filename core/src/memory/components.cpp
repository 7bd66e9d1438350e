// Every memory component: one formula function each, named for what it
// computes, and one row in component_table() with its id, label, band and
// the phases it is alive in. Training: methodology §5, §6; inference: §7;
// runtime overheads: §8; sharding: §9.
#include <algorithm>
#include <cstring>

#include "engine/llama_cpp.h"
#include "engine/vllm.h"
#include "memory/optimizer_state.h"
#include "memory/registry.h"

namespace vramfit {
namespace mem {

nlohmann::json inputs_json(std::initializer_list<Input> inputs) {
  nlohmann::json j = nlohmann::json::object();
  for (const Input& in : inputs) {
    if (in.kind == Input::kInt)
      j[in.key] = in.i;
    else if (in.kind == Input::kNumber)
      j[in.key] = in.d;
    else
      j[in.key] = in.s;
  }
  return j;
}

int64_t Ctx::bytes_of(const char* id) const {
  for (const auto& c : done)
    if (std::strcmp(c.id, id) == 0) return c.bytes;
  return 0;
}

namespace {
constexpr double kGiB = 1073741824.0;
#define INPUTS(...) std::initializer_list<Input>(__VA_ARGS__)

// --- shared terms -----------------------------------------------------------

bool full(const Prepared& p) { return p.req.task == Task::full; }
bool pure(const Prepared& p) { return p.req.precision == Precision::bf16_pure; }

// Bytes per trainable parameter of a gradient or an optimizer state (one
// definition with the disk sizes: memory/optimizer_state.h).
double state_bytes(const Prepared& p) { return trainable_param_bytes(p.req); }

double optimizer_shard(const Prepared& p) {
  return p.req.parallel.zero >= 1 ? static_cast<double>(p.shard.dp) : 1.0;
}

double tokens(const Ctx& c) { return static_cast<double>(c.b) * static_cast<double>(c.s); }
double tp(const Prepared& p) { return static_cast<double>(p.shard.tp); }

// llama.cpp allocates fixed buffers (methodology §16): b sequences of s
// tokens share one unified KV cache of b x s cells.
bool llama(const Prepared& p) {
  return (p.req.engine == Engine::llama_cpp || p.req.engine == Engine::ollama) &&
         !is_training(p.req.task);
}
llama_cpp::Buffers llama_buffers(const Ctx& c) {
  const llama_cpp::Settings s =
      llama_cpp::settings_of(*c.p.spec, c.p.req, c.b * c.s, &c.p.llama_model);
  return llama_cpp::buffers(*c.p.spec, c.p.llama_model, s);
}

// Pipeline 1F1B: the first stage holds min(pp, micro-batches) micro-batches
// of its L/pp layers in flight, i.e. about L layers' worth (methodology §9.6).
struct InFlight {
  double pp, micro, layers;
};
InFlight in_flight(const Prepared& p) {
  const int64_t mb = p.req.parallel.microbatches > 0 ? p.req.parallel.microbatches : p.shard.pp;
  InFlight f;
  f.pp = static_cast<double>(p.shard.pp);
  f.micro = static_cast<double>(std::min<int64_t>(p.shard.pp, mb));
  f.layers = static_cast<double>(p.spec->layers.size()) / f.pp * f.micro;
  return f;
}

// --- weights and training state ---------------------------------------------

void weights(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const double unc = p.fmt.bits < 16 ? 0.03 : 0.005;
  if (llama(p)) {
    e.set(static_cast<double>(llama_buffers(c).model_gpu),
          "llama.cpp model buffer on the GPU: offloaded layers (and the output layer) with each "
          "tensor's GGML type; the token embedding stays in a CPU buffer",
          INPUTS({{"dtype", p.fmt.dtype}}), 0.02);
    return;
  }
  if (!is_training(p.req.task)) {
    e.set(static_cast<double>(p.weights.total), "params x bytes per weight, per tensor group",
          INPUTS({{"dtype", p.fmt.dtype}, {"bits", p.fmt.bits}, {"params", p.params.total}}), unc);
    return;
  }
  // Under ZeRO mixed precision the format is already 16-bit; the fp32
  // master is its own component.
  double w = static_cast<double>(p.weights.total);
  if (p.req.parallel.offload_params) w = 0;  // ZeRO-3 offload: params live on the CPU
  e.set(w, "params x bytes per weight, per tensor group (quantised linears vs 16-bit rest)",
        INPUTS({{"dtype", p.fmt.dtype}, {"bits", p.fmt.bits}, {"params", p.params.total}}), unc);
}

void lora_adapters(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (full(p)) return;
  e.set(static_cast<double>(p.lora.params) * p.req.lora.dtype_bytes,
        "r x (in + out) per targeted module (+ out for DoRA) x adapter bytes",
        INPUTS({{"lora_params", p.lora.params},
                {"rank", p.req.lora.rank},
                {"bytes", p.req.lora.dtype_bytes}}));
}

// (prepare refuses accumulation with optimizer_in_backward.)
bool accumulates(const Prepared& p) { return p.req.gradient_accumulation_steps > 1; }

// DeepSpeed ZeRO-1/2 under 16-bit mixed precision keeps its gradients in the
// 16-bit model dtype (engine.py get_data_types: grad_accum_dtype defaults to
// it) and casts only its own partition to fp32 for the step (methodology §9.2).
bool ds_partitioned_grads(const Prepared& p) {
  return zero_mixed_precision(p.req) && p.req.parallel.zero <= 2;
}

void gradients(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (ds_partitioned_grads(p)) {
    // stage_1_and_2.py copy_grads_in_partition: a persistent 16-bit buffer of
    // the rank's partition (ZeRO-1 too); with cpu_offload each gradient goes
    // to the host instead.
    const double bytes = zero_comm_bytes(p.req);
    e.set(p.req.parallel.offload_optimizer
              ? 0
              : static_cast<double>(p.trainable) * bytes / static_cast<double>(p.shard.dp),
          "trainable params x 16-bit grad bytes / dp (DeepSpeed's grads_in_partition; 0 with "
          "offload_optimizer)",
          INPUTS({{"trainable", p.trainable},
                  {"bytes", static_cast<int64_t>(bytes)},
                  {"dp", p.shard.dp}}));
    e.phases = kTrainingPhases;  // allocated once, kept from step to step
    return;
  }
  const double state = state_bytes(p);
  const double g_shard = p.req.parallel.zero >= 2 ? static_cast<double>(p.shard.dp) : 1.0;
  double grads = static_cast<double>(p.trainable) * state / g_shard;
  // Optimizer in backward: one parameter's gradient at a time, the largest.
  if (p.req.optimizer_in_backward) {
    grads = static_cast<double>(full(p) ? p.weights.largest_tensor : p.lora.largest_matrix) * state;
  }
  e.set(grads, "trainable params x grad bytes (/ dp under ZeRO-2/3)",
        INPUTS({{"trainable", p.trainable}, {"bytes", static_cast<int64_t>(state)}}));
  // Gradient accumulation: the Trainer zeroes the gradients only after the
  // optimizer step (trainer.py _inner_training_loop), so from the second
  // micro-batch on the sums so far live through its forward and backward.
  e.phases = accumulates(p) ? kTrainingPhases & ~kEval  // zeroed before an eval
                            : kBackwardEnd | kOptimizerStep;
}

// PyTorch DDP (data parallel without ZeRO / FSDP) allocates flat all-reduce
// buckets for every gradient when it wraps the model (c10d reducer.cpp
// Reducer::initialize_buckets, in the parameters' dtype). Without
// gradient_as_bucket_view, the default the stacks keep (stacks.json
// ddp_bucket_copy), each .grad stays its own tensor: the buckets are a
// second copy (methodology §5.1).
void ddp_buckets(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!p.req.mechanisms.ddp_bucket_copy || p.shard.dp <= 1 || p.req.parallel.zero > 0) return;
  e.set(static_cast<double>(p.trainable) * state_bytes(p),
        "trainable params x grad bytes: DDP's buckets copy every gradient "
        "(gradient_as_bucket_view=False)",
        INPUTS({{"trainable", p.trainable},
                {"bytes", static_cast<int64_t>(state_bytes(p))},
                {"dp", p.shard.dp}}));
}

// DeepSpeed ZeRO-1/2 (deepspeed/runtime/zero/stage_1_and_2.py): with
// contiguous_gradients (its default) DeepSpeedZeroOptimizer.backward
// allocates reduce_bucket_size elements of the 16-bit parameter dtype for
// gradients on their way to the reduce, a second buffer with overlap_comm;
// independent_gradient_partition_epilogue frees them when the backward pass
// ends (methodology §9.2).
void zero_reduce_buffers(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (p.req.parallel.zero < 1 || p.req.parallel.zero > 2) return;
  const int64_t buffers = p.req.parallel.overlap_comm.value_or(false) ? 2 : 1;
  const auto bytes = static_cast<int64_t>(zero_comm_bytes(p.req));
  e.set(
      static_cast<double>(p.req.parallel.reduce_bucket_size) * static_cast<double>(bytes * buffers),
      "reduce_bucket_size x 16-bit bytes (x 2 with overlap_comm)",
      INPUTS({{"reduce_bucket_size", p.req.parallel.reduce_bucket_size},
              {"bytes", bytes},
              {"buffers", buffers}}));
}

// DeepSpeed ZeRO-1 without overlap_comm (stage_1_and_2.py process_gradients)
// reduces nothing during the backward pass: every parameter's 16-bit .grad
// lives until reduce_gradients after it, which moves each into the
// contiguous reduce buffer (methodology §9.2). With overlap_comm, and at
// ZeRO-2, the hooks do so as each gradient is ready. ZeRO-1 reduces only at
// the accumulation boundary (reduce_ready_partitions_and_remove_grads): with
// gradient accumulation the .grad sums live through every micro-batch.
void zero1_unreduced_gradients(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!ds_partitioned_grads(p) || p.req.parallel.zero != 1 ||
      (p.req.parallel.overlap_comm.value_or(false) && !accumulates(p))) {
    return;
  }
  e.phases = accumulates(p) ? kTrainingPhases & ~kEval : kBackwardEnd;
  const double bytes = zero_comm_bytes(p.req);
  e.set(static_cast<double>(p.trainable) * bytes,
        "trainable params x 16-bit grad bytes, until the reduce after the backward pass",
        INPUTS({{"trainable", p.trainable}, {"bytes", static_cast<int64_t>(bytes)}}));
}

// DeepSpeedZeroOptimizer.step flattens the partition's 16-bit gradients and
// casts them to the fp32 master's dtype (single_grad_partition) for the
// optimizer; freed after it (methodology §9.2). With cpu_offload they are
// already fp32 on the host.
void fp32_gradient_partition(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!ds_partitioned_grads(p) || p.req.parallel.offload_optimizer) return;
  e.set(4.0 * static_cast<double>(p.trainable) / static_cast<double>(p.shard.dp),
        "4 bytes x trainable params / dp",
        INPUTS({{"trainable", p.trainable}, {"dp", p.shard.dp}}));
}

// bitsandbytes' paged optimizers (paged_adamw_8bit): the uint8 m and v of
// every tensor of >= 1e5 elements come from get_state_buffer -> F.get_paged
// -> cudaMallocManaged (functional.py, csrc/pythonInterface.cpp); the
// absmax blocks and small tensors' states are ordinary torch tensors
// (optim/optimizer.py, methodology §15.8).
double paged_state_bytes(const Prepared& p) {
  if (p.req.optimizer != Optimizer::paged_adamw_8bit || p.req.parallel.offload_optimizer) return 0;
  const double large = full(p) ? p.weights.paged_params : p.lora.paged_params;
  return 2.0 * large / optimizer_shard(p);
}

void optimizer_states(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const double state = state_bytes(p);
  const double opt = p.req.parallel.offload_optimizer
                         ? 0
                         : optimizer_state_bytes(p.req.optimizer, static_cast<double>(p.trainable),
                                                 state, p.factored_state) /
                               optimizer_shard(p);
  const double paged = paged_state_bytes(p);
  e.set(std::max(0.0, opt - paged),
        paged > 0 ? "trainable params x state bytes (the paged states apart)"
                  : "trainable params x state bytes (AdamW: m and v)",
        INPUTS({{"optimizer", optimizer_name(p.req.optimizer)},
                {"state_bytes", static_cast<int64_t>(state)}}));
}

void paged_optimizer_states(const Ctx& c, Emit& e) {
  const double bytes = paged_state_bytes(c.p);
  if (bytes <= 0) return;
  e.set(bytes,
        "2 B (uint8 m and v) x elements of trainable tensors >= 1e5, in cudaMallocManaged "
        "memory that pages to host when the GPU is full",
        INPUTS({{"paged_elements", full(c.p) ? c.p.weights.paged_params : c.p.lora.paged_params}}));
  e.paged = true;
}

void master_weights(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!zero_mixed_precision(p.req) || p.req.parallel.offload_optimizer) return;
  e.set(4.0 * static_cast<double>(p.trainable) / optimizer_shard(p),
        "4 bytes x trainable params / dp", INPUTS({{"trainable", p.trainable}}));
}

void autocast_weight_copies(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!full(p) || pure(p) || p.req.precision == Precision::fp32 || zero_mixed_precision(p.req) ||
      !p.req.autocast.value_or(true)) {
    return;
  }
  e.set(2.0 * static_cast<double>(p.weights.linear_params),
        "autocast casts every fp32 linear weight to bf16 and saves it for backward",
        INPUTS({{"linear_params", p.weights.linear_params}}));
}

// --- activations --------------------------------------------------------------

// Saved for backward. With checkpointing, HF keeps only each decoder layer's
// input through the forward (methodology §6.4).
void activations(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const double T = tokens(c);
  const InFlight f = in_flight(p);
  if (p.req.gradient_checkpointing && p.req.mechanisms.offloaded_checkpoints) {
    // Unsloth's offloaded checkpointing (methodology §15.4): each layer input
    // goes to CPU memory in forward and comes back for its backward. On the
    // GPU through the layers' backward: the input in use (2024.12: copied
    // back; since 2025 two persistent buffers, unsloth_zoo
    // gradient_checkpointing.py GPU_BUFFERS / GPU_BUFFERS_B) and the
    // embedding output, a grad-requiring leaf (enable_input_require_grads)
    // that its AccumulateGrad node keeps alive. The final norm's saves are
    // freed by then.
    const double cpu = T * p.act.layer_input * f.layers;
    const double resident = p.req.mechanisms.checkpoint_gpu_buffers ? 3.0 : 2.0;
    // Unsloth 2024.12 under transformers 4.47 gave every attention layer its
    // own rotary embedding and grew its cos/sin caches to the sequence
    // (unsloth/models/llama.py LlamaExtendedRotaryEmbedding,
    // extend_rope_embedding): 2 x rotary_dim values per token per layer.
    const double rope = p.req.mechanisms.rope_per_layer
                            ? 2.0 * static_cast<double>(p.spec->rope.rotary_dim) *
                                  static_cast<double>(p.beta) * f.layers
                            : 0.0;
    e.set(T * (resident * p.act.layer_input + rope),
          "tokens x (layer inputs held on the GPU + per-layer RoPE caches); the other layer "
          "inputs in CPU memory",
          INPUTS({{"tokens", T},
                  {"layer_input_bytes_per_token", p.act.layer_input},
                  {"resident_layer_inputs", resident},
                  {"rope_cache_bytes_per_token", rope},
                  {"cpu_bytes", cpu}}),
          0.05);
    return;
  }
  if (p.req.gradient_checkpointing) {
    e.set(T * (p.act.layer_input * f.layers + p.act.final_saves),
          "tokens x (layers x layer input + final norm/head saves)",
          INPUTS({{"tokens", T},
                  {"layer_input_bytes_per_token", p.act.layer_input},
                  {"layers", f.layers}}),
          0.05);  // layer inputs only: a narrower band
    return;
  }
  const double quad = p.act.quadratic * static_cast<double>(c.s) / f.pp * f.micro;
  e.set(T * (p.act.all_layers / f.pp * f.micro + quad),
        "tokens x saved bytes per token, summed over layers (autograd saving rules)",
        INPUTS({{"tokens", T}, {"per_token_all_layers", p.act.all_layers}}));
}

// Checkpointing: backward recomputes one layer at a time (methodology §6.4).
void recompute_layer(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!p.req.gradient_checkpointing) return;
  const double T = tokens(c);
  const double layers = static_cast<double>(std::max<size_t>(p.spec->layers.size(), 1));
  // Unsloth_Offloaded_Gradient_Checkpointer.backward keeps the recomputed
  // layer's output (`(output,) = ctx.forward_function(...)`) while it runs
  // torch.autograd.backward(output, dY): one more layer-sized tensor.
  // With the checkpoints in CPU memory nothing per layer stays on the GPU, so
  // the first layer's backward also sees every later layer's gradients
  // (AccumulateGrad fills each .grad as backward reaches it).
  const bool offloaded = p.req.mechanisms.offloaded_checkpoints;
  const double held = offloaded ? p.act.layer_input : 0.0;
  const double grads = offloaded ? static_cast<double>(c.bytes_of("gradients")) : 0.0;
  e.set(T * (p.act.max_layer + p.act.quadratic * static_cast<double>(c.s) / layers) +
            T * (p.act.backward_transient + held) + grads,
        offloaded ? "tokens x (one layer's saved bytes + its backward temporaries + its held "
                    "output) + the later layers' gradients (checkpoints offloaded)"
                  : "tokens x one layer's saved bytes + its backward temporaries",
        INPUTS({{"tokens", T}, {"layer_bytes_per_token", p.act.max_layer}}));
}

void backward_transient(const Ctx& c, Emit& e) {
  if (c.p.req.gradient_checkpointing) return;  // inside recompute_layer
  const double T = tokens(c);
  e.set(T * c.p.act.backward_transient,
        "tokens x gradient tensors alive while backpropagating one layer", INPUTS({{"tokens", T}}));
}

// --- inference ------------------------------------------------------------------

void kv_cache(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (llama(p)) {
    const llama_cpp::Buffers b = llama_buffers(c);
    e.set(static_cast<double>(b.kv_gpu),
          "llama.cpp KV buffer on the GPU: cells (n_ctx padded) x (K row + V row) per offloaded "
          "layer, K and V in their cache types",
          INPUTS({{"cells", b.kv_cells}}), 0.0);
    return;
  }
  const int64_t kv = kv_cache_bytes(*p.spec, p.req, c.b, c.s, p.kv_bytes, p.shard);
  e.set(static_cast<double>(kv),
        "2 x kv_heads x head_dim x bytes x tokens per layer (windowed layers capped)",
        INPUTS({{"batch", c.b}, {"tokens", c.s}, {"kv_element_size", p.kv_bytes}}));
}

int64_t prompt_tokens(const Ctx& c) {
  return c.p.req.prompt_len ? std::min(*c.p.req.prompt_len, c.s) : c.s;
}

}  // namespace

double prefill_live_bytes(const Prepared& p, double chunk) {
  const ModelSpec& m = *p.spec;
  const double h = static_cast<double>(m.hidden);
  const double q = static_cast<double>(m.num_heads * m.head_dim);
  const double kvd = static_cast<double>(m.num_kv_heads * m.head_dim);
  const double I = m.moe.num_experts > 0 ? static_cast<double>(m.moe.expert_width)
                                         : static_cast<double>(m.intermediate);
  const double beta = static_cast<double>(p.beta);
  double act = beta * chunk * (2 * h + std::max(2 * q + 2 * kvd, 3 * I) / tp(p));
  if (m.moe.num_experts > 0) act += beta * chunk * h * static_cast<double>(m.moe.experts_per_token);
  return act;
}

namespace {

// One layer's live tensors while the prompt goes through (methodology §7.6).
void prefill_activations(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (llama(p)) return;  // inside llama.cpp's compute buffer
  const Request& r = p.req;
  const ModelSpec& m = *p.spec;
  const int64_t prompt = prompt_tokens(c);
  const double chunk = static_cast<double>(c.b) * static_cast<double>(prompt);
  const double beta = static_cast<double>(p.beta);
  double act = prefill_live_bytes(p, chunk);
  if (r.attention == Attention::eager) {
    act += static_cast<double>(c.b) * double(m.num_heads) / tp(p) * double(prompt) *
           double(prompt) * (2 * beta + 4);
  }
  e.set(act,
        "live tensors of one layer during prefill: residual + normed input + max(attention, MLP)",
        INPUTS({{"prefill_tokens", chunk}}));
}

// Training: the loss buffer (methodology §6.5); inference: the output logits.
void logits(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const Request& r = p.req;
  const double V = static_cast<double>(p.spec->vocab);
  if (is_training(r.task)) {
    const double T = tokens(c);
    if (r.loss == Loss::fused) {
      // Fused linear cross-entropy (linkedin/Liger-Kernel
      // ops/fused_linear_cross_entropy.py; Unsloth; Apple CCE): logits are
      // made chunk by chunk, chunk = T / ceil(V / h) rows, so one fp32 chunk
      // is ~T x h; plus the grad of the hidden states (methodology §15.5).
      const double h = static_cast<double>(p.spec->hidden);
      e.set(T * h * (4.0 + 4.0 + static_cast<double>(p.beta)) / tp(p),
            "tokens x hidden x (fp32 logits chunk + its grad + grad of the hidden states)",
            INPUTS({{"tokens", T}, {"hidden", p.spec->hidden}}));
      return;
    }
    if (r.loss == Loss::chunked) {
      e.set(T * V * (static_cast<double>(p.beta) + 4.0 + 1.0) / tp(p),
            "tokens x V x (bf16 logits 2 + fp32 log-probs 4 + one chunk's grads)",
            INPUTS({{"tokens", T}, {"vocab", p.spec->vocab}}));
      return;
    }
    if (r.mechanisms.shifted_logits_copy) {
      // transformers 4.46-4.48 ForCausalLMLoss: logits.float() then
      // logits[..., :-1, :].contiguous(); inside cross_entropy the bf16
      // logits (2V, the model output), the fp32 upcast (4V), the shifted
      // copy (4V) and the log-probs (4V) are alive: 14V, above backward's
      // 12V (methodology §15.7).
      e.set(T * V * 14.0 / tp(p),
            "tokens x V x 14 (bf16 logits, fp32 upcast, its shifted copy, fp32 log-probs)",
            INPUTS({{"tokens", T}, {"vocab", p.spec->vocab}}));
      return;
    }
    e.set(T * V * 12.0 / tp(p), "tokens x V x 12 (fp32 log-probs, their grad, grad of fp32 logits)",
          INPUTS({{"tokens", T}, {"vocab", p.spec->vocab}}));
    return;
  }
  if (llama(p)) return;  // inside llama.cpp's compute buffer
  const double beta = static_cast<double>(p.beta);
  const int64_t prompt = prompt_tokens(c);
  const double bytes = r.logits_all ? static_cast<double>(c.b) * prompt * V * beta / tp(p)
                                    : static_cast<double>(c.b) * V * (beta + 4.0) / tp(p);
  e.set(bytes,
        r.logits_all ? "batch x prompt x V x bytes (forward over every position)"
                     : "batch x V x (bf16 + fp32) for the last position (generate)",
        INPUTS({{"vocab", p.spec->vocab}}), 0.1);  // no loss buffer: a narrower band
}

// llama.cpp's GPU compute buffer, reserved once for the worst ubatch.
void compute_buffer(const Ctx& c, Emit& e) {
  if (!llama(c.p)) return;
  const llama_cpp::Buffers b = llama_buffers(c);
  e.set(static_cast<double>(b.compute_gpu),
        "ggml-alloc peak of the graph reserved for n_ubatch tokens: max(attention scores or "
        "flash-attention tensors, FFN, logits + final norm), f32",
        INPUTS({{"flash_attn", b.flash_attn ? "on" : "off"}}), 0.15);
}

// DynamicCache grows by torch.cat: one layer's K (or V) exists twice (the
// update replaces the layer's tensor, so the old one is freed at once). Up
// to transformers 4.41 generate() passed tuple caches (models/llama/
// modeling_llama.py v4.32: key_states = torch.cat([past_key_value[0],
// key_states]); greedy_search keeps model_kwargs' past_key_values until
// _update_model_kwargs_for_generation after the forward): the whole previous
// cache lives until the new one is complete (issue #25930; fixed by PR
// #30536, v4.42, which keeps one DynamicCache from start to end).
void decode_transient(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (p.req.engine != Engine::hf) return;
  const double kv = static_cast<double>(c.bytes_of("kv_cache"));
  if (p.req.legacy_kv_cache) {
    // N new tokens take one prefill and N - 1 decode forwards; the last one
    // extends a cache of s - 2 tokens (none when N = 1).
    if (c.s - prompt_tokens(c) < 2) return;
    const double s = static_cast<double>(c.s);
    e.set(kv * (s - 2) / s,
          "transformers <= 4.41 tuple cache: the previous step's cache (all layers) is held "
          "until the forward returns the new one",
          INPUTS({{"tokens", c.s - 2}}));
    return;
  }
  const double layers = static_cast<double>(std::max<size_t>(p.spec->layers.size(), 1));
  e.set(kv / layers / 2.0, "one layer's K or V copied by torch.cat on each decode step",
        INPUTS({}));
}

// --- training transients --------------------------------------------------------

void dequant_transient(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!(p.fmt.bits < 16 && is_lora(p.req.task))) return;
  e.set(2.0 * static_cast<double>(p.weights.largest_linear),
        "bitsandbytes dequantises one weight matrix at a time to bf16",
        INPUTS({{"largest_linear_elems", p.weights.largest_linear}}));
}

// DoRA materialises W + BA for the largest targeted module (§5.3).
void dora_transient(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (p.req.task != Task::dora && p.req.task != Task::qdora) return;
  double biggest = 0;
  for (const auto& t : p.lora.targets)
    biggest = std::max(biggest, double(t.in) * (t.in + 2.0 * t.out));
  e.set(2.0 * biggest, "bf16 x (in^2 + 2 out x in) for the largest targeted module", INPUTS({}));
}

void optimizer_step_temporaries(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const bool foreach_step = p.req.optimizer == Optimizer::adamw && !p.req.optimizer_in_backward;
  e.set(foreach_step ? static_cast<double>(p.trainable) * state_bytes(p) / optimizer_shard(p) : 0,
        "torch foreach AdamW materialises sqrt(v) for all params at once",
        INPUTS({{"trainable", p.trainable}}));
}

void eval_spike(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  const Request& r = p.req;
  if (!r.eval_batch_size) return;
  const ModelSpec& m = *p.spec;
  const double Te = static_cast<double>(*r.eval_batch_size) * static_cast<double>(*r.eval_seq_len);
  const double V = static_cast<double>(m.vocab);
  const double h = static_cast<double>(m.hidden);
  const double I = static_cast<double>(std::max(m.intermediate, m.moe.expert_width));
  e.set(Te * V * 10.0 / tp(p) + Te * p.beta * (2 * h + 3 * I) / tp(p),
        "eval tokens x (V x 10 logits + one layer's live tensors)", INPUTS({{"eval_tokens", Te}}));
}

void gathered_params(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (!p.shard.shard_params) return;
  e.set(2.0 * 2.0 * static_cast<double>(p.weights.largest_layer_params) / tp(p),
        "prefetch + current unit, bf16",
        INPUTS({{"largest_layer_params", p.weights.largest_layer_params}}));
}

// --- runtime (not tensors; on top of the peak, methodology §8) -------------------

void allocator_overhead(const Ctx& c, Emit& e) {
  e.set(static_cast<double>(c.peak) * c.p.fragmentation,
        "peak x fragmentation (caching allocator keeps freed blocks reserved)",
        INPUTS({{"fraction", c.p.fragmentation}}));
}

void cuda_context(const Ctx& c, Emit& e) {
  e.set(static_cast<double>(c.p.req.cuda_context_mib) * 1048576.0,
        "CUDA context + kernels + library workspaces (lazy loading)",
        INPUTS({{"mib", c.p.req.cuda_context_mib}}));
}

void nccl_buffers(const Ctx& c, Emit& e) {
  const int64_t ranks = c.p.shard.tp * c.p.shard.pp * c.p.shard.dp;
  if (ranks <= 1) return;
  e.set(0.25 * kGiB + 0.05 * kGiB * double(ranks), "0.25 GiB + 0.05 GiB x ranks",
        INPUTS({{"ranks", ranks}}));
}

// vLLM's start-up profile (engine/vllm.cpp, methodology §7.8).
void vllm_profile_peak(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  e.set(static_cast<double>(
            engine::vllm_profile_peak(p, p.vllm_max_num_seqs, p.vllm_batched_tokens, p.vllm_chip)),
        "max(one layer at max_num_batched_tokens, sampler warm-up: min(max_num_seqs, "
        "max_num_batched_tokens) x vocab x 14 B + held hidden states and MoE workspaces)",
        INPUTS({{"max_num_seqs", p.vllm_max_num_seqs},
                {"max_num_batched_tokens", p.vllm_batched_tokens},
                {"vocab", p.spec->vocab}}));
}

void rope_table(const Ctx& c, Emit& e) {
  const Prepared& p = c.p;
  if (p.rope_table <= 0) return;
  e.set(static_cast<double>(p.rope_table),
        "rows x rotary_dim x bytes (cos and sin halves), one table per GPU",
        INPUTS({{"rows", engine::rope_table_rows(*p.spec)},
                {"rotary_dim", p.spec->rope.rotary_dim},
                {"bytes", p.rope_table / std::max<int64_t>(1, engine::rope_table_rows(*p.spec) *
                                                                  p.spec->rope.rotary_dim)}}));
}

void vllm_non_torch(const Ctx& c, Emit& e) {
  e.set(static_cast<double>(engine::vllm_non_torch(c.p)),
        "non-torch increase of the profile run (+ NCCL / all-reduce buffers at TP >= 2)",
        INPUTS({{"tp", c.p.shard.tp}}));
}

constexpr uint32_t kSteady = kTrainingPhases;  // alive through the whole step
constexpr uint32_t kForward = kForwardEnd | kLayerBackward;

}  // namespace

const std::vector<ComponentDef>& component_table() {
  static const std::vector<ComponentDef> rows = {
      {"weights", "Weights", "Model parameters as stored on the GPU (quantised or not).", 0.005,
       kSteady | kInferencePhases, false, weights},
      {"rope_table", "Rotary cos/sin table",
       "The rotary embedding's cos/sin table that vLLM and SGLang precompute for every position "
       "up to the model's maximum.",
       0.001, kInferencePhases, false, rope_table,
       engine_mask(Engine::vllm) | engine_mask(Engine::sglang)},
      {"lora_adapters", "LoRA adapters", "The trainable adapter matrices (LoRA, DoRA).", 0.001,
       kSteady, false, lora_adapters},
      {"gradients", "Gradients", "One gradient per trainable parameter, from backward to the step.",
       0.01, kTrainingPhases, false, gradients},
      {"zero1_unreduced_gradients", "Unreduced gradients (ZeRO-1)",
       "DeepSpeed ZeRO-1 without overlap_comm: every parameter's 16-bit gradient, held from the "
       "backward pass to the reduce after it.",
       0.01, kTrainingPhases & ~kEval, false, zero1_unreduced_gradients},
      {"fp32_gradient_partition", "fp32 gradient partition (DeepSpeed)",
       "DeepSpeed ZeRO-1/2 casts its partition of the gradients to fp32 for the optimizer step.",
       0.01, kOptimizerStep, false, fp32_gradient_partition},
      {"ddp_buckets", "DDP gradient buckets",
       "PyTorch DDP's all-reduce buckets: a second copy of every gradient, allocated when it "
       "wraps the model.",
       0.01, kSteady, false, ddp_buckets},
      {"zero_reduce_buffers", "ZeRO reduce buffers (DeepSpeed)",
       "DeepSpeed ZeRO-1/2's contiguous buffers that gradients pass through on their way to the "
       "reduce, through the backward pass.",
       0.01, kLayerBackward | kBackwardEnd, false, zero_reduce_buffers},
      {"optimizer_states", "Optimizer states",
       "The optimizer's per-parameter state (AdamW: m and v).", 0.01, kSteady, false,
       optimizer_states},
      {"paged_optimizer_states", "Paged optimizer states",
       "bitsandbytes paged optimizer states in managed memory: not counted by PyTorch, paged to "
       "host when the GPU is full.",
       0.01, kSteady, false, paged_optimizer_states},
      {"master_weights", "fp32 master weights",
       "DeepSpeed mixed precision: fp32 copy of the parameters.", 0.01, kSteady, false,
       master_weights},
      {"autocast_weight_copies", "bf16 weight copies (autocast)",
       "Autocast's bf16 casts of fp32 linear weights, saved for backward.", 0.05, kForward, false,
       autocast_weight_copies},
      {"activations", "Activations",
       "Tensors saved for backward (only layer inputs when checkpointing).", 0.12, kForward, false,
       activations},
      {"recompute_layer", "Recomputed layer (backward)",
       "Checkpointing: one layer's activations recomputed during backward.", 0.2, kLayerBackward,
       false, recompute_layer},
      {"backward_transient", "Backward temporaries",
       "Gradient tensors alive while backpropagating one layer.", 0.3, kLayerBackward, false,
       backward_transient},
      {"kv_cache", "KV cache", "Keys and values of every cached token (or a recurrent state).",
       0.01, kInferencePhases, false, kv_cache},
      {"prefill_activations", "Prefill activations",
       "One layer's live tensors while the prompt is processed.", 0.3, kPrefill, false,
       prefill_activations, kNotVllm},
      {"vllm_profile_peak", "Profile-run peak (vLLM)",
       "vLLM's profile run: a max_num_batched_tokens forward and the sampler warm-up.", 0.15,
       kPrefill, false, vllm_profile_peak, engine_mask(Engine::vllm)},
      {"logits", "Logits",
       "Output logits; in training also the cross-entropy's log-probs and gradients.", 0.15,
       kForwardEnd | kInferencePhases, false, logits, kNotVllm},
      {"compute_buffer", "Compute buffer (llama.cpp)",
       "llama.cpp's GPU compute buffer: the largest graph of one ubatch, reserved at start.", 0.15,
       kInferencePhases, false, compute_buffer},
      {"decode_transient", "KV growth copy",
       "One layer's K or V copied as the cache grows (HF DynamicCache); the whole previous cache "
       "with the legacy tuple cache.",
       0.2, kDecode, false, decode_transient, kNotVllm},
      {"dequant_transient", "Dequantised weight (transient)",
       "A quantised weight matrix dequantised to bf16 for one matmul.", 0.05,
       kForward | kBackwardEnd, false, dequant_transient},
      {"dora_transient", "DoRA weight-norm transient",
       "DoRA's materialised W + BA for its weight norm.", 0.2, kForward, false, dora_transient},
      {"optimizer_step", "Optimizer step temporaries",
       "Temporaries of the optimizer step (foreach AdamW).", 0.05, kOptimizerStep, false,
       optimizer_step_temporaries},
      {"eval_spike", "Evaluation step", "Logits and one layer's tensors of an evaluation forward.",
       0.2, kEval, false, eval_spike},
      {"gathered_params", "Gathered layer (ZeRO-3/FSDP)",
       "Sharded parameters gathered for the current layer.", 0.2, kSteady, false, gathered_params},
      {"allocator_overhead", "Allocator reserve",
       "Freed blocks the caching allocator keeps reserved.", 0.5, 0, true, allocator_overhead,
       kNotVllm},
      {"cuda_context", "CUDA context", "CUDA context, kernels and library workspaces.", 0.5, 0,
       true, cuda_context, kNotVllm},
      {"nccl_buffers", "NCCL buffers", "Communication buffers when several GPUs work together.",
       0.5, 0, true, nccl_buffers, kNotVllm},
      {"vllm_non_torch", "Non-torch memory (vLLM)",
       "Memory vLLM's profile run sees outside PyTorch: workspaces, NCCL and all-reduce buffers.",
       0.3, 0, true, vllm_non_torch, engine_mask(Engine::vllm)},
  };
  return rows;
}

}  // namespace mem
}  // namespace vramfit
