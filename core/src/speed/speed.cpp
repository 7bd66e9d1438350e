// Inference speed per GPU (methodology §18). One decode step reads the
// weights the batch touches plus every sequence's KV cache at its depth, and
// computes 2 FLOPs per active parameter per token: its time is the larger of
// the memory time and the compute time, plus a fixed cost for the kernels of
// the step. Prefill is the same roofline over the prompt in 512-token
// micro-batches, except under llama.cpp / Ollama, whose cuBLAS path is priced
// kernel by kernel (llama_cpp_ubatch, methodology §18.1). The efficiency and
// kernel terms are mechanisms with
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
//  - Hugging Face transformers (engine hf) decodes in eager PyTorch: every
//    op of every layer is dispatched from Python, and at small batches the
//    GPU waits for the host. optimum's GPTQ benchmark (huggingface/optimum
//    tests/benchmark/README.md @0963862, transformers 4.32, Llama-2-13B fp16
//    on one A100-SXM4-80GB, 512 + 512 tokens) logs 36.96 / 37.35 / 37.89 ms
//    per token at batch 1 / 2 / 4: flat while the GPU's share grows, so
//    host-bound. Less the 96 ms prefill spread over 512 tokens that is
//    36.8 ms per step for 40 layers: 0.92 ms of host time per decoder layer
//    (band 0.5-1.2 ms: faster hosts and newer releases, slower hosts). The
//    step takes the larger of host and GPU time (the host runs ahead while
//    the GPU is busy).
#include "speed/speed.h"

#include <algorithm>
#include <cmath>

