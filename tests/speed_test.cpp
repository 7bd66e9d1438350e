// Inference speed (core/src/speed, methodology §18). Expected values are
// derived by hand next to each check from the model's shapes, the GPU's
// datasheet figures (core/data/gpus.json) and the stated terms (bandwidth
// efficiency 0.80, compute efficiency 0.50, 3 us per kernel, 23 kernels per
// layer); the measured figure of the same setup is quoted for comparison.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
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
            // llama-bench's defaults of May 2024 (the rows quoted below).
            {"flash_attn", "off"},
            {"n_ubatch", 512},
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

TEST_CASE("speed: llama.cpp prefill adds its kernels: fp16 GEMMs, dequantisation, f32 traffic",
          "[speed]") {
  // llama.cpp b2950 sends 512-token micro-batches to cuBLAS (methodology
  // §18.1). Per micro-batch on an RTX 4090 (1008 GB/s x 0.80 = 806.4 GB/s;
  // fp16-accumulate peak 330.4 TFLOPS x 0.5 = 165.2e12):
  //  - GEMMs: the 6.980e9 layer parameters (7.505e9 minus the 0.525e9 output
  //    head, which a prompt runs for its last token only): 2 x 512 x 6.980e9
  //    = 7.147e12 FLOPs -> 43.26 ms (> the fp16 weights' 13.96 GB -> 17.3 ms).
  //  - dequantisation: the Q4_K_M layer weights (4.625 GB read less the
  //    head's share: 4.301 GB) read plus the 13.96 GB fp16 copy written:
  //    18.26 GB -> 22.65 ms.
  //  - f32 traffic per token and layer: 56 x 4096 + 16 x 4096 + 20 x 1024 +
  //    20 x 14336 = 602,112 B around the GEMMs' 577,536 B of conversions
  //    (q, o: 6 x 4096 + 8 x 4096; k, v: 6 x 4096 + 8 x 1024; gate, up:
  //    6 x 4096 + 8 x 14336; down: 6 x 14336 + 8 x 4096) = 1,179,648 B, plus
  //    22 B per score x 32 heads x n_kv (512 then 1024): 512 x 32 x
  //    (1,179,648 + 360,448) = 25.23 GB -> 31.29 ms, then 31.14 GB -> 38.62 ms.
  //  - attention GEMMs: 2 x 512 x 32 x 256 x n_kv x 32 layers = 137.4e9 then
  //    274.9e9 FLOPs -> 0.83 ms, 1.66 ms.
  //  - kernels: the graph's 23 per layer, and around each of the 7 weight
  //    GEMMs an input conversion, an output conversion and the dequantisation
  //    (21), and the conversions of the batched KQ and KQV GEMMs (4):
  //    32 x (23 + 21 + 4) = 1,536 x 3 us = 4.61 ms each.
  // 102.65 + 110.81 ms = 213.5 ms -> 1024 / 0.2135 = 4797 tokens/s
  // (llama-bench pp1024 on an RTX 4090 measured 6898.71, row T032).
  const json sp = speed("meta-llama/Llama-3.1-8B", "q4_k_m", "rtx-4090-24g", 1, 1024);
  const json& p = figure(sp, "prefill_tokens_per_s");
  CHECK(p["value"].get<double>() == Approx(4797).epsilon(0.01));
  CHECK(p["inputs"]["kernels"].get<double>() == 2 * 1536);
  CHECK(p["inputs"]["peak_fp16_acc16_tflops"].get<double>() == Approx(330.4));
  CHECK(p["inputs"]["activation_bytes"].get<double>() == Approx(25.23e9 + 31.14e9).epsilon(0.01));
  // With flash attention the scores stay on chip: 512 x 32 x 32 x 22 x
  // (512 + 1024) B = 17.7 GB less f32 traffic.
  json fa = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
             {"task", "inference"},
             {"engine", "llama_cpp"},
             {"weights_dtype", "q4_k_m"},
             {"gpu", "rtx-4090-24g"},
             {"seq_len", 1024},
             {"search", false}};
  CHECK(figure(api(fa)["speed"], "prefill_tokens_per_s")["inputs"]["activation_bytes"]
            .get<double>() == Approx(2 * 512 * 32 * 1179648.0).epsilon(0.01));
  // Byte counts are integers in every response (tests/fuzz/fuzz_check.h; a
  // fuzz_estimate find): the figure's *_bytes inputs too.
  for (const char* k : {"gemm_weight_bytes", "dequant_bytes", "activation_bytes"}) {
    INFO(k);
    CHECK(p["inputs"][k].is_number_integer());
  }
  // An F16 model needs no dequantisation pass (nor its kernel: 32 x (23 + 14
  // + 4) = 1,312 per micro-batch).
  const json f16 = speed("meta-llama/Llama-3.1-8B", "fp16", "rtx-4090-24g", 1, 1024);
  CHECK(figure(f16, "prefill_tokens_per_s")["inputs"]["dequant_bytes"].get<double>() == 0);
  CHECK(figure(f16, "prefill_tokens_per_s")["inputs"]["kernels"].get<double>() == 2 * 1312);
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

