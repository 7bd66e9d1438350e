#include "fit/fit.h"

#include <algorithm>
#include <functional>
#include <map>

#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
using json = nlohmann::json;

int64_t limit_of(int64_t usable) {
  return static_cast<int64_t>(static_cast<double>(usable) * (1.0 - kSafetyReserve));
}

// Largest x in [1, hi] with need(x) <= limit, given need non-decreasing:
// exponential probe (1, 2, 4, ...; the probes are shared by every GPU through
// the caller's memo), then the bracket [lo fits, top does not] is narrowed to
// width 1. The totals are close to piecewise linear in x, so an interpolation
// step usually lands next to the answer; every other step bisects, which
// bounds the worst case at twice the bisection count. Exact: the result is
// verified by the same evaluation, never by the interpolation.
template <typename F>
int64_t search(F need, int64_t limit, int64_t hi) {
  if (need(1) > limit) return 0;
  int64_t lo = 1, top = 2;
  int64_t need_lo = need(1), need_top = 0;
  while (true) {
    if (top > hi) { top = hi + 1; need_top = -1; break; }
    need_top = need(top);
    if (need_top > limit) break;
    lo = top; need_lo = need_top;
    top *= 2;
  }
  bool bisect = false;
  while (top - lo > 1) {
    int64_t mid;
    if (!bisect && need_top > need_lo) {
      const double frac = static_cast<double>(limit - need_lo) /
                          static_cast<double>(need_top - need_lo);
      mid = lo + static_cast<int64_t>(frac * static_cast<double>(top - lo));
      mid = std::min(std::max(mid, lo + 1), top - 1);
    } else {
      mid = lo + (top - lo) / 2;
    }
    bisect = !bisect;
    const int64_t v = need(mid);
    if (v <= limit) { lo = mid; need_lo = v; } else { top = mid; need_top = v; }
  }
  return lo;
}

int64_t usable_of(const Prepared& p, int64_t memory) {
  if (p.req.engine == Engine::vllm) {
    return static_cast<int64_t>(static_cast<double>(memory) * p.req.gpu_memory_utilization);
  }
  return memory;
}
}  // namespace

std::string verdict_for(int64_t need, int64_t usable) {
  if (need <= limit_of(usable)) return "fits";
  if (need <= usable) return "tight";
  return "no";
}

int64_t max_batch(const Prepared& p, int64_t s, int64_t usable, int64_t hi) {
  return search([&](int64_t b) { return evaluate(p, b, s, false).total_bytes; },
                limit_of(usable), hi);
}

std::vector<GpuFit> fit_all(const Prepared& p, const Breakdown& bd) {
  std::vector<GpuFit> out;
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
                 int64_t mem, bool custom) {
    GpuFit f;
    f.id = id; f.name = name; f.vendor = vendor; f.custom = custom;
    f.memory_bytes = mem;
    f.usable_bytes = usable_of(p, mem);
    f.need_bytes = bd.total_bytes;
    f.headroom_bytes = f.usable_bytes - f.need_bytes;
    f.verdict = verdict_for(f.need_bytes, f.usable_bytes);
    if (p.req.search) {
      // Upper bounds: a 2^20 batch or 2^24-token context is past any GPU.
      f.max_batch_size = search(need_b, limit_of(f.usable_bytes), kMaxBatchSize);
      f.max_seq_len = search(need_s, limit_of(f.usable_bytes), kMaxSeqLen);
    }
    out.push_back(std::move(f));
  };
  for (const auto& g : gpu_catalog()) add(g.id, g.name, g.vendor, g.memory_bytes, false);
  for (size_t i = 0; i < p.req.custom_gpus.size(); ++i) {
    const auto& c = p.req.custom_gpus[i];
    add("custom-" + std::to_string(i + 1), c.name, "custom", c.memory_bytes, true);
  }
  return out;
}

