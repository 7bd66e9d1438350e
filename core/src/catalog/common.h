// Helpers shared by the GPU and dtype loaders (gpus.cpp, dtypes.cpp): strict
// record access (unknown keys are errors, so a typo in the data cannot be
// silently ignored) and the loose lookup-key index.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/json_util.h"

namespace vramfit {
namespace catalog {

using json = nlohmann::json;

// Parses `text` as `file`, checks {"schema": 1, "<array_key>": [...]} and
// returns the array.
json load_records(const std::string& text, const char* file, const char* array_key);

// Reports inconsistent when `rec` has a key outside `allowed`. Every helper
// here reports through jsonu::report (kept by the caller's jsonu::Collect).
void reject_unknown_keys(const json& rec, const std::string& path,
                         std::initializer_list<const char*> allowed);

// Required non-empty string / number / bool members.
std::string req_string(const json& rec, const char* key, const std::string& path);
double req_number(const json& rec, const char* key, const std::string& path, double lo, double hi);
bool req_bool(const json& rec, const char* key, const std::string& path);
// (Required integers: jsonu::req_int.)

// Optional array of non-empty strings ([] when absent).
std::vector<std::string> string_list(const json& rec, const char* key, const std::string& path);

// Ids are stable slugs: [a-z0-9] first, then [a-z0-9._-].
void check_slug(const std::string& id, const std::string& path);

// Lower-cased with spaces, '-' and '_' removed: "RTX 4090" -> "rtx4090".
std::string lookup_key(const std::string& text);

// Loose key -> record index. Two records claiming one key is a data error.
class KeyIndex {
 public:
  void add(const std::string& text, size_t record, const std::string& path);
  // Index of the record for `text`, if any.
  std::optional<size_t> find(const std::string& text) const;

 private:
  std::map<std::string, size_t> map_;  // not a hash map: see activations.cpp
};

}  // namespace catalog
}  // namespace vramfit
