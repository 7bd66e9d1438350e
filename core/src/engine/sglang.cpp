// SGLang start-up arithmetic (methodology §7.9), from sgl-project/sglang
// (0.5 series; data/engines/sglang.json names each file):
// - python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings
//   (PR #10975): chunked_prefill_size and cuda_graph_max_bs by GPU memory and
//   TP, then mem_fraction_static = round((gpu_mem - reserved_mem) / gpu_mem, 3).
// - model_executor/memory_pool_configurator.py profile_available_bytes:
//   rest_memory = available after the weights - total_gpu_memory x (1 -
//   mem_fraction_static), where total_gpu_memory is the memory free before
//   the weights load; DefaultPoolConfigurator / HybridSWAPoolConfigurator:
//   max_total_num_tokens = rest_memory / bytes per token (MHA: kv heads per
//   TP rank x (head_dim + v_head_dim) x layers x dtype; MLA: (kv_lora_rank +
//   qk_rope_head_dim) x layers x dtype; hybrid sliding window: full layers +
//   swa_full_tokens_ratio x SWA layers).
// - model_runner: "Not enough memory" when the pool would be empty;
//   managers/tp_worker.py: max_req_len = min(context_len - 1,
//   max_total_num_tokens - 1). SGLang does not refuse a context_len above
//   the pool: it caps the request length instead.
// CUDA graphs are captured after the pool, in the reserved (1 - fraction).
#include "engine/sglang.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "catalog/common.h"
#include "catalog/embedded.h"
#include "vramfit/error.h"

