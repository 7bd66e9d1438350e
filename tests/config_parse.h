// parse_model_config returns a Result; tests that read the spec, or expect
// its error thrown (expect_error-style helpers), take it through or_throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "vramfit/config.h"
#include "vramfit/presets.h"

inline vramfit::ModelSpec parse_config(const nlohmann::json& config,
                                       const std::string& path = "model.config") {
  return vramfit::or_throw(vramfit::parse_model_config(config, path));
}

// A built-in preset's config; throws its lookup error.
inline const nlohmann::json& preset_json(const std::string& id) {
  return *vramfit::or_throw(vramfit::preset_config(id));
}
