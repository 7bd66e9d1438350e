// Property tests over randomized valid requests (fixed seed): presets x
// tasks x batch / sequence / LoRA rank / checkpointing / attention / engine.
//  - every output is finite and non-negative (fuzz/fuzz_check.h);
//  - more batch, a longer sequence or a higher rank never lowers the peak;
//  - gradient checkpointing never raises it;
//  - per GPU, ZeRO-3 <= ZeRO-2 <= ZeRO-1 (dp >= 2);
//  - the reported max_batch_size fits (need <= 95% of usable) and
//    max_batch_size + 1 does not, for catalogue and random custom GPUs.
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "vramfit/api.h"
#include "vramfit/presets.h"

namespace {

using json = nlohmann::json;

const char* const kTasks[] = {"inference", "full", "lora", "qlora", "dora", "qdora"};
const char* const kAttention[] = {"sdpa", "flash", "eager"};
const char* const kEngines[] = {"hf", "vllm", "llama_cpp", "ollama"};
const int64_t kRanks[] = {4, 8, 16, 64, 256};

struct Rng {
  std::mt19937_64 g{20261123};
  int64_t uniform(int64_t lo, int64_t hi) {  // inclusive; portable (no distributions)
    return lo + static_cast<int64_t>(g() % static_cast<uint64_t>(hi - lo + 1));
  }
  int64_t log_uniform(int64_t lo, int64_t hi) {  // powers of two and between
    int64_t v = lo;
    const int64_t steps = uniform(0, 40);
    for (int64_t i = 0; i < steps && v < hi; ++i) v = std::min(hi, v + v / 2 + 1);
    return v;
  }
  bool coin() { return g() & 1; }
  template <typename T, size_t N>
  T pick(const T (&v)[N]) {
    return v[g() % N];
  }
};

bool is_training(const std::string& t) { return t != "inference"; }
bool is_lora(const std::string& t) { return t != "inference" && t != "full"; }

// Presets small enough to keep the sanitizer run short, plus a few large
// and MoE ones; all must be in the built-in list.
std::vector<std::string> presets() {
  std::vector<std::string> out;
  for (const auto& p : vramfit::preset_list()) out.push_back(p.id);
  return out;
}

json random_request(Rng& r, const std::vector<std::string>& ids) {
  const std::string task = r.pick(kTasks);
  json q = {{"model", {{"preset", ids[r.g() % ids.size()]}}},
            {"task", task},
            {"batch_size", r.log_uniform(1, 64)},
            {"seq_len", r.log_uniform(16, 32768)},
            {"attention", r.pick(kAttention)},
            {"search", false}};
  if (is_training(task)) q["gradient_checkpointing"] = r.coin();
  if (is_lora(task)) q["lora"] = {{"rank", r.pick(kRanks)}};
  if (!is_training(task)) q["engine"] = r.pick(kEngines);
  return q;
}

// estimate_json + the shared sanity checks; nullopt-like empty json on an
// error response (some random combinations are legitimately refused).
json estimate(const json& req) {
  const std::string out = vramfit::estimate_json(req.dump());
  INFO("request: " << req.dump());
  bool ok = false;
  const std::string problem = vramfit_fuzz::response_problem(out, &ok);
  CHECK(problem == "");
  if (!ok) return json();
  return json::parse(out);
}

int64_t peak(const json& r) { return r["peak_allocated_bytes"].get<int64_t>(); }
int64_t total(const json& r) { return r["total_bytes"].get<int64_t>(); }

}  // namespace

