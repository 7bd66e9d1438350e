// Stack mechanisms of methodology §15.7-15.8: the shifted fp32 logits copy
// of transformers 4.46-4.48 and bitsandbytes' paged optimizer states with
// the "fits by paging" verdict. Expected figures are hand derivations from
// the frameworks' code, written next to each case.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "api_call.h"
#include "fixture_configs.h"

using json = nlohmann::json;

namespace {
double component(const json& r, const std::string& id) {
  for (const json& c : r.at("components")) {
    if (c.at("id") == id) return c.at("bytes").get<double>();
  }
  return 0;
}

const json* component_row(const json& r, const std::string& id) {
  for (const json& c : r.at("components")) {
    if (c.at("id") == id) return &c;
  }
  return nullptr;
}

std::string verdict_on(const json& r, const std::string& gpu) {
  for (const json& g : r.at("gpus")) {
    if (g.at("id") == gpu) return g.at("verdict").get<std::string>();
  }
  return "";
}
}  // namespace

// transformers 4.46-4.48 ForCausalLMLoss: logits.float() then
// logits[..., :-1, :].contiguous(): bf16 logits 2V + fp32 4V + shifted copy
// 4V + log-probs 4V = 14V per token, against 12V from 4.49 on. Mistral-7B
// (V = 32,000), 8 x 4096 tokens: 2 x 32,000 x 32,768 = 2,097,152,000 B more.
TEST_CASE("transformers 4.46-4.48 keeps a shifted fp32 copy of the logits") {
  json req = {{"model", {{"config", load("mistralai__Mistral-7B-v0.1.json")}}},
              {"task", "lora"},
              {"stack", "hf"},
              {"stack_version", "4.55"},
              {"gradient_checkpointing", true},
              {"batch_size", 8},
              {"seq_len", 4096},
              {"search", false}};
  const double later = component(api(req), "logits");
  req["stack_version"] = "4.48";
  const double old = component(api(req), "logits");
  CHECK(later == 32768.0 * 32000 * 12);
  CHECK(old - later == 2097152000.0);
}

// bitsandbytes get_state_buffer pages the uint8 m and v of every tensor of
// >= 1e5 elements (cudaMallocManaged). Llama-3.1-8B full fine-tune: all
// 8,030,261,248 params except the 65 RMSNorm weights of 4,096 (266,240
// params) are in such tensors: 2 x 8,029,995,008 = 16,059,990,016 B paged.
// The rest (bf16 weights 16.06e9 B, one gradient at a time with the step in
// backward, absmax 8/256 B per param, checkpointed activations of 2 x 2048
// tokens) is ~19 GiB: the total (~35 GiB) does not fit a 24 GB RTX 4090,
// everything but the paged states does -> "fits by paging"; an 80 GB H100
// holds it all -> "fits".
TEST_CASE("paged AdamW 8-bit: managed states outside peak_allocated, fits by paging") {
  const json r = api({{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
                      {"task", "full"},
                      {"stack", "torchtune"},
                      {"optimizer", "paged_adamw_8bit"},
                      {"batch_size", 2},
                      {"seq_len", 2048},
                      {"search", false}});
  const json* paged = component_row(r, "paged_optimizer_states");
  REQUIRE(paged != nullptr);
  CHECK(paged->at("bytes").get<double>() == 16059990016.0);
  CHECK(paged->at("paged") == true);
  CHECK(r.at("paged_bytes").get<double>() == 16059990016.0);
  // absmax1 + absmax2: 2 x 4 B per 256-element block of every tensor
  // (250,945,664 B), + the uint8 m and v of the RMSNorm weights, which are
  // >= min_8bit_size 4096 but < 1e5 elements: 2 x 266,240 = 532,480 B.
  CHECK(component(r, "optimizer_states") == Approx(251478144.0).epsilon(0.0001));
  // Not in PyTorch's counters: the phase sums and the peak leave it out.
  const double peak = r.at("peak_allocated_bytes").get<double>();
  double peak_phase = 0;
  for (const json& ph : r.at("phases")) {
    if (ph.at("id") == r.at("peak_phase")) peak_phase = ph.at("bytes").get<double>();
  }
  CHECK(peak == peak_phase);
  CHECK(r.at("total_bytes").get<double>() > peak + 16059990016.0);
  CHECK(verdict_on(r, "rtx-4090-24g") == "fits_paged");
  CHECK(verdict_on(r, "h100-sxm-80g") == "fits");
}

// LoRA r16 on a 4096-wide model: lora_A is 16 x 4096 = 65,536 < 1e5 elements
// and lora_B 4096 x 16 likewise: nothing is paged. At r32, 131,072 >= 1e5:
// Llama-3.2-1B q_proj and v_proj (2048 -> 2048, 2048 -> 512) over 16 layers:
// q A 32 x 2048 = 65,536 (not paged), q B 2048 x 32 = 65,536 (not paged), v A
// 65,536, v B 512 x 32 = 16,384: still nothing; Llama-3.1-8B q/v r32: q A
// 32 x 4096 = 131,072 and q B 131,072, v A 131,072 (v B 1024 x 32 = 32,768
// not) x 32 layers = 3 x 131,072 x 32 = 12,582,912 elements -> 25,165,824 B.
TEST_CASE("paged states: only LoRA matrices of at least 1e5 elements are paged") {
  json req = {{"model", {{"preset", "meta-llama/Llama-3.1-8B"}}},
              {"task", "lora"},
              {"optimizer", "paged_adamw_8bit"},
              {"lora", {{"rank", 16}, {"targets", {"q_proj", "v_proj"}}}},
              {"search", false}};
  const json r16 = api(req);
  CHECK(component_row(r16, "paged_optimizer_states") == nullptr);
  CHECK_FALSE(r16.contains("paged_bytes"));
  req["lora"]["rank"] = 32;
  CHECK(component(api(req), "paged_optimizer_states") == 25165824.0);
}
