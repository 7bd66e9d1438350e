// The model_type -> family table: module names, biases, norms, tie defaults
// and MoE layout of each decoder family, as in the HF modelling code
// (methodology §3.3 bias table, §3.6 norm counts). Defaults are the
// configuration_<family>.py defaults transformers applies to missing keys.

#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

// ---- shared readers -------------------------------------------------------

void need_intermediate(const Src& src, ModelSpec& s) {
  if (s.intermediate == 0) jsonu::report_missing(src.path(), "intermediate_size");
}

void default_intermediate(ModelSpec& s, int64_t mult) {
  if (s.intermediate == 0) s.intermediate = mult * s.hidden;
}

// intermediate_size is checked by build_layers, only if a dense layer needs
// it: an all-MoE config may leave it out.
void llama_like(const Src& src, ModelSpec& s, Rules& r, bool tie_default) {
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, tie_default);
  s.attention_bias = flag(src, {"attention_bias"}, false);
  s.mlp_bias = flag(src, {"mlp_bias"}, false);
  r.attn.qkv_bias = r.attn.o_bias = s.attention_bias;
  r.mlp.bias = s.mlp_bias;
}

// ---- families -------------------------------------------------------------

void llama(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) { llama_like(src, s, r, false); }

void mixtral(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  read_moe(src, s, {"num_local_experts"}, {"intermediate_size"});
  m.w_gate = "w1";  // MixtralBlockSparseTop2MLP: w2(silu(w1 x) * w3 x)
  m.w_up = "w3";
  m.w_down = "w2";
}

void qwen2(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  s.attention_bias = true;  // Qwen2Attention: q/k/v bias=True, o bias=False
  r.attn.qkv_bias = true;
  r.attn.o_bias = false;
  read_moe(src, s, {"num_experts"}, {"moe_intermediate_size"});
  s.moe.shared_width = src.i({"shared_expert_intermediate_size"}, 0, kMaxWidth).value_or(0);
  m.shared_name = "shared_expert";
  m.shared_gate = s.moe.shared_width > 0;
}

void qwen3(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.attn.qk_norm = QkNorm::per_head;  // q_norm/k_norm: RMSNorm(head_dim)
  read_moe(src, s, {"num_experts"}, {"moe_intermediate_size"});
}

// Qwen3-Next / Qwen3.5: Qwen3 attention with an output gate on full
// attention layers, Gated DeltaNet elsewhere, Qwen2-MoE style experts.
void qwen3_next(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  r.attn.qk_norm = QkNorm::per_head;
  r.attn.output_gate = flag(src, {"attn_output_gate"}, true);
  read_moe(src, s, {"num_experts"}, {"moe_intermediate_size"});
  s.moe.shared_width = src.i({"shared_expert_intermediate_size"}, 0, kMaxWidth).value_or(0);
  m.shared_name = "shared_expert";
  m.shared_gate = s.moe.shared_width > 0;
}

void gemma(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) { llama_like(src, s, r, true); }

void gemma2(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  gemma(src, s, r, m);
  r.layer_norms = {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                   "post_feedforward_layernorm"};
}

void gemma3(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  gemma2(src, s, r, m);
  r.attn.qk_norm = QkNorm::per_head;
}

void olmo(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.norms_have_params = false;  // OlmoLayerNorm: F.layer_norm without weights
  r.final_norm.clear();
  s.norm = NormKind::layer;
}

void olmo2(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.layer_norms = {"post_attention_layernorm", "post_feedforward_layernorm"};
  r.attn.qk_norm = QkNorm::full;  // RMSNorm over n_h*d and n_kv*d
}

// EXAONE 4.0: OLMo 2's post-norm decoder layer with per-head q/k RMSNorm
// (transformers models/exaone4/modular_exaone4.py: Exaone4DecoderLayer
// (Olmo2DecoderLayer), q_norm / k_norm = Exaone4RMSNorm(head_dim)).
void exaone4(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.layer_norms = {"post_attention_layernorm", "post_feedforward_layernorm"};
  r.attn.qk_norm = QkNorm::per_head;
}

void olmoe(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.attn.qk_norm = QkNorm::full;
  read_moe(src, s, {"num_experts"}, {"intermediate_size"});
}

