// parse_model_config returns a Result; tests that read the spec, or expect
// its error thrown (expect_error-style helpers), take it through or_throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "vramfit/config.h"

inline vramfit::ModelSpec parse_config(const nlohmann::json& config,
                                       const std::string& path = "model.config") {
  return vramfit::or_throw(vramfit::parse_model_config(config, path));
}
