// SGLang start-up arithmetic (methodology §7.9, core/src/engine/sglang.cpp).
// Expected values are derived by hand below from SGLang's formulas
// (python/sglang/srt/server_args.py _handle_gpu_memory_settings,
// model_executor/memory_pool_configurator.py) and from figures SGLang itself
// logged (tests/validation/sglang_logs.tsv), never from the code under test.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "vramfit/api.h"

namespace {

using json = nlohmann::json;
constexpr double kGiB = 1073741824.0;

json run(json req) {
  req["engine"] = "sglang";
  if (!req.contains("search")) req["search"] = false;
  return json::parse(vramfit::estimate_json(req.dump()));
}

json sglang_of(const json& r) {
  REQUIRE(r.contains("engine"));
  return r["engine"]["sglang"];
}

const json& gpu_row(const json& r, const std::string& id) {
  for (const auto& g : r["gpus"])
    if (g["id"] == id) return g;
  FAIL("no GPU " << id);
  return r;
}

}  // namespace

TEST_CASE("SGLang: mem_fraction_static defaults by GPU memory and TP", "[engine][sglang]") {
  // reserved_mem (MiB) = 512 + max(chunked_prefill_size, 2048) x 1.5 + cuda_graph_max_bs x 2
  //                      + tp x pp / 8 x 1024, at least 10240 above 60 GiB;
  // fraction = round((gpu_mib - reserved) / gpu_mib, 3).
  struct Case {
    const char* gpu;
    int tp;
    int64_t chunked, graph_bs;
    double fraction;
  } cases[] = {
      // H100 81559 MiB, TP 1: 8192, 256 -> 512 + 12288 + 512 + 128 = 13440
      //   -> 68119 / 81559 = 0.8352 -> 0.835
      {"h100-sxm-80g", 1, 8192, 256, 0.835},
      // TP 2: + 128 -> 13568 -> 67991 / 81559 = 0.8336 -> 0.834
      {"h100-sxm-80g", 2, 8192, 256, 0.834},
      // TP 4: cuda_graph_max_bs 512 -> 512 + 12288 + 1024 + 512 = 14336 -> 0.8242 -> 0.824
      {"h100-sxm-80g", 4, 8192, 512, 0.824},
      // RTX 4090 24564 MiB: 2048, 24 -> 512 + 3072 + 48 + 128 = 3760 (no floor below 60 GiB)
      //   -> 20804 / 24564 = 0.8469 -> 0.847
      {"rtx-4090-24g", 1, 2048, 24, 0.847},
      // H200 143771 MiB: 8192, 256 -> 13440 -> 130331 / 143771 = 0.9065 -> 0.907
      {"h200-sxm-141g", 1, 8192, 256, 0.907},
  };
  for (const Case& c : cases) {
    const json v = sglang_of(run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                                  {"gpu", c.gpu},
                                  {"parallel", {{"tp", c.tp}}}}));
    INFO(c.gpu << " tp " << c.tp);
    CHECK(v["chunked_prefill_size"] == c.chunked);
    CHECK(v["cuda_graph_max_bs"] == c.graph_bs);
    CHECK(v["mem_fraction_static"].get<double>() == Approx(c.fraction));
  }
}

TEST_CASE("SGLang: Llama-3.1-8B-Instruct bf16 on one 80 GB card, the logged memory figures",
          "[engine][sglang]") {
  // sglang_logs.tsv row 1 (SGLang docs notebook, 2026-02): "Load weight begin. avail
  // mem=78.43 GB", "Load weight end. ... avail mem=63.41 GB, mem usage=15.02 GB".
  // SGLang's pool with those figures at the H100 default fraction 0.835:
  //   rest = 63.41 - 78.43 x (1 - 0.835) = 63.41 - 12.941 = 50.469 GiB
  //   cell = 8 KV heads x (128 + 128) x 32 layers x 2 B = 131,072 B
  //   max_total_num_tokens = 50.469 x 2^30 / 131,072 = 413,442
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                      {"gpu", "h100-sxm-80g"},
                      {"seq_len", 8192},
                      {"search", true}});
  const json v = sglang_of(r);
  CHECK(v["starts"] == true);
  CHECK(v["kv_cell_size_bytes"] == 131072);
  CHECK(std::abs(v["load_weight_begin_avail_mem_gb"].get<double>() - 78.43) < 0.05);
  CHECK(std::abs(v["load_weight_end_avail_mem_gb"].get<double>() - 63.41) / 63.41 < 0.01);
  // mem usage 15.02: 8,030,261,248 params x 2 B = 16,060,522,496 B plus the
  // rotary cos/sin table SGLang keeps in fp32 on CUDA (layers/rotary_embedding.py
  // "cache needs to be in FP32"): 131,072 x 128 x 4 B = 67,108,864 B; sum
  // 16,127,631,360 B = 15.020 GiB (without it 14.96).
  CHECK(v["weights_mem_usage_bytes"].get<int64_t>() == 16127631360);
  CHECK(std::abs(v["weights_mem_usage_bytes"].get<double>() / kGiB - 15.02) < 0.005);
  const double tokens = v["max_total_num_tokens"].get<double>();
  CHECK(std::abs(tokens - 413442.0) / 413442.0 < 0.01);
  // context_length defaults to max_position_embeddings; requests are capped at
  // min(context_len, pool) - 1 (tp_worker.py max_req_len).
  CHECK(v["context_len"] == 131072);
  CHECK(v["max_req_len"] == 131071);
  // Max concurrency at 8192 tokens: the pool over the length (413,442 / 8192 = 50.5).
  CHECK(std::abs(v["max_concurrency"].get<double>() - 50.47) / 50.47 < 0.01);
  // The matrix agrees with the engine: verdict, max batch, max context.
  const json& g = gpu_row(r, "h100-sxm-80g");
  CHECK(g["verdict"] == "fits");
  CHECK(g["max_batch_size"] == v["max_total_num_tokens"].get<int64_t>() / 8192);
  CHECK(g["max_seq_len"] == 131071);
}

