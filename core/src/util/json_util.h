// Typed, path-aware JSON access shared by config and request parsing. Every
// failure is a vramfit::Error naming the full field path, kept by a Collect
// (below) and returned by the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/invariant.h"
#include "vramfit/error.h"

namespace vramfit {
namespace jsonu {

using json = nlohmann::json;

constexpr size_t kMaxInputBytes = 16u << 20;  // 16 MiB of JSON text
constexpr int kMaxDepth = 256;                // nesting levels

// Parses text; invalid_json (with line and column) or too_large on failure.
// The limits default to those of requests; header parsers pass their own.
json parse_text(const std::string& text, const std::string& what, size_t max_bytes = kMaxInputBytes,
                int max_depth = kMaxDepth);

// A config.json's text with the literals Infinity, -Infinity and NaN, which
// Python's json writes and the Hub serves (Nemotron-H: "time_step_limit":
// [0.0, Infinity]) but JSON has not, replaced outside strings so that
// parse_text reads them; requests never go through here and stay strict.
// +-Infinity -> +-1e308: a field that holds it means "no limit", and the
// largest number keeps that meaning (comparisons, min/max) where null would
// not; padded to the literal's length so that a later syntax error keeps its
// line and column. NaN -> null: "no value", the field read as absent (and
// what JavaScript's JSON.stringify writes for it); it shifts the columns of
// the rest of its line by one.
std::string map_config_literals(const std::string& text);

std::string join(const std::string& path, const std::string& key);

// The member `key` of object `obj`, or nullptr when absent or null.
const json* find(const json& obj, const char* key);

// Integer in [lo, hi]; integral floats (32.0) accepted.
int64_t as_int(const json& v, const std::string& path, int64_t lo, int64_t hi);
double as_number(const json& v, const std::string& path, double lo, double hi);
bool as_bool(const json& v, const std::string& path);
std::string as_string(const json& v, const std::string& path);
const json& as_object(const json& v, const std::string& path);

std::optional<int64_t> opt_int(const json& obj, const char* key, const std::string& path,
                               int64_t lo, int64_t hi);
// As opt_int, but absent (or null) reports missing_field.
int64_t req_int(const json& obj, const char* key, const std::string& path, int64_t lo, int64_t hi);
std::optional<double> opt_number(const json& obj, const char* key, const std::string& path,
                                 double lo, double hi);
std::optional<bool> opt_bool(const json& obj, const char* key, const std::string& path);
std::optional<std::string> opt_string(const json& obj, const char* key, const std::string& path);

// While a Collect is alive, report() keeps the first error there instead of
// throwing it, and the readers above return an in-range stand-in: the
// range's low end, false, "", an empty object, a null document. Code that
// runs under a Collect never assumes that a failed read or check stopped it
// (core/README.md "Errors"). Collects nest; the innermost one collects.
class Collect {
 public:
  Collect();
  ~Collect();
  Collect(const Collect&) = delete;
  Collect& operator=(const Collect&) = delete;
  bool failed() const { return first_.has_value(); }
  const Error& error() const { return *first_; }
  void keep(Error e);

 private:
  Collect* outer_;
  std::optional<Error> first_;
};

// Runs load() on data the build embeds (the catalogue, the engines' tables)
// under a Collect: the tests check that data, so an error in it is a broken
// build (invariant_failed), not the user's.
template <class F>
auto load_embedded(F load) {
  Collect errors;
  auto value = load();
  if (errors.failed()) invariant_failed(errors.error().what());
  return value;
}

// Keeps `e` in the innermost Collect (the first one kept wins); outside any,
// throws it (native callers: tests, the CLI) or, in the web module, stops.
void report(Error e);
// report() of missing_field for `path.key`.
void report_missing(const std::string& path, const char* key);
// Whether the innermost Collect holds an error (false while none is alive). Collected code checks
// it before it trusts the shape of what it read (an array's length, a layer list).
bool failed();
// The innermost Collect's first error (only after failed()).
Error first_error();
// The member `key` of `obj`; when absent or null, reports missing_field and
// returns nullptr.
const json* require(const json& obj, const char* key, const std::string& path);

}  // namespace jsonu
}  // namespace vramfit
