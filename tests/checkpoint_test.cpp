// Checkpoint headers (checkpoint.h): safetensors shards and index files, GGUF
// v2/v3 headers, tensor classification and the byte / parameter summary.
// Every file here is built byte by byte by the test (header + zero data), so
// the expected sizes are hand-computed in the comments next to each check.
// Hostile and truncated inputs must throw vramfit::Error, never crash.
#include "vramfit/checkpoint.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "config_parse.h"
#include "vramfit/api.h"
#include "vramfit/catalog.h"
#include "vramfit/config.h"
#include "vramfit/error.h"
#include "vramfit/params.h"

using nlohmann::json;
using vramfit::CheckpointTensor;
using vramfit::Error;
using vramfit::ErrorCode;
using vramfit::TensorRole;
using vramfit::TruncatedInput;

namespace {

// ------------------------------------------------------------ safetensors

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

// A full .safetensors file: prefix + header + `data` zero bytes.
std::string st_file(const json& header, uint64_t data) {
  std::string h = header.dump();
  while (h.size() % 8) h += ' ';  // the reference writer pads with spaces
  return le64(h.size()) + h + std::string(data, '\0');
}

json st_tensor(const char* dtype, std::vector<int64_t> shape, int64_t b, int64_t e) {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {b, e}}};
}

// A tiny llama-like shard, 176 data bytes:
//   model.embed_tokens.weight  BF16 [8,4]  = 32 x 2 = 64  [0, 64)
//   model.layers.0.self_attn.q_proj.weight BF16 [4,4] = 32   [64, 96)
//   model.norm.weight          F32  [4]    = 16            [96, 112)
//   lm_head.weight             F16  [8,4]  = 64            [112, 176)
json tiny_header() {
  return {{"__metadata__", {{"format", "pt"}}},
          {"lm_head.weight", st_tensor("F16", {8, 4}, 112, 176)},
          {"model.embed_tokens.weight", st_tensor("BF16", {8, 4}, 0, 64)},
          {"model.layers.0.self_attn.q_proj.weight", st_tensor("BF16", {4, 4}, 64, 96)},
          {"model.norm.weight", st_tensor("F32", {4}, 96, 112)}};
}

// The readers return Results; most cases below read values or expect an
// error thrown, so these unwrap with or_throw (the truncation cases use the
// Results themselves).
namespace ck {
vramfit::SafetensorsHeader parse_safetensors_header(const std::string& b,
                                                    std::optional<uint64_t> size = std::nullopt) {
  return vramfit::or_throw(vramfit::parse_safetensors_header(b, size));
}
uint64_t safetensors_header_length(const std::string& b) {
  return vramfit::or_throw(vramfit::safetensors_header_length(b));
}
vramfit::SafetensorsIndex parse_safetensors_index(const json& j) {
  return vramfit::or_throw(vramfit::parse_safetensors_index(j));
}
vramfit::SafetensorsIndex parse_safetensors_index_text(const std::string& t) {
  return vramfit::or_throw(vramfit::parse_safetensors_index_text(t));
}
vramfit::GgufHeader parse_gguf_header(const std::string& b) {
  return vramfit::or_throw(vramfit::parse_gguf_header(b));
}
json gguf_to_config_json(const vramfit::GgufHeader& h) {
  return vramfit::or_throw(vramfit::gguf_to_config_json(h));
}
vramfit::CheckpointSummary checkpoint_weight_bytes(const std::vector<vramfit::CheckpointTensor>& t,
                                                   int packed_bits = 4) {
  return vramfit::or_throw(vramfit::checkpoint_weight_bytes(t, packed_bits));
}
vramfit::CheckpointPlan plan_checkpoint(const std::vector<std::string>* listing,
                                        const std::string& gguf_file = "") {
  return vramfit::or_throw(vramfit::plan_checkpoint(listing, gguf_file));
}
}  // namespace ck

template <class F>
void expect_error(F&& f, ErrorCode code, const std::string& field) {
  try {
    f();
    FAIL("no error thrown; wanted " << vramfit::error_code_name(code) << " at " << field);
  } catch (const Error& e) {
    INFO("message: " << e.what());
    CHECK(vramfit::error_code_name(e.code()) == std::string(vramfit::error_code_name(code)));
    CHECK(e.field() == field);
  }
}

void expect_st_error(const json& header, ErrorCode code, const std::string& field,
                     uint64_t data = 0) {
  expect_error([&] { ck::parse_safetensors_header(st_file(header, data)); }, code, field);
}

// ------------------------------------------------------------------- GGUF

struct Gguf {
  std::string b;
  void u8(uint8_t v) { b += static_cast<char>(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u32(u);
  }
  void str(const std::string& s) {
    u64(s.size());
    b += s;
  }
  void head(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    b += "GGUF";
    u32(version);
    u64(tensors);
    u64(kvs);
  }
  void kv_str(const std::string& k, const std::string& v) {
    str(k);
    u32(8);
    str(v);
  }
  void kv_u32(const std::string& k, uint32_t v) {
    str(k);
    u32(4);
    u32(v);
  }
  void kv_f32(const std::string& k, float v) {
    str(k);
    u32(6);
    f32(v);
  }
  void kv_tokens(const std::string& k, int n) {
    str(k);
    u32(9);
    u32(8);
    u64(static_cast<uint64_t>(n));
    for (int i = 0; i < n; ++i) str("t" + std::to_string(i));
  }
  void kv_i32_array(const std::string& k, std::vector<int32_t> v) {
    str(k);
    u32(9);
    u32(5);
    u64(v.size());
    for (int32_t x : v) u32(static_cast<uint32_t>(x));
  }
  void tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t off) {
    str(name);
    u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne) u64(n);
    u32(type);
    u64(off);
  }
};

enum : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30 };

struct TensorDef {
  std::string name;
  std::vector<uint64_t> ne;
  uint32_t type;
  uint64_t bytes;
};

// A 2-layer llama GGUF: hidden 256, 4 heads of 64, 2 KV heads, FFN 512,
// vocab 1000 (from the tokens array), untied output. Bytes per tensor:
//   Q4_K: 144 per 256 values; Q6_K: 210 per 256; F32: 4 per value.
std::vector<TensorDef> llama_tensors() {
  std::vector<TensorDef> t = {
      {"token_embd.weight", {256, 1000}, Q4_K, 1000 * 144},  // 256000 values = 1000 blocks
      {"output_norm.weight", {256}, F32, 1024},
      {"output.weight", {256, 1000}, Q6_K, 1000 * 210},
  };
  for (int l = 0; l < 2; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    t.push_back({p + "attn_norm.weight", {256}, F32, 1024});
    t.push_back({p + "attn_q.weight", {256, 256}, Q4_K, 256 * 144});       // 36864
    t.push_back({p + "attn_k.weight", {256, 128}, Q4_K, 128 * 144});       // 18432
    t.push_back({p + "attn_v.weight", {256, 128}, Q6_K, 128 * 210});       // 26880
    t.push_back({p + "attn_output.weight", {256, 256}, Q4_K, 256 * 144});  // 36864
    t.push_back({p + "ffn_norm.weight", {256}, F32, 1024});
    t.push_back({p + "ffn_gate.weight", {256, 512}, Q4_K, 512 * 144});  // 73728
    t.push_back({p + "ffn_up.weight", {256, 512}, Q4_K, 512 * 144});    // 73728
    t.push_back({p + "ffn_down.weight", {512, 256}, Q6_K, 512 * 210});  // 107520
  }
  return t;
}

