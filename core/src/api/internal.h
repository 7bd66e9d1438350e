// Shared by the facade's translation units (api.cpp, catalog_json.cpp,
// checkpoint_json.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "vramfit/error.h"
#include "vramfit/result.h"

namespace vramfit {

// {"schema_version":..,"error":{"code","field","message"}}
nlohmann::json error_json(const std::string& code, const std::string& field,
                          const std::string& msg);
// Serialises without throwing on invalid UTF-8 from a config (replaced).
std::string dump(const nlohmann::json& j);
// Runs one facade call under a jsonu::Collect: its JSON (or text) on
// success, else the error object of the first error, collected or returned.
// The handling lives once, in guarded_call (api.cpp); each caller adds only a
// thunk (a copy per caller cost 3.4 KB of wasm when it was catch clauses).
std::string guarded_call(Result<std::string> (*call)(void*), void* fn);
template <class F>
std::string guarded(F f) {
  return guarded_call(
      [](void* fn) -> Result<std::string> {
        auto out = (*static_cast<F*>(fn))();
        using T = decltype(out);
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Result<std::string>>) {
          return out;
        } else if constexpr (std::is_same_v<T, nlohmann::json>) {
          return dump(out);
        } else {
          if (!out.ok()) return out.error();
          return dump(out.value());
        }
      },
      &f);
}

// The catalogue document (api.h catalog_json).
nlohmann::json catalog_document(bool preset_counts);

}  // namespace vramfit
