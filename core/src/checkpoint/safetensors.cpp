// safetensors headers and model.safetensors.index.json (checkpoint.h).
// Format: 8-byte little-endian N, N bytes of JSON {name: {dtype, shape,
// data_offsets}, "__metadata__": {str: str}}, then the data section. The
// checks mirror the reference implementation's validate(): known dtypes,
// offsets tiling the data section, shape x dtype size == offsets span.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "util/json_util.h"
#include "vramfit/checkpoint.h"

namespace vramfit {

namespace {
using json = nlohmann::json;

constexpr int kMaxHeaderDepth = 64;
constexpr int64_t kMaxElements = int64_t{1} << 56;  // keeps (n / 8) * 64 in range

std::string field(const std::string& tensor, const char* key) {
  return "safetensors." + tensor + (key[0] ? std::string(".") + key : std::string());
}

uint64_t le64(const std::string& b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<size_t>(i)]);
  return v;
}

Result<int64_t> nonneg_int(const json& v, const std::string& path, const char* what) {
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0) {
    return Error(ErrorCode::out_of_range, path, path + ": " + what + " must not be negative");
  }
  if (!v.is_number_integer()) {
    return Error(ErrorCode::wrong_type, path,
                 path + ": " + what + " must be a non-negative integer");
  }
  const uint64_t u = v.get<uint64_t>();
  if (u > static_cast<uint64_t>(kMaxElements)) {
    return Error(ErrorCode::out_of_range, path, path + ": " + what + " is too large");
  }
  return static_cast<int64_t>(u);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

int safetensors_dtype_bits(const std::string& d) {
  static const std::map<std::string, int> kBits = {
      {"BOOL", 8},    {"U8", 8},          {"I8", 8},          {"F8_E4M3", 8}, {"F8_E5M2", 8},
      {"F8_E8M0", 8}, {"F8_E4M3FNUZ", 8}, {"F8_E5M2FNUZ", 8}, {"I16", 16},    {"U16", 16},
      {"F16", 16},    {"BF16", 16},       {"I32", 32},        {"U32", 32},    {"F32", 32},
      {"F64", 64},    {"I64", 64},        {"U64", 64},        {"C64", 64},    {"F4", 4},
      {"F6_E2M3", 6}, {"F6_E3M2", 6}};
  auto it = kBits.find(d);
  return it == kBits.end() ? 0 : it->second;
}

Result<uint64_t> safetensors_header_length(const std::string& first) {
  if (first.size() < 8) {
    return TruncatedInput("safetensors.header_length",
                          "safetensors: the file is shorter than its 8-byte header length (" +
                              std::to_string(first.size()) + " bytes)",
                          8);
  }
  const uint64_t n = le64(first);
  if (n > kSafetensorsMaxHeader) {
    return Error(ErrorCode::too_large, "safetensors.header_length",
                 "safetensors: header length " + std::to_string(n) + " exceeds the " +
                     std::to_string(kSafetensorsMaxHeader) +
                     "-byte limit (not a safetensors file?)");
  }
  if (n < 2) {
    return Error(
        ErrorCode::out_of_range, "safetensors.header_length",
        "safetensors: header length " + std::to_string(n) + " is too small for a JSON object");
  }
  return n;
}