std::string llama_gguf(bool with_data = false, int vocab = 1000) {
  const auto ts = llama_tensors();
  Gguf g;
  g.head(ts.size(), 10);
  g.kv_str("general.architecture", "llama");
  g.kv_str("general.name", "tiny");
  g.kv_u32("general.file_type", 15);  // Q4_K_M
  g.kv_u32("llama.block_count", 2);
  g.kv_u32("llama.embedding_length", 256);
  g.kv_u32("llama.feed_forward_length", 512);
  g.kv_u32("llama.attention.head_count", 4);
  g.kv_u32("llama.attention.head_count_kv", 2);
  g.kv_f32("llama.rope.freq_base", 500000.0f);
  g.kv_tokens("tokenizer.ggml.tokens", vocab);
  uint64_t off = 0;
  for (const auto& t : ts) {
    g.tensor(t.name, t.ne, t.type, off);
    off += (t.bytes + 31) / 32 * 32;
  }
  if (with_data) {
    while (g.b.size() % 32) g.u8(0);
    g.b += std::string(off, '\0');
  }
  return g.b;
}

void ModelSpecCheck(const json& cfg, const std::string& arch) {
  try {
    auto spec = parse_config(cfg);
    CHECK(spec.hidden == 512);
    CHECK(spec.num_layers == 4);
    CHECK(spec.vocab == 1024);
    CHECK(spec.num_kv_heads == 2);
    CHECK((spec.moe.num_experts == 4) == (arch.find("moe") != std::string::npos));
  } catch (const Error& e) {
    FAIL(arch << ": " << e.field() << ": " << e.what());
  }
}

}  // namespace

// =========================================================== safetensors

TEST_CASE("checkpoint: safetensors: a real file gives exact bytes, offsets and metadata",
          "[checkpoint]") {
  const std::string file = st_file(tiny_header(), 176);
  auto h = ck::parse_safetensors_header(file, file.size());
  REQUIRE(h.tensors.size() == 4);
  // Sorted by offset: embed [0,64), q_proj [64,96), norm [96,112), lm_head [112,176).
  CHECK(h.tensors[0].name == "model.embed_tokens.weight");
  CHECK(h.tensors[0].bytes == 64);
  CHECK(h.tensors[0].elements == 32);
  CHECK(h.tensors[1].bytes == 32);
  CHECK(h.tensors[2].dtype == "F32");
  CHECK(h.tensors[2].shape == std::vector<int64_t>{4});
  CHECK(h.tensors[3].offset_begin == 112);
  CHECK(h.tensors[3].offset_end == 176);
  CHECK(h.data_bytes == 176);
  CHECK(h.metadata.at("format") == "pt");
  CHECK(h.header_length % 8 == 0);
  CHECK(h.file_bytes() == static_cast<int64_t>(file.size()));
}

TEST_CASE("checkpoint: safetensors: prefix + header only (an HTTP range) and the JSON alone",
          "[checkpoint]") {
  const std::string file = st_file(tiny_header(), 176);
  const uint64_t n = ck::safetensors_header_length(file.substr(0, 8));
  auto a = ck::parse_safetensors_header(file.substr(0, 8 + n));
  CHECK(a.data_bytes == 176);
  auto b = ck::parse_safetensors_header(tiny_header().dump());
  CHECK(b.data_bytes == 176);
  CHECK(b.tensors.size() == 4);
  // Empty header: a valid file with no tensors.
  auto c = ck::parse_safetensors_header(st_file(json::object(), 0));
  CHECK(c.tensors.empty());
  CHECK(c.data_bytes == 0);
}

TEST_CASE("checkpoint: safetensors: every dtype size, sub-byte F4 included", "[checkpoint]") {
  // 4 values each: bytes = 4 * bits / 8.
  const std::vector<std::pair<const char*, int>> dts = {
      {"BOOL", 4}, {"U8", 4},   {"I8", 4},   {"F8_E4M3", 4}, {"F8_E5M2", 4}, {"F8_E8M0", 4},
      {"I16", 8},  {"U16", 8},  {"F16", 8},  {"BF16", 8},    {"I32", 16},    {"U32", 16},
      {"F32", 16}, {"F64", 32}, {"I64", 32}, {"U64", 32},    {"F4", 2},      {"F6_E2M3", 3}};
  json h = json::object();
  int64_t off = 0;
  for (const auto& [d, bytes] : dts) {
    h[std::string("t_") + d] = st_tensor(d, {4}, off, off + bytes);
    off += bytes;
  }
  auto p = ck::parse_safetensors_header(st_file(h, static_cast<uint64_t>(off)));
  CHECK(p.data_bytes == 4 + 4 + 4 + 4 + 4 + 4 + 8 * 4 + 16 * 3 + 32 * 3 + 2 + 3);  // 207
  CHECK(vramfit::safetensors_dtype_bits("F4") == 4);
  CHECK(vramfit::safetensors_dtype_bits("E8M0") == 0);
}

TEST_CASE("checkpoint: safetensors: malformed headers name the field", "[checkpoint]") {
  json h = tiny_header();
  SECTION("unknown dtype") {
    h["model.norm.weight"]["dtype"] = "F12";
    expect_st_error(h, ErrorCode::unknown_value, "safetensors.model.norm.weight.dtype");
  }
  SECTION("shape x dtype != offsets span") {
    h["model.norm.weight"]["shape"] = {5};  // 20 bytes, span is 16
    expect_st_error(h, ErrorCode::inconsistent, "safetensors.model.norm.weight.shape");
  }
  SECTION("overlapping offsets") {
    h["model.norm.weight"]["data_offsets"] = {90, 106};
    expect_st_error(h, ErrorCode::inconsistent, "safetensors.model.norm.weight.data_offsets");
  }
  SECTION("a hole between tensors") {
    h["lm_head.weight"]["data_offsets"] = {120, 184};
    expect_st_error(h, ErrorCode::inconsistent, "safetensors.lm_head.weight.data_offsets");
  }
  SECTION("end before begin") {
    h["model.norm.weight"]["data_offsets"] = {112, 96};
    expect_st_error(h, ErrorCode::inconsistent, "safetensors.model.norm.weight.data_offsets");
  }
  SECTION("negative dimension") {
    h["model.norm.weight"]["shape"] = {-4};
    expect_st_error(h, ErrorCode::out_of_range, "safetensors.model.norm.weight.shape");
  }
  SECTION("fractional dimension") {
    h["model.norm.weight"]["shape"] = {4.5};
    expect_st_error(h, ErrorCode::wrong_type, "safetensors.model.norm.weight.shape");
  }
  SECTION("shape overflow") {
    h["model.norm.weight"]["shape"] = {int64_t{1} << 40, int64_t{1} << 40};
    expect_st_error(h, ErrorCode::out_of_range, "safetensors.model.norm.weight.shape");
  }
  SECTION("offsets are not a pair") {
    h["model.norm.weight"]["data_offsets"] = {96};
    expect_st_error(h, ErrorCode::wrong_type, "safetensors.model.norm.weight.data_offsets");
  }
  SECTION("missing data_offsets") {
    h["model.norm.weight"].erase("data_offsets");
    expect_st_error(h, ErrorCode::missing_field, "safetensors.model.norm.weight.data_offsets");
  }
  SECTION("missing dtype") {
    h["model.norm.weight"].erase("dtype");
    expect_st_error(h, ErrorCode::missing_field, "safetensors.model.norm.weight.dtype");
  }
  SECTION("tensor entry not an object") {
    h["model.norm.weight"] = 3;
    expect_st_error(h, ErrorCode::wrong_type, "safetensors.model.norm.weight");
  }
  SECTION("metadata value not a string") {
    h["__metadata__"]["total"] = 3;
    expect_st_error(h, ErrorCode::wrong_type, "safetensors.__metadata__.total");
  }
  SECTION("F4 values that do not fill a byte") {
    json g = {{"x", st_tensor("F4", {3}, 0, 2)}};  // 12 bits
    expect_st_error(g, ErrorCode::inconsistent, "safetensors.x.shape");
  }
}