TEST_CASE("Random requests: finite, non-negative, monotone in batch, seq and rank",
          "[properties]") {
  Rng rng;
  const auto ids = presets();
  REQUIRE_FALSE(ids.empty());
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    const json base = random_request(rng, ids);
    INFO("base: " << base.dump());
    const json a = estimate(base);
    if (a.is_null()) continue;
    ++checked;
    CHECK(peak(a) > 0);
    CHECK(total(a) >= peak(a));

    json more_b = base;
    more_b["batch_size"] = base["batch_size"].get<int64_t>() + rng.uniform(1, 16);
    const json b = estimate(more_b);
    REQUIRE_FALSE(b.is_null());
    CHECK(peak(b) >= peak(a));
    CHECK(total(b) >= total(a));

    json more_s = base;
    more_s["seq_len"] = base["seq_len"].get<int64_t>() * 2;
    const json s = estimate(more_s);
    REQUIRE_FALSE(s.is_null());
    CHECK(peak(s) >= peak(a));
    CHECK(total(s) >= total(a));

    const std::string task = base["task"].get<std::string>();
    if (is_lora(task)) {
      json more_r = base;
      more_r["lora"]["rank"] = base["lora"]["rank"].get<int64_t>() * 4;
      const json r = estimate(more_r);
      REQUIRE_FALSE(r.is_null());
      CHECK(peak(r) >= peak(a));
    }
    if (is_training(task)) {
      json on = base, off = base;
      on["gradient_checkpointing"] = true;
      off["gradient_checkpointing"] = false;
      const json c_on = estimate(on), c_off = estimate(off);
      REQUIRE_FALSE(c_on.is_null());
      REQUIRE_FALSE(c_off.is_null());
      CHECK(peak(c_on) <= peak(c_off));
      CHECK(total(c_on) <= total(c_off));
    }
  }
  CHECK(checked >= 250);
}

TEST_CASE("ZeRO-3 <= ZeRO-2 <= ZeRO-1 per GPU", "[properties]") {
  Rng rng;
  rng.g.seed(7);
  const auto ids = presets();
  const int64_t dps[] = {2, 4, 8, 64};
  const char* const train[] = {"full", "lora", "qlora"};
  for (int i = 0; i < 60; ++i) {
    json base = random_request(rng, ids);
    base["task"] = rng.pick(train);
    base["gradient_checkpointing"] = rng.coin();
    if (base["task"] != "full") base["lora"] = {{"rank", rng.pick(kRanks)}};
    base.erase("engine");
    const int64_t dp = rng.pick(dps);
    int64_t prev = INT64_MAX;
    for (int zero = 1; zero <= 3; ++zero) {
      json q = base;
      q["parallel"] = {{"dp", dp}, {"zero", zero}};
      INFO("request: " << q.dump());
      const json r = estimate(q);
      REQUIRE_FALSE(r.is_null());
      CHECK(total(r) <= prev);
      prev = total(r);
    }
  }
}

TEST_CASE("max_batch_size fits and max_batch_size + 1 does not", "[properties]") {
  Rng rng;
  rng.g.seed(99);
  const auto ids = presets();
  for (int i = 0; i < 12; ++i) {
    json base = random_request(rng, ids);
    base["search"] = true;
    base["custom_gpus"] = {
        {{"name", "a"}, {"memory_gib", 0.5 + static_cast<double>(rng.uniform(0, 4000)) / 10.0}},
        {{"name", "b"}, {"memory_gib", static_cast<double>(rng.uniform(1, 2000))}}};
    INFO("base: " << base.dump());
    const json r = estimate(base);
    if (r.is_null()) continue;
    const auto& gpus = r["gpus"];
    REQUIRE(gpus.size() >= 3);
    // Custom GPUs and three random catalogue entries.
    std::vector<json> picked = {gpus[gpus.size() - 1], gpus[gpus.size() - 2]};
    for (int k = 0; k < 3; ++k) picked.push_back(gpus[rng.g() % (gpus.size() - 2)]);
    for (const json& g : picked) {
      const int64_t usable = g["usable_bytes"].get<int64_t>();
      const auto limit = static_cast<int64_t>(static_cast<double>(usable) * 0.95);
      const int64_t mb = g["max_batch_size"].get<int64_t>();
      INFO("gpu " << g["id"] << " usable " << usable << " max_batch " << mb);
      json q = base;
      q["search"] = false;
      q.erase("custom_gpus");
      if (mb > 0) {
        q["batch_size"] = mb;
        const json at = estimate(q);
        REQUIRE_FALSE(at.is_null());
        CHECK(total(at) <= limit);
      }
      if (mb < (1 << 20)) {
        q["batch_size"] = mb + 1;
        const json above = estimate(q);
        REQUIRE_FALSE(above.is_null());
        CHECK(total(above) > limit);
      }
    }
  }
}
