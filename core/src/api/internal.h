// Shared by the facade's translation units (api.cpp, catalog_json.cpp,
// checkpoint_json.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "vramfit/error.h"

namespace vramfit {

// {"schema_version":..,"error":{"code","field","message"}}
nlohmann::json error_json(const std::string& code, const std::string& field,
                          const std::string& msg);
// Serialises without throwing on invalid UTF-8 from a config (replaced).
std::string dump(const nlohmann::json& j);
// Runs one facade call: its JSON (or text) on success, else the error value
// (an Error's code and field, anything else "internal"). Never throws.
template <class F>
std::string guarded(F f) {
  try {
    if constexpr (std::is_same_v<decltype(f()), std::string>) {
      return f();
    } else {
      return dump(f());
    }
  } catch (const Error& e) {
    return dump(error_json(error_code_name(e.code()), e.field(), e.what()));
  } catch (const std::exception& e) {
    return dump(error_json("internal", "", std::string("internal error: ") + e.what()));
  } catch (...) {
    return dump(error_json("internal", "", "internal error"));
  }
}

// The catalogue document (api.h catalog_json).
nlohmann::json catalog_document(bool preset_counts);

}  // namespace vramfit
