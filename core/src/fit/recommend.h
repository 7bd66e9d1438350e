// Changes that make a request fit a GPU: each one structured (the request
// fields it sets, with their JSON paths), so front ends apply it as data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fit/fit.h"

namespace vramfit {

// A request field's new value; null returns the field to its default
// ("weights_dtype": auto-detect).
using FieldValue = std::variant<std::nullptr_t, bool, int64_t, std::string>;

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

// Cheapest changes that make the request fit `usable` bytes, each alone
// when it saves memory, then (when none alone fits) stacked cheapest first.
std::vector<Recommendation> recommend(const ModelSpec& spec, const Request& req,
                                      const Breakdown& bd, int64_t usable);

}  // namespace vramfit
