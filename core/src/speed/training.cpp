// Training throughput on one GPU class (methodology §18.2): FLOPs per token
// of the step the task runs, over the bf16/fp16 tensor peak x a hardware-FLOPs
// utilisation from published training runs, plus bitsandbytes' 4-bit
// dequantisation for QLoRA. Pure: no I/O.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "memory/optimizer_state.h"
#include "speed/speed.h"

namespace vramfit {
namespace speed {

namespace {
using nlohmann::json;

// Hardware-FLOPs utilisation (recompute counted) by the tensor-core path the
// kernels take, from MosaicML's single-node (8 GPUs, FSDP) bf16 training table
// (mosaicml/llm-foundry scripts/train/benchmarking/README.md @061f2c7): the
// median HFU of its 1B-13B rows at sequence 1024-8192, band = their min-max.
//   - sm_80/86/89/120, warp-level mma.sync (Ampere, Ada, consumer Blackwell):
//     the A100 80GB rows, 16 rows, median 0.624, 0.567-0.793;
//   - sm_90/100/103, warpgroup / tcgen05 MMA (Hopper, Blackwell data centre):
//     the H100 80GB rows, 14 rows, median 0.443, 0.377-0.590; the peak is
//     ~3x the A100's and attention and elementwise kernels do not keep pace.
// Other GPUs (Volta, Turing, AMD, Apple, Gaudi, custom): the multi-node
// literature, 52 % of the A100 peak in Megatron-LM (Narayanan et al., SC21,
// recompute included), 57.8 % HFU for PaLM (Chowdhery et al. 2022, §4.1),
// 38-43 % MFU for Llama 3 405B on H100 (Dubey et al. 2024, Table 4): middle
// 0.50, band 0.35-0.60.
struct Utilization {
  double mid, low, high;
  const char* basis;
};
constexpr Utilization kMmaSync{0.624, 0.567, 0.793, "llm-foundry A100 rows (mma.sync GPUs)"};
constexpr Utilization kWarpgroup{0.443, 0.377, 0.590, "llm-foundry H100 rows (warpgroup-MMA GPUs)"};
constexpr Utilization kOther{0.50, 0.35, 0.60, "Megatron-LM / PaLM / Llama 3 runs"};

// The compute capability in the catalogue's arch ("Hopper (9.0)"); 0 when
// the GPU has none (AMD, Apple, Gaudi, a custom GPU).
double compute_capability(const std::string& arch) {
  const size_t open = arch.rfind('(');
  if (open == std::string::npos || arch.back() != ')') return 0;
  const std::string cc = arch.substr(open + 1, arch.size() - open - 2);
  if (cc.size() < 3 || cc.find_first_not_of("0123456789.") != std::string::npos) return 0;
  return std::atof(cc.c_str());
}

const Utilization& utilization(const Gpu& g) {
  if (g.vendor != "nvidia") return kOther;
  const double cc = compute_capability(g.arch);
  if ((cc >= 8.0 && cc < 9.0) || (cc >= 12.0 && cc < 13.0)) return kMmaSync;
  if (cc >= 9.0 && cc < 11.0) return kWarpgroup;
  return kOther;
}
// Achieved / datasheet bandwidth of the dequantisation kernels (§18 η_bw).
constexpr double kBwMid = 0.80, kBwLow = 0.65, kBwHigh = 0.92;

bool adapters(Task t) { return t != Task::full && t != Task::inference; }
bool four_bit(Task t) { return t == Task::qlora || t == Task::qdora; }

double train_peak(const Prepared& p, const Gpu& g) {
  if (p.req.precision == Precision::fp16_mixed && g.fp16_tflops) return *g.fp16_tflops * 1e12;
  if (g.bf16_tflops) return *g.bf16_tflops * 1e12;
  return 0;
}
}  // namespace

TrainingCost training_cost(const Prepared& p) {
  const ModelSpec& s = *p.spec;
  const Request& r = p.req;
  TrainingCost c;
  const double model_par = static_cast<double>(p.shard.tp * p.shard.pp);
  // Matrix parameters a token passes through (the tied head once more).
  const double tied = s.tied_embeddings ? static_cast<double>(p.params.embeddings) : 0.0;
  c.matmul_params = (static_cast<double>(p.params.active_no_embed) + tied) / model_par;
  const double seq = static_cast<double>(std::max<int64_t>(r.seq_len, 1));
  // Causal attention under SDPA / FlashAttention skips the masked half:
  // (seq + 1) / 2 keys per query on average; QK^T and PV, 2 FLOPs per MAC.
  double attn = 0;
  for (const LayerSpec& L : s.layers) {
    if (L.mixer != MixerKind::attention) continue;
    double keys = (seq + 1.0) / 2.0;
    if (L.window > 0) keys = std::min(keys, static_cast<double>(L.window));
    attn += 2.0 * static_cast<double>(L.n_heads) * static_cast<double>(L.head_dim + L.v_head_dim) *
            keys;
  }
  c.attention_fwd = attn / model_par;
  const double fwd = 2.0 * c.matmul_params + c.attention_fwd;
  if (adapters(r.task)) {
    // Frozen weights need the activation gradient (dX = dY W^T, 2 FLOPs per
    // parameter) but no weight gradient; the adapters train in full.
    c.adapter_params = static_cast<double>(p.lora.params) / model_par;
    c.flops_per_token = 4.0 * c.matmul_params + 3.0 * c.attention_fwd + 6.0 * c.adapter_params;
  } else {
    // Forward 2N, backward 4N (activation and weight gradients).
    c.flops_per_token = 3.0 * fwd;
  }
  if (r.gradient_checkpointing) c.flops_per_token += fwd;  // the forward again
  c.tokens_per_step = static_cast<double>(r.batch_size) * seq;
  // bitsandbytes MatMul4Bit dequantises the NF4 weight to the compute dtype
  // in the forward and again in the backward (autograd/_functions.py,
  // 0.43: F.dequantize_4bit in forward and backward); checkpointing runs the
  // forward twice. Each pass reads the packed weight and writes the bf16
  // copy the GEMM then reads.
  if (four_bit(r.task)) {
    const double passes = r.gradient_checkpointing ? 3.0 : 2.0;
    const double quant = static_cast<double>(p.weights.quantized);
    const double linear = static_cast<double>(p.weights.linear_params);
    c.dequant_bytes_per_step = passes * (quant + 2.0 * 2.0 * linear);
  }
  return c;
}

namespace {
bool has_training_speed(const Prepared& p, double peak) {
  return peak > 0 && p.spec && !p.spec->layers.empty() && p.req.precision != Precision::fp32;
}

double replicas_of(const Prepared& p) {
  return static_cast<double>(std::max<int64_t>(p.shard.dp, 1));
}

// Bytes one data-parallel rank sends over its link in one step (ring
// collectives: an all-reduce moves 2 (n-1)/n of its buffer, a reduce-scatter
// or an all-gather (n-1)/n; methodology §18.4). `hidden`: moved while the
// backward pass (ZeRO-3: the whole step) still computes; `after`: moved once
// it has ended, on the critical path.
struct DpTraffic {
  double grad_bytes = 0;    // gradients per rank (trainable x grad bytes)
  double gather_bytes = 0;  // parameters gathered per step (ZeRO-1/2: updated, ZeRO-3: all)
  double hidden = 0;
  double after = 0;
  bool whole_step = false;  // ZeRO-3 / FSDP: prefetched gathers overlap the forward too
  double sync_every = 1;    // micro-batches per exchange (gradient accumulation)
};

DpTraffic dp_traffic(const Prepared& p) {
  DpTraffic t;
  const double n = replicas_of(p);
  if (n <= 1) return t;
  const double ring = (n - 1) / n;
  const int zero = p.req.parallel.zero;
  const auto ga = static_cast<double>(p.req.gradient_accumulation_steps);
  // DDP all-reduces .grad in its own dtype (the breakdown's gradients). ZeRO
  // reduces in the 16-bit training dtype: DeepSpeed's communication_data_type
  // (runtime/engine.py @edaa7221, v0.19.5+), accelerate's FSDP mixed precision
  // policy reduce_dtype = param_dtype (utils/dataclasses.py @16cb6eb8).
  const double elem = zero > 0 ? zero_comm_bytes(p.req) : trainable_param_bytes(p.req);
  t.grad_bytes = static_cast<double>(p.trainable) * elem;
  if (zero == 0) {
    // DDP: each bucket's all-reduce starts when its gradients are ready, in
    // the backward pass (torch c10d reducer.cpp mark_variable_ready ->
    // all_reduce_bucket).
    t.hidden = 2.0 * ring * t.grad_bytes;
    // Gradient accumulation: the Trainer runs every micro-batch but the last
    // under no_sync (trainer.py _inner_training_loop), so one all-reduce per
    // optimizer step.
    t.sync_every = ga;
  } else if (zero <= 2) {
    // DeepSpeed ZeRO-1/2 (runtime/zero/stage_1_and_2.py @edaa7221):
    // average_tensor reduces each bucket on the compute stream, so in turn
    // with the backward kernels, unless overlap_comm gives it its own
    // stream; after the optimizer step each rank all-gathers the updated
    // 16-bit parameters (all_gather_dp_groups).
    // ZeRO-1 reduces only at the accumulation boundary, ZeRO-2 every
    // micro-batch (reduce_ready_partitions_and_remove_grads); the gather
    // follows the optimizer step.
    t.gather_bytes = static_cast<double>(p.trainable) * zero_comm_bytes(p.req);
    const double reduce = ring * t.grad_bytes;
    (p.req.parallel.overlap_comm.value_or(false) ? t.hidden : t.after) += reduce;
    if (zero == 1) {
      t.after += ring * t.gather_bytes;
      t.sync_every = ga;
    } else {
      t.after += ring * t.gather_bytes / ga;
    }
  } else {
    // ZeRO-3 / FSDP: every parameter all-gathered for the forward and again
    // for the backward, gradients reduce-scattered; prefetching overlaps
    // them with the layers before (FSDP forward/backward_prefetch, DeepSpeed
    // stage3 prefetch_bucket_size). Both gather the params in the weights
    // format, 16-bit (FSDP MixedPrecision param_dtype, DeepSpeed's fp16/bf16
    // params; fp32 training has no speed figures). DeepSpeed's stage3.py
    // reduces on the default stream, in turn with the backward kernels, when
    // overlap_comm is off (on by default at this stage: zero/config.py
    // overlap_comm_valid).
    t.gather_bytes = static_cast<double>(p.weights.total) * n;
    t.hidden = ring * 2.0 * t.gather_bytes;
    (p.req.parallel.overlap_comm.value_or(true) ? t.hidden : t.after) += ring * t.grad_bytes;
    t.whole_step = true;
  }
  return t;
}

// One step: the FLOPs at a utilisation of the peak, plus the dequantisation
// traffic at an efficiency of the bandwidth, plus the data-parallel traffic
// the compute does not hide. `overlap` false: none of it hidden (the band's
// slow end).
struct StepModel {
  const TrainingCost& c;
  const DpTraffic& dp;
  double peak, bw, link_bps;
  double step_s(double hfu, double eff, double link_eff, bool overlap) const {
    const double compute = c.flops_per_token * c.tokens_per_step / (peak * hfu) +
                           c.dequant_bytes_per_step / (bw * eff);
    if (link_bps <= 0 || (dp.hidden <= 0 && dp.after <= 0)) return compute;
    const double rate = link_bps * link_eff;
    const double window = overlap ? compute * (dp.whole_step ? 1.0 : backward_share()) : 0.0;
    return compute + (std::max(0.0, dp.hidden / rate - window) + dp.after / rate) / dp.sync_every;
  }
  // The backward pass's share of the step's FLOPs (the recomputed forward
  // runs in it).
  double backward_share() const {
    const double fwd = 2.0 * c.matmul_params + c.attention_fwd + 2.0 * c.adapter_params;
    return c.flops_per_token > 0 ? std::max(0.0, 1.0 - fwd / c.flops_per_token) : 0.0;
  }
};

// The link data-parallel ranks talk over; none on one GPU.
Link dp_link(const Prepared& p, const Gpu& g) {
  return p.shard.dp > 1 ? link_between(g, p.shard.dp) : Link{};
}
}  // namespace

std::vector<Figure> training_speed(const Prepared& p, const Gpu& g, const TrainingPlan& plan) {
  std::vector<Figure> out;
  const double peak = train_peak(p, g);
  if (!has_training_speed(p, peak)) return out;
  const TrainingCost c = training_cost(p);
  const double bw = g.bandwidth_gbps * 1e9;
  const Utilization& u = utilization(g);
  const DpTraffic dp = dp_traffic(p);
  const Link link = dp_link(p, g);
  const StepModel m{c, dp, peak, bw, link.gbps * 1e9};
  const Terms mid = terms_mid();
  const double t_mid = m.step_s(u.mid, kBwMid, link_efficiency(link, mid), true);
  const double t_slow = m.step_s(u.low, kBwLow, link_efficiency(link, terms_slow()), false);
  const double t_fast = m.step_s(u.high, kBwHigh, link_efficiency(link, terms_fast()), true);
  // Data-parallel replicas each process their own micro-batch.
  const double replicas = replicas_of(p);
  const double gpus = replicas * static_cast<double>(p.shard.tp * p.shard.pp);
  json in = json::object();
  in["flops_per_token"] = c.flops_per_token;
  in["matmul_params"] = c.matmul_params;
  if (c.adapter_params > 0) in["adapter_params"] = c.adapter_params;
  in["attention_flops_per_token"] = c.attention_fwd;
  in["gradient_checkpointing"] = p.req.gradient_checkpointing;
  in["tokens_per_step"] = c.tokens_per_step;
  in["peak_tflops"] = peak / 1e12;
  in["hardware_flops_utilization"] = u.mid;
  in["utilization_basis"] = u.basis;
  if (c.dequant_bytes_per_step > 0) {
    in["dequant_bytes_per_step"] = std::round(c.dequant_bytes_per_step);
    in["bandwidth_gbps"] = g.bandwidth_gbps;
    in["bandwidth_efficiency"] = kBwMid;
  }
  in["data_parallel"] = replicas;
  if (dp.hidden > 0 || dp.after > 0) {
    in["dp_gradient_bytes"] = std::llround(dp.grad_bytes);
    if (dp.gather_bytes > 0) in["dp_gathered_bytes"] = std::llround(dp.gather_bytes);
    in["dp_overlapped_bytes"] = std::llround(dp.hidden);
    in["dp_after_backward_bytes"] = std::llround(dp.after);
    in["dp_overlap_window"] = dp.whole_step ? "step" : "backward";
    if (dp.sync_every > 1) in["dp_sync_every"] = dp.sync_every;
    in["backward_share"] = m.backward_share();
    in["link"] = link_name(g, link);
    in["link_gbps_per_direction"] = link.gbps;
    in["link_efficiency"] = link_efficiency(link, mid);
  }
  const char* step_formula =
      "compute + (max(0, dp_overlapped_bytes / link - overlap window x compute) + "
      "dp_after_backward_bytes / link) / dp_sync_every (1 unless gradient accumulation "
      "leaves the exchange to the last micro-batch); "
      "compute = tokens_per_step x flops_per_token / (peak x hardware_flops_utilization) + "
      "dequant_bytes_per_step / (bandwidth x bandwidth_efficiency); "
      "flops_per_token = 6 x matmul_params + 3 x attention (full) or "
      "4 x matmul_params + 3 x attention + 6 x adapter_params (LoRA), "
      "+ 2 x matmul_params + attention with gradient checkpointing; "
      "link = link_gbps_per_direction x "
      "link_efficiency; the band's slow end hides none of the traffic";
  out.push_back(
      Figure{"train_step_s", "Training step", "s", t_mid, t_fast, t_slow, step_formula, in});
  json tin = json::object();
  tin["tokens_per_step"] = c.tokens_per_step;
  tin["data_parallel"] = replicas;
  out.push_back(Figure{"train_tokens_per_s", "Training, all GPUs", "tokens/s",
                       replicas * c.tokens_per_step / t_mid, replicas * c.tokens_per_step / t_slow,
                       replicas * c.tokens_per_step / t_fast,
                       "data_parallel x tokens_per_step / train_step_s", tin});
  const double tokens =
      plan.train_tokens > 0 ? plan.train_tokens : plan.dataset_tokens * std::max(plan.epochs, 0.0);
  if (tokens <= 0) return out;
  const double rate_mid = out.back().value, rate_slow = out.back().low, rate_fast = out.back().high;
  json hin = json::object();
  hin["tokens"] = tokens;
  if (plan.train_tokens <= 0) {
    hin["dataset_tokens"] = plan.dataset_tokens;
    hin["epochs"] = plan.epochs;
  }
  hin["train_tokens_per_s"] = rate_mid;
  out.push_back(Figure{"train_time_s", "Time to train", "s", tokens / rate_mid, tokens / rate_fast,
                       tokens / rate_slow, "tokens / train_tokens_per_s", hin});
  if (plan.price_per_gpu_hour <= 0) return out;
  json cin = json::object();
  cin["gpus"] = gpus;
  cin["price_per_gpu_hour"] = plan.price_per_gpu_hour;
  cin["train_time_s"] = tokens / rate_mid;
  const double per_s = gpus * plan.price_per_gpu_hour / 3600.0;
  out.push_back(Figure{"train_cost", "Cost to train", "currency", per_s * tokens / rate_mid,
                       per_s * tokens / rate_fast, per_s * tokens / rate_slow,
                       "gpus x price_per_gpu_hour x train_time_s / 3600", cin});
  return out;
}

double train_tokens_per_s(const Prepared& p, const TrainingCost& c, const Gpu& g) {
  const double peak = train_peak(p, g);
  if (!has_training_speed(p, peak)) return 0;
  const DpTraffic dp = dp_traffic(p);
  const Link link = dp_link(p, g);
  const StepModel m{c, dp, peak, g.bandwidth_gbps * 1e9, link.gbps * 1e9};
  const double t = m.step_s(utilization(g).mid, kBwMid, link_efficiency(link, terms_mid()), true);
  return replicas_of(p) * c.tokens_per_step / t;
}

}  // namespace speed
}  // namespace vramfit
