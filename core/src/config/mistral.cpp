// Mistral's native params.json (mistral-inference format; some mistralai repos
// ship it with consolidated.safetensors and no config.json) -> the equivalent
// Hugging Face config.json. The key mapping and defaults are vLLM's
// (vllm/transformers_utils/configs/mistral.py: _remap_general_mistral_args,
// _remap_mistral_sliding_window, _remap_mistral_quantization_args,
// _remap_mistral_vision_args; older vLLM: config.py load_params_config):
//   dim -> hidden_size            n_layers -> num_hidden_layers
//   n_heads -> num_attention_heads n_kv_heads -> num_key_value_heads
//   hidden_dim -> intermediate_size norm_eps -> rms_norm_eps
//   tied_embeddings -> tie_word_embeddings (default false)
//   max_position_embeddings (default 128000)
//   moe {num_experts, num_experts_per_tok} -> MixtralForCausalLM
//   vision_encoder {...} -> pixtral: text_config + vision_config
// Every value the HF parser reads is checked here first, so that errors name
// the params.json field rather than its HF spelling.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

// sliding_window: one size for every layer, or a per-layer pattern in which
// null means full attention (vLLM turns the list into layer_types).
void map_window(const json& p, const std::string& path, int64_t layers, json& hf) {
  const json* sw = jsonu::find(p, "sliding_window");
  if (!sw) return;
  const std::string at = jsonu::join(path, "sliding_window");
  if (!sw->is_array()) {
    hf["sliding_window"] = jsonu::as_int(*sw, at, 1, 1000000000);
    return;
  }
  if (sw->empty()) {
    jsonu::report(Error(ErrorCode::out_of_range, at, at + " must not be empty"));
    return;
  }
  int64_t size = 0;
  for (size_t i = 0; i < sw->size(); ++i) {
    if ((*sw)[i].is_null()) continue;
    int64_t w = jsonu::as_int((*sw)[i], at + "[" + std::to_string(i) + "]", 1, 1000000000);
    if (size != 0 && w != size) {
      jsonu::report(Error(ErrorCode::inconsistent, at, at + " mixes window sizes (one expected)"));
      return;
    }
    size = w;
  }
  if (size == 0) return;  // all null: full attention everywhere
  json types = json::array();
  for (int64_t i = 0; i < layers; ++i) {
    types.push_back((*sw)[i % sw->size()].is_null() ? "full_attention" : "sliding_attention");
  }
  hf["sliding_window"] = size;
  hf["layer_types"] = std::move(types);
}

void map_moe(const json& p, const std::string& path, json& hf) {
  const json* moe = jsonu::find(p, "moe");
  if (!moe) return;
  const std::string at = jsonu::join(path, "moe");
  jsonu::as_object(*moe, at);
  // Mistral-Large-3 (shared experts, MLA) maps to DeepSeek-V3 in vLLM; its
  // layout is not checked here, so refuse rather than miscount it.
  if (jsonu::opt_int(*moe, "num_shared_experts", at, 0, kMaxExperts).value_or(0) > 0) {
    jsonu::report(Error(ErrorCode::unsupported_model, jsonu::join(at, "num_shared_experts"),
                        "params.json with shared experts (Mistral-Large-3 layout) is not "
                        "supported; use the repo's config.json if it has one"));
  }
  const int64_t experts = jsonu::req_int(*moe, "num_experts", at, 1, kMaxExperts);
  const int64_t top_k = jsonu::req_int(*moe, "num_experts_per_tok", at, 1, kMaxExperts);
  if (top_k > experts) {
    jsonu::report(Error(ErrorCode::inconsistent, jsonu::join(at, "num_experts_per_tok"),
                        "num_experts_per_tok " + std::to_string(top_k) + " exceeds " +
                            std::to_string(experts) + " experts"));
  }
  hf["model_type"] = "mixtral";
  hf["num_local_experts"] = experts;
  hf["num_experts_per_tok"] = top_k;
}

void map_quant(const json& p, const std::string& path, json& top) {
  const json* q = jsonu::find(p, "quantization");
  if (!q) return;
  const std::string at = jsonu::join(path, "quantization");
  jsonu::as_object(*q, at);
  if (jsonu::opt_string(*q, "qformat_weight", at).value_or("") == "fp8_e4m3") {
    top["quantization_config"] = {{"quant_method", "fp8"}};
  } else if (jsonu::opt_string(*q, "quant_method", at).value_or("") == "compressed-tensors") {
    top["quantization_config"] = *q;
  } else {
    jsonu::report(Error(ErrorCode::unknown_value, at,
                        at + ": unknown quantization (known: qformat_weight fp8_e4m3, "
                             "quant_method compressed-tensors)"));
  }
}

}  // namespace

