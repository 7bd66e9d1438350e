// GPU catalogue and dtype table: the embedded data parses, is internally
// consistent, carries the measured values of methodology §12, and a
// malformed data file is rejected with a field path instead of ignored.
#include "vramfit/catalog.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "catalog/embedded.h"
#include "test_config.h"
#include "vramfit/error.h"
#include "vramfit/stacks.h"

using vramfit::DType;
using vramfit::DTypeKind;
using vramfit::ErrorCode;
using vramfit::Gpu;
using json = nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const Gpu& gpu(const std::string& key) {
  const Gpu* g = vramfit::find_gpu(key);
  INFO("GPU lookup: " << key);
  REQUIRE(g != nullptr);
  return *g;
}

const DType& dtype(const std::string& key) {
  const DType* d = vramfit::find_dtype(key);
  INFO("dtype lookup: " << key);
  REQUIRE(d != nullptr);
  return *d;
}

// Runs `parse` and returns the code of the error it returns (fails if it
// returns a value).
template <typename F>
ErrorCode error_of(F parse) {
  const auto r = parse();
  if (!r.ok()) {
    INFO(r.error().what());
    CHECK_FALSE(r.error().field().empty());  // every data error names its field
    return r.error().code();
  }
  FAIL("malformed data was accepted");
  return ErrorCode::internal;
}

// A minimal valid gpus.json record, mutated by the malformed-data tests.
json valid_gpu() {
  return json::parse(R"j({
    "id": "test-gpu-24g", "name": "Test GPU", "vendor": "nvidia",
    "aliases": ["tg"], "memory_mib": 24564,
    "memory_source": "measured: unit test", "nominal_gb": 24,
    "bandwidth_gbps": 1000, "bf16_tflops": 100, "fp16_tflops": 100,
    "fp8": true, "fp4": false, "arch": "Ada (8.9)", "form_factor": "pcie",
    "unified_memory": false, "year": 2022, "source": "unit test"})j");
}

// A catalogue data file as written in core/data, citations included.
json data_file(const std::string& name) {
  std::ifstream in(std::string(VRAMFIT_CATALOG_DATA_DIR) + "/" + name);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The same without its citations and remarks: what core/cmake/embed_data.cmake
// should embed (written here as a tree walk, not a regex).
// An engine file's prose members go too: "release", "meaning" and
// "*_source".
json without_citations(const json& j, bool engine = false) {
  if (j.is_array()) {
    json out = json::array();
    for (const json& v : j) out.push_back(without_citations(v, engine));
    return out;
  }
  if (!j.is_object()) return j;
  json out = json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const bool suffix = k.size() > 7 && k.compare(k.size() - 7, 7, "_source") == 0;
    const bool prose = engine && (k == "release" || k == "meaning" || suffix);
    const bool citation = k == "source" || k == "note" || k == "_comment" || prose;
    if (k == "memory_source" && it.value().is_string()) {
      // Only its first word: "measured: " or "nominal: ".
      const std::string v = it.value();
      out[k] = v.substr(0, v.find(':') + 2);
    } else if (!(citation && it.value().is_string())) {
      out[k] = without_citations(it.value(), engine);
    }
  }
  return out;
}

// The record with this id in a data file's array.
json record(const json& file, const char* array, const std::string& id) {
  for (const json& r : file.at(array))
    if (r.at("id") == id) return r;
  FAIL("no record " << id);
  return json();
}

std::string gpus_file(const json& record) {
  return json{{"schema", 1}, {"gpus", json::array({record})}}.dump();
}

json valid_dtype() {
  return json::parse(R"({"id": "q9_x", "label": "Q9", "kind": "gguf",
    "bits_per_weight": 9, "block_size": 32, "kv_cache": false,
    "source": "unit test"})");
}

std::string dtypes_file(const json& record) {
  return json{{"schema", 1}, {"dtypes", json::array({record})}}.dump();
}

}  // namespace

