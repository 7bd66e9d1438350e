// The GPU catalogue and the weight-format (dtype) table. Both are data files
// (core/data/gpus.json, core/data/dtypes.json) compiled into the library and
// parsed once; the page gets the same files, so C++ is the only interpreter.
// Capacity meanings follow methodology §10.1; values and sources §4 and §12.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/result.h"

namespace vramfit {

// One accelerator. Memory is C_total of methodology §10.1 (driver total).
struct Gpu {
  std::string id;                    // stable slug, e.g. "h100-sxm-80g"
  std::string name;                  // display name, e.g. "H100 SXM"
  std::string vendor;                // nvidia / amd / intel / apple
  std::vector<std::string> aliases;  // what users type: "h100", "4090"
  int64_t memory_mib = 0;            // nvidia-smi "Total" (Apple: Metal working set)
  int64_t memory_bytes = 0;          // memory_mib * 2^20
  // What cudaMemGetInfo / torch.cuda.mem_get_info report as total, where
  // measured (HBM parts keep a driver reservation out of it); 0 = not listed.
  int64_t cuda_total_bytes = 0;
  bool memory_measured = false;  // true: seen in a public log; false: nominal
  std::string memory_source;     // "measured: <where>" or "nominal: ..."
  double nominal_gb = 0;         // marketing size, display only
  double bandwidth_gbps = 0;     // datasheet memory bandwidth, GB/s
  // Dense tensor TFLOPS, FP32 accumulate (half the sparsity figure). Absent
  // when the GPU lacks the type or no figure is published (see note).
  std::optional<double> bf16_tflops;
  std::optional<double> fp16_tflops;
  // Dense fp16 tensor TFLOPS with fp16 accumulate where it differs from the
  // fp32-accumulate figure (GeForce cards: twice it).
  std::optional<double> fp16_acc16_tflops;
  bool fp8 = false;         // native FP8 tensor cores
  bool fp4 = false;         // native FP4 / MX tensor cores
  std::string arch;         // "Hopper (9.0)", "CDNA3 (gfx942)"
  int64_t sm_count = 0;     // streaming multiprocessors (AMD: compute units); 0 = not listed
  std::string form_factor;  // pcie / sxm / oam / soc / superchip
  // Host link: PCIe generation and lanes (0 = none listed, e.g. a SoC).
  int pcie_gen = 0;
  int pcie_lanes = 0;
  // GPU-to-GPU link as the vendor quotes it: total bidirectional GB/s per
  // GPU ("NVLink 4", "NVLink bridge", "Infinity Fabric"); 0 = none.
  std::string peer_link;
  double peer_gbps = 0;
  bool unified_memory = false;  // memory shared with the CPU
  int year = 0;                 // launch year
  // The entry's citation ("source") and remarks ("note") stay in
  // core/data/gpus.json, for people: the embedded copy leaves them out
  // (core/cmake/embed_data.cmake).
};

// Per-direction host-link bandwidth, GB/s: lanes x the generation's per-lane
// rate after line coding (PCI-SIG base specifications); 0 when not listed.
double pcie_gbps(const Gpu& g);

// Families of weight formats (methodology §4.1–§4.6).
enum class DTypeKind { floating, integer, bnb, gptq, awq, gguf, mx };

// One weight (and possibly KV-cache) storage format.
struct DType {
  std::string id;     // request id, e.g. "q4_k_m"
  std::string label;  // display label, e.g. "GGUF Q4_K_M"
  DTypeKind kind = DTypeKind::floating;
  double bits_per_weight = 0;   // effective, scales included
  double bytes_per_weight = 0;  // bits_per_weight / 8
  // GGUF mixes only: bpw of the base GGML type (Q4_K_M -> Q4_K = 4.5), for
  // the per-tensor mix rule of §4.4; equals bits_per_weight otherwise.
  double base_bits_per_weight = 0;
  int block_size = 0;                // elements per block; 0 = not blocked
  int group_size = 0;                // GPTQ/AWQ group; 0 = not grouped
  std::vector<std::string> aliases;  // "bfloat16", "Q4_K_M"
  bool kv_cache = false;             // accepted as a KV-cache dtype
  // Citation and remarks: core/data/dtypes.json only (as for Gpu).
};

// "float", "int", "bnb", "gptq", "awq", "gguf", "mx" (the JSON spelling).
const char* dtype_kind_name(DTypeKind kind);

// The built-in GPU list, parsed once from the embedded gpus.json.
const std::vector<Gpu>& gpu_catalog();

// The vendors a GPU record may name, with their display labels.
struct GpuVendor {
  const char* id;     // gpus.json "vendor"
  const char* label;  // "NVIDIA"
};
const std::vector<GpuVendor>& gpu_vendors();
// The vendor of a request's custom_gpus entries (never in gpus.json).
constexpr GpuVendor kCustomGpuVendor = {"custom", "Custom"};

// Case-insensitive lookup by id, alias or name; spaces, '-' and '_' are
// ignored ("RTX 4090" == "rtx-4090") and a leading vendor/brand word is
// dropped ("NVIDIA GeForce RTX 4090"), so nvidia-smi names work. nullptr
// when unknown.
const Gpu* find_gpu(const std::string& id_or_alias);

// The built-in dtype table, parsed once from the embedded dtypes.json.
const std::vector<DType>& dtype_table();

// Case-insensitive lookup by id or alias ("BF16", "bfloat16", "Q4_K_M").
const DType* find_dtype(const std::string& id_or_alias);

// Parse and validate a gpus.json / dtypes.json text; the error names the
// offending field. Exposed so tests can feed malformed data.
Result<std::vector<Gpu>> parse_gpu_catalog(const std::string& json_text);
Result<std::vector<DType>> parse_dtype_table(const std::string& json_text);

}  // namespace vramfit