namespace vramfit {
namespace speed {

namespace {
constexpr double kKernelsPerLayer = 23;  // llama.cpp build_llama, b3000
// vLLM's Llama decoder layer (vllm/model_executor/models/llama.py, v0.19):
// fused_add_rms_norm, the fused qkv_proj GEMM, rotary_emb, the KV cache write
// (reshape_and_cache_flash), the attention kernel and its split-KV combine,
// o_proj, fused_add_rms_norm, the fused gate_up_proj GEMM, silu_and_mul,
// down_proj: 11. SGLang's (python/sglang/srt/models/llama.py) has the same
// fused layers.
constexpr double kKernelsPerLayerFused = 11;

double kernels_per_layer(const Prepared& p) {
  return p.req.engine == Engine::vllm || p.req.engine == Engine::sglang ? kKernelsPerLayerFused
                                                                        : kKernelsPerLayer;
}
constexpr int64_t kUbatch = 512;  // llama.cpp n_ubatch default
// Host seconds per decoder layer in an eager HF decode step (see above).
constexpr double kHfHostLayerMid = 0.92e-3, kHfHostLayerFast = 0.5e-3, kHfHostLayerSlow = 1.2e-3;
// Tensor-parallel all-reduce terms (methodology §18.3):
//  - fixed cost per call over NVLink / Infinity Fabric: vLLM's custom
//    all-reduce captured in a CUDA graph measures 10 us for 0.5 MB at TP 4
//    on H100, of which ~6.5 us is the size-independent part (vllm-project/vllm
//    PR #24111's benchmark); NCCL's own cost model puts an LL ring all-reduce
//    at 7.8 us (TP 2) to 15 us (TP 8) over NVLink (NVIDIA/nccl
//    src/graph/tuning.cc): middle 7 us, band 5-12 us;
//  - over PCIe (GeForce cards have no P2P: vLLM falls back to NCCL through
//    host memory): NCCL's model gives 8.6-20.6 us, users measure 39-42 us
//    (sgl-project/sglang PR #39605, 2x RTX 5070 Ti; NVIDIA/nccl issue
//    #1530, 8x RTX 4090): middle 25 us, band 10-50 us;
//  - achieved share of the per-direction link bandwidth for large buffers:
//    NCCL's topology model uses 0.80-0.82 of NVLink line rate and 0.76 of
//    PCIe (src/graph/topo.h, topo.cc); its maintainers report 0.77 (A100)
//    and 0.82 (H100) in nccl-tests issues #149 and #212; without P2P the
//    host memory path reaches far less (nccl issue #1639).
constexpr double kArPeerMid = 7e-6, kArPeerFast = 5e-6, kArPeerSlow = 12e-6;
constexpr double kArPcieMid = 25e-6, kArPcieFast = 10e-6, kArPcieSlow = 50e-6;
constexpr double kPeerEffMid = 0.80, kPeerEffFast = 0.85, kPeerEffSlow = 0.75;
constexpr double kPcieEffMid = 0.50, kPcieEffFast = 0.76, kPcieEffSlow = 0.20;

using nlohmann::json;

// What one step of the model costs on one GPU, before efficiencies.
struct Step {
  double weight_bytes = 0;  // weights read (per GPU, all pipeline stages in turn)
  double kv_bytes = 0;      // KV cache / recurrent state read
  double flops = 0;         // per GPU
  double touched = 1;       // fraction of routed experts read
  double kernels = 0;       // kernels launched in the step
  double host_layers = 0;   // eager HF: decoder layers dispatched from Python
  int64_t tp = 1;           // tensor-parallel ranks
  double allreduces = 0;    // tensor-parallel all-reduce calls in the step
  double ar_bytes = 0;      // bytes all-reduced, summed over the calls
  double gather_bytes = 0;  // logits all-gathered to the first rank
};

// Tensor-parallel all-reduces in one forward pass over the layers (Megatron
// row-parallel outputs, as vLLM's RowParallelLinear and
// VocabParallelEmbedding do them): one after each mixer's output projection
// and one after each FFN's down projection, one per layer when attention and
// MLP run side by side, and one for the vocabulary-parallel embedding.
double allreduces_per_pass(const ModelSpec& s) {
  double n = 1;
  for (const LayerSpec& L : s.layers) {
    const double mixer = L.mixer != MixerKind::none ? 1 : 0;
    const double ffn = L.ffn != FfnKind::none ? 1 : 0;
    n += s.parallel_attention ? std::max(mixer, ffn) : mixer + ffn;
  }
  return n;
}

}  // namespace

Link link_between(const Gpu& g, int64_t ranks) {
  if (g.peer_gbps > 0 && (g.form_factor != "pcie" || ranks == 2)) return {g.peer_gbps / 2.0, true};
  return {pcie_gbps(g), false};
}

double link_efficiency(const Link& l, const Terms& t) { return l.peer ? t.peer_eff : t.pcie_eff; }

std::string link_name(const Gpu& g, const Link& l) {
  return l.peer ? g.peer_link : l.gbps > 0 ? "PCIe" : "not listed";
}

namespace {

// The activation all-reduces and the logits gather of a pass over `tokens`
// tokens in `passes` passes (micro-batches), on one tensor-parallel rank.
void add_tp_traffic(const Prepared& p, double tokens, double passes, double logits_rows, Step& st) {
  st.tp = p.shard.tp;
  if (p.shard.tp <= 1) return;
  const ModelSpec& s = *p.spec;
  const double per_pass = allreduces_per_pass(s);
  const double elem = static_cast<double>(p.beta);
  st.allreduces = per_pass * passes;
  st.ar_bytes = per_pass * tokens * static_cast<double>(s.hidden) * elem;
  st.gather_bytes = logits_rows * static_cast<double>(s.vocab) * elem;
}

// Seconds of tensor-parallel traffic: a ring all-reduce moves 2 (n-1)/n of
// the buffer over each rank's link, an all-gather (n-1)/n; each call also
// pays the link's fixed cost.
double tp_seconds(const Step& st, const Gpu& g, const Terms& t) {
  if (st.tp <= 1 || st.allreduces <= 0) return 0;
  const Link link = link_between(g, st.tp);
  const double n = static_cast<double>(st.tp);
  const double fixed = (st.allreduces + 1) * (link.peer ? t.ar_peer_s : t.ar_pcie_s);
  if (link.gbps <= 0) return fixed;
  const double bytes = 2.0 * (n - 1) / n * st.ar_bytes + (n - 1) / n * st.gather_bytes;
  return fixed + bytes / (link.gbps * 1e9 * (link_efficiency(link, t)));
}

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
  st.kernels = kernels_per_layer(p) * static_cast<double>(p.spec->layers.size());
  if (p.req.engine == Engine::hf) {
    // Pipeline stages run their layers in turn; tensor-parallel ranks each
    // dispatch every layer.
    st.host_layers = static_cast<double>(p.spec->layers.size());
  }
  add_tp_traffic(p, batch, 1, batch, st);
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
  st.kernels = ubatches * kernels_per_layer(p) * static_cast<double>(p.spec->layers.size());
  add_tp_traffic(p, prompt, ubatches, 1, st);
  return st;
}

double peak_flops(const Gpu& g) {
  if (g.fp16_tflops) return *g.fp16_tflops * 1e12;
  if (g.bf16_tflops) return *g.bf16_tflops * 1e12;
  return 0;
}

// fp16 tensor peak with fp16 accumulate: GeForce cards run it at twice their
// fp32-accumulate rate (Turing / GA102 / Ada / Blackwell RTX whitepapers);
// elsewhere both rates are the same.
double peak_fp16_acc16(const Gpu& g) {
  if (g.fp16_acc16_tflops) return *g.fp16_acc16_tflops * 1e12;
  return peak_flops(g);
}

bool llama_cpp_engine(const Prepared& p) {
  return p.req.engine == Engine::llama_cpp || p.req.engine == Engine::ollama;
}

// llama.cpp's prompt processing, kernel by kernel (ggml-cuda.cu, release
// b2950, May 2024; methodology §18.1). For a micro-batch of more than
// MMQ_MAX_BATCH_SIZE (32) tokens on a GPU with tensor cores,
// ggml_cuda_mul_mat sends every weight matrix to ggml_cuda_op_mul_mat_cublas,
// which converts a quantised weight to an fp16 copy (to_fp16_cuda), the f32
// activations to fp16, runs cublasGemmEx with CUBLAS_COMPUTE_16F (the fp16-
// accumulate rate) and converts the fp16 result back to f32. Without flash
// attention (llama-bench's default) KQ is a full n_tokens x n_kv f32 matrix
// per head, masked, soft-maxed, converted to fp16 for KQV. All kernels run
// one after another, so their times add.
struct PrefillUbatch {
  double gemm_flops = 0;     // weight GEMMs, per GPU
  double attn_flops = 0;     // KQ and KQV batched GEMMs
  double gemm_bytes = 0;     // fp16 weights read by cuBLAS
  double dequant_bytes = 0;  // quantised weights read + fp16 copy written
  double act_bytes = 0;      // f32 activation traffic of every other kernel
  double kernels = 0;
};

// Bytes of f32 activation traffic per token per layer that llama.cpp's graph
// moves outside the GEMMs (build_llama, b2950): rms_norm and its mul twice
// (8 bytes per element each), two residual adds (12), rope of q and k (8),
// K and V copies into the f16 cache (6), the permute+cont of KQV (8), silu
// (8) and the gate x up mul (12) on the FFN width; around every weight GEMM
// an f32->f16 input conversion (6 per input element) and the fp16 output
// written then converted to f32 (8 per output element).
double layer_act_bytes(const ModelSpec& s, const LayerSpec& L, int layer) {
  const double h = static_cast<double>(s.hidden);
  const double q = static_cast<double>(L.n_heads * L.head_dim);
  const double kv = static_cast<double>(L.n_kv_heads * L.head_dim);
  double f = static_cast<double>(L.ffn_width);
  if (L.ffn != FfnKind::dense)
    f = static_cast<double>(s.moe.expert_width * s.moe.experts_per_token + s.moe.shared_width);
  double bytes = 56 * h + 16 * q + 20 * kv + 20 * f;
  for (const TensorGroup& t : s.tensors) {
    if (t.layer != layer || t.rows <= 1 || t.cols <= 1) continue;
    double n = static_cast<double>(t.count);
    if (t.routed && s.moe.num_experts > 0) n = static_cast<double>(s.moe.experts_per_token);
    // Weights are stored [out, in] (rows = outputs, cols = inputs).
    bytes += n * (6.0 * static_cast<double>(t.cols) + 8.0 * static_cast<double>(t.rows));
  }
  return bytes;
}

// Bytes per attention score outside the KQ/KQV GEMMs: KQ written fp16 and
// converted to f32 (8), soft_max_ext read and written (8), converted to fp16
// for KQV (6).
constexpr double kScoreBytes = 22;

PrefillUbatch llama_cpp_ubatch(const Prepared& p, double tokens, double n_kv, bool flash_attn) {
  const ModelSpec& s = *p.spec;
  const double tp = static_cast<double>(p.shard.tp);
  PrefillUbatch u;
  double touched = 1;
  const double stored = weights_read(p, tokens, touched);
  // Only the last token's logits are computed in a prompt (llama.cpp
  // inp_out_ids, b2950): the output head is one row, not a GEMM.
  const double all = matmul_params(p);
  const double head = std::min(static_cast<double>(s.vocab) * static_cast<double>(s.hidden), all);
  const double params = (all - head) / tp;
  const double quantised = stored * (all - head) / std::max(all, 1.0);
  u.gemm_flops = 2.0 * tokens * params;
  u.gemm_bytes = 2.0 * params * touched;
  if (quantised < u.gemm_bytes) u.dequant_bytes = quantised + u.gemm_bytes;
  // Around each weight GEMM the cuBLAS path launches the f32->f16 input
  // conversion, the fp16->f32 output conversion and, for a quantised weight,
  // the dequantisation (ggml_cuda_op_mul_mat_cublas, b2824-b2950); without
  // flash attention the batched KQ and KQV GEMMs convert their f32 input
  // and fp16 output too (ggml_cuda_mul_mat_batched_cublas).
  const double per_gemm = u.dequant_bytes > 0 ? 3 : 2;
  double extra_kernels = 0;
  for (const TensorGroup& t : s.tensors) {
    if (t.layer < 0 || t.rows <= 1 || t.cols <= 1) continue;
    const double n = t.routed && s.moe.num_experts > 0 ? 1.0 : static_cast<double>(t.count);
    extra_kernels += per_gemm * n;
  }
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSpec& L = s.layers[i];
    u.act_bytes += tokens * layer_act_bytes(s, L, static_cast<int>(i)) / tp;
    if (L.mixer != MixerKind::attention) continue;
    if (!flash_attn) extra_kernels += 4;
    double keys = n_kv;
    if (L.window > 0) keys = std::min(keys, static_cast<double>(L.window));
    if (L.chunk > 0) keys = std::min(keys, static_cast<double>(L.chunk));
    const double heads = static_cast<double>(L.n_heads) / tp;
    u.attn_flops += 2.0 * tokens * heads * static_cast<double>(L.head_dim + L.v_head_dim) * keys;
    // Flash attention keeps the scores on chip.
    if (!flash_attn) u.act_bytes += tokens * heads * keys * kScoreBytes;
  }
  u.kernels = kKernelsPerLayer * static_cast<double>(s.layers.size()) + extra_kernels;
  return u;
}

double ubatch_seconds(const PrefillUbatch& u, const Gpu& g, const Terms& t) {
  const double bw = g.bandwidth_gbps * 1e9 * t.bw_eff;
  const double peak = peak_fp16_acc16(g) * t.compute_eff;
  return std::max(u.gemm_flops / peak, u.gemm_bytes / bw) + u.attn_flops / peak +
         (u.dequant_bytes + u.act_bytes) / bw + u.kernels * t.kernel_s;
}

// A prompt of P tokens in micro-batches of n_ubatch (the request's, else
// 512); micro-batch i sees n_kv = i x n_ubatch keys (the cache view grows
// with the filled cells, padded to 256: llama_kv_cache_cell_max, b2950).
// flash_attn off / on as the request says (auto counts as on, as llama.cpp
// resolves it on CUDA).
double llama_cpp_prefill_seconds(const Prepared& p, const Gpu& g, const Terms& t, double prompt,
                                 PrefillUbatch& sum) {
  double secs = 0;
  sum = PrefillUbatch{};
  const double ubatch = static_cast<double>(p.req.llama_cpp.n_ubatch.value_or(kUbatch));
  const bool fa = p.req.llama_cpp.flash_attn != FlashAttn::off;
  for (double done = 0; done < prompt; done += ubatch) {
    const double n = std::min(ubatch, prompt - done);
    const double n_kv = std::ceil((done + n) / 256.0) * 256.0;
    const PrefillUbatch u = llama_cpp_ubatch(p, n, n_kv, fa);
    secs += ubatch_seconds(u, g, t);
    sum.gemm_flops += u.gemm_flops;
    sum.attn_flops += u.attn_flops;
    sum.gemm_bytes += u.gemm_bytes;
    sum.dequant_bytes += u.dequant_bytes;
    sum.act_bytes += u.act_bytes;
    sum.kernels += u.kernels;
  }
  return secs;
}

// Seconds for a step under terms t; peak 0 = memory time only.
double step_seconds(const Step& st, const Gpu& g, const Terms& t, bool& compute_bound) {
  const double mem = (st.weight_bytes + st.kv_bytes) / (g.bandwidth_gbps * 1e9 * t.bw_eff);
  const double peak = peak_flops(g);
  const double comp = peak > 0 ? st.flops / (peak * t.compute_eff) : 0;
  compute_bound = comp > mem;
  const double gpu = std::max(mem, comp) + st.kernels * t.kernel_s + tp_seconds(st, g, t);
  return std::max(gpu, st.host_layers * t.host_layer_s);
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
  if (st.host_layers > 0) {
    in["host_layers"] = st.host_layers;
    in["host_ms_per_layer"] = t.host_layer_s * 1e3;
  }
  if (st.touched < 1) in["experts_touched_fraction"] = st.touched;
  if (st.tp > 1) {
    const Link link = link_between(g, st.tp);
    in["tensor_parallel"] = st.tp;
    in["allreduces"] = st.allreduces;
    in["allreduce_bytes"] = std::llround(st.ar_bytes);
    in["logits_gather_bytes"] = std::llround(st.gather_bytes);
    in["link"] = link_name(g, link);
    in["link_gbps_per_direction"] = link.gbps;
    in["link_efficiency"] = link_efficiency(link, t);
    in["allreduce_fixed_us"] = (link.peer ? t.ar_peer_s : t.ar_pcie_s) * 1e6;
  }
  in["bound"] = compute_bound ? "compute" : "memory";
  return in;
}
}  // namespace