// ---------------------------------------------------------------- GPUs

TEST_CASE("catalog: embedded gpus.json has schema 1 and at least 45 GPUs", "[catalog]") {
  const auto* f = vramfit::find_embedded("gpus.json");
  REQUIRE(f != nullptr);
  json root = json::parse(std::string(f->data, f->size));
  CHECK(root.at("schema") == 1);
  CHECK(vramfit::gpu_catalog().size() >= 45);
  CHECK(vramfit::gpu_catalog().size() == root.at("gpus").size());
}

TEST_CASE("catalog: the embedded files are the data files without citations or remarks",
          "[catalog]") {
  for (const char* name :
       {"gpus.json", "dtypes.json", "stacks.json", "engines/vllm.json", "engines/llama_cpp.json",
        "engines/sglang.json", "engines/ollama.json"}) {
    INFO(name);
    const auto* f = vramfit::find_embedded(name);
    REQUIRE(f != nullptr);
    const std::string text(f->data, f->size);
    const bool engine = std::string(name).rfind("engines/", 0) == 0;
    CHECK(json::parse(text) == without_citations(data_file(name), engine));
    CHECK(text.find("\"source\"") == std::string::npos);
  }
}

TEST_CASE("catalog data: every GPU, dtype and stack default cites its source", "[catalog]") {
  const json gpus = data_file("gpus.json");
  REQUIRE(gpus.at("gpus").size() == vramfit::gpu_catalog().size());
  for (const json& g : gpus.at("gpus")) {
    INFO(g.at("id"));
    CHECK_FALSE(g.at("source").get<std::string>().empty());
  }
  const json dtypes = data_file("dtypes.json");
  for (const json& d : dtypes.at("dtypes")) {
    INFO(d.at("id"));
    CHECK_FALSE(d.at("source").get<std::string>().empty());
  }
  int defaults = 0;
  const json stacks = data_file("stacks.json");
  for (const json& s : stacks.at("stacks")) {
    for (const json& v : s.at("versions")) {
      if (!v.contains("defaults")) continue;
      for (const json& d : v.at("defaults")) {
        INFO(s.at("id") << " " << v.at("id") << " " << d.at("field"));
        CHECK_FALSE(d.at("source").get<std::string>().empty());
        ++defaults;
      }
    }
  }
  CHECK(defaults > 20);
}

TEST_CASE("catalog: GPU ids, names and aliases are unique ignoring case", "[catalog]") {
  std::set<std::string> seen;
  for (const Gpu& g : vramfit::gpu_catalog()) {
    std::set<std::string> own = {lower(g.id), lower(g.name)};
    for (const auto& a : g.aliases) own.insert(lower(a));
    for (const auto& key : own) {
      INFO(g.id << ": " << key);
      CHECK(seen.insert(key).second);
    }
  }
}

TEST_CASE("catalog: every GPU has positive sizes and a memory provenance", "[catalog]") {
  for (const Gpu& g : vramfit::gpu_catalog()) {
    INFO(g.id);
    CHECK(g.memory_mib > 0);
    CHECK(g.memory_bytes == g.memory_mib * 1048576);
    CHECK(g.nominal_gb > 0);
    CHECK(g.bandwidth_gbps > 0);
    CHECK_FALSE(g.name.empty());
    CHECK_FALSE(g.arch.empty());
    bool measured = g.memory_source.rfind("measured: ", 0) == 0;
    bool nominal = g.memory_source.rfind("nominal: ", 0) == 0;
    CHECK((measured || nominal));
    CHECK(g.memory_measured == measured);
    // A resolvable id is what requests store.
    CHECK(vramfit::find_gpu(g.id) == &g);
  }
}

