#include "fit/strategies.h"

#include "fit/fit.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using json = nlohmann::json;

struct Layout {
  const char* name;
  int64_t tp, pp, dp, ep;
  int zero;
};

// Smallest (by memory) catalogue GPU whose usable memory fits `need`.
json smallest_gpu(int64_t need, const Prepared& p) {
  const Gpu* best = nullptr;
  for (const auto& g : gpu_catalog()) {
    int64_t usable = p.req.engine == Engine::vllm
                         ? static_cast<int64_t>(static_cast<double>(g.memory_bytes) *
                                                p.req.gpu_memory_utilization)
                         : g.memory_bytes;
    if (verdict_for(need, usable) != "fits") continue;
    if (!best || g.memory_bytes < best->memory_bytes) best = &g;
  }
  return best ? json(best->id) : json();
}
}  // namespace

json strategies_json(const ModelSpec& spec, const Request& req) {
  std::vector<Layout> layouts = {{"single GPU", 1, 1, 1, 1, 0}, {"TP 2", 2, 1, 1, 1, 0},
                                 {"TP 4", 4, 1, 1, 1, 0},      {"TP 8", 8, 1, 1, 1, 0},
                                 {"PP 2", 1, 2, 1, 1, 0},      {"PP 4", 1, 4, 1, 1, 0},
                                 {"TP 4 x PP 2", 4, 2, 1, 1, 0}};
  if (is_training(req.task)) {
    layouts.push_back({"ZeRO-2 x 8", 1, 1, 8, 1, 2});
    layouts.push_back({"ZeRO-3 / FSDP x 8", 1, 1, 8, 1, 3});
  }
  if (spec.moe.num_experts >= 8 && spec.moe.num_experts % 8 == 0) {
    layouts.push_back({"EP 8", 1, 1, 1, 8, 0});
  }
  json out = json::array();
  for (const auto& l : layouts) {
    Request r = req;
    r.parallel = ParallelOptions{};
    r.parallel.tp = l.tp;
    r.parallel.pp = l.pp;
    r.parallel.dp = l.dp;
    r.parallel.ep = l.ep;
    r.parallel.zero = l.zero;
    r.search = false;
    try {
      const Prepared p = prepare(spec, r);
      const Breakdown bd = evaluate(p, r.batch_size, r.seq_len, false);
      // By assignment, not initializer lists: those cost much more code in wasm.
      json row = json::object();
      row["name"] = l.name;
      row["gpus"] = l.tp * l.pp * l.dp * l.ep;
      json& par = row["parallel"];
      par["tp"] = l.tp;
      par["pp"] = l.pp;
      par["dp"] = l.dp;
      par["ep"] = l.ep;
      par["zero"] = l.zero;
      row["per_gpu_total_bytes"] = bd.total_bytes;
      row["per_gpu_peak_allocated_bytes"] = bd.peak_allocated_bytes;
      json smallest = smallest_gpu(bd.total_bytes, p);
      if (!smallest.is_null()) row["smallest_gpu"] = smallest;  // absent: none fits
      out.push_back(row);
    } catch (const Error&) {
      // e.g. tp does not divide the heads: not a valid layout for this model
    }
  }
  return out;
}

json gpus_needed(const ModelSpec& spec, const Request& req, int64_t usable) {
  for (int64_t n = 1; n <= 64; n *= 2) {
    Request r = req;
    r.search = false;
    if (n > 1) {
      if (is_training(req.task)) {
        r.parallel.dp = req.parallel.dp * n;
        r.parallel.zero = 3;
      } else if (spec.num_heads % (req.parallel.tp * n) == 0) {
        r.parallel.tp = req.parallel.tp * n;
      } else {
        r.parallel.pp = req.parallel.pp * n;
      }
    }
    try {
      const Prepared p = prepare(spec, r);
      const Breakdown bd = evaluate(p, r.batch_size, r.seq_len, false);
      if (verdict_for(bd.total_bytes, usable) == "fits") {
        json out = json::object();
        out["count"] = n * req.parallel.tp * req.parallel.pp * req.parallel.dp;
        json& par = out["parallel"];
        par["tp"] = r.parallel.tp;
        par["pp"] = r.parallel.pp;
        par["dp"] = r.parallel.dp;
        par["zero"] = r.parallel.zero;
        out["per_gpu_total_bytes"] = bd.total_bytes;
        return out;
      }
    } catch (const Error&) {
      // this scaling is not a valid layout for the model: try the next
    }
  }
  return nullptr;
}

json disk_json(const Prepared& p) {
  const double n = static_cast<double>(p.params.total);
  const std::string& d = p.spec->stored_dtype;
  const double stored = d == "float32" ? 4.0 : 2.0;
  json out = json::object();
  out["checkpoint_bytes"] = static_cast<int64_t>(n * stored);
  out["stored_dtype_bytes"] = static_cast<int64_t>(stored);
  if (p.req.task == Task::full) {
    // Optimizer state saved beside the weights: AdamW m, v (+ fp32 master
    // when the regime keeps one) in the state dtype.
    const bool pure = p.req.precision == Precision::bf16_pure;
    const double per = p.req.optimizer == Optimizer::sgd ? 0
                       : (p.req.optimizer == Optimizer::adamw_8bit ||
                          p.req.optimizer == Optimizer::paged_adamw_8bit) ? 2.03125
                       : (pure ? 4.0 : 8.0);
    out["checkpoint_with_optimizer_bytes"] = static_cast<int64_t>(n * (stored + per));
  }
  if (p.lora.params > 0) {
    // PEFT saves the adapter tensors in their training dtype.
    out["lora_adapter_bytes"] = p.lora.params * p.req.lora.dtype_bytes;
  }
  return out;
}

}  // namespace vramfit
