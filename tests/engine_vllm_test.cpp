// vLLM start-up arithmetic (methodology §7.8, core/src/engine/vllm.cpp)
// against figures vLLM itself logged. The expected values are derived by
// hand below from the logs' own figures, never from the code under test.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "vramfit/api.h"

namespace {

using json = nlohmann::json;
constexpr double kGiB = 1073741824.0;

json run(const json& req) { return json::parse(vramfit::estimate_json(req.dump())); }

// The logged H100 80GB HBM3 total of the llm-d-planner sweep: 79.19 GiB.
// The H100 as vLLM 0.19 logs it (79.19 GiB total); "H100 80GB HBM3" is the
// SXM card, whose SM count and architecture the profile run depends on.
json h100_logged() {
  return json::array(
      {{{"name", "H100 80GB HBM3"}, {"memory_gib", 79.19}, {"like", "h100-sxm-80g"}}});
}

}  // namespace

TEST_CASE("vLLM: Llama-3.1-8B-Instruct bf16 on one H100, utilisation 0.95 (logged row)",
          "[engine][vllm]") {
  // tests/validation/vllm_logs.tsv, run meta-llama-llama-3-1-8b---h100-80gb--tp1pp1dp1--8192
  // (vLLM 0.19.0): total 79.19 GiB, gpu_memory_utilization 0.95, max_model_len 8192,
  // max_num_seqs 1024, max_num_batched_tokens 8192; logged weights 14.99 GiB,
  // non-torch 0.25 GiB, torch peak increase 1.89 GiB, KV cache 58.11 GiB,
  // 476,016 tokens, max concurrency 58.11.
  // By hand with the logged figures:
  //   requested = 79.19 x 0.95 = 75.2305 GiB
  //   KV = 75.2305 - 14.99 - 0.25 - 1.89 = 58.1005 GiB (log: 58.11)
  //   block of 16 tokens, 32 layers x 2 (K, V) x 8 KV heads x 128 x 2 B
  //     = 65,536 B per layer -> 2 MiB per block over the 32 layers
  //   blocks = 58.1005 GiB / 2 MiB = 29,747.5 -> 29,747 -> 475,952 tokens (log: 476,016)
  //   concurrency at 8192 = 29,747 / 512 = 58.1
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                      {"engine", "vllm"},
                      {"seq_len", 8192},
                      {"max_model_len", 8192},
                      {"max_num_seqs", 1024},
                      {"gpu_memory_utilization", 0.95},
                      {"custom_gpus", h100_logged()},
                      {"search", false}});
  REQUIRE(r.contains("engine"));
  const json& v = r["engine"]["vllm"];
  CHECK(v["starts"] == true);
  const double kv_gib = v["available_kv_cache_memory_bytes"].get<double>() / kGiB;
  INFO("predicted KV " << kv_gib << " GiB, tokens " << v["kv_cache_size_tokens"]);
  CHECK(std::abs(kv_gib - 58.1005) / 58.1005 < 0.01);
  CHECK(std::abs(v["kv_cache_size_tokens"].get<double>() - 475952.0) / 475952.0 < 0.01);
  CHECK(std::abs(v["max_concurrency"].get<double>() - 58.1) / 58.1 < 0.01);
  // The weights as logged ("Model loading took 14.99 GiB"): 8,030,261,248
  // params x 2 B = 16,060,522,496 B plus the rotary cos/sin table vLLM builds
  // at model init (rotary_embedding/base.py, v0.19.0: max_position_embeddings
  // 131,072 rows x rotary_dim 128 x 2 B = 33,554,432 B) = 16,094,076,928 B
  // = 14.989 GiB; without the table 14.957 would print as 14.96.
  CHECK(v["model_weights_bytes"].get<int64_t>() == 16094076928);
  // The profile run's torch peak ("torch peak memory increase: 1.89GiB"), by
  // hand from vLLM's sampler warm-up (gpu_model_runner.py _dummy_sampler_run,
  // sampler.py, topk_topp_sampler.py / topk_topp_triton.py, v0.19.0) with
  // 1,024 requests, vocab 128,256, hidden 4,096, 8,192 batched tokens:
  //   per logit: bf16 logits 2 + fp32 copy 4 + softmax 4 + noise q 4 = 14 B
  //     x 1,024 x 128,256                                    = 1,838,678,016
  //   the forward's hidden states 8,192 x 4,096 x 2 B        =    67,108,864
  //   gather copy + rand_like of [1,024, 4,096] bf16          =    16,777,216
  //   Triton top-k/top-p buffer, 132 SMs x 128,256 x 4 B     =    67,719,168
  //   PyTorch's cuBLAS workspace on compute capability 9.0   =    33,554,432
  //   sum 2,023,837,696 B = 1.885 GiB
  CHECK(v["activation_peak_bytes"].get<int64_t>() == 2023837696);
  CHECK(std::abs(v["activation_peak_bytes"].get<double>() / kGiB - 1.89) < 0.006);
  CHECK(std::abs(v["model_weights_bytes"].get<double>() / kGiB - 14.99) < 0.005);
  // max_model_len defaults to max_position_embeddings (131,072) and no
  // answer exceeds it.
  const json d = run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                      {"engine", "vllm"},
                      {"gpu", "h100-sxm-80g"}});
  CHECK(d["engine"]["vllm"]["max_model_len"] == 131072);
  for (const auto& g : d["gpus"]) CHECK(g["max_seq_len"].get<int64_t>() <= 131072);
}

