// Inference speed (core/src/speed, methodology §18). Expected values are
// derived by hand next to each check from the model's shapes, the GPU's
// datasheet figures (core/data/gpus.json) and the stated terms (bandwidth
// efficiency 0.80, compute efficiency 0.50, 3 us per kernel, 23 kernels per
// layer); the measured figure of the same setup is quoted for comparison.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api_call.h"

namespace {
using json = nlohmann::json;

json speed(const std::string& preset, const std::string& dtype, const std::string& gpu,
           int64_t batch, int64_t seq) {
  json r = {{"model", {{"preset", preset}}},
            {"task", "inference"},
            {"engine", "llama_cpp"},
            {"weights_dtype", dtype},
            {"gpu", gpu},
            {"batch_size", batch},
            {"seq_len", seq},
            {"search", false}};
  return api(r)["speed"];
}

const json& figure(const json& sp, const char* id) {
  for (const json& f : sp["figures"])
    if (f["id"] == id) return f;
  FAIL("no speed figure " << id);
  static const json none;
  return none;
}
}  // namespace

TEST_CASE("speed: Llama-3-8B Q4_K_M decode on an RTX 4090 is weights over bandwidth plus kernels",
          "[speed]") {
  // Weights read per token: the Q4_K_M file is 4.92 GB (4,920,734,016 B for
  // Meta-Llama-3-8B Q4_K_M); the token-embedding table is a row gather, not
  // read: 128256 x 4096 x 4.5 / 8 = 0.296 GB -> 4.625 GB read.
  // KV at depth 512 (f16): 32 layers x 8 heads x 128 x 2 (K, V) x 2 B =
  // 131,072 B per token x 512 = 0.067 GB.
  // Memory time: 4.692e9 / (1008e9 x 0.80) = 5.818 ms; kernels: 32 x 23 x
  // 3 us = 2.208 ms; compute (2 x 7.5e9 / (165.2e12 x 0.5) = 0.18 ms) is
  // below the memory time. 1 / 8.026 ms = 124.6 tokens/s (llama-bench tg1024
  // on an RTX 4090 measured 127.74, tests/validation/throughput.tsv T007).
  const json sp = speed("meta-llama/Llama-3.1-8B", "q4_k_m", "rtx-4090-24g", 1, 512);
  const json& d = figure(sp, "decode_tokens_per_s");
  CHECK(d["value"].get<double>() == Approx(124.6).epsilon(0.05));
  CHECK(d["inputs"]["bound"] == "memory");
  CHECK(d["inputs"]["kv_bytes_read"].get<double>() == Approx(512.0 * 131072).epsilon(0.001));
  CHECK(d["low"].get<double>() < d["value"].get<double>());
  CHECK(d["high"].get<double>() > d["value"].get<double>());
  CHECK(figure(sp, "decode_aggregate_tokens_per_s")["value"].get<double>() ==
        Approx(d["value"].get<double>()));
}

TEST_CASE("speed: prefill of 1024 tokens is compute-bound at half the fp16 peak", "[speed]") {
  // Matrix FLOPs per token: 2 x 7.505e9 (8.03e9 params minus the 0.525e9
  // embedding table) = 15.01e9; attention: 32 layers x 2 x 32 heads x (128 +
  // 128) x 512.5 average keys = 0.269e9 -> 15.28e9 per token, 15.65e12 for
  // 1024 tokens / (165.2e12 x 0.5) = 0.1894 s; two 512-token micro-batches
  // add 2 x 736 kernels x 3 us = 4.4 ms -> 1024 / 0.1938 s = 5284 tokens/s
  // (llama-bench pp1024 on an RTX 4090 measured 6898.71, row T032).
  const json sp = speed("meta-llama/Llama-3.1-8B", "q4_k_m", "rtx-4090-24g", 1, 1024);
  const json& p = figure(sp, "prefill_tokens_per_s");
  CHECK(p["value"].get<double>() == Approx(5284).epsilon(0.03));
  CHECK(p["inputs"]["bound"] == "compute");
  // Time to first token: the prefill plus one decode step at depth 1024.
  const json& t = figure(sp, "time_to_first_token_s");
  CHECK(t["value"].get<double>() > 1024 / p["value"].get<double>());
  CHECK(t["low"].get<double>() < t["value"].get<double>());
}

TEST_CASE("speed: a large batch crosses over to compute-bound", "[speed]") {
  // Llama-3.1-8B bf16 on an H100 SXM at batch 512, depth 1: compute
  // 512 x 2 x 7.5e9 / (989e12 x 0.5) = 15.5 ms > memory 16.06e9 / (3350e9 x
  // 0.8) = 6.0 ms, so the step is compute-bound and the aggregate is far
  // below 512 x the batch-1 rate.
  const json big = speed("meta-llama/Llama-3.1-8B", "bf16", "h100-sxm-80g", 512, 1);
  const json one = speed("meta-llama/Llama-3.1-8B", "bf16", "h100-sxm-80g", 1, 1);
  CHECK(figure(big, "decode_tokens_per_s")["inputs"]["bound"] == "compute");
  const double agg = figure(big, "decode_aggregate_tokens_per_s")["value"].get<double>();
  // 512 / (15.5 ms + 32 x 23 x 3 us = 2.2 ms) = 28.9k tokens/s.
  CHECK(agg == Approx(28900).epsilon(0.05));
  // Batch 1: 1 / (15.0e9 / (3350e9 x 0.8) + 2.2 ms) = 128 tokens/s; batching
  // 512 gains 28.9k / 128 = 225x, under half of 512x.
  CHECK(agg < 512 * figure(one, "decode_tokens_per_s")["value"].get<double>() / 2);
}

TEST_CASE("speed: MoE decode reads the experts the batch touches", "[speed]") {
  // Mixtral-8x7B: top-2 of 8 experts. One token touches 2/8 = 0.25 of each
  // layer's experts; four tokens miss an expert with (6/8)^4 = 0.3164, so
  // they touch 0.6836.
  const char* m = "mistralai/Mixtral-8x7B-v0.1";
  const json one = speed(m, "q4_k_m", "h100-sxm-80g", 1, 128);
  const json four = speed(m, "q4_k_m", "h100-sxm-80g", 4, 128);
  CHECK(figure(one, "decode_tokens_per_s")["inputs"]["experts_touched_fraction"].get<double>() ==
        Approx(0.25));
  CHECK(figure(four, "decode_tokens_per_s")["inputs"]["experts_touched_fraction"].get<double>() ==
        Approx(0.68359375));
}

TEST_CASE("speed: absent for training and without a catalogue GPU", "[speed]") {
  json r = {
      {"model", {{"preset", "meta-llama/Llama-3.1-8B"}}}, {"task", "inference"}, {"search", false}};
  CHECK_FALSE(api(r).contains("speed"));
  r["task"] = "lora";
  r["gpu"] = "rtx-4090-24g";
  CHECK_FALSE(api(r).contains("speed"));
}
