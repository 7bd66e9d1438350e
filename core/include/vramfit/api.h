// The boundary-shaped facade used by the CLI, the wasm module and the page:
// JSON text in, JSON text out, errors as values. Never throws.
#pragma once

#include <string>

namespace vramfit {

// Runs one request (core/SCHEMA.md). Returns the response JSON, or
// {"schema_version":2,"error":{"code","field","message"}} on any failure.
std::string estimate_json(const std::string& request_json);

// Static catalogue for front ends: presets, GPUs, dtypes, enums, defaults.
// `preset_counts` false leaves out each preset's model_type / params /
// active_params, which parse and count all presets: the page asks for those
// after its first result (most of the catalogue's cost).
std::string catalog_json(bool preset_counts = true);

// Checks that `text` is JSON within the input limits (16 MiB, nesting 256).
// Returns "" when it is, else the error message naming `what`, with line and
// column for syntax errors. Front ends call it before building a request
// from a file (the CLI's --config).
std::string json_text_error(const std::string& text, const std::string& what);

// Library version ("0.1.0") and schema version.
const char* version();
constexpr int kSchemaVersion = 2;
// Requests did not change in version 2 (only responses did): 1 is accepted.
constexpr int kOldestRequestSchema = 1;

}  // namespace vramfit
