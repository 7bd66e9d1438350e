// vLLM start-up arithmetic (methodology §7.8), as of vLLM v0.19.0:
// - vllm/v1/worker/gpu_worker.py determine_available_memory: available KV
//   memory = requested_memory - (weights + torch peak increase of the
//   profile run + non-torch increase); CUDA graphs are captured after the KV
//   cache is allocated, outside this budget (0.19; later releases may count
//   an estimate of them inside it).
// - vllm/v1/worker/gpu_model_runner.py profile_run: a dummy forward of
//   max_num_batched_tokens tokens, then _dummy_sampler_run over
//   min(max_num_seqs, max_num_batched_tokens) requests x the full vocabulary.
// - vllm/v1/core/kv_cache_utils.py: layers of one attention type form groups
//   of group_size layers sharing a block pool (get_kv_cache_config_from_groups),
//   check_enough_kv_cache_memory / estimate_max_model_len (the refusal),
//   get_max_concurrency_for_kv_cache_config, and the logged token count
//   num_blocks // len(groups) x block_size.
#include "engine/vllm.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "catalog/common.h"
#include "catalog/embedded.h"
#include "memory/registry.h"
#include "vramfit/error.h"

namespace vramfit {
namespace engine {

namespace {
using json = nlohmann::json;
constexpr double kGiB = 1073741824.0;

struct Params {
  int64_t block_size = 16;
  int64_t seqs_large = 1024, seqs_other = 256;
  int64_t tokens_large = 8192, tokens_other = 2048;
  double large_min_gib = 70;
  std::string large_excludes;
  double sampler_bytes_per_logit = 14;
  int64_t sampler_hidden_copies = 2;
  int64_t triton_min_requests = 8;
  double cublas_ws_sm90_mib = 32, cublas_ws_other_mib = 8.125;
  int64_t moe_chunk_tokens = 16384;
  double non_torch_single = 0.25, non_torch_tp_extra = 0;
  int64_t sliding_extra_blocks = 1;
};

const Params& params() {
  static const Params p = jsonu::load_embedded([] {
    const std::string at = "engines/vllm.json";
    const json j = jsonu::parse_text(embedded_text(at), at);
    Params out;
    out.block_size = jsonu::req_int(j.at("block_size"), "value", at + ".block_size", 1, 1 << 16);
    const json& s = j.at("max_num_seqs");
    out.seqs_large = jsonu::req_int(s, "large_gpu", at + ".max_num_seqs", 1, 1 << 20);
    out.seqs_other = jsonu::req_int(s, "other_gpu", at + ".max_num_seqs", 1, 1 << 20);
    out.large_min_gib = catalog::req_number(s, "large_gpu_min_gib", at, 0, 1e6);
    const json& t = j.at("max_num_batched_tokens");
    out.tokens_large = jsonu::req_int(t, "large_gpu", at + ".max_num_batched_tokens", 1, 1 << 24);
    out.tokens_other = jsonu::req_int(t, "other_gpu", at + ".max_num_batched_tokens", 1, 1 << 24);
    out.large_excludes = catalog::req_string(s, "large_gpu_excludes", at);
    out.sampler_bytes_per_logit =
        catalog::req_number(j.at("sampler_bytes_per_logit"), "value", at, 0, 64);
    const json& tr = j.at("sampler_triton_buffer");
    out.triton_min_requests =
        jsonu::req_int(tr, "min_requests", at + ".sampler_triton_buffer", 1, 1 << 20);
    out.sampler_hidden_copies = jsonu::req_int(j.at("sampler_hidden_copies"), "value",
                                               at + ".sampler_hidden_copies", 0, 16);
    const json& cw = j.at("cublas_workspace_mib");
    out.cublas_ws_sm90_mib = catalog::req_number(cw, "sm90", at, 0, 4096);
    out.cublas_ws_other_mib = catalog::req_number(cw, "other", at, 0, 4096);
    out.moe_chunk_tokens =
        jsonu::req_int(j.at("moe_workspace"), "chunk_tokens", at + ".moe_workspace", 1, 1 << 24);
    const json& nt = j.at("non_torch_gib");
    out.non_torch_single = catalog::req_number(nt, "single_gpu", at, 0, 64);
    out.non_torch_tp_extra = catalog::req_number(nt, "tensor_parallel_extra", at, 0, 64);
    out.sliding_extra_blocks =
        jsonu::req_int(j.at("sliding_window_extra_blocks"), "value", at, 0, 16);
    return out;
  });
  return p;
}

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One KV-cache spec kind: full attention (and MLA), sliding window, chunked
// local attention; `span` is the window or chunk.
struct KvType {
  int kind = 0;  // 0 full, 1 sliding window, 2 chunked local
  int64_t span = 0;
  bool operator<(const KvType& o) const { return kind != o.kind ? kind < o.kind : span < o.span; }
};

// The layers of the binding (last) pipeline stage, grouped as vLLM groups them.
struct Layout {
  std::map<KvType, int64_t> layers;  // layers per kind
  int64_t page = 0;                  // bytes of one block of one layer (largest)
  int64_t group_size = 0;
  int64_t groups = 0;
};

Layout layout_of(const Prepared& p, int64_t block) {
  const ModelSpec& s = *p.spec;
  const int64_t pp = p.shard.pp, tp = p.shard.tp;
  const size_t per_stage = (s.layers.size() + pp - 1) / pp;
  Layout out;
  double page = 0;
  size_t n = 0;
  for (const auto& L : s.layers) {
    if (n++ >= per_stage) break;
    // The latent for MLA; recurrent layers (vLLM's mamba groups) are not
    // modelled here.
    const double per_tok = mem::kv_bytes_per_token(L, false, p.kv_bytes, tp);
    if (per_tok <= 0) continue;
    KvType t;
    if (L.window > 0) t = {1, L.window};
    if (L.chunk > 0) t = {2, L.chunk};
    ++out.layers[t];
    page = std::max(page, per_tok * double(block));
  }
  out.page = mem::to_bytes(page);
  if (out.layers.empty()) return out;
  // One kind: one group of all layers. Several: groups of the smallest
  // kind's layer count (kv_cache_utils.py _get_kv_cache_groups_uniform_page_size).
  out.group_size = out.layers.begin()->second;
  for (const auto& [t, c] : out.layers) out.group_size = std::min(out.group_size, c);
  for (const auto& [t, c] : out.layers) out.groups += cdiv(c, out.group_size);
  return out;
}

// Blocks one request of `len` tokens takes in one group of a kind
// (kv_cache_interface.py *Spec.max_memory_usage_bytes / page_size_bytes).
int64_t blocks_of(const KvType& t, int64_t len, int64_t block, int64_t batched) {
  if (t.kind == 1)
    return cdiv(std::min(t.span - 1 + batched, len), block) + params().sliding_extra_blocks;
  if (t.kind == 2) return cdiv(std::min(t.span + batched, len), block);
  return cdiv(len, block);
}

// Blocks of the shared pool one request of `len` tokens takes
// (get_max_concurrency_for_kv_cache_config's num_block_per_request).
int64_t request_blocks(const Layout& lay, int64_t len, int64_t block, int64_t batched) {
  int64_t n = 0;
  for (const auto& [t, c] : lay.layers)
    n += cdiv(c, lay.group_size) * blocks_of(t, len, block, batched);
  return n;
}

// Bytes one request of `len` tokens needs summed over every layer
// (check_enough_kv_cache_memory's max_memory_usage_bytes).
int64_t request_bytes(const Layout& lay, int64_t len, int64_t block, int64_t batched) {
  int64_t n = 0;
  for (const auto& [t, c] : lay.layers) n += c * blocks_of(t, len, block, batched) * lay.page;
  return n;
}

std::string gib(int64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", double(b) / kGiB);
  return buf;
}

}  // namespace

namespace {
// get_batch_defaults' rule: >= 70 GiB and not an A100.
bool large_gpu(int64_t total_bytes, const std::string& gpu_name) {
  const Params& pr = params();
  std::string name = gpu_name;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return double(total_bytes) >= pr.large_min_gib * kGiB &&
         name.find(pr.large_excludes) == std::string::npos;
}
}  // namespace

int64_t vllm_max_num_seqs(const Request& r, int64_t total_bytes, const std::string& gpu_name) {
  if (r.max_num_seqs) return *r.max_num_seqs;
  return large_gpu(total_bytes, gpu_name) ? params().seqs_large : params().seqs_other;
}

int64_t vllm_batched_tokens(const Request& r, int64_t total_bytes, const std::string& gpu_name) {
  if (r.max_num_batched_tokens) return *r.max_num_batched_tokens;
  return large_gpu(total_bytes, gpu_name) ? params().tokens_large : params().tokens_other;
}

namespace {
int64_t next_pow2(int64_t n) {
  int64_t v = 1;
  while (v < n) v <<= 1;
  return v;
}

// Compute capability 9.0 from a catalogue arch such as "Hopper (9.0)".
bool is_sm90(const Gpu* chip) { return chip && chip->arch.find("(9.0)") != std::string::npos; }
}  // namespace

int64_t vllm_profile_peak(const Prepared& p, int64_t max_num_seqs, int64_t batched_tokens,
                          const Gpu* chip) {
  const ModelSpec& m = *p.spec;
  const double tokens = double(batched_tokens);
  // The dummy forward: one layer's live tensors at max_num_batched_tokens.
  const double forward = mem::prefill_live_bytes(p, tokens);
  // The sampler warm-up: min(max_num_seqs, tokens) rows of full-vocabulary
  // logits (gathered across TP), while the forward's hidden states are held.
  const double reqs = std::min(double(max_num_seqs), tokens);
  double sampler = reqs * double(m.vocab) * params().sampler_bytes_per_logit +
                   tokens * double(m.hidden) * double(p.beta);
  // _dummy_run returns hidden_states[logit_indices] (a gather copy) and
  // _dummy_sampler_run replaces it with torch.rand_like: two [reqs, h] copies.
  sampler += double(params().sampler_hidden_copies) * reqs * double(m.hidden) * double(p.beta);
  // From 8 requests apply_top_k_top_p runs the Triton kernel, whose scratch
  // buffer of min(next_pow2(min(SMs, reqs)), SMs) rows x vocab fp32 stays
  // cached (topk_topp_triton.py _TRITON_BUFFER_CACHE). SM count unknown: none.
  const int64_t sms = chip ? chip->sm_count : 0;
  if (sms > 0 && reqs >= double(params().triton_min_requests)) {
    const int64_t programs = std::min<int64_t>(sms, static_cast<int64_t>(reqs));
    sampler += double(std::min(next_pow2(programs), sms)) * double(m.vocab) * 4.0;
  }
  // PyTorch's cuBLAS workspace, allocated through the caching allocator at
  // the first GEMM, which is the profile run's (CublasHandlePool.cpp).
  const double ws_mib = is_sm90(chip) ? params().cublas_ws_sm90_mib : params().cublas_ws_other_mib;
  const double cublas = ws_mib * 1048576.0;
  sampler += cublas;
  // MoE: the fused-MoE workspaces persist (WorkspaceManager) from the forward
  // into the sampler warm-up.
  if (m.moe.num_experts > 0) {
    const double M = std::min(tokens, double(params().moe_chunk_tokens));
    const double N = 2.0 * double(m.moe.expert_width) / double(p.shard.tp);
    const double K = double(m.hidden);
    sampler +=
        double(p.beta) * M * (double(m.moe.experts_per_token) * (std::max(N, K) + N / 2.0) + K);
  }
  return mem::to_bytes(std::max(forward + cublas, sampler));
}

// vllm/model_executor/layers/rotary_embedding/__init__.py get_rope (v0.19.0):
// one table per distinct rope (layers share it through _ROPE_DICT), built at
// model init and so inside "Model loading took". Rows by scaling type:
// base.py max_position; linear_scaling_rope.py / dynamic_ntk_scaling_rope.py
// max_position x factor; yarn_scaling_rope.py / deepseek_scaling_rope.py
// original_max_position x factor; phi3_long_rope_scaled_rope.py a short table
// of original_max_position rows beside the long one of max_position rows.
int64_t rope_table_rows(const ModelSpec& m) {
  const RopeSpec& r = m.rope;
  if (r.rotary_dim <= 0 || m.max_positions <= 0) return 0;
  const double maxp = double(m.max_positions);
  const double orig = r.original_max > 0 ? double(r.original_max) : maxp;
  double rows = maxp;
  if (r.type == "linear" || r.type == "dynamic") {
    rows = maxp * r.factor;
  } else if (r.type == "yarn" || r.type == "deepseek_yarn" || r.type == "deepseek_llama_scaling") {
    rows = std::ceil(orig * r.factor);
  } else if (r.type == "longrope") {
    rows = orig + maxp;
  }
  // Gemma 3 (models/gemma3.py): the sliding layers' unscaled rope is a second
  // table of max_position rows (same rotary_dim).
  if (r.local_table) rows += maxp;
  return static_cast<int64_t>(std::min(rows, 1e12));
}

int64_t vllm_non_torch(const Prepared& p) {
  const Params& pr = params();
  const double gib = pr.non_torch_single + (p.shard.tp > 1 ? pr.non_torch_tp_extra : 0.0);
  return mem::to_bytes(gib * kGiB);
}

VllmStartup vllm_startup(const Prepared& p, int64_t total_bytes, const std::string& gpu_name,
                         const Gpu* chip) {
  const Request& r = p.req;
  VllmStartup st;
  st.total = total_bytes;
  st.requested = static_cast<int64_t>(double(total_bytes) * r.gpu_memory_utilization);
  st.weights = p.weights.total + p.rope_table;
  st.non_torch = vllm_non_torch(p);
  st.max_num_seqs = vllm_max_num_seqs(r, total_bytes, gpu_name);
  st.max_num_batched_tokens = vllm_batched_tokens(r, total_bytes, gpu_name);
  st.activation = vllm_profile_peak(p, st.max_num_seqs, st.max_num_batched_tokens, chip);
  st.available_kv = st.requested - st.weights - st.non_torch - st.activation;
  st.block_size = r.block_size ? *r.block_size : params().block_size;
  st.max_model_len = r.max_model_len             ? *r.max_model_len
                     : p.spec->max_positions > 0 ? p.spec->max_positions
                                                 : r.seq_len;
  const Layout lay = layout_of(p, st.block_size);
  if (st.available_kv <= 0) {
    st.refusal =
        "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
        "initializing the engine.";
    return st;
  }
  if (lay.layers.empty()) {  // nothing cached per token: nothing to refuse
    st.starts = true;
    return st;
  }
  st.needed_kv = request_bytes(lay, st.max_model_len, st.block_size, st.max_num_batched_tokens);
  st.num_blocks = st.available_kv / (lay.page * lay.group_size);
  if (st.needed_kv > st.available_kv) {
    // estimate_max_model_len: binary search for the largest length whose one
    // request fits the available memory.
    int64_t lo = 0, hi = st.max_model_len;
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (request_bytes(lay, mid, st.block_size, st.max_num_batched_tokens) <= st.available_kv)
        lo = mid;
      else
        hi = mid;
    }
    st.largest_max_model_len = lo;
    st.refusal = "To serve at least one request with the model's max seq len (" +
                 std::to_string(st.max_model_len) + "), (" + gib(st.needed_kv) +
                 " GiB KV cache is needed, which is larger than the available KV cache memory (" +
                 gib(st.available_kv) +
                 " GiB). Based on the available memory, the estimated maximum model length is " +
                 std::to_string(lo) +
                 ". Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                 "initializing the engine.";
    st.num_blocks = 0;
    return st;
  }
  st.starts = true;
  st.largest_max_model_len = st.max_model_len;
  st.kv_tokens = st.num_blocks / lay.groups * st.block_size;
  st.max_concurrency =
      double(st.num_blocks) /
      double(request_blocks(lay, st.max_model_len, st.block_size, st.max_num_batched_tokens));
  return st;
}

int64_t vllm_max_batch(const Prepared& p, const VllmStartup& st, int64_t len) {
  if (!st.starts || len > st.max_model_len) return 0;
  const Layout lay = layout_of(p, st.block_size);
  if (lay.layers.empty()) return kMaxBatchSize;
  return std::min<int64_t>(
      st.num_blocks / request_blocks(lay, len, st.block_size, st.max_num_batched_tokens),
      kMaxBatchSize);
}

int64_t vllm_max_len(const Prepared& p, const VllmStartup& st, int64_t batch) {
  if (!st.starts) return 0;
  const Layout lay = layout_of(p, st.block_size);
  if (lay.layers.empty()) return st.max_model_len;
  auto fits = [&](int64_t len) {
    return batch * request_blocks(lay, len, st.block_size, st.max_num_batched_tokens) <=
           st.num_blocks;
  };
  if (!fits(1)) return 0;
  int64_t lo = 1, hi = st.max_model_len + 1;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (fits(mid))
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

int64_t vllm_kv_bytes(const Prepared& p, const VllmStartup& st, int64_t batch, int64_t len) {
  const Layout lay = layout_of(p, st.block_size);
  if (lay.layers.empty()) return 0;
  return batch * request_blocks(lay, len, st.block_size, st.max_num_batched_tokens) * lay.page *
         lay.group_size;
}

}  // namespace engine
}  // namespace vramfit