TEST_CASE("SGLang: Qwen3-235B-A22B FP8 on 4 x H100, mem_fraction_static 0.93 (logged pool)",
          "[engine][sglang]") {
  // sglang_logs.tsv row 2 (vllm-project/vllm#21348): "KV Cache is allocated.
  // #tokens: 367404, K size: 8.23 GB, V size: 8.23 GB".
  // Cell by hand: 4 KV heads / TP 4 = 1 head x (128 + 128) x 94 layers x 2 B (bf16 KV)
  //   = 48,128 B; 367,404 x 48,128 / 2 = 8.234 GiB per K and V, as logged.
  const json v = sglang_of(run({{"model", {{"preset", "Qwen/Qwen3-235B-A22B"}}},
                                {"weights_dtype", "fp8"},
                                {"gpu", "h100-sxm-80g"},
                                {"parallel", {{"tp", 4}}},
                                {"mem_fraction_static", 0.93}}));
  CHECK(v["kv_cell_size_bytes"] == 48128);
  CHECK(v["cuda_graph_max_bs"] == 512);  // TP >= 4 on a < 90 GiB card
  // The pool: the log's 367,404 tokens within 5% (weights and the memory in use
  // before them are ours, the rest is SGLang's formula).
  const double tokens = v["max_total_num_tokens"].get<double>();
  INFO("predicted " << tokens);
  CHECK(std::abs(tokens - 367404.0) / 367404.0 < 0.05);
}

TEST_CASE("SGLang: Llama-3.1-70B bf16 on 2 x H100 at the default fraction refuses",
          "[engine][sglang]") {
  // Weights per GPU: 70.55e9 x 2 B / 2 = 65.71 GiB. Before the weights at TP 2
  // (sglang.json, the PR #11716 log): 3.11 GiB -> total_gpu_memory = 79.65 - 3.11
  // = 76.54 GiB. Default fraction at TP 2: 0.834 (above). rest = 76.54 - 65.71 -
  // 76.54 x 0.166 = -1.88 GiB: "Not enough memory". The smallest fraction that
  // leaves a pool: 65.71 / 76.54 = 0.8585.
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
                      {"gpu", "h100-sxm-80g"},
                      {"parallel", {{"tp", 2}}},
                      {"search", true}});
  const json v = sglang_of(r);
  CHECK(v["starts"] == false);
  CHECK(v["refusal"].get<std::string>().find("increase --mem-fraction-static") !=
        std::string::npos);
  CHECK(std::abs(v["rest_memory_bytes"].get<double>() / kGiB + 1.88) < 0.1);
  CHECK(std::abs(v["min_mem_fraction_static"].get<double>() - 0.8585) < 0.002);
  const json& g = gpu_row(r, "h100-sxm-80g");
  CHECK(g["verdict"] == "no");
  CHECK(g["max_batch_size"] == 0);
  CHECK(g["max_seq_len"] == 0);
  // The first suggestion: the smallest fraction whose pool holds one request of
  // seq_len (2048 by default): (65.71 + 2048 x 163,840 B = 0.3125 GiB) / 76.54
  // = 0.8626 -> 0.863 (SGLang's three decimals, rounded up).
  REQUIRE(r.contains("recommend"));
  const json& first = r["recommend"][0];
  CHECK(first["id"] == "sglang_mem_fraction_static");
  CHECK(std::abs(first["change"]["mem_fraction_static"].get<double>() - 0.863) < 0.0015);
  CHECK(first["verdict"] != "no");
  // At 0.9 it starts: rest = 76.54 x 0.9 - 65.71 = 3.18 GiB; cell = 8 / 2 heads x 256
  //   x 80 layers x 2 B = 163,840 B -> 3.18 x 2^30 / 163,840 = 20.8k tokens.
  const json s = sglang_of(run({{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
                                {"gpu", "h100-sxm-80g"},
                                {"parallel", {{"tp", 2}}},
                                {"mem_fraction_static", 0.9}}));
  CHECK(s["starts"] == true);
  CHECK(std::abs(s["max_total_num_tokens"].get<double>() - 20840.0) / 20840.0 < 0.03);
}

TEST_CASE("SGLang: context_length above the model's is refused", "[engine][sglang]") {
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                      {"gpu", "h100-sxm-80g"},
                      {"max_model_len", 200000}});
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["field"] == "max_model_len");
}
