#include "util/json_util.h"

#include <cmath>
#include <type_traits>

namespace vramfit {
namespace jsonu {

namespace {
Collect* g_collect = nullptr;  // the innermost live Collect

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "a number";
    default:
      return "an unsupported value";
  }
}

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The literal `word` at text[i], as a whole word.
bool literal_at(const std::string& text, size_t i, const char* word) {
  const size_t n = std::char_traits<char>::length(word);
  return text.compare(i, n, word) == 0 && (i + n == text.size() || !word_char(text[i + n])) &&
         (i == 0 || !word_char(text[i - 1]));
}

// nlohmann's DOM builder that rejects deep nesting before it is built: an
// event at depth >= max_depth reports too_large, at the depths that
// json_sax_dom_callback_parser passes its callback (the depth before a
// container opens; a key or value inside d containers is at depth d).
// A syntax error comes here too (parse_error), as vramfit's invalid_json:
// nlohmann's own throw sites do not carry messages (core/CMakeLists.txt).
class DepthGuardedDom : public nlohmann::detail::json_sax_dom_parser<json> {
  using Dom = nlohmann::detail::json_sax_dom_parser<json>;

 public:
  DepthGuardedDom(json& result, int max_depth, const std::string& what, const std::string& text)
      : Dom(result, true), max_depth_(max_depth), what_(what), text_(text) {}
  bool null() { return check() && Dom::null(); }
  bool boolean(bool v) { return check() && Dom::boolean(v); }
  bool number_integer(number_integer_t v) { return check() && Dom::number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return check() && Dom::number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) {
    return check() && Dom::number_float(v, s);
  }
  bool string(string_t& v) { return check() && Dom::string(v); }
  bool binary(binary_t& v) { return check() && Dom::binary(v); }
  bool key(string_t& v) { return check() && Dom::key(v); }
  bool start_object(size_t n) {
    if (!check()) return false;
    ++depth_;
    return Dom::start_object(n);
  }
  bool start_array(size_t n) {
    if (!check()) return false;
    ++depth_;
    return Dom::start_array(n);
  }
  bool end_object() {
    --depth_;
    return Dom::end_object();
  }
  bool end_array() {
    --depth_;
    return Dom::end_array();
  }
  // A parse_error (line and column) or out_of_range.406 (a number such as
  // 1e309 that overflows a double): keep nlohmann's text, drop its id prefix.
  template <class Exception>
  bool parse_error(size_t, const std::string&, const Exception& ex) {
    std::string msg = ex.what();
    if (const auto pos = msg.find("] "); pos != std::string::npos) msg.erase(0, pos + 2);
    if constexpr (std::is_same_v<Exception, nlohmann::detail::parse_error>) {
      // Name the culprit when it is a literal that only config files may hold.
      const size_t at = ex.byte > 0 ? ex.byte - 1 : 0;
      if (at < text_.size() &&
          (literal_at(text_, at, "Infinity") || literal_at(text_, at, "NaN"))) {
        msg += " (Infinity and NaN are not JSON numbers; write a number or null)";
      }
    }
    failed_ = true;
    report(Error(ErrorCode::invalid_json, what_, what_ + " is not valid JSON: " + msg));
    return false;
  }
  bool failed() const { return failed_; }

 private:
  bool check() {
    if (depth_ >= max_depth_ && !failed_) {
      failed_ = true;
      report(Error(ErrorCode::too_large, what_,
                   what_ + " is nested deeper than " + std::to_string(max_depth_) + " levels"));
    }
    return !failed_;
  }
  bool failed_ = false;
  int depth_ = 0;
  int max_depth_;
  const std::string& what_;
  const std::string& text_;
};

Error missing_field(const std::string& path, const char* key) {
  const std::string p = join(path, key);
  return Error(ErrorCode::missing_field, p, "missing required field " + p);
}

void wrong(const std::string& path, const char* want, const json& v) {
  report(Error(ErrorCode::wrong_type, path, path + " must be " + want + ", got " + type_name(v)));
}
}  // namespace

Collect::Collect() : outer_(g_collect) { g_collect = this; }
Collect::~Collect() { g_collect = outer_; }
void Collect::keep(Error e) {
  if (!first_) first_ = std::move(e);
}

void report(Error e) {
  if (g_collect) return g_collect->keep(std::move(e));
#if defined(__cpp_exceptions)
  // Only native callers outside the library run without a Collect (the
  // CLI, tests): the library's own reads all run under one (core/README.md
  // "Errors"), and the facade catches nothing, so a read that escaped one
  // would end a test or fuzzer run.
  throw e;
#else
  invariant_failed("a jsonu read outside any jsonu::Collect: " + std::string(e.what()));
#endif
}