namespace vramfit {
namespace engine {

namespace {
using json = nlohmann::json;
constexpr double kGiB = 1073741824.0;
constexpr double kMiB = 1048576.0;

struct Bucket {
  double below_mib = 0;  // 0: no upper bound
  int64_t chunked = 0, graph_bs = 0, graph_bs_tp4 = 0;
};

struct Params {
  std::vector<Bucket> buckets;
  double base_mib = 512, prefill_mib_per_token = 1.5, graph_mib_per_bs = 2;
  double parallel_mib_per_8 = 1024, large_above_mib = 61440, large_floor_mib = 10240;
  int64_t prefill_min_tokens = 2048;
  double swa_ratio = 0.8;
  double before_single_gib = 0, before_tp_gib = 0;
};

const Params& params() {
  static const Params p = jsonu::load_embedded([] {
    const std::string at = "engines/sglang.json";
    const json j = jsonu::parse_text(embedded_text(at), at);
    Params out;
    for (const json& b : j.at("gpu_buckets").at("rows")) {
      Bucket k;
      k.below_mib = catalog::req_number(b, "below_mib", at, 0, 1e9);
      k.chunked = jsonu::req_int(b, "chunked_prefill_size", at, 1, 1 << 24);
      k.graph_bs = jsonu::req_int(b, "cuda_graph_max_bs", at, 1, 1 << 16);
      k.graph_bs_tp4 = jsonu::req_int(b, "cuda_graph_max_bs_tp4", at, 1, 1 << 16);
      out.buckets.push_back(k);
    }
    const json& r = j.at("reserved_mem");
    out.base_mib = catalog::req_number(r, "base_mib", at, 0, 1e6);
    out.prefill_mib_per_token = catalog::req_number(r, "prefill_mib_per_token", at, 0, 1e3);
    out.prefill_min_tokens = jsonu::req_int(r, "prefill_min_tokens", at, 0, 1 << 24);
    out.graph_mib_per_bs = catalog::req_number(r, "cuda_graph_mib_per_bs", at, 0, 1e3);
    out.parallel_mib_per_8 = catalog::req_number(r, "parallel_mib_per_8_ranks", at, 0, 1e6);
    out.large_above_mib = catalog::req_number(r, "large_gpu_above_mib", at, 0, 1e9);
    out.large_floor_mib = catalog::req_number(r, "large_gpu_floor_mib", at, 0, 1e9);
    out.swa_ratio = catalog::req_number(j.at("swa_full_tokens_ratio"), "value", at, 0, 1);
    const json& bw = j.at("before_weights_gib");
    out.before_single_gib = catalog::req_number(bw, "single_gpu", at, 0, 64);
    out.before_tp_gib = catalog::req_number(bw, "tensor_parallel", at, 0, 64);
    return out;
  });
  return p;
}

const Bucket& bucket_of(double gpu_mib) {
  const auto& all = params().buckets;
  for (const Bucket& b : all)
    if (b.below_mib <= 0 || gpu_mib < b.below_mib) return b;
  return all.back();
}

// KV bytes per token over the layers of the binding pipeline stage: full
// attention (and MLA latents) apart from sliding-window layers.
struct Cells {
  double full = 0, swa = 0;
  int64_t window = 0;  // largest window of the SWA layers
};

Cells cells_of(const Prepared& p) {
  const ModelSpec& s = *p.spec;
  const size_t per_stage = (s.layers.size() + p.shard.pp - 1) / p.shard.pp;
  Cells c;
  size_t n = 0;
  bool has_full = false, has_swa = false;
  for (const auto& L : s.layers) {
    if (n++ >= per_stage) break;
    const double per_tok = mem::kv_bytes_per_token(L, false, p.kv_bytes, p.shard.tp);
    if (per_tok <= 0) continue;  // recurrent layers keep their own pool
    const int64_t w = L.window > 0 ? L.window : L.chunk;
    if (w > 0) {
      c.swa += per_tok;
      c.window = std::max(c.window, w);
      has_swa = true;
    } else {
      c.full += per_tok;
      has_full = true;
    }
  }
  // Only a model mixing both kinds gets the hybrid pool (is_hybrid_swa);
  // uniform sliding-window models use the default pool of full cells.
  if (!has_full || !has_swa) {
    c.full += c.swa;
    c.swa = 0;
    c.window = 0;
  }
  return c;
}

std::string gib(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", b / kGiB);
  return buf;
}
}  // namespace

SglangStartup sglang_startup(const Prepared& p, int64_t total_bytes) {
  const Params& pr = params();
  const Request& r = p.req;
  SglangStartup st;
  st.total = total_bytes;
  const double gpu_mib = std::floor(double(total_bytes) / kMiB);
  const int64_t tp = p.shard.tp, pp = p.shard.pp;
  const Bucket& b = bucket_of(gpu_mib);
  st.chunked_prefill_size = r.chunked_prefill_size ? *r.chunked_prefill_size : b.chunked;
  st.cuda_graph_max_bs =
      r.cuda_graph_max_bs ? *r.cuda_graph_max_bs : (tp < 4 ? b.graph_bs : b.graph_bs_tp4);
  if (r.mem_fraction_static) {
    st.mem_fraction_static = *r.mem_fraction_static;
  } else {
    double reserved = pr.base_mib +
                      double(std::max(st.chunked_prefill_size, pr.prefill_min_tokens)) *
                          pr.prefill_mib_per_token +
                      double(st.cuda_graph_max_bs) * pr.graph_mib_per_bs +
                      double(tp * pp) / 8.0 * pr.parallel_mib_per_8;
    if (gpu_mib > pr.large_above_mib) reserved = std::max(reserved, pr.large_floor_mib);
    st.reserved_mib = static_cast<int64_t>(reserved);
    st.mem_fraction_static = std::round((gpu_mib - reserved) / gpu_mib * 1000.0) / 1000.0;
    st.fraction_derived = true;
  }
  const double before = (tp * pp > 1 ? pr.before_tp_gib : pr.before_single_gib) * kGiB;
  const double total_gpu = std::max(0.0, double(total_bytes) - before);
  st.total_gpu_memory = static_cast<int64_t>(total_gpu);
  st.weights = p.weights.total + p.rope_table;
  st.available_after_weights = st.total_gpu_memory - st.weights;
  const double rest =
      double(st.available_after_weights) - total_gpu * (1.0 - st.mem_fraction_static);
  st.rest_memory = static_cast<int64_t>(rest);
  st.context_len = r.max_model_len             ? *r.max_model_len
                   : p.spec->max_positions > 0 ? p.spec->max_positions
                                               : r.seq_len;
  const Cells c = cells_of(p);
  const double cell = c.full + pr.swa_ratio * c.swa;
  st.cell_size = static_cast<int64_t>(std::ceil(cell));
  st.min_mem_fraction_static =
      total_gpu > 0 ? std::ceil(double(st.weights) / total_gpu * 1e4) / 1e4 : 1.0;
  if (cell <= 0) {  // nothing cached per token: the pool is not the limit
    st.starts = st.rest_memory > 0;
  } else if (rest > 0) {
    st.max_total_num_tokens = static_cast<int64_t>(rest / cell);
    if (c.swa > 0) {
      st.swa_tokens = static_cast<int64_t>(double(st.max_total_num_tokens) * pr.swa_ratio);
    }
    st.starts = st.max_total_num_tokens > 1;
  }
  if (!st.starts) {
    // model_runner's message, with the figures behind it.
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  " (rest_memory %s GB under mem_fraction_static %.3f; the smallest that leaves "
                  "a KV pool is %.4f)",
                  gib(rest).c_str(), st.mem_fraction_static, st.min_mem_fraction_static);
    st.refusal =
        std::string("Not enough memory. Please try to increase --mem-fraction-static.") + buf;
    st.max_total_num_tokens = 0;
    st.swa_tokens = 0;
    return st;
  }
  st.kv_bytes = static_cast<int64_t>(double(st.max_total_num_tokens) * c.full +
                                     double(st.swa_tokens) * c.swa);
  st.available_after_pool = st.available_after_weights - st.kv_bytes;
  st.max_req_len =
      cell > 0 ? std::min(st.context_len, st.max_total_num_tokens) - 1 : st.context_len - 1;
  const int64_t len = std::min(r.seq_len, st.context_len);
  st.max_concurrency =
      cell > 0 ? double(st.max_total_num_tokens) / double(std::max<int64_t>(len, 1)) : 0.0;
  return st;
}

int64_t sglang_max_batch(const SglangStartup& st, int64_t len) {
  if (!st.starts || len > st.max_req_len) return 0;
  if (st.cell_size <= 0) return kMaxBatchSize;
  return std::min<int64_t>(st.max_total_num_tokens / std::max<int64_t>(len, 1), kMaxBatchSize);
}

int64_t sglang_max_len(const SglangStartup& st, int64_t batch) {
  if (!st.starts || batch <= 0) return 0;
  if (st.cell_size <= 0) return st.max_req_len;
  return std::min(st.max_req_len, st.max_total_num_tokens / batch);
}

int64_t sglang_kv_bytes(const SglangStartup& st, int64_t batch, int64_t len) {
  if (st.max_total_num_tokens <= 0) return 0;
  // The pool's bytes per full token (the SWA share amortised as SGLang sizes it).
  const double per_tok = double(st.kv_bytes) / double(st.max_total_num_tokens);
  return static_cast<int64_t>(per_tok * double(batch) * double(len));
}

}  // namespace engine
}  // namespace vramfit