TEST_CASE("checkpoint: safetensors: truncated, oversized and non-JSON inputs", "[checkpoint]") {
  const std::string file = st_file(tiny_header(), 176);
  const uint64_t n = ck::safetensors_header_length(file);
  SECTION("fewer than 8 bytes") {
    const auto r = vramfit::parse_safetensors_header(file.substr(0, 5));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().need_bytes() == 8);
    CHECK(r.error().field() == "safetensors.header_length");
  }
  SECTION("header cut off: need_bytes() says how much to fetch") {
    const auto r = vramfit::parse_safetensors_header(file.substr(0, 40));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().need_bytes() == 8 + n);
  }
  SECTION("length over 100 MB") {
    std::string bad = le64(100000001) + "{}";
    expect_error([&] { ck::parse_safetensors_header(bad); }, ErrorCode::too_large,
                 "safetensors.header_length");
  }
  SECTION("header not an object") {
    expect_error([&] { ck::parse_safetensors_header(le64(8) + "[1,2,3] "); },
                 ErrorCode::invalid_json, "safetensors.header");
  }
  SECTION("broken JSON") {
    expect_error([&] { ck::parse_safetensors_header(le64(8) + "{\"a\":   "); },
                 ErrorCode::invalid_json, "safetensors header");
  }
  SECTION("JSON array alone") {
    expect_error([&] { ck::parse_safetensors_header("[]"); }, ErrorCode::invalid_request,
                 "safetensors.header_length");
  }
  SECTION("deep nesting") {
    std::string deep = "{\"__metadata__\":" + std::string(100, '[') + std::string(100, ']') + "}";
    expect_error([&] { ck::parse_safetensors_header(deep); }, ErrorCode::too_large,
                 "safetensors header");
  }
  SECTION("file shorter than the header says") {
    expect_error([&] { ck::parse_safetensors_header(file, file.size() - 1); },
                 ErrorCode::inconsistent, "safetensors.file_size");
  }
}

TEST_CASE("checkpoint: safetensors: no prefix or byte flip crashes the parser", "[checkpoint]") {
  const std::string file = st_file(tiny_header(), 176);
  const size_t hdr = 8 + ck::safetensors_header_length(file);
  int errors = 0;
  for (size_t len = 0; len < hdr; ++len) {
    if (!vramfit::parse_safetensors_header(file.substr(0, len)).ok()) ++errors;
  }
  CHECK(errors == static_cast<int>(hdr));  // every strict prefix of the header fails
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string m = file.substr(0, hdr);
    for (int k = 0; k < 3; ++k) {
      m[rng() % m.size()] = static_cast<char>(rng() & 0xFF);
    }
    (void)vramfit::parse_safetensors_header(m);
  }
  SUCCEED("2000 mutated headers parsed or rejected without crashing");
}

TEST_CASE("checkpoint: safetensors index: weight_map, shards and total_size", "[checkpoint]") {
  json idx = {{"metadata", {{"total_size", 16060522496}}},
              {"weight_map",
               {{"lm_head.weight", "model-00002-of-00002.safetensors"},
                {"model.embed_tokens.weight", "model-00001-of-00002.safetensors"},
                {"model.norm.weight", "model-00002-of-00002.safetensors"}}}};
  auto i = ck::parse_safetensors_index(idx);
  CHECK(i.total_size.value() == 16060522496);
  REQUIRE(i.shards.size() == 2);
  CHECK(i.shards[0] == "model-00001-of-00002.safetensors");
  CHECK(i.weight_map.at("lm_head.weight") == "model-00002-of-00002.safetensors");
  CHECK(ck::parse_safetensors_index_text(idx.dump()).shards.size() == 2);

  SECTION("path traversal in a shard name") {
    idx["weight_map"]["x"] = "../../etc/passwd.safetensors";
    expect_error([&] { ck::parse_safetensors_index(idx); }, ErrorCode::out_of_range,
                 "safetensors_index.weight_map.x");
  }
  SECTION("not a safetensors file") {
    idx["weight_map"]["x"] = "pytorch_model.bin";
    expect_error([&] { ck::parse_safetensors_index(idx); }, ErrorCode::out_of_range,
                 "safetensors_index.weight_map.x");
  }
  SECTION("missing weight_map") {
    idx.erase("weight_map");
    expect_error([&] { ck::parse_safetensors_index(idx); }, ErrorCode::missing_field,
                 "safetensors_index.weight_map");
  }
  SECTION("negative total_size") {
    idx["metadata"]["total_size"] = -1;
    expect_error([&] { ck::parse_safetensors_index(idx); }, ErrorCode::out_of_range,
                 "safetensors_index.metadata.total_size");
  }
  SECTION("invalid JSON text") {
    expect_error([&] { ck::parse_safetensors_index_text("{\"weight_map\": "); },
                 ErrorCode::invalid_json, "safetensors_index");
  }
}

// ================================================================ summary

TEST_CASE("checkpoint: summary: plain BF16 checkpoint bytes, params and roles", "[checkpoint]") {
  auto h = ck::parse_safetensors_header(st_file(tiny_header(), 176));
  auto s = ck::checkpoint_weight_bytes(h.tensors);
  CHECK(s.total_bytes == 176);
  CHECK(s.bytes_by_dtype.at("BF16") == 96);  // 64 + 32
  CHECK(s.bytes_by_dtype.at("F16") == 64);
  CHECK(s.bytes_by_dtype.at("F32") == 16);
  CHECK(s.params == 32 + 16 + 4 + 32);  // 84
  CHECK(s.stored_elements == 84);
  CHECK(s.params_by_role.at("embedding") == 32);
  CHECK(s.params_by_role.at("lm_head") == 32);
  CHECK(s.params_by_role.at("linear") == 16);
  CHECK(s.params_by_role.at("norm") == 4);
  CHECK(s.overhead_bytes == 0);
  json j = vramfit::checkpoint_summary_json(s);
  CHECK(j["total_bytes"] == 176);
}

