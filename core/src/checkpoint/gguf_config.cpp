// An HF-style config.json from a GGUF header's hyperparameters
// (checkpoint.h gguf_to_config_json): GGUF-only repos have no config.json.
#include <nlohmann/json.hpp>

#include "vramfit/checkpoint.h"

namespace vramfit {

using json = nlohmann::json;

Result<json> gguf_to_config_json(const GgufHeader& h) {
  struct Map {
    const char* arch;
    const char* model_type;
    const char* cls;
    bool moe;
  };
  static const Map kMap[] = {
      {"llama", "llama", "LlamaForCausalLM", false},
      {"mistral", "mistral", "MistralForCausalLM", false},
      {"qwen2", "qwen2", "Qwen2ForCausalLM", false},
      {"qwen2moe", "qwen2_moe", "Qwen2MoeForCausalLM", true},
      {"qwen3", "qwen3", "Qwen3ForCausalLM", false},
      {"qwen3moe", "qwen3_moe", "Qwen3MoeForCausalLM", true},
      {"gemma", "gemma", "GemmaForCausalLM", false},
      {"gemma2", "gemma2", "Gemma2ForCausalLM", false},
      {"gemma3", "gemma3_text", "Gemma3ForCausalLM", false},
      {"phi3", "phi3", "Phi3ForCausalLM", false},
  };
  const Map* m = nullptr;
  for (const auto& x : kMap) {
    if (h.architecture == x.arch) m = &x;
  }
  if (h.architecture.empty()) {
    return Error(ErrorCode::missing_field, "gguf.metadata.general.architecture",
                 "GGUF: general.architecture is missing");
  }
  if (!m) {
    return Error(ErrorCode::unsupported_model, "gguf.metadata.general.architecture",
                 "GGUF: architecture \"" + h.architecture +
                     "\" has no config mapping (supported: llama, mistral, qwen2, qwen2moe, "
                     "qwen3, qwen3moe, gemma, gemma2, gemma3, phi3); paste the model's "
                     "config.json with --config instead");
  }
  const GgufHyper& p = h.hp;
  std::optional<Error> missing;  // the first required value that is absent
  auto req = [&](int64_t v, const char* key) {
    if (v <= 0 && !missing) {
      missing = Error(ErrorCode::missing_field, "gguf.metadata." + h.architecture + "." + key,
                      "GGUF: " + h.architecture + "." + key + " is missing");
    }
    return v;
  };
  json c = json::object();
  c["model_type"] = m->model_type;
  c["architectures"] = json::array({m->cls});
  c["hidden_size"] = req(p.embedding_length, "embedding_length");
  c["num_hidden_layers"] = req(p.block_count, "block_count");
  c["num_attention_heads"] = req(p.head_count, "attention.head_count");
  c["num_key_value_heads"] = p.head_count_kv > 0 ? p.head_count_kv : p.head_count;
  if (!m->moe || p.feed_forward_length > 0) {
    c["intermediate_size"] = req(p.feed_forward_length, "feed_forward_length");
  }
  if (missing) return *missing;
  if (p.vocab_size <= 0) {
    return Error(ErrorCode::missing_field, "gguf.metadata.tokenizer.ggml.tokens",
                 "GGUF: no vocabulary size (" + h.architecture +
                     ".vocab_size, tokenizer.ggml.tokens or token_embd.weight)");
  }
  c["vocab_size"] = p.vocab_size;
  if (p.context_length > 0) c["max_position_embeddings"] = p.context_length;
  if (p.key_length > 0) c["head_dim"] = p.key_length;
  if (p.rope_freq_base > 0) c["rope_theta"] = p.rope_freq_base;
  if (p.rms_epsilon > 0) c["rms_norm_eps"] = p.rms_epsilon;
  if (p.sliding_window > 0) c["sliding_window"] = p.sliding_window;
  bool has_output = false;
  for (const auto& t : h.tensors) has_output = has_output || t.name == "output.weight";
  c["tie_word_embeddings"] = !has_output;
  if (m->moe) {
    c["num_experts"] = req(p.expert_count, "expert_count");
    c["num_experts_per_tok"] = req(p.expert_used_count, "expert_used_count");
    c["moe_intermediate_size"] = req(p.expert_feed_forward_length, "expert_feed_forward_length");
    if (p.expert_shared_feed_forward_length > 0) {
      c["shared_expert_intermediate_size"] = p.expert_shared_feed_forward_length;
    }
    if (!c.contains("intermediate_size")) c["intermediate_size"] = p.expert_feed_forward_length;
  }
  return c;
}

}  // namespace vramfit
