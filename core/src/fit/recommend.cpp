#include "fit/recommend.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "fit/strategies.h"
#include "vramfit/error.h"

namespace vramfit {

namespace {
// One applied change: the fields it set and how to say it.
struct Step {
  std::vector<FieldChange> changes;  // empty: does not apply to the request
  std::string label;
};

struct Candidate {
  const char* id;
  const char* why;
  std::function<Step(Request&)> apply;  // edits the request, says what it set
  bool batch = false;                   // re-derived when stacked
};

// Micro-batch `mb`; training keeps the effective batch by accumulating.
Step batch_step(const Request& req, int64_t mb) {
  std::string label = "batch size " + std::to_string(mb);
  if (is_training(req.task)) {
    label += " x " + std::to_string((req.batch_size + mb - 1) / mb) + " accumulation steps";
  }
  return {{{"batch_size", mb}}, label};
}

// Task change to an adapter method; the base weights' dtype returns to the
// method's own (QLoRA: NF4), so an explicit one is cleared.
Step task_step(Request& r, Task t, const char* label) {
  Step s{{{"task", std::string(task_name(t))}}, label};
  if (!r.weights_dtype.empty()) s.changes.push_back({"weights_dtype", nullptr});
  r.task = t;
  r.weights_dtype.clear();
  return s;
}

bool is_16bit(const std::string& d) { return d.empty() || d == "bf16" || d == "fp16"; }

// Candidate changes, cheapest (no quality cost) first.
std::vector<Candidate> candidates(const Request& req, const Judge& judge) {
  const bool train = is_training(req.task);
  std::vector<Candidate> c;
  // vLLM refuses to start when one max_model_len request does not fit: the
  // largest length it would start with (engine/vllm.cpp).
  c.push_back({"vllm_max_model_len", "vLLM starts when one request of max_model_len fits its pool",
               [=](Request& r) -> Step {
                 if (r.engine != Engine::vllm || !judge.max_model_len) return {};
                 const int64_t len = judge.max_model_len(r);
                 if (len <= 0) return {};
                 r.max_model_len = len;
                 Step s{{{"max_model_len", len}}, "max_model_len " + std::to_string(len)};
                 if (r.seq_len > len) {
                   r.seq_len = len;
                   s.changes.push_back({"seq_len", len});
                 }
                 return s;
               }});
  // SGLang stops when the weights leave no KV pool under mem_fraction_static:
  // the smallest fraction whose pool holds one seq_len request (engine/sglang.cpp).
  c.push_back({"sglang_mem_fraction_static",
               "SGLang starts when the weights leave a KV pool under mem_fraction_static",
               [=](Request& r) -> Step {
                 if (r.engine != Engine::sglang || !judge.mem_fraction_static) return {};
                 const double f = judge.mem_fraction_static(r);
                 if (f <= 0) return {};
                 r.mem_fraction_static = f;
                 char buf[48];
                 std::snprintf(buf, sizeof buf, "mem_fraction_static %.3f", f);
                 return {{{"mem_fraction_static", f}}, buf};
               }});
  c.push_back({"gradient_checkpointing", "keep only layer inputs; recompute in backward",
               [=](Request& r) -> Step {
                 if (!train || r.gradient_checkpointing) return {};
                 r.gradient_checkpointing = true;
                 return {{{"gradient_checkpointing", true}}, "gradient checkpointing on"};
               }});
  // Data parallel without full sharding keeps a whole copy of the training
  // state on every GPU (DDP also its gradient buckets): ZeRO-3 / FSDP splits
  // it over the GPUs the run already has.
  c.push_back({"shard", "split weights, gradients and optimizer states across your GPUs",
               [=](Request& r) -> Step {
                 if (!can_shard_further(r)) return {};
                 r.parallel.zero = 3;
                 // ZeRO shards over the data-parallel ranks: all the GPUs
                 // unless tensor or pipeline parallel split them too.
                 const bool all = r.parallel.tp * r.parallel.pp == 1;
                 return {{{"parallel.zero", int64_t{3}}},
                         "ZeRO-3 / FSDP across the " + std::to_string(r.parallel.dp) +
                             (all ? " GPUs" : " data-parallel ranks")};
               }});
  c.push_back({"optimizer_8bit", "8-bit Adam states (bitsandbytes)", [=](Request& r) -> Step {
                 if (!train || r.optimizer != Optimizer::adamw) return {};
                 r.optimizer = Optimizer::adamw_8bit;
                 return {{{"optimizer", std::string("adamw_8bit")}}, "8-bit AdamW optimizer"};
               }});
  c.push_back(
      {"chunked_loss", "chunked cross-entropy: no full fp32 logits", [=](Request& r) -> Step {
         if (!train || r.loss != Loss::standard) return {};
         r.loss = Loss::chunked;
         return {{{"loss", std::string("chunked")}}, "chunked loss"};
       }});
  if (req.batch_size > 1) {
    const int64_t mb = judge.fitting_batch(req);
    c.push_back({"smaller_batch",
                 train ? "same effective batch; gradient accumulation adds no memory"
                       : "fewer concurrent sequences",
                 [=](Request& r) {
                   r.batch_size = mb;
                   return batch_step(req, mb);
                 },
                 true});
  }
  c.push_back({"kv_cache_fp8", "halve the KV cache", [=](Request& r) -> Step {
                 if (train || !r.kv_cache_dtype.empty()) return {};
                 r.kv_cache_dtype = "fp8";
                 return {{{"kv_cache_dtype", std::string("fp8")}}, "fp8 KV cache"};
               }});
  c.push_back({"lora", "train adapters only; base weights frozen in bf16", [=](Request& r) -> Step {
                 if (r.task != Task::full) return {};
                 return task_step(r, Task::lora, "LoRA instead of full fine-tuning");
               }});
  c.push_back({"qlora", "4-bit NF4 base weights + LoRA", [=](Request& r) -> Step {
                 if (r.task != Task::full && r.task != Task::lora) return {};
                 return task_step(r, Task::qlora, "QLoRA (4-bit base weights)");
               }});
  c.push_back({"weights_int8", "8-bit weights", [=](Request& r) -> Step {
                 if (train || !is_16bit(r.weights_dtype)) return {};
                 r.weights_dtype = "int8";
                 return {{{"weights_dtype", std::string("int8")}}, "int8 weights"};
               }});
  c.push_back({"weights_nf4", "4-bit weights", [=](Request& r) -> Step {
                 if (train || !(is_16bit(r.weights_dtype) || r.weights_dtype == "int8")) return {};
                 r.weights_dtype = "nf4";
                 return {{{"weights_dtype", std::string("nf4")}}, "nf4 weights"};
               }});
  c.push_back({"shorter_context", "shorter sequences", [=](Request& r) -> Step {
                 if (r.seq_len <= 256) return {};
                 r.seq_len /= 2;
                 Step s{{{"seq_len", r.seq_len}}, "sequence length " + std::to_string(r.seq_len)};
                 if (r.prompt_len && *r.prompt_len > r.seq_len) {
                   r.prompt_len = r.seq_len;
                   s.changes.push_back({"prompt_len", r.seq_len});
                   s.label += " (prompt too)";
                 }
                 return s;
               }});
  return c;
}

// Later steps of a combined change overwrite a field an earlier one set.
void merge(std::vector<FieldChange>& into, const std::vector<FieldChange>& more) {
  for (const auto& m : more) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const FieldChange& f) { return f.path == m.path; });
    if (it != into.end())
      it->value = m.value;
    else
      into.push_back(m);
  }
}
}  // namespace