TEST_CASE("checkpoint: summary: GPTQ and AWQ packed int32 are unpacked, side tensors are overhead",
          "[checkpoint]") {
  // One 4096x4096 q_proj, 4-bit, group 128.
  // GPTQ: qweight I32 [4096/8, 4096] = 2,097,152 int32 = 8,388,608 B -> 16,777,216 params
  //       qzeros I32 [32, 512] = 65,536 B; scales F16 [32, 4096] = 262,144 B;
  //       g_idx I32 [4096] = 16,384 B  -> overhead 344,064 B.
  std::vector<CheckpointTensor> gptq = {
      {"model.layers.0.self_attn.q_proj.qweight", "I32", {512, 4096}, 0, 0, 2097152, 8388608},
      {"model.layers.0.self_attn.q_proj.qzeros", "I32", {32, 512}, 0, 0, 16384, 65536},
      {"model.layers.0.self_attn.q_proj.scales", "F16", {32, 4096}, 0, 0, 131072, 262144},
      {"model.layers.0.self_attn.q_proj.g_idx", "I32", {4096}, 0, 0, 4096, 16384},
  };
  auto s = ck::checkpoint_weight_bytes(gptq);
  CHECK(s.params == 16777216);
  CHECK(s.stored_elements == 2097152 + 16384 + 131072 + 4096);  // what the Hub shows
  CHECK(s.overhead_bytes == 65536 + 262144 + 16384);
  CHECK(s.total_bytes == 8388608 + 344064);
  CHECK(s.packed_tensors == 1);
  CHECK(s.params_by_role.at("linear") == 16777216);
  CHECK(s.bytes_by_role.at("linear") == 8388608 + 344064);
  // 8-bit GPTQ: 4 weights per int32.
  CHECK(ck::checkpoint_weight_bytes(gptq, 8).params == 2097152 * 4);
  // 3-bit: 32 weights per 3 words.
  CHECK(ck::checkpoint_weight_bytes(gptq, 3).params == 2097152 / 3 * 32);
  expect_error([&] { ck::checkpoint_weight_bytes(gptq, 5); }, ErrorCode::out_of_range,
               "packed_bits");

  // AWQ packs along the output: qweight I32 [4096, 512]; same count.
  std::vector<CheckpointTensor> awq = {
      {"model.layers.0.mlp.down_proj.qweight", "I32", {4096, 512}, 0, 0, 2097152, 8388608},
      {"model.layers.0.mlp.down_proj.scales", "F16", {32, 4096}, 0, 0, 131072, 262144}};
  CHECK(ck::checkpoint_weight_bytes(awq).params == 16777216);
}

TEST_CASE("checkpoint: summary: bnb 4-bit, MXFP4 blocks, NVFP4 and FP8 scales", "[checkpoint]") {
  std::vector<CheckpointTensor> t = {
      // bnb nf4: 4096x4096 weight stored as U8 [8388608, 1]: 2 weights per byte.
      {"m.layers.0.mlp.up_proj.weight", "U8", {8388608, 1}, 0, 0, 8388608, 8388608},
      {"m.layers.0.mlp.up_proj.weight.absmax", "F32", {262144}, 0, 0, 262144, 1048576},
      {"m.layers.0.mlp.up_proj.weight.quant_map", "F32", {16}, 0, 0, 16, 64},
      {"m.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__nf4", "U8", {100}, 0, 0, 100, 100},
      // gpt-oss MXFP4 experts: [E=32, 5760, 90, 16] U8 = 265,420,800 B -> 530,841,600 params.
      {"m.layers.0.mlp.experts.gate_up_proj_blocks",
       "U8",
       {32, 5760, 90, 16},
       0,
       0,
       265420800,
       265420800},
      {"m.layers.0.mlp.experts.gate_up_proj_scales",
       "U8",
       {32, 5760, 90},
       0,
       0,
       16588800,
       16588800},
      // NVFP4 (modelopt): U8 [4096, 2048] + F8_E4M3 scale [4096, 256] -> 4096*4096 params.
      {"m.layers.0.self_attn.o_proj.weight", "U8", {4096, 2048}, 0, 0, 8388608, 8388608},
      {"m.layers.0.self_attn.o_proj.weight_scale", "F8_E4M3", {4096, 256}, 0, 0, 1048576, 1048576},
      {"m.layers.0.self_attn.o_proj.weight_scale_2", "F32", {}, 0, 0, 1, 4},
      // FP8 block-wise: F8_E4M3 weight + F32 scale_inv [32, 32].
      {"m.layers.0.self_attn.q_proj.weight", "F8_E4M3", {4096, 4096}, 0, 0, 16777216, 16777216},
      {"m.layers.0.self_attn.q_proj.weight_scale_inv", "F32", {32, 32}, 0, 0, 1024, 4096},
  };
  auto s = ck::checkpoint_weight_bytes(t);
  CHECK(s.params == 16777216 + 530841600 + 16777216 + 16777216);
  CHECK(s.params_by_role.at("expert_linear") == 530841600);
  CHECK(s.packed_tensors == 3);
  CHECK(s.overhead_bytes == 1048576 + 64 + 100 + 16588800 + 1048576 + 4 + 4096);
  CHECK(s.params_by_dtype.at("F8_E4M3") == 16777216);
}

TEST_CASE("checkpoint: summary: tensor names classify by role (HF and GGUF)", "[checkpoint]") {
  const std::vector<std::pair<const char*, TensorRole>> cases = {
      {"model.embed_tokens.weight", TensorRole::embedding},
      {"transformer.wte.weight", TensorRole::embedding},
      {"transformer.wpe.weight", TensorRole::position},
      {"gpt_neox.embed_in.weight", TensorRole::embedding},
      {"embed_out.weight", TensorRole::lm_head},
      {"lm_head.weight", TensorRole::lm_head},
      {"model.layers.3.self_attn.q_proj.weight", TensorRole::linear},
      {"model.layers.3.self_attn.q_proj.bias", TensorRole::bias},
      {"model.layers.3.self_attn.q_proj.qweight", TensorRole::linear},
      {"model.layers.3.input_layernorm.weight", TensorRole::norm},
      {"model.layers.3.self_attn.q_norm.weight", TensorRole::norm},
      {"transformer.word_embeddings_layernorm.weight", TensorRole::norm},
      {"transformer.h.0.ln_1.weight", TensorRole::norm},
      {"transformer.h.0.attn.c_attn.weight", TensorRole::linear},
      {"model.norm.weight", TensorRole::norm},
      {"model.layers.1.mlp.gate.weight", TensorRole::router},
      {"model.layers.1.mlp.experts.7.down_proj.weight", TensorRole::expert_linear},
      {"model.layers.1.mlp.shared_experts.down_proj.weight", TensorRole::linear},
      {"model.layers.1.mlp.experts.gate_up_proj_blocks", TensorRole::expert_linear},
      {"model.layers.1.mlp.router.weight", TensorRole::router},
      {"model.layers.1.mamba.A_log", TensorRole::other},
      {"token_embd.weight", TensorRole::embedding},
      {"output.weight", TensorRole::lm_head},
      {"output_norm.weight", TensorRole::norm},
      {"blk.0.attn_q.weight", TensorRole::linear},
      {"blk.0.attn_q.bias", TensorRole::bias},
      {"blk.0.attn_norm.weight", TensorRole::norm},
      {"blk.0.ffn_down.weight", TensorRole::linear},
      {"blk.0.ffn_gate_inp.weight", TensorRole::router},
      {"blk.0.ffn_up_exps.weight", TensorRole::expert_linear},
      {"blk.0.ffn_down_shexp.weight", TensorRole::linear},
      {"rope_freqs.weight", TensorRole::other},
  };
  for (const auto& [name, role] : cases) {
    INFO(name);
    CHECK(vramfit::tensor_role_name(vramfit::classify_tensor_name(name)) ==
          std::string(vramfit::tensor_role_name(role)));
  }
  CHECK(vramfit::is_quant_overhead("x.q_proj.qzeros"));
  CHECK(vramfit::is_quant_overhead("x.q_proj.weight_scale_inv"));
  CHECK_FALSE(vramfit::is_quant_overhead("x.q_proj.weight"));
  CHECK_FALSE(vramfit::is_quant_overhead("blk.0.attn_q.weight"));
}

