// quantization_config -> QuantSpec (methodology §2.2 quantisation row, §4).
#include "config/internal.h"

namespace vramfit {
namespace cfg {

namespace {

std::vector<std::string> string_list(const json& q, const char* key, const std::string& path) {
  std::vector<std::string> out;
  const json* v = jsonu::find(q, key);
  if (!v) return out;
  std::string p = jsonu::join(path, key);
  if (!v->is_array()) {
    jsonu::report(Error(ErrorCode::wrong_type, p, p + " must be an array"));
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    out.push_back(jsonu::as_string((*v)[i], p + "[" + std::to_string(i) + "]"));
  }
  return out;
}

void parse_bnb(const json& q, const std::string& p, QuantSpec& out) {
  // Newer transformers save the flags as "_load_in_4bit" / "_load_in_8bit".
  bool four = jsonu::opt_bool(q, "load_in_4bit", p)
                  .value_or(jsonu::opt_bool(q, "_load_in_4bit", p).value_or(false));
  bool eight = jsonu::opt_bool(q, "load_in_8bit", p)
                   .value_or(jsonu::opt_bool(q, "_load_in_8bit", p).value_or(false));
  if (!four && !eight) four = true;  // quant_method alone: bnb 4-bit recipes
  out.method = four ? "bitsandbytes_4bit" : "bitsandbytes_8bit";
  out.bits = four ? 4 : 8;
  if (four) {
    out.quant_type = jsonu::opt_string(q, "bnb_4bit_quant_type", p).value_or("fp4");
    out.double_quant = jsonu::opt_bool(q, "bnb_4bit_use_double_quant", p).value_or(false);
    out.group_size = 64;  // quantize_4bit blocksize
  }
  auto skip = string_list(q, "llm_int8_skip_modules", p);
  out.modules_not_converted.insert(out.modules_not_converted.end(), skip.begin(), skip.end());
}

// compressed-tensors: bits from the first config group's weights.
void parse_compressed(const json& q, const std::string& p, QuantSpec& out) {
  out.method = "compressed-tensors";
  const json* groups = jsonu::find(q, "config_groups");
  if (!groups || !groups->is_object() || groups->empty()) return;
  const json& g = groups->begin().value();
  std::string gp = jsonu::join(jsonu::join(p, "config_groups"), groups->begin().key());
  if (const json* w = jsonu::find(g, "weights")) {
    std::string wp = jsonu::join(gp, "weights");
    out.bits = jsonu::opt_int(*w, "num_bits", wp, 1, 64).value_or(0);
    out.group_size = jsonu::opt_int(*w, "group_size", wp, -1, kMaxWidth).value_or(0);
    auto type = jsonu::opt_string(*w, "type", wp).value_or("");
    if (type == "float" && out.bits == 8) out.quant_type = "fp8";
    if (type == "float" && out.bits == 4) out.quant_type = "nvfp4";
  }
  out.modules_not_converted = string_list(q, "ignore", p);
}

}  // namespace

void parse_quant(const json& top, const std::string& path, QuantSpec& out) {
  const json* q = jsonu::find(top, "quantization_config");
  if (!q) return;
  std::string p = jsonu::join(path, "quantization_config");
  jsonu::as_object(*q, p);
  std::string m = jsonu::opt_string(*q, "quant_method", p).value_or("");
  if (m.empty() && (jsonu::find(*q, "load_in_4bit") || jsonu::find(*q, "load_in_8bit"))) {
    m = "bitsandbytes";
  }
  out.modules_not_converted = string_list(*q, "modules_to_not_convert", p);
  if (m == "bitsandbytes") {
    parse_bnb(*q, p, out);
  } else if (m == "gptq" || m == "awq") {
    out.method = m;
    out.bits = jsonu::opt_int(*q, m == "gptq" ? "bits" : "w_bit", p, 1, 16)
                   .value_or(jsonu::opt_int(*q, "bits", p, 1, 16).value_or(4));
    out.group_size =
        jsonu::opt_int(*q, m == "gptq" ? "group_size" : "q_group_size", p, -1, kMaxWidth)
            .value_or(jsonu::opt_int(*q, "group_size", p, -1, kMaxWidth).value_or(128));
  } else if (m == "fp8") {
    out.method = "fp8";
    out.bits = 8;
    const json* blk = jsonu::find(*q, "weight_block_size");
    if (blk && blk->is_array() && !blk->empty()) {
      out.group_size =
          jsonu::as_int((*blk)[0], jsonu::join(p, "weight_block_size[0]"), 1, kMaxWidth);
    }
  } else if (m == "mxfp4") {
    out.method = "mxfp4";
    out.bits = 4;
    out.group_size = 32;  // OCP MX block of 32 with one e8m0 scale
  } else if (m == "compressed-tensors") {
    parse_compressed(*q, p, out);
  } else if (!m.empty()) {
    out.method = m;  // recorded; the weights model decides what it knows
    out.bits = jsonu::opt_int(*q, "bits", p, 1, 64).value_or(0);
  } else if (jsonu::find(*q, "bits")) {
    // No quant_method: MLX conversions write {group_size, bits, mode}.
    out.method = jsonu::find(*q, "mode") ? "mlx" : "unknown";
    out.bits = jsonu::opt_int(*q, "bits", p, 1, 64).value_or(0);
    out.group_size = jsonu::opt_int(*q, "group_size", p, -1, kMaxWidth).value_or(0);
  }
}

}  // namespace cfg
}  // namespace vramfit
