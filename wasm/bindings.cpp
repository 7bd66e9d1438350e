// Embind registrations only: the JS surface of the wasm module is the JSON
// facade of core/include/vramfit/api.h. Strings cross the boundary, errors
// come back as JSON values, and no C++ object ever needs .delete() in JS.
#include <emscripten/bind.h>

#include <string>

#include "vramfit/api.h"

namespace {

std::string estimate(const std::string& request) { return vramfit::estimate_json(request); }

std::string catalog(bool preset_counts) { return vramfit::catalog_json(preset_counts); }

std::string version() { return vramfit::version(); }

// `bytes` arrives from JS as a Uint8Array (embind copies it byte for byte).
std::string checkpoint_header(const std::string& format, const std::string& bytes,
                              int packed_bits) {
  return vramfit::checkpoint_header_json(format, bytes, packed_bits);
}

// A pasted or fetched config.json: the core reads the Infinity / NaN
// literals the Hub serves, which JSON.parse refuses.
std::string config_file(const std::string& text, const std::string& what) {
  return vramfit::config_file_json(text, what);
}

std::string checkpoint_plan(const std::string& input) {
  return vramfit::checkpoint_plan_json(input);
}

// Presets' configs that the module was built without (web/gen/presets.json).
std::string add_data(const std::string& files) { return vramfit::add_data_json(files); }

bool preset_loaded(const std::string& preset) { return vramfit::preset_loaded(preset); }

}  // namespace

EMSCRIPTEN_BINDINGS(vramfit) {
  emscripten::function("estimateJson", &estimate);
  emscripten::function("catalogJson", &catalog);
  emscripten::function("version", &version);
  emscripten::function("checkpointHeaderJson", &checkpoint_header);
  emscripten::function("checkpointPlanJson", &checkpoint_plan);
  emscripten::function("configFileJson", &config_file);
  emscripten::function("addDataJson", &add_data);
  emscripten::function("presetLoaded", &preset_loaded);
}
