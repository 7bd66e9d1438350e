// engine ollama: Ollama's launch of llama-server (methodology §17). Expected
// values are figures Ollama and its runner printed in public issues (rows of
// tests/validation/ollama_logs.tsv, URL per case) or hand derivations from
// ollama/ollama v0.33.0 written next to the check.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api_call.h"

namespace {
using json = nlohmann::json;

json ollama(const char* preset, int64_t num_ctx, json extra = json::object()) {
  json r = {{"model", {{"preset", preset}}}, {"task", "inference"}, {"engine", "ollama"},
            {"weights_dtype", "q4_k_m"},     {"seq_len", num_ctx},  {"search", false}};
  for (auto it = extra.begin(); it != extra.end(); ++it) r[it.key()] = it.value();
  return api(r)["engine"]["ollama"];
}
double kv_mib(const json& o) {
  return o["kv_buffer_gpu_mib"].get<double>() + o["kv_buffer_cpu_mib"].get<double>();
}
}  // namespace

TEST_CASE("Ollama multiplies num_ctx by num_parallel (-c), each slot its own stream", "[ollama]") {
  // https://github.com/ollama/ollama/issues/10160: OLLAMA_CONTEXT_LENGTH=4096 and
  // OLLAMA_NUM_PARALLEL=6 start the runner with --ctx-size 24576 --batch-size 512 --parallel 6.
  // (That release's fixed num_batch 512; v0.33.0 picks 1024 above 4096 tokens.)
  const json six = ollama("Qwen/Qwen2.5-1.5B-Instruct", 4096, {{"n_parallel", 6}});
  CHECK(six["n_ctx"] == 24576);
  CHECK(six["num_parallel"] == 6);
  CHECK(six["num_batch"] == 1024);
  // https://github.com/ollama/ollama/issues/9362: num_ctx 2048, 4 slots, 28 layers with
  // n_embd_k_gqa = n_embd_v_gqa = 256: n_ctx = 8192, n_ctx_per_seq = 2048, kv_size = 8192.
  // KV by hand: 8192 cells x 28 layers x (256 + 256) x 2 B = 234,881,024 B = 224.00 MiB.
  const json four = ollama("Qwen/Qwen2.5-1.5B-Instruct", 2048, {{"n_parallel", 4}});
  CHECK(four["n_ctx"] == 8192);
  CHECK(four["kv_cells"] == 8192);
  CHECK(kv_mib(four) == Approx(224.00).margin(0.005));
}

TEST_CASE("Ollama's KV for a 64000 context matches its memory.required.kv", "[ollama]") {
  // https://github.com/ollama/ollama/issues/9181: layers.model=81, memory.required.kv="19.5 GiB"
  // at num_ctx 64000 (80 layers x 8 KV heads x 128 x 2 x 2 B = 327,680 B per token; x 64000 =
  // 20,971,520,000 B = 19.53 GiB, printed with one decimal).
  const json o = ollama("meta-llama/Llama-3.1-70B", 64000, {{"n_gpu_layers", 0}});
  CHECK(o["layers_model"] == 81);
  CHECK(kv_mib(o) / 1024.0 == Approx(19.5).margin(0.05));
  CHECK(kv_mib(o) == Approx(20000.00).margin(0.005));
}

TEST_CASE("Ollama's default num_ctx by VRAM and its automatic num_batch", "[ollama]") {
  // server/routes.go: total VRAM >= 47 GiB: 262144, >= 23 GiB: 32768, else 4096.
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 2048, {{"gpu", "3060"}})["default_num_ctx"] == 4096);
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 2048, {{"gpu", "4090"}})["default_num_ctx"] == 32768);
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 2048, {{"gpu", "h100"}})["default_num_ctx"] == 262144);
  // server/sched.go automaticGenerationBatch: > 4096 tokens 1024, > 32768 tokens 2048 while the
  // predicted VRAM leaves headroom (a 1.5B model on an 80 GB H100 does); flash attention off
  // on CUDA: 512, and 256 above 4096 tokens on a GPU of <= 8 GiB.
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 4096, {{"gpu", "h100"}})["num_batch"] == 512);
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 8192, {{"gpu", "h100"}})["num_batch"] == 1024);
  // 32768 is not above 32768 (and the model's own maximum caps num_ctx there); two slots make
  // the context 65536.
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 32768, {{"gpu", "h100"}})["num_batch"] == 1024);
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 32768,
               {{"gpu", "h100"}, {"n_parallel", 2}})["num_batch"] == 2048);
  CHECK(ollama("Qwen/Qwen2.5-1.5B-Instruct", 8192,
               {{"gpu", "h100"}, {"flash_attn", "off"}})["num_batch"] == 512);
  // A 70B Q4_K_M at 32768 tokens: PredictServerVRAM = ~39.6 GiB file + 2 x 80 x 8 x 128 x
  // 32768 x 2 B = 10 GiB of KV = ~49.6 GiB of the H100's ~79 GiB free: over 60% (~47.4), so
  // no 2048; under 75% (~59.3) with 768 MiB left below 80% (~63.2): 1024.
  CHECK(ollama("meta-llama/Llama-3.1-70B", 32768, {{"gpu", "h100"}})["num_batch"] == 1024);
  // On a 48 GB card the same 49.6 GiB is past 80% of the free memory: 512.
  CHECK(ollama("meta-llama/Llama-3.1-70B", 32768, {{"gpu", "a6000"}})["num_batch"] == 512);
}

TEST_CASE("Ollama lets llama-server fit the layers to the GPU", "[ollama]") {
  // No num_gpu: llama-server's fit puts the most layers that leave 1024 MiB free; the answer
  // is the same as llama.cpp's largest n_gpu_layers under the same settings.
  const json o = ollama("meta-llama/Llama-3.1-70B", 4096, {{"gpu", "4090"}});
  CHECK(o["layers_fitted"] == true);
  const int64_t n = o["layers_offload"];
  CHECK(n > 0);
  CHECK(n < 81);
  // About 40 GiB of weights against a 24 GB card: some 19 GiB stay in host memory.
  CHECK(o["host_mib"].get<double>() > 15000.0);
  CHECK(o["spare_mib"].get<double>() >= 1024.0);
  json r = {{"model", {{"preset", "meta-llama/Llama-3.1-70B"}}},
            {"task", "inference"},
            {"engine", "llama_cpp"},
            {"weights_dtype", "q4_k_m"},
            {"seq_len", 4096},
            {"n_parallel", 1},
            {"n_batch", o["num_batch"]},
            {"n_ubatch", o["num_batch"]},
            {"gpu", "4090"},
            {"search", false}};
  CHECK(api(r)["engine"]["llama_cpp"]["max_n_gpu_layers"]["n_gpu_layers"] == n);
  // A small model goes whole: all layers and the output layer.
  const json small = ollama("Qwen/Qwen2.5-1.5B-Instruct", 4096, {{"gpu", "4090"}});
  CHECK(small["layers_offload"] == small["layers_model"]);
  // num_gpu set: as given.
  CHECK(ollama("meta-llama/Llama-3.1-70B", 4096,
               {{"gpu", "4090"}, {"n_gpu_layers", 10}})["layers_offload"] == 10);
}
