// GPU catalogue: parses and validates the embedded gpus.json (methodology §12).
#include <algorithm>

#include "catalog/common.h"
#include "catalog/embedded.h"
#include "vramfit/catalog.h"

namespace vramfit {

namespace {
using catalog::json;

constexpr int64_t kBytesPerMiB = int64_t{1} << 20;

const char* const kFormFactors[] = {"pcie", "sxm", "oam", "soc", "superchip"};

template <size_t N>
void check_one_of(const std::string& v, const char* const (&set)[N], const std::string& path) {
  if (std::find(std::begin(set), std::end(set), v) == std::end(set)) {
    jsonu::report(Error(ErrorCode::unknown_value, path, path + ": unknown value \"" + v + "\""));
  }
}

// Present but possibly null: "no BF16" must be said, not forgotten.
std::optional<double> nullable_tflops(const json& rec, const char* key, const std::string& path) {
  if (!rec.contains(key)) {
    jsonu::report_missing(path, key);
    return std::nullopt;
  }
  return jsonu::opt_number(rec, key, path, 0.1, 100000.0);
}

// Capacity provenance: "measured: <where>" or "nominal: <rule>" (§12).
bool measured_flag(const std::string& src, const std::string& path) {
  if (src.rfind("measured: ", 0) == 0) return true;
  if (src.rfind("nominal: ", 0) == 0) return false;
  jsonu::report(Error(ErrorCode::inconsistent, path,
                      path + " must start with \"measured: \" or \"nominal: \""));
  return false;
}

// The driver total never exceeds the binary nominal size and is never below
// half of it (Apple's smallest working set is 2/3 of RAM); outside that
// range the entry has a unit typo.
void check_capacity(const Gpu& g, const std::string& path) {
  double nominal_mib = g.nominal_gb * 1024.0;
  if (g.memory_mib > nominal_mib || g.memory_mib < 0.5 * nominal_mib) {
    jsonu::report(
        Error(ErrorCode::inconsistent, path + ".memory_mib",
              path + ".memory_mib = " + std::to_string(g.memory_mib) + " does not fit nominal_gb"));
  }
}

void check_vendor(const std::string& v, const std::string& path) {
  for (const GpuVendor& known : gpu_vendors())
    if (v == known.id) return;
  jsonu::report(Error(ErrorCode::unknown_value, path, path + ": unknown value \"" + v + "\""));
}

Gpu parse_gpu(const json& rec, const std::string& path) {
  catalog::reject_unknown_keys(rec, path,
                               {"id",
                                "name",
                                "vendor",
                                "aliases",
                                "memory_mib",
                                "cuda_total_mib",
                                "memory_source",
                                "nominal_gb",
                                "bandwidth_gbps",
                                "bf16_tflops",
                                "fp16_tflops",
                                "fp16_acc16_tflops",
                                "fp8",
                                "fp4",
                                "arch",
                                "sm_count",
                                "form_factor",
                                "pcie_gen",
                                "pcie_lanes",
                                "peer_link",
                                "peer_gbps",
                                "unified_memory",
                                "year",
                                "source",
                                "note"});
  Gpu g;
  g.id = catalog::req_string(rec, "id", path);
  catalog::check_slug(g.id, path + ".id");
  g.name = catalog::req_string(rec, "name", path);
  g.vendor = catalog::req_string(rec, "vendor", path);
  check_vendor(g.vendor, path + ".vendor");
  g.aliases = catalog::string_list(rec, "aliases", path);
  g.memory_mib = jsonu::req_int(rec, "memory_mib", path, 256, int64_t{1} << 24);
  g.memory_bytes = g.memory_mib * kBytesPerMiB;
  g.memory_source = catalog::req_string(rec, "memory_source", path);
  g.memory_measured = measured_flag(g.memory_source, path + ".memory_source");
  g.cuda_total_bytes =
      jsonu::opt_int(rec, "cuda_total_mib", path, 256, g.memory_mib).value_or(0) * kBytesPerMiB;
  g.nominal_gb = catalog::req_number(rec, "nominal_gb", path, 1, 16384);
  check_capacity(g, path);
  g.bandwidth_gbps = catalog::req_number(rec, "bandwidth_gbps", path, 1, 1e5);
  g.bf16_tflops = nullable_tflops(rec, "bf16_tflops", path);
  g.fp16_tflops = nullable_tflops(rec, "fp16_tflops", path);
  if (rec.contains("fp16_acc16_tflops"))
    g.fp16_acc16_tflops = nullable_tflops(rec, "fp16_acc16_tflops", path);
  g.fp8 = catalog::req_bool(rec, "fp8", path);
  g.fp4 = catalog::req_bool(rec, "fp4", path);
  g.arch = catalog::req_string(rec, "arch", path);
  g.sm_count = jsonu::opt_int(rec, "sm_count", path, 1, 100000).value_or(0);
  g.form_factor = catalog::req_string(rec, "form_factor", path);
  check_one_of(g.form_factor, kFormFactors, path + ".form_factor");
  g.pcie_gen = static_cast<int>(jsonu::opt_int(rec, "pcie_gen", path, 3, 6).value_or(0));
  g.pcie_lanes = static_cast<int>(jsonu::opt_int(rec, "pcie_lanes", path, 1, 16).value_or(0));
  if ((g.pcie_gen > 0) != (g.pcie_lanes > 0)) {
    jsonu::report(Error(ErrorCode::inconsistent, path + ".pcie_lanes",
                        path + ": pcie_gen and pcie_lanes go together"));
  }
  g.peer_link = jsonu::opt_string(rec, "peer_link", path).value_or("");
  g.peer_gbps = jsonu::opt_number(rec, "peer_gbps", path, 1, 1e5).value_or(0);
  if (g.peer_link.empty() != (g.peer_gbps <= 0)) {
    jsonu::report(Error(ErrorCode::inconsistent, path + ".peer_gbps",
                        path + ": peer_link and peer_gbps go together"));
  }
  g.unified_memory = catalog::req_bool(rec, "unified_memory", path);
  g.year = static_cast<int>(jsonu::req_int(rec, "year", path, 2014, 2035));
  return g;
}

// Vendor and brand words that nvidia-smi / rocm-smi print before the model
// ("NVIDIA GeForce RTX 4090", "AMD Instinct MI300X").
const char* const kBrandPrefixes[] = {"nvidia",   "geforce", "tesla", "amd",
                                      "instinct", "intel",   "apple"};

// Drops one leading brand word from a lookup key; false when there is none.
bool strip_brand(std::string& key) {
  for (const char* p : kBrandPrefixes) {
    const std::string prefix = p;
    if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0) {
      key.erase(0, prefix.size());
      return true;
    }
  }
  return false;
}

struct Catalog {
  std::vector<Gpu> gpus;
  catalog::KeyIndex index;
};

// Ids, aliases and names share one namespace of loose keys.
catalog::KeyIndex index_gpus(const std::vector<Gpu>& gpus) {
  catalog::KeyIndex index;
  for (size_t i = 0; i < gpus.size(); ++i) {
    const std::string path = "gpus.json.gpus[" + std::to_string(i) + "]";
    index.add(gpus[i].id, i, path + ".id");
    index.add(gpus[i].name, i, path + ".name");
    for (const auto& a : gpus[i].aliases) index.add(a, i, path + ".aliases");
  }
  return index;
}

const Catalog& embedded_catalog() {
  static const Catalog cat = [] {
    Catalog c;
    c.gpus = checked(parse_gpu_catalog(embedded_text("gpus.json")));
    c.index = index_gpus(c.gpus);
    return c;
  }();
  return cat;
}
}  // namespace