TEST_CASE("catalog: measured driver totals match methodology §12", "[catalog]") {
  // Methodology §10.1/§12: nvidia-smi "Total" for H100 80GB HBM3.
  const Gpu& h100 = gpu("h100-sxm-80g");
  CHECK(h100.memory_mib == 81559);
  CHECK(h100.memory_bytes == int64_t{81559} << 20);
  CHECK(h100.memory_measured);
  // Methodology §12: A100 80GB reports the full binary 80 GiB.
  CHECK(gpu("a100-sxm-80g").memory_mib == 81920);
  CHECK(gpu("a100-pcie-80g").memory_mib == 81920);
  // Methodology §10.1/§12: GeForce RTX 4090.
  CHECK(gpu("rtx-4090-24g").memory_mib == 24564);
  // Methodology §10.1/§12: L4 ships with ECC on (22.49 GiB).
  CHECK(gpu("l4-24g").memory_mib == 23034);
  // Methodology §10.1: T4 and A10 with ECC on lose 1/16.
  CHECK(gpu("t4").memory_mib == 15360);
  CHECK(gpu("a10").memory_mib == 23028);
  // Methodology §12: MI300X from rocm-smi, 205,822,885,888 bytes.
  CHECK(gpu("mi300x").memory_bytes == 205822885888);
  for (const char* id : {"h100-sxm-80g", "a100-sxm-80g", "rtx-4090-24g", "l4-24g"}) {
    INFO(id);
    CHECK(gpu(id).memory_measured);
  }
}

TEST_CASE("catalog: GPU lookup accepts ids, aliases, names and nvidia-smi names", "[catalog]") {
  CHECK(gpu("4090").id == "rtx-4090-24g");
  CHECK(gpu("H100").id == "h100-sxm-80g");
  CHECK(gpu("a100").id == "a100-sxm-80g");
  CHECK(gpu("3090").id == "rtx-3090-24g");
  CHECK(gpu("RTX 4090").id == "rtx-4090-24g");
  CHECK(gpu("rtx-4090").id == "rtx-4090-24g");
  CHECK(gpu("H100-SXM-80G").id == "h100-sxm-80g");
  CHECK(gpu("NVIDIA GeForce RTX 4090").id == "rtx-4090-24g");
  CHECK(gpu("NVIDIA H100 80GB HBM3").id == "h100-sxm-80g");
  CHECK(gpu("NVIDIA A100-SXM4-40GB").id == "a100-sxm-40g");
  CHECK(gpu("AMD Instinct MI300X").id == "mi300x-192g");
  CHECK(gpu("Apple M2 Max").id == "apple-m2-max-64g");
  CHECK(vramfit::find_gpu("rtx 9999") == nullptr);
  CHECK(vramfit::find_gpu("") == nullptr);
  CHECK(vramfit::find_gpu("nvidia") == nullptr);
}

TEST_CASE("catalog: catalogue covers the GPU families users ask about", "[catalog]") {
  for (const char* key : {"2060",
                          "2080 ti",
                          "3060",
                          "3090 ti",
                          "4060",
                          "4090",
                          "5060 ti",
                          "5090",
                          "a4000",
                          "a5000",
                          "a6000",
                          "6000 ada",
                          "pro 6000",
                          "t4",
                          "v100",
                          "v100 32gb",
                          "a10",
                          "a10g",
                          "a40",
                          "l4",
                          "l40s",
                          "a100 40gb",
                          "A100-PCIE-40GB",
                          "a100-pcie-80g",
                          "h100 pcie",
                          "h100 nvl",
                          "h200",
                          "gh200",
                          "b200",
                          "b300",
                          "gb200",
                          "mi250x",
                          "mi300x",
                          "mi325x",
                          "mi355x",
                          "gaudi2",
                          "gaudi3",
                          "m2 max",
                          "m2 ultra",
                          "m3 max",
                          "m3 ultra",
                          "m4 max"}) {
    INFO(key);
    CHECK(vramfit::find_gpu(key) != nullptr);
  }
}