void deepseek(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  read_moe(src, s, {"n_routed_experts"}, {"moe_intermediate_size"});
  int64_t shared = src.i({"n_shared_experts"}, 0, kMaxExperts).value_or(0);
  s.moe.shared_width = shared * s.moe.expert_width;
  auto topk = src.s({"topk_method"}).value_or("");
  m.score_bias = topk == "noaux_tc" || (topk.empty() && s.model_type == "deepseek_v3");
  if (s.model_type == "glm_moe_dsa") return;
  if (s.model_type == "deepseek_v32") {
    s.approximate = true;
    s.warnings.push_back(
        "deepseek_v32: the sparse-attention indexer is counted from the reference "
        "inference code layout (wq_b, wk, k_norm, weights_proj); no transformers "
        "class to check it against");
  }
}

void gpt_oss(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  s.attention_bias = flag(src, {"attention_bias"}, true);
  r.attn.qkv_bias = r.attn.o_bias = s.attention_bias;
  r.attn.sinks = true;
  read_moe(src, s, {"num_local_experts"}, {"intermediate_size"});
  m.router = "router";
  m.router_bias = m.fused = m.expert_bias = true;
}

void llama4(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  llama_like(src, s, r, false);
  read_moe(src, s, {"num_local_experts"}, {"intermediate_size"});
  s.moe.shared_width = s.moe.expert_width;  // one shared expert, always
  // Dense layers use intermediate_size_mlp (Llama4TextConfig default 16384).
  s.intermediate = src.i({"intermediate_size_mlp"}, 1, kMaxWidth).value_or(16384);
  m.router = "router";
  m.fused = true;
  m.shared_name = "shared_expert";
}

void mllama(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.extra_vocab = 8;  // MllamaTextModel: Embedding(vocab_size + 8, hidden)
}

void phi(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  need_intermediate(src, s);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = s.mlp_bias = s.parallel_attention = true;
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  r.attn.o = "dense";
  r.attn.qkv_bias = r.attn.o_bias = true;
  if (flag(src, {"qk_layernorm"}, false)) {
    r.attn.qk_norm = QkNorm::per_head;
    r.attn.qk_norm_kind = NormKind::layer;
  }
  r.mlp = MlpStyle{MlpKind::plain, "", "fc1", "fc2", nullptr, true};
  r.layer_norms = {"input_layernorm"};
  r.final_norm = "final_layernorm";
  r.head_bias = true;
}

// phi-1.5 / phi-2 before their transformers port ("phi-msft", remote code
// microsoft/phi-2 modeling_phi.py, Dec 2023): ParallelBlock with ln,
// mixer.Wqkv (+bias), mixer.out_proj (+bias), mlp.fc1/fc2 (+bias) of n_inner
// (null = 4 * n_embd), CausalLMHead ln + linear (+bias). Same tensors as
// transformers' PhiForCausalLM (the port renamed them only).
void phi_msft(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  default_intermediate(s, 4);
  phi(src, s, r, m);
}

void phi3(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  llama_like(src, s, r, false);
  r.attn.fused_qkv = "qkv_proj";
  r.mlp.fused_gate_up = "gate_up_proj";
}

void starcoder2(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  need_intermediate(src, s);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  bool bias = flag(src, {"use_bias"}, true);
  s.attention_bias = s.mlp_bias = bias;
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  r.attn.qkv_bias = r.attn.o_bias = bias;
  r.mlp = MlpStyle{MlpKind::plain, "", "c_fc", "c_proj", nullptr, bias};
}

// GPT-2, GPT-NeoX, BLOOM, GPT-J, Falcon, OPT: LayerNorm and biases.
void layernorm_family(ModelSpec& s, Rules& r) {
  s.mlp = MlpKind::plain;
  s.norm = NormKind::layer;
  r.attn.qkv_bias = r.attn.o_bias = s.attention_bias;
  r.mlp.kind = MlpKind::plain;
  r.mlp.bias = s.mlp_bias;
}