TEST_CASE("speed: absent without a catalogue GPU", "[speed]") {
  json r = {
      {"model", {{"preset", "meta-llama/Llama-3.1-8B"}}}, {"task", "inference"}, {"search", false}};
  CHECK_FALSE(api(r).contains("speed"));
  r["task"] = "lora";
  CHECK_FALSE(api(r).contains("speed"));
}

TEST_CASE("speed: training utilisation by the GPU's tensor-core path", "[speed]") {
  // llm-foundry scripts/train/benchmarking/README.md @061f2c7, 8-GPU rows,
  // 1B-13B, sequence 1024-8192: A100 80GB HFU median 62.4 % (16 rows, 56.69
  // - 79.3), H100 80GB median (42.31 + 46.2) / 2 = 44.3 % (14 rows, 37.73 -
  // 59.03). Other GPUs keep the multi-node literature's 0.50 (0.35-0.60).
  json r = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
            {"task", "lora"},
            {"batch_size", 1},
            {"seq_len", 1024},
            {"search", false}};
  auto hfu = [&](const char* gpu) {
    r["gpu"] = gpu;
    return figure(api(r)["speed"], "train_step_s")["inputs"]["hardware_flops_utilization"]
        .get<double>();
  };
  CHECK(hfu("a100-sxm-80g") == Approx(0.624));  // Ampere, sm_80
  CHECK(hfu("rtx-3090-24g") == Approx(0.624));  // Ampere, sm_86
  CHECK(hfu("rtx-4090-24g") == Approx(0.624));  // Ada, sm_89
  CHECK(hfu("h100-sxm-80g") == Approx(0.443));  // Hopper, sm_90
  CHECK(hfu("mi300x-192g") == Approx(0.50));    // AMD: no single-node source
  // The band is the table's min-max: on the H100 the fast end is 0.590 /
  // 0.443 = 1.33 x the middle's tokens/s (no dequantisation in LoRA).
  r["gpu"] = "h100-sxm-80g";
  const json tps = figure(api(r)["speed"], "train_tokens_per_s");
  CHECK(tps["high"].get<double>() / tps["value"].get<double>() == Approx(0.590 / 0.443));
  CHECK(tps["low"].get<double>() / tps["value"].get<double>() == Approx(0.377 / 0.443));
}

TEST_CASE("speed: CPU offload is named as left out of the training step", "[speed]") {
  json r = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
            {"task", "full"},
            {"gpu", "a100-sxm-80g"},
            {"batch_size", 1},
            {"seq_len", 1024},
            {"parallel", {{"dp", 8}, {"fsdp", true}}},
            {"search", false}};
  auto offload_warned = [&] {
    const json resp = api(r);
    for (const json& w : resp["warnings"])
      if (w["code"] == "speed_offload") return true;
    return false;
  };
  CHECK_FALSE(offload_warned());
  r["parallel"]["offload_optimizer"] = true;
  CHECK(offload_warned());
  r.erase("gpu");  // no speed figures, nothing to warn about
  CHECK_FALSE(offload_warned());
}

