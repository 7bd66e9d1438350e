// The bad-input catalogue (tests/fixtures/bad/catalogue.json) replayed
// through the JSON facade: every entry must answer its expected error code
// and field (or succeed), in bounded time, and every success must hold no
// NaN and no negative byte count. The same file is replayed through the wasm
// module by tests/js/bad-inputs.test.mjs. Fuzzer findings live in
// tests/fixtures/bad/regressions/ and are replayed here too; a few inputs go
// through the CLI binary (exit code 2 and a message on stderr).
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "config_parse.h"
#include "fuzz/fuzz_check.h"
#include "test_config.h"
#include "util/json_util.h"
#include "vramfit/api.h"
#include "vramfit/checkpoint.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kBadDir = std::string(VRAMFIT_TEST_DATA_DIR) + "/bad";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string repeat(const std::string& s, int64_t n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out += s;
  return out;
}

// The request text of a catalogue entry (see the catalogue's "about").
std::string entry_text(const json& e) {
  if (e.contains("request_bytes")) {
    // Code points < 256 stand for single bytes (invalid UTF-8 on purpose).
    std::string out;
    const std::string utf8 = e["request_bytes"].get<std::string>();
    for (size_t i = 0; i < utf8.size(); ++i) {
      const auto c = static_cast<unsigned char>(utf8[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else {  // two-byte UTF-8 for U+0080..U+00FF
        REQUIRE((c == 0xC2 || c == 0xC3));
        out +=
            static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F));
      }
    }
    return out;
  }
  if (e.contains("generate")) {
    const json& g = e["generate"];
    const std::string kind = g["kind"].get<std::string>();
    if (kind == "pad") {
      const std::string head = R"({"model": {"preset": "Qwen/Qwen3-0.6B"}, "pad": ")";
      const auto n = g["bytes"].get<size_t>();
      return head + std::string(n - head.size() - 2, 'x') + "\"}";
    }
    if (kind == "splice") {  // text with @@ -> item x count + last
      std::string text = g["text"].get<std::string>();
      const std::string list = repeat(g["item"].get<std::string>(), g["count"].get<int64_t>()) +
                               g["last"].get<std::string>();
      return text.replace(text.find("@@"), 2, list);
    }
    const int64_t d = g["depth"].get<int64_t>();
    if (kind == "nest_array") return repeat("[", d) + repeat("]", d);
    if (kind == "nest_object") return repeat(R"({"a":)", d) + "1" + repeat("}", d);
    if (kind == "nest_config") {
      return R"({"model": {"config": )" + repeat(R"({"a":)", d) + "1" + repeat("}", d) + "}}";
    }
    FAIL("unknown generator " << kind);
  }
  const json& r = e.at("request");
  return r.is_string() ? r.get<std::string>() : r.dump();
}

json load_catalogue() { return json::parse(read_file(kBadDir + "/catalogue.json")); }

struct Timed {
  std::string out;
  double seconds;
};

Timed run_timed(const std::string& text) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string out = vramfit::estimate_json(text);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {std::move(out), s};
}

// Generous: sanitizer builds are ~10x slower; a hang is minutes.
constexpr double kMaxSeconds = 30.0;

}  // namespace

TEST_CASE("Bad-input catalogue: at least 70 entries, unique names", "[bad_inputs]") {
  const json cat = load_catalogue();
  const json& entries = cat.at("entries");
  CHECK(entries.size() >= 70);
  std::set<std::string> names;
  for (const auto& e : entries) {
    INFO(e.dump().substr(0, 200));
    REQUIRE(e.contains("name"));
    CHECK(names.insert(e["name"].get<std::string>()).second);
    REQUIRE(e.contains("expect"));
  }
}

