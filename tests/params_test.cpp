// Exact parameter counts of released checkpoints (methodology §3.10) from
// real config.json fixtures (tests/fixtures/configs, provenance in
// SOURCES.tsv). Expected values are the published counts, never the code's
// own output; each row names its source.
#include "vramfit/params.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "config_parse.h"
#include "fixture_configs.h"
#include "vramfit/config.h"

using vramfit::count_params;

namespace {

vramfit::ParamCounts counts(const std::string& name) {
  return count_params(parse_config(load(name)));
}

struct Vector {
  const char* file;
  int64_t total;
  const char* source;
};

// methodology §3.10; "card" = HF model card / num_parameters() output.
const Vector kVectors[] = {
    {"openai-community__gpt2.json", 124439808, "§3.10; HF gpt2 num_parameters()"},
    {"facebook__opt-125m.json", 125239296, "§3.10; OPT-125m num_parameters()"},
    {"EleutherAI__pythia-160m.json", 162322944,
     "§3.10; Pythia card: 162,322,944 total / 85,056,000 non-embedding"},
    {"bigscience__bloom-560m.json", 559214592, "§3.10; BLOOM-560m card 559,214,592"},
    {"microsoft__phi-2.json", 2779683840, "§3.10; Phi-2 num_parameters()"},
    {"meta-llama__Llama-2-7b-hf.json", 6738415616, "§3.10; Llama-2-7b-hf 6,738,415,616"},
    {"tiiuae__falcon-7b.json", 6921720704, "§3.10; Falcon-7B num_parameters()"},
    {"mistralai__Mistral-7B-v0.1.json", 7241732096, "§3.10; Mistral-7B-v0.1 7,241,732,096"},
    {"Qwen__Qwen2-7B.json", 7615616512, "§3.10; Qwen2-7B card 7.62B"},
    // Llama-3-8B and 3.1-8B share every architecture field (§3.10 row).
    {"meta-llama__Meta-Llama-3.1-8B.json", 8030261248, "§3.10; Llama-3.1-8B 8,030,261,248"},
    {"Qwen__Qwen3-8B.json", 8190735360, "§3.10; Qwen3-8B card 8.2B"},
    {"google__gemma-7b.json", 8537680896, "§3.10; Gemma-7B 8,537,680,896"},
    {"google__gemma-2-9b.json", 9241705984, "§3.10; Gemma-2-9B 9,241,705,984"},
    {"EleutherAI__gpt-neox-20b.json", 20554567680, "§3.10; GPT-NeoX-20B paper/card"},
    {"meta-llama__Meta-Llama-3.1-70B.json", 70553706496, "§3.10; Llama-3-70B"},
    {"meta-llama__Meta-Llama-3.1-405B.json", 405853388800, "§3.10; Llama-3.1-405B"},
    {"allenai__OLMoE-1B-7B-0924.json", 6919161856, "§3.10; OLMoE-1B-7B num_parameters()"},
    {"Qwen__Qwen1.5-MoE-A2.7B.json", 14315784192, "§3.10; Qwen1.5-MoE-A2.7B 14.3B"},
    {"deepseek-ai__DeepSeek-V2-Lite.json", 15706484224, "§3.10; DeepSeek-V2-Lite 15.7B"},
    {"openai__gpt-oss-20b.json", 20914757184, "§3.10; gpt-oss card 20.9B"},
    {"Qwen__Qwen3-30B-A3B.json", 30532122624, "§3.10; Qwen3-30B-A3B card 30.5B"},
    {"mistralai__Mixtral-8x7B-v0.1.json", 46702792704, "§3.10; Mixtral paper 46.7B"},
    {"openai__gpt-oss-120b.json", 116829156672, "§3.10; gpt-oss card 116.8B"},
    // Includes the 58 x 256 e_score_correction_bias vectors (§3.10 note).
    {"deepseek-ai__DeepSeek-V3.json", 671026419200, "§3.10; DeepSeek-V3 report 671B"},
    {"state-spaces__mamba-130m-hf.json", 129135360, "§3.10/§3.8; Mamba-130m"},
    // Beyond §3.10: published exact counts of further checkpoints.
    {"openai-community__gpt2-large.json", 774030080, "HF gpt2-large 774,030,080"},
    {"tiiuae__falcon-7b-instruct.json", 6921720704, "same architecture as falcon-7b"},
    {"Qwen__Qwen2.5-7B.json", 7615616512, "Qwen2.5-7B card 7.61B (Qwen2-7B dims)"},
    {"google__gemma-3-1b-it.json", 999885952, "Gemma-3-1B 999,885,952"},
    {"mistralai__Mistral-7B-Instruct-v0.3.json", 7248023552,
     "Mistral-7B-v0.3 7,248,023,552 (vocab 32768)"},
    {"TinyLlama__TinyLlama-1.1B-Chat-v1.0.json", 1100048384, "TinyLlama card 1.1B"},
    {"meta-llama__Llama-3.2-1B.json", 1235814400, "Llama-3.2-1B 1.24B, tied head"},
    {"HuggingFaceTB__SmolLM2-135M.json", 134515008, "SmolLM2-135M 134,515,008"},
    {"Qwen__Qwen2.5-0.5B.json", 494032768, "Qwen2.5-0.5B card 0.49B / 0.36B non-emb"},
    {"google__gemma-2-2b-it.json", 2614341888, "Gemma-2-2B 2,614,341,888"},
    {"microsoft__Phi-3-mini-128k-instruct.json", 3821079552, "Phi-3-mini 3,821,079,552"},
    {"microsoft__phi-4.json", 14659507200, "phi-4 14,659,507,200"},
    {"TheBloke__Llama-2-13B-chat-GPTQ.json", 13015864320,
     "Llama-2-13B 13,015,864,320 (GPTQ packing does not change the count)"},
    // Mistral's native params.json (no config.json): same totals as the HF configs.
    {"mistralai__Mistral-7B-v0.1.params.json", 7241732096, "§3.10; Mistral-7B-v0.1 7,241,732,096"},
    {"mistralai__Mixtral-8x7B-Instruct-v0.1.params.json", 46702792704,
     "§3.10; Mixtral paper 46.7B (same architecture as Mixtral-8x7B-v0.1)"},
};

bool near(int64_t got, double want, double tol) {
  return static_cast<double>(got) > want - tol && static_cast<double>(got) < want + tol;
}

}  // namespace