TEST_CASE("speed: LoRA training step, time and cost from FLOPs per token", "[speed]") {
  // Llama-3.1-8B LoRA r=8 on q_proj, v_proj, batch 2 x 2048, checkpointing,
  // on an RTX 4090 (bf16 peak 165.2 TFLOPS, FP32 accumulate; Ada, sm_89, an
  // mma.sync GPU: x 0.624 HFU, the median of llm-foundry's 16 A100 80GB rows
  // for 1B-13B at 1024-8192 tokens: 59.57 ... 62.11, 62.73 ... 79.3, the
  // middle pair (62.11 + 62.73) / 2 = 62.42 %, rounded to 0.624).
  //  matrix params: 8,030,261,248 - 525,336,576 embedding = 7.505e9
  //  adapters: 32 x (8 x (4096 + 4096) + 8 x (4096 + 1024)) = 3,407,872
  //  attention forward per token: 32 x 2 x 32 x (128 + 128) x 1024.5 keys
  //    = 0.5371e9
  //  LoRA: 4 x 7.505e9 + 3 x 0.5371e9 + 6 x 3.408e6 = 31.651e9; the
  //  recomputed forward adds 2 x 7.505e9 + 0.5371e9 -> 47.198e9 per token.
  //  step: 4096 x 47.198e9 / (165.2e12 x 0.624 = 103.08e12) = 1.8754 s
  //  -> 2184.1 tokens/s.
  // (torchtune's README measured 3083 tokens/s for this recipe, row T061.)
  json r = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
            {"task", "lora"},
            {"lora", {{"rank", 8}, {"targets", {"q_proj", "v_proj"}}}},
            {"gradient_checkpointing", true},
            {"precision", "bf16_pure"},
            {"gpu", "rtx-4090-24g"},
            {"batch_size", 2},
            {"seq_len", 2048},
            {"train_tokens", 1000000000},
            {"price_per_gpu_hour", 2.0},
            {"search", false}};
  const json sp = api(r)["speed"];
  const json& st = figure(sp, "train_step_s");
  CHECK(st["inputs"]["flops_per_token"].get<double>() == Approx(47.198e9).epsilon(0.002));
  CHECK(st["inputs"]["hardware_flops_utilization"].get<double>() == Approx(0.624));
  CHECK(st["value"].get<double>() == Approx(1.8754).epsilon(0.003));
  const json& tps = figure(sp, "train_tokens_per_s");
  CHECK(tps["value"].get<double>() == Approx(2184.1).epsilon(0.003));
  // 1e9 tokens / 2184.1 = 457,854 s; 457,854 / 3600 x 2.0 x 1 GPU = 254.4.
  CHECK(figure(sp, "train_time_s")["value"].get<double>() == Approx(457854).epsilon(0.003));
  CHECK(figure(sp, "train_cost")["value"].get<double>() == Approx(254.4).epsilon(0.003));
  // Full fine-tuning: 6 x 7.505e9 + 3 x 0.5371e9 + the recomputed forward.
  r["task"] = "full";
  r.erase("lora");
  const json full = figure(api(r)["speed"], "train_step_s");
  CHECK(full["inputs"]["flops_per_token"].get<double>() ==
        Approx(6 * 7.505e9 + 3 * 0.5371e9 + 2 * 7.505e9 + 0.5371e9).epsilon(0.002));
  // dataset_tokens x epochs stands in for train_tokens.
  r.erase("train_tokens");
  r["dataset_tokens"] = 500000000;
  r["epochs"] = 2;
  const json sp2 = api(r)["speed"];
  CHECK(figure(sp2, "train_time_s")["inputs"]["tokens"].get<double>() == Approx(1e9));
}

