// Tensor-name classification and the byte / parameter summary of a list of
// stored tensors (checkpoint.h). Names follow HF (model.layers.N.self_attn.
// q_proj.weight) and GGUF (blk.N.attn_q.weight) conventions.
#include <nlohmann/json.hpp>
#include <set>

#include "vramfit/checkpoint.h"

namespace vramfit {

namespace {
bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
bool has(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// Side-tensor suffixes of quantised checkpoints (not parameters).
const char* const kOverheadSuffixes[] = {".qzeros",
                                         ".scales",
                                         ".g_idx",
                                         ".weight_scale",
                                         ".weight_scale_inv",
                                         ".weight_scale_2",
                                         ".input_scale",
                                         ".weight_zero_point",
                                         ".weight_shape",
                                         ".weight_global_scale",
                                         ".input_global_scale",
                                         ".absmax",
                                         ".quant_map",
                                         ".nested_absmax",
                                         ".nested_quant_map",
                                         ".SCB",
                                         ".weight_format",
                                         ".k_scale",
                                         ".v_scale",
                                         "_scales"};

// "x.q_proj.qweight" -> "x.q_proj.weight"; "experts.down_proj_blocks" ->
// "experts.down_proj"; otherwise the name itself.
std::string base_name(const std::string& name) {
  const auto qs = name.find(".quant_state.");
  if (qs != std::string::npos) return name.substr(0, qs);
  for (const char* suf :
       {".qweight", ".weight_packed", ".qzeros", ".scales", ".g_idx", ".weight_scale_inv",
        ".weight_scale_2", ".weight_scale", ".input_scale", ".weight_zero_point", ".weight_shape",
        ".weight_global_scale", ".input_global_scale", ".SCB", ".weight_format", ".absmax",
        ".quant_map", ".nested_absmax", ".nested_quant_map"}) {
    if (ends_with(name, suf))
      return name.substr(0, name.size() - std::string(suf).size()) + ".weight";
  }
  for (const char* suf : {"_blocks", "_scales"}) {
    if (ends_with(name, suf)) return name.substr(0, name.size() - std::string(suf).size());
  }
  return name;
}

TensorRole classify_gguf(const std::string& n) {
  if (n.rfind("token_embd_norm.", 0) == 0) return TensorRole::norm;
  if (n.rfind("token_embd.", 0) == 0) return TensorRole::embedding;
  if (n.rfind("position_embd.", 0) == 0) return TensorRole::position;
  if (n.rfind("output_norm.", 0) == 0) return TensorRole::norm;
  if (n == "output.weight") return TensorRole::lm_head;
  if (n == "output.bias") return TensorRole::bias;
  if (n.rfind("blk.", 0) != 0) return TensorRole::other;
  if (has(n, "norm")) return TensorRole::norm;
  if (has(n, "ffn_gate_inp")) return TensorRole::router;
  if (has(n, "_exps")) return TensorRole::expert_linear;
  if (ends_with(n, ".bias")) return TensorRole::bias;
  for (const char* m :
       {".attn_q.", ".attn_k.", ".attn_v.", ".attn_qkv.", ".attn_output.", ".attn_q_a.",
        ".attn_q_b.", ".attn_kv_a_mqa.", ".attn_kv_b.", ".attn_k_b.", ".attn_v_b.", ".ffn_gate.",
        ".ffn_up.", ".ffn_down.", ".ffn_gate_shexp.", ".ffn_up_shexp.", ".ffn_down_shexp."}) {
    if (has(n, m)) return TensorRole::linear;
  }
  return TensorRole::other;
}
}  // namespace

const char* tensor_role_name(TensorRole role) {
  switch (role) {
    case TensorRole::embedding:
      return "embedding";
    case TensorRole::position:
      return "position";
    case TensorRole::lm_head:
      return "lm_head";
    case TensorRole::linear:
      return "linear";
    case TensorRole::expert_linear:
      return "expert_linear";
    case TensorRole::router:
      return "router";
    case TensorRole::norm:
      return "norm";
    case TensorRole::bias:
      return "bias";
    case TensorRole::other:
      return "other";
  }
  return "other";
}

bool is_quant_overhead(const std::string& name) {
  if (has(name, ".quant_state.")) return true;
  for (const char* suf : kOverheadSuffixes) {
    if (ends_with(name, suf)) return true;
  }
  return false;
}

TensorRole classify_tensor_name(const std::string& raw) {
  if (raw.rfind("blk.", 0) == 0 || raw.rfind("token_embd", 0) == 0 || raw.rfind("output", 0) == 0 ||
      raw.rfind("position_embd", 0) == 0) {
    return classify_gguf(raw);
  }
  const std::string n = base_name(raw);
  // Norms first: "word_embeddings_layernorm", "input_layernorm", "ln_f".
  if (has(n, "norm") || has(n, ".ln_") || n.rfind("ln_", 0) == 0 || has(n, ".ln1") ||
      has(n, ".ln2")) {
    return TensorRole::norm;
  }
  if (has(n, "lm_head") || has(n, "embed_out")) return TensorRole::lm_head;
  if (has(n, "embed_positions") || has(n, "position_embeddings") || has(n, ".wpe.") ||
      n.rfind("wpe.", 0) == 0) {
    return TensorRole::position;
  }
  if (has(n, "embed_tokens") || has(n, "word_embeddings") || has(n, ".wte.") ||
      n.rfind("wte.", 0) == 0 || has(n, "embed_in") || has(n, "tok_embeddings")) {
    return TensorRole::embedding;
  }
  const bool expert = has(n, ".experts.") && !has(n, "shared_expert");
  if (!expert &&
      (ends_with(n, ".gate.weight") || has(n, ".router.") || has(n, "e_score_correction_bias"))) {
    return TensorRole::router;
  }
  if (ends_with(n, ".bias") && !expert) return TensorRole::bias;
  if (expert) return TensorRole::expert_linear;
  for (const char* m :
       {"_proj", ".dense", ".fc1", ".fc2", ".c_attn", ".c_proj", ".c_fc", "query_key_value", ".w1.",
        ".w2.", ".w3.", ".wqkv", ".wo.", ".wi.", ".qkv.", ".out_proj"}) {
    if (has(n, m)) return TensorRole::linear;
  }
  return TensorRole::other;
}

Result<CheckpointSummary> checkpoint_weight_bytes(const std::vector<CheckpointTensor>& tensors,
                                                  int packed_bits) {
  if (packed_bits != 2 && packed_bits != 3 && packed_bits != 4 && packed_bits != 8) {
    return Error(ErrorCode::out_of_range, "packed_bits",
                 "packed_bits must be 2, 3, 4 or 8, got " + std::to_string(packed_bits));
  }
  // Names and dtypes, to recognise 4-bit U8 weights by their side tensors.
  std::map<std::string, std::string> dtype_of;
  for (const auto& t : tensors) dtype_of[t.name] = t.dtype;
  auto sibling_dtype = [&](const std::string& n) -> const std::string* {
    auto it = dtype_of.find(n);
    return it == dtype_of.end() ? nullptr : &it->second;
  };
  std::set<std::string> bnb4;  // weights with a bnb 4-bit quant_state
  for (const auto& t : tensors) {
    const auto qs = t.name.find(".quant_state.bitsandbytes__");
    if (qs != std::string::npos) bnb4.insert(t.name.substr(0, qs));
  }

  CheckpointSummary s;
  for (const auto& t : tensors) {
    ++s.tensors;
    s.total_bytes += t.bytes;
    s.bytes_by_dtype[t.dtype] += t.bytes;
    s.stored_elements += t.elements;
    const TensorRole role = classify_tensor_name(t.name);
    const std::string rn = tensor_role_name(role);
    s.bytes_by_role[rn] += t.bytes;
    if (is_quant_overhead(t.name)) {
      s.overhead_bytes += t.bytes;
      s.overhead_elements += t.elements;
      continue;
    }
    int64_t per_value = 1;
    const bool int8ish = t.dtype == "U8" || t.dtype == "I8";
    if (t.dtype == "I32" &&
        (ends_with(t.name, ".qweight") || ends_with(t.name, ".weight_packed"))) {
      // 3-bit GPTQ packs 32 weights into 3 int32 words: 32/3 per value.
      per_value = packed_bits == 3 ? 0 : 32 / packed_bits;
    } else if (int8ish && ends_with(t.name, ".weight_packed")) {
      per_value = 2;
    } else if (int8ish && ends_with(t.name, "_blocks")) {
      per_value = 2;  // MXFP4: two E2M1 values per byte
    } else if (t.dtype == "U8" && bnb4.count(t.name)) {
      per_value = 2;  // bitsandbytes nf4/fp4
    } else if (int8ish && ends_with(t.name, ".weight")) {
      const std::string* sd = sibling_dtype(t.name.substr(0, t.name.size() - 7) + ".weight_scale");
      if (sd && *sd == "F8_E4M3") per_value = 2;  // NVFP4 (modelopt)
    }
    int64_t params = per_value == 0 ? t.elements / 3 * 32 : t.elements * per_value;
    if (per_value != 1) ++s.packed_tensors;
    s.params += params;
    s.params_by_dtype[t.dtype] += params;
    s.params_by_role[rn] += params;
  }
  return s;
}

Result<CheckpointFileHeader> read_checkpoint_header(const std::string& format,
                                                    const std::string& bytes, int packed_bits) {
  CheckpointFileHeader out;
  out.format = format;
  if (format == "safetensors") {
    VRAMFIT_ASSIGN_OR_RETURN(SafetensorsHeader h, parse_safetensors_header(bytes));
    out.data_bytes = h.data_bytes;
    out.tensors = static_cast<int64_t>(h.tensors.size());
    out.metadata = std::move(h.metadata);
    VRAMFIT_ASSIGN_OR_RETURN(out.summary, checkpoint_weight_bytes(h.tensors, packed_bits));
  } else if (format == "gguf") {
    VRAMFIT_ASSIGN_OR_RETURN(GgufHeader h, parse_gguf_header(bytes));
    out.data_bytes = h.data_bytes;
    out.tensors = static_cast<int64_t>(h.tensors.size());
    VRAMFIT_ASSIGN_OR_RETURN(out.summary, checkpoint_weight_bytes(h.tensors, packed_bits));
    out.gguf = std::move(h);
  } else {
    return Error(
        ErrorCode::unknown_value, "format",
        "format must be \"safetensors\" or \"gguf\", got \"" + format.substr(0, 40) + "\"");
  }
  return out;
}

}  // namespace vramfit
