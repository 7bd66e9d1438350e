// The boundary-shaped facade used by the CLI, the wasm module and the page:
// JSON text in, JSON text out, errors as values. Never throws.
#pragma once

#include <string>

namespace vramfit {

// Runs one request (core/SCHEMA.md). Returns the response JSON, or
// {"schema_version":2,"error":{"code","field","message"}} on any failure.
std::string estimate_json(const std::string& request_json);

// Static catalogue for front ends: presets, GPUs, dtypes, enums, defaults,
// memory phases and components with their labels.
// `preset_counts` false leaves out each preset's model_type / params /
// active_params, which parse and count all presets: the page asks for those
// after its first result (most of the catalogue's cost).
std::string catalog_json(bool preset_counts = true);

// Hands the library data files it was built without: {"presets/<file>":
// "<config.json text>", ...}, each a preset file of presets/SOURCES.tsv (the
// web module embeds only the default preset's config; the page fetches the
// others after its first figure, web/gen/presets.json). Returns
// {"schema_version", "added": n} or the error object (unknown_value naming
// the file, invalid_json). Files already at hand are left as they are.
std::string add_data_json(const std::string& files_json);

// True unless `preset` is a known preset whose config has not been handed in
// yet (see add_data_json).
bool preset_loaded(const std::string& preset);

// Checks that `text` is JSON within the input limits (16 MiB, nesting 256).
// Returns "" when it is, else the error message naming `what`, with line and
// column for syntax errors. Front ends call it before building a request
// from a file (the CLI's --config).
std::string json_text_error(const std::string& text, const std::string& what);

// A config.json file's text (`what` names it): {"schema_version", "config"}
// with the parsed file, or the error object above (invalid_json with line and
// column, too_large). Unlike a request it may hold the literals Infinity,
// -Infinity and NaN that Python's json writes (the Hub serves them); they read
// as 1e308, -1e308 and null (core/src/util/json_util.h says why).
std::string config_file_json(const std::string& text, const std::string& what);

// One checkpoint file's header (core/include/vramfit/checkpoint.h): `format`
// "safetensors" or "gguf"; `bytes` the start of the file (or a safetensors
// JSON header alone); `packed_bits` as checkpoint_plan_json's. Returns
//   {"schema_version", "format", "data_bytes", "tensors": n,
//    "summary": checkpoint_summary_json, "metadata": {...} (safetensors),
//    "architecture", "hyperparameters", "config" | "config_error" (gguf)}
//   {"schema_version", "need_bytes": n}   (fetch n bytes and call again)
//   or the error object above.
std::string checkpoint_header_json(const std::string& format, const std::string& bytes,
                                   int packed_bits = 4);

// The Hub file-selection policy for a front end that fetches (checkpoint.h).
// Input: {"files"?: the repo listing (absent: unknown), "gguf_file"?,
// "index"?: a fetched model.safetensors.index.json, "config"?, "summaries"?:
// per-file "summary" objects, "index_total_size"?, "params"?: the estimate
// response's params}. Returns {"schema_version",
// "config_files", "gguf_files", "gguf_file", "gguf_parts", "safetensors":
// [{"index"} | {"files"}] (try in order), "problem": null | "no_config" |
// "gguf_file_missing", "limits": {"json_file_bytes",
// "safetensors_header_bytes", "gguf_header_bytes", "gguf_first_read_bytes"},
// "packed_bits"} plus, with an index, "index": {"shards", "total_size"}; with summaries, "summary"
// (their sum), "index_total_size_matches", and with params "comparison": {"config_params",
// "header_params", "difference", "reason", "packing_guessed"}.
std::string checkpoint_plan_json(const std::string& input_json);

// Library version ("0.1.0") and schema version.
const char* version();
constexpr int kSchemaVersion = 2;
// Requests did not change in version 2 (only responses did): 1 is accepted.
constexpr int kOldestRequestSchema = 1;

}  // namespace vramfit
