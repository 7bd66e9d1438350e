#include "fit/report.h"

#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

FitReport fit_report(const Prepared& p, const Breakdown& bd) {
  const ModelSpec& spec = *p.spec;
  const Request& r = p.req;
  FitReport out;
  out.gpus = fit_all(p, bd);
  if (const Gpu* g = smallest_gpu(bd.total_bytes, r)) out.smallest_gpu = g->id;
  out.warnings = request_warnings(spec, r);
  if (!r.gpu.empty()) {
    const Gpu* g = find_gpu(r.gpu);
    if (!g) {
      throw Error(ErrorCode::unknown_value, "gpu",
                  "gpu: unknown GPU \"" + r.gpu + "\" (run `vramfit gpus` for the list)");
    }
    for (const auto& f : out.gpus) {
      if (f.id != g->id) continue;
      Target& t = out.target.emplace();
      t.fit = f;
      t.gpus_needed = gpus_needed(spec, r, f.usable_bytes);
      if (f.verdict != Verdict::fits) t.recommend = recommend(spec, r, bd, f.usable_bytes);
    }
  }
  out.disk = disk_sizes(p);
  if (r.strategies) out.strategies = strategies(spec, r);
  return out;
}

}  // namespace vramfit
