// engine llama_cpp: llama.cpp's buffers (methodology §16). Expected values
// are the buffer sizes llama.cpp printed in ggml-org/ci start-up logs (rows
// of tests/validation/llamacpp_logs.tsv, cited per case) or hand derivations
// written next to the check.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "api_call.h"
#include "test_config.h"

namespace {
using json = nlohmann::json;

json config(const std::string& name) {
  std::ifstream in(std::string(VRAMFIT_TEST_DATA_DIR) + "/../validation/configs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}
const char* kPythia = "EleutherAI__pythia-2.8b.json";
const char* kOpenLlama = "openlm-research__open_llama_7b_v2.json";

json llama(const char* model, const std::string& dtype, int64_t n_ctx,
           json extra = json::object()) {
  json r = {{"model", {{"config", config(model)}}},
            {"task", "inference"},
            {"engine", "llama_cpp"},
            {"weights_dtype", dtype},
            {"seq_len", n_ctx},
            {"n_batch", 512},
            {"flash_attn", "off"},
            {"search", false}};
  for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
  return api(r)["engine"]["llama_cpp"];
}

json comp(const json& r, const char* id) {
  for (const auto& c : r["components"])
    if (c["id"] == id) return c["bytes"];
  return json();
}
}  // namespace

TEST_CASE("llama.cpp buffers of pythia 2.8B Q4_0 match build 4343's log", "[llama_cpp]") {
  // ggml-org/ci .../ggml-4-x86-cuda-v100/pythia_2_8b-tg-q4_0.log (llamacpp_logs.tsv row 5):
  // CUDA0 model buffer 1454.83 MiB, CPU_Mapped 69.08, KV 640.00, CUDA0 compute 162.00,
  // CUDA_Host compute 9.01 (-ngl 99 -c 2048, n_ubatch 512, no flash attention).
  const json b = llama(kPythia, "q4_0", 2048);
  CHECK(b["model_buffer_gpu_mib"] == Approx(1454.83).margin(0.005));
  CHECK(b["model_buffer_cpu_mib"] == Approx(69.08).margin(0.005));
  CHECK(b["kv_buffer_gpu_mib"] == Approx(640.00).margin(0.005));
  CHECK(b["compute_buffer_gpu_mib"] == Approx(162.00).margin(0.005));
  CHECK(b["compute_buffer_host_mib"] == Approx(9.01).margin(0.02));
}

TEST_CASE("llama.cpp partial offload (-ngl 10) splits buffers as build 4343 logs them",
          "[llama_cpp]") {
  // pythia_2_8b-save-load-state.log, first run (row 10): CUDA0 model 423.14 MiB, KV CUDA0
  // 200.00 + CPU 440.00, CUDA0 compute 203.99 (the CPU-resident Q6_K output weight is copied
  // in for the ubatch's matmul), CUDA_Host compute 14.01.
  const json b = llama(kPythia, "q4_0", 2048, {{"n_gpu_layers", 10}, {"n_batch", 2048}});
  CHECK(b["model_buffer_gpu_mib"] == Approx(423.14).margin(0.005));
  CHECK(b["kv_buffer_gpu_mib"] == Approx(200.00).margin(0.005));
  CHECK(b["kv_buffer_cpu_mib"] == Approx(440.00).margin(0.005));
  CHECK(b["compute_buffer_gpu_mib"] == Approx(203.99).margin(0.005));
  CHECK(b["compute_buffer_host_mib"] == Approx(14.01).margin(0.02));
}

TEST_CASE("llama.cpp flash attention drops the scores from the compute buffer", "[llama_cpp]") {
  // pythia_2_8b-save-load-state.log, last run with -fa (row 11): CUDA0 compute 103.25 MiB
  // (logits 512 x 50304 x 4 + final norm 512 x 2560 x 4 = 98.25 + 5.00).
  const json b = llama(kPythia, "q4_0", 2048, {{"flash_attn", "on"}});
  CHECK(b["compute_buffer_gpu_mib"] == Approx(103.25).margin(0.005));
}

TEST_CASE("llama.cpp open-llama 7B Q4_K_M and Q8_0 match build 2459's logs", "[llama_cpp]") {
  // ggml-org/ci d199ca79 README, section q4_k (row 21): CUDA0 3820.94, CPU 70.31, KV 1024.00,
  // compute 164.00 / host 12.00 at -c 2048.
  const json q4 = llama(kOpenLlama, "q4_k_m", 2048);
  CHECK(q4["model_buffer_gpu_mib"] == Approx(3820.94).margin(0.015));
  CHECK(q4["model_buffer_cpu_mib"] == Approx(70.31).margin(0.005));
  CHECK(q4["kv_buffer_gpu_mib"] == Approx(1024.00).margin(0.005));
  CHECK(q4["compute_buffer_gpu_mib"] == Approx(164.00).margin(0.005));
  CHECK(q4["compute_buffer_host_mib"] == Approx(12.00).margin(0.005));
  // Section q8_0, main run at the default -c 512 (row 13): KV 256.00, compute 70.50 (the
  // logits 512 x 32000 x 4 + final norm 512 x 4096 x 4 outgrow the 512-cell scores).
  const json q8 = llama(kOpenLlama, "q8_0", 512);
  CHECK(q8["model_buffer_gpu_mib"] == Approx(6695.84).margin(0.015));
  CHECK(q8["kv_buffer_gpu_mib"] == Approx(256.00).margin(0.005));
  CHECK(q8["compute_buffer_gpu_mib"] == Approx(70.50).margin(0.005));
}

TEST_CASE("llama.cpp K and V cache types apart, n_ctx padded to 256", "[llama_cpp]") {
  // Hand derivation, pythia (32 layers, 2560 K and V per token): K q8_0 = 2560 / 32 x 34 =
  // 2720 B, V q4_0 = 2560 / 32 x 18 = 1440 B; x 2048 cells x 32 layers = 272,629,760 B
  // = 260.00 MiB.
  const json b = llama(kPythia, "q4_0", 2048,
                       {{"flash_attn", "on"}, {"cache_type_k", "q8_0"}, {"cache_type_v", "q4_0"}});
  CHECK(b["kv_buffer_gpu_mib"] == Approx(260.00).margin(0.005));
  CHECK(b["cache_type_k"] == "Q8_0");
  // n_ctx 1000 -> 1024 cells (GGML_PAD(n_ctx, 256)): f16 K+V 2 x 2560 x 2 B x 1024 x 32 =
  // 320.00 MiB.
  const json p = llama(kPythia, "q4_0", 1000);
  CHECK(p["kv_cells"] == 1024);
  CHECK(p["kv_buffer_gpu_mib"] == Approx(320.00).margin(0.005));
}

TEST_CASE("llama.cpp: the response's components are the GPU buffers", "[llama_cpp]") {
  const json r = api({{"model", {{"config", config(kPythia)}}},
                      {"task", "inference"},
                      {"engine", "llama_cpp"},
                      {"weights_dtype", "q4_0"},
                      {"seq_len", 2048},
                      {"flash_attn", "off"},
                      {"search", false}});
  const json& b = r["engine"]["llama_cpp"];
  const double mib = 1048576.0;
  CHECK(comp(r, "weights").get<double>() / mib ==
        Approx(b["model_buffer_gpu_mib"].get<double>()).margin(0.01));
  CHECK(comp(r, "kv_cache").get<double>() / mib == Approx(640.0).margin(0.01));
  CHECK(comp(r, "compute_buffer").get<double>() / mib == Approx(162.0).margin(0.01));
  CHECK(comp(r, "logits").is_null());  // inside the compute buffer
  CHECK(comp(r, "prefill_activations").is_null());
}

TEST_CASE("llama.cpp largest n_gpu_layers fits the named GPU", "[llama_cpp]") {
  // open-llama 7B F16 (12.6 GB of layers) on a 12 GB card: some layers stay on the CPU.
  const json b = llama(kOpenLlama, "fp16", 2048, {{"gpu", "3060"}});
  const json& x = b["max_n_gpu_layers"];
  REQUIRE(x.is_object());
  const int64_t n = x["n_gpu_layers"];
  CHECK(n > 0);
  CHECK(n < 33);
  const json at = llama(kOpenLlama, "fp16", 2048, {{"n_gpu_layers", n}});
  const json more = llama(kOpenLlama, "fp16", 2048, {{"n_gpu_layers", n + 1}});
  auto gpu = [](const json& j) {
    return j["model_buffer_gpu_mib"].get<double>() + j["kv_buffer_gpu_mib"].get<double>() +
           j["compute_buffer_gpu_mib"].get<double>();
  };
  CHECK(gpu(at) == Approx(x["gpu_mib"].get<double>()).margin(0.05));
  CHECK(gpu(more) > gpu(at));
  CHECK(x["spare_mib"].get<double>() >= 1024.0);  // llama-server's fit target stays free
  // The output layer counts as one more layer: n_layer + 1 puts it on the GPU.
  const json all = llama(kOpenLlama, "fp16", 2048, {{"n_gpu_layers", 33}});
  const json layers = llama(kOpenLlama, "fp16", 2048, {{"n_gpu_layers", 32}});
  CHECK(all["model_buffer_gpu_mib"].get<double>() > layers["model_buffer_gpu_mib"].get<double>());
  CHECK(all["kv_buffer_gpu_mib"] == layers["kv_buffer_gpu_mib"]);
}

TEST_CASE("llama.cpp settings: bad cache types name their field", "[llama_cpp]") {
  auto err = [](json extra) {
    json r = {
        {"model", {{"preset", "Qwen/Qwen3-0.6B"}}}, {"task", "inference"}, {"engine", "llama_cpp"}};
    for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
    return json::parse(vramfit::estimate_json(r.dump()))["error"];
  };
  const json unknown = err({{"cache_type_k", "q3_k"}});
  CHECK(unknown["code"] == "unknown_value");
  CHECK(unknown["field"] == "cache_type_k");
  // llama-context.cpp refuses a quantised V cache without flash attention.
  const json v = err({{"cache_type_v", "q4_0"}, {"flash_attn", "off"}});
  CHECK(v["code"] == "inconsistent");
  CHECK(v["field"] == "cache_type_v");
}

TEST_CASE("llama.cpp sliding-window layers keep n_swa x slots + n_ubatch cells", "[llama_cpp]") {
  // Hand derivation, gemma-3-1b (26 layers, every 6th global, window 512, 1 KV head of 256):
  // K+V f16 per cell and layer = 2 x 256 x 2 = 1024 B; global layers (5, 11, 17, 23): 4 x 8192
  // cells = 32 MiB. llama-kv-cache-iswa.cpp: SWA cells = GGML_PAD(min(size_base, n_swa x
  // (unified ? n_seq_max : 1) + n_ubatch), 256).
  auto kv = [](json extra) {
    json r = {{"model", {{"preset", "google/gemma-3-1b-it"}}},
              {"task", "inference"},
              {"engine", "llama_cpp"},
              {"weights_dtype", "q8_0"},
              {"seq_len", 8192},
              {"search", false}};
    for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
    return api(r)["engine"]["llama_cpp"]["kv_buffer_gpu_mib"].get<double>();
  };
  // llama-server's default -np auto: 4 unified slots, 512 x 4 + 512 = 2560 cells x 22 local
  // layers x 1024 B = 55 MiB; + 32 = 87 MiB.
  CHECK(kv(json::object()) == Approx(87.00).margin(0.005));
  // -np 1 (one stream of 8192): 512 + 512 = 1024 cells x 22 = 22 MiB; + 32 = 54 MiB.
  CHECK(kv({{"n_parallel", 1}}) == Approx(54.00).margin(0.005));
}

TEST_CASE("llama.cpp parallel slots: an explicit -np splits n_ctx into padded streams",
          "[llama_cpp]") {
  // src/llama-context.cpp: not unified, n_ctx_seq = GGML_PAD(n_ctx / n_seq_max, 256) and the
  // cache holds n_ctx_seq x n_seq_max cells. Pythia: 2 x 2560 x 2 B x 32 layers = 0.3125 MiB
  // per cell.
  // -c 8192 -np 4: 2048 cells per slot, 8192 in all = 2560 MiB, as unified.
  const json four = llama(kPythia, "q4_0", 8192, {{"n_parallel", 4}});
  CHECK(four["n_ctx_seq"] == 2048);
  CHECK(four["kv_cells"] == 8192);
  CHECK(four["kv_unified"] == false);
  CHECK(four["kv_buffer_gpu_mib"] == Approx(2560.00).margin(0.005));
  // -np 3: 8192 / 3 = 2730 -> 2816 cells per slot, 8448 in all = 2640 MiB.
  const json three = llama(kPythia, "q4_0", 8192, {{"n_parallel", 3}});
  CHECK(three["n_ctx_seq"] == 2816);
  CHECK(three["kv_buffer_gpu_mib"] == Approx(2640.00).margin(0.005));
  // No -np: llama-server's auto, 4 slots on one unified stream of all 8192 cells.
  const json dflt = llama(kPythia, "q4_0", 8192);
  CHECK(dflt["n_parallel"] == 4);
  CHECK(dflt["kv_unified"] == true);
  CHECK(dflt["n_ctx_seq"] == 8192);
}

TEST_CASE("llama.cpp --n-cpu-moe keeps the first layers' experts in host memory", "[llama_cpp]") {
  // Hand derivation, Qwen3-30B-A3B Q8_0 (48 layers, 128 experts of 768, hidden 2048): the
  // routed-expert stacks of one layer are 3 x 128 x 768 x 2048 = 603,979,776 weights in Q8_0
  // (34 B per 32) = 641,728,512 B = 612.00 MiB. --n-cpu-moe 10 moves ten layers' stacks:
  // 6120.00 MiB from the CUDA0 to the CPU model buffer; the rest of those layers stays.
  auto run = [](json extra) {
    json r = {{"model", {{"preset", "Qwen/Qwen3-30B-A3B"}}},
              {"task", "inference"},
              {"engine", "llama_cpp"},
              {"weights_dtype", "q8_0"},
              {"seq_len", 4096},
              {"search", false}};
    for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
    return api(r)["engine"]["llama_cpp"];
  };
  const json all = run(json::object());
  const json moe = run({{"n_cpu_moe", 10}});
  CHECK(all["model_buffer_gpu_mib"].get<double>() - moe["model_buffer_gpu_mib"].get<double>() ==
        Approx(6120.00).margin(0.02));
  CHECK(moe["model_buffer_cpu_mib"].get<double>() - all["model_buffer_cpu_mib"].get<double>() ==
        Approx(6120.00).margin(0.02));
  CHECK(moe["kv_buffer_gpu_mib"] == all["kv_buffer_gpu_mib"]);
  // n_ubatch 512 >= 32: the GPU runs those experts' matmuls, one layer's stacks copied into
  // the compute buffer beside the FFN activations.
  CHECK(moe["compute_buffer_gpu_mib"].get<double>() >= 612.00);
}

// Several GPUs under llama.cpp or Ollama: their layer split is not modelled,
// so the layout is dropped (the figures are one GPU's, as with gpus 1) and the
// response says so; gpus 1, or an engine that models its split, says nothing.
TEST_CASE("llama.cpp and Ollama with several GPUs: one GPU's figures, and a warning",
          "[llama_cpp]") {
  auto warned = [](const json& resp) {
    for (const json& w : resp["warnings"])
      if (w["code"] == "engine_single_gpu") return true;
    return false;
  };
  for (const char* engine : {"llama_cpp", "ollama"}) {
    INFO(engine);
    json r = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
              {"engine", engine},
              {"weights_dtype", "q4_k_m"},
              {"gpu", "rtx-3090-24g"},
              {"search", false}};
    const json one = api(r);
    CHECK_FALSE(warned(one));
    r["gpus"] = 2;
    const json two = api(r);
    CHECK(warned(two));
    CHECK(two["total_bytes"] == one["total_bytes"]);
    CHECK_FALSE(two.contains("layout"));
    r.erase("gpus");
    r["parallel"] = {{"tp", 2}};
    CHECK(warned(api(r)));
    r["parallel"] = {{"tp", 1}};
    r["gpus"] = 1;
    CHECK_FALSE(warned(api(r)));
  }
  const json hf = api({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                       {"gpu", "rtx-3090-24g"},
                       {"gpus", 2},
                       {"search", false}});
  CHECK_FALSE(warned(hf));
  CHECK(hf["layout"]["gpus"] == 2);
}
