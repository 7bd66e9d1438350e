// jsonu: text parsing limits and typed access with field paths.
#include "util/json_util.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "vramfit/error.h"

namespace {

using json = nlohmann::json;
using vramfit::Error;
using vramfit::ErrorCode;
namespace jsonu = vramfit::jsonu;

// Runs f, expecting a vramfit::Error; returns it.
template <typename F>
Error expect_error(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("no vramfit::Error thrown");
  return Error(ErrorCode::internal, "", "");
}

}  // namespace

TEST_CASE("parse_text accepts JSON", "[json_util]") {
  const json j = jsonu::parse_text("{\"a\": [1, 2.5, \"x\"], \"b\": null}", "request");
  CHECK(j["a"][0] == 1);
  CHECK(j["a"][1] == 2.5);
  CHECK(j["b"].is_null());
}

TEST_CASE("parse_text: invalid_json names line and column", "[json_util]") {
  const Error e =
      expect_error([] { jsonu::parse_text("{\n  \"a\": 1,\n  \"b\": }\n", "request"); });
  CHECK(e.code() == ErrorCode::invalid_json);
  CHECK(e.field() == "request");
  const std::string msg = e.what();
  CHECK(msg.find("line 3") != std::string::npos);
  CHECK(msg.find("column") != std::string::npos);
  // The nlohmann "[json.exception.parse_error.101]" prefix is stripped.
  CHECK(msg.find("json.exception") == std::string::npos);

  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "nul", "'single'", "{\"a\":1}}", "NaN",
                          "Infinity", "-Infinity", "[1e]", "\"unterminated"}) {
    INFO(bad);
    const Error e2 = expect_error([&] { jsonu::parse_text(bad, "config"); });
    CHECK(e2.code() == ErrorCode::invalid_json);
    CHECK(e2.field() == "config");
    CHECK(std::string(e2.what()).find("line") != std::string::npos);
  }
}

TEST_CASE("parse_text: nesting deeper than the limit is too_large", "[json_util]") {
  auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '[') +
           std::string(static_cast<size_t>(depth), ']');
  };
  CHECK_NOTHROW(jsonu::parse_text(nested(jsonu::kMaxDepth), "request"));
  const Error e = expect_error([&] { jsonu::parse_text(nested(jsonu::kMaxDepth + 2), "request"); });
  CHECK(e.code() == ErrorCode::too_large);
  CHECK(e.field() == "request");
  // Far deeper input fails the same way (and does not overflow the stack).
  const Error e2 = expect_error([&] { jsonu::parse_text(nested(100000), "request"); });
  CHECK(e2.code() == ErrorCode::too_large);
  // Objects count too.
  std::string objs;
  for (int i = 0; i <= jsonu::kMaxDepth; ++i) objs += "{\"a\":";
  objs += "1";
  for (int i = 0; i <= jsonu::kMaxDepth; ++i) objs += "}";
  CHECK(expect_error([&] { jsonu::parse_text(objs, "request"); }).code() == ErrorCode::too_large);
}

TEST_CASE("parse_text: exactly kMaxDepth + 1 levels is already too_large", "[json_util]") {
  // KNOWN DISAGREEMENT (reported to the lead): SCHEMA.md and the error text
  // say input "nested deeper than 256 levels" is too_large, so 257 nested
  // arrays must be rejected. nlohmann passes the callback the depth BEFORE
  // the new container is pushed (0 for the outermost '['), and parse_text
  // tests depth > kMaxDepth, so 257 levels are accepted and only 258 fail:
  // an off-by-one (the guard should be depth >= kMaxDepth).
  const std::string s =
      std::string(jsonu::kMaxDepth + 1, '[') + std::string(jsonu::kMaxDepth + 1, ']');
  const Error e = expect_error([&] { jsonu::parse_text(s, "request"); });
  CHECK(e.code() == ErrorCode::too_large);
}

TEST_CASE("parse_text: input above the size limit is too_large", "[json_util]") {
  // A valid JSON string of kMaxInputBytes + 1 bytes in total.
  std::string big = "\"" + std::string(jsonu::kMaxInputBytes - 1, 'x') + "\"";
  REQUIRE(big.size() == jsonu::kMaxInputBytes + 1);
  const Error e = expect_error([&] { jsonu::parse_text(big, "request"); });
  CHECK(e.code() == ErrorCode::too_large);
  CHECK(std::string(e.what()).find(std::to_string(jsonu::kMaxInputBytes)) != std::string::npos);
  // Exactly at the limit it parses.
  big.erase(1, 1);
  REQUIRE(big.size() == jsonu::kMaxInputBytes);
  CHECK_NOTHROW(jsonu::parse_text(big, "request"));
}

