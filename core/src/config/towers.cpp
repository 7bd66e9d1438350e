// Vision towers (methodology §3.9), counted separately from the language
// model: CLIP (LLaVA), SigLIP (Gemma-3) and Llama 4's exactly from the HF
// modules, other ViTs (Mllama, ...) with a generic pre-LN ViT layout
// flagged approximate; Qwen-VL towers in config_towers_qwen.cpp. Each tower
// includes its multimodal projector.
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

struct Vit {
  int64_t h, inter, layers, patch, channels, image;
  int64_t kernel;  // channels * patch^2 (patch embedding inputs), checked
};

Vit read_vit(const json& v, const std::string& p, bool generic) {
  Vit d{};
  auto get = [&](std::initializer_list<const char*> keys, int64_t dflt) {
    for (const char* k : keys) {
      if (auto x = jsonu::opt_int(v, k, p, 1, kMaxWidth)) return *x;
    }
    return dflt;
  };
  // Qwen2-VL's vision "hidden_size" is the LLM width; embed_dim is the ViT's.
  d.h = generic ? get({"embed_dim", "hidden_size", "width"}, 768) : get({"hidden_size"}, 768);
  d.layers = 12;
  for (const char* k : {"num_hidden_layers", "depth", "num_layers"}) {
    // Layers share the decoder's cap: 10^7 tiny layers would be 10^8 groups.
    if (auto x = jsonu::opt_int(v, k, p, 1, kMaxLayers)) {
      d.layers = *x;
      break;
    }
  }
  int64_t ratio = jsonu::opt_int(v, "mlp_ratio", p, 1, 64).value_or(4);
  d.inter = get({"intermediate_size"}, ratio * d.h);
  d.patch = get({"patch_size"}, 16);
  d.channels = get({"num_channels", "in_channels"}, 3);
  d.image = get({"image_size"}, 224);
  d.kernel = checked_product({d.channels, d.patch, d.patch}, p);
  return d;
}

// One pre-LN encoder layer: q,k,v,out_proj with bias, 2 LayerNorms, fc1/fc2.
void vit_layers(Inventory& inv, const Vit& d) {
  AttnStyle st;
  st.o = "out_proj";
  st.qkv_bias = st.o_bias = true;
  LayerSpec l;
  l.n_heads = l.n_kv_heads = 1;
  l.head_dim = l.v_head_dim = d.h;  // only q_dim = kv_dim = h matters here
  MlpStyle mlp{MlpKind::plain, "", "fc1", "fc2", nullptr, true};
  for (int64_t i = 0; i < d.layers; ++i) {
    inv.norm("layer_norm1", d.h, NormKind::layer, -1);
    emit_attention(inv, st, l, d.h, -1);
    inv.norm("layer_norm2", d.h, NormKind::layer, -1);
    emit_mlp(inv, mlp, d.h, d.inter, -1);
  }
}

// Llama 4 (transformers models/llama4/modeling_llama4.py, v4.57):
// Llama4UnfoldConvolution linear (channels x patch^2 -> h, no bias),
// class_embedding (h), positional_embedding_vlm ((image / patch)^2 + 1 rows),
// layernorm_pre / _post, pre-LN layers (q/k/v/o and fc1/fc2 with bias), then
// Llama4VisionPixelShuffleMLP (fc1 intermediate_size -> projector_input_dim,
// fc2 projector_output_dim -> projector_output_dim, no bias) and
// Llama4MultiModalProjector linear_1 (vision_output_dim -> text hidden, no
// bias). Maverick's Hub total checks it exactly (tests/towers_test.cpp).
void llama4_vision(const json& v, const std::string& p, int64_t text_h, Inventory& inv) {
  const Vit d = read_vit(v, p, false);
  auto dim = [&](const char* k) {
    auto x = jsonu::opt_int(v, k, p, 1, kMaxWidth);
    if (!x) jsonu::report_missing(p, k);
    return x.value_or(1);
  };
  const int64_t side = d.image / d.patch;
  inv.add("patch_embedding.linear", TensorRole::other, d.h, d.kernel, -1);
  inv.add("class_embedding", TensorRole::other, d.h, 1, -1);
  inv.add("positional_embedding_vlm", TensorRole::other, checked_product({side, side}, p) + 1, d.h,
          -1);
  inv.norm("layernorm_pre", d.h, NormKind::layer, -1);
  inv.norm("layernorm_post", d.h, NormKind::layer, -1);
  vit_layers(inv, d);
  inv.linear("vision_adapter.mlp.fc1", dim("projector_input_dim"), d.inter, false, -1);
  inv.linear("vision_adapter.mlp.fc2", dim("projector_output_dim"), dim("projector_output_dim"),
             false, -1);
  inv.linear("multi_modal_projector.linear_1", text_h, dim("vision_output_dim"), false, -1);
}

