// llama.cpp buffers (methodology §16), modelled from ggml-org/llama.cpp at
// commit 007dbbf3: src/llama-quant.cpp (each tensor's GGML type per file
// type), src/llama-model.cpp load_tensors (which device holds which tensor),
// src/llama-kv-cache.cpp and src/llama-context.cpp (KV cells, graph
// reservation), ggml/src/ggml-alloc.c (how the compute buffer is sized).
#include "engine/llama_cpp.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "catalog/embedded.h"
#include "engine/ollama.h"
#include "util/json_util.h"
#include "vramfit/checkpoint.h"
#include "vramfit/error.h"

namespace vramfit {
namespace llama_cpp {
namespace {
using json = nlohmann::json;

const json& data() {
  static const json d = jsonu::load_embedded([] {
    return jsonu::parse_text(embedded_text("engines/llama_cpp.json"), "engines/llama_cpp.json");
  });
  return d;
}

int64_t value_of(const char* key) { return data().at(key).at("value").get<int64_t>(); }
int64_t default_of(const char* key) {
  return data().at("defaults").at(key).at("value").get<int64_t>();
}
std::string default_str(const char* key) {
  return data().at("defaults").at(key).at("value").get<std::string>();
}

int64_t pad(int64_t x, int64_t n) { return n <= 1 ? x : (x + n - 1) / n * n; }

const GgmlType& type_named(const std::string& name) {
  for (const GgmlType& t : ggml_types())
    if (name == t.name) return t;
  invariant_failed("engines/llama_cpp.json names a GGML type gguf.cpp does not list");
}

// Bytes of `rows` rows of `ne0` elements (ggml_row_size).
int64_t row_bytes(const std::string& type, int64_t ne0, int64_t rows = 1) {
  const GgmlType& t = type_named(type);
  return ne0 / t.block_size * t.type_size * rows;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A --cache-type value ("q8_0") as a GGML type name; "" when it is not in
// common/arg.cpp's list (check_settings refuses it).
std::string cache_type(const std::string& given, const char* field) {
  const std::string v = given.empty() ? default_str(field) : given;
  for (const json& t : data().at("cache_types")) {
    if (t.get<std::string>() == v) return upper(v);
  }
  return "";
}

// --- tensors and their GGML types (src/llama-quant.cpp) -------------------

enum class Cat {
  token_embd,
  output,
  attn_q,
  attn_k,
  attn_v,
  attn_qkv,
  attn_kv_b,
  attn_output,
  ffn_up,
  ffn_gate,
  ffn_down,
  other
};

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}
bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// tensor_get_category, from the HF module name the GGUF tensor converts from.
Cat category_of(const TensorGroup& t) {
  if (t.role == TensorRole::embedding) return Cat::token_embd;
  if (t.role == TensorRole::lm_head) return Cat::output;
  if (t.role != TensorRole::linear && t.role != TensorRole::expert_linear) return Cat::other;
  const std::string& n = t.name;
  if (has(n, "h_to_4h") || has(n, "up_proj") || ends_with(n, "c_fc") || ends_with(n, "fc1") ||
      ends_with(n, "w3"))
    return Cat::ffn_up;
  if (has(n, "4h_to_h") || has(n, "down_proj") || ends_with(n, "mlp.c_proj") ||
      ends_with(n, "fc2") || ends_with(n, "w2"))
    return Cat::ffn_down;
  if (has(n, "gate_proj") || ends_with(n, "w1")) return Cat::ffn_gate;
  if (has(n, "query_key_value") || has(n, "qkv") || has(n, "c_attn") || has(n, "W_pack"))
    return Cat::attn_qkv;
  if (has(n, "kv_b_proj")) return Cat::attn_kv_b;
  if (ends_with(n, "q_proj") && !has(n, "q_a") && !has(n, "q_b")) return Cat::attn_q;
  if (ends_with(n, "k_proj")) return Cat::attn_k;
  if (ends_with(n, "v_proj")) return Cat::attn_v;
  if (has(n, "o_proj") || has(n, "out_proj") || ends_with(n, "attn.c_proj") ||
      ends_with(n, "dense"))
    return Cat::attn_output;
  return Cat::other;
}

struct Tensor {
  Cat cat;
  bool experts = false;  // a 3-D stack of routed experts (ne[2] > 1)
  bool router = false;   // ffn_gate_inp: kept F32 by convert_hf_to_gguf
  bool matrix = false;   // a linear or embedding weight (tensor_allows_quantization)
  int layer;             // -1: input/output
  bool input;
  int64_t ne0, rows;
  std::string type;
  int64_t bytes;
};

// The file type a dtype id stands for: {ftype, base GGML type}; a dtype
// outside the table is a pure file of its own type.
struct FileType {
  std::string ftype, type;
};
FileType file_type(const std::string& dtype) {
  const json& ft = data().at("ftypes");
  if (ft.contains(dtype)) {
    return {ft.at(dtype).at("ftype").get<std::string>(),
            ft.at(dtype).at("type").get<std::string>()};
  }
  for (const GgmlType& t : ggml_types())
    if (upper(dtype) == t.name) return {"PURE", t.name};
  return {"MOSTLY_F16", "F16"};
}

bool is_quant(const std::string& type) { return type_named(type).block_size > 1; }

struct QuantState {
  const ModelSpec& m;
  std::string ftype;
  int n_attention_wv = 0, i_attention_wv = 0;
  bool tied = false;
};

bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// llama_tensor_get_type_impl for the file types vramfit offers (no
// imatrix, no overrides).
std::string tensor_type(QuantState& qs, const Tensor& t, const std::string& base) {
  const std::string& f = qs.ftype;
  const ModelSpec& m = qs.m;
  const bool falcon = m.model_type == "falcon";
  const int64_t n_gqa = m.num_kv_heads > 0 ? m.num_heads / m.num_kv_heads : 1;
  const int64_t n_expert = m.moe.num_experts;
  const int n_layer = static_cast<int>(m.layers.size());
  const bool iq_low =
      f == "MOSTLY_IQ2_XXS" || f == "MOSTLY_IQ2_XS" || f == "MOSTLY_IQ1_S" || f == "MOSTLY_IQ1_M";
  const bool attn_v_like =
      t.cat == Cat::attn_v || t.cat == Cat::attn_qkv || t.cat == Cat::attn_kv_b;
  std::string type = base;
  if (f == "MOSTLY_MXFP4_MOE") return t.experts ? "MXFP4" : "Q8_0";
  if (t.cat == Cat::output || (qs.tied && t.cat == Cat::token_embd)) {
    if (falcon || t.ne0 % type_named(base).block_size != 0) return "Q8_0";
    if (iq_low || f == "MOSTLY_IQ3_XXS") return "Q5_K";
    return base != "Q8_0" ? "Q6_K" : base;
  }
  if (t.cat == Cat::token_embd) {
    if (iq_low) return "Q2_K";
    if (f == "MOSTLY_IQ3_XXS") return "IQ3_S";
    return base;
  }
  if (iq_low) {
    if (attn_v_like) {
      type = (n_gqa >= 4 || n_expert >= 4) ? "Q4_K" : "Q2_K";
      ++qs.i_attention_wv;
    } else if (n_expert == 8 && t.cat == Cat::attn_k) {
      type = "Q4_K";
    } else if (t.cat == Cat::ffn_down && t.layer < n_layer / 8) {
      type = "Q2_K";
    } else if (t.cat == Cat::attn_output) {
      if (n_expert == 8)
        type = "Q5_K";
      else if (f == "MOSTLY_IQ1_S" || f == "MOSTLY_IQ1_M")
        type = "IQ2_XXS";
    }
  } else if (attn_v_like) {
    const int i = qs.i_attention_wv, n = qs.n_attention_wv;
    if (f == "MOSTLY_Q2_K")
      type = n_gqa >= 4 ? "Q4_K" : "Q3_K";
    else if (f == "MOSTLY_IQ3_XXS")
      type = n_gqa >= 4 ? "Q4_K" : "IQ3_S";
    else if (f == "MOSTLY_Q3_K_M")
      type = i < 2 ? "Q5_K" : "Q4_K";
    else if ((f == "MOSTLY_IQ4_NL" || f == "MOSTLY_IQ4_XS") && n_gqa >= 4)
      type = "Q5_K";
    else if ((f == "MOSTLY_Q4_K_M" || f == "MOSTLY_Q5_K_M") && use_more_bits(i, n))
      type = "Q6_K";
    // LLM_TYPE_70B: 80-layer Llama models.
    if (n_layer == 80 && m.family == "llama" && (type == "Q3_K" || type == "Q4_K")) type = "Q5_K";
    if (n_expert == 8) type = "Q8_0";
    ++qs.i_attention_wv;
  } else if (t.cat == Cat::attn_k) {
    if (n_expert == 8)
      type = "Q8_0";
    else if (f == "MOSTLY_IQ3_XXS")
      type = "IQ2_S";
  } else if (t.cat == Cat::attn_q) {
    if (f == "MOSTLY_IQ3_XXS") type = "IQ2_S";
  } else if (t.cat == Cat::ffn_down) {
    const int i = t.layer, n = n_layer;
    if (f == "MOSTLY_Q2_K")
      type = "Q3_K";
    else if (f == "MOSTLY_IQ3_XXS")
      type = i < n / 8 ? "Q4_K" : "Q3_K";
    else if (f == "MOSTLY_Q3_K_M")
      type = i < n / 16 ? "Q5_K" : (!falcon || use_more_bits(i, n)) ? "Q4_K" : "Q3_K";
    else if (f == "MOSTLY_Q4_K_M") {
      if (falcon)
        type = i < n / 16 ? "Q6_K" : use_more_bits(i, n) ? "Q5_K" : "Q4_K";
      else if (use_more_bits(i, n))
        type = "Q6_K";
    } else if (i < n / 8 && (f == "MOSTLY_IQ4_NL" || f == "MOSTLY_IQ4_XS"))
      type = "Q5_K";
    else if (f == "MOSTLY_Q5_K_M" && use_more_bits(i, n))
      type = "Q6_K";
  } else if (t.cat == Cat::attn_output && !falcon) {
    if (n_expert == 8) {
      if (f == "MOSTLY_Q2_K" || f == "MOSTLY_IQ3_XXS" || f == "MOSTLY_Q3_K_M" ||
          f == "MOSTLY_IQ4_NL" || f == "MOSTLY_Q4_K_M" || f == "MOSTLY_IQ4_XS")
        type = "Q5_K";
    } else if (f == "MOSTLY_Q2_K")
      type = "Q3_K";
    else if (f == "MOSTLY_IQ3_XXS")
      type = "IQ3_S";
    else if (f == "MOSTLY_Q3_K_M")
      type = "Q4_K";
  }
  return type;
}

// tensor_type_fallback: a row length the block does not divide.
std::string fallback(const std::string& type, int64_t ne0) {
  if (ne0 % type_named(type).block_size == 0) return type;
  std::string r = "F16";
  if (type.rfind("IQ", 0) == 0 && type != "IQ4_NL")
    r = "IQ4_NL";
  else if (type == "Q2_K" || type == "Q3_K" || type == "TQ1_0" || type == "TQ2_0")
    r = "Q4_0";
  else if (type == "Q4_K")
    r = "Q5_0";
  else if (type == "Q5_K")
    r = "Q5_1";
  else if (type == "Q6_K")
    r = "Q8_0";
  return ne0 % type_named(r).block_size == 0 ? r : "F16";
}

// Every stored tensor with its GGML type and bytes, in layer order (the
// order llama_model_quantize_impl's counters see).
std::vector<Tensor> tensors_of(const ModelSpec& m, const std::string& dtype) {
  const FileType ft = file_type(dtype);
  // 2-D tensors that are not quantised keep the converter's type (F16 in
  // F16-based files, F32 in ALL_F32); 1-D tensors are F32 (convert_hf_to_gguf).
  const std::string plain = ft.type == "F32" ? "F32" : (ft.type == "BF16" ? "BF16" : "F16");
  QuantState qs{m, ft.ftype};
  qs.tied = m.tied_embeddings;
  std::vector<Tensor> out;
  for (const TensorGroup& g : m.tensors) {
    Tensor t;
    t.cat = category_of(g);
    t.layer = g.layer;
    t.input = g.layer < 0 && (g.role == TensorRole::embedding || g.role == TensorRole::position);
    t.ne0 = g.cols;
    t.rows = g.rows * g.count;
    t.experts = g.role == TensorRole::expert_linear && g.count > 1;
    t.router = g.role == TensorRole::router;
    t.matrix = g.role == TensorRole::linear || g.role == TensorRole::expert_linear ||
               g.role == TensorRole::embedding || g.role == TensorRole::lm_head;
    if (t.cat == Cat::attn_v || t.cat == Cat::attn_qkv || t.cat == Cat::attn_kv_b)
      ++qs.n_attention_wv;
    out.push_back(t);
  }
  // Stable by layer, the global tensors last. An insertion sort: the list
  // comes nearly in order, and std::stable_sort's merge code was 3.3 KB of
  // wasm.
  auto rank = [](const Tensor& t) { return t.layer < 0 ? 1 << 30 : t.layer; };
  for (size_t i = 1; i < out.size(); ++i) {
    Tensor t = std::move(out[i]);
    size_t j = i;
    for (; j > 0 && rank(out[j - 1]) > rank(t); --j) out[j] = std::move(out[j - 1]);
    out[j] = std::move(t);
  }
  for (Tensor& t : out) {
    const bool two_d = t.ne0 > 1 && t.rows > 1;
    const bool quantisable = two_d && t.matrix;
    if (!two_d || t.router)
      t.type = "F32";
    else if (!quantisable || !is_quant(ft.type))
      t.type = quantisable ? ft.type : plain;
    else if (ft.ftype == "PURE")
      t.type = fallback(ft.type, t.ne0);
    else
      t.type = fallback(tensor_type(qs, t, ft.type), t.ne0);
    t.bytes = row_bytes(t.type, t.ne0, t.rows);
  }
  return out;
}

// --- KV cache (src/llama-kv-cache.cpp, src/llama-context.cpp) -------------

struct LayerKv {
  int64_t bytes;
  int64_t cells;
};

// `cells` per stream; K and V tensors are [row, cells, streams]
// (llama_kv_cache: n_stream = kv_unified ? 1 : n_seq_max).
LayerKv layer_kv(const LayerSpec& L, const Settings& s, int64_t cells, int64_t streams) {
  if (L.mixer == MixerKind::attention && L.kv_cache_dim > 0 && L.n_kv_heads > 0) {
    // Sliding-window layers get their own cache (llama-kv-cache-iswa.cpp,
    // swa_full off as llama-server has it): GGML_PAD(min(size_base,
    // n_swa x (unified ? n_seq_max : 1) + n_ubatch), 256) cells per stream.
    const int64_t slots = s.kv_unified ? s.n_parallel : 1;
    const int64_t c =
        L.window > 0 ? pad(std::min(cells, L.window * slots + s.n_ubatch), value_of("n_ctx_pad"))
                     : cells;
    const int64_t k = L.n_kv_heads * L.head_dim;
    const int64_t v = L.kv_cache_dim - k;
    return {(row_bytes(s.type_k, k, c) + row_bytes(s.type_v, v, c)) * streams, c};
  }
  if (L.mixer == MixerKind::mla) {
    // The compressed latent and the rope key, once per token.
    return {row_bytes(s.type_k, L.kv_cache_dim, cells) * streams, cells};
  }
  if (L.mixer == MixerKind::mamba || L.mixer == MixerKind::linear_attention) {
    // Recurrent states are F32, one per sequence (llama_memory_recurrent,
    // mem_size = max(1, n_seq_max)).
    return {L.state_elems * 4 * std::max<int64_t>(s.n_parallel, 1), 0};
  }
  return {0, 0};
}

bool on_gpu(int layer, int64_t n_layer, int64_t ngl) {
  // load_tensors: the last n_gpu_layers layers go to the GPU.
  return layer >= std::max<int64_t>(n_layer - ngl, 0);
}

}  // namespace

Status check_settings(const Request& req) {
  const LlamaCppOptions& o = req.llama_cpp;
  for (const auto& [given, field] :
       {std::pair<const std::string&, const char*>{o.cache_type_k, "cache_type_k"},
        {o.cache_type_v, "cache_type_v"}}) {
    if (!cache_type(given, field).empty()) continue;
    std::string list;
    for (const json& t : data().at("cache_types"))
      list += (list.empty() ? "" : ", ") + t.get<std::string>();
    const std::string v = given.empty() ? default_str(field) : given;
    return Error(ErrorCode::unknown_value, field,
                 std::string(field) + ": unknown value \"" + v + "\" (one of: " + list + ")");
  }
  if (o.flash_attn == FlashAttn::off && is_quant(cache_type(o.cache_type_v, "cache_type_v"))) {
    return Error(ErrorCode::inconsistent, "cache_type_v",
                 "cache_type_v: llama.cpp needs flash attention for a quantised V cache "
                 "(set flash_attn to on or auto)");
  }
  return {};
}

Settings settings_of(const ModelSpec& spec, const Request& req, int64_t n_ctx,
                     const ModelBytes* model) {
  Settings s;
  const LlamaCppOptions& o = req.llama_cpp;
  const bool ollama = req.engine == Engine::ollama;
  const int64_t n_layer = static_cast<int64_t>(spec.layers.size());
  int64_t ngl = o.n_gpu_layers.value_or(default_of("n_gpu_layers"));
  if (ngl < 0) ngl = n_layer + 1;
  s.n_gpu_layers = std::min(ngl, n_layer + 1);
  // tools/server/server.cpp: -np auto (the default) is 4 slots sharing one
  // unified KV cache; an explicit -np gives each slot its own stream
  // (kv_unified stays false). Ollama always passes -np.
  if (ollama) {
    s.n_parallel = o.n_parallel.value_or(ollama::default_num_parallel());
    s.kv_unified = false;
    n_ctx = ollama::context_of(spec, n_ctx) * s.n_parallel;  // -c num_ctx x num_parallel
  } else if (o.n_parallel) {
    s.n_parallel = *o.n_parallel;
    s.kv_unified = false;
  } else {
    s.n_parallel = value_of("auto_parallel");
    s.kv_unified = true;
  }
  s.n_cpu_moe = o.n_cpu_moe.value_or(0);
  s.n_ctx = n_ctx;
  s.n_batch = o.n_batch.value_or(default_of("n_batch"));
  s.n_ubatch = std::min(o.n_ubatch.value_or(default_of("n_ubatch")), s.n_batch);
  s.flash_attn = o.flash_attn != FlashAttn::off;
  s.type_k = cache_type(o.cache_type_k, "cache_type_k");
  s.type_v = cache_type(o.cache_type_v, "cache_type_v");
  if (ollama) {
    // Ollama passes num_batch as both -b and -ub; unset, it picks one by
    // context and free memory (server/sched.go automaticGenerationBatch).
    const int64_t nb = o.n_batch ? *o.n_batch
                                 : ollama::auto_num_batch(spec, req, n_ctx, s.flash_attn,
                                                          model ? file_bytes(*model) : 0);
    s.n_batch = s.n_ubatch = nb;
  }
  // With causal attention the batch is capped by the context (llama-context.cpp).
  s.n_batch = std::min(s.n_batch, pad(n_ctx, value_of("n_ctx_pad")));
  s.n_ubatch = std::min(s.n_ubatch, s.n_batch);
  if (ollama && !o.n_gpu_layers && model) {
    // Ollama passes no -ngl: llama-server fits the layers to free memory.
    const int64_t room = ollama::fit_room(req);
    if (room > 0) s.n_gpu_layers = std::max<int64_t>(max_gpu_layers(spec, *model, s, room), 0);
  }
  return s;
}

int64_t file_bytes(const ModelBytes& mb) {
  int64_t b = mb.input + mb.output_on_cpu;
  for (int64_t l : mb.layer) b += l;
  return b;
}

ModelBytes model_bytes(const ModelSpec& m, const std::string& dtype) {
  ModelBytes mb;
  mb.layer.assign(m.layers.size(), 0);
  mb.experts.assign(m.layers.size(), 0);
  // load_tensors: the input layer (token embedding) stays in a CPU buffer;
  // a tied output is the embedding duplicated on the output device (on the
  // CPU it is the same mapped data).
  int64_t embd = 0, norm = 0;
  bool has_output = false;
  for (const Tensor& t : tensors_of(m, dtype)) {
    if (t.input) {
      mb.input += t.bytes;
      if (t.cat == Cat::token_embd) embd = t.bytes;
    } else if (t.layer >= 0 && static_cast<size_t>(t.layer) < mb.layer.size()) {
      mb.layer[static_cast<size_t>(t.layer)] += t.bytes;
      if (t.experts) mb.experts[static_cast<size_t>(t.layer)] += t.bytes;
    } else if (t.cat == Cat::output) {
      mb.output_weight = t.bytes;
      has_output = true;
    } else {
      norm += t.bytes;
    }
  }
  if (!has_output) mb.output_weight = embd;
  mb.output_on_gpu = norm + mb.output_weight;
  mb.output_on_cpu = norm + (has_output ? mb.output_weight : 0);
  for (const TensorGroup& g : m.tensors)
    if (category_of(g) == Cat::attn_qkv) mb.fused_qkv = true;
  return mb;
}

Buffers buffers(const ModelSpec& m, const ModelBytes& mb, const Settings& s) {
  Buffers b;
  const int64_t n_layer = static_cast<int64_t>(m.layers.size());
  b.n_gpu_layers = s.n_gpu_layers;
  b.flash_attn = s.flash_attn;
  const bool output_gpu = s.n_gpu_layers > n_layer;
  b.model_cpu = mb.input;
  // --n-cpu-moe N: the routed-expert stacks of layers 0 .. N-1 go to the CPU
  // buffer type (common/arg.cpp: tensor_buft_overrides "blk\\.i\\.ffn_(up|down|
  // gate|gate_up)_exps"), whatever device holds the rest of the layer.
  int64_t host_experts = 0;  // the largest such layer that runs on the GPU
  for (size_t i = 0; i < mb.layer.size(); ++i) {
    const int64_t ex = i < mb.experts.size() ? mb.experts[i] : 0;
    if (!on_gpu(static_cast<int>(i), n_layer, s.n_gpu_layers)) {
      b.model_cpu += mb.layer[i];
    } else if (static_cast<int64_t>(i) < s.n_cpu_moe && ex > 0) {
      b.model_gpu += mb.layer[i] - ex;
      b.model_cpu += ex;
      host_experts = std::max(host_experts, ex);
    } else {
      b.model_gpu += mb.layer[i];
    }
  }
  if (output_gpu) {
    b.model_gpu += mb.output_on_gpu;
  } else {
    b.model_cpu += mb.output_on_cpu;
  }
  const int64_t output_w = mb.output_weight;
  const bool fused_qkv = mb.fused_qkv;

  // KV cache (llama-context.cpp): n_ctx padded to 256; unified, one stream
  // of n_ctx cells, else n_seq_max streams of GGML_PAD(n_ctx / n_seq_max,
  // 256) cells. Each layer's cache sits on its layer's device.
  const int64_t ctx_pad = value_of("n_ctx_pad");
  b.kv_streams = s.kv_unified ? 1 : std::max<int64_t>(s.n_parallel, 1);
  b.n_ctx_seq = s.kv_unified ? pad(s.n_ctx, ctx_pad) : pad(s.n_ctx / b.kv_streams, ctx_pad);
  b.kv_cells = b.n_ctx_seq * b.kv_streams;
  int64_t n_kv = 0;  // cells one stream's attention spans
  for (int64_t i = 0; i < n_layer; ++i) {
    const LayerKv kv = layer_kv(m.layers[static_cast<size_t>(i)], s, b.n_ctx_seq, b.kv_streams);
    n_kv = std::max(n_kv, kv.cells);
    (on_gpu(static_cast<int>(i), n_layer, s.n_gpu_layers) ? b.kv_gpu : b.kv_cpu) += kv.bytes;
  }

  // Compute buffers: ggml-alloc's peak over the graph reserved for one
  // ubatch of n_ubatch tokens, all of them outputs (graph_reserve), f32.
  const double U = static_cast<double>(s.n_ubatch);
  const double E = static_cast<double>(m.hidden);
  const double V = static_cast<double>(m.vocab);
  const double q_w = static_cast<double>(m.num_heads * m.head_dim);
  const double kv_w = static_cast<double>(m.num_kv_heads * m.head_dim);
  const double mask_rows = static_cast<double>(pad(s.n_ubatch, value_of("kq_mask_pad")));
  const double mask = static_cast<double>(n_kv) * mask_rows * 4;  // f32, built on the host
  // Alive when the attention scores are allocated: the residual stream,
  // and Q, K, V. A fused QKV output is viewed three ways, so ggml-alloc
  // cannot rope Q and K in place: they get tensors of their own.
  const double qkv_live = fused_qkv ? E + (q_w + 2 * kv_w) + q_w + kv_w : E + q_w + 2 * kv_w;
  double attention = U * qkv_live * 4 + mask;
  if (s.flash_attn) {
    attention += mask / 2 + U * q_w * 4;  // the f16 cast of the mask, the output
  } else {
    attention += static_cast<double>(n_kv) * U * static_cast<double>(m.num_heads) * 4;  // KQ
  }
  const bool moe = m.moe.num_experts > 0;
  const double I = moe ? static_cast<double>(m.moe.expert_width * m.moe.experts_per_token)
                       : static_cast<double>(m.intermediate);
  double ffn = U * 4 * (2 * E + (m.mlp == MlpKind::gated ? 2 : 1) * I);
  // The logits of every ubatch token and the final norm feeding them.
  double output = U * V * 4 + U * E * 4;
  // A matmul whose weight stays in host memory runs on the GPU from
  // mmq_offload_min_batch rows on: the weight is copied into the compute
  // buffer (ggml_backend_cuda_device_offload_op).
  if (!output_gpu && s.n_ubatch >= value_of("mmq_offload_min_batch")) {
    output += static_cast<double>(output_w);
  }
  // Likewise experts kept in host memory by --n-cpu-moe: the layer's expert
  // stacks are inputs of its GPU split, copied in together (ggml-backend.c
  // split inputs), beside the FFN activations.
  if (host_experts > 0 && s.n_ubatch >= value_of("mmq_offload_min_batch")) {
    ffn += static_cast<double>(host_experts);
  }
  b.compute_gpu = static_cast<int64_t>(std::max({attention, ffn, output}));
  // Host: the token embeddings (get_rows on the CPU copy), the mask, the
  // token ids and positions; with layers on the CPU one more activation
  // tensor of the CPU split.
  double host = U * E * 4 + mask + 2 * U * 4;
  if (s.n_gpu_layers < n_layer) host += U * E * 4;
  b.compute_host = static_cast<int64_t>(host);
  return b;
}

int64_t fit_margin_mib() { return value_of("fit_margin_mib"); }

int64_t max_gpu_layers(const ModelSpec& m, const ModelBytes& mb, Settings s, int64_t gpu_bytes) {
  const int64_t n_layer = static_cast<int64_t>(m.layers.size());
  for (int64_t ngl = n_layer + 1; ngl >= 0; --ngl) {
    s.n_gpu_layers = ngl;
    const Buffers b = buffers(m, mb, s);
    if (b.model_gpu + b.kv_gpu + b.compute_gpu <= gpu_bytes) return ngl;
  }
  return -1;
}

}  // namespace llama_cpp
}  // namespace vramfit