Terms terms_mid() {
  return {0.80, 0.50, 3.0e-6, kHfHostLayerMid, kArPeerMid, kArPcieMid, kPeerEffMid, kPcieEffMid};
}
Terms terms_slow() {
  return {0.65,        0.30,        5.0e-6,       kHfHostLayerSlow,
          kArPeerSlow, kArPcieSlow, kPeerEffSlow, kPcieEffSlow};
}
Terms terms_fast() {
  return {0.92,        0.70,        2.0e-6,       kHfHostLayerFast,
          kArPeerFast, kArPcieFast, kPeerEffFast, kPcieEffFast};
}

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
                 "1 / max(max((weight_bytes_read + kv_bytes_read) / (bandwidth x "
                 "bandwidth_efficiency), flops / (peak x compute_efficiency)) + kernels x "
                 "kernel_us + tensor-parallel traffic, host_layers x host_ms_per_layer (eager "
                 "HF only)); tensor-parallel traffic = (allreduces + 1) x allreduce_fixed_us + "
                 "(2 (tp - 1) / tp x allreduce_bytes + (tp - 1) / tp x logits_gather_bytes) / "
                 "(link_gbps_per_direction x link_efficiency)",
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
  double pf_mid = 0, pf_slow = 0, pf_fast = 0;
  Figure pre;
  if (llama_cpp_engine(p)) {
    PrefillUbatch sum, unused_sum;
    pf_mid = llama_cpp_prefill_seconds(p, g, mid, prompt, sum);
    pf_slow = llama_cpp_prefill_seconds(p, g, slow, prompt, unused_sum);
    pf_fast = llama_cpp_prefill_seconds(p, g, fast, prompt, unused_sum);
    json in = json::object();
    in["bandwidth_gbps"] = g.bandwidth_gbps;
    in["bandwidth_efficiency"] = mid.bw_eff;
    in["peak_fp16_acc16_tflops"] = peak_fp16_acc16(g) / 1e12;
    in["compute_efficiency"] = mid.compute_eff;
    in["gemm_flops"] = sum.gemm_flops;
    in["attention_flops"] = sum.attn_flops;
    // Byte counts are integers in every response (tests/fuzz/fuzz_check.h).
    in["gemm_weight_bytes"] = std::llround(sum.gemm_bytes);
    in["dequant_bytes"] = std::llround(sum.dequant_bytes);
    in["activation_bytes"] = std::llround(sum.act_bytes);
    in["kernels"] = sum.kernels;
    in["kernel_us"] = mid.kernel_s * 1e6;
    pre = Figure{"prefill_tokens_per_s",
                 "Prefill",
                 "tokens/s",
                 prompt / pf_mid,
                 prompt / pf_slow,
                 prompt / pf_fast,
                 "prompt_tokens / sum over micro-batches of (max(gemm_flops / (peak_fp16_acc16 x "
                 "compute_efficiency), gemm_weight_bytes / (bandwidth x bandwidth_efficiency)) + "
                 "attention_flops / (peak_fp16_acc16 x compute_efficiency) + (dequant_bytes + "
                 "activation_bytes) / (bandwidth x bandwidth_efficiency) + kernels x kernel_us)",
                 in};
  } else {
    const Step pf = prefill_step(p, prompt);
    pf_mid = step_seconds(pf, g, mid, cb);
    pf_slow = step_seconds(pf, g, slow, unused);
    pf_fast = step_seconds(pf, g, fast, unused);
    pre = Figure{"prefill_tokens_per_s",
                 "Prefill",
                 "tokens/s",
                 prompt / pf_mid,
                 prompt / pf_slow,
                 prompt / pf_fast,
                 "prompt_tokens / (max(flops / (peak x compute_efficiency), weight_bytes_read / "
                 "(bandwidth x bandwidth_efficiency)) + kernels x kernel_us + tensor-parallel "
                 "traffic as for decode); flops = "
                 "prompt_tokens x (2 x active_params + attention over (prompt_tokens + 1) / 2 "
                 "keys)",
                 step_inputs(pf, g, mid, cb)};
  }
  pre.inputs["prompt_tokens"] = w.prompt;
  pre.inputs["ubatch"] = llama_cpp_engine(p) ? p.req.llama_cpp.n_ubatch.value_or(kUbatch) : kUbatch;
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

double decode_tokens_per_s(const Prepared& p, const Gpu& g, int64_t batch, int64_t depth) {
  if (g.bandwidth_gbps <= 0 || !p.spec || p.spec->layers.empty()) return 0;
  bool cb = false;
  const Step d = decode_step(p, static_cast<double>(std::max<int64_t>(batch, 1)),
                             static_cast<double>(std::max<int64_t>(depth, 0)));
  const double t = step_seconds(d, g, terms_mid(), cb);
  return t > 0 ? 1.0 / t : 0;
}

}  // namespace speed
}  // namespace vramfit