TEST_CASE("params: parameter totals reproduce published counts (methodology 3.10)") {
  for (const auto& v : kVectors) {
    DYNAMIC_SECTION(v.file << " (" << v.source << ")") { CHECK(counts(v.file).total == v.total); }
  }
}

TEST_CASE("params: rounded published totals of large MoE checkpoints") {
  // Mixtral-8x22B: 141B total / 39B active (Mistral AI announcement).
  auto mx = counts("mistralai__Mixtral-8x22B-v0.1.json");
  CHECK(near(mx.total, 140.6e9, 0.5e9));
  CHECK(near(mx.active, 39.1e9, 0.2e9));
  // Qwen3-235B-A22B card: 235B total, 22B activated.
  auto qw = counts("Qwen__Qwen3-235B-A22B.json");
  CHECK(near(qw.total, 235.1e9, 0.2e9));
  CHECK(near(qw.active, 22.2e9, 0.2e9));
  // Kimi-K2 card: 1T total (1.04T on the hub), 32B activated.
  auto k2 = counts("moonshotai__Kimi-K2-Instruct.json");
  CHECK(near(k2.total, 1.03e12, 0.01e12));
  CHECK(near(k2.active, 32.9e9, 0.3e9));
  // Llama-4 card: 17B active; Scout 109B and Maverick 400B total incl. vision.
  auto scout = counts("meta-llama__Llama-4-Scout-17B-16E-Instruct.json");
  CHECK(near(scout.total, 107.8e9, 0.3e9));
  CHECK(near(scout.active, 17.2e9, 0.2e9));
  auto mav = counts("meta-llama__Llama-4-Maverick-17B-128E-Instruct.json");
  CHECK(near(mav.total, 400.7e9, 1.0e9));
  CHECK(near(mav.active, 17.2e9, 0.2e9));
}

TEST_CASE("params: DeepSeek-V3.2 adds the indexer to the V3 count") {
  // Hand derivation: per layer wq_b 1536x(64x128) + wk 7168x128 + k_norm
  // 2x128 + weights_proj 7168x64 = 13,959,424; x 61 layers on top of V3.
  CHECK(counts("deepseek-ai__DeepSeek-V3.2.json").total == 671026419200 + 61 * 13959424);
}

