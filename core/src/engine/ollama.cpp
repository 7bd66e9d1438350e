// Ollama (methodology §17), modelled from ollama/ollama v0.33.0: Ollama
// starts llama.cpp's llama-server with -c num_ctx x num_parallel,
// -np num_parallel, -b/-ub num_batch, the KV cache type and flash attention,
// and lets llama-server fit the layers (llm/llama_server.go
// startLlamaServer); its defaults come from server/routes.go (num_ctx by
// VRAM) and server/sched.go (num_batch).
#include "engine/ollama.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "catalog/embedded.h"
#include "engine/llama_cpp.h"
#include "util/json_util.h"
#include "vramfit/catalog.h"
#include "vramfit/error.h"

namespace vramfit {
namespace ollama {
namespace {
using json = nlohmann::json;

const json& data() {
  static const json d = jsonu::load_embedded([] {
    return jsonu::parse_text(embedded_text("engines/ollama.json"), "engines/ollama.json");
  });
  return d;
}

int64_t batch(const char* key) { return data().at("num_batch").at(key).get<int64_t>(); }
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// The GPU's free memory as Ollama sees it: total less the CUDA context.
int64_t free_bytes(const Request& req) {
  const Gpu* g = req.gpu.empty() ? nullptr : find_gpu(req.gpu);
  return g ? g->memory_bytes - req.cuda_context_mib * kMiB : 0;
}

}  // namespace

int64_t default_num_parallel() { return data().at("num_parallel").at("value").get<int64_t>(); }

int64_t default_num_ctx(int64_t total_vram_bytes) {
  for (const json& t : data().at("default_num_ctx").at("tiers")) {
    if (total_vram_bytes >= t.at("min_vram_gib").get<int64_t>() * kGiB)
      return t.at("num_ctx").get<int64_t>();
  }
  return 4096;
}

int64_t context_of(const ModelSpec& spec, int64_t num_ctx) {
  return spec.max_positions > 0 ? std::min(num_ctx, spec.max_positions) : num_ctx;
}

int64_t predict_vram(const ModelSpec& spec, int64_t file_bytes, int64_t n_ctx) {
  // 2 (K and V) x block_count x head_count_kv x (embedding / heads) x
  // context x 2 bytes, over the file size.
  const int64_t layers = static_cast<int64_t>(spec.layers.size());
  const int64_t kv_heads = std::max<int64_t>(spec.num_kv_heads, 1);
  const int64_t head_dim = spec.num_heads > 0 ? spec.hidden / spec.num_heads : 0;
  return file_bytes + 2 * layers * kv_heads * head_dim * n_ctx * 2;
}

int64_t auto_num_batch(const ModelSpec& spec, const Request& req, int64_t n_ctx, bool flash_attn,
                       int64_t file_bytes) {
  const int64_t avail = free_bytes(req);
  const bool cuda = avail > 0;
  if (!flash_attn && cuda) {
    const Gpu* g = find_gpu(req.gpu);
    const bool small = g && g->memory_bytes <= batch("constrained_gpu_gib") * kGiB;
    return n_ctx > batch("medium_above_ctx") && small ? batch("constrained") : batch("default");
  }
  int64_t b = n_ctx > batch("large_above_ctx")    ? batch("large")
              : n_ctx > batch("medium_above_ctx") ? batch("medium")
                                                  : batch("default");
  const int64_t predicted = predict_vram(spec, file_bytes, n_ctx);
  auto fits = [&](int64_t nb) {
    if (predicted == 0 || avail == 0) return true;
    const int64_t threshold = avail * batch("fits_percent") / 100;
    if (predicted > threshold) return false;
    const bool large = nb >= batch("large");
    const int64_t headroom =
        large ? batch("large_headroom_percent") : batch("medium_headroom_percent");
    if (predicted > avail * headroom / 100) return false;
    const int64_t surcharge =
        (large ? batch("large_surcharge_mib") : batch("medium_surcharge_mib")) * kMiB;
    return surcharge <= threshold - predicted;
  };
  while (b > batch("default") && !fits(b)) {
    b = b > batch("medium") ? batch("medium") : batch("default");
  }
  return b;
}

int64_t fit_room(const Request& req) {
  const int64_t avail = free_bytes(req);
  return avail > 0 ? avail - llama_cpp::fit_margin_mib() * kMiB : 0;
}

}  // namespace ollama
}  // namespace vramfit
