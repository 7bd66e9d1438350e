// libFuzzer target: arbitrary bytes as a Hugging Face config.json through the
// same text parser as the API (size and depth limits), then
// parse_model_config() and count_params(). The parser returns its errors:
// any exception out of it (nlohmann type errors, std::length_error,
// bad_alloc) is a bug and aborts, as is an internal error. Parameter counts must be non-negative
// and consistent (total = embeddings + lm_head + non_embedding, active <= total).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/json_util.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

namespace {
void check(const vramfit::ParamCounts& c) {
  bool ok = c.total >= 0 && c.embeddings >= 0 && c.lm_head >= 0 && c.non_embedding >= 0 &&
            c.active >= 0 && c.towers >= 0 && c.active <= c.total &&
            c.total == c.embeddings + c.lm_head + c.non_embedding;
  for (int64_t n : c.per_layer) ok = ok && n >= 0;
  if (!ok) {
    std::fprintf(stderr, "bad counts: total %lld embed %lld head %lld active %lld\n",
                 static_cast<long long>(c.total), static_cast<long long>(c.embeddings),
                 static_cast<long long>(c.lm_head), static_cast<long long>(c.active));
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json cfg;
  try {
    cfg = vramfit::jsonu::parse_text(text, "config");
  } catch (const vramfit::Error&) {
    return 0;
  }
  // The parser returns its errors: nothing may be thrown out of it.
  try {
    const vramfit::Result<vramfit::ModelSpec> spec = vramfit::parse_model_config(cfg);
    if (spec.ok()) {
      check(vramfit::count_params(spec.value()));
    } else if (spec.error().code() == vramfit::ErrorCode::internal) {
      std::fprintf(stderr, "internal error: %s\n", spec.error().what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "an exception escaped the config parser: %s\n", e.what());
    std::abort();
  }
  return 0;
}