Result<Prepared> probe_of(const ModelSpec& spec, const Request& r) {
  Request probe = r;
  probe.search = false;
  return prepare(spec, probe);
}

Judge usable_judge(const ModelSpec& spec, int64_t usable) {
  Judge j;
  j.need = [&spec, usable](const Request& r) -> std::pair<int64_t, Verdict> {
    const Result<Breakdown> bd = estimate_memory(spec, r, false);
    if (!bd.ok()) return {-1, Verdict::no};  // not a valid request for this model
    const int64_t total = bd.value().total_bytes;
    return {total, verdict_for(total, usable, bd.value().paged_bytes)};
  };
  // Largest micro-batch below the requested one that fits (at least 1).
  j.fitting_batch = [&spec, usable](const Request& req) -> int64_t {
    const Result<Prepared> p = probe_of(spec, req);
    if (!p.ok()) return 1;
    return std::max<int64_t>(1, max_batch(p.value(), req.seq_len, usable, req.batch_size - 1));
  };
  return j;
}

namespace {
// Changes to the run on the same GPUs (candidates(), then combined).
std::vector<Recommendation> same_gpus(const Request& req, int64_t need, const Judge& judge) {
  std::vector<Recommendation> out;
  const auto cands = candidates(req, judge);
  const Verdict now = judge.need(req).second;
  // What the estimate shows before and after a change (the need itself
  // unless the judge's need is an engine's own arithmetic).
  auto total_of = [&](const Request& r, int64_t n) { return judge.total ? judge.total(r) : n; };
  const int64_t total_now = total_of(req, need);
  auto result = [&](const char* id, const char* why, std::pair<int64_t, Verdict> t,
                    const Request& changed) -> Recommendation& {
    Recommendation& e = out.emplace_back();
    e.id = id;
    e.why = why;
    e.total_bytes = total_of(changed, t.first);
    e.saves_bytes = total_now - e.total_bytes;
    e.verdict = t.second;
    return e;
  };
  bool single_fits = false;
  for (const auto& ch : cands) {
    Request r = req;
    Step s = ch.apply(r);
    if (s.changes.empty()) continue;
    const auto t = judge.need(r);
    // Kept when it saves memory, or (vLLM) turns a refusal into a start.
    if (t.first < 0 || (t.first >= need && !(now == Verdict::no && t.second != Verdict::no)))
      continue;
    Recommendation& e = result(ch.id, ch.why, t, r);
    e.changes = std::move(s.changes);
    e.label = std::move(s.label);
    single_fits = single_fits || e.verdict == Verdict::fits;
  }
  // No single change enough: stack them, cheapest first, until it fits.
  if (single_fits || out.size() < 2) return out;
  Request r = req;
  std::vector<FieldChange> changes;
  std::vector<std::string> parts;
  std::vector<std::vector<std::string>> part_paths;  // the fields each part sets
  std::pair<int64_t, Verdict> t{need, now};
  for (const auto& ch : cands) {
    Request next = r;
    // After the earlier changes a larger micro-batch may fit.
    Step s = ch.batch ? batch_step(req, next.batch_size = judge.fitting_batch(r)) : ch.apply(next);
    if (s.changes.empty()) continue;
    const auto nt = judge.need(next);
    if (nt.first < 0 ||
        (nt.first >= t.first && !(t.second == Verdict::no && nt.second != Verdict::no)))
      continue;
    r = next;
    t = nt;
    merge(changes, s.changes);
    // A later change to the same fields (nf4 after int8 weights) replaces the
    // earlier one: its label goes, so the combination names what it applies.
    std::vector<std::string> paths;
    for (const auto& c : s.changes) paths.push_back(c.path);
    for (size_t i = parts.size(); i-- > 0;) {
      const bool superseded =
          std::all_of(part_paths[i].begin(), part_paths[i].end(), [&](const std::string& q) {
            return std::find(paths.begin(), paths.end(), q) != paths.end();
          });
      if (!superseded) continue;
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i));
      part_paths.erase(part_paths.begin() + static_cast<std::ptrdiff_t>(i));
    }
    parts.push_back(std::move(s.label));
    part_paths.push_back(std::move(paths));
    if (t.second == Verdict::fits) break;
  }
  if (parts.size() < 2) return out;
  Recommendation& e =
      result("combined", "the changes above applied together, cheapest first", t, r);
  e.changes = std::move(changes);
  for (const auto& p : parts) e.label += (e.label.empty() ? "" : " + ") + p;
  e.parts = std::move(parts);
  return out;
}

