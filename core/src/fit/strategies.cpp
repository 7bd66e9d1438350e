#include "fit/strategies.h"

#include <tuple>

#include "fit/fit.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
struct Named {
  const char* name;
  Layout layout;
};
}  // namespace

std::vector<Strategy> strategies(const ModelSpec& spec, const Request& req) {
  std::vector<Named> layouts = {{"single GPU", {1, 1, 1, 1, 0}}, {"TP 2", {2, 1, 1, 1, 0}},
                                {"TP 4", {4, 1, 1, 1, 0}},       {"TP 8", {8, 1, 1, 1, 0}},
                                {"PP 2", {1, 2, 1, 1, 0}},       {"PP 4", {1, 4, 1, 1, 0}},
                                {"TP 4 x PP 2", {4, 2, 1, 1, 0}}};
  if (is_training(req.task)) {
    layouts.push_back({"ZeRO-2 x 8", {1, 1, 8, 1, 2}});
    layouts.push_back({"ZeRO-3 / FSDP x 8", {1, 1, 8, 1, 3}});
  }
  if (spec.moe.num_experts >= 8 && spec.moe.num_experts % 8 == 0) {
    layouts.push_back({"EP 8", {1, 1, 1, 8, 0}});
  }
  std::vector<Strategy> out;
  for (const auto& [name, l] : layouts) {
    Request r = req;
    r.parallel = ParallelOptions{};
    r.parallel.tp = l.tp;
    r.parallel.pp = l.pp;
    r.parallel.dp = l.dp;
    r.parallel.ep = l.ep;
    r.parallel.zero = l.zero;
    r.search = false;
    // A layout the model refuses (e.g. tp does not divide the heads) is left out.
    const Result<Prepared> p = prepare(spec, r);
    if (!p.ok()) continue;
    const Breakdown bd = evaluate(p.value(), r.batch_size, r.seq_len, false);
    Strategy& s = out.emplace_back();
    s.name = name;
    s.gpus = l.tp * l.pp * l.dp * l.ep;
    s.parallel = l;
    s.per_gpu_total_bytes = bd.total_bytes;
    s.per_gpu_peak_allocated_bytes = bd.peak_allocated_bytes;
    if (const Gpu* g = smallest_gpu(bd.total_bytes, r)) s.smallest_gpu = g->id;
  }
  return out;
}

std::string layout_words(const Layout& l, bool with_zero) {
  std::string out;
  auto add = [&out](int64_t v, const char* what) {
    if (v > 1) out += (out.empty() ? "" : ", ") + std::string(what) + " " + std::to_string(v);
  };
  add(l.tp, "tensor parallel");
  add(l.pp, "pipeline parallel");
  add(l.dp, "data parallel");
  add(l.ep, "expert parallel");
  if (with_zero && l.zero > 0) {
    out += l.zero == 3 ? " with ZeRO-3 / FSDP" : " with ZeRO-" + std::to_string(l.zero);
  }
  return out;
}

bool can_shard_further(const Request& r) {
  return is_training(r.task) && r.parallel.dp > 1 && r.parallel.zero < 3 &&
         !r.mechanisms.no_sharding;
}

ParallelOptions scaled_layout(const ModelSpec& spec, Task task, ParallelOptions base, int64_t n) {
  if (n <= 1) return base;
  if (is_training(task)) {
    base.dp *= n;
    base.zero = 3;
  } else if (spec.num_heads % (base.tp * n) == 0) {
    base.tp *= n;
  } else {
    base.pp *= n;
  }
  return base;
}

namespace {
// The layout's other options on one GPU: where `gpus` scales from.
ParallelOptions on_one_gpu(ParallelOptions p) {
  p.tp = p.pp = p.dp = 1;
  return p;
}
}  // namespace

Status apply_gpus(const ModelSpec& spec, Request& r) {
  if (!r.layout_from_gpus) return {};
  const int64_t n = *r.gpus;
  const int zero = r.parallel.zero;  // fsdp is zero 3 by now
  r.parallel = scaled_layout(spec, r.task, on_one_gpu(r.parallel), n);
  if (is_training(r.task)) {
    if (zero > 0) {
      r.parallel.zero = zero;
    } else if (r.mechanisms.no_sharding) {
      r.parallel.zero = 0;
    }
  } else if (r.parallel.pp > static_cast<int64_t>(spec.layers.size())) {
    return Error(ErrorCode::inconsistent, "gpus",
                 "gpus = " + std::to_string(n) + ": tensor parallel " + std::to_string(n) +
                     " does not divide the " + std::to_string(spec.num_heads) +
                     " attention heads and pipeline parallel " + std::to_string(n) +
                     " exceeds the " + std::to_string(spec.layers.size()) +
                     " layers; set parallel.tp and parallel.pp instead");
  }
  return {};
}

std::optional<GpusNeeded> gpus_needed(const ModelSpec& spec, const Request& req,
                                      const Judge& judge) {
  // A stack that cannot shard (one GPU, or data-parallel copies) gains no
  // memory from more GPUs: only the request as it is.
  const int64_t most = is_training(req.task) && req.mechanisms.no_sharding ? 1 : 64;
  for (int64_t n = 1; n <= most; n *= 2) {
    Request r = req;
    r.search = false;
    if (n > 1 && req.layout_from_gpus) {
      // The layout `gpus` picks for n times as many: what applying the
      // more_gpus suggestion ({"gpus": count}) gives.
      r.gpus = *req.gpus * n;
      r.parallel = scaled_layout(spec, req.task, on_one_gpu(req.parallel), *r.gpus);
    } else if (n > 1) {
      r.parallel = scaled_layout(spec, req.task, req.parallel, n);
      if (req.gpus) r.gpus = layout_gpus(r.parallel);
    }
    // need < 0: this scaling is not a valid layout for the model; try the next.
    auto [need, verdict] = judge.need(r);
    if ((need < 0 || verdict != Verdict::fits) && n == 1 && can_shard_further(r)) {
      // The GPUs it has may hold it with ZeRO-3 / FSDP before it needs more.
      r.parallel.zero = 3;
      std::tie(need, verdict) = judge.need(r);
    }
    if (need < 0 || verdict != Verdict::fits) continue;
    GpusNeeded out;
    out.count = layout_gpus(r.parallel);
    out.parallel = {r.parallel.tp, r.parallel.pp, r.parallel.dp, r.parallel.ep, r.parallel.zero};
    out.per_gpu_total_bytes = judge.total ? judge.total(r) : need;
    return out;
  }
  return std::nullopt;
}

}  // namespace vramfit
