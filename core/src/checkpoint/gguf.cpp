// GGUF v2/v3 headers (checkpoint.h). Layout (little-endian): magic "GGUF",
// u32 version, u64 tensor_count, u64 kv_count, kv_count x {string key, u32
// type, value}, tensor_count x {string name, u32 n_dims, u64 ne[n_dims],
// u32 ggml_type, u64 offset}, padding to general.alignment (32), data.
// string = u64 length + bytes; array = u32 type + u64 count + values.
// Every read is bounds-checked; counts are never trusted for allocation.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "vramfit/checkpoint.h"

namespace vramfit {

namespace {
using json = nlohmann::json;

enum ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12
};

constexpr uint64_t kMaxString = uint64_t{64} << 20;  // one key or value
constexpr uint64_t kMaxCount = uint64_t{1} << 20;    // tensors, kv pairs
constexpr uint64_t kMaxArray = uint64_t{1} << 40;    // elements of one array
constexpr size_t kMaxName = 64;                      // GGML_MAX_NAME
constexpr int kMaxDims = 4;                          // GGML_MAX_DIMS
constexpr size_t kKeepString = 4096;
constexpr uint64_t kKeepArray = 65536;

int scalar_size(uint32_t t) {
  switch (t) {
    case kU8:
    case kI8:
    case kBool:
      return 1;
    case kU16:
    case kI16:
      return 2;
    case kU32:
    case kI32:
    case kF32:
      return 4;
    case kU64:
    case kI64:
    case kF64:
      return 8;
    default:
      return 0;
  }
}

// Reads little-endian values. The first failure is kept in `error`; every
// read after it returns 0 (or "") without moving, and callers return before
// acting on what they read (no loop runs on an unchecked count).
struct Reader {
  explicit Reader(const std::string& bytes) : b(bytes) {}
  const std::string& b;
  size_t pos = 0;
  std::optional<Error> error;