// "2 GPUs: tensor parallel 2", "8 GPUs: data parallel 8 with ZeRO-3 / FSDP"
// (the ZeRO stage when it changes).
std::string layout_label(const GpusNeeded& n, const Request& req) {
  return std::to_string(n.count) +
         " GPUs: " + layout_words(n.parallel, n.parallel.zero != req.parallel.zero);
}
}  // namespace

std::vector<Recommendation> recommend(const Request& req, int64_t need, const Judge& judge,
                                      const std::optional<GpusNeeded>& n) {
  std::vector<Recommendation> out = same_gpus(req, need, judge);
  // More of the same GPU (gpus_needed), last: it changes the hardware, not
  // the run. Its change is the layout fields that differ from the request's.
  if (!n || n->count <= layout_gpus(req.parallel)) return out;
  Recommendation& e = out.emplace_back();
  e.id = "more_gpus";
  e.why = "the same GPU, more of them: the model and its state split across them";
  e.label = layout_label(*n, req);
  auto set = [&e](const char* path, int64_t now, int64_t to) {
    if (to != now) e.changes.push_back({path, to});
  };
  // A request that gave `gpus` gets the new count; when `gpus` picked the
  // layout, the count alone picks gpus_needed's (the same scaled_layout).
  if (req.gpus) e.changes.push_back({"gpus", n->count});
  if (!req.layout_from_gpus) {
    set("parallel.tp", req.parallel.tp, n->parallel.tp);
    set("parallel.pp", req.parallel.pp, n->parallel.pp);
    set("parallel.dp", req.parallel.dp, n->parallel.dp);
  }
  set("parallel.zero", req.parallel.zero, n->parallel.zero);
  e.total_bytes = n->per_gpu_total_bytes;
  e.saves_bytes = (judge.total ? judge.total(req) : need) - e.total_bytes;
  e.verdict = Verdict::fits;
  return out;
}

}  // namespace vramfit
