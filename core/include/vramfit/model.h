// The typed model description every estimate stands on. Produced only by
// parse_model_config() (config.h); nothing downstream knows HF key spellings.
//
// Design: a model is (a) per-layer shape records, used for KV cache and
// activations, and (b) a tensor inventory: every parameter tensor group with
// its shape and multiplicity, from which parameter counts, weight bytes per
// dtype and LoRA adapter sizes are all derived by summation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vramfit {

enum class MlpKind { gated, plain };  // SwiGLU/GeGLU (3 mats) vs GeLU (2 mats)
enum class NormKind { rms, layer };   // RMSNorm (weight) vs LayerNorm (+bias)

// What mixes tokens in a layer.
enum class MixerKind {
  attention,         // MHA / GQA / MQA
  mla,               // DeepSeek multi-head latent attention
  mamba,             // Mamba-1 / Mamba-2 selective state space
  linear_attention,  // gated delta-net style fixed-size recurrent state
  none               // no-op attention (DeciLM/Nemotron pruned layers)
};

enum class FfnKind { dense, moe, none };

// Per-layer shapes needed by KV cache and activation formulas.
struct LayerSpec {
  MixerKind mixer = MixerKind::attention;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;      // query/key head dim
  int64_t v_head_dim = 0;    // value head dim (== head_dim except MLA)
  int64_t window = 0;        // sliding window in tokens; 0 = full attention
  int64_t chunk = 0;         // chunked local attention size; 0 = none
  int64_t kv_cache_dim = 0;  // bytes-per-token/dtype of this layer's cache:
                             // attention: n_kv*(head_dim+v_head_dim);
                             // MLA: kv_lora_rank + qk_rope_head_dim;
                             // 0: no per-token cache (cross-attention)
  int64_t state_elems = 0;   // fixed recurrent state per sequence (mamba,
                             // linear attention): elements, length-independent
  FfnKind ffn = FfnKind::dense;
  int64_t ffn_width = 0;  // dense MLP intermediate width
};

struct MoeSpec {
  int64_t num_experts = 0;        // routed experts per MoE layer
  int64_t experts_per_token = 0;  // top-k
  int64_t expert_width = 0;       // routed expert intermediate width
  int64_t shared_width = 0;       // total shared-expert width (0 = none)
  int64_t num_moe_layers = 0;
};

struct MlaSpec {
  int64_t q_lora_rank = 0;  // 0 = no query compression
  int64_t kv_lora_rank = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t v_head_dim = 0;
};

// Role of a tensor group: decides its dtype under quantisation and whether
// LoRA can target it.
enum class TensorRole {
  embedding,      // input token embedding (nn.Embedding)
  position,       // learned absolute positions
  lm_head,        // output projection (absent when tied)
  linear,         // nn.Linear in a decoder layer (quantisable, LoRA target)
  expert_linear,  // routed expert matrices (fused 3-D in many families)
  router,         // MoE gate
  norm,           // norm weights and biases
  bias,           // biases of linears
  other,          // conv kernels, SSM params, sinks, small vectors
};

// One group of identical tensors inside one layer (or outside all layers).
// params = count * rows * cols. For a Linear, rows = out_features and
// cols = in_features; biases and norms are separate groups (cols = 1).
struct TensorGroup {
  std::string name;  // module name as in HF ("q_proj", "experts.down_proj")
  TensorRole role = TensorRole::other;
  int64_t rows = 0;
  int64_t cols = 1;
  int64_t count = 1;    // identical instances in this layer (experts)
  int layer = -1;       // decoder layer index; -1 = embeddings, head, final norm
  bool routed = false;  // routed expert: only k of E are active per token
};

// A separately counted tower (vision / audio encoder + projector).
struct TowerSpec {
  std::string name;  // "vision", "audio"
  std::vector<TensorGroup> tensors;
  bool approximate = false;
};

// Weight storage declared by the checkpoint (quantization_config / dtype).
struct QuantSpec {
  std::string method;  // "" (none), bitsandbytes_4bit, bitsandbytes_8bit,
                       // gptq, awq, fp8, mxfp4, compressed-tensors, ...
  int64_t bits = 0;
  int64_t group_size = 0;     // -1 = per output channel
  bool double_quant = false;  // bnb 4-bit compress_statistics
  std::string quant_type;     // nf4 / fp4 for bnb
  std::vector<std::string> modules_not_converted;
};

// Rotary position embedding as the config declares it (rope_scaling /
// rope_parameters). Engines that precompute a cos/sin table (vLLM, SGLang)
// size it from these; rotary_dim == 0: no rotary embedding (learned
// positions, ALiBi, no attention).
struct RopeSpec {
  int64_t rotary_dim = 0;    // head_dim x partial_rotary_factor (MLA: qk_rope_head_dim)
  std::string type;          // rope_type / type ("default", "llama3", "yarn", ...)
  double factor = 1;         // scaling factor
  int64_t original_max = 0;  // original_max_position_embeddings (0 = absent)
  bool local_table = false;  // sliding layers rotate with their own base (Gemma 3)
  bool fp32_table = false;   // vLLM builds this model's table in fp32 (gpt-oss)
};

struct ModelSpec {
  std::string model_type;    // as in the config ("llama", "qwen3_moe")
  std::string family;        // our family table key it was mapped to
  bool approximate = false;  // unknown model_type counted with generic rules
  std::vector<std::string> warnings;

  int64_t hidden = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate = 0;
  int64_t vocab = 0;
  int64_t max_positions = 0;  // max_position_embeddings (0 = unknown)
  bool tied_embeddings = false;
  bool attention_bias = false;
  bool mlp_bias = false;
  bool parallel_attention = false;
  MlpKind mlp = MlpKind::gated;
  NormKind norm = NormKind::rms;
  bool encoder_decoder = false;

  std::vector<LayerSpec> layers;  // size num_layers (decoder only)
  MoeSpec moe;                    // num_experts == 0 => dense model
  MlaSpec mla;                    // kv_lora_rank == 0 => no MLA
  RopeSpec rope;

  std::vector<TensorGroup> tensors;  // language model inventory
  std::vector<TowerSpec> towers;     // vision/audio, counted separately

  QuantSpec quant;
  std::string stored_dtype;  // torch_dtype/dtype: "bfloat16", "float16", ...
};

}  // namespace vramfit