void clip(Inventory& inv, const Vit& d) {
  const int64_t patches = (d.image / d.patch) * (d.image / d.patch);
  inv.add("class_embedding", TensorRole::other, d.h, 1, -1);
  inv.add("patch_embedding", TensorRole::other, d.h, d.kernel, -1);
  inv.add("position_embedding", TensorRole::other, patches + 1, d.h, -1);
  inv.norm("pre_layrnorm", d.h, NormKind::layer, -1);
  vit_layers(inv, d);
  inv.norm("post_layernorm", d.h, NormKind::layer, -1);
}

void siglip(Inventory& inv, const Vit& d, bool head) {
  const int64_t patches = (d.image / d.patch) * (d.image / d.patch);
  inv.linear("patch_embedding", d.h, d.kernel, true, -1, TensorRole::other);
  inv.add("position_embedding", TensorRole::other, patches, d.h, -1);
  vit_layers(inv, d);
  inv.norm("post_layernorm", d.h, NormKind::layer, -1);
  if (head) {  // MultiheadAttentionPoolingHead
    inv.add("head.probe", TensorRole::other, d.h, 1, -1);
    inv.linear("head.attention.in_proj", 3 * d.h, d.h, true, -1);
    inv.linear("head.attention.out_proj", d.h, d.h, true, -1);
    inv.norm("head.layernorm", d.h, NormKind::layer, -1);
    inv.linear("head.mlp.fc1", d.inter, d.h, true, -1);
    inv.linear("head.mlp.fc2", d.h, d.inter, true, -1);
  }
}

// Gemma 4 vision tower (transformers models/gemma4/modular_gemma4.py, v5.5):
// Gemma4VisionPatchEmbedder input_proj (3 * patch^2 -> h, no bias) and a
// position_embedding_table (2 x position_embedding_size x h); encoder layers
// with q/k/v/o_proj (no bias), q_norm and k_norm (head_dim; v_norm has no
// scale), a gated MLP and four RMSNorms; std_bias / std_scale are buffers.
// Gemma4MultimodalEmbedder (embed_vision): embedding_projection (h -> text h,
// no bias) behind a norm without scale.
void gemma4_vision(const json& v, const std::string& p, int64_t text_h, Inventory& inv) {
  auto need = [&](const char* k) {
    auto x = jsonu::opt_int(v, k, p, 1, kMaxWidth);
    if (!x) jsonu::report_missing(p, k);
    return x.value_or(1);
  };
  const int64_t h = need("hidden_size"), inter = need("intermediate_size");
  const int64_t heads = need("num_attention_heads");
  const int64_t kv = jsonu::opt_int(v, "num_key_value_heads", p, 1, kMaxHeads).value_or(heads);
  const int64_t hd = jsonu::opt_int(v, "head_dim", p, 1, kMaxWidth).value_or(h / heads);
  const int64_t layers = jsonu::opt_int(v, "num_hidden_layers", p, 1, kMaxLayers).value_or(27);
  const int64_t patch = jsonu::opt_int(v, "patch_size", p, 1, 4096).value_or(16);
  const int64_t pos = jsonu::opt_int(v, "position_embedding_size", p, 1, kMaxWidth).value_or(10240);
  inv.linear("patch_embedder.input_proj", h, checked_product({3, patch, patch}, p), false, -1,
             TensorRole::other);
  inv.add("patch_embedder.position_embedding_table", TensorRole::other,
          checked_product({2, pos}, p), h, -1);
  AttnStyle st;
  st.qk_norm = QkNorm::per_head;
  LayerSpec l;
  l.n_heads = heads;
  l.n_kv_heads = kv;
  l.head_dim = l.v_head_dim = hd;
  for (int64_t i = 0; i < layers; ++i) {
    for (const char* n : {"input_layernorm", "post_attention_layernorm",
                          "pre_feedforward_layernorm", "post_feedforward_layernorm"}) {
      inv.norm(n, h, NormKind::rms, -1);
    }
    emit_attention(inv, st, l, h, -1);
    emit_mlp(inv, MlpStyle{}, h, inter, -1);
  }
  inv.linear("embed_vision.embedding_projection", text_h, h, false, -1);
}

