// Shared checks for the libFuzzer targets (tests/fuzz/*.cpp) and the
// bad-input tests (tests/bad_inputs_test.cpp): a response of
// estimate_json() must be valid JSON, errors must use the closed code set
// (never "internal"), and a success must hold no NaN (dumped as null), no
// negative or fractional byte count and no total below the peak. A broken
// invariant aborts, which libFuzzer reports as a crash with its input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace vramfit_fuzz {

using json = nlohmann::json;

inline bool is_int(const json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

// Walks a success response: no nulls (NaN/inf dump as null; a
// recommendation's change is the one place null means something), byte counts
// ("bytes", "*_bytes") are integers, non-negative except headroom_bytes
// (usable - need), a suggestion's saves_bytes (a change that lets vLLM start
// may not shrink the estimate) and vLLM's available_kv_cache_memory_bytes
// (negative when weights and the profile run exceed the requested memory, as
// vLLM logs it before refusing). Returns the first problem, or "".
inline std::string walk(const json& v, const std::string& path) {
  if (v.is_null()) return "null (NaN or inf) at " + path;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!(d == d) || d > 1e300 || d < -1e300) return "non-finite number at " + path;
  }
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& k = it.key();
      const json& x = it.value();
      const bool bytes_key =
          k == "bytes" || (k.size() > 6 && k.compare(k.size() - 6, 6, "_bytes") == 0);
      if (bytes_key && x.is_number()) {
        if (!is_int(x)) return "fractional byte count " + path + "." + k + " = " + x.dump();
        const bool signed_key =
            k == "headroom_bytes" || k == "saves_bytes" || k == "available_kv_cache_memory_bytes";
        if (!signed_key && x.is_number_integer() && x.get<int64_t>() < 0) {
          return "negative byte count " + path + "." + k + " = " + x.dump();
        }
      }
      // A recommendation's change: null is "back to the default" (SCHEMA.md).
      if (k == "change" && x.is_object()) {
        for (auto c = x.begin(); c != x.end(); ++c) {
          if (c.value().is_null()) continue;
          std::string p = walk(c.value(), path + ".change." + c.key());
          if (!p.empty()) return p;
        }
        continue;
      }
      std::string p = walk(x, path + "." + k);
      if (!p.empty()) return p;
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = walk(v[i], path + "[" + std::to_string(i) + "]");
      if (!p.empty()) return p;
    }
  }
  return "";
}

// What is wrong with one estimate_json() answer ("" when nothing). Errors
// must use the closed code set, never "internal"; a success must pass walk()
// and peak <= reserved <= total, low <= total <= high.
inline std::string response_problem(const std::string& out, bool* ok = nullptr) {
  static const std::set<std::string> kCodes = {
      "invalid_json", "invalid_request", "missing_field",  "wrong_type",        "out_of_range",
      "inconsistent", "unknown_value",   "unknown_preset", "unsupported_model", "too_large"};
  if (ok) *ok = false;
  json r;
  try {
    r = json::parse(out);
  } catch (const std::exception& e) {
    return std::string("estimate_json returned invalid JSON: ") + e.what();
  }
  if (!r.is_object()) return "response is not an object";
  if (r.contains("error")) {
    const json& e = r["error"];
    if (!e.is_object() || !e.contains("code") || !e["code"].is_string() || !e.contains("message") ||
        !e["message"].is_string() || !e.contains("field") || !e["field"].is_string()) {
      return "malformed error object: " + e.dump();
    }
    if (!kCodes.count(e["code"].get<std::string>()))
      return "error code outside the closed set: " + e.dump();
    return "";
  }
  std::string p = walk(r, "");
  if (!p.empty()) return p;
  for (const char* k : {"peak_allocated_bytes", "reserved_bytes", "total_bytes"}) {
    if (!r.contains(k) || !is_int(r[k])) return std::string("missing ") + k;
  }
  const int64_t peak = r["peak_allocated_bytes"].get<int64_t>();
  const int64_t reserved = r["reserved_bytes"].get<int64_t>();
  const int64_t total = r["total_bytes"].get<int64_t>();
  if (peak > reserved || reserved > total) {
    return "peak <= reserved <= total broken: " + std::to_string(peak) + " " +
           std::to_string(reserved) + " " + std::to_string(total);
  }
  const int64_t lo = r.at("range").at("low_bytes").get<int64_t>();
  const int64_t hi = r.at("range").at("high_bytes").get<int64_t>();
  if (lo > total || total > hi) {
    return "low <= total <= high broken: " + std::to_string(lo) + " " + std::to_string(total) +
           " " + std::to_string(hi);
  }
  if (ok) *ok = true;
  return "";
}

// Fuzzer use: a problem aborts, which libFuzzer reports with the input.
inline bool check_response(const std::string& out) {
  bool ok = false;
  const std::string p = response_problem(out, &ok);
  if (!p.empty()) {
    std::fprintf(stderr, "vramfit fuzz invariant broken: %s\n%.3000s\n", p.c_str(), out.c_str());
    std::abort();
  }
  return ok;
}

}  // namespace vramfit_fuzz
