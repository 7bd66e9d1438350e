// DeciLM / Llama-Nemotron NAS models (model_type "nemotron-nas" / "deci"):
// Llama layers whose attention and FFN are chosen per layer by block_configs
// (modeling_decilm.py): no_op removes the sub-block and its norm,
// replace_with_linear swaps it for one h x h Linear, n_heads_in_group sets
// the KV heads and ffn_mult the gated MLP width. The older DeciLM-7B /
// DeciCoder configs have no block_configs, only per-layer K/V heads.
#include <cmath>

#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

// _ffn_mult_to_intermediate_size: int(2*mult*h/3) rounded up to 256, in the
// same floating-point order as the Python original.
int64_t ffn_width(double mult, int64_t hidden) {
  auto w = static_cast<int64_t>(std::floor(2.0 * mult * static_cast<double>(hidden) / 3.0));
  return w % 256 == 0 ? w : w + 256 - w % 256;
}

struct Block {
  bool attn_noop, attn_linear, ffn_noop, ffn_linear;
  int64_t group;  // n_heads_in_group
  double mult;
};

Block read_block(const json& b, const std::string& p, int64_t heads) {
  Block out{};
  jsonu::as_object(b, p);
  const std::string ap = p + ".attention", fp = p + ".ffn";
  // A block that fails a check comes back as it is; the caller stops on
  // jsonu::failed() before it emits one.
  const json* pa = jsonu::require(b, "attention", p);
  const json* pf = jsonu::require(b, "ffn", p);
  if (!pa || !pf) return out;
  const json& a = jsonu::as_object(*pa, ap);
  const json& f = jsonu::as_object(*pf, fp);
  out.attn_noop = jsonu::opt_bool(a, "no_op", ap).value_or(false);
  out.attn_linear = jsonu::opt_bool(a, "replace_with_linear", ap).value_or(false);
  out.ffn_noop = jsonu::opt_bool(f, "no_op", fp).value_or(false);
  out.ffn_linear = jsonu::opt_bool(f, "replace_with_linear", fp).value_or(false);
  if (!out.attn_noop && !out.attn_linear) {
    out.group = jsonu::opt_int(a, "n_heads_in_group", ap, 1, heads).value_or(0);
    if (out.group == 0) {
      jsonu::report_missing(ap, "n_heads_in_group");
      return out;
    }
    if (heads % out.group != 0) {
      jsonu::report(Error(ErrorCode::inconsistent, ap + ".n_heads_in_group",
                          "n_heads_in_group must divide num_attention_heads"));
    }
  }
  if (!out.ffn_noop && !out.ffn_linear) {
    auto m = jsonu::opt_number(f, "ffn_mult", fp, 1e-6, 1000.0);
    if (!m) jsonu::report_missing(fp, "ffn_mult");
    out.mult = m.value_or(1);
  }
  return out;
}

void emit_block(Inventory& inv, const Block& b, ModelSpec& s, int i) {
  LayerSpec& l = s.layers[i];
  l.mixer = MixerKind::none;
  l.ffn = FfnKind::none;
  if (!b.attn_noop) {
    inv.norm("input_layernorm", s.hidden, NormKind::rms, i);
    if (b.attn_linear) {
      inv.linear("linear_attn", s.hidden, s.hidden, false, i);
    } else {
      l.mixer = MixerKind::attention;
      l.n_heads = s.num_heads;
      l.n_kv_heads = s.num_heads / b.group;
      l.head_dim = l.v_head_dim = s.head_dim;
      l.kv_cache_dim = 2 * l.n_kv_heads * s.head_dim;
      AttnStyle attn;
      attn.qkv_bias = attn.o_bias = s.attention_bias;
      emit_attention(inv, attn, l, s.hidden, i);
    }
  }
  if (!b.ffn_noop) {
    inv.norm("post_attention_layernorm", s.hidden, NormKind::rms, i);
    if (b.ffn_linear) {
      inv.linear("linear_mlp", s.hidden, s.hidden, false, i);
    } else {
      l.ffn = FfnKind::dense;
      l.ffn_width = ffn_width(b.mult, s.hidden);
      MlpStyle mlp;
      mlp.bias = s.mlp_bias;
      emit_mlp(inv, mlp, s.hidden, l.ffn_width, i);
    }
  }
}

