// Internal pieces of config parsing shared by config*.cpp: the text-config
// view with alias and fallback lookup, the tensor inventory builder and the
// per-family entry points. Nothing here is public API.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "util/json_util.h"
#include "vramfit/model.h"

namespace vramfit {
namespace cfg {

using json = nlohmann::json;

// Caps that keep every product below int64: rows,cols <= 1e7 gives a matrix
// of at most 1e14 elements, count <= 1e5 experts gives 1e19 which the
// inventory checks with overflow builtins, and the whole model is capped at
// kMaxTotalParams so that sums over layers cannot overflow either.
constexpr int64_t kMaxLayers = 100000;
constexpr int64_t kMaxWidth = 10000000;
constexpr int64_t kMaxHeads = 100000;
constexpr int64_t kMaxExperts = 100000;
constexpr int64_t kMaxTotalParams = 1000000000000000;  // 1e15

// A view of the language-model config: keys are looked up in the nested text
// config first, then at the top level (older multimodal configs keep text
// fields there). Errors name the path where the value was found.
class Src {
 public:
  Src(const json& text, std::string text_path, const json& top, std::string top_path);

  bool nested() const { return text_ != top_; }
  const json& text() const { return *text_; }
  const json& top() const { return *top_; }
  const std::string& path() const { return text_path_; }
  const std::string& top_path() const { return top_path_; }

  // First alias present (text config, then top level); sets *where.
  const json* find(std::initializer_list<const char*> keys, std::string* where) const;
  bool has(std::initializer_list<const char*> keys) const;
  std::optional<int64_t> i(std::initializer_list<const char*> keys, int64_t lo, int64_t hi) const;
  // A positive size; missing_field naming the first alias when absent.
  int64_t need(std::initializer_list<const char*> keys, int64_t hi) const;
  std::optional<bool> b(std::initializer_list<const char*> keys) const;
  std::optional<std::string> s(std::initializer_list<const char*> keys) const;
  std::optional<double> num(std::initializer_list<const char*> keys) const;
  // Field path for an error about `key` (in the text config).
  std::string at(const char* key) const { return jsonu::join(text_path_, key); }

 private:
  const json* text_;
  const json* top_;
  std::string text_path_;
  std::string top_path_;
};

// Product of sizes (state elements, patch kernels, merged widths), or
// out_of_range at `path` when it exceeds kMaxTotalParams: products of capped
// dimensions can otherwise overflow int64 before any tensor is counted.
int64_t checked_product(std::initializer_list<int64_t> factors, const std::string& path);

// Appends tensor groups to an inventory, checking shapes and the running
// total so that no later sum can overflow int64.
class Inventory {
 public:
  Inventory(std::vector<TensorGroup>& out, std::string path) : out_(out), path_(std::move(path)) {}
  void add(const std::string& name, TensorRole role, int64_t rows, int64_t cols, int layer,
           int64_t count = 1, bool routed = false);
  // Linear weight (out x in) and, when `bias`, its bias vector (out x 1).
  void linear(const std::string& name, int64_t out, int64_t in, bool bias, int layer,
              TensorRole role = TensorRole::linear, int64_t count = 1, bool routed = false);
  void norm(const std::string& name, int64_t width, NormKind kind, int layer);