// =================================================================== GGUF

TEST_CASE("checkpoint: gguf: the GGML type table matches methodology §4.4 and dtypes.json",
          "[checkpoint]") {
  auto bpw = [](uint32_t id) {
    const auto* t = vramfit::find_ggml_type(id);
    REQUIRE(t != nullptr);
    return 8.0 * static_cast<double>(t->type_size) / static_cast<double>(t->block_size);
  };
  CHECK(bpw(0) == 32);                           // F32
  CHECK(bpw(8) == 8.5);                          // Q8_0
  CHECK(bpw(12) == 4.5);                         // Q4_K
  CHECK(bpw(14) == 6.5625);                      // Q6_K
  CHECK(bpw(10) == 2.625);                       // Q2_K
  CHECK(bpw(23) == 4.25);                        // IQ4_XS
  CHECK(bpw(39) == 4.25);                        // MXFP4
  CHECK(bpw(40) == 4.5);                         // NVFP4
  CHECK(vramfit::find_ggml_type(4) == nullptr);  // removed Q4_2
  CHECK(vramfit::find_ggml_type(99) == nullptr);
  // The base bpw of the dtype table agrees (Q4_K_M's base type is Q4_K).
  const auto* q4km = vramfit::find_dtype("q4_k_m");
  REQUIRE(q4km != nullptr);
  CHECK(q4km->base_bits_per_weight == bpw(12));
  const auto* q8 = vramfit::find_dtype("q8_0");
  REQUIRE(q8 != nullptr);
  CHECK(q8->bits_per_weight == bpw(8));
}

TEST_CASE("checkpoint: gguf: a hand-written v3 llama header gives exact bytes and hyperparameters",
          "[checkpoint]") {
  const std::string file = llama_gguf(true);
  auto h = ck::parse_gguf_header(file);
  CHECK(h.version == 3);
  CHECK(h.architecture == "llama");
  CHECK(h.name == "tiny");
  CHECK(h.tensor_count == 21);  // 3 + 2 x 9
  CHECK(h.kv_count == 10);
  CHECK(h.hp.block_count == 2);
  CHECK(h.hp.embedding_length == 256);
  CHECK(h.hp.head_count == 4);
  CHECK(h.hp.head_count_kv == 2);
  CHECK(h.hp.feed_forward_length == 512);
  CHECK(h.hp.vocab_size == 1000);  // length of tokenizer.ggml.tokens
  CHECK(h.hp.rope_freq_base == 500000.0);
  CHECK(h.hp.file_type == 15);
  CHECK(h.array_lengths.at("tokenizer.ggml.tokens") == 1000);
  REQUIRE(h.tensors.size() == 21);
  CHECK(h.tensors[0].dtype == "Q4_K");
  CHECK(h.tensors[0].bytes == 144000);
  CHECK(h.tensors[0].shape == std::vector<int64_t>{256, 1000});
  // Tensor bytes: ends 144000 + 1024 + 210000 = 355024; per layer 1024 +
  // 36864 + 18432 + 26880 + 36864 + 1024 + 73728 + 73728 + 107520 = 376064,
  // x2 = 752128; sum 1,107,152. The data section pads each tensor to 32
  // bytes: only output.weight (210000 = 32 x 6562.5) needs it, +16.
  CHECK(h.data_bytes == 355024 + 752128 + 16);  // 1,107,168
  CHECK(h.data_offset % 32 == 0);
  CHECK(h.file_bytes() == static_cast<int64_t>(file.size()));

  auto s = ck::checkpoint_weight_bytes(h.tensors);
  CHECK(s.total_bytes == 1107152);
  CHECK(s.bytes_by_dtype.at("Q4_K") == 144000 + 2 * (36864 + 18432 + 36864 + 73728 + 73728));
  CHECK(s.bytes_by_dtype.at("Q6_K") == 210000 + 2 * (26880 + 107520));
  CHECK(s.bytes_by_dtype.at("F32") == 1024 * 5);
  CHECK(s.params_by_role.at("embedding") == 256000);
  CHECK(s.params_by_role.at("lm_head") == 256000);
  CHECK(s.params == s.stored_elements);  // GGUF counts logical values
}

TEST_CASE("checkpoint: gguf: the derived config parses and counts the same parameters",
          "[checkpoint]") {
  auto h = ck::parse_gguf_header(llama_gguf());
  json cfg = ck::gguf_to_config_json(h);
  CHECK(cfg["model_type"] == "llama");
  CHECK(cfg["hidden_size"] == 256);
  CHECK(cfg["num_key_value_heads"] == 2);
  CHECK(cfg["vocab_size"] == 1000);
  CHECK(cfg["tie_word_embeddings"] == false);
  auto spec = parse_config(cfg);
  auto pc = vramfit::count_params(spec);
  // 2 x 256000 (embed + head) + 256 + 2 x (2x256 + 65536 + 32768 + 32768 + 65536 + 3 x 131072)
  // = 512256 + 2 x 590336 = 1,692,928: exactly the sum of the GGUF shapes.
  CHECK(pc.total == 1692928);
  CHECK(ck::checkpoint_weight_bytes(h.tensors).params == pc.total);
}

TEST_CASE("checkpoint: gguf: MoE and per-layer arrays map to a qwen3_moe config", "[checkpoint]") {
  Gguf g;
  g.head(1, 10);
  g.kv_str("general.architecture", "qwen3moe");
  g.kv_u32("qwen3moe.block_count", 2);
  g.kv_u32("qwen3moe.embedding_length", 256);
  g.kv_i32_array("qwen3moe.attention.head_count", {4, 4});
  g.kv_i32_array("qwen3moe.attention.head_count_kv", {2, 1});  // max = 2
  g.kv_u32("qwen3moe.attention.key_length", 64);
  g.kv_u32("qwen3moe.expert_count", 8);
  g.kv_u32("qwen3moe.expert_used_count", 2);
  g.kv_u32("qwen3moe.expert_feed_forward_length", 128);
  g.kv_u32("qwen3moe.vocab_size", 512);
  g.tensor("token_embd.weight", {256, 512}, Q8_0, 0);
  auto h = ck::parse_gguf_header(g.b);
  CHECK(h.hp.head_count_kv == 2);
  CHECK(h.tensors[0].bytes == 256 * 512 / 32 * 34);  // 139264
  json cfg = ck::gguf_to_config_json(h);
  CHECK(cfg["model_type"] == "qwen3_moe");
  CHECK(cfg["num_experts"] == 8);
  CHECK(cfg["moe_intermediate_size"] == 128);
  CHECK(cfg["tie_word_embeddings"] == true);  // no output.weight
  auto spec = parse_config(cfg);
  CHECK(spec.moe.num_experts == 8);
}