TEST_CASE("catalog: Apple entries are unified memory below their RAM size", "[catalog]") {
  int apple = 0;
  const json gpus = data_file("gpus.json");
  for (const Gpu& g : vramfit::gpu_catalog()) {
    if (g.vendor != "apple") continue;
    ++apple;
    INFO(g.id);
    CHECK(g.unified_memory);
    CHECK(g.form_factor == "soc");
    CHECK(g.memory_mib < g.nominal_gb * 1024);  // Metal working set < RAM
    const std::string note = record(gpus, "gpus", g.id).at("note");
    CHECK(note.find("recommendedMaxWorkingSetSize") != std::string::npos);
  }
  CHECK(apple >= 4);
  // Methodology §10.1: 51,539.61 MB = 48 GiB on a 64 GB M2 Max.
  CHECK(gpu("apple-m2-max-64g").memory_mib == 48 * 1024);
}

TEST_CASE("catalog: malformed gpus.json is rejected with the field path", "[catalog]") {
  using vramfit::parse_gpu_catalog;
  REQUIRE(parse_gpu_catalog(gpus_file(valid_gpu())).value().size() == 1);

  CHECK(error_of([] { return parse_gpu_catalog("{\"schema\": 1, \"gpus\": ["); }) ==
        ErrorCode::invalid_json);
  CHECK(error_of([] { return parse_gpu_catalog(R"({"schema": 2, "gpus": []})"); }) ==
        ErrorCode::out_of_range);
  CHECK(error_of([] { return parse_gpu_catalog(R"({"schema": 1, "gpus": []})"); }) ==
        ErrorCode::inconsistent);

  json r = valid_gpu();
  r.erase("memory_mib");
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::missing_field);
  r = valid_gpu();
  r.erase("bf16_tflops");  // "no BF16" must be an explicit null
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::missing_field);
  r = valid_gpu();
  r["memory_mb"] = 1;  // a typo'd key must not be silently ignored
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);
  r = valid_gpu();
  r["memory_mib"] = "24564";
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::wrong_type);
  r = valid_gpu();
  r["memory_mib"] = 24;  // GiB typed as MiB
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::out_of_range);
  r = valid_gpu();
  r["memory_mib"] = 30000;  // above the 24 GB nominal size
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);
  r = valid_gpu();
  r["memory_source"] = "nvidia-smi";  // provenance must say measured/nominal
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);
  r = valid_gpu();
  r["vendor"] = "NVIDIA";
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::unknown_value);
  r = valid_gpu();
  r["id"] = "Test GPU 24G";
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);
  r = valid_gpu();
  r["pcie_gen"] = 4;  // a generation without its lane count
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);
  r = valid_gpu();
  r["pcie_gen"] = 2;
  r["pcie_lanes"] = 16;
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::out_of_range);
  r = valid_gpu();
  r["peer_gbps"] = 600;  // a bandwidth without the link it belongs to
  CHECK(error_of([&] { return parse_gpu_catalog(gpus_file(r)); }) == ErrorCode::inconsistent);

  json twin = valid_gpu();
  twin["id"] = "test-gpu-2";
  twin["name"] = "Test GPU 2";
  twin["aliases"] = {"TG"};  // collides with the first record's "tg"
  std::string two = json{{"schema", 1}, {"gpus", json::array({valid_gpu(), twin})}}.dump();
  CHECK(error_of([&] { return parse_gpu_catalog(two); }) == ErrorCode::inconsistent);
}

