// Inference speed per GPU (methodology §18). One decode step reads the
// weights the batch touches plus every sequence's KV cache at its depth, and
// computes 2 FLOPs per active parameter per token: its time is the larger of
// the memory time and the compute time, plus a fixed cost for the kernels of
// the step. Prefill is the same roofline over the prompt in 512-token
// micro-batches. The efficiency and kernel terms are mechanisms with
// published figures, not fitted to any benchmark row:
//  - achieved memory bandwidth: streaming kernels reach 80-92% of the
//    datasheet figure on NVIDIA and AMD GPUs (BabelStream, Deakin et al.,
//    "Evaluating attainable memory bandwidth of parallel programming models
//    via BabelStream", 2018); quantised matrix-vector kernels that decode
//    blocks on the fly reach less: band 0.65-0.92, middle 0.80.
//  - short kernels: a back-to-back short kernel costs about 3.4-3.8 us of
//    GPU time with or without CUDA graphs (A. Gray, "Getting Started with
//    CUDA Graphs", NVIDIA Technical Blog, 2019); band 2-5 us, middle 3 us.
//  - kernels per decoder layer: 23 in llama.cpp's graph of a Llama layer
//    (llama.cpp llama.cpp build_llama, b3000: rms_norm+mul twice, q/k/v,
//    2 rope, 2 KV copies, KQ, soft_max_ext, KQV, cont, wo, add, gate, up,
//    silu, mul, down, add).
//  - dense fp16 GEMM efficiency: cuBLAS reaches about 70% of the dense
//    tensor peak on large GEMMs; prefill's 512-token micro-batches leave
//    partial waves on large GPUs: band 0.30-0.70, middle 0.50.
#include "speed/speed.h"

#include <algorithm>
#include <cmath>