TEST_CASE("checkpoint: gguf: every mapped architecture yields a config the parser accepts",
          "[checkpoint]") {
  for (const char* arch : {"llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3",
                           "phi3", "qwen2moe", "qwen3moe"}) {
    INFO(arch);
    const std::string a = arch;
    Gguf g;
    g.head(0, 12);
    g.kv_str("general.architecture", a);
    g.kv_u32(a + ".block_count", 4);
    g.kv_u32(a + ".embedding_length", 512);
    g.kv_u32(a + ".feed_forward_length", 1024);
    g.kv_u32(a + ".attention.head_count", 8);
    g.kv_u32(a + ".attention.head_count_kv", 2);
    g.kv_u32(a + ".attention.key_length", 64);
    g.kv_u32(a + ".context_length", 8192);
    g.kv_u32(a + ".expert_count", 4);
    g.kv_u32(a + ".expert_used_count", 2);
    g.kv_u32(a + ".expert_feed_forward_length", 256);
    g.kv_u32(a + ".vocab_size", 1024);
    json cfg = ck::gguf_to_config_json(ck::parse_gguf_header(g.b));
    ModelSpecCheck(cfg, a);
  }
}

TEST_CASE("checkpoint: gguf: config mapping refuses what it cannot describe", "[checkpoint]") {
  Gguf g;
  g.head(0, 1);
  g.kv_str("general.architecture", "rwkv7");
  expect_error([&] { ck::gguf_to_config_json(ck::parse_gguf_header(g.b)); },
               ErrorCode::unsupported_model, "gguf.metadata.general.architecture");
  Gguf n;
  n.head(0, 1);
  n.kv_str("general.architecture", "llama");
  expect_error([&] { ck::gguf_to_config_json(ck::parse_gguf_header(n.b)); },
               ErrorCode::missing_field, "gguf.metadata.llama.embedding_length");
  Gguf none;
  none.head(0, 0);
  expect_error([&] { ck::gguf_to_config_json(ck::parse_gguf_header(none.b)); },
               ErrorCode::missing_field, "gguf.metadata.general.architecture");
}

TEST_CASE("checkpoint: gguf: v2 files, alignment and odd tensor sizes", "[checkpoint]") {
  Gguf g;
  g.head(2, 1, 2);
  g.kv_u32("general.alignment", 64);
  g.tensor("a", {33}, F16, 0);     // 66 bytes, padded to 128
  g.tensor("b", {32}, Q4_0, 128);  // 18 bytes
  auto h = ck::parse_gguf_header(g.b);
  CHECK(h.version == 2);
  CHECK(h.alignment == 64);
  CHECK(h.tensors[0].bytes == 66);
  CHECK(h.tensors[1].offset_begin == 128);
  CHECK(h.data_bytes == 128 + 64);
  CHECK(h.data_offset % 64 == 0);
}

TEST_CASE("checkpoint: gguf: malformed and hostile headers are rejected with a field",
          "[checkpoint]") {
  auto parse = [](const std::string& b) { return [b] { ck::parse_gguf_header(b); }; };
  SECTION("bad magic") {
    expect_error(parse("GGUX" + std::string(20, '\0')), ErrorCode::invalid_request, "gguf.magic");
  }
  SECTION("version 1, version 4, big-endian") {
    Gguf a;
    a.head(0, 0, 1);
    expect_error(parse(a.b), ErrorCode::unknown_value, "gguf.version");
    Gguf b;
    b.head(0, 0, 4);
    expect_error(parse(b.b), ErrorCode::unknown_value, "gguf.version");
    Gguf c;
    c.head(0, 0, 0x03000000u);
    expect_error(parse(c.b), ErrorCode::unknown_value, "gguf.version");
  }
  SECTION("absurd tensor and kv counts") {
    Gguf a;
    a.head(uint64_t{1} << 40, 0);
    expect_error(parse(a.b), ErrorCode::too_large, "gguf.tensor_count");
    Gguf b;
    b.head(0, ~uint64_t{0});
    expect_error(parse(b.b), ErrorCode::too_large, "gguf.kv_count");
  }
  SECTION("a string length of 2^63") {
    Gguf a;
    a.head(0, 1);
    a.u64(uint64_t{1} << 63);
    expect_error(parse(a.b), ErrorCode::too_large, "gguf.metadata");
  }
  SECTION("an array of 2^62 strings") {
    Gguf a;
    a.head(0, 1);
    a.str("k");
    a.u32(9);
    a.u32(8);
    a.u64(uint64_t{1} << 62);
    expect_error(parse(a.b), ErrorCode::too_large, "gguf.metadata.k");
  }
  SECTION("an array of a million strings that are not there") {
    Gguf a;
    a.head(0, 1);
    a.str("k");
    a.u32(9);
    a.u32(8);
    a.u64(1000000);
    expect_error(parse(a.b), ErrorCode::invalid_request, "gguf.truncated");
  }
  SECTION("unknown value type, unknown array type, nested arrays") {
    Gguf a;
    a.head(0, 1);
    a.str("k");
    a.u32(13);
    a.u32(0);
    expect_error(parse(a.b), ErrorCode::unknown_value, "gguf.metadata.k");
    Gguf b;
    b.head(0, 1);
    b.str("k");
    b.u32(9);
    b.u32(77);
    b.u64(1);
    expect_error(parse(b.b), ErrorCode::unknown_value, "gguf.metadata.k");
    Gguf c;
    c.head(0, 1);
    c.str("k");
    c.u32(9);  // array of array of array
    for (int i = 0; i < 3; ++i) {
      c.u32(9);
      c.u64(1);
    }
    expect_error(parse(c.b), ErrorCode::too_large, "gguf.metadata.k");
  }
  SECTION("duplicate key, empty key") {
    Gguf a;
    a.head(0, 2);
    a.kv_u32("x", 1);
    a.kv_u32("x", 2);
    expect_error(parse(a.b), ErrorCode::inconsistent, "gguf.metadata.x");
    Gguf b;
    b.head(0, 1);
    b.kv_u32("", 1);
    expect_error(parse(b.b), ErrorCode::invalid_request, "gguf.metadata");
  }
  SECTION("alignment not a power of two, or of the wrong type") {
    Gguf a;
    a.head(0, 1);
    a.kv_u32("general.alignment", 48);
    expect_error(parse(a.b), ErrorCode::out_of_range, "gguf.metadata.general.alignment");
    Gguf b;
    b.head(0, 1);
    b.kv_str("general.alignment", "32");
    expect_error(parse(b.b), ErrorCode::wrong_type, "gguf.metadata.general.alignment");
  }
  SECTION("architecture not a string; hyperparameter not a number") {
    Gguf a;
    a.head(0, 1);
    a.kv_u32("general.architecture", 1);
    expect_error(parse(a.b), ErrorCode::wrong_type, "gguf.metadata.general.architecture");
    Gguf b;
    b.head(0, 2);
    b.kv_str("general.architecture", "llama");
    b.kv_str("llama.block_count", "many");
    expect_error(parse(b.b), ErrorCode::wrong_type, "gguf.metadata.llama.block_count");
  }
  SECTION("unknown GGML type") {
    Gguf a;
    a.head(1, 0);
    a.tensor("w", {32}, 99, 0);
    expect_error(parse(a.b), ErrorCode::unknown_value, "gguf.tensors.w.type");
  }
  SECTION("row length not a multiple of the block") {
    Gguf a;
    a.head(1, 0);
    a.tensor("w", {100, 4}, Q8_0, 0);
    expect_error(parse(a.b), ErrorCode::inconsistent, "gguf.tensors.w.dims");
  }
  SECTION("five dimensions, zero dimensions") {
    Gguf a;
    a.head(1, 0);
    a.tensor("w", {1, 1, 1, 1, 1}, F32, 0);
    expect_error(parse(a.b), ErrorCode::out_of_range, "gguf.tensors.w.n_dims");
    Gguf b;
    b.head(1, 0);
    b.tensor("w", {}, F32, 0);
    expect_error(parse(b.b), ErrorCode::out_of_range, "gguf.tensors.w.n_dims");
  }
  SECTION("negative or overflowing dims") {
    Gguf a;
    a.head(1, 0);
    a.tensor("w", {~uint64_t{0}}, F32, 0);
    expect_error(parse(a.b), ErrorCode::out_of_range, "gguf.tensors.w.dims");
    Gguf b;
    b.head(1, 0);
    b.tensor("w", {uint64_t{1} << 40, uint64_t{1} << 40}, F32, 0);
    expect_error(parse(b.b), ErrorCode::out_of_range, "gguf.tensors.w.dims");
  }
  SECTION("offsets out of order, misaligned, overlapping") {
    Gguf a;
    a.head(2, 0);
    a.tensor("a", {32}, F32, 0);
    a.tensor("b", {32}, F32, 64);
    expect_error(parse(a.b), ErrorCode::inconsistent, "gguf.tensors.b.offset");  // want 128
    Gguf b;
    b.head(1, 0);
    b.tensor("a", {32}, F32, 7);
    expect_error(parse(b.b), ErrorCode::inconsistent, "gguf.tensors.a.offset");
  }
  SECTION("duplicate tensor, empty or over-long name") {
    Gguf a;
    a.head(2, 0);
    a.tensor("a", {8}, F32, 0);
    a.tensor("a", {8}, F32, 32);
    expect_error(parse(a.b), ErrorCode::inconsistent, "gguf.tensors.a");
    Gguf b;
    b.head(1, 0);
    b.tensor("", {8}, F32, 0);
    expect_error(parse(b.b), ErrorCode::out_of_range, "gguf.tensors.");
    Gguf c;
    c.head(1, 0);
    c.tensor(std::string(64, 'x'), {8}, F32, 0);
    expect_error(parse(c.b), ErrorCode::out_of_range, "gguf.tensors." + std::string(64, 'x'));
  }
}