// PCIe per-lane rates after line coding: 8 GT/s x 128/130 / 8 bits =
// 0.985 GB/s (3.0), 16 GT/s -> 1.969 (4.0), 32 GT/s -> 3.938 (5.0).
TEST_CASE("catalog: host-link bandwidth is lanes x the generation's lane rate", "[catalog]") {
  json r = valid_gpu();
  r["pcie_gen"] = 4;
  r["pcie_lanes"] = 16;
  const Gpu g4 = vramfit::parse_gpu_catalog(gpus_file(r)).value().at(0);
  CHECK(vramfit::pcie_gbps(g4) == Approx(16 * 16.0 * 128 / 130 / 8).epsilon(1e-3));
  r["pcie_gen"] = 5;
  r["pcie_lanes"] = 8;
  const Gpu g5 = vramfit::parse_gpu_catalog(gpus_file(r)).value().at(0);
  CHECK(vramfit::pcie_gbps(g5) == Approx(8 * 32.0 * 128 / 130 / 8).epsilon(1e-3));
  CHECK(vramfit::pcie_gbps(vramfit::parse_gpu_catalog(gpus_file(valid_gpu())).value().at(0)) == 0);
}

// Every discrete card (pcie / sxm / oam) names its host link. Known
// exceptions, where no primary source states it per GPU (methodology §12):
// A10G (AWS-only part, no NVIDIA datasheet) and B200 / B300 (NVIDIA's HGX and
// DGX datasheets give the NVLink but no per-GPU PCIe figure). SoCs and
// superchips (host link NVLink-C2C) carry none.
TEST_CASE("catalog: every discrete GPU lists its host link, SoCs and superchips none",
          "[catalog]") {
  const std::set<std::string> unsourced = {"a10g-24g", "b200-180g", "b300-288g"};
  const json data = data_file("gpus.json");
  for (const Gpu& g : vramfit::gpu_catalog()) {
    INFO(g.id);
    const std::string source = record(data, "gpus", g.id).at("source");
    const bool discrete =
        g.form_factor == "pcie" || g.form_factor == "sxm" || g.form_factor == "oam";
    if (discrete && unsourced.count(g.id) == 0) {
      CHECK(g.pcie_gen >= 3);
      CHECK(g.pcie_lanes > 0);
      CHECK(vramfit::pcie_gbps(g) > 0);
    } else {
      CHECK(g.pcie_gen == 0);
      CHECK(g.pcie_lanes == 0);
    }
    if (g.peer_gbps > 0) {
      CHECK(source.find("peer link") != std::string::npos);
    }
    if (g.pcie_gen > 0) CHECK(source.find("host link") != std::string::npos);
  }
  for (const std::string& id : unsourced) CHECK(vramfit::find_gpu(id) != nullptr);
}

// Hand-checked against the datasheets: NVIDIA H100 datasheet (H100 SXM:
// "NVLink 900GB/s, PCIe Gen5 128GB/s" = x16 at 2 x 64 GB/s), GeForce RTX 40
// pages (RTX 4090: PCIe 4.0 x16, no NVLink on Ada), AMD MI300X datasheet
// (7 Infinity Fabric links x 128 GB/s = 896 GB/s), NVIDIA A100 datasheet
// (PCIe: NVLink bridge 600 GB/s, PCIe Gen4), GA102 whitepaper (RTX 3090:
// four x4 links x 14.0625 GB/s x 2 directions = 112.5 GB/s).
TEST_CASE("catalog: host and peer links match the datasheets", "[catalog]") {
  const Gpu& h100 = gpu("h100-sxm-80g");
  CHECK(h100.pcie_gen == 5);
  CHECK(h100.pcie_lanes == 16);
  CHECK(h100.peer_link == "NVLink 4");
  CHECK(h100.peer_gbps == 900);
  CHECK(vramfit::pcie_gbps(h100) == Approx(128.0 / 2).epsilon(0.02));

  const Gpu& rtx4090 = gpu("rtx-4090-24g");
  CHECK(rtx4090.pcie_gen == 4);
  CHECK(rtx4090.pcie_lanes == 16);
  CHECK(rtx4090.peer_link.empty());
  CHECK(rtx4090.peer_gbps == 0);

  const Gpu& mi300x = gpu("mi300x-192g");
  CHECK(mi300x.pcie_gen == 5);
  CHECK(mi300x.pcie_lanes == 16);
  CHECK(mi300x.peer_link == "Infinity Fabric");
  CHECK(mi300x.peer_gbps == 7 * 128);

  const Gpu& a100 = gpu("a100-pcie-80g");
  CHECK(a100.pcie_gen == 4);
  CHECK(a100.peer_link == "NVLink bridge");
  CHECK(a100.peer_gbps == 600);

  CHECK(gpu("rtx-3090-24g").peer_gbps == Approx(4 * 14.0625 * 2));
  CHECK(gpu("rtx-4060-ti-16g").pcie_lanes == 8);
  CHECK(gpu("gh200-96g").pcie_gen == 0);  // host link is NVLink-C2C
  CHECK(gpu("b200-180g").peer_gbps == 1800);
  CHECK(gpu("apple-m4-max-128g").pcie_gen == 0);
  CHECK(gpu("apple-m4-max-128g").peer_gbps == 0);
}

