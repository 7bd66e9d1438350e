// parse_model_config(): locate the language-model config inside a Hugging
// Face config.json (or a Mistral params.json, mapped to one first), dispatch
// on model_type, then read dtype, quantisation and towers. Field lookup (Src)
// and the tensor inventory (Inventory) live here too because every family
// parser uses them.
#include "vramfit/config.h"

#include <algorithm>
#include <map>

#include "config/internal.h"

namespace vramfit {
namespace cfg {

Src::Src(const json& text, std::string text_path, const json& top, std::string top_path)
    : text_(&text), top_(&top), text_path_(std::move(text_path)), top_path_(std::move(top_path)) {}

const json* Src::find(std::initializer_list<const char*> keys, std::string* where) const {
  for (const char* k : keys) {
    if (const json* v = jsonu::find(*text_, k)) {
      if (where) *where = jsonu::join(text_path_, k);
      return v;
    }
  }
  if (!nested()) return nullptr;
  for (const char* k : keys) {
    if (const json* v = jsonu::find(*top_, k)) {
      if (where) *where = jsonu::join(top_path_, k);
      return v;
    }
  }
  return nullptr;
}

bool Src::has(std::initializer_list<const char*> keys) const {
  return find(keys, nullptr) != nullptr;
}

std::optional<int64_t> Src::i(std::initializer_list<const char*> keys, int64_t lo,
                              int64_t hi) const {
  std::string where;
  const json* v = find(keys, &where);
  if (!v) return std::nullopt;
  return jsonu::as_int(*v, where, lo, hi);
}

int64_t Src::need(std::initializer_list<const char*> keys, int64_t hi) const {
  auto v = i(keys, 1, hi);
  if (!v) jsonu::report_missing(text_path_, *keys.begin());
  return v.value_or(1);
}

std::optional<bool> Src::b(std::initializer_list<const char*> keys) const {
  std::string where;
  const json* v = find(keys, &where);
  if (!v) return std::nullopt;
  return jsonu::as_bool(*v, where);
}

std::optional<std::string> Src::s(std::initializer_list<const char*> keys) const {
  std::string where;
  const json* v = find(keys, &where);
  if (!v) return std::nullopt;
  return jsonu::as_string(*v, where);
}

std::optional<double> Src::num(std::initializer_list<const char*> keys) const {
  std::string where;
  const json* v = find(keys, &where);
  if (!v) return std::nullopt;
  return jsonu::as_number(*v, where, -1e300, 1e300);
}

int64_t checked_product(std::initializer_list<int64_t> factors, const std::string& path) {
  int64_t out = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(out, f, &out) || out > kMaxTotalParams) {
      jsonu::report(Error(ErrorCode::out_of_range, path,
                          path + ": a size product exceeds 10^15 (dimensions too large)"));
      return 1;
    }
  }
  return out;
}

void Inventory::add(const std::string& name, TensorRole role, int64_t rows, int64_t cols, int layer,
                    int64_t count, bool routed) {
  if (rows <= 0 || cols <= 0 || count <= 0) {
    jsonu::report(Error(ErrorCode::out_of_range, path_,
                        "tensor " + name + " would have a zero or negative size"));
    return;
  }
  int64_t n = 0, sum = 0;
  if (__builtin_mul_overflow(rows, cols, &n) || __builtin_mul_overflow(n, count, &n) ||
      __builtin_add_overflow(total_, n, &sum) || sum > kMaxTotalParams) {
    jsonu::report(
        Error(ErrorCode::out_of_range, path_, "the model would have more than 10^15 parameters"));
    return;
  }
  total_ = sum;
  out_.push_back(TensorGroup{name, role, rows, cols, count, layer, routed});
}

void Inventory::linear(const std::string& name, int64_t out, int64_t in, bool bias, int layer,
                       TensorRole role, int64_t count, bool routed) {
  add(name, role, out, in, layer, count, routed);
  if (bias) add(name + ".bias", TensorRole::bias, out, 1, layer, count, routed);
}

void Inventory::norm(const std::string& name, int64_t width, NormKind kind, int layer) {
  add(name, TensorRole::norm, width, 1, layer);
  if (kind == NormKind::layer) {
    add(name + ".bias", TensorRole::norm, width, 1, layer);
  }
}

