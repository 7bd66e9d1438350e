// Regression / parity goldens (tests/fixtures/cases/README.md): every
// <name>.json request is re-run through estimate_json and compared with the
// recorded <name>.expected.json, exact JSON equality. These are NOT hand-
// checked correctness values: after an intended change, regenerate them with
// scripts/update-golden.sh and review the diff.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_config.h"
#include "vramfit/api.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kCases = fs::path(VRAMFIT_TEST_DATA_DIR) / "cases";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::vector<fs::path> case_files() {
  std::vector<fs::path> out;
  if (!fs::is_directory(kCases)) return out;
  for (const auto& e : fs::directory_iterator(kCases)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && ends_with(name, ".json") && !ends_with(name, ".expected.json")) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("Golden cases exist (at least 8, with an error case)", "[golden]") {
  const auto files = case_files();
  CHECK(files.size() >= 8);
  int errors = 0;
  for (const auto& f : files) {
    const json c = read_json(f);
    INFO(f.string());
    REQUIRE(c.contains("name"));
    REQUIRE(c.contains("request"));
    CHECK(c["name"].get<std::string>() + ".json" == f.filename().string());
    fs::path expected = f;
    expected.replace_extension(".expected.json");
    if (fs::exists(expected) && read_json(expected).contains("error")) ++errors;
  }
  CHECK(errors >= 1);
}

TEST_CASE("Golden cases: estimate_json equals the recorded answer", "[golden]") {
  for (const auto& f : case_files()) {
    const json c = read_json(f);
    const std::string name = c.value("name", f.stem().string());
    fs::path expected_path = f;
    expected_path.replace_extension(".expected.json");
    INFO("case " << name << " (" << f.string() << ")");
    if (!fs::exists(expected_path)) {
      FAIL_CHECK("missing " << expected_path.string() << ": run scripts/update-golden.sh");
      continue;
    }
    const json expected = read_json(expected_path);
    const json got = json::parse(vramfit::estimate_json(c.at("request").dump()));
    if (got != expected) {
      // Show the first few differing paths rather than two 30 KB documents.
      const json patch = json::diff(expected, got);
      std::string shown;
      for (size_t i = 0; i < patch.size() && i < 8; ++i) shown += patch[i].dump() + "\n";
      FAIL_CHECK("differs from the golden ("
                 << patch.size()
                 << " JSON-patch ops, first ones below; if intended, rerun "
                    "scripts/update-golden.sh):\n"
                 << shown);
    }
    // Deterministic: a second call gives the same text.
    CHECK(vramfit::estimate_json(c.at("request").dump()) ==
          vramfit::estimate_json(c.at("request").dump()));
  }
}
