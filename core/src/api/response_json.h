// JSON writers of the fit layer's results (core/SCHEMA.md, "Response"):
// to_json beside nothing else, so each key is written in one place.
#pragma once

#include <nlohmann/json.hpp>

#include "fit/report.h"

namespace vramfit {

void to_json(nlohmann::json& j, const GpuFit& f);
void to_json(nlohmann::json& j, const Recommendation& r);
void to_json(nlohmann::json& j, const Strategy& s);
void to_json(nlohmann::json& j, const GpusNeeded& n);
void to_json(nlohmann::json& j, const DiskSizes& d);
// Adds gpus, smallest_gpu, target, recommend, disk and strategies to the
// response `out` (the report's warnings: add_warnings).
void add_fit_report(nlohmann::json& out, const FitReport& r);
// Appends {code, message} objects to the array `out`.
void add_warnings(nlohmann::json& out,
                  const std::vector<std::pair<std::string, std::string>>& list);

}  // namespace vramfit