void gpt2(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  default_intermediate(s, 4);                        // n_inner = null => 4h
  if (s.max_positions == 0) s.max_positions = 1024;  // GPT2Config n_positions default
  s.num_kv_heads = s.num_heads;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.attention_bias = s.mlp_bias = true;
  layernorm_family(s, r);
  r.embed = "wte";
  r.attn.fused_qkv = "c_attn";
  r.attn.o = "attn.c_proj";
  r.mlp.up = "c_fc";
  r.mlp.down = "mlp.c_proj";
  r.layer_norms = {"ln_1", "ln_2"};
  r.final_norm = "ln_f";
  r.learned_positions = true;
}

// GPTBigCode (StarCoder, SantaCoder, WizardCoder; transformers
// models/gpt_bigcode/modeling_gpt_bigcode.py, v4.57): GPT-2's block and
// module names; with multi_query (GPTBigCodeConfig default True) one K/V
// head, c_attn = Linear(h, h + 2 x head_dim). Biases and LayerNorm biases
// everywhere, learned positions (n_positions, default 1024), lm_head tied.
void gpt_bigcode(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  gpt2(src, s, r, m);
  if (flag(src, {"multi_query"}, true)) s.num_kv_heads = 1;
}

// CodeShell (model_type "kclgpt"; WisdomShell/codeshell model/
// modeling_codeshell.py, Nov 2023): GPTBigCode's block and names with
// grouped K/V heads when group_query_attention (num_query_groups) and RoPE
// instead of wpe when position_embedding_type is "rope" (every published
// CodeShell config; its config class is not public, so "rope" is assumed
// when the key is absent). lm_head tied (_tied_weights_keys).
void codeshell(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  gpt2(src, s, r, m);
  if (flag(src, {"group_query_attention"}, false)) {
    s.num_kv_heads = src.i({"num_query_groups"}, 1, kMaxHeads).value_or(s.num_heads);
  }
  r.learned_positions = src.s({"position_embedding_type"}).value_or("rope") == "learned_absolute";
}

// Qwen (v1; Qwen/Qwen-7B remote code modeling_qwen.py, Aug 2023): c_attn
// Linear(h, 3 x kv_channels x heads) with bias, c_proj and the MLP without
// bias (no_bias, default True); QWenMLP w1, w2 of intermediate_size // 2,
// c_proj back (out = c_proj(w1 x * silu(w2 x))); RMSNorm ln_1, ln_2, ln_f;
// lm_head untied.
void qwen(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  need_intermediate(src, s);
  s.intermediate /= 2;
  s.head_dim = src.i({"kv_channels"}, 1, kMaxWidth).value_or(128);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  const bool bias = !flag(src, {"no_bias"}, true);
  s.attention_bias = true;
  s.mlp_bias = bias;
  r.embed = "wte";
  r.attn.fused_qkv = "attn.c_attn";
  r.attn.o = "attn.c_proj";
  r.attn.qkv_bias = true;
  r.attn.o_bias = bias;
  r.mlp = MlpStyle{MlpKind::gated, "mlp.w2", "mlp.w1", "mlp.c_proj", nullptr, bias};
  r.layer_norms = {"ln_1", "ln_2"};
  r.final_norm = "ln_f";
}

// Persimmon (Fuyu's language model; transformers models/persimmon/
// modeling_persimmon.py, v4.57): query_key_value and dense with bias,
// per-head LayerNorm on q and k when qk_layernorm (default True), a plain
// relu^2 MLP dense_h_to_4h / dense_4h_to_h with bias, LayerNorms with bias,
// final_layernorm, lm_head untied.
void persimmon(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  need_intermediate(src, s);
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = s.mlp_bias = true;
  layernorm_family(s, r);
  r.attn.fused_qkv = "query_key_value";
  r.attn.o = "dense";
  if (flag(src, {"qk_layernorm"}, true)) {
    r.attn.qk_norm = QkNorm::per_head;
    r.attn.qk_norm_kind = NormKind::layer;
  }
  r.mlp.up = "dense_h_to_4h";
  r.mlp.down = "dense_4h_to_h";
  r.final_norm = "final_layernorm";
}