bool is_mistral_params(const json& config) {
  // params.json has no architectures; MPT's config.json shares n_layers /
  // n_heads with it.
  if (!config.is_object() || config.contains("model_type") || config.contains("hidden_size") ||
      config.contains("num_hidden_layers") || config.contains("architectures")) {
    return false;
  }
  for (const char* k : {"dim", "n_layers", "n_heads", "n_kv_heads", "hidden_dim"}) {
    if (config.contains(k)) return true;
  }
  return false;
}

json mistral_params_to_hf(const json& p, const std::string& path) {
  json hf = {{"model_type", "mistral"}};
  const int64_t dim = jsonu::req_int(p, "dim", path, 1, kMaxWidth);
  const int64_t layers = jsonu::req_int(p, "n_layers", path, 1, kMaxLayers);
  const int64_t heads = jsonu::req_int(p, "n_heads", path, 1, kMaxHeads);
  const int64_t kv = jsonu::opt_int(p, "n_kv_heads", path, 1, kMaxHeads).value_or(heads);
  if (kv > heads || heads % kv != 0) {
    jsonu::report(Error(ErrorCode::inconsistent, jsonu::join(path, "n_kv_heads"),
                        std::to_string(kv) + " key/value heads do not divide " +
                            std::to_string(heads) + " attention heads"));
  }
  auto head_dim = jsonu::opt_int(p, "head_dim", path, 1, kMaxWidth);
  if (!head_dim && dim % heads != 0) {
    jsonu::report(Error(ErrorCode::inconsistent, jsonu::join(path, "n_heads"),
                        "dim " + std::to_string(dim) + " is not divisible by " +
                            std::to_string(heads) + " heads and no head_dim is given"));
  }
  hf["hidden_size"] = dim;
  hf["num_hidden_layers"] = layers;
  hf["num_attention_heads"] = heads;
  hf["num_key_value_heads"] = kv;
  hf["head_dim"] = head_dim.value_or(dim / heads);
  hf["intermediate_size"] = jsonu::req_int(p, "hidden_dim", path, 1, kMaxWidth);
  hf["vocab_size"] = jsonu::req_int(p, "vocab_size", path, 1, kMaxWidth);
  hf["max_position_embeddings"] =
      jsonu::opt_int(p, "max_position_embeddings", path, 1, 1000000000).value_or(128000);
  // vLLM has read both spellings over time.
  auto tied = jsonu::opt_bool(p, "tied_embeddings", path);
  if (!tied) tied = jsonu::opt_bool(p, "tie_embeddings", path);
  hf["tie_word_embeddings"] = tied.value_or(false);
  if (auto dt = jsonu::opt_string(p, "dtype", path)) hf["torch_dtype"] = *dt;
  // Not used by the counts; carried over so the mapped config is complete.
  if (auto e = jsonu::opt_number(p, "norm_eps", path, 0, 1)) hf["rms_norm_eps"] = *e;
  if (auto t = jsonu::opt_number(p, "rope_theta", path, 0, 1e30)) hf["rope_theta"] = *t;
  map_window(p, path, layers, hf);
  map_moe(p, path, hf);

  json top;
  // Newer files nest it as multimodal.vision_encoder_args.
  std::string vpath = jsonu::join(path, "vision_encoder");
  const json* vision = jsonu::find(p, "vision_encoder");
  if (const json* mm = jsonu::find(p, "multimodal"); mm && !vision) {
    jsonu::as_object(*mm, jsonu::join(path, "multimodal"));
    vpath = jsonu::join(jsonu::join(path, "multimodal"), "vision_encoder_args");
    vision = jsonu::find(*mm, "vision_encoder_args");
  }
  if (vision) {
    json v = jsonu::as_object(*vision, vpath);
    v["model_type"] = "pixtral";
    top = {
        {"model_type", "pixtral"}, {"text_config", std::move(hf)}, {"vision_config", std::move(v)}};
  } else {
    top = std::move(hf);
  }
  map_quant(p, path, top);
  return top;
}

void note_mistral_params(const json& p, ModelSpec& spec) {
  // Voxtral's Whisper encoder (multimodal.whisper_model_args): vLLM maps it
  // to a WhisperConfig; no audio tower is counted here, so say so.
  const json* mm = jsonu::find(p, "multimodal");
  if (mm && mm->is_object() && jsonu::find(*mm, "whisper_model_args")) {
    spec.approximate = true;
    spec.warnings.push_back(
        "params.json: the audio encoder (multimodal.whisper_model_args) is not counted; "
        "only the text model is");
  }
}

}  // namespace cfg
}  // namespace vramfit
