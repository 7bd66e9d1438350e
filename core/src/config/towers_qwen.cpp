// Qwen-VL vision towers (modeling_qwen2_vl / qwen2_5_vl / qwen3_vl): a ViT
// over Conv3d patches (temporal_patch_size x patch x patch) and a patch
// merger that concatenates spatial_merge_size^2 patches into the LLM width.
//   qwen2_vl:   LayerNorm, fc1/fc2 MLP (mlp_ratio), width "embed_dim"
//   qwen2_5_vl: RMSNorm, gated MLP with biases, width "hidden_size"
//   qwen3_vl:   LayerNorm, linear_fc1/fc2 MLP, learned position table,
//               patch conv bias, one extra merger per deepstack index
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

struct QwenVit {
  int64_t h = 0, inter = 0, depth = 0, patch = 0, temporal = 0, channels = 0;
  int64_t out = 0, merge = 0, positions = 0, deepstack = 0;
  int64_t kernel = 0, wide = 0;  // channels*temporal*patch^2, h*merge^2 (checked)
};

QwenVit read_qwen_vit(const json& v, const std::string& p, const std::string& type,
                      int64_t text_h) {
  QwenVit d;
  auto get = [&](const char* k, int64_t dflt) {
    return jsonu::opt_int(v, k, p, 1, kMaxWidth).value_or(dflt);
  };
  d.h = type == "qwen2_vl" ? get("embed_dim", 1280) : get("hidden_size", 1280);
  d.inter = type == "qwen2_vl" ? get("mlp_ratio", 4) * d.h : get("intermediate_size", 4 * d.h);
  d.depth = jsonu::opt_int(v, "depth", p, 1, kMaxLayers).value_or(32);
  d.patch = get("patch_size", 14);
  d.temporal = get("temporal_patch_size", 2);
  d.channels = jsonu::opt_int(v, "in_channels", p, 1, 64)
                   .value_or(jsonu::opt_int(v, "in_chans", p, 1, 64).value_or(3));
  // Qwen2-VL names the merger output "hidden_size"; later ones out_hidden_size.
  d.out = type == "qwen2_vl" ? get("hidden_size", text_h) : get("out_hidden_size", text_h);
  d.merge = get("spatial_merge_size", 2);
  if (type != "qwen2_vl" && type != "qwen2_5_vl") {
    d.positions = get("num_position_embeddings", 2304);
    if (const json* ds = jsonu::find(v, "deepstack_visual_indexes")) {
      if (ds->is_array()) d.deepstack = static_cast<int64_t>(ds->size());
      // One merger per entry; the entries name ViT layers.
      if (d.deepstack > d.depth) {
        jsonu::report(
            Error(ErrorCode::out_of_range, jsonu::join(p, "deepstack_visual_indexes"),
                  jsonu::join(p, "deepstack_visual_indexes") + " lists more entries than depth"));
      }
    }
  }
  d.kernel = checked_product({d.channels, d.temporal, d.patch, d.patch}, p);
  d.wide = checked_product({d.h, d.merge, d.merge}, p);
  return d;
}

void qwen_block(Inventory& inv, const QwenVit& d, const std::string& type) {
  const NormKind nk = type == "qwen2_5_vl" ? NormKind::rms : NormKind::layer;
  inv.norm("norm1", d.h, nk, -1);
  inv.norm("norm2", d.h, nk, -1);
  inv.linear("attn.qkv", 3 * d.h, d.h, true, -1);
  inv.linear("attn.proj", d.h, d.h, true, -1);
  if (type == "qwen2_5_vl") {
    MlpStyle gated;
    gated.bias = true;
    emit_mlp(inv, gated, d.h, d.inter, -1, "mlp");
  } else if (type == "qwen2_vl") {
    emit_mlp(inv, MlpStyle{MlpKind::plain, "", "fc1", "fc2", nullptr, true}, d.h, d.inter, -1,
             "mlp");
  } else {
    emit_mlp(inv, MlpStyle{MlpKind::plain, "", "linear_fc1", "linear_fc2", nullptr, true}, d.h,
             d.inter, -1, "mlp");
  }
}

// PatchMerger: norm, Linear(h*m^2 -> h*m^2), GELU, Linear(h*m^2 -> out).
void qwen_merger(Inventory& inv, const QwenVit& d, NormKind nk, int64_t norm_width,
                 const std::string& name) {
  const int64_t wide = d.wide;
  inv.norm(name + ".norm", norm_width, nk, -1);
  inv.linear(name + ".fc1", wide, wide, true, -1);
  inv.linear(name + ".fc2", d.out, wide, true, -1);
}

}  // namespace

bool is_qwen_vision(const std::string& type) {
  return type == "qwen2_vl" || type == "qwen2_5_vl" || type == "qwen3_vl" ||
         type == "qwen3_vl_moe" || type == "qwen3_5" || type == "qwen3_5_moe";
}

void qwen_vision_tower(const json& v, const std::string& p, const std::string& type, int64_t text_h,
                       Inventory& inv) {
  const QwenVit d = read_qwen_vit(v, p, type, text_h);
  const bool v3 = type != "qwen2_vl" && type != "qwen2_5_vl";
  const int64_t kernel = d.kernel;
  inv.linear("patch_embed.proj", d.h, kernel, v3, -1, TensorRole::other);
  if (v3) inv.add("pos_embed", TensorRole::other, d.positions, d.h, -1);
  for (int64_t i = 0; i < d.depth; ++i) qwen_block(inv, d, type);
  const NormKind nk = type == "qwen2_5_vl" ? NormKind::rms : NormKind::layer;
  qwen_merger(inv, d, nk, d.h, "merger");
  for (int64_t i = 0; i < d.deepstack; ++i) {  // post-shuffle norm over h*m^2
    qwen_merger(inv, d, NormKind::layer, d.wide, "deepstack_merger");
  }
}

}  // namespace cfg
}  // namespace vramfit
