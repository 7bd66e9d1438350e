#include "fit/fit.h"

#include <algorithm>
#include <map>

#include "engine/sglang.h"
#include "engine/vllm.h"
#include "speed/speed.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
int64_t limit_of(int64_t usable) {
  return static_cast<int64_t>(static_cast<double>(usable) * (1.0 - kSafetyReserve));
}

// Largest x in [1, hi] with need(x) <= limit, given need non-decreasing:
// exponential probe (1, 2, 4, ...; the probes are shared by every GPU through
// the caller's memo), then the bracket [lo fits, top does not] is narrowed to
// width 1. The totals are close to piecewise linear in x, so an interpolation
// step usually lands next to the answer, and the step after it probes that
// answer's neighbour (lo + 1 or top - 1), which closes the bracket when it
// did; every third step bisects, which bounds the worst case at three times
// the bisection count. Exact: the result is verified by the same evaluation,
// never by the interpolation.
template <typename F>
int64_t search(F need, int64_t limit, int64_t hi) {
  if (need(1) > limit) return 0;
  int64_t lo = 1, top = 2;
  int64_t need_lo = need(1), need_top = 0;
  while (true) {
    if (top > hi) {
      top = hi + 1;
      need_top = -1;
      break;
    }
    need_top = need(top);
    if (need_top > limit) break;
    lo = top;
    need_lo = need_top;
    top *= 2;
  }
  int step = 0;  // 0: interpolate, 1: the neighbour of the last probe, 2: bisect
  bool last_fit = false;
  while (top - lo > 1) {
    int64_t mid;
    if (step == 0 && need_top > need_lo) {
      const double frac =
          static_cast<double>(limit - need_lo) / static_cast<double>(need_top - need_lo);
      mid = lo + static_cast<int64_t>(frac * static_cast<double>(top - lo));
      mid = std::min(std::max(mid, lo + 1), top - 1);
    } else if (step == 1) {
      mid = last_fit ? lo + 1 : top - 1;
    } else {
      mid = lo + (top - lo) / 2;
    }
    step = (step + 1) % 3;
    const int64_t v = need(mid);
    last_fit = v <= limit;
    if (last_fit) {
      lo = mid;
      need_lo = v;
    } else {
      top = mid;
      need_top = v;
    }
  }
  return lo;
}

}  // namespace

const std::vector<VerdictInfo>& verdict_table() {
  static const std::vector<VerdictInfo> table = {
      {Verdict::fits, "fits", "fits",
       "needs at most 95 % of the usable memory (5 % safety reserve)"},
      {Verdict::tight, "tight", "tight", "fits only by using the 5 % safety reserve"},
      {Verdict::fits_paged, "fits_paged", "fits by paging",
       "everything but the paged optimizer states fits; those page to host memory as the GPU "
       "fills (slower steps)"},
      {Verdict::no, "no", "does not fit", "needs more than the usable memory"},
  };
  return table;
}

const char* verdict_name(Verdict v) {
  for (const auto& d : verdict_table()) {
    if (d.verdict == v) return d.id;
  }
  return "no";
}

Verdict verdict_for(int64_t need, int64_t usable, int64_t paged) {
  if (need <= limit_of(usable)) return Verdict::fits;
  if (need <= usable) return Verdict::tight;
  // cudaMallocManaged states move to host under pressure (bitsandbytes
  // paged optimizers); the rest must fit with the safety reserve.
  if (paged > 0 && need - paged <= limit_of(usable)) return Verdict::fits_paged;
  return Verdict::no;
}

int64_t usable_of(const Request& req, int64_t memory) {
  if (req.engine == Engine::vllm) {
    return static_cast<int64_t>(static_cast<double>(memory) * req.gpu_memory_utilization);
  }
  return memory;
}

const Gpu* smallest_gpu(int64_t need, const Request& req) {
  const Gpu* best = nullptr;
  for (const auto& g : gpu_catalog()) {
    if (verdict_for(need, usable_of(req, g.memory_bytes)) != Verdict::fits) continue;
    if (!best || g.memory_bytes < best->memory_bytes) best = &g;
  }
  return best;
}