// ---------------------------------------------------------------- dtypes

TEST_CASE("catalog: dtype table holds every id the request schema accepts", "[catalog]") {
  const auto* f = vramfit::find_embedded("dtypes.json");
  REQUIRE(f != nullptr);
  CHECK(json::parse(std::string(f->data, f->size)).at("schema") == 1);
  for (const char* id :
       {"fp32", "fp16", "bf16", "fp8", "int8", "nf4", "fp4", "int4", "gptq_int4", "awq_int4",
        "mxfp4", "nvfp4", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k"}) {
    INFO(id);
    CHECK(dtype(id).id == id);
  }
}

TEST_CASE("catalog: dtype records are consistent and unique", "[catalog]") {
  std::set<std::string> seen;
  for (const DType& d : vramfit::dtype_table()) {
    INFO(d.id);
    CHECK(d.bits_per_weight > 0);
    CHECK(d.bytes_per_weight == d.bits_per_weight / 8);
    CHECK(d.base_bits_per_weight > 0);
    CHECK_FALSE(d.label.empty());
    CHECK(vramfit::find_dtype(d.id) == &d);
    CHECK(seen.insert(lower(d.id)).second);
    for (const auto& a : d.aliases) {
      if (lower(a) != lower(d.id)) CHECK(seen.insert(lower(a)).second);
    }
  }
}

TEST_CASE("catalog: plain dtypes have their IEEE widths (methodology §4.1)", "[catalog]") {
  CHECK(dtype("fp32").bits_per_weight == 32);
  CHECK(dtype("fp16").bits_per_weight == 16);
  CHECK(dtype("bf16").bits_per_weight == 16);
  CHECK(dtype("fp8").bits_per_weight == 8);
  CHECK(dtype("int8").bits_per_weight == 8);
  CHECK(dtype("int4").bits_per_weight == 4);
  CHECK(dtype("bf16").bytes_per_weight == 2);
}

TEST_CASE("catalog: nf4 with double quantisation costs 0.515869140625 B/param (§4.2)",
          "[catalog]") {
  // Hand derivation, per weight, bitsandbytes block size 64:
  //   4-bit code                                  4
  //   + 8-bit absmax per 64-weight block          8 / 64        = 0.125
  //   + fp32 scale per 256 absmax blocks          32 / (64*256) = 0.001953125
  //   = 4.126953125 bits = 0.515869140625 bytes (exact in binary)
  const double bits = 4.0 + 8.0 / 64 + 32.0 / (64 * 256);
  CHECK(bits == 0.515869140625 * 8);
  const DType& nf4 = dtype("nf4");
  CHECK(nf4.bits_per_weight == bits);
  CHECK(nf4.bytes_per_weight == 0.515869140625);
  CHECK(nf4.block_size == 64);
  CHECK(nf4.kind == DTypeKind::bnb);
  CHECK(dtype("fp4").bits_per_weight == bits);  // same storage, other codebook
}

TEST_CASE("catalog: group-wise and micro-scaled formats include their scales", "[catalog]") {
  // GPTQ/AWQ (§4.3): q + (q + 16)/g with q = 4, g = 128.
  CHECK(dtype("gptq_int4").bits_per_weight == 4 + 20.0 / 128);
  CHECK(dtype("gptq_int4").group_size == 128);
  CHECK(dtype("gptq_int4").bits_per_weight == Approx(4.156).margin(0.001));
  CHECK(dtype("awq_int4").bits_per_weight == 4 + 20.0 / 128);
  CHECK(dtype("awq_int4").kind == DTypeKind::awq);
  // MXFP4 (§4.5): 32 E2M1 values + one E8M0 byte = 17 bytes per 32.
  CHECK(dtype("mxfp4").bits_per_weight == 17 * 8.0 / 32);
  CHECK(dtype("mxfp4").block_size == 32);
  // NVFP4 (§4.5): one FP8 scale per 16 values.
  CHECK(dtype("nvfp4").bits_per_weight == 4 + 8.0 / 16);
}

TEST_CASE(
    "catalog: GGUF types use the llama.cpp block sizes and measured mixes "
    "(§4.4)",
    "[catalog]") {
  CHECK(dtype("q8_0").bits_per_weight == 34 * 8.0 / 32);
  CHECK(dtype("q4_0").bits_per_weight == 18 * 8.0 / 32);
  CHECK(dtype("q6_k").bits_per_weight == 210 * 8.0 / 256);
  // Mixes: effective bpw measured on Llama-3.1-8B; base type for the mix rule.
  CHECK(dtype("q4_k_m").bits_per_weight == Approx(4.8944));
  CHECK(dtype("q4_k_m").base_bits_per_weight == 144 * 8.0 / 256);
  CHECK(dtype("q5_k_m").bits_per_weight == Approx(5.7036));
  CHECK(dtype("q3_k_m").bits_per_weight == Approx(4.00));
  CHECK(dtype("q2_k").bits_per_weight == Approx(3.1593));
  CHECK(dtype("q2_k").base_bits_per_weight == 84 * 8.0 / 256);
}

TEST_CASE("catalog: dtype lookup accepts aliases ignoring case", "[catalog]") {
  CHECK(dtype("bfloat16").id == "bf16");
  CHECK(dtype("BF16").id == "bf16");
  CHECK(dtype("float16").id == "fp16");
  CHECK(dtype("float32").id == "fp32");
  CHECK(dtype("torch.bfloat16").id == "bf16");
  CHECK(dtype("Q4_K_M").id == "q4_k_m");
  CHECK(dtype("float8_e4m3fn").id == "fp8");
  CHECK(dtype("gptq").id == "gptq_int4");
  CHECK(vramfit::find_dtype("q9_k") == nullptr);
  CHECK(vramfit::find_dtype("") == nullptr);
}

TEST_CASE("catalog: only fp32/fp16/bf16/fp8/int8/q8_0/q4_0 are KV-cache dtypes", "[catalog]") {
  std::set<std::string> kv;
  for (const DType& d : vramfit::dtype_table()) {
    if (d.kv_cache) kv.insert(d.id);
  }
  CHECK(kv == std::set<std::string>{"fp32", "fp16", "bf16", "fp8", "int8", "q8_0", "q4_0"});
}

TEST_CASE("catalog: dtype kinds have their JSON spellings", "[catalog]") {
  CHECK(std::string(vramfit::dtype_kind_name(DTypeKind::floating)) == "float");
  CHECK(std::string(vramfit::dtype_kind_name(DTypeKind::integer)) == "int");
  CHECK(std::string(vramfit::dtype_kind_name(DTypeKind::gguf)) == "gguf");
  CHECK(dtype("q4_k_m").kind == DTypeKind::gguf);
  CHECK(dtype("mxfp4").kind == DTypeKind::mx);
  CHECK(dtype("gptq_int4").kind == DTypeKind::gptq);
}

TEST_CASE("catalog: malformed dtypes.json is rejected with the field path", "[catalog]") {
  using vramfit::parse_dtype_table;
  REQUIRE(parse_dtype_table(dtypes_file(valid_dtype())).value().size() == 1);

  json r = valid_dtype();
  r["kind"] = "gguff";
  CHECK(error_of([&] { return parse_dtype_table(dtypes_file(r)); }) == ErrorCode::unknown_value);
  r = valid_dtype();
  r["bits_per_weight"] = 0;
  CHECK(error_of([&] { return parse_dtype_table(dtypes_file(r)); }) == ErrorCode::out_of_range);
  r = valid_dtype();
  r.erase("kv_cache");
  CHECK(error_of([&] { return parse_dtype_table(dtypes_file(r)); }) == ErrorCode::missing_field);
  r = valid_dtype();
  r["bpw"] = 9;
  CHECK(error_of([&] { return parse_dtype_table(dtypes_file(r)); }) == ErrorCode::inconsistent);
  r = valid_dtype();
  r["block_size"] = 0;
  CHECK(error_of([&] { return parse_dtype_table(dtypes_file(r)); }) == ErrorCode::out_of_range);

  json twin = valid_dtype();
  twin["id"] = "q9-x";  // same loose key as "q9_x"
  std::string two = json{{"schema", 1}, {"dtypes", json::array({valid_dtype(), twin})}}.dump();
  CHECK(error_of([&] { return parse_dtype_table(two); }) == ErrorCode::inconsistent);
}

// The loaders return their first error (core/README.md "Errors"): the one
// the throwing loaders gave, whatever follows it in the file.
TEST_CASE("catalog loaders return the first error and survive what follows it", "[catalog]") {
  json r = valid_gpu();
  r["memory_mib"] = "24564";  // first: wrong type
  r["vendor"] = "acme";       // then an unknown vendor, a typo'd key
  r["bogus"] = 1;
  json second = valid_gpu();
  second.erase("arch");
  const std::string text =
      json{{"schema", 1}, {"gpus", json::array({r, second, valid_gpu()})}}.dump();
  const auto gpus = vramfit::parse_gpu_catalog(text);
  REQUIRE_FALSE(gpus.ok());
  CHECK(gpus.error().code() == ErrorCode::inconsistent);  // reject_unknown_keys runs first
  CHECK(gpus.error().field() == "gpus.json.gpus[0].bogus");
  r.erase("bogus");
  const auto again =
      vramfit::parse_gpu_catalog(json{{"schema", 1}, {"gpus", json::array({r, second})}}.dump());
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code() == ErrorCode::unknown_value);  // vendor is read before memory
  CHECK(again.error().field() == "gpus.json.gpus[0].vendor");

  // Shapes that the code after a failed check must not trust: not an array,
  // not an object.
  const std::string stacks = R"({"schema": 1, "stacks": [{"id": "s", "name": "S", "versions": [
      {"id": "v", "name": "V", "defaults": {"x": 1}, "mechanisms": ["no_sharding"]}]}]})";
  const auto st = vramfit::parse_stack_catalog(stacks);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().field() == "stacks.json.stacks[0].versions[0].defaults");
  const std::string mech = R"({"schema": 1, "stacks": [{"id": "s", "name": "S", "versions": [
      {"id": "v", "name": "V", "mechanisms": ["no_sharding"]}]}]})";
  const auto m = vramfit::parse_stack_catalog(mech);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code() == ErrorCode::wrong_type);
  CHECK(m.error().field() == "stacks.json.stacks[0].versions[0].mechanisms");
  CHECK_FALSE(vramfit::parse_stack_catalog(R"({"schema": 1, "stacks": [{"id": "s"}]})").ok());
  CHECK(vramfit::parse_dtype_table("[]").error().code() == ErrorCode::wrong_type);
}