TEST_CASE("vLLM: Llama 4 Scout at TP 4 loads its 10M-position rotary table", "[engine][vllm]") {
  // vllm_logs.tsv, Llama-4-Scout-17B-16E-Instruct, TP 4, H100 80GB, v0.19.0:
  // "Model loading took 53.12 GiB memory". By hand: text 107,769,861,120 +
  // vision tower and projector 871,932,416 (tests/config_corpus_test.cpp) =
  // 108,641,793,536 params x 2 B / 4 ranks = 54,320,896,768 B; the text
  // model's norms (48 x 2 x 5,120 + 5,120 = 496,640) and routers (48 x 16 x
  // 5,120 = 3,932,160) are whole on every rank: + 4,428,800 x 3/4 x 2 B =
  // 6,643,200 B; plus the rotary table every rank builds in full:
  // max_position_embeddings 10,485,760 x 128 x 2 B = 2,684,354,560 B.
  // Sum 57,011,894,528 B = 53.10 GiB.
  const json r = run({{"model", {{"preset", "meta-llama/Llama-4-Scout-17B-16E-Instruct"}}},
                      {"engine", "vllm"},
                      {"parallel", {{"tp", 4}}},
                      {"max_model_len", 8192},
                      {"max_num_seqs", 1024},
                      {"gpu_memory_utilization", 0.95},
                      {"custom_gpus", h100_logged()},
                      {"search", false}});
  const json& v = r["engine"]["vllm"];
  CHECK(v["model_weights_bytes"].get<int64_t>() == 57011894528);
  CHECK(std::abs(v["model_weights_bytes"].get<double>() / kGiB - 53.12) / 53.12 < 0.002);
  bool listed = false;
  for (const auto& c : r["components"]) {
    if (c["id"] == "rope_table") listed = c["bytes"].get<int64_t>() == 2684354560;
  }
  CHECK(listed);
}

