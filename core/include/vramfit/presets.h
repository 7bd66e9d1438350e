// Built-in model presets: real config.json files keyed by Hub id, embedded
// in the library (core/data/presets, sources in SOURCES.tsv).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "vramfit/result.h"

namespace vramfit {

struct PresetInfo {
  std::string id;      // Hub id, e.g. "meta-llama/Llama-3.1-8B"
  std::string file;    // data file name
  std::string source;  // where the bytes came from (repo path @ commit)
};

// All presets, sorted by id.
const std::vector<PresetInfo>& preset_list();

// The parsed config.json of a preset (case-insensitive id), or
// Error(unknown_preset) naming close matches, or when the preset's config is
// not at hand yet (the web module, preset_config_loaded).
Result<const nlohmann::json*> preset_config(const std::string& id);

// False only for a known preset whose config file is neither embedded nor
// added yet: the web module embeds the default preset's config and receives
// the others after the first figure (add_data_json in api.h).
bool preset_config_loaded(const std::string& id);

}  // namespace vramfit