TEST_CASE("speed: the fit matrix gives each GPU the request fits its tokens/s", "[speed]") {
  // The matrix column is the speed panel's middle figure for that GPU (one
  // decimal): decode per sequence for inference, training tokens/s for
  // training; absent where the request does not fit.
  for (const char* task : {"inference", "qlora"}) {
    INFO(task);
    const json r = api({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                        {"task", task},
                        {"gpu", "rtx-4090-24g"},
                        {"search", false}});
    const char* id =
        std::string(task) == "inference" ? "decode_tokens_per_s" : "train_tokens_per_s";
    const double panel = figure(r["speed"], id)["value"].get<double>();
    bool seen = false;
    for (const json& g : r["gpus"]) {
      if (g["verdict"] == "no") {
        CHECK_FALSE(g.contains("tokens_per_s"));
      } else if (g["id"] == "rtx-4090-24g") {
        seen = true;
        CHECK(std::abs(g["tokens_per_s"].get<double>() - panel) <= 0.05 + 1e-9);
      }
    }
    CHECK(seen);
  }
}

TEST_CASE("speed: eager HF decode waits for the host at small batches", "[speed]") {
  // Llama-2-13B fp16 on an A100-SXM4-80GB, engine hf (eager transformers):
  //   GPU: 26.03 GB of weights / (2,039 GB/s x 0.80) = 15.96 ms, + 40 layers
  //   x 23 kernels x 3 us = 2.76 ms -> 18.7 ms (+ a little KV at depth 768);
  //   host: 40 layers x 0.92 ms = 36.8 ms -> the step is host-bound:
  //   1 / 0.0368 s = 27.17 tokens/s. optimum's benchmark (transformers
  //   4.32, the source of the 0.92 ms) logs 27.06 tokens/s at batch 1 and
  //   37.35 / 37.89 ms per token at batch 2 / 4 (flat, as here).
  for (int64_t batch : {1, 2, 4}) {
    INFO("batch " << batch);
    const json r = api({{"model", {{"preset", "TheBloke/Llama-2-13B-chat-GPTQ"}}},
                        {"task", "inference"},
                        {"weights_dtype", "fp16"},
                        {"gpu", "a100-sxm-80g"},
                        {"batch_size", batch},
                        {"seq_len", 768},
                        {"search", false}});
    const json& f = figure(r["speed"], "decode_tokens_per_s");
    CHECK(f["value"].get<double>() == Approx(1.0 / 0.0368).epsilon(1e-6));
    CHECK(f["inputs"]["host_layers"] == 40);
  }
  // llama.cpp on the same card has no Python host loop: GPU-bound, faster.
  const json l = api({{"model", {{"preset", "TheBloke/Llama-2-13B-chat-GPTQ"}}},
                      {"task", "inference"},
                      {"engine", "llama_cpp"},
                      {"weights_dtype", "fp16"},
                      {"gpu", "a100-sxm-80g"},
                      {"seq_len", 768},
                      {"search", false}});
  CHECK(figure(l["speed"], "decode_tokens_per_s")["value"].get<double>() > 40);
  CHECK_FALSE(figure(l["speed"], "decode_tokens_per_s")["inputs"].contains("host_layers"));
}

namespace {
// Seconds of a decode step outside tensor-parallel traffic, from the figure's
// own inputs (that part is checked by the tests above).
double step_without_tp(const json& in) {
  const double mem = (in["weight_bytes_read"].get<double>() + in["kv_bytes_read"].get<double>()) /
                     (in["bandwidth_gbps"].get<double>() * 1e9 * 0.80);
  const double comp = in["flops"].get<double>() / (in["peak_tflops"].get<double>() * 1e12 * 0.50);
  return std::max(mem, comp) + in["kernels"].get<double>() * 3e-6;
}

json tp_decode(const std::string& preset, const std::string& gpu, int tp) {
  json r = {{"model", {{"preset", preset}}},
            {"task", "inference"},
            {"engine", "vllm"},
            {"gpu", gpu},
            {"parallel", {{"tp", tp}}},
            {"batch_size", 1},
            {"seq_len", 2048},
            {"search", false}};
  return figure(api(r)["speed"], "decode_tokens_per_s");
}
}  // namespace