TEST_CASE("vLLM: Llama-3.1-70B bf16, TP 2 on H100 80GB, utilisation 0.9: largest max_model_len",
          "[engine][vllm]") {
  // Issue 12: vLLM's arithmetic with logged figures for this setup.
  //   total 79.19 GiB (H100 80GB HBM3 as vLLM 0.19 logs it) x 0.9 = 71.271 GiB
  //   weights: 70,553,706,496 params x 2 B / TP 2 = 70,553,706,496 B = 65.708 GiB,
  //     plus the rotary cos/sin table every rank builds at model init
  //     (vllm/model_executor/layers/rotary_embedding/base.py, v0.19.0):
  //     131,072 positions x 128 x 2 B = 33,554,432 B = 0.031 GiB -> 65.740 GiB
  //     (the same table puts Llama-3.1-8B's logged 14.99 GiB 32 MiB above its
  //     parameters)
  //   non-torch 2.10 GiB and profile peak 1.96 GiB: logged for Llama-3.3-70B
  //     (same shapes and vocabulary) at TP 2, max_num_seqs 1024, 8192 batched tokens
  //   KV = 71.271 - 65.740 - 2.10 - 1.96 = 1.471 GiB
  //   per token per GPU: 80 layers x 2 x (8 / 2) KV heads x 128 x 2 B = 163,840 B;
  //     a 16-token block over the 80 layers = 2,621,440 B
  //   blocks = 1.471 x 2^30 / 2,621,440 = 602.7 -> one request of L tokens
  //     fits while ceil(L / 16) <= 602 -> largest max_model_len 9,632 tokens.
  // The default max_model_len (131,072) needs 20 GiB: vLLM refuses to start.
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
                      {"engine", "vllm"},
                      {"parallel", {{"tp", 2}}},
                      {"gpu_memory_utilization", 0.9},
                      {"custom_gpus", h100_logged()}});
  const json& v = r["engine"]["vllm"];
  CHECK(v["starts"] == false);
  CHECK(v["max_model_len"] == 131072);
  CHECK(v["refusal"].get<std::string>().find("estimated maximum model length is") !=
        std::string::npos);
  // vramfit's own figures (profile peak 1.96 GiB, non-torch 2.04, the
  // latter 0.06 GiB under the log) give 10,000: +3.8%, within the 10%.
  const double largest = v["largest_max_model_len"].get<double>();
  INFO("largest max_model_len " << largest);
  CHECK(std::abs(largest - 9632.0) / 9632.0 < 0.10);
  // The verdict follows the refusal; max batch and context are 0 with it.
  const json& g = r["gpus"].back();
  CHECK(g["custom"] == true);
  CHECK(g["verdict"] == "no");
  CHECK(g["max_batch_size"] == 0);
  CHECK(g["headroom_bytes"].get<int64_t>() < 0);
  // Started at that length, it holds one request of it.
  const json s = run({{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
                      {"engine", "vllm"},
                      {"parallel", {{"tp", 2}}},
                      {"gpu_memory_utilization", 0.9},
                      {"max_model_len", static_cast<int64_t>(largest)},
                      {"seq_len", static_cast<int64_t>(largest)},
                      {"custom_gpus", h100_logged()}});
  CHECK(s["engine"]["vllm"]["starts"] == true);
  CHECK(s["gpus"].back()["verdict"] == "fits");
  CHECK(s["gpus"].back()["max_batch_size"] == 1);
}

TEST_CASE("vLLM: a max_model_len above the model's is refused, naming the field",
          "[engine][vllm]") {
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-8B-Instruct"}}},
                      {"engine", "vllm"},
                      {"max_model_len", 200000}});
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["field"] == "max_model_len");
}

TEST_CASE("vLLM: a refusal is answered with the largest max_model_len first", "[engine][vllm]") {
  // Same model and layout as above on the catalogue H100 SXM: vLLM refuses the
  // default 131,072; the first recommendation is vLLM's own estimate, and
  // applying it makes the verdict "fits".
  const json r = run({{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
                      {"engine", "vllm"},
                      {"parallel", {{"tp", 2}}},
                      {"gpu_memory_utilization", 0.9},
                      {"gpu", "h100-sxm-80g"}});
  REQUIRE(r["target"]["verdict"] == "no");
  REQUIRE(r["recommend"].size() > 0);
  const json& first = r["recommend"][0];
  CHECK(first["id"] == "vllm_max_model_len");
  CHECK(first["change"]["max_model_len"] == r["engine"]["vllm"]["largest_max_model_len"]);
  CHECK(first["verdict"] == "fits");
}
