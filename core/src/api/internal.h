// Shared by the facade's translation units (api.cpp, catalog_json.cpp,
// checkpoint_json.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vramfit {

// {"schema_version":..,"error":{"code","field","message"}}
nlohmann::json error_json(const std::string& code, const std::string& field,
                          const std::string& msg);
// Serialises without throwing on invalid UTF-8 from a config (replaced).
std::string dump(const nlohmann::json& j);
// The catalogue document (api.h catalog_json).
nlohmann::json catalog_document(bool preset_counts);

}  // namespace vramfit