TEST_CASE("checkpoint: gguf: every truncation says how many bytes to fetch; mutations never crash",
          "[checkpoint]") {
  const std::string file = llama_gguf();  // header only
  for (size_t len = 0; len < file.size(); len += (len < 64 ? 1 : 97)) {
    INFO("prefix length " << len);
    const auto r = vramfit::parse_gguf_header(file.substr(0, len));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().need_bytes() > len);
    CHECK(r.error().need_bytes() <= file.size());
  }
  // Growing the prefix to need_bytes() repeatedly converges on the full header.
  std::string got = file.substr(0, 16);
  for (int i = 0; i < 10000; ++i) {
    const auto r = vramfit::parse_gguf_header(got);
    if (r.ok()) break;
    REQUIRE(r.error().need_bytes() > 0);
    got = file.substr(0, static_cast<size_t>(r.error().need_bytes()));
  }
  CHECK(got.size() == file.size());

  std::mt19937 rng(7);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string m = file;
    for (int k = 0; k < 4; ++k) m[rng() % m.size()] = static_cast<char>(rng() & 0xFF);
    const auto h = vramfit::parse_gguf_header(m);
    if (h.ok())
      CHECK(vramfit::checkpoint_weight_bytes(h.value().tensors).ok());
    else
      ++rejected;
  }
  CHECK(rejected > 0);
}

TEST_CASE("checkpoint: JSON facade for front ends never throws", "[checkpoint]") {
  const std::string st = st_file(tiny_header(), 176);
  json a = json::parse(vramfit::checkpoint_header_json("safetensors", st));
  CHECK(a["summary"]["total_bytes"] == 176);
  CHECK(a["metadata"]["format"] == "pt");
  json b = json::parse(vramfit::checkpoint_header_json("safetensors", st.substr(0, 20)));
  CHECK(b["need_bytes"] == 8 + ck::safetensors_header_length(st));
  json c = json::parse(vramfit::checkpoint_header_json("gguf", llama_gguf()));
  CHECK(c["architecture"] == "llama");
  CHECK(c["config"]["hidden_size"] == 256);
  CHECK(c["summary"]["params"] == 1692928);
  json d = json::parse(vramfit::checkpoint_header_json("gguf", "GGUX...."));
  CHECK(d["error"]["field"] == "gguf.magic");
  json e = json::parse(vramfit::checkpoint_header_json("pickle", ""));
  CHECK(e["error"]["code"] == "unknown_value");
  // Invalid UTF-8 in a tensor name must not break the JSON output.
  Gguf g;
  g.head(1, 0);
  g.tensor("w\xff\xfe", {32}, F32, 0);
  json f = json::parse(vramfit::checkpoint_header_json("gguf", g.b));
  CHECK(f["tensors"] == 1);
}

// ------------------------------------------------------ Hub file selection

TEST_CASE("hub plan: weights picked like transformers, then mistral, then any top-level set",
          "[checkpoint][plan]") {
  using ck::plan_checkpoint;
  auto st = [](std::vector<std::string> files) {
    const auto p = plan_checkpoint(&files);
    REQUIRE(p.safetensors.size() <= 1);
    if (p.safetensors.empty()) return std::string("none");
    const auto& s = p.safetensors[0];
    std::string out = s.index.empty() ? "files:" : "index:" + s.index;
    for (const auto& f : s.files) out += f + ",";
    return out;
  };
  CHECK(st({"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
            "consolidated.safetensors"}) == "index:model.safetensors.index.json");
  CHECK(st({"params.json", "consolidated.safetensors", "original/x.safetensors"}) ==
        "files:consolidated.safetensors,");
  CHECK(st({"config.json", "adapter_model.safetensors"}) == "files:adapter_model.safetensors,");
  CHECK(st({"config.json", "diffusion_pytorch_model.safetensors.index.json", "a.safetensors"}) ==
        "index:diffusion_pytorch_model.safetensors.index.json");
  CHECK(st({"config.json", "original/consolidated.00.pth", "sub/model.safetensors"}) == "none");
}

TEST_CASE("hub plan: config file, params.json fallback, GGUF-only repos", "[checkpoint][plan]") {
  using ck::plan_checkpoint;
  std::vector<std::string> mistral = {"params.json", "consolidated.safetensors", "tekken.json"};
  auto p = plan_checkpoint(&mistral);
  CHECK(p.config_files == std::vector<std::string>{"params.json"});
  CHECK(p.problem.empty());
  CHECK(p.gguf_file.empty());

  std::vector<std::string> gguf = {"README.md", "m-F16.gguf", "m-Q8_0.gguf", "m-Q4_K_M.gguf"};
  p = plan_checkpoint(&gguf);
  CHECK(p.config_files.empty());  // the config comes from the GGUF header
  CHECK(p.gguf_file == "m-Q4_K_M.gguf");
  CHECK(p.gguf_files == std::vector<std::string>{"m-F16.gguf", "m-Q4_K_M.gguf", "m-Q8_0.gguf"});
  CHECK(p.safetensors.empty());

  std::vector<std::string> nothing = {"README.md"};
  CHECK(plan_checkpoint(&nothing).problem == "no_config");

  // No listing: the usual names in order.
  p = plan_checkpoint(nullptr);
  CHECK(p.config_files == std::vector<std::string>{"config.json", "params.json"});
  REQUIRE(p.safetensors.size() == 3);
  CHECK(p.safetensors[0].index == "model.safetensors.index.json");
  CHECK(p.safetensors[2].files == std::vector<std::string>{"consolidated.safetensors"});
  p = plan_checkpoint(nullptr, "x-Q8_0.gguf");
  CHECK(p.config_files.empty());
  CHECK(p.gguf_parts == std::vector<std::string>{"x-Q8_0.gguf"});

  for (const char* bad : {"../x.gguf", "/abs.gguf", "x.bin", "a\\b.gguf", ".gguf"}) {
    const auto r = vramfit::plan_checkpoint(nullptr, bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field() == "gguf_file");
  }
}