void gpt_neox(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  default_intermediate(s, 4);
  s.num_kv_heads = s.num_heads;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = flag(src, {"attention_bias"}, true);
  s.mlp_bias = true;
  s.parallel_attention = flag(src, {"use_parallel_residual"}, true);
  layernorm_family(s, r);
  r.embed = "embed_in";
  r.head = "embed_out";
  r.attn.fused_qkv = "query_key_value";
  r.attn.o = "dense";
  r.mlp.up = "dense_h_to_4h";
  r.mlp.down = "dense_4h_to_h";
  r.final_norm = "final_layer_norm";
}

void bloom(const Src& src, ModelSpec& s, Rules& r, MoeStyle& m) {
  gpt_neox(src, s, r, m);
  s.intermediate = 4 * s.hidden;  // BloomMLP: dense_h_to_4h is always 4h
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.attention_bias = true;
  s.parallel_attention = false;
  r.attn.qkv_bias = r.attn.o_bias = true;
  r.embed = "word_embeddings";
  r.embed_norm = "word_embeddings_layernorm";
  r.head = "lm_head";
  r.final_norm = "ln_f";
  r.rotary = false;  // ALiBi
}

void gptj(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  default_intermediate(s, 4);
  s.num_kv_heads = s.num_heads;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, false);
  s.attention_bias = false;
  s.mlp_bias = s.parallel_attention = true;
  layernorm_family(s, r);
  r.embed = "wte";
  r.attn.o = "out_proj";
  r.mlp.up = "fc_in";
  r.mlp.down = "fc_out";
  r.layer_norms = {"ln_1"};
  r.final_norm = "ln_f";
  r.head_bias = true;
}

void falcon(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  s.intermediate = src.i({"ffn_hidden_size"}, 1, kMaxWidth).value_or(4 * s.hidden);
  // Old remote-code "RefinedWeb" (Falcon-40B) is the new decoder layout.
  bool new_arch = flag(src, {"new_decoder_architecture"}, s.model_type == "RefinedWeb");
  if (new_arch) {
    s.num_kv_heads = src.i({"num_kv_heads", "n_head_kv"}, 1, kMaxHeads).value_or(s.num_heads);
  } else {
    s.num_kv_heads = flag(src, {"multi_query"}, true) ? 1 : s.num_heads;
  }
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.attention_bias = s.mlp_bias = flag(src, {"bias"}, false);
  s.parallel_attention = new_arch || flag(src, {"parallel_attn"}, true);
  r.rotary = !flag(src, {"alibi"}, false);           // Falcon-RW: ALiBi
  if (s.max_positions == 0) s.max_positions = 2048;  // FalconConfig default
  layernorm_family(s, r);
  r.embed = "word_embeddings";
  r.attn.fused_qkv = "query_key_value";
  r.attn.o = "dense";
  r.mlp.up = "dense_h_to_4h";
  r.mlp.down = "dense_4h_to_h";
  r.final_norm = "ln_f";
  auto n_ln = src.i({"num_ln_in_parallel_attn"}, 1, 2).value_or(2);
  if (new_arch && n_ln == 2) {
    r.layer_norms = {"ln_attn", "ln_mlp"};
  } else if (s.parallel_attention) {
    r.layer_norms = {"input_layernorm"};
  }
}

void opt(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  need_intermediate(src, s);
  s.num_kv_heads = s.num_heads;
  s.tied_embeddings = flag(src, {"tie_word_embeddings"}, true);
  s.attention_bias = s.mlp_bias = flag(src, {"enable_bias"}, true);
  layernorm_family(s, r);
  r.attn.o = "out_proj";
  r.mlp.up = "fc1";
  r.mlp.down = "fc2";
  r.layer_norms = {"self_attn_layer_norm", "final_layer_norm"};
  r.rotary = false;  // learned positions (embed_positions)
  // do_layer_norm_before=False (OPT-350m) drops the decoder's final norm.
  r.final_norm = flag(src, {"do_layer_norm_before"}, true) ? "final_layer_norm" : "";
}

