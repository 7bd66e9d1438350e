// Embind registrations only: the JS surface of the wasm module is the JSON
// facade of core/include/vramfit/api.h. Strings cross the boundary, errors
// come back as JSON values, and no C++ object ever needs .delete() in JS.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>

#include <cstddef>
#include <string>

#include "vramfit/api.h"

// strtod for the module, from JavaScript's number parsing. Its callers (the
// JSON lexer, the "name:GiB" custom-GPU text) pass a checked decimal number,
// which both read as the nearest double. musl's strtod computes in 128-bit
// long double, emulated in software in wasm: measured 14.2 KB raw, 6.8 KB
// gzip of the module.
EM_JS(double, vramfit_parse_number, (const char* text, size_t n),
      { return parseFloat(UTF8ToString(text, n)); });

extern "C" double strtod(const char* text, char** end) {
  size_t n = 0;
  for (char c = text[0];
       (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
       c = text[++n]) {
  }
  if (end) *end = const_cast<char*>(text + n);
  return vramfit_parse_number(text, n);
}
// Unused (libc++'s std::stof / std::stold refer to them), but libc's strtod.o
// defines them beside strtod: defined here, it stays out of the link.
extern "C" float strtof(const char*, char**) { __builtin_trap(); }
extern "C" long double strtold(const char*, char**) { __builtin_trap(); }

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