TEST_CASE("hub plan: split GGUF files are read part by part", "[checkpoint][plan]") {
  using vramfit::gguf_parts;
  CHECK_FALSE(vramfit::is_later_gguf_part("m-Q4_K_M-00001-of-00003.gguf"));
  CHECK(vramfit::is_later_gguf_part("m-Q4_K_M-00002-of-00003.gguf"));
  CHECK_FALSE(vramfit::is_later_gguf_part("m-Q4_K_M.gguf"));
  CHECK(gguf_parts("m-Q4_K_M.gguf") == std::vector<std::string>{"m-Q4_K_M.gguf"});
  CHECK(gguf_parts("Q4_K_M/m-Q4_K_M-00001-of-00003.gguf") ==
        std::vector<std::string>{"Q4_K_M/m-Q4_K_M-00001-of-00003.gguf",
                                 "Q4_K_M/m-Q4_K_M-00002-of-00003.gguf",
                                 "Q4_K_M/m-Q4_K_M-00003-of-00003.gguf"});
  CHECK(gguf_parts("m-00001-of-00000.gguf") == std::vector<std::string>{"m-00001-of-00000.gguf"});

  std::vector<std::string> files = {"m-Q4_K_M-00001-of-00002.gguf", "m-Q4_K_M-00002-of-00002.gguf",
                                    "m-Q8_0.gguf"};
  auto p = ck::plan_checkpoint(&files);
  CHECK(p.gguf_files == std::vector<std::string>{"m-Q4_K_M-00001-of-00002.gguf", "m-Q8_0.gguf"});
  CHECK(p.gguf_parts.size() == 2);
  CHECK(p.problem.empty());
  files.pop_back();
  files.erase(files.begin() + 1);
  CHECK(ck::plan_checkpoint(&files).problem == "gguf_file_missing");
}

TEST_CASE("hub plan: packed bits, summed shards, why headers and config differ",
          "[checkpoint][plan]") {
  CHECK(vramfit::packed_bits_from_config(json::parse(R"({"quantization_config":{"bits":3}})")) ==
        3);
  CHECK(vramfit::packed_bits_from_config(json::parse(R"({"quantization_config":{"w_bit":8}})")) ==
        8);
  CHECK(vramfit::packed_bits_from_config(
            json::parse(R"({"text_config":{"quantization_config":{"bits":2}}})")) == 2);
  CHECK(vramfit::packed_bits_from_config(json::parse(R"({"quantization_config":{"bits":5}})")) ==
        4);
  CHECK(vramfit::packed_bits_from_config(json::parse("{}")) == 4);

  vramfit::CheckpointSummary a, b;
  a.tensors = 2, a.total_bytes = 28, a.params = 10, a.bytes_by_dtype = {{"BF16", 12}, {"F32", 16}};
  b.tensors = 1, b.total_bytes = 8, b.params = 8, b.bytes_by_dtype = {{"I8", 8}, {"F32", 1}};
  const auto s = vramfit::merge_checkpoint_summaries({a, b});
  CHECK(s.tensors == 3);
  CHECK(s.total_bytes == 36);
  CHECK(s.bytes_by_dtype.at("F32") == 17);
  CHECK(vramfit::compare_checkpoint(s, 18).reason == "equal");
  CHECK(vramfit::compare_checkpoint(s, 10).reason == "files_store_more");
  CHECK(vramfit::compare_checkpoint(s, 20).difference == -2);
  CHECK(vramfit::compare_checkpoint(s, 20).reason == "config_counts_more");
}

TEST_CASE("hub plan: JSON facade", "[checkpoint][plan]") {
  json p = json::parse(vramfit::checkpoint_plan_json(
      R"({"files":["config.json","model.safetensors"],"config":{"quantization_config":{"bits":8}}})"));
  CHECK(p["config_files"] == json::array({"config.json"}));
  CHECK(p["safetensors"][0]["files"] == json::array({"model.safetensors"}));
  CHECK(p["problem"].is_null());
  CHECK(p["packed_bits"] == 8);
  CHECK(p["limits"]["gguf_header_bytes"] == 64 << 20);
  CHECK_FALSE(p.contains("summary"));

  const std::string st = st_file(tiny_header(), 176);
  json h = json::parse(vramfit::checkpoint_header_json("safetensors", st));
  json in = {{"summaries", {h["summary"], h["summary"]}},
             {"index_total_size", 352},
             {"params", {{"total", 2 * h["summary"]["params"].get<int64_t>()}, {"towers", 0}}}};
  json m = json::parse(vramfit::checkpoint_plan_json(in.dump()));
  CHECK(m["summary"]["total_bytes"] == 352);
  CHECK(m["index_total_size_matches"] == true);
  CHECK(m["comparison"]["reason"] == "equal");

  json ix = json::parse(vramfit::checkpoint_plan_json(
      R"({"index":{"metadata":{"total_size":36},"weight_map":{"a":"m-2.safetensors","b":"m-1.safetensors"}}})"));
  CHECK(ix["index"]["shards"] == json::array({"m-1.safetensors", "m-2.safetensors"}));
  CHECK(ix["index"]["total_size"] == 36);
  CHECK(json::parse(
            vramfit::checkpoint_plan_json(R"({"index":{"weight_map":{"a":"../x.safetensors"}}})"))
            .contains("error"));
  CHECK(json::parse(vramfit::checkpoint_plan_json(
            R"({"gguf_file":"../x.gguf"})"))["error"]["field"] == "gguf_file");
  CHECK(json::parse(vramfit::checkpoint_plan_json("[1]"))["error"]["code"] == "wrong_type");
  CHECK(json::parse(vramfit::checkpoint_plan_json("{"))["error"]["code"] == "invalid_json");
}

TEST_CASE("hub plan: the JSON facade answers JSON for hostile input", "[checkpoint][plan]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& in :
       {std::string(""), std::string("null"), deep, std::string(R"({"files":"x"})"),
        std::string(R"({"files":[1]})"), std::string(R"({"summaries":[{"total_bytes":-1}]})"),
        std::string(R"({"summaries":[{"bytes_by_dtype":{"F16":1e300}}]})"),
        std::string(R"({"summaries":{}})"), std::string(R"({"summaries":[],"params":[]})"),
        std::string(R"({"index":{"weight_map":[]}})"), std::string(R"({"gguf_file":7})"),
        std::string(R"({"files":["a-99999-of-99999.gguf"]})")}) {
    const json out = json::parse(vramfit::checkpoint_plan_json(in));
    INFO(in.substr(0, 60));
    CHECK(out.is_object());
    if (out.contains("error")) CHECK(out["error"]["code"].is_string());
  }
  // Parts beyond 999 are not expanded: the file stands alone.
  CHECK(vramfit::gguf_parts("a-00001-of-99999.gguf").size() == 1);
}