void report_missing(const std::string& path, const char* key) { report(missing_field(path, key)); }

bool failed() { return g_collect && g_collect->failed(); }

Error first_error() {
  if (!failed()) invariant_failed("jsonu::first_error without a collected error");
  return g_collect->error();
}

const json* require(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (!v) report_missing(path, key);
  return v;
}

json parse_text(const std::string& text, const std::string& what, size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) {
    report(Error(ErrorCode::too_large, what,
                 what + " is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(max_bytes)));
    return json();
  }
  // nlohmann's lexer ends the input at a NUL byte, which would silently
  // accept "{...}\0garbage": reject NUL bytes outright.
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    report(Error(ErrorCode::invalid_json, what,
                 what + " is not valid JSON: NUL byte at offset " + std::to_string(nul)));
    return json();
  }
  // nlohmann's DOM builder with the depth check of parse(text, callback),
  // whose callback parser (keep stacks, std::function) and callback-less
  // twin are more code: measured 3.4 KB of wasm.
  json result;
  DepthGuardedDom dom(result, max_depth, what, text);
  nlohmann::detail::parser<json, decltype(nlohmann::detail::input_adapter(text))>(
      nlohmann::detail::input_adapter(text), nullptr, true, false)
      .sax_parse(&dom, true);
  return dom.failed() ? json() : result;
}

std::string map_config_literals(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == '-' && literal_at(text, i + 1, "Infinity")) {
      out += "-1e308   ";  // 9 characters, as "-Infinity"
      i += 8;
    } else if (literal_at(text, i, "Infinity")) {
      out += "1e308   ";  // 8 characters, as "Infinity"
      i += 7;
    } else if (literal_at(text, i, "NaN")) {
      out += "null";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const json* find(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// Each reader reports a failure and returns the range's low end (or false,
// "", an empty object): a value the code after it handles as valid input.
int64_t as_int(const json& v, const std::string& path, int64_t lo, int64_t hi) {
  int64_t out = 0;
  if (v.is_number_integer()) {
    out = v.get<int64_t>();
  } else if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) {
      report(Error(ErrorCode::out_of_range, path,
                   path + " = " + v.dump() + " is above the limit " + std::to_string(hi)));
      return lo;
    }
    out = static_cast<int64_t>(u);
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) {
      report(
          Error(ErrorCode::out_of_range, path, path + " must be a whole number, got " + v.dump()));
      return lo;
    }
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
      report(Error(ErrorCode::out_of_range, path,
                   path + " = " + v.dump() + " is outside [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "]"));
      return lo;
    }
    out = static_cast<int64_t>(d);
  } else {
    wrong(path, "an integer", v);
    return lo;
  }
  if (out < lo || out > hi) {
    report(Error(ErrorCode::out_of_range, path,
                 path + " = " + std::to_string(out) + " is outside [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]"));
    return lo;
  }
  return out;
}

double as_number(const json& v, const std::string& path, double lo, double hi) {
  if (!v.is_number()) {
    wrong(path, "a number", v);
    return lo;
  }
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    report(Error(ErrorCode::out_of_range, path,
                 path + " = " + v.dump() + " is outside [" + json(lo).dump() + ", " +
                     json(hi).dump() + "]"));
    return lo;
  }
  return d;
}

bool as_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) {
    wrong(path, "true or false", v);
    return false;
  }
  return v.get<bool>();
}

std::string as_string(const json& v, const std::string& path) {
  if (!v.is_string()) {
    wrong(path, "a string", v);
    return std::string();
  }
  return v.get<std::string>();
}

const json& as_object(const json& v, const std::string& path) {
  if (!v.is_object()) {
    wrong(path, "an object", v);
    static const json empty = json::object();
    return empty;
  }
  return v;
}

std::optional<int64_t> opt_int(const json& obj, const char* key, const std::string& path,
                               int64_t lo, int64_t hi) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return as_int(*v, join(path, key), lo, hi);
}

int64_t req_int(const json& obj, const char* key, const std::string& path, int64_t lo, int64_t hi) {
  const json* v = require(obj, key, path);
  return v ? as_int(*v, join(path, key), lo, hi) : lo;
}

std::optional<double> opt_number(const json& obj, const char* key, const std::string& path,
                                 double lo, double hi) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return as_number(*v, join(path, key), lo, hi);
}

std::optional<bool> opt_bool(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return as_bool(*v, join(path, key));
}

std::optional<std::string> opt_string(const json& obj, const char* key, const std::string& path) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return as_string(*v, join(path, key));
}

}  // namespace jsonu
}  // namespace vramfit