// MPT (transformers models/mpt/modeling_mpt.py, v4.57; MosaicML remote code
// MPTForCausalLM): MptBlock norm_1, attn.Wqkv (3h x h), attn.out_proj,
// ffn.up_proj / down_proj of expansion_ratio * h, norm_2; norm_f; lm_head
// tied to wte. no_bias (default True) removes every bias, the LayerNorm
// biases included (counted as weight-only norms).
void mpt(const Src& src, ModelSpec& s, Rules& r, MoeStyle&) {
  s.intermediate = src.i({"expansion_ratio"}, 1, 1000).value_or(4) * s.hidden;
  if (s.max_positions == 0) s.max_positions = src.i({"max_seq_len"}, 1, 1000000000).value_or(2048);
  s.num_kv_heads = s.num_heads;
  s.tied_embeddings = true;
  r.rotary = false;  // ALiBi (or learned positions without it)
  const bool bias = !flag(src, {"no_bias"}, true);
  s.attention_bias = s.mlp_bias = bias;
  layernorm_family(s, r);
  if (!bias) s.norm = NormKind::rms;  // LayerNorm weight only: same count
  r.embed = "wte";
  r.attn.fused_qkv = "attn.Wqkv";
  r.attn.o = "attn.out_proj";
  r.mlp.up = "ffn.up_proj";
  r.mlp.down = "ffn.down_proj";
  r.layer_norms = {"norm_1", "norm_2"};
  r.final_norm = "norm_f";
}

// ---- defaults for sparse nested text configs ------------------------------

const Defaults kLlamaDefaults{4096, 32, 32, 0, 0, 11008, 32000, 2048};
const Defaults kMistralDefaults{4096, 32, 32, 8, 0, 14336, 32000, 131072};
const Defaults kQwen2Defaults{4096, 32, 32, 32, 0, 22016, 151936, 32768};
const Defaults kGemmaDefaults{3072, 28, 16, 16, 256, 24576, 256000, 8192};
const Defaults kGemma3Defaults{2304, 26, 8, 4, 256, 9216, 262208, 131072};
const Defaults kMllamaDefaults{4096, 40, 32, 8, 0, 14336, 128256, 131072};
const Defaults kLlama4Defaults{5120, 48, 40, 8, 128, 8192, 202048, 131072};

using W = WindowRule;
using M = MoePlacement;