  bool ok() const { return !error.has_value(); }
  void fail(Error e) {
    if (!error) error = std::move(e);
  }
  bool need(uint64_t n, const std::string& what) {
    if (error) return false;
    const uint64_t left = b.size() - pos;
    if (n > left) {
      const uint64_t want = n > UINT64_MAX - pos ? UINT64_MAX : pos + n;
      fail(TruncatedInput("gguf.truncated",
                          "GGUF: the input ends inside " + what + " (at byte " +
                              std::to_string(pos) + ", " + std::to_string(b.size()) +
                              " bytes given, at least " + std::to_string(want) + " needed)",
                          want));
      return false;
    }
    return true;
  }
  uint64_t uint(int size, const std::string& what) {
    if (!need(static_cast<uint64_t>(size), what)) return 0;
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(b[pos + static_cast<size_t>(i)]);
    }
    pos += static_cast<size_t>(size);
    return v;
  }
  uint32_t u32(const std::string& what) { return static_cast<uint32_t>(uint(4, what)); }
  uint64_t u64(const std::string& what) { return uint(8, what); }
  void skip(uint64_t n, const std::string& what) {
    if (need(n, what)) pos += static_cast<size_t>(n);
  }
  std::string str(const std::string& what, const std::string& field) {
    const uint64_t len = u64(what);
    if (len > kMaxString) {
      fail(Error(ErrorCode::too_large, field,
                 "GGUF: " + what + " claims " + std::to_string(len) + " bytes (limit " +
                     std::to_string(kMaxString) + ")"));
    }
    if (!need(len, what)) return std::string();
    std::string s = b.substr(pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
    return s;
  }
};

json scalar(Reader& r, uint32_t type, const std::string& what) {
  switch (type) {
    case kU8:
      return static_cast<uint8_t>(r.uint(1, what));
    case kI8:
      return static_cast<int8_t>(static_cast<uint8_t>(r.uint(1, what)));
    case kU16:
      return static_cast<uint16_t>(r.uint(2, what));
    case kI16:
      return static_cast<int16_t>(static_cast<uint16_t>(r.uint(2, what)));
    case kU32:
      return static_cast<uint32_t>(r.uint(4, what));
    case kI32:
      return static_cast<int32_t>(static_cast<uint32_t>(r.uint(4, what)));
    case kU64:
      return r.uint(8, what);
    case kI64:
      return static_cast<int64_t>(r.uint(8, what));
    case kBool:
      return r.uint(1, what) != 0;
    case kF32: {
      uint32_t u = static_cast<uint32_t>(r.uint(4, what));
      float f;
      std::memcpy(&f, &u, 4);
      return static_cast<double>(f);
    }
    case kF64: {
      uint64_t u = r.uint(8, what);
      double d;
      std::memcpy(&d, &u, 8);
      return d;
    }
    default:
      return nullptr;
  }
}

// Reads one value of `type`; returns it as JSON when small enough to keep,
// else null. `length` gets an array's element count.
json value(Reader& r, uint32_t type, const std::string& key, int depth, uint64_t* length) {
  const std::string field = "gguf.metadata." + key;
  const std::string what = "the value of \"" + key + "\"";
  if (type == kString) {
    std::string s = r.str(what, field);
    if (s.size() > kKeepString) return nullptr;
    return s;
  }
  if (scalar_size(type) > 0) return scalar(r, type, what);
  if (type != kArray) {
    r.fail(Error(ErrorCode::unknown_value, field,
                 "GGUF: \"" + key + "\" has unknown value type " + std::to_string(type)));
    return nullptr;
  }
  if (depth >= 2) {
    r.fail(Error(ErrorCode::too_large, field, "GGUF: \"" + key + "\" nests arrays too deeply"));
    return nullptr;
  }
  const uint32_t et = r.u32(what);
  const uint64_t n = r.u64(what);
  if (!r.ok()) return nullptr;
  if (length) *length = n;
  if (n > kMaxArray) {
    r.fail(Error(ErrorCode::too_large, field,
                 "GGUF: \"" + key + "\" claims " + std::to_string(n) + " elements"));
    return nullptr;
  }
  const int es = scalar_size(et);
  if (es > 0) {
    if (n <= kKeepArray) {
      if (!r.need(n * static_cast<uint64_t>(es), what)) return nullptr;
      json arr = json::array();
      for (uint64_t i = 0; i < n; ++i) arr.push_back(scalar(r, et, what));
      return arr;
    }
    r.skip(n * static_cast<uint64_t>(es), what);
    return nullptr;
  }
  if (et == kString || et == kArray) {
    // Each element takes at least 8 bytes: a hostile count fails fast.
    if (!r.need(n * 8, what)) return nullptr;
    for (uint64_t i = 0; i < n && r.ok(); ++i) value(r, et, key, depth + 1, nullptr);
    return nullptr;
  }
  r.fail(Error(ErrorCode::unknown_value, field,
               "GGUF: \"" + key + "\" is an array of unknown type " + std::to_string(et)));
  return nullptr;
}

// Non-negative integer hyperparameter; per-layer arrays give their maximum.
// A bad value goes to `r` (and reads as 0).
int64_t hyper_int(const GgufHeader& h, Reader& r, const std::string& key) {
  auto it = h.metadata.find(key);
  if (it == h.metadata.end() || it->second.is_null()) return 0;
  const json& v = it->second;
  auto one = [&](const json& x) -> int64_t {
    if (x.is_boolean() || !x.is_number()) {
      r.fail(Error(ErrorCode::wrong_type, "gguf.metadata." + key,
                   "GGUF: " + key + " must be an integer"));
      return 0;
    }
    double d = x.get<double>();
    if (x.is_number_integer() && !x.is_number_unsigned() && x.get<int64_t>() < 0) d = -1;
    if (!(d >= 0) || d > 1e15 || std::floor(d) != d) {
      r.fail(Error(ErrorCode::out_of_range, "gguf.metadata." + key,
                   "GGUF: " + key + " is out of range"));
      return 0;
    }
    return x.is_number_float() ? static_cast<int64_t>(d) : x.get<int64_t>();
  };
  if (v.is_array()) {
    int64_t m = 0;
    for (const auto& x : v) m = std::max(m, one(x));
    return m;
  }
  return one(v);
}

double hyper_float(const GgufHeader& h, const std::string& key) {
  auto it = h.metadata.find(key);
  if (it == h.metadata.end() || !it->second.is_number()) return 0;
  double d = it->second.get<double>();
  return std::isfinite(d) && d > 0 ? d : 0;
}
}  // namespace