namespace {
// Replays the entries of one suite ("" = the main one, "limits" = overflow
// and huge-loop probes); returns {errors, successes} seen.
std::pair<int, int> replay(const std::string& suite) {
  const json cat = load_catalogue();
  int errors = 0, successes = 0;
  for (const auto& e : cat.at("entries")) {
    if (e.value("suite", "") != suite) continue;
    const std::string name = e["name"].get<std::string>();
    const std::string text = entry_text(e);
    const Timed t = run_timed(text);
    INFO("entry: " << name);
    INFO("response: " << t.out.substr(0, 600));
    CHECK(t.seconds < kMaxSeconds);
    CHECK(vramfit_fuzz::response_problem(t.out) == "");
    const json r = json::parse(t.out);
    const json& want = e["expect"];
    if (want.value("ok", false)) {
      CHECK_FALSE(r.contains("error"));
      ++successes;
      continue;
    }
    ++errors;
    CHECK(r.contains("error"));
    if (!r.contains("error")) continue;
    CHECK(r["error"]["code"] == want["code"]);
    CHECK(r["error"]["field"] == want["field"]);
    CHECK_FALSE(r["error"]["message"].get<std::string>().empty());
    if (e.contains("message_contains")) {
      for (const auto& s : e["message_contains"]) {
        CHECK(r["error"]["message"].get<std::string>().find(s.get<std::string>()) !=
              std::string::npos);
      }
    }
  }
  return {errors, successes};
}
}  // namespace

TEST_CASE("Bad-input catalogue: expected error code and field", "[bad_inputs]") {
  const auto [errors, successes] = replay("");
  CHECK(errors >= 70);
  CHECK(successes == 0);
}

TEST_CASE("Bad-input catalogue, limits: no overflow, no NaN, no negative bytes", "[bad_inputs]") {
  // Extreme but valid requests (10^12-parameter models, batch 2^20, seq
  // 2^24) must succeed with sane numbers; adapter counts that would
  // overflow int64 must be refused, not wrapped.
  const auto [errors, successes] = replay("limits");
  CHECK(errors >= 1);
  CHECK(successes >= 5);
}

TEST_CASE("Bad-input catalogue, config limits: products and lists are bounded", "[bad_inputs]") {
  // Config values whose products overflow int64 (state sizes, patch
  // kernels, merger widths) and lists that would build millions of tensors.
  const auto [errors, successes] = replay("config_limits");
  CHECK(errors >= 5);
  CHECK(successes >= 1);
}

TEST_CASE("Malformed JSON errors name line and column", "[bad_inputs]") {
  for (const char* text : {"{", "{\"model\": }", "{'a': 1}", "[1, 2,, 3]", "{\"a\": tru}"}) {
    const json r = json::parse(vramfit::estimate_json(text));
    INFO(text << " -> " << r.dump());
    REQUIRE(r.contains("error"));
    CHECK(r["error"]["code"] == "invalid_json");
    const std::string msg = r["error"]["message"].get<std::string>();
    CHECK(msg.find("line ") != std::string::npos);
    CHECK(msg.find("column ") != std::string::npos);
  }
}

TEST_CASE("Fuzzer regressions replay without crash or internal error", "[bad_inputs]") {
  // config-*: config.json text for parse_model_config; checkpoint-*: a
  // fuzz_checkpoint input for checkpoint_header_json; anything else: a
  // request text for estimate_json (fuzz_config / fuzz_request / fuzz_estimate).
  const fs::path dir = kBadDir + "/regressions";
  int n = 0;
  if (!fs::exists(dir)) return;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (!f.is_regular_file() || f.path().filename().string().rfind('.', 0) == 0) continue;
    if (f.path().extension() == ".md") continue;
    ++n;
    const std::string name = f.path().filename().string();
    const std::string text = read_file(f.path().string());
    INFO("regression: " << name);
    if (name.rfind("checkpoint-", 0) == 0) {
      // fuzz_checkpoint input: first byte odd = gguf, even = safetensors.
      REQUIRE_FALSE(text.empty());
      const std::string out = vramfit::checkpoint_header_json(
          (static_cast<unsigned char>(text[0]) & 1) ? "gguf" : "safetensors", text.substr(1));
      INFO("response: " << out.substr(0, 600));
      CHECK(vramfit_fuzz::response_problem(out).find("invalid JSON") == std::string::npos);
      const json r = json::parse(out);
      if (r.contains("error")) CHECK(vramfit_fuzz::response_problem(out) == "");
    } else if (name.rfind("config-", 0) == 0) {
      try {
        const auto spec = parse_config(vramfit::jsonu::parse_text(text, "config"));
        const auto c = vramfit::count_params(spec);
        CHECK(c.total >= 0);
        CHECK(c.active <= c.total);
      } catch (const vramfit::Error& err) {
        CHECK(err.code() != vramfit::ErrorCode::internal);
      }
    } else {
      const Timed t = run_timed(text);
      INFO("response: " << t.out.substr(0, 600));
      CHECK(t.seconds < kMaxSeconds);
      CHECK(vramfit_fuzz::response_problem(t.out) == "");
    }
  }
  CHECK(n >= 0);
}