// Methodology §18.3. Per decode step of one sequence, Llama-3.1-70B (80
// layers, hidden 8192, vocab 128256, bf16): 1 + 2 x 80 = 161 all-reduces of
// 8192 x 2 = 16,384 B (2,637,824 B in all) and a logits gather of 128256 x 2
// = 256,512 B. H100 SXM at TP 4: NVLink 4, 900 GB/s both ways -> 450 per
// direction x 0.80; (161 + 1) x 7 us + (2 x 3/4 x 2,637,824 + 3/4 x 256,512)
// / 360e9 = 1,134 us + 11.5 us = 1,145.5 us.
TEST_CASE("speed: tensor-parallel decode pays its all-reduces over the GPU link", "[speed]") {
  const json d = tp_decode("meta-llama/Llama-3.1-70B", "h100-sxm-80g", 4);
  const json& in = d["inputs"];
  CHECK(in["allreduces"].get<double>() == 161);
  CHECK(in["allreduce_bytes"].get<double>() == 2637824);
  CHECK(in["logits_gather_bytes"].get<double>() == 256512);
  CHECK(in["link"] == "NVLink 4");
  CHECK(in["link_gbps_per_direction"].get<double>() == 450);
  // vLLM's fused decoder layer launches 11 kernels (methodology §18): 80 x 11.
  CHECK(in["kernels"].get<double>() == 80 * 11);
  const double tp_s = 1.0 / d["value"].get<double>() - step_without_tp(in);
  CHECK(tp_s == Approx(1145.5e-6).epsilon(0.002));
  // One GPU: no traffic, no inputs for it.
  const json one = tp_decode("meta-llama/Llama-3.1-70B", "h100-sxm-80g", 1);
  CHECK_FALSE(one["inputs"].contains("allreduces"));
}

// RTX 4090 (no GPU-to-GPU link; P2P disabled, so NCCL through host memory)
// at TP 2, Llama-3.1-8B (32 layers, hidden 4096): 65 all-reduces of 8,192 B
// (532,480 B) and a 256,512 B logits gather over PCIe 4.0 x16 = 16 x 1.969
// = 31.5 GB/s per direction x 0.50: 66 x 25 us + (2 x 1/2 x 532,480 + 1/2 x
// 256,512) / 15.75e9 = 1,650 us + 41.9 us = 1,691.9 us. An A100 PCIe's
// NVLink bridge joins two cards: TP 2 uses it, TP 4 goes over PCIe.
TEST_CASE("speed: tensor parallelism over PCIe and over a two-card bridge", "[speed]") {
  const json d = tp_decode("meta-llama/Llama-3.1-8B", "rtx-4090-24g", 2);
  CHECK(d["inputs"]["link"] == "PCIe");
  CHECK(d["inputs"]["link_gbps_per_direction"].get<double>() == Approx(31.504).epsilon(1e-3));
  const double tp_s = 1.0 / d["value"].get<double>() - step_without_tp(d["inputs"]);
  CHECK(tp_s == Approx(1691.9e-6).epsilon(0.002));
  CHECK(tp_decode("meta-llama/Llama-3.1-8B", "a100-pcie-80g", 2)["inputs"]["link"] ==
        "NVLink bridge");
  CHECK(tp_decode("meta-llama/Llama-3.1-8B", "a100-pcie-80g", 4)["inputs"]["link"] == "PCIe");
}