// A learned absolute-position table (GPT-2's wpe, OPT's embed_positions) has
// one row per position: no software runs a longer sequence on it (the lookup
// indexes past the table), whatever the memory. RoPE and ALiBi models have no
// such table, and neither transformers nor Unsloth stops them at
// max_position_embeddings (Unsloth publishes Llama 3.1 8B QLoRA contexts past
// its 131,072: scripts/bench_accuracy.py).
namespace {
bool learned_positions(const ModelSpec& spec) {
  return spec.max_positions > 0 &&
         std::any_of(spec.tensors.begin(), spec.tensors.end(),
                     [](const TensorGroup& t) { return t.role == TensorRole::position; });
}
}  // namespace

std::vector<std::pair<std::string, std::string>> request_warnings(const ModelSpec& spec,
                                                                  const Request& req) {
  std::vector<std::pair<std::string, std::string>> out;
  if (spec.max_positions > 0 && req.seq_len > spec.max_positions) {
    out.emplace_back("context_above_model_max",
                     "the sequence length " + std::to_string(req.seq_len) +
                         " exceeds the model's maximum context of " +
                         std::to_string(spec.max_positions) + " tokens" +
                         (learned_positions(spec)
                              ? ": its positions are a learned table of that many rows, so a "
                                "longer sequence fails (index out of range)"
                              : " (max_position_embeddings in its config)"));
  }
  return out;
}

int64_t max_batch(const Prepared& p, int64_t s, int64_t usable, int64_t hi) {
  return search([&](int64_t b) { return evaluate(p, b, s, false).total_bytes; }, limit_of(usable),
                hi);
}

// vLLM answers from its own start-up arithmetic (engine/vllm.cpp, §7.8):
// usable = total x gpu_memory_utilization, need = weights + non-torch +
// profile peak + the KV blocks of batch_size requests of seq_len tokens.
// "no" when vLLM refuses to start (its refusal adds the KV of one
// max_model_len request to the need), "fits" when the requests fit the pool
// at once, "tight" when vLLM starts but holds fewer of them at once.
int64_t cuda_total(const Gpu& g) {
  return g.cuda_total_bytes > 0 ? g.cuda_total_bytes : g.memory_bytes;
}

int64_t engine_total(const GpuFit& f) {
  return !f.custom && f.chip ? cuda_total(*f.chip) : f.memory_bytes;
}

void fit_vllm(const Prepared& p, const std::string& gpu_name, GpuFit& f) {
  const Request& r = p.req;
  const engine::VllmStartup st = engine::vllm_startup(p, engine_total(f), gpu_name, f.chip);
  int64_t kv = engine::vllm_kv_bytes(p, st, r.batch_size, r.seq_len);
  if (!st.starts) kv = std::max(kv, st.needed_kv);
  f.usable_bytes = st.requested;
  f.need_bytes = st.weights + st.non_torch + st.activation + kv;
  f.headroom_bytes = f.usable_bytes - f.need_bytes;
  if (!st.starts || r.seq_len > st.max_model_len)
    f.verdict = Verdict::no;
  else
    f.verdict = f.headroom_bytes >= 0 ? Verdict::fits : Verdict::tight;
  if (r.search) {
    f.max_batch_size = engine::vllm_max_batch(p, st, r.seq_len);
    f.max_seq_len = engine::vllm_max_len(p, st, r.batch_size);
  }
}