// Whisper-style audio encoder (transformers models/voxtral/modular_voxtral.py,
// v4.54: VoxtralEncoder = Qwen2AudioEncoder): conv1 (mel -> d, k=3, bias),
// conv2 (d -> d, k=3, bias), embed_positions (max_source_positions x d),
// layers of q/v/out_proj with bias and k_proj without, two LayerNorms,
// fc1/fc2 with bias; a final LayerNorm. VoxtralMultiModalProjector: linear_1
// (audio intermediate_size -> text h) and linear_2 (h -> h), no bias.
void voxtral_audio(const json& a, const std::string& p, int64_t text_h, Inventory& inv) {
  auto need = [&](const char* k) {
    auto v = jsonu::opt_int(a, k, p, 1, kMaxWidth);
    if (!v) jsonu::report_missing(p, k);
    return v.value_or(1);
  };
  const int64_t d = need("hidden_size"), ffn = need("intermediate_size");
  const int64_t layers = jsonu::opt_int(a, "num_hidden_layers", p, 1, kMaxLayers).value_or(32);
  const int64_t mels = jsonu::opt_int(a, "num_mel_bins", p, 1, kMaxWidth).value_or(128);
  const int64_t pos = jsonu::opt_int(a, "max_source_positions", p, 1, kMaxWidth).value_or(1500);
  inv.linear("conv1", d, checked_product({mels, 3}, p), true, -1, TensorRole::other);
  inv.linear("conv2", d, checked_product({d, 3}, p), true, -1, TensorRole::other);
  inv.add("embed_positions", TensorRole::other, pos, d, -1);
  for (int64_t i = 0; i < layers; ++i) {
    inv.linear("self_attn.q_proj", d, d, true, -1);
    inv.linear("self_attn.k_proj", d, d, false, -1);
    inv.linear("self_attn.v_proj", d, d, true, -1);
    inv.linear("self_attn.out_proj", d, d, true, -1);
    inv.norm("self_attn_layer_norm", d, NormKind::layer, -1);
    inv.linear("fc1", ffn, d, true, -1);
    inv.linear("fc2", d, ffn, true, -1);
    inv.norm("final_layer_norm", d, NormKind::layer, -1);
  }
  inv.norm("layer_norm", d, NormKind::layer, -1);
  inv.linear("multi_modal_projector.linear_1", text_h, ffn, false, -1);
  inv.linear("multi_modal_projector.linear_2", text_h, text_h, false, -1);
}

void parse_audio(const json& top, const std::string& path, ModelSpec& spec) {
  const json* a = jsonu::find(top, "audio_config");
  if (!a || a->is_null() || spec.hidden == 0) return;
  const std::string p = jsonu::join(path, "audio_config");
  jsonu::as_object(*a, p);
  const std::string type = jsonu::opt_string(*a, "model_type", p).value_or("");
  if (type != "voxtral_encoder") {
    spec.warnings.push_back("audio tower '" + type + "' is not counted");
    return;
  }
  TowerSpec tower;
  tower.name = "audio";
  Inventory inv(tower.tensors, p);
  voxtral_audio(*a, p, spec.hidden, inv);
  spec.towers.push_back(std::move(tower));
}

