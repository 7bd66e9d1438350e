#include "catalog/common.h"

#include <algorithm>
#include <cctype>

namespace vramfit {
namespace catalog {

namespace {
void bad(const std::string& path, const std::string& message) {
  jsonu::report(Error(ErrorCode::inconsistent, path, path + ": " + message));
}
}  // namespace

json load_records(const std::string& text, const char* file, const char* array_key) {
  const json root = jsonu::parse_text(text, file);
  const json& doc = jsonu::as_object(root, file);
  const std::string base = file;
  jsonu::req_int(doc, "schema", base, 1, 1);
  const json* records = jsonu::require(doc, array_key, base);
  if (!records) return json::array();
  if (!records->is_array() || records->empty()) {
    bad(jsonu::join(base, array_key), "must be a non-empty array");
    return json::array();
  }
  return *records;
}

void reject_unknown_keys(const json& rec, const std::string& path,
                         std::initializer_list<const char*> allowed) {
  for (const auto& item : jsonu::as_object(rec, path).items()) {
    bool known =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return item.key() == k; });
    if (!known) bad(jsonu::join(path, item.key()), "unknown field");
  }
}

std::string req_string(const json& rec, const char* key, const std::string& path) {
  const json* v = jsonu::require(rec, key, path);
  if (!v) return std::string();
  std::string s = jsonu::as_string(*v, jsonu::join(path, key));
  if (s.empty()) bad(jsonu::join(path, key), "must not be empty");
  return s;
}

double req_number(const json& rec, const char* key, const std::string& path, double lo, double hi) {
  const json* v = jsonu::require(rec, key, path);
  return v ? jsonu::as_number(*v, jsonu::join(path, key), lo, hi) : lo;
}

bool req_bool(const json& rec, const char* key, const std::string& path) {
  const json* v = jsonu::require(rec, key, path);
  return v ? jsonu::as_bool(*v, jsonu::join(path, key)) : false;
}

std::vector<std::string> string_list(const json& rec, const char* key, const std::string& path) {
  std::vector<std::string> out;
  const json* v = jsonu::find(rec, key);
  if (!v) return out;
  const std::string p = jsonu::join(path, key);
  if (!v->is_array()) {
    bad(p, "must be an array of strings");
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    std::string s = jsonu::as_string((*v)[i], p + "[" + std::to_string(i) + "]");
    if (s.empty()) bad(p, "contains an empty string");
    out.push_back(std::move(s));
  }
  return out;
}

void check_slug(const std::string& id, const std::string& path) {
  auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  auto ok_rest = [&](char c) { return ok_first(c) || c == '-' || c == '_' || c == '.'; };
  if (id.empty() || !ok_first(id[0]) || !std::all_of(id.begin() + 1, id.end(), ok_rest)) {
    bad(path, "\"" + id + "\" is not a lower-case slug");
  }
}

std::string lookup_key(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '_') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

void KeyIndex::add(const std::string& text, size_t record, const std::string& path) {
  std::string key = lookup_key(text);
  if (key.empty()) bad(path, "\"" + text + "\" gives an empty lookup key");
  auto [it, inserted] = map_.emplace(key, record);
  // The same record may reach one key twice (name and alias); two may not.
  if (!inserted && it->second != record) {
    bad(path, "\"" + text + "\" is already used by record " + std::to_string(it->second));
  }
}

std::optional<size_t> KeyIndex::find(const std::string& text) const {
  auto it = map_.find(lookup_key(text));
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

}  // namespace catalog
}  // namespace vramfit