// model_type -> family. A constant array rather than a std::map: no code to
// build it at startup (that was 7 KB of wasm); lookups are once per config.
struct Entry {
  const char* model_type;
  Family family;
};
const Entry kTable[] = {
    {"llama", {"llama", W::none, M::none, &kLlamaDefaults, llama}},
    {"granite", {"llama", W::none, M::none, nullptr, llama}},
    {"mistral", {"mistral", W::all, M::none, &kMistralDefaults, llama}},
    {"mixtral", {"mixtral", W::all, M::all, nullptr, mixtral}},
    {"qwen2", {"qwen2", W::qwen, M::none, &kQwen2Defaults, qwen2}},
    {"qwen2_vl_text", {"qwen2", W::qwen, M::none, &kQwen2Defaults, qwen2}},
    {"qwen2_5_vl_text", {"qwen2", W::qwen, M::none, &kQwen2Defaults, qwen2}},
    {"qwen2_moe", {"qwen2_moe", W::qwen, M::qwen, nullptr, qwen2}},
    {"qwen3", {"qwen3", W::qwen, M::none, nullptr, qwen3}},
    {"qwen3_vl_text", {"qwen3", W::none, M::none, nullptr, qwen3}},
    {"qwen3_moe", {"qwen3_moe", W::qwen, M::qwen, nullptr, qwen3}},
    {"qwen3_vl_moe_text", {"qwen3_moe", W::none, M::qwen, nullptr, qwen3}},
    {"qwen3_next", {"qwen3_next", W::qwen_next, M::qwen, nullptr, qwen3_next}},
    {"qwen3_5_text", {"qwen3_5", W::qwen_next, M::qwen, nullptr, qwen3_next}},
    {"qwen3_5_moe_text", {"qwen3_5", W::qwen_next, M::qwen, nullptr, qwen3_next}},
    {"gemma", {"gemma", W::none, M::none, &kGemmaDefaults, gemma}},
    {"gemma2", {"gemma2", W::gemma2, M::none, nullptr, gemma2}},
    {"gemma3_text", {"gemma3", W::gemma3, M::none, &kGemma3Defaults, gemma3}},
    {"olmo", {"olmo", W::none, M::none, nullptr, olmo}},
    {"olmo2", {"olmo2", W::none, M::none, nullptr, olmo2}},
    {"olmo3", {"olmo3", W::none, M::none, nullptr, olmo2}},
    {"olmoe", {"olmoe", W::none, M::all, nullptr, olmoe}},
    {"exaone4", {"exaone4", W::none, M::none, nullptr, exaone4}},
    {"deepseek_v2", {"deepseek_v2", W::none, M::deepseek, nullptr, deepseek}},
    {"deepseek_v3", {"deepseek_v3", W::none, M::deepseek, nullptr, deepseek}},
    {"deepseek_v32", {"deepseek_v32", W::none, M::deepseek, nullptr, deepseek}},
    {"kimi_k2", {"deepseek_v3", W::none, M::deepseek, nullptr, deepseek}},
    // GLM-5 (transformers models/glm_moe_dsa/modular_glm_moe_dsa.py, v5.0):
    // DeepSeek-V3.2's MLA, DSA indexer and noaux_tc MoE.
    {"glm_moe_dsa", {"glm_moe_dsa", W::none, M::deepseek, nullptr, deepseek}},
    {"gpt_oss", {"gpt_oss", W::none, M::all, nullptr, gpt_oss}},
    {"llama4_text", {"llama4", W::llama4, M::llama4, &kLlama4Defaults, llama4}},
    {"mllama_text_model", {"mllama", W::none, M::none, &kMllamaDefaults, mllama}},
    {"phi", {"phi", W::none, M::none, nullptr, phi}},
    {"phi-msft", {"phi", W::none, M::none, nullptr, phi_msft}},
    {"mpt", {"mpt", W::none, M::none, nullptr, mpt}},
    {"phi3", {"phi3", W::all, M::none, nullptr, phi3}},
    {"starcoder2", {"starcoder2", W::all, M::none, nullptr, starcoder2}},
    {"gpt2", {"gpt2", W::none, M::none, nullptr, gpt2}},
    {"gpt_bigcode", {"gpt_bigcode", W::none, M::none, nullptr, gpt_bigcode}},
    {"kclgpt", {"codeshell", W::none, M::none, nullptr, codeshell}},
    {"qwen", {"qwen", W::none, M::none, nullptr, qwen}},
    {"persimmon", {"persimmon", W::none, M::none, nullptr, persimmon}},
    {"gpt_neox", {"gpt_neox", W::none, M::none, nullptr, gpt_neox}},
    {"bloom", {"bloom", W::none, M::none, nullptr, bloom}},
    {"gptj", {"gptj", W::none, M::none, nullptr, gptj}},
    {"falcon", {"falcon", W::none, M::none, nullptr, falcon}},
    {"RefinedWeb", {"falcon", W::none, M::none, nullptr, falcon}},
    {"RefinedWebModel", {"falcon", W::none, M::none, nullptr, falcon}},
    {"opt", {"opt", W::none, M::none, nullptr, opt}},
};

