#include "fit/report.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/sglang.h"
#include "engine/vllm.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
// The estimate's total for a changed request (what a suggestion promises),
// under any engine: the engine's start-up need judges only the verdict. A
// change the model refuses (e.g. tp not dividing the heads) counts as -1.
std::function<int64_t(const Request&)> estimate_total(const ModelSpec& spec) {
  return [&spec](const Request& r) -> int64_t {
    const Result<Prepared> p = probe_of(spec, r);
    return p.ok() ? evaluate(p.value(), r.batch_size, r.seq_len, false).total_bytes : -1;
  };
}

// A changed request judged by vLLM's start-up arithmetic on the GPU (§7.8).
Judge vllm_judge(const ModelSpec& spec, const Gpu& g) {
  auto startup = [&g](const Prepared& p) {
    return engine::vllm_startup(p, cuda_total(g), g.name, &g);
  };
  Judge j;
  j.need = [&spec, &g](const Request& r) -> std::pair<int64_t, Verdict> {
    const Result<Prepared> p = probe_of(spec, r);
    if (!p.ok()) return {-1, Verdict::no};
    GpuFit f;
    f.memory_bytes = g.memory_bytes;
    f.chip = &g;
    fit_vllm(p.value(), g.name, f);
    return {f.need_bytes, f.verdict};
  };
  j.fitting_batch = [&spec, startup](const Request& r) -> int64_t {
    const Result<Prepared> p = prepare(spec, r);
    if (!p.ok()) return 1;
    const int64_t most = engine::vllm_max_batch(p.value(), startup(p.value()), r.seq_len);
    return std::max<int64_t>(1, std::min(r.batch_size - 1, most));
  };
  j.total = estimate_total(spec);
  j.max_model_len = [&spec, startup](const Request& r) -> int64_t {
    const Result<Prepared> p = prepare(spec, r);
    if (!p.ok()) return 0;
    const engine::VllmStartup st = startup(p.value());
    return st.starts ? 0 : st.largest_max_model_len;
  };
  return j;
}

// A changed request judged by SGLang's start-up arithmetic on the GPU (§7.9).
Judge sglang_judge(const ModelSpec& spec, const Gpu& g) {
  Judge j;
  j.need = [&spec, &g](const Request& r) -> std::pair<int64_t, Verdict> {
    const Result<Prepared> p = probe_of(spec, r);
    if (!p.ok()) return {-1, Verdict::no};
    GpuFit f;
    f.memory_bytes = g.memory_bytes;
    f.chip = &g;
    fit_sglang(p.value(), f);
    return {f.need_bytes, f.verdict};
  };
  j.fitting_batch = [&spec, &g](const Request& r) -> int64_t {
    const Result<Prepared> p = prepare(spec, r);
    if (!p.ok()) return 1;
    const engine::SglangStartup st = engine::sglang_startup(p.value(), g.memory_bytes);
    return std::max<int64_t>(1,
                             std::min(r.batch_size - 1, engine::sglang_max_batch(st, r.seq_len)));
  };
  j.total = estimate_total(spec);
  // The weights plus one seq_len request's cells over total_gpu_memory, rounded
  // up to SGLang's three decimals; 0 when it starts already or nothing fits.
  j.mem_fraction_static = [&spec, &g](const Request& r) -> double {
    const Result<Prepared> p = prepare(spec, r);
    if (!p.ok()) return 0;
    const engine::SglangStartup st = engine::sglang_startup(p.value(), g.memory_bytes);
    if (st.starts || st.total_gpu_memory <= 0) return 0;
    const double need = double(st.weights) + double(r.seq_len) * double(st.cell_size);
    const double f = std::ceil(need / double(st.total_gpu_memory) * 1000.0) / 1000.0;
    return f < 1.0 ? f : 0.0;
  };
  return j;
}
}  // namespace

Result<FitReport> fit_report(const Prepared& p, const Breakdown& bd) {
  const ModelSpec& spec = *p.spec;
  const Request r = as_given(p);  // the suggestions vary the request as given
  FitReport out;
  out.gpus = fit_all(p, bd);
  if (r.engine == Engine::vllm || r.engine == Engine::sglang) {
    // Per GPU: the engine's pool and defaults depend on the card.
    int64_t best = 0;
    for (const auto& f : out.gpus) {
      if (f.custom || f.verdict != Verdict::fits || (best && f.memory_bytes >= best)) continue;
      best = f.memory_bytes;
      out.smallest_gpu = f.id;
    }
  } else if (const Gpu* g = smallest_gpu(bd.total_bytes, r)) {
    out.smallest_gpu = g->id;
  }
  out.warnings = request_warnings(spec, r);
  if (!r.gpu.empty()) {
    const Gpu* g = find_gpu(r.gpu);
    if (!g) {
      return Error(ErrorCode::unknown_value, "gpu",
                   "gpu: unknown GPU \"" + r.gpu + "\" (run `vramfit gpus` for the list)");
    }
    for (const auto& f : out.gpus) {
      if (f.id != g->id) continue;
      Target& t = out.target.emplace();
      t.fit = f;
      // One judge for the verdict, the GPUs needed and every suggestion.
      const Judge judge = r.engine == Engine::vllm     ? vllm_judge(spec, *g)
                          : r.engine == Engine::sglang ? sglang_judge(spec, *g)
                                                       : usable_judge(spec, f.usable_bytes);
      t.gpus_needed = gpus_needed(spec, r, judge);
      if (f.verdict != Verdict::fits) {
        const bool own = r.engine == Engine::vllm || r.engine == Engine::sglang;
        t.recommend = recommend(r, own ? f.need_bytes : bd.total_bytes, judge, t.gpus_needed);
      }
    }
  }
  if (r.engine == Engine::vllm) {
    // vLLM's start-up figures for the highlighted GPU (else the first custom one).
    for (const auto& f : out.gpus) {
      if (r.gpu.empty() ? !f.custom : (f.custom || f.id != find_gpu(r.gpu)->id)) continue;
      out.vllm_gpu = f.id;
      out.vllm = engine::vllm_startup(p, engine_total(f), f.name, f.chip);
      break;
    }
  }
  if (r.engine == Engine::sglang) {
    // SGLang's start-up figures for the highlighted GPU (else the first custom one).
    for (const auto& f : out.gpus) {
      if (r.gpu.empty() ? !f.custom : (f.custom || f.id != find_gpu(r.gpu)->id)) continue;
      out.sglang_gpu = f.id;
      out.sglang = engine::sglang_startup(p, f.memory_bytes);
      break;
    }
  }
  out.disk = disk_sizes(p);
  if (r.strategies) out.strategies = strategies(spec, r);
  return out;
}

}  // namespace vramfit