Result<std::vector<Gpu>> parse_gpu_catalog(const std::string& json_text) {
  jsonu::Collect errors;
  json records = catalog::load_records(json_text, "gpus.json", "gpus");
  std::vector<Gpu> out;
  for (size_t i = 0; i < records.size(); ++i) {
    out.push_back(parse_gpu(records[i], "gpus.json.gpus[" + std::to_string(i) + "]"));
  }
  index_gpus(out);  // reports a duplicate id, alias or name
  if (errors.failed()) return errors.error();
  return out;
}

const std::vector<Gpu>& gpu_catalog() { return embedded_catalog().gpus; }

const std::vector<GpuVendor>& gpu_vendors() {
  static const std::vector<GpuVendor> v = {
      {"nvidia", "NVIDIA"}, {"amd", "AMD"}, {"intel", "Intel"}, {"apple", "Apple"}};
  return v;
}

const Gpu* find_gpu(const std::string& id_or_alias) {
  const Catalog& c = embedded_catalog();
  std::string key = catalog::lookup_key(id_or_alias);
  auto i = c.index.find(key);
  while (!i && strip_brand(key)) i = c.index.find(key);
  return i ? &c.gpus[*i] : nullptr;
}

// GB/s per lane and direction: 8 / 16 / 32 GT/s with 128b/130b coding
// (PCIe 3.0-5.0 base specifications), 64 GT/s PAM4 FLIT mode (6.0).
double pcie_gbps(const Gpu& g) {
  static const double kPerLane[] = {0.985, 1.969, 3.938, 7.563};
  if (g.pcie_gen < 3 || g.pcie_gen > 6) return 0;
  return kPerLane[g.pcie_gen - 3] * g.pcie_lanes;
}

}  // namespace vramfit