Result<SafetensorsHeader> parse_safetensors_header(const std::string& bytes,
                                                   std::optional<uint64_t> file_size) {
  jsonu::Collect errors;  // jsonu's reads below return here at once
  SafetensorsHeader out;
  std::string text;
  size_t first = 0;
  while (first < bytes.size() && is_space(bytes[first])) ++first;
  const bool json_alone = first < bytes.size() && bytes[first] == '{' &&
                          (bytes.size() < 8 || le64(bytes) > kSafetensorsMaxHeader);
  if (json_alone) {
    if (bytes.size() > kSafetensorsMaxHeader) {
      return Error(
          ErrorCode::too_large, "safetensors.header_length",
          "safetensors: header is over " + std::to_string(kSafetensorsMaxHeader) + " bytes");
    }
    text = bytes;
  } else {
    VRAMFIT_ASSIGN_OR_RETURN(const uint64_t n, safetensors_header_length(bytes));
    if (bytes.size() - 8 < n) {
      return TruncatedInput("safetensors.header",
                            "safetensors: header of " + std::to_string(n) +
                                " bytes is cut off after " + std::to_string(bytes.size() - 8) +
                                " bytes",
                            8 + n);
    }
    if (bytes[8] != '{') {
      return Error(ErrorCode::invalid_json, "safetensors.header",
                   "safetensors: the header must be a JSON object starting with '{'");
    }
    text = bytes.substr(8, n);
  }
  out.header_length = static_cast<int64_t>(text.size());

  const json h =
      jsonu::parse_text(text, "safetensors header", kSafetensorsMaxHeader, kMaxHeaderDepth);
  if (errors.failed()) return errors.error();
  if (!h.is_object()) {
    return Error(ErrorCode::wrong_type, "safetensors", "safetensors header must be a JSON object");
  }
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (v.is_null()) continue;
      if (!v.is_object()) {
        return Error(ErrorCode::wrong_type, field(name, ""),
                     "safetensors.__metadata__ must be an object of strings");
      }
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m->is_string()) {
          return Error(ErrorCode::wrong_type, field(name, m.key().c_str()),
                       field(name, m.key().c_str()) + " must be a string");
        }
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    if (name.empty()) {
      return Error(ErrorCode::invalid_request, "safetensors", "safetensors: empty tensor name");
    }
    if (!v.is_object()) {
      return Error(ErrorCode::wrong_type, field(name, ""),
                   field(name, "") + " must be an object {dtype, shape, data_offsets}");
    }
    CheckpointTensor t;
    t.name = name;
    const json* dt = jsonu::require(v, "dtype", field(name, ""));
    if (dt) t.dtype = jsonu::as_string(*dt, field(name, "dtype"));
    if (errors.failed()) return errors.error();
    const int bits = safetensors_dtype_bits(t.dtype);
    if (bits == 0) {
      return Error(ErrorCode::unknown_value, field(name, "dtype"),
                   field(name, "dtype") + ": unknown dtype \"" + t.dtype + "\"");
    }
    const json* shape = jsonu::require(v, "shape", field(name, ""));
    if (!shape) return errors.error();
    if (!shape->is_array()) {
      return Error(ErrorCode::wrong_type, field(name, "shape"),
                   field(name, "shape") + " must be an array of integers");
    }
    if (shape->size() > 16) {
      return Error(ErrorCode::out_of_range, field(name, "shape"),
                   field(name, "shape") + " has more than 16 dimensions");
    }
    int64_t elems = 1;
    for (const auto& d : *shape) {
      VRAMFIT_ASSIGN_OR_RETURN(const int64_t n, nonneg_int(d, field(name, "shape"), "dimension"));
      t.shape.push_back(n);
      if (n != 0 && elems > kMaxElements / n) {
        return Error(ErrorCode::out_of_range, field(name, "shape"),
                     field(name, "shape") + ": element count overflows");
      }
      elems *= n;
    }
    t.elements = elems;
    const json* off = jsonu::require(v, "data_offsets", field(name, ""));
    if (!off) return errors.error();
    if (!off->is_array() || off->size() != 2) {
      return Error(ErrorCode::wrong_type, field(name, "data_offsets"),
                   field(name, "data_offsets") + " must be [begin, end]");
    }
    VRAMFIT_ASSIGN_OR_RETURN(t.offset_begin,
                             nonneg_int((*off)[0], field(name, "data_offsets"), "offset"));
    VRAMFIT_ASSIGN_OR_RETURN(t.offset_end,
                             nonneg_int((*off)[1], field(name, "data_offsets"), "offset"));
    if (t.offset_end < t.offset_begin) {
      return Error(ErrorCode::inconsistent, field(name, "data_offsets"),
                   field(name, "data_offsets") + ": end " + std::to_string(t.offset_end) +
                       " is before begin " + std::to_string(t.offset_begin));
    }
    t.bytes = t.offset_end - t.offset_begin;
    // elems * bits / 8 without overflow (elems <= 2^62, bits <= 64).
    const int64_t rem_bits = (elems % 8) * bits;
    if (rem_bits % 8 != 0) {
      return Error(ErrorCode::inconsistent, field(name, "shape"),
                   field(name, "shape") + ": " + std::to_string(t.elements) + " values of " +
                       t.dtype + " do not fill whole bytes");
    }
    const int64_t need = (elems / 8) * bits + rem_bits / 8;
    if (need != t.bytes) {
      return Error(ErrorCode::inconsistent, field(name, "shape"),
                   field(name, "shape") + ": " + std::to_string(t.elements) + " values of " +
                       t.dtype + " need " + std::to_string(need) + " bytes but data_offsets span " +
                       std::to_string(t.bytes));
    }
    out.tensors.push_back(std::move(t));
  }
  std::sort(out.tensors.begin(), out.tensors.end(),
            [](const CheckpointTensor& a, const CheckpointTensor& b) {
              return a.offset_begin != b.offset_begin ? a.offset_begin < b.offset_begin
                                                      : a.offset_end < b.offset_end;
            });
  int64_t expect = 0;
  const CheckpointTensor* prev = nullptr;
  for (const auto& t : out.tensors) {
    if (t.offset_begin != expect) {
      const std::string why =
          t.offset_begin < expect
              ? "overlaps " + (prev ? "\"" + prev->name + "\"" : std::string("the previous tensor"))
              : "leaves a hole of " + std::to_string(t.offset_begin - expect) + " bytes before it";
      return Error(ErrorCode::inconsistent, field(t.name, "data_offsets"),
                   field(t.name, "data_offsets") + ": begins at " + std::to_string(t.offset_begin) +
                       ", expected " + std::to_string(expect) + " (" + why + ")");
    }
    expect = t.offset_end;
    prev = &t;
  }
  out.data_bytes = expect;
  if (file_size) {
    const uint64_t want =
        8 + static_cast<uint64_t>(out.header_length) + static_cast<uint64_t>(out.data_bytes);
    if (*file_size != want) {
      return Error(ErrorCode::inconsistent, "safetensors.file_size",
                   "safetensors: the file has " + std::to_string(*file_size) +
                       " bytes but its header describes " + std::to_string(want));
    }
  }
  return out;
}