// SGLang answers from its own start-up arithmetic (engine/sglang.cpp, §7.9):
// usable = memory in use before the weights + total_gpu_memory x
// mem_fraction_static (weights and KV pool), need = that prefix + weights +
// the pool share of batch_size requests of seq_len tokens. "no" when SGLang
// refuses to start (empty pool) or caps requests below seq_len, "fits" when
// the requests fit the pool at once, "tight" when it holds fewer at once.
void fit_sglang(const Prepared& p, GpuFit& f) {
  const Request& r = p.req;
  const engine::SglangStartup st = engine::sglang_startup(p, f.memory_bytes);
  const int64_t before = st.total - st.total_gpu_memory;
  f.usable_bytes = before + st.weights + st.rest_memory;
  int64_t kv = engine::sglang_kv_bytes(st, r.batch_size, r.seq_len);
  if (!st.starts) kv = std::max<int64_t>(kv, 1);
  f.need_bytes = before + st.weights + kv;
  f.headroom_bytes = f.usable_bytes - f.need_bytes;
  if (!st.starts || r.seq_len > st.max_req_len)
    f.verdict = Verdict::no;
  else
    f.verdict = f.headroom_bytes >= 0 ? Verdict::fits : Verdict::tight;
  if (r.search) {
    f.max_batch_size = engine::sglang_max_batch(st, r.seq_len);
    f.max_seq_len = engine::sglang_max_len(st, r.batch_size);
  }
}

std::vector<GpuFit> fit_all(const Prepared& p, const Breakdown& bd) {
  std::vector<GpuFit> out;
  // Upper bounds: a 2^20 batch or 2^24-token context is past any GPU; a
  // learned position table is the context's own bound.
  const int64_t seq_hi =
      learned_positions(*p.spec) ? std::min(kMaxSeqLen, p.spec->max_positions) : kMaxSeqLen;
  // Searches for different GPUs probe mostly the same points: memoise the
  // totals per batch size and per sequence length (a pure function of them).
  // (std::map: a few hundred entries at most, and no hash table for int64
  // keys in the wasm.)
  std::map<int64_t, int64_t> by_batch, by_seq;
  auto need_b = [&](int64_t b) {
    auto it = by_batch.find(b);
    if (it != by_batch.end()) return it->second;
    return by_batch[b] = evaluate(p, b, p.req.seq_len, false).total_bytes;
  };
  auto need_s = [&](int64_t s) {
    auto it = by_seq.find(s);
    if (it != by_seq.end()) return it->second;
    return by_seq[s] = evaluate(p, p.req.batch_size, s, false).total_bytes;
  };
  auto add = [&](const std::string& id, const std::string& name, const std::string& vendor,
                 int64_t mem, bool custom, const Gpu* chip) {
    GpuFit f;
    f.chip = chip;
    f.id = id;
    f.name = name;
    f.vendor = vendor;
    f.custom = custom;
    f.memory_bytes = mem;
    if (p.req.engine == Engine::vllm) {
      fit_vllm(p, name, f);
      out.push_back(std::move(f));
      return;
    }
    if (p.req.engine == Engine::sglang) {
      fit_sglang(p, f);
      out.push_back(std::move(f));
      return;
    }
    f.usable_bytes = usable_of(p.req, mem);
    f.need_bytes = bd.total_bytes;
    f.headroom_bytes = f.usable_bytes - f.need_bytes;
    f.verdict = verdict_for(f.need_bytes, f.usable_bytes, bd.paged_bytes);
    if (p.req.search) {
      f.max_batch_size = search(need_b, limit_of(f.usable_bytes), kMaxBatchSize);
      f.max_seq_len = search(need_s, limit_of(f.usable_bytes), seq_hi);
    }
    out.push_back(std::move(f));
  };
  const speed::TrainingCost train_cost =
      p.req.task == Task::inference ? speed::TrainingCost{} : speed::training_cost(p);
  for (const auto& g : gpu_catalog()) {
    add(g.id, g.name, g.vendor, g.memory_bytes, false, &g);
    GpuFit& f = out.back();
    if (f.verdict == Verdict::no) continue;
    f.tokens_per_s = p.req.task == Task::inference
                         ? speed::decode_tokens_per_s(p, g, p.req.batch_size, p.req.seq_len)
                         : speed::train_tokens_per_s(p, train_cost, g);
  }
  for (size_t i = 0; i < p.req.custom_gpus.size(); ++i) {
    const auto& c = p.req.custom_gpus[i];
    add("custom-" + std::to_string(i + 1), c.name, kCustomGpuVendor.id, c.memory_bytes, true,
        c.like.empty() ? nullptr : find_gpu(c.like));
  }
  return out;
}

}  // namespace vramfit
