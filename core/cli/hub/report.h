// The checkpoint headers next to the config-based count, for `vramfit
// params`: the same reading as the page's web/js/view-checkpoint.js, from
// the same core comparison (vramfit::compare_checkpoint).
#pragma once

#include <nlohmann/json.hpp>

#include "fetch.h"

namespace vramfit {
namespace cli {

// "checkpoint bytes" lines, printed after the config count.
void print_checkpoint(const HubCheckpoint& c, const nlohmann::json& response);
// The same as JSON (the "checkpoint" member of `params --json`).
nlohmann::json checkpoint_json(const HubCheckpoint& c, const nlohmann::json& response);

}  // namespace cli
}  // namespace vramfit