namespace {
struct Change {
  std::string change;
  const char* why;
  std::function<bool(Request&)> apply;  // false: does not apply
  bool batch = false;                   // re-derived when stacked
};

// Largest micro-batch below the requested one that fits (at least 1).
int64_t fitting_batch(const ModelSpec& spec, const Request& req, int64_t usable) {
  Request probe = req;
  probe.search = false;
  try {
    return std::max<int64_t>(1, max_batch(prepare(spec, probe), req.seq_len, usable, req.batch_size - 1));
  } catch (const Error&) {
    return 1;
  }
}

std::string batch_change(const Request& req, int64_t mb) {
  std::string name = "batch_size=" + std::to_string(mb);
  if (is_training(req.task)) {
    name += " x " + std::to_string((req.batch_size + mb - 1) / mb) + " accumulation steps";
  }
  return name;
}

// Candidate changes, cheapest (no quality cost) first.
std::vector<Change> changes_for(const ModelSpec& spec, const Request& req, int64_t usable) {
  const bool train = is_training(req.task);
  std::vector<Change> c;
  c.push_back({"gradient_checkpointing=true", "keep only layer inputs; recompute in backward",
               [=](Request& r) { return train && !r.gradient_checkpointing ? (r.gradient_checkpointing = true) : false; }});
  c.push_back({"optimizer=adamw_8bit", "8-bit Adam states (bitsandbytes)", [=](Request& r) {
                 if (!train || r.optimizer != Optimizer::adamw) return false;
                 r.optimizer = Optimizer::adamw_8bit;
                 return true;
               }});
  c.push_back({"loss=chunked", "chunked cross-entropy: no full fp32 logits", [=](Request& r) {
                 if (!train || r.loss != Loss::standard) return false;
                 r.loss = Loss::chunked;
                 return true;
               }});
  if (req.batch_size > 1) {
    const int64_t mb = fitting_batch(spec, req, usable);
    c.push_back({batch_change(req, mb),
                 train ? "same effective batch; gradient accumulation adds no memory"
                       : "fewer concurrent sequences",
                 [=](Request& r) { r.batch_size = mb; return true; }, true});
  }
  c.push_back({"kv_cache_dtype=fp8", "halve the KV cache", [=](Request& r) {
                 if (train || !r.kv_cache_dtype.empty()) return false;
                 r.kv_cache_dtype = "fp8";
                 return true;
               }});
  c.push_back({"task=lora", "train adapters only; base weights frozen in bf16", [=](Request& r) {
                 if (r.task != Task::full) return false;
                 r.task = Task::lora;
                 r.weights_dtype.clear();
                 return true;
               }});
  c.push_back({"task=qlora", "4-bit NF4 base weights + LoRA", [=](Request& r) {
                 if (r.task != Task::full && r.task != Task::lora) return false;
                 r.task = Task::qlora;
                 r.weights_dtype.clear();
                 return true;
               }});
  c.push_back({"weights_dtype=int8", "8-bit weights", [=](Request& r) {
                 if (train || !(r.weights_dtype.empty() || r.weights_dtype == "bf16" || r.weights_dtype == "fp16")) return false;
                 r.weights_dtype = "int8";
                 return true;
               }});
  c.push_back({"weights_dtype=nf4", "4-bit weights", [=](Request& r) {
                 if (train || !(r.weights_dtype.empty() || r.weights_dtype == "bf16" ||
                                r.weights_dtype == "fp16" || r.weights_dtype == "int8")) return false;
                 r.weights_dtype = "nf4";
                 return true;
               }});
  c.push_back({"seq_len/2", "shorter sequences", [=](Request& r) {
                 if (r.seq_len <= 256) return false;
                 r.seq_len /= 2;
                 if (r.prompt_len && *r.prompt_len > r.seq_len) r.prompt_len = r.seq_len;
                 return true;
               }});
  return c;
}

int64_t total_of(const ModelSpec& spec, const Request& r) {
  try {
    return estimate_memory(spec, r, false).total_bytes;
  } catch (const Error&) {
    return -1;  // not a valid request for this model
  }
}
}  // namespace

json recommend(const ModelSpec& spec, const Request& req, const Breakdown& bd,
               int64_t usable) {
  json out = json::array();
  const auto changes = changes_for(spec, req, usable);
  for (const auto& ch : changes) {
    Request r = req;
    if (!ch.apply(r)) continue;
    const int64_t t = total_of(spec, r);
    if (t < 0 || t >= bd.total_bytes) continue;
    // By assignment, not an initializer list: that costs much more code in wasm.
    json& e = out.emplace_back(json::object());
    e["change"] = ch.change;
    e["why"] = ch.why;
    e["total_bytes"] = t;
    e["saves_bytes"] = bd.total_bytes - t;
    e["verdict"] = verdict_for(t, usable);
  }
  // No single change enough: stack them, cheapest first, until it fits.
  bool single_fits = false;
  for (const auto& e : out) single_fits = single_fits || e.at("verdict") == "fits";
  if (!single_fits && out.size() > 1) {
    Request r = req;
    json applied = json::array();
    int64_t t = bd.total_bytes;
    for (const auto& ch : changes) {
      Request next = r;
      std::string name = ch.change;
      if (ch.batch) {
        // After the earlier changes a larger micro-batch may fit.
        const int64_t mb = fitting_batch(spec, r, usable);
        next.batch_size = mb;
        name = batch_change(req, mb);
      } else if (!ch.apply(next)) {
        continue;
      }
      const int64_t nt = total_of(spec, next);
      if (nt < 0 || nt >= t) continue;
      r = next;
      t = nt;
      applied.push_back(name);
      if (verdict_for(t, usable) == "fits") break;
    }
    if (applied.size() > 1) {
      json& e = out.emplace_back(json::object());
      e["change"] = "combined";
      e["changes"] = std::move(applied);
      e["why"] = "the changes above applied together, cheapest first";
      e["total_bytes"] = t;
      e["saves_bytes"] = bd.total_bytes - t;
      e["verdict"] = verdict_for(t, usable);
    }
  }
  return out;
}

}  // namespace vramfit