TEST_CASE("as_int accepts integers and integral floats", "[json_util]") {
  CHECK(jsonu::as_int(json(32), "x", 1, 100) == 32);
  CHECK(jsonu::as_int(json(32.0), "x", 1, 100) == 32);
  CHECK(jsonu::as_int(json::parse("32.0"), "x", 1, 100) == 32);
  CHECK(jsonu::as_int(json::parse("3.2e1"), "x", 1, 100) == 32);
  CHECK(jsonu::as_int(json(1), "x", 1, 100) == 1);  // bounds inclusive
  CHECK(jsonu::as_int(json(100), "x", 1, 100) == 100);
  CHECK(jsonu::as_int(json(-5), "x", -10, 10) == -5);
  CHECK(jsonu::as_int(json(uint64_t{7}), "x", 0, 10) == 7);
}

TEST_CASE("as_int rejects fractions, out-of-range and non-numbers", "[json_util]") {
  struct Bad {
    const char* what;
    json v;
    ErrorCode code;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const Bad cases[] = {
      {"32.5", json(32.5), ErrorCode::out_of_range},
      {"0.1", json::parse("0.1"), ErrorCode::out_of_range},
      {"1e300", json::parse("1e300"), ErrorCode::out_of_range},
      {"-1e300", json::parse("-1e300"), ErrorCode::out_of_range},
      {"101", json(101), ErrorCode::out_of_range},
      {"0", json(0), ErrorCode::out_of_range},
      {"-1", json(-1), ErrorCode::out_of_range},
      {"101.0", json(101.0), ErrorCode::out_of_range},
      {"uint64 max", json(std::numeric_limits<uint64_t>::max()), ErrorCode::out_of_range},
      {"2^63 (unsigned)", json::parse("9223372036854775808"), ErrorCode::out_of_range},
      {"NaN", json(std::nan("")), ErrorCode::out_of_range},
      {"+inf", json(inf), ErrorCode::out_of_range},
      {"-inf", json(-inf), ErrorCode::out_of_range},
      {"\"32\"", json("32"), ErrorCode::wrong_type},
      {"\"NaN\"", json("NaN"), ErrorCode::wrong_type},
      {"true", json(true), ErrorCode::wrong_type},
      {"null", json(nullptr), ErrorCode::wrong_type},
      {"[32]", json::array({32}), ErrorCode::wrong_type},
      {"{}", json::object(), ErrorCode::wrong_type},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const Error e = expect_error([&] { jsonu::as_int(c.v, "lora.rank", 1, 100); });
    CHECK(e.code() == c.code);
    CHECK(e.field() == "lora.rank");
    CHECK(std::string(e.what()).find("lora.rank") != std::string::npos);
  }
}

TEST_CASE("as_number, as_bool, as_string, as_object", "[json_util]") {
  CHECK(jsonu::as_number(json(0.5), "f", 0, 1) == 0.5);
  CHECK(jsonu::as_number(json(1), "f", 0, 1) == 1.0);
  CHECK(expect_error([] { jsonu::as_number(json(1.5), "f", 0, 1); }).code() ==
        ErrorCode::out_of_range);
  CHECK(expect_error([] { jsonu::as_number(json(std::nan("")), "f", 0, 1); }).code() ==
        ErrorCode::out_of_range);
  CHECK(expect_error([] { jsonu::as_number(json("0.5"), "f", 0, 1); }).code() ==
        ErrorCode::wrong_type);
  CHECK(jsonu::as_bool(json(true), "b"));
  CHECK(expect_error([] { jsonu::as_bool(json(1), "b"); }).code() == ErrorCode::wrong_type);
  CHECK(jsonu::as_string(json("s"), "s") == "s");
  CHECK(expect_error([] { jsonu::as_string(json(1), "s"); }).code() == ErrorCode::wrong_type);
  CHECK(expect_error([] { jsonu::as_object(json::array(), "o"); }).code() == ErrorCode::wrong_type);
}

TEST_CASE("opt_* treat absent and null as missing and join paths", "[json_util]") {
  const json obj = {{"a", 3}, {"n", nullptr}, {"s", "x"}};
  CHECK(jsonu::opt_int(obj, "a", "parallel", 1, 8) == 3);
  CHECK_FALSE(jsonu::opt_int(obj, "n", "parallel", 1, 8).has_value());
  CHECK_FALSE(jsonu::opt_int(obj, "zz", "parallel", 1, 8).has_value());
  CHECK(jsonu::find(obj, "n") == nullptr);
  CHECK(jsonu::find(json::array(), "a") == nullptr);
  const Error e = expect_error([&] { jsonu::opt_int(obj, "s", "parallel", 1, 8); });
  CHECK(e.code() == ErrorCode::wrong_type);
  CHECK(e.field() == "parallel.s");
  CHECK(jsonu::join("", "seq_len") == "seq_len");
  CHECK(jsonu::join("lora", "rank") == "lora.rank");
  const Error m = expect_error([] { jsonu::report_missing("custom_gpus[0]", "memory_gib"); });
  CHECK(m.code() == ErrorCode::missing_field);
  CHECK(m.field() == "custom_gpus[0].memory_gib");
}

TEST_CASE("error_code_name spells every code", "[json_util]") {
  CHECK(std::string(vramfit::error_code_name(ErrorCode::invalid_json)) == "invalid_json");
  CHECK(std::string(vramfit::error_code_name(ErrorCode::too_large)) == "too_large");
  CHECK(std::string(vramfit::error_code_name(ErrorCode::out_of_range)) == "out_of_range");
  CHECK(std::string(vramfit::error_code_name(ErrorCode::unknown_preset)) == "unknown_preset");
}

// jsonu::Collect (core/README.md "Errors"): the same first error as the
// throwing mode, in-range stand-ins after it, nesting.
TEST_CASE("Collect keeps the first error and readers return in-range stand-ins", "[json_util]") {
  const json obj = json::parse(R"({"n": "x", "f": 2.5, "big": 99, "s": 3, "o": [1]})");
  // The throwing mode's error for the first bad read, for comparison.
  const Error thrown = expect_error([&] { jsonu::req_int(obj, "n", "cfg", 1, 8); });
  jsonu::Collect errors;
  CHECK_FALSE(errors.failed());
  CHECK(jsonu::req_int(obj, "n", "cfg", 1, 8) == 1);        // wrong type: low end
  CHECK(jsonu::req_int(obj, "missing", "cfg", 2, 8) == 2);  // missing: low end
  CHECK(jsonu::as_int(obj.at("f"), "cfg.f", 0, 8) == 0);    // fraction
  CHECK(jsonu::as_int(obj.at("big"), "cfg.big", 3, 8) == 3);
  CHECK(jsonu::as_number(obj.at("s"), "cfg.s", 0.5, 1.0) == 0.5);
  CHECK(jsonu::as_string(obj.at("s"), "cfg.s").empty());
  CHECK_FALSE(jsonu::as_bool(obj.at("s"), "cfg.s"));
  CHECK(jsonu::as_object(obj.at("o"), "cfg.o") == json::object());
  CHECK(jsonu::require(obj, "gone", "cfg") == nullptr);
  CHECK(jsonu::parse_text("{\"a\": ", "t").is_null());
  CHECK(jsonu::parse_text(std::string(300, '['), "deep").is_null());
  REQUIRE(errors.failed());
  CHECK(errors.error().code() == thrown.code());
  CHECK(errors.error().field() == "cfg.n");
  CHECK(std::string(errors.error().what()) == thrown.what());
}

TEST_CASE("Collect: the innermost collects, and throwing resumes after the last", "[json_util]") {
  const json obj = json::parse(R"({"n": -1})");
  {
    jsonu::Collect outer;
    {
      jsonu::Collect inner;
      jsonu::req_int(obj, "n", "inner", 0, 8);
      CHECK(inner.failed());
      CHECK(inner.error().field() == "inner.n");
    }
    CHECK_FALSE(outer.failed());
    jsonu::report(Error(ErrorCode::inconsistent, "outer", "outer: first"));
    jsonu::report(Error(ErrorCode::too_large, "later", "later"));
    CHECK(outer.error().field() == "outer");
  }
  CHECK(expect_error([&] { jsonu::req_int(obj, "n", "again", 0, 8); }).field() == "again.n");
}
