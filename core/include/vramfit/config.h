// config.json (Hugging Face) -> ModelSpec. The only place that knows HF key
// spellings, aliases and the defaults transformers applies to missing keys.
// A Mistral params.json (no model_type; dim, n_layers, n_heads, ...) is
// accepted too and read as the equivalent HF config.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "vramfit/model.h"
#include "vramfit/result.h"

namespace vramfit {

// Parses a model config. The error names the field path (e.g.
// "model.config.num_hidden_layers") of the first missing or invalid value.
// `path` is the JSON path prefix used in error messages.
Result<ModelSpec> parse_model_config(const nlohmann::json& config,
                                     const std::string& path = "model.config");

}  // namespace vramfit