#ifdef VRAMFIT_CLI_PATH
namespace {
struct CliResult {
  int code;
  std::string err;
};

CliResult run_cli(const std::string& args) {
  const std::string err_file =
      (fs::temp_directory_path() / "vramfit_bad_inputs_stderr.txt").string();
  const std::string cmd =
      std::string("\"") + VRAMFIT_CLI_PATH + "\" " + args + " >/dev/null 2>\"" + err_file + "\"";
  const int status = std::system(cmd.c_str());
  CliResult r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(err_file)};
  fs::remove(err_file);
  return r;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}
}  // namespace

TEST_CASE("CLI: bad inputs exit 2 with a message on stderr", "[bad_inputs][cli]") {
  struct Case {
    std::string args;
    const char* stderr_has;
  };
  const std::string bad_json = write_temp("vramfit_bad_json.json", "{\"model\": ");
  const std::string bad_utf8 =
      write_temp("vramfit_bad_utf8.json", "{\"model\": {\"preset\": \"\xff\"}}");
  const std::string one_e309 = write_temp(
      "vramfit_1e309.json", "{\"model\": {\"preset\": \"Qwen/Qwen3-0.6B\"}, \"seq_len\": 1e309}");
  const std::string deep =
      write_temp("vramfit_deep.json", repeat("[", 100000) + repeat("]", 100000));
  const std::string cfg =
      write_temp("vramfit_bad_cfg.json",
                 R"({"model_type": "llama", "hidden_size": 100, "num_hidden_layers": 2,
                                         "num_attention_heads": 3, "intermediate_size": 8, "vocab_size": 10})");
  const Case cases[] = {
      {"estimate --request " + bad_json, "invalid_json"},
      {"estimate --request " + bad_utf8, "invalid_json"},
      {"estimate --request " + one_e309, "invalid_json"},
      {"estimate --request " + deep, "too_large"},
      {"params --config " + cfg, "inconsistent"},
      // The CLI parses --config files itself: 10^5 levels must not
      // overflow the stack while it copies/dumps them into the request.
      {"params --config " + deep, "nested"},
      {"estimate --preset nobody/none", "unknown_preset"},
      {"estimate --preset Qwen/Qwen3-0.6B --batch 0", "batch_size"},
      {"estimate --preset Qwen/Qwen3-0.6B --batch 12abc", "expects a number"},
      {"estimate --preset Qwen/Qwen3-0.6B --task train", "task"},
      {"estimate --preset Qwen/Qwen3-0.6B --tp 3", "parallel.tp"},
      {"estimate --request /nonexistent/vramfit.json", "cannot read"},
  };
  for (const auto& c : cases) {
    INFO("vramfit " << c.args);
    const CliResult r = run_cli(c.args);
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.stderr_has) != std::string::npos);
    CHECK(r.err.rfind("vramfit: ", 0) == 0);
  }
  for (const auto& f : {bad_json, bad_utf8, one_e309, deep, cfg}) fs::remove(f);
}
#endif