const std::string* first_architecture(const json& config) {
  const json* a = jsonu::find(config, "architectures");
  if (!a || !a->is_array() || a->empty() || !(*a)[0].is_string()) return nullptr;
  return (*a)[0].get_ptr<const std::string*>();
}

namespace {

// The nested language-model config, if any (methodology §2.1).
const json* nested_text(const json& top, std::string* key) {
  for (const char* k : {"text_config", "llm_config", "language_config"}) {
    if (const json* v = jsonu::find(top, k)) {
      *key = k;
      return v;
    }
  }
  if (const json* t = jsonu::find(top, "thinker_config")) {
    if (const json* v = jsonu::find(*t, "text_config")) {
      *key = "thinker_config.text_config";
      return v;
    }
  }
  return nullptr;
}

// Text model_type for composite configs whose text_config omits it.
std::string default_text_type(const std::string& top_type) {
  static const std::map<std::string, std::string> kMap = {{"llava", "llama"},
                                                          {"llava_next", "llama"},
                                                          {"vipllava", "llama"},
                                                          {"gemma3", "gemma3_text"},
                                                          {"llama4", "llama4_text"},
                                                          {"mllama", "mllama_text_model"},
                                                          {"qwen2_vl", "qwen2"},
                                                          {"qwen2_5_vl", "qwen2"},
                                                          {"qwen3_vl", "qwen3"},
                                                          {"qwen3_vl_moe", "qwen3_moe"},
                                                          {"mistral3", "mistral"},
                                                          {"qwen3_5", "qwen3_5_text"},
                                                          {"qwen3_5_moe", "qwen3_5_moe_text"},
                                                          {"gemma3n", "gemma3n_text"},
                                                          {"gemma4", "gemma4_text"},
                                                          {"lfm2_vl", "lfm2"}};
  auto it = kMap.find(top_type);
  return it == kMap.end() ? top_type : it->second;
}

// No model_type and no class we know: the field names tell which config
// class wrote the file. n_embd / n_layer / n_head are GPT2Config's own
// attribute names (GPT-2 and models built on its code: Cerebras-GPT,
// DialoGPT, PolyLM, FLM), d_model / d_ff / num_layers T5Config's.
const char* family_from_field_names(const json& config, bool has_architecture) {
  auto has = [&](const char* k) { return jsonu::find(config, k) != nullptr; };
  if (has("n_embd") && has("n_layer") && has("n_head") && !has("hidden_size")) return "gpt2";
  // A T5 class we do not know may be encoder-only or carry a task head.
  if (!has_architecture && has("d_model") && has("d_ff") && has("num_layers")) return "t5";
  return nullptr;
}

int64_t num_labels(const json& config, const std::string& path) {
  if (jsonu::find(config, "num_labels")) {
    return jsonu::as_int(config["num_labels"], jsonu::join(path, "num_labels"), 1, 1000000);
  }
  const json* m = jsonu::find(config, "id2label");
  if (m && m->is_object() && !m->empty()) return static_cast<int64_t>(m->size());
  return 2;  // PretrainedConfig default
}

// The body's lm_head gives way to the task head (methodology §2.1).
void apply_task_head(const json& config, const std::string& path, const std::string& arch,
                     const TaskHead& h, ModelSpec& spec) {
  auto& t = spec.tensors;
  t.erase(std::remove_if(t.begin(), t.end(),
                         [](const TensorGroup& g) { return g.role == TensorRole::lm_head; }),
          t.end());
  spec.tied_embeddings = false;
  const int64_t rows = h.rows > 0 ? h.rows : num_labels(config, path);
  Inventory inv(t, path);
  inv.linear(h.name, rows, spec.hidden, h.bias, -1, TensorRole::lm_head);
  spec.warnings.push_back(arch + ": counted with its " + h.name + " head (" + std::to_string(rows) +
                          " x " + std::to_string(spec.hidden) +
                          ") in place of lm_head; logits memory still assumes "
                          "vocabulary-wide logits (an overestimate)");
}

std::string read_dtype(const Src& src) {
  for (const char* k : {"torch_dtype", "dtype"}) {
    if (auto v = src.s({k})) return *v;
  }
  return "";
}

// parse_model_config's body, under its jsonu::Collect: a failed check
// reports and the code after it either runs on in-range values or returns
// (the caller discards the spec when anything was reported).
ModelSpec parse_collected(const nlohmann::json& config, const std::string& path) {
  jsonu::as_object(config, path);
  if (jsonu::failed()) return ModelSpec();
  if (is_mistral_params(config)) {
    const json hf = mistral_params_to_hf(config, path);
    if (jsonu::failed()) return ModelSpec();
    ModelSpec spec = parse_collected(hf, path);
    note_mistral_params(config, spec);
    return spec;
  }
  std::string key;
  const json* text = nested_text(config, &key);
  std::string text_path = path;
  if (text) {
    text_path = jsonu::join(path, key);
    jsonu::as_object(*text, text_path);
  }
  Src src(text ? *text : config, text_path, config, path);

  ModelSpec spec;
  auto top_type = jsonu::opt_string(config, "model_type", path).value_or("");
  auto own_type =
      text ? jsonu::opt_string(*text, "model_type", text_path) : std::optional<std::string>();
  spec.model_type = own_type ? *own_type : top_type;
  // The family parsers look up spec.family (the text model_type) and then
  // replace it with our family key.
  spec.family = own_type ? *own_type : default_text_type(top_type);
  // architectures[0]'s family; a task-head class also sets head.
  const TaskHead* head = nullptr;
  const std::string* arch = first_architecture(config);
  const char* arch_family = arch ? model_type_for_architecture(*arch, &head) : nullptr;
  if (spec.family.empty()) {
    if (const char* t = arch_family) {
      spec.family = t;
      spec.warnings.push_back(std::string("no model_type: read with the '") + t +
                              "' rules, from architectures[0]");
    } else if (arch && arch->size() > 12 &&
               arch->compare(arch->size() - 12, 12, "EncoderModel") == 0) {
      jsonu::report(Error(ErrorCode::unsupported_model, jsonu::join(path, "architectures"),
                          "architectures[0] '" + *arch +
                              "' is an encoder-only model: not supported (vramfit estimates "
                              "text generation)"));
      return spec;
    } else if (const char* f = family_from_field_names(src.text(), arch != nullptr)) {
      spec.family = f;
      spec.approximate = true;
      spec.warnings.push_back(
          std::string("no model_type") +
          (arch ? " and architectures[0] '" + *arch + "' is not a class we know" : "") +
          ": read with the '" + f + "' rules because the field names are " + f +
          "'s (approximate)");
    }
  }
  if (head && (spec.family == "t5" || spec.family == "mt5" || spec.family == "umt5")) {
    jsonu::report(Error(ErrorCode::unsupported_model, jsonu::join(path, "architectures"),
                        "architectures[0] '" + *arch +
                            "': task heads on encoder-decoder models are not supported"));
    return spec;
  }

  const std::string t = spec.family;
  if (t == "mamba") {
    parse_mamba(src, spec);
  } else if (t == "nemotron_h") {
    parse_nemotron_h(src, spec);
  } else if (t == "jamba") {
    parse_jamba(src, spec);
  } else if (t == "deci" || t == "nemotron-nas") {
    parse_decilm(src, spec);
  } else if (t.rfind("rwkv", 0) == 0) {
    parse_rwkv(src, spec);
  } else if (t == "kimi_linear") {
    // Kimi Delta Attention layers (linear_attn_config.kda_layers) beside MLA
    // layers without head_dim (moonshotai remote code modeling_kimi_linear.py):
    // not modelled; the generic path would count every layer as attention.
    jsonu::report(Error(ErrorCode::unsupported_model, src.at("linear_attn_config"),
                        "model_type 'kimi_linear' (Kimi Delta Attention layers in " +
                            src.at("linear_attn_config") +
                            ", MLA attention) is not supported yet"));
  } else if (t == "lfm2") {
    parse_lfm2(src, spec);
  } else if (t == "gemma4_text") {
    parse_gemma4(src, spec);
  } else if (t == "t5" || t == "mt5" || t == "umt5") {
    parse_t5(src, spec);
  } else {
    parse_decoder(src, spec);
  }
  if (jsonu::failed()) return spec;
  if (head) apply_task_head(config, path, *arch, *head, spec);
  spec.stored_dtype = read_dtype(src);
  parse_quant(config, path, spec.quant);
  parse_towers(config, path, spec);
  return spec;
}

}  // namespace
}  // namespace cfg

Result<ModelSpec> parse_model_config(const nlohmann::json& config, const std::string& path) {
  jsonu::Collect errors;
  ModelSpec spec = cfg::parse_collected(config, path);
  if (errors.failed()) return errors.error();
  return spec;
}

}  // namespace vramfit
