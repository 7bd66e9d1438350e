// Speed benchmark (prints figures; not a timed test): parse + count of a large
// config, one estimate without searches, and one full request with the
// per-GPU matrix and max batch / max context searches over the catalogue.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "vramfit/api.h"
#include "vramfit/config.h"
#include "vramfit/params.h"
#include "vramfit/presets.h"

namespace {
template <typename F>
double micros_per_call(F f, int n) {
  // VRAMFIT_BENCH_SCALE=0.01 shortens the loops (for callgrind runs).
  if (const char* sc = std::getenv("VRAMFIT_BENCH_SCALE")) n = std::max(1, int(n * std::atof(sc)));
  f();  // warm-up (lazy catalogue parsing)
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
}
}  // namespace

int main() {
  const char* big = "deepseek-ai/DeepSeek-V3";
  const nlohmann::json& cfg = *vramfit::preset_config(big).value();
  double parse = micros_per_call(
      [&] {
        auto s = vramfit::parse_model_config(cfg).value();
        volatile int64_t t = vramfit::count_params(s).total;
        (void)t;
      },
      2000);
  std::printf("parse+count %-40s %9.1f us/call\n", big, parse);
  const std::string one =
      R"({"model":{"preset":"meta-llama/Llama-3.1-8B"},"task":"lora","batch_size":4,"seq_len":2048,"search":false})";
  const std::string matrix =
      R"({"model":{"preset":"meta-llama/Llama-3.1-8B"},"task":"lora","batch_size":4,"seq_len":2048})";
  const std::string all =
      R"({"model":{"preset":"meta-llama/Llama-3.1-8B"},"task":"lora","batch_size":4,"seq_len":2048,"gpu":"4090"})";
  std::printf("estimate, no searches (Llama-3.1-8B lora)            %9.1f us/call\n",
              micros_per_call([&] { vramfit::estimate_json(one); }, 2000));
  std::printf("estimate + per-GPU matrix + max batch/seq searches    %9.1f us/call\n",
              micros_per_call([&] { vramfit::estimate_json(matrix); }, 500));
  std::printf("  ... + target GPU that does not fit (recommendations)  %9.1f us/call\n",
              micros_per_call([&] { vramfit::estimate_json(all); }, 200));
  return 0;
}