 private:
  std::vector<TensorGroup>& out_;
  std::string path_;
  int64_t total_ = 0;
};

// Per-layer attention / MLP layout of a decoder family.
enum class QkNorm { none, per_head, full };

struct AttnStyle {
  const char* q = "q_proj";
  const char* k = "k_proj";
  const char* v = "v_proj";
  const char* o = "o_proj";
  const char* fused_qkv = nullptr;  // "query_key_value", "c_attn", "qkv_proj"
  bool qkv_bias = false;
  bool o_bias = false;
  QkNorm qk_norm = QkNorm::none;
  NormKind qk_norm_kind = NormKind::rms;
  bool sinks = false;        // gpt-oss learned attention sinks (n_h)
  bool output_gate = false;  // Qwen3-Next/3.5: q_proj also emits a gate
};

struct MlpStyle {
  MlpKind kind = MlpKind::gated;
  const char* gate = "gate_proj";
  const char* up = "up_proj";
  const char* down = "down_proj";
  const char* fused_gate_up = nullptr;  // Phi-3 "gate_up_proj"
  bool bias = false;
};

// Everything the generic decoder emitter needs beyond LayerSpec.
struct Rules {
  std::string family;
  AttnStyle attn;
  MlpStyle mlp;
  std::vector<std::string> layer_norms = {"input_layernorm", "post_attention_layernorm"};
  std::string final_norm = "norm";  // empty = none (OLMo-1 non-parametric)
  std::string embed = "embed_tokens";
  std::string embed_norm;          // BLOOM word_embeddings_layernorm
  bool norms_have_params = true;   // OLMo-1 LayerNorm has no weights
  std::string head = "lm_head";    // GPT-NeoX "embed_out"
  bool head_bias = false;          // Phi-2, GPT-J lm_head bias
  int64_t extra_vocab = 0;         // Mllama: embed_tokens has vocab + 8 rows
  bool learned_positions = false;  // GPT-2 family: wpe of max_positions rows
  bool rotary = true;              // false: ALiBi / learned positions, no RoPE
};

// MoE module layout of a family.
struct MoeStyle {
  std::string router = "gate";  // "router" for gpt-oss / llama4
  bool router_bias = false;     // gpt-oss
  bool score_bias = false;      // DeepSeek-V3 e_score_correction_bias
  bool fused = false;           // experts.gate_up_proj (Llama-4, gpt-oss)
  bool expert_bias = false;     // gpt-oss
  const char* w_gate = "gate_proj";
  const char* w_up = "up_proj";
  const char* w_down = "down_proj";
  bool gated = true;  // Nemotron-H experts are up/down only
  std::string shared_name = "shared_experts";
  bool shared_gate = false;  // Qwen2-MoE shared_expert_gate (h -> 1)
};

// Defaults transformers applies to a sparse nested text_config (LLaVA's
// text_config is a LlamaConfig with most keys left out). 0 = no default.
struct Defaults {
  int64_t hidden = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
  int64_t intermediate = 0, vocab = 0, max_positions = 0;
};

// How a family places sliding windows / chunks when layer_types is absent.
enum class WindowRule { none, all, qwen, gemma2, gemma3, llama4, qwen_next };

// How a family places MoE layers (methodology §3.5).
enum class MoePlacement { none, all, qwen, deepseek, llama4 };

// A decoder family: its rules come from a function of the config because
// several flags (biases, Falcon's layout, tie defaults) are config-driven.
struct Family {
  const char* family;
  WindowRule windows = WindowRule::none;
  MoePlacement moe = MoePlacement::none;
  const Defaults* defaults = nullptr;
  void (*rules)(const Src&, ModelSpec&, Rules&, MoeStyle&) = nullptr;
};

// A transformers task-head class on a causal-LM body
// (GPT2ForSequenceClassification, BloomForTokenClassification, ...): the
// body without lm_head, plus this head (out x hidden).
struct TaskHead {
  const char* suffix;  // class-name suffix that replaces ForCausalLM
  const char* name;    // the head module
  bool bias;
  int64_t rows;  // 0 = num_labels
};

// Family for a text model_type; nullptr when unknown (config/families.cpp).
const Family* find_family(const std::string& model_type);
// The model_type whose rules a class name (architectures[0]) uses, for
// configs without model_type; nullptr when not in the table. A task-head
// class resolves to its body's family and sets *head.
// architectures[0] when it is a string, else nullptr (config.cpp).
const std::string* first_architecture(const json& config);
const char* model_type_for_architecture(const std::string& architecture,
                                        const TaskHead** head = nullptr);

// Family entry points (config_*.cpp).
void parse_decoder(const Src& src, ModelSpec& spec);     // transformer LMs
void parse_mamba(const Src& src, ModelSpec& spec);       // mamba (v1)
void parse_nemotron_h(const Src& src, ModelSpec& spec);  // hybrid mamba2
void parse_jamba(const Src& src, ModelSpec& spec);       // hybrid mamba1+MoE
void parse_decilm(const Src& src, ModelSpec& spec);      // block_configs
void parse_t5(const Src& src, ModelSpec& spec);          // encoder-decoder
void parse_gemma4(const Src& src, ModelSpec& spec);      // gemma4_text
void parse_lfm2(const Src& src, ModelSpec& spec);        // attention + short conv
void parse_rwkv(const Src& src, ModelSpec& spec);        // rwkv (v4), rwkv5
void parse_quant(const json& top, const std::string& path, QuantSpec& q);
void parse_towers(const json& top, const std::string& path, ModelSpec& spec);

// Gated DeltaNet linear attention (Qwen3-Next / Qwen3.5), config/ssm.cpp.
struct DeltaNetDims {
  int64_t k_heads = 0, v_heads = 0, k_dim = 0, v_dim = 0, kernel = 4;
  bool split_proj = false;  // Qwen3.5 in_proj_qkv/z/b/a vs in_proj_qkvz/ba
};
DeltaNetDims read_deltanet(const Src& src);
int64_t deltanet_state(const DeltaNetDims& d);
void emit_deltanet(Inventory& inv, const DeltaNetDims& d, int64_t hidden, int layer);

// Mistral's native params.json, mapped to the equivalent HF config.json
// (config/mistral.cpp).
bool is_mistral_params(const json& config);
json mistral_params_to_hf(const json& params, const std::string& path);
// Warnings for what the mapping leaves out (an audio encoder).
void note_mistral_params(const json& params, ModelSpec& spec);

// Qwen-VL family vision towers (config_towers_qwen.cpp).
bool is_qwen_vision(const std::string& type);
void qwen_vision_tower(const json& v, const std::string& p, const std::string& type, int64_t text_h,
                       Inventory& inv);

// Shared helpers (config/layers.cpp).
// known_layers > 0: the layer count is given by a per-layer list instead.
void read_core_dims(const Src& src, ModelSpec& spec, const Defaults* dflt,
                    int64_t known_layers = 0);
void validate_heads(const Src& src, ModelSpec& spec);
// The rotary embedding's dimension and scaling (rope_scaling, or
// transformers v5's rope_parameters); after build_layers (MLA, attention).
void read_rope(const Src& src, ModelSpec& spec, const Rules& r);
void emit_attention(Inventory& inv, const AttnStyle& st, const LayerSpec& l, int64_t hidden,
                    int layer);
void emit_mlp(Inventory& inv, const MlpStyle& st, int64_t hidden, int64_t width, int layer,
              const std::string& prefix = "");
void emit_moe(Inventory& inv, const MoeStyle& st, const ModelSpec& spec, int layer);
void emit_embeddings(Inventory& inv, const Rules& r, const ModelSpec& spec);
void emit_head(Inventory& inv, const Rules& r, const ModelSpec& spec);
bool flag(const Src& src, std::initializer_list<const char*> keys, bool dflt);
// Routed experts (first alias of e_keys present and > 0), top-k and expert
// width; inconsistent when top-k exceeds the experts.
void read_moe(const Src& src, ModelSpec& s, std::initializer_list<const char*> e_keys,
              std::initializer_list<const char*> w_keys);
std::vector<std::string> layer_types(const Src& src, int64_t layers);

}  // namespace cfg
}  // namespace vramfit