Result<SafetensorsIndex> parse_safetensors_index(const json& index) {
  jsonu::Collect errors;  // jsonu's reads below return here at once
  const std::string p = "safetensors_index";
  if (!index.is_object()) {
    return Error(ErrorCode::wrong_type, p, "model.safetensors.index.json must be a JSON object");
  }
  SafetensorsIndex out;
  if (const json* meta = jsonu::find(index, "metadata")) {
    out.total_size = jsonu::opt_int(jsonu::as_object(*meta, p + ".metadata"), "total_size",
                                    p + ".metadata", 0, int64_t{1} << 60);
  }
  const json* wm = jsonu::require(index, "weight_map", p);
  if (wm) jsonu::as_object(*wm, p + ".weight_map");
  if (errors.failed()) return errors.error();
  if (wm->empty()) {
    return Error(ErrorCode::inconsistent, p + ".weight_map",
                 p + ".weight_map is empty: the index names no tensor");
  }
  std::set<std::string> shards;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    const std::string path = p + ".weight_map." + it.key();
    const std::string file = jsonu::as_string(*it, path);
    if (errors.failed()) return errors.error();
    const std::string suffix = ".safetensors";
    bool bad = file.empty() || file.size() > 255 || file[0] == '/' ||
               file.find('\\') != std::string::npos || file.find("..") != std::string::npos ||
               file.size() <= suffix.size() ||
               file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0;
    for (char c : file) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '?' || c == '#' || c == '%') bad = true;
    }
    if (bad) {
      return Error(ErrorCode::out_of_range, path,
                   path + ": \"" + file.substr(0, 80) +
                       "\" is not a shard file name (want NAME.safetensors)");
    }
    out.weight_map[it.key()] = file;
    shards.insert(file);
  }
  if (shards.size() > 10000) {
    return Error(ErrorCode::too_large, p + ".weight_map",
                 p + ".weight_map names more than 10000 shard files");
  }
  out.shards.assign(shards.begin(), shards.end());
  return out;
}

Result<SafetensorsIndex> parse_safetensors_index_text(const std::string& text) {
  json index;
  {
    jsonu::Collect errors;
    index = jsonu::parse_text(text, "safetensors_index");
    if (errors.failed()) return errors.error();
  }
  return parse_safetensors_index(index);
}

}  // namespace vramfit