TEST_CASE("params: Pythia non-embedding count excludes embed_in and embed_out") {
  // Pythia model card: 85,056,000 non-embedding parameters for 160M.
  auto c = counts("EleutherAI__pythia-160m.json");
  CHECK(c.non_embedding == 85056000);
  CHECK(c.lm_head == 50304 * 768);  // untied embed_out
}

TEST_CASE("params: tied heads are counted once, untied heads separately") {
  // GPT-2: wte 50257x768 + wpe 1024x768 are the embeddings; tied head = 0.
  auto g = counts("openai-community__gpt2.json");
  CHECK(g.embeddings == 50257 * 768 + 1024 * 768);
  CHECK(g.lm_head == 0);
  // Llama-3.1-8B untied: lm_head = 128256 x 4096.
  auto l = counts("meta-llama__Meta-Llama-3.1-8B.json");
  CHECK(l.lm_head == int64_t{128256} * 4096);
  CHECK(l.non_embedding == l.total - 2 * int64_t{128256} * 4096);
  // Phi-2: head has a bias of V (§3.2).
  CHECK(counts("microsoft__phi-2.json").lm_head == int64_t{51200} * 2560 + 51200);
}

TEST_CASE("params: active parameters follow the published MoE conventions") {
  // Mixtral paper: 12.9B active (includes the embedding table).
  CHECK(near(counts("mistralai__Mixtral-8x7B-v0.1.json").active, 12.88e9, 0.01e9));
  // gpt-oss card: 3.6B / 5.1B active, excluding the input embedding.
  CHECK(near(counts("openai__gpt-oss-20b.json").active_no_embed, 3.61e9, 0.01e9));
  CHECK(near(counts("openai__gpt-oss-120b.json").active_no_embed, 5.13e9, 0.01e9));
  // §3.10: DeepSeek-V3 37.55B active; V2-Lite 2.66B incl. / 2.45B excl.
  CHECK(near(counts("deepseek-ai__DeepSeek-V3.json").active, 37.55e9, 0.01e9));
  auto lite = counts("deepseek-ai__DeepSeek-V2-Lite.json");
  CHECK(near(lite.active, 2.66e9, 0.01e9));
  CHECK(near(lite.active_no_embed, 2.45e9, 0.01e9));
  // Qwen3-30B-A3B card: 3.3B activated (§3.10: 3.35B).
  CHECK(near(counts("Qwen__Qwen3-30B-A3B.json").active, 3.35e9, 0.01e9));
  // Qwen1.5-MoE-A2.7B: "A2.7B" = 2.7B activated.
  CHECK(near(counts("Qwen__Qwen1.5-MoE-A2.7B.json").active, 2.69e9, 0.02e9));
}

TEST_CASE("params: dense models have active == total") {
  auto c = counts("meta-llama__Meta-Llama-3.1-70B.json");
  CHECK(c.active == c.total);
  CHECK(c.active_no_embed == c.total - c.embeddings);
}

TEST_CASE("params: per-layer counts sum with embeddings, head and final norm to total") {
  auto c = counts("google__gemma-2-9b.json");
  REQUIRE(c.per_layer.size() == 42);
  int64_t layers = std::accumulate(c.per_layer.begin(), c.per_layer.end(), int64_t{0});
  // Gemma-2 final norm: RMSNorm weight of h = 3584.
  CHECK(layers + c.embeddings + c.lm_head + 3584 == c.total);
  // Hand derivation, one Gemma-2-9B layer: q 4096x3584, k,v 2048x3584 each,
  // o 3584x4096, MLP 3x3584x14336, 4 RMSNorms of 3584.
  int64_t h = 3584;
  CHECK(c.per_layer[0] == 4096 * h * 2 + 2 * 2048 * h + 3 * h * 14336 + 4 * h);
}

TEST_CASE("params: hybrid Nemotron-3 Nano matches the published 31.6B / 3.2B active") {
  // NVIDIA model card: 31.6B total, ~3.2B active (3.6B with embeddings).
  auto c = counts("nvidia__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json");
  CHECK(near(c.total, 31.6e9, 0.05e9));
  CHECK(near(c.active_no_embed, 3.2e9, 0.05e9));
  CHECK(near(c.active, 3.6e9, 0.05e9));
}

TEST_CASE("params: sum_params multiplies count by rows by cols") {
  std::vector<vramfit::TensorGroup> t(2);
  t[0].rows = 3, t[0].cols = 4, t[0].count = 5;
  t[1].rows = 7;
  CHECK(vramfit::sum_params(t) == 3 * 4 * 5 + 7);
}