const std::vector<GgmlType>& ggml_types() {
  static const std::vector<GgmlType> kTypes = {
      {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
      {3, "Q4_1", 32, 20},      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},      {10, "Q2_K", 256, 84},
      {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
      {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66},
      {17, "IQ2_XS", 256, 74},  {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
      {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},  {22, "IQ2_S", 256, 82},
      {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
      {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},
      {29, "IQ1_M", 256, 56},   {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},
      {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},    {40, "NVFP4", 64, 36},
  };
  return kTypes;
}

const GgmlType* find_ggml_type(uint32_t id) {
  for (const auto& t : ggml_types()) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

Result<GgufHeader> parse_gguf_header(const std::string& bytes) {
  GgufHeader h;
  Reader r{bytes};
  if (!r.need(4, "the magic")) return *r.error;
  if (bytes.compare(0, 4, "GGUF") != 0) {
    return Error(ErrorCode::invalid_request, "gguf.magic",
                 "GGUF: the file does not start with \"GGUF\" (not a GGUF file)");
  }
  r.pos = 4;
  const uint32_t version = r.u32("the version");
  if (!r.ok()) return *r.error;
  if (version == 1) {
    return Error(ErrorCode::unknown_value, "gguf.version",
                 "GGUF: version 1 (2023, 32-bit counts) is obsolete; re-convert the model");
  }
  if (version != 2 && version != 3) {
    const bool big = (version & 0xFFFFu) == 0 && (version >> 24) >= 1 && (version >> 24) <= 3;
    return Error(ErrorCode::unknown_value, "gguf.version",
                 big ? "GGUF: big-endian files are not supported"
                     : "GGUF: unknown version " + std::to_string(version) + " (want 2 or 3)");
  }
  h.version = version;
  const uint64_t n_tensors = r.u64("the tensor count");
  const uint64_t n_kv = r.u64("the metadata count");
  if (!r.ok()) return *r.error;
  if (n_tensors > kMaxCount) {
    return Error(ErrorCode::too_large, "gguf.tensor_count",
                 "GGUF: tensor count " + std::to_string(n_tensors) + " is beyond any model");
  }
  if (n_kv > kMaxCount) {
    return Error(ErrorCode::too_large, "gguf.kv_count",
                 "GGUF: metadata count " + std::to_string(n_kv) + " is beyond any model");
  }
  h.tensor_count = static_cast<int64_t>(n_tensors);
  h.kv_count = static_cast<int64_t>(n_kv);

  for (uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = r.str("metadata key " + std::to_string(i), "gguf.metadata");
    if (!r.ok()) return *r.error;
    if (key.empty()) {
      return Error(ErrorCode::invalid_request, "gguf.metadata",
                   "GGUF: metadata key " + std::to_string(i) + " is empty");
    }
    if (h.metadata.count(key) || h.array_lengths.count(key)) {
      return Error(ErrorCode::inconsistent, "gguf.metadata." + key,
                   "GGUF: duplicate metadata key \"" + key + "\"");
    }
    const uint32_t type = r.u32("the type of \"" + key + "\"");
    uint64_t len = 0;
    json v = value(r, type, key, 0, &len);
    if (!r.ok()) return *r.error;
    if (type == kArray) h.array_lengths[key] = static_cast<int64_t>(len);
    h.metadata[key] = std::move(v);
  }

  // general.alignment: a power of two (GGML_PAD needs it).
  if (auto it = h.metadata.find("general.alignment"); it != h.metadata.end()) {
    const json& a = it->second;
    if (!a.is_number_unsigned() && !(a.is_number_integer() && a.get<int64_t>() > 0)) {
      return Error(ErrorCode::wrong_type, "gguf.metadata.general.alignment",
                   "GGUF: general.alignment must be a positive integer");
    }
    const uint64_t al = a.get<uint64_t>();
    if (al == 0 || (al & (al - 1)) != 0 || al > (1u << 20)) {
      return Error(ErrorCode::out_of_range, "gguf.metadata.general.alignment",
                   "GGUF: general.alignment " + std::to_string(al) + " is not a power of two");
    }
    h.alignment = static_cast<int64_t>(al);
  }
  if (auto it = h.metadata.find("general.architecture"); it != h.metadata.end()) {
    if (!it->second.is_string()) {
      return Error(ErrorCode::wrong_type, "gguf.metadata.general.architecture",
                   "GGUF: general.architecture must be a string");
    }
    h.architecture = it->second.get<std::string>();
  }
  if (auto it = h.metadata.find("general.name"); it != h.metadata.end() && it->second.is_string()) {
    h.name = it->second.get<std::string>();
  }

  std::set<std::string> names;
  int64_t expect = 0;  // llama.cpp: each offset == running padded size
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const std::string what = "tensor info " + std::to_string(i);
    CheckpointTensor t;
    t.name = r.str(what, "gguf.tensors");
    if (!r.ok()) return *r.error;
    const std::string f = "gguf.tensors." + t.name;
    if (t.name.empty() || t.name.size() >= kMaxName) {
      return Error(ErrorCode::out_of_range, f,
                   "GGUF: tensor " + std::to_string(i) + " name length " +
                       std::to_string(t.name.size()) + " is not in 1.." +
                       std::to_string(kMaxName - 1));
    }
    if (!names.insert(t.name).second) {
      return Error(ErrorCode::inconsistent, f, "GGUF: duplicate tensor \"" + t.name + "\"");
    }
    const uint32_t n_dims = r.u32(what);
    if (!r.ok()) return *r.error;
    if (n_dims == 0 || n_dims > static_cast<uint32_t>(kMaxDims)) {
      return Error(ErrorCode::out_of_range, f + ".n_dims",
                   "GGUF: tensor \"" + t.name + "\" has " + std::to_string(n_dims) +
                       " dimensions (1.." + std::to_string(kMaxDims) + ")");
    }
    int64_t elems = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = r.u64(what);
      if (!r.ok()) return *r.error;
      if (ne > static_cast<uint64_t>(INT64_MAX)) {
        return Error(ErrorCode::out_of_range, f + ".dims",
                     "GGUF: tensor \"" + t.name + "\" has a negative dimension");
      }
      const int64_t n = static_cast<int64_t>(ne);
      if (n != 0 && elems > (int64_t{1} << 56) / n) {
        return Error(ErrorCode::out_of_range, f + ".dims",
                     "GGUF: tensor \"" + t.name + "\" element count overflows");
      }
      elems *= n;
      t.shape.push_back(n);
    }
    t.elements = elems;
    const uint32_t type = r.u32(what);
    if (!r.ok()) return *r.error;
    const GgmlType* gt = find_ggml_type(type);
    if (!gt) {
      return Error(ErrorCode::unknown_value, f + ".type",
                   "GGUF: tensor \"" + t.name + "\" has unknown GGML type " + std::to_string(type));
    }
    t.dtype = gt->name;
    if (t.shape[0] % gt->block_size != 0) {
      return Error(ErrorCode::inconsistent, f + ".dims",
                   "GGUF: tensor \"" + t.name + "\" row length " + std::to_string(t.shape[0]) +
                       " is not a multiple of the " + gt->name + " block size " +
                       std::to_string(gt->block_size));
    }
    // elems <= 2^56 and type_size <= 292: no overflow.
    t.bytes = elems / gt->block_size * gt->type_size;
    const uint64_t off = r.u64(what);
    if (!r.ok()) return *r.error;
    if (off != static_cast<uint64_t>(expect)) {
      return Error(ErrorCode::inconsistent, f + ".offset",
                   "GGUF: tensor \"" + t.name + "\" has offset " + std::to_string(off) +
                       ", expected " + std::to_string(expect) +
                       " (tensors must be stored in order, each padded to " +
                       std::to_string(h.alignment) + " bytes)");
    }
    t.offset_begin = expect;
    t.offset_end = expect + t.bytes;
    const int64_t padded = (t.bytes + h.alignment - 1) / h.alignment * h.alignment;
    if (expect > (int64_t{1} << 60) - padded) {
      return Error(ErrorCode::too_large, f, "GGUF: the data section overflows");
    }
    expect += padded;
    h.tensors.push_back(std::move(t));
  }
  h.header_bytes = static_cast<int64_t>(r.pos);
  h.data_offset = (h.header_bytes + h.alignment - 1) / h.alignment * h.alignment;
  h.data_bytes = expect;

  // Hyperparameters under "<arch>.".
  const std::string a = h.architecture + ".";
  if (!h.architecture.empty()) {
    using H = GgufHyper;
    static const std::pair<int64_t H::*, const char*> kInts[] = {
        {&H::block_count, "block_count"},
        {&H::embedding_length, "embedding_length"},
        {&H::feed_forward_length, "feed_forward_length"},
        {&H::head_count, "attention.head_count"},
        {&H::head_count_kv, "attention.head_count_kv"},
        {&H::key_length, "attention.key_length"},
        {&H::value_length, "attention.value_length"},
        {&H::context_length, "context_length"},
        {&H::expert_count, "expert_count"},
        {&H::expert_used_count, "expert_used_count"},
        {&H::expert_feed_forward_length, "expert_feed_forward_length"},
        {&H::expert_shared_feed_forward_length, "expert_shared_feed_forward_length"},
        {&H::sliding_window, "attention.sliding_window"},
        {&H::vocab_size, "vocab_size"}};
    for (const auto& [member, key] : kInts) h.hp.*member = hyper_int(h, r, a + key);
    h.hp.rope_freq_base = hyper_float(h, a + "rope.freq_base");
    h.hp.rms_epsilon = hyper_float(h, a + "attention.layer_norm_rms_epsilon");
  }
  if (h.hp.vocab_size == 0) {
    auto it = h.array_lengths.find("tokenizer.ggml.tokens");
    if (it != h.array_lengths.end()) h.hp.vocab_size = it->second;
  }
  if (h.hp.vocab_size == 0) {
    for (const auto& t : h.tensors) {
      if (t.name == "token_embd.weight" && t.shape.size() >= 2) h.hp.vocab_size = t.shape[1];
    }
  }
  if (h.metadata.count("general.file_type")) h.hp.file_type = hyper_int(h, r, "general.file_type");
  if (!r.ok()) return *r.error;
  return h;
}

}  // namespace vramfit