// Older configs (GPT-2, BLOOM, OPT, GPT-NeoX, Falcon RW files) give only
// `architectures`; the class names the family, as in vLLM, which picks its
// implementation from architectures alone (vllm-project/vllm
// vllm/model_executor/models/registry.py _TEXT_GENERATION_MODELS, v0.11).
// Generation classes only: a bare *Model or a task head (ForSequence...)
// has no lm_head or another one, so those stay on the generic path.
struct ArchEntry {
  const char* architecture;
  const char* model_type;  // a key of kTable
};
const ArchEntry kArchitectures[] = {
    {"GPT2LMHeadModel", "gpt2"},
    {"GPTNeoXForCausalLM", "gpt_neox"},
    {"BloomForCausalLM", "bloom"},
    {"OPTForCausalLM", "opt"},
    {"GPTJForCausalLM", "gptj"},
    {"FalconForCausalLM", "falcon"},
    // tiiuae's remote code for Falcon-7B / Falcon-RW; vLLM: ("falcon", ...)
    {"RWForCausalLM", "RefinedWebModel"},
    {"LlamaForCausalLM", "llama"},
    {"LLaMAForCausalLM", "llama"},  // early LLaMA conversions; vLLM: ("llama", ...)
    {"MistralForCausalLM", "mistral"},
    {"MixtralForCausalLM", "mixtral"},
    {"Qwen2ForCausalLM", "qwen2"},
    {"GemmaForCausalLM", "gemma"},
    {"PhiForCausalLM", "phi"},
    {"Starcoder2ForCausalLM", "starcoder2"},
    {"MptForCausalLM", "mpt"},
    {"MPTForCausalLM", "mpt"},  // MosaicML remote code; vLLM: ("mpt", ...)
    {"GPTBigCodeForCausalLM", "gpt_bigcode"},
    {"QWenLMHeadModel", "qwen"},
    {"CodeShellForCausalLM", "kclgpt"},
    {"CodeShell4bitForCausalLM", "kclgpt"},  // same tensors, int4 at load
    {"PersimmonForCausalLM", "persimmon"},
    {"DeciCoderForCausalLM", "deci"},  // Deci remote code (config.cpp -> decilm.cpp)
    {"DeciLMForCausalLM", "deci"},
    // Fuyu: Persimmon plus vision_embed_tokens (towers.cpp).
    {"FuyuForCausalLM", "persimmon"},
    // Base classes without a head, where the head is tied: the same tensors
    // as the generation class (BloomModel, GPT2Model and T5Model hold the
    // embedding the head would share). T5WithLMHeadModel is the pre-v3 name
    // of T5ForConditionalGeneration; MixFormerSequentialForCausalLM is
    // phi-1.5's first remote code (microsoft/phi-1_5, Sep 2023).
    {"BloomModel", "bloom"},
    {"RWModel", "RefinedWebModel"},
    {"GPT2Model", "gpt2"},
    {"GPTBigCodeModel", "gpt_bigcode"},
    {"T5Model", "t5"},
    {"T5WithLMHeadModel", "t5"},
    {"MixFormerSequentialForCausalLM", "phi-msft"},
    // Encoder-decoders (config.cpp dispatches these types to t5.cpp):
    // transformers models/auto/modeling_auto.py
    // MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES.
    {"T5ForConditionalGeneration", "t5"},
    {"MT5ForConditionalGeneration", "mt5"},
    {"UMT5ForConditionalGeneration", "umt5"},
};

}  // namespace

const Family* find_family(const std::string& model_type) {
  for (const Entry& e : kTable) {
    if (model_type == e.model_type) return &e.family;
  }
  return nullptr;
}

namespace {
const char* lookup_architecture(const std::string& name) {
  for (const ArchEntry& e : kArchitectures) {
    if (name == e.architecture) return e.model_type;
  }
  return nullptr;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// transformers' task heads on a decoder body: GPT2ForSequenceClassification
// .score = Linear(h, num_labels, bias=False) (the same in the Llama, BLOOM,
// GPT-NeoX, GPTBigCode classes), ...ForTokenClassification.classifier =
// Linear(h, num_labels), ...ForQuestionAnswering.qa_outputs = Linear(h, 2)
// (models/gpt2/modeling_gpt2.py, models/bloom/modeling_bloom.py, v4.57).
const TaskHead kTaskHeads[] = {
    {"ForSequenceClassification", "score", false, 0},
    {"ForTokenClassification", "classifier", true, 0},
    {"ForQuestionAnswering", "qa_outputs", true, 2},
};
}  // namespace

const char* model_type_for_architecture(const std::string& architecture, const TaskHead** head) {
  // TFGPT2LMHeadModel, FlaxLlamaForCausalLM: the same model in TensorFlow /
  // Flax; the tensors are the PyTorch class's.
  std::string name = architecture;
  for (const char* fw : {"TF", "Flax"}) {
    if (name.rfind(fw, 0) == 0) name = name.substr(std::string(fw).size());
  }
  if (const char* t = lookup_architecture(name)) return t;
  for (const TaskHead& h : kTaskHeads) {
    if (!ends_with(name, h.suffix)) continue;
    const std::string body = name.substr(0, name.size() - std::string(h.suffix).size());
    for (const char* lm : {"ForCausalLM", "LMHeadModel"}) {
      if (const char* t = lookup_architecture(body + lm)) {
        if (head) *head = &h;
        return t;
      }
    }
  }
  return nullptr;
}

}  // namespace cfg
}  // namespace vramfit