// Data-parallel traffic in the training step (methodology §18.4), derived by
// hand for Llama-3.1-8B full fine-tuning in pure bf16, micro-batch 1 x 512,
// gradient checkpointing, on 2 x RTX 4090 (PCIe 4.0 x16, no GPU-to-GPU link):
//   N (matrix params) = 8,030,261,248 - 128,256 x 4,096 = 7,504,924,672;
//   A (attention) = 32 layers x 2 x 32 heads x 256 x 513/2 = 134,479,872;
//   FLOPs per token = 8N + 4A = 60,577,316,864 (6N + 3A, + 2N + A recompute);
//   compute = 512 x that / (165.2e12 x 0.624) = 0.300874 s; the backward pass
//   is 1 - (2N + A) / (8N + 4A) = 0.75 of it: 0.225656 s;
//   gradients G = 8,030,261,248 x 2 B = 16,060,522,496 B;
//   link = 16 lanes x 1.969 GB/s x 0.50 = 15.752e9 B/s.
// - DDP: all-reduce 2 x 1/2 x G = G, 1.019586 s, during the backward pass:
//   0.300874 + (1.019586 - 0.225656) = 1.094805 s. Slow end (HFU 0.567, no
//   overlap, link x 0.20): 0.331127 + 2.548966 = 2.880087 s.
// - DeepSpeed ZeRO-2 without overlap_comm: reduce-scatter 1/2 x G on the
//   compute stream and the all-gather of 1/2 x the 16-bit params after the
//   step, both on the critical path: 0.300874 + 1.019586 = 1.320461 s; with
//   overlap_comm the reduce hides in the backward pass: 0.300874 + (0.509793
//   - 0.225656) + 0.509793 = 1.094805 s.
// - ZeRO-3: two all-gathers of the 16-bit params and a reduce-scatter, 3/2 x
//   G = 1.529379 s, prefetched across the whole step: max = 1.529379 s.
TEST_CASE("speed: data-parallel training pays the gradient traffic the compute does not hide",
          "[speed]") {
  json r = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
            {"task", "full"},
            {"precision", "bf16_pure"},
            {"gradient_checkpointing", true},
            {"gpu", "rtx-4090-24g"},
            {"batch_size", 1},
            {"seq_len", 512},
            {"parallel", {{"dp", 2}}},
            {"search", false}};
  auto step = [&] { return figure(api(r)["speed"], "train_step_s"); };
  const json ddp = step();
  CHECK(ddp["inputs"]["flops_per_token"].get<double>() == Approx(60577316864.0).epsilon(1e-6));
  CHECK(ddp["inputs"]["dp_gradient_bytes"].get<double>() == 16060522496.0);
  CHECK(ddp["inputs"]["dp_overlapped_bytes"].get<double>() == 16060522496.0);
  CHECK(ddp["inputs"]["backward_share"].get<double>() == Approx(0.75));
  CHECK(ddp["inputs"]["link"] == "PCIe");
  CHECK(ddp["value"].get<double>() == Approx(1.094805).epsilon(1e-4));
  CHECK(ddp["high"].get<double>() == Approx(2.880087).epsilon(1e-4));
  // tokens/s, all GPUs: 2 x 512 / 1.094805.
  CHECK(figure(api(r)["speed"], "train_tokens_per_s")["value"].get<double>() ==
        Approx(935.31).epsilon(1e-4));
  r["parallel"]["zero"] = 2;
  const json z2 = step();
  CHECK(z2["inputs"]["dp_after_backward_bytes"].get<double>() == 16060522496.0);
  CHECK(z2["value"].get<double>() == Approx(1.320461).epsilon(1e-4));
  r["parallel"]["overlap_comm"] = true;
  CHECK(step()["value"].get<double>() == Approx(1.094805).epsilon(1e-4));
  r["parallel"].erase("overlap_comm");
  r["parallel"]["zero"] = 3;
  const json z3 = step();
  CHECK(z3["inputs"]["dp_overlap_window"] == "step");
  CHECK(z3["value"].get<double>() == Approx(1.529379).epsilon(1e-4));
  CHECK(z3["inputs"]["dp_gathered_bytes"].get<double>() == 16060522496.0);
  // Under bf16 mixed the gathered params are the 16-bit weights too
  // (2 B x 8,030,261,248 = 16,060,522,496), not the fp32 master.
  r["precision"] = "bf16_mixed";
  CHECK(step()["inputs"]["dp_gathered_bytes"].get<double>() == 16060522496.0);
  r["precision"] = "bf16_pure";
  // ZeRO-3 at 1 x 4096 tokens: compute 64,335,413,248 x 4096 / 103.0848e12
  // = 2.556321 s outlasts all 1.529379 s of traffic, so the step is the
  // compute. With DeepSpeed's overlap_comm off (LLaMA-Factory's shipped
  // ds_z3_config.json) the reduce-scatter, 1/2 x G = 0.509793 s, runs in turn
  // with the backward kernels: 3.066114 s.
  r["seq_len"] = 4096;
  CHECK(step()["value"].get<double>() == Approx(2.556321).epsilon(1e-4));
  r["parallel"]["overlap_comm"] = false;
  const json z3_serial = step();
  CHECK(z3_serial["inputs"]["dp_after_backward_bytes"].get<double>() == 8030261248.0);
  CHECK(z3_serial["value"].get<double>() == Approx(3.066114).epsilon(1e-4));
  r["stack"] = "llama_factory";
  r["parallel"].erase("overlap_comm");
  CHECK(step()["value"].get<double>() == Approx(3.066114).epsilon(1e-4));
  r.erase("stack");
  r["seq_len"] = 512;
  // Gradient accumulation over 4 micro-batches (compute 0.300874 s, the
  // one-GPU step below). DDP all-reduces on the last one only (the Trainer's
  // no_sync): 0.300874 + (1.094805 - 0.300874) / 4 = 0.499357 s. ZeRO-2
  // reduce-scatters every micro-batch (1/2 G over PCIe: 0.509794 s, serial
  // without overlap_comm) and all-gathers once per optimizer step:
  // 0.300874 + 0.509794 + 0.509794 / 4 = 0.938116 s, after-backward bytes
  // 8,030,261,248 + 8,030,261,248 / 4 = 10,037,826,560. ZeRO-1 reduces at
  // the boundary only: 0.300874 + 1.019587 / 4 = 0.555771 s.
  r["gradient_accumulation_steps"] = 4;
  r["parallel"] = {{"dp", 2}};
  const json ddp_ga = step();
  CHECK(ddp_ga["inputs"]["dp_sync_every"].get<double>() == 4.0);
  CHECK(ddp_ga["value"].get<double>() == Approx(0.499357).epsilon(1e-4));
  r["parallel"]["zero"] = 2;
  const json z2_ga = step();
  CHECK(z2_ga["inputs"]["dp_after_backward_bytes"].get<double>() == 10037826560.0);
  CHECK_FALSE(z2_ga["inputs"].contains("dp_sync_every"));
  CHECK(z2_ga["value"].get<double>() == Approx(0.938116).epsilon(1e-4));
  r["parallel"]["zero"] = 1;
  CHECK(step()["value"].get<double>() == Approx(0.555771).epsilon(1e-4));
  r.erase("gradient_accumulation_steps");
  // One GPU: the compute alone, and no traffic inputs.
  r["parallel"] = {{"dp", 1}};
  const json one = step();
  CHECK(one["value"].get<double>() == Approx(0.300874).epsilon(1e-4));
  CHECK_FALSE(one["inputs"].contains("dp_gradient_bytes"));
}

