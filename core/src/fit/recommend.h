// Changes that make a request fit a GPU: each one structured (the request
// fields it sets, with their JSON paths), so front ends apply it as data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fit/fit.h"

namespace vramfit {

// A request field's new value; null returns the field to its default
// ("weights_dtype": auto-detect).
using FieldValue = std::variant<std::nullptr_t, bool, int64_t, double, std::string>;

struct FieldChange {
  std::string path;  // the request's JSON path: "batch_size", "lora.rank"
  FieldValue value;
};

struct Recommendation {
  std::string id;                    // kind: "smaller_batch", ..., "combined"
  std::vector<FieldChange> changes;  // all fields it sets (several when combined)
  std::string label;                 // prose for display
  std::string why;
  std::vector<std::string> parts;  // combined: the labels of its steps
  int64_t total_bytes = 0;
  int64_t saves_bytes = 0;
  Verdict verdict = Verdict::no;
};

// How a changed request fares on the target GPU: its need (< 0: not a valid
// request), its verdict, and the largest batch that fits it (at least 1).
struct Judge {
  std::function<std::pair<int64_t, Verdict>(const Request&)> need;
  std::function<int64_t(const Request&)> fitting_batch;
  // vLLM: the largest max_model_len it would start with (empty: other engines).
  std::function<int64_t(const Request&)> max_model_len;
  // SGLang: the smallest mem_fraction_static whose pool holds one request of
  // seq_len when it would refuse to start (empty: other engines; 0: none).
  std::function<double(const Request&)> mem_fraction_static;
  // The estimate's total_bytes for a request, when `need` is not it (vLLM's
  // need is its start-up arithmetic); a suggestion promises this total.
  std::function<int64_t(const Request&)> total;
};
// The judge of `usable` bytes under vramfit's own verdict rule (§10.2).
Judge usable_judge(const ModelSpec& spec, int64_t usable);
// A changed request prepared for a judge (search off: no searches of its
// own); a change the model refuses is the failed Result.
Result<Prepared> probe_of(const ModelSpec& spec, const Request& r);

struct GpusNeeded;  // fit/strategies.h

// Cheapest changes that make the request fit (`need`: its need today), each
// alone when it saves memory, then (when none alone fits) stacked cheapest
// first; last, `needed` GPUs (gpus_needed by the same judge) when more than
// the request uses.
std::vector<Recommendation> recommend(const Request& req, int64_t need, const Judge& judge,
                                      const std::optional<GpusNeeded>& needed);

}  // namespace vramfit