// Fuyu has no vision encoder: image patches go through one linear layer
// into the decoder (transformers models/fuyu/modeling_fuyu.py, v4.57:
// vision_embed_tokens = Linear(patch_size^2 x num_channels, hidden); config
// defaults 30 and 3).
bool is_fuyu(const json& top, const std::string& path) {
  if (jsonu::opt_string(top, "model_type", path).value_or("") == "fuyu") return true;
  const std::string* a = first_architecture(top);
  return a && *a == "FuyuForCausalLM";
}

void fuyu_patch_embedding(const json& top, const std::string& path, ModelSpec& spec) {
  const int64_t patch = jsonu::opt_int(top, "patch_size", path, 1, 10000).value_or(30);
  const int64_t channels = jsonu::opt_int(top, "num_channels", path, 1, 64).value_or(3);
  TowerSpec tower;
  tower.name = "vision";
  Inventory inv(tower.tensors, path);
  inv.linear("vision_embed_tokens", spec.hidden, patch * patch * channels, true, -1);
  spec.towers.push_back(std::move(tower));
}

}  // namespace

void parse_towers(const json& top, const std::string& path, ModelSpec& spec) {
  parse_audio(top, path, spec);
  if (spec.hidden > 0 && is_fuyu(top, path)) {
    fuyu_patch_embedding(top, path, spec);
    return;
  }
  const json* v = jsonu::find(top, "vision_config");
  if (!v || v->is_null() || spec.hidden == 0) return;
  const std::string p = jsonu::join(path, "vision_config");
  jsonu::as_object(*v, p);
  const std::string top_type = jsonu::opt_string(top, "model_type", path).value_or("");
  // Older composite configs leave vision_config.model_type out.
  const std::string type = jsonu::opt_string(*v, "model_type", p).value_or(top_type);
  TowerSpec tower;
  tower.name = "vision";
  Inventory inv(tower.tensors, p);
  const int64_t text_h = spec.hidden;
  if (type == "clip_vision_model" || type == "llava") {
    Vit d = read_vit(*v, p, false);
    clip(inv, d);
    // LlavaMultiModalProjector: linear_1 (h_v -> h), GELU, linear_2 (h -> h).
    bool bias = jsonu::opt_bool(top, "multimodal_projector_bias", path).value_or(true);
    inv.linear("multi_modal_projector.linear_1", text_h, d.h, bias, -1);
    inv.linear("multi_modal_projector.linear_2", text_h, text_h, bias, -1);
  } else if (type == "siglip_vision_model") {
    Vit d = read_vit(*v, p, false);
    siglip(inv, d, jsonu::opt_bool(*v, "vision_use_head", p).value_or(true));
    if (top_type == "gemma3") {  // Gemma3MultiModalProjector
      inv.norm("mm_soft_emb_norm", d.h, NormKind::rms, -1);
      inv.add("mm_input_projection_weight", TensorRole::linear, d.h, text_h, -1);
    } else {
      tower.approximate = true;  // projector layout of this family unknown
    }
  } else if (type == "llama4_vision_model") {
    llama4_vision(*v, p, text_h, inv);
  } else if (type == "gemma4_vision") {
    gemma4_vision(*v, p, text_h, inv);
  } else if (is_qwen_vision(type)) {
    qwen_vision_tower(*v, p, type, text_h, inv);
    // Qwen3.5 reuses the Qwen3-VL layout as far as its config shows; unverified.
    tower.approximate = type == "qwen3_5" || type == "qwen3_5_moe";
    if (tower.approximate) {
      spec.warnings.push_back("vision tower '" + type +
                              "' counted with the Qwen3-VL layout (approximate)");
    }
  } else {
    Vit d = read_vit(*v, p, true);
    inv.add("patch_embed", TensorRole::other, d.h, d.kernel, -1);
    vit_layers(inv, d);
    inv.linear("projector", text_h, d.h, true, -1);
    tower.approximate = true;
    spec.warnings.push_back("vision tower '" + type + "' counted as a generic ViT (approximate)");
  }
  spec.towers.push_back(std::move(tower));
}

}  // namespace cfg
}  // namespace vramfit