// The same traffic hides where the compute outlasts it. Over NVLink 4 (H100
// SXM: 450 GB/s per direction x 0.80): G / 360e9 = 0.0446 s < the backward
// pass. LoRA r16 on q and v over PCIe: 6,815,744 fp32 params, 2 x 1/2 x
// 27,262,976 B / 15.752e9 = 1.7 ms < the backward pass. Each step then equals
// its one-GPU step.
TEST_CASE("speed: gradient traffic hidden by the backward pass costs nothing", "[speed]") {
  auto step = [](json r, int64_t dp) {
    r["parallel"] = {{"dp", dp}};
    return figure(api(r)["speed"], "train_step_s")["value"].get<double>();
  };
  const json full = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                     {"task", "full"},
                     {"precision", "bf16_pure"},
                     {"gpu", "h100-sxm-80g"},
                     {"batch_size", 1},
                     {"seq_len", 512},
                     {"search", false}};
  CHECK(step(full, 2) == Approx(step(full, 1)));
  const json lora = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                     {"task", "lora"},
                     {"lora", {{"rank", 16}, {"targets", {"q_proj", "v_proj"}}, {"dtype", "fp32"}}},
                     {"gpu", "rtx-4090-24g"},
                     {"batch_size", 1},
                     {"seq_len", 512},
                     {"search", false}};
  CHECK(step(lora, 2) == Approx(step(lora, 1)));
  json two = lora;
  two["parallel"] = {{"dp", 2}};
  CHECK(figure(api(two)["speed"], "train_step_s")["inputs"]["dp_gradient_bytes"].get<double>() ==
        27262976.0);
}