namespace vramfit {
namespace speed {

namespace {
constexpr double kKernelsPerLayer = 23;  // llama.cpp build_llama, b3000
constexpr int64_t kUbatch = 512;         // llama.cpp n_ubatch default

using nlohmann::json;

// What one step of the model costs on one GPU, before efficiencies.
struct Step {
  double weight_bytes = 0;  // weights read (per GPU, all pipeline stages in turn)
  double kv_bytes = 0;      // KV cache / recurrent state read
  double flops = 0;         // per GPU
  double touched = 1;       // fraction of routed experts read
  double kernels = 0;       // kernels launched in the step
};

double routed_params(const ModelSpec& s) {
  double r = 0;
  for (const TensorGroup& t : s.tensors) {
    if (t.routed)
      r += static_cast<double>(t.rows) * static_cast<double>(t.cols) * static_cast<double>(t.count);
  }
  return r;
}

// Fraction of an MoE layer's routed experts that a batch of `tokens` reads:
// each token picks k of E, so an expert is missed by all with (1-k/E)^tokens.
double experts_touched(const ModelSpec& s, double tokens) {
  if (s.moe.num_experts <= 0 || s.moe.experts_per_token <= 0) return 1;
  const double miss =
      1.0 - static_cast<double>(s.moe.experts_per_token) / static_cast<double>(s.moe.num_experts);
  return 1.0 - std::pow(std::max(miss, 0.0), tokens);
}

// Weights read by a forward over `tokens` tokens: every tensor except the
// input embedding table (a row gather) and the routed experts not touched.
double weights_read(const Prepared& p, double tokens, double& touched) {
  const ModelSpec& s = *p.spec;
  const double total = static_cast<double>(std::max<int64_t>(p.params.total, 1));
  const double embed = s.tied_embeddings ? 0.0 : static_cast<double>(p.params.embeddings);
  touched = experts_touched(s, tokens);
  const double unread = embed + routed_params(s) * (1.0 - touched);
  const double frac = std::clamp((total - unread) / total, 0.0, 1.0);
  return static_cast<double>(p.weights.total) * frac * static_cast<double>(p.shard.pp);
}

// Parameters in matrix products per token (the tied head counts once more).
double matmul_params(const Prepared& p) {
  const double tied = p.spec->tied_embeddings ? static_cast<double>(p.params.embeddings) : 0.0;
  return static_cast<double>(p.params.active_no_embed) + tied;
}

// KV bytes per token of context and attention FLOPs per (query, key) pair,
// summed over layers; `ctx` caps windowed / chunked layers.
void attention_terms(const Prepared& p, double ctx, double& kv_read, double& attn_flops,
                     double& state) {
  const bool hf = p.req.engine == Engine::hf;
  const double tp = static_cast<double>(p.shard.tp);
  kv_read = attn_flops = state = 0;
  for (const LayerSpec& L : p.spec->layers) {
    if (L.mixer == MixerKind::mamba || L.mixer == MixerKind::linear_attention) {
      state += static_cast<double>(L.state_elems) * 4.0 / tp;
      continue;
    }
    double tokens = ctx;
    if (L.window > 0) tokens = std::min(tokens, static_cast<double>(L.window));
    if (L.chunk > 0) tokens = std::min(tokens, static_cast<double>(L.chunk));
    kv_read += mem::kv_bytes_per_token(L, hf, p.kv_bytes, p.shard.tp) * tokens;
    // QK^T and PV: 2 FLOPs per multiply-add, head_dim (+ v_head_dim) each.
    attn_flops += 2.0 * static_cast<double>(L.n_heads) *
                  static_cast<double>(L.head_dim + L.v_head_dim) * tokens / tp;
  }
}

Step decode_step(const Prepared& p, double batch, double depth) {
  Step st;
  st.weight_bytes = weights_read(p, batch, st.touched);
  double kv = 0, attn = 0, state = 0;
  attention_terms(p, depth, kv, attn, state);
  st.kv_bytes = batch * (kv + state);
  const double tp = static_cast<double>(p.shard.tp);
  st.flops = batch * (2.0 * matmul_params(p) / tp + attn);
  st.kernels = kKernelsPerLayer * static_cast<double>(p.spec->layers.size());
  return st;
}

Step prefill_step(const Prepared& p, double prompt) {
  Step st;
  const double ubatches = std::ceil(prompt / static_cast<double>(kUbatch));
  st.weight_bytes = ubatches * weights_read(p, std::min(prompt, double{kUbatch}), st.touched);
  // Causal attention: the query at position i attends to i keys, so the
  // prompt averages (prompt + 1) / 2 keys per query.
  double kv = 0, attn = 0, state = 0;
  attention_terms(p, (prompt + 1.0) / 2.0, kv, attn, state);
  st.kv_bytes = ubatches * state;
  const double tp = static_cast<double>(p.shard.tp);
  st.flops = prompt * (2.0 * matmul_params(p) / tp + attn);
  st.kernels = ubatches * kKernelsPerLayer * static_cast<double>(p.spec->layers.size());
  return st;
}

double peak_flops(const Gpu& g) {
  if (g.fp16_tflops) return *g.fp16_tflops * 1e12;
  if (g.bf16_tflops) return *g.bf16_tflops * 1e12;
  return 0;
}

// Seconds for a step under terms t; peak 0 = memory time only.
double step_seconds(const Step& st, const Gpu& g, const Terms& t, bool& compute_bound) {
  const double mem = (st.weight_bytes + st.kv_bytes) / (g.bandwidth_gbps * 1e9 * t.bw_eff);
  const double peak = peak_flops(g);
  const double comp = peak > 0 ? st.flops / (peak * t.compute_eff) : 0;
  compute_bound = comp > mem;
  return std::max(mem, comp) + st.kernels * t.kernel_s;
}

json step_inputs(const Step& st, const Gpu& g, const Terms& t, bool compute_bound) {
  json in = json::object();
  in["bandwidth_gbps"] = g.bandwidth_gbps;
  in["bandwidth_efficiency"] = t.bw_eff;
  in["weight_bytes_read"] = std::round(st.weight_bytes);
  in["kv_bytes_read"] = std::round(st.kv_bytes);
  in["flops"] = st.flops;
  const double peak = peak_flops(g);
  if (peak > 0) {
    in["peak_tflops"] = peak / 1e12;
    in["compute_efficiency"] = t.compute_eff;
  }
  in["kernels"] = st.kernels;
  in["kernel_us"] = t.kernel_s * 1e6;
  if (st.touched < 1) in["experts_touched_fraction"] = st.touched;
  in["bound"] = compute_bound ? "compute" : "memory";
  return in;
}
}  // namespace

Terms terms_mid() { return {0.80, 0.50, 3.0e-6}; }
Terms terms_slow() { return {0.65, 0.30, 5.0e-6}; }
Terms terms_fast() { return {0.92, 0.70, 2.0e-6}; }

std::vector<Figure> inference_speed(const Prepared& p, const Gpu& g, const Workload& w) {
  std::vector<Figure> out;
  if (g.bandwidth_gbps <= 0 || !p.spec || p.spec->layers.empty()) return out;
  const double batch = static_cast<double>(std::max<int64_t>(w.batch, 1));
  const double depth = static_cast<double>(std::max<int64_t>(w.depth, 0));
  const Terms mid = terms_mid(), slow = terms_slow(), fast = terms_fast();
  bool cb = false, unused = false;

  const Step d = decode_step(p, batch, depth);
  const double t_mid = step_seconds(d, g, mid, cb);
  const double t_slow = step_seconds(d, g, slow, unused);
  const double t_fast = step_seconds(d, g, fast, unused);
  const json din = step_inputs(d, g, mid, cb);
  Figure per_seq{"decode_tokens_per_s",
                 "Decode, per sequence",
                 "tokens/s",
                 1.0 / t_mid,
                 1.0 / t_slow,
                 1.0 / t_fast,
                 "1 / (max((weight_bytes_read + kv_bytes_read) / (bandwidth x "
                 "bandwidth_efficiency), flops / (peak x compute_efficiency)) + kernels x "
                 "kernel_us)",
                 din};
  per_seq.inputs["batch"] = w.batch;
  per_seq.inputs["context_depth"] = w.depth;
  out.push_back(per_seq);
  Figure agg = per_seq;
  agg.id = "decode_aggregate_tokens_per_s";
  agg.label = "Decode, all sequences";
  agg.value *= batch;
  agg.low *= batch;
  agg.high *= batch;
  agg.formula = "batch x decode_tokens_per_s";
  out.push_back(agg);

  if (peak_flops(g) <= 0 || w.prompt <= 0) return out;
  const double prompt = static_cast<double>(w.prompt);
  const Step pf = prefill_step(p, prompt);
  const double pf_mid = step_seconds(pf, g, mid, cb);
  const double pf_slow = step_seconds(pf, g, slow, unused);
  const double pf_fast = step_seconds(pf, g, fast, unused);
  Figure pre{"prefill_tokens_per_s",
             "Prefill",
             "tokens/s",
             prompt / pf_mid,
             prompt / pf_slow,
             prompt / pf_fast,
             "prompt_tokens / (max(flops / (peak x compute_efficiency), weight_bytes_read / "
             "(bandwidth x bandwidth_efficiency)) + kernels x kernel_us); flops = prompt_tokens "
             "x (2 x active_params + attention over (prompt_tokens + 1) / 2 keys)",
             step_inputs(pf, g, mid, cb)};
  pre.inputs["prompt_tokens"] = w.prompt;
  pre.inputs["ubatch"] = kUbatch;
  out.push_back(pre);

  // The first token: the prompt's prefill, then one decode step at its depth.
  const Step first = decode_step(p, 1, prompt);
  const double f_mid = pf_mid + step_seconds(first, g, mid, unused);
  const double f_fast = pf_fast + step_seconds(first, g, fast, unused);
  const double f_slow = pf_slow + step_seconds(first, g, slow, unused);
  json tin = json::object();
  tin["prompt_tokens"] = w.prompt;
  tin["prefill_s"] = pf_mid;
  tin["first_decode_step_s"] = f_mid - pf_mid;
  out.push_back(Figure{"time_to_first_token_s", "Time to first token", "s", f_mid, f_fast, f_slow,
                       "prompt_tokens / prefill_tokens_per_s + one decode step at depth "
                       "prompt_tokens",
                       tin});
  return out;
}

}  // namespace speed
}  // namespace vramfit