// DeciLM-7B / DeciCoder (Deci remote code modeling_decilm.py, Dec 2023):
// Llama layers whose K/V head count is num_key_value_heads_per_layer[i];
// without the list (an abridged config) every layer gets
// num_key_value_heads.
void emit_llama_layers(const Src& src, Inventory& inv, ModelSpec& s) {
  std::string where;
  const json* kv = src.find({"num_key_value_heads_per_layer"}, &where);
  if (kv && (!kv->is_array() || static_cast<int64_t>(kv->size()) != s.num_layers)) {
    jsonu::report(
        Error(ErrorCode::inconsistent, where,
              where + " must list one entry per layer (" + std::to_string(s.num_layers) + ")"));
    return;
  }
  if (!kv) {
    s.approximate = true;
    s.warnings.push_back(
        "deci: no block_configs and no num_key_value_heads_per_layer: every layer counted "
        "with num_key_value_heads (approximate)");
  }
  if (s.intermediate == 0) {
    jsonu::report_missing(src.path(), "intermediate_size");
    return;
  }
  AttnStyle attn;
  attn.qkv_bias = attn.o_bias = s.attention_bias;
  MlpStyle mlp;
  mlp.bias = s.mlp_bias;
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    LayerSpec& l = s.layers[i];
    l.n_heads = s.num_heads;
    l.n_kv_heads =
        kv ? jsonu::as_int((*kv)[i], where + "[" + std::to_string(i) + "]", 1, s.num_heads)
           : s.num_kv_heads;
    if (s.num_heads % l.n_kv_heads != 0) {
      jsonu::report(Error(ErrorCode::inconsistent, where + "[" + std::to_string(i) + "]",
                          "key/value heads must divide num_attention_heads"));
      return;
    }
    l.head_dim = l.v_head_dim = s.head_dim;
    l.kv_cache_dim = 2 * l.n_kv_heads * s.head_dim;
    l.ffn_width = s.intermediate;
    inv.norm("input_layernorm", s.hidden, NormKind::rms, i);
    emit_attention(inv, attn, l, s.hidden, i);
    inv.norm("post_attention_layernorm", s.hidden, NormKind::rms, i);
    emit_mlp(inv, mlp, s.hidden, l.ffn_width, i);
  }
}

}  // namespace

void parse_decilm(const Src& src, ModelSpec& s) {
  s.family = "decilm";
  read_core_dims(src, s, nullptr);
  std::string where;
  const json* blocks = src.find({"block_configs"}, &where);
  // per layer below; the field is often null
  s.num_kv_heads =
      blocks ? s.num_heads : src.i({"num_key_value_heads"}, 1, kMaxHeads).value_or(s.num_heads);
  validate_heads(src, s);
  if (jsonu::failed()) return;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = flag(src, {"attention_bias"}, false);
  s.mlp_bias = flag(src, {"mlp_bias"}, false);
  const Rules rules;
  s.layers.assign(static_cast<size_t>(s.num_layers), LayerSpec{});
  Inventory inv(s.tensors, src.path());
  emit_embeddings(inv, rules, s);
  emit_head(inv, rules, s);
  if (!blocks) {
    emit_llama_layers(src, inv, s);
    inv.norm("norm", s.hidden, NormKind::rms, -1);
    return;
  }
  if (!blocks->is_array() || static_cast<int64_t>(blocks->size()) != s.num_layers) {
    jsonu::report(
        Error(ErrorCode::inconsistent, where,
              where + " must list one block per layer (" + std::to_string(s.num_layers) + ")"));
    return;
  }
  for (int i = 0; i < static_cast<int>(s.num_layers); ++i) {
    const std::string p = where + "[" + std::to_string(i) + "]";
    const Block b = read_block((*blocks)[i], p, s.num_heads);
    if (jsonu::failed()) return;
    emit_block(inv, b, s, i);
  }
  inv.norm("norm", s.hidden, NormKind::rms, -1);
}

}  // namespace cfg
}  // namespace vramfit
