// Checkpoint headers: the exact tensor list of a safetensors shard, of a
// model.safetensors.index.json and of a GGUF file, and the weight bytes they
// imply, and which files of a Hub repo to read for them. Pure (bytes and
// file lists in, structs out, no I/O): the CLI and the page fetch, the
// tests feed them files they write themselves.
//
// Every parser is strict in the way the config parser is: a malformed or
// hostile input returns a vramfit::Error naming the field path
// ("safetensors.<tensor>.shape", "gguf.tensors.<name>.type", ...); nothing
// reads out of bounds, nothing allocates more than the input can justify.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/error.h"
#include "vramfit/model.h"
#include "vramfit/result.h"

namespace vramfit {

// The input ended before the structure did. The caller can fetch at least
// `needed` bytes from the start of the file and parse again (GGUF headers
// carry the tokenizer and can be several MiB). Code invalid_request; field
// "gguf.truncated", "safetensors.header_length" or "safetensors.header".
// An Error with need_bytes() > 0: readers return it like any other.
class TruncatedInput : public Error {
 public:
  TruncatedInput(std::string field, const std::string& message, uint64_t needed)
      : Error(ErrorCode::invalid_request, std::move(field), message, needed) {}
};

// One stored tensor. `dtype` is the format's own spelling: a safetensors
// dtype ("BF16", "I32", "F8_E4M3") or a GGML type name ("Q4_K", "F16").
// `shape` is as the file stores it: row-major for safetensors; GGML's ne[]
// order (innermost first: token_embd is [hidden, vocab]) for GGUF.
struct CheckpointTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  int64_t offset_begin = 0;  // bytes from the start of the data section
  int64_t offset_end = 0;    // one past the last byte
  int64_t elements = 0;      // product of shape (stored values)
  int64_t bytes = 0;         // offset_end - offset_begin (GGUF: unpadded size)
};

// ---------------------------------------------------------------- safetensors

constexpr uint64_t kSafetensorsMaxHeader = 100000000;  // as safetensors itself

struct SafetensorsHeader {
  std::vector<CheckpointTensor> tensors;        // sorted by offset_begin
  std::map<std::string, std::string> metadata;  // "__metadata__" (string -> string)
  int64_t header_length = 0;                    // N of the 8-byte prefix (JSON text length)
  int64_t data_bytes = 0;                       // sum of tensor bytes (== the data section)
  int64_t file_bytes() const { return 8 + header_length + data_bytes; }
};

// Bits per value of a safetensors dtype ("BF16" -> 16, "F4" -> 4); 0 when
// unknown. Known: BOOL U8 I8 F8_E4M3 F8_E5M2 F8_E8M0 F8_E4M3FNUZ F8_E5M2FNUZ
// I16 U16 F16 BF16 I32 U32 F32 F64 I64 U64 C64 F4 F6_E2M3 F6_E3M2.
int safetensors_dtype_bits(const std::string& dtype);

// N from the first 8 bytes of a .safetensors file (little-endian u64),
// checked against kSafetensorsMaxHeader; TruncatedInput on fewer than 8.
Result<uint64_t> safetensors_header_length(const std::string& first_bytes);

// Parses `bytes` = the 8-byte prefix + the JSON header (+ any part of the
// data, ignored), or the JSON header alone (text starting with '{').
// Validation follows the safetensors reference: known dtypes, non-negative
// shape, offsets [begin, end] with begin <= end, the tensors sorted by offset
// tile the data section from 0 without holes or overlap, and
// elements * bits / 8 == end - begin. When `file_size` is given it must
// equal 8 + N + the data section.
Result<SafetensorsHeader> parse_safetensors_header(
    const std::string& bytes, std::optional<uint64_t> file_size = std::nullopt);

struct SafetensorsIndex {
  std::map<std::string, std::string> weight_map;  // tensor -> shard file
  std::vector<std::string> shards;                // distinct files, sorted
  std::optional<int64_t> total_size;              // metadata.total_size
};

// model.safetensors.index.json (as JSON or as text). Shard names must be
// plain relative file names ending in ".safetensors" (no "/..", no "\").
Result<SafetensorsIndex> parse_safetensors_index(const nlohmann::json& index);
Result<SafetensorsIndex> parse_safetensors_index_text(const std::string& text);

// ----------------------------------------------------------------------- GGUF

// One GGML storage type: elements per block and bytes per block
// (gguf-py constants.py GGML_QUANT_SIZES; methodology §4.4).
struct GgmlType {
  uint32_t id;
  const char* name;
  int64_t block_size;
  int64_t type_size;
};
const GgmlType* find_ggml_type(uint32_t id);  // nullptr when unknown
const std::vector<GgmlType>& ggml_types();

// The hyperparameters of a GGUF that matter to the estimator; 0 = absent.
struct GgufHyper {
  int64_t block_count = 0;
  int64_t embedding_length = 0;
  int64_t feed_forward_length = 0;  // max over layers when per-layer
  int64_t head_count = 0;           // max over layers when per-layer
  int64_t head_count_kv = 0;        // max over layers when per-layer
  int64_t key_length = 0;           // attention.key_length (head dim)
  int64_t value_length = 0;
  int64_t context_length = 0;
  int64_t vocab_size = 0;  // <arch>.vocab_size, else tokens array
  int64_t expert_count = 0;
  int64_t expert_used_count = 0;
  int64_t expert_feed_forward_length = 0;
  int64_t expert_shared_feed_forward_length = 0;
  int64_t sliding_window = 0;
  double rope_freq_base = 0;
  double rms_epsilon = 0;
  int64_t file_type = -1;  // general.file_type (LLAMA_FTYPE)
};

struct GgufHeader {
  uint32_t version = 0;  // 2 or 3
  int64_t tensor_count = 0;
  int64_t kv_count = 0;
  int64_t alignment = 32;    // general.alignment
  int64_t header_bytes = 0;  // bytes up to the end of the tensor infos
  int64_t data_offset = 0;   // header_bytes rounded up to alignment
  int64_t data_bytes = 0;    // data section (padded tensors)
  std::string architecture;  // general.architecture
  std::string name;          // general.name
  // Scalar metadata (numbers, bools, strings up to 4 KiB) and numeric arrays
  // up to 65536 entries as JSON; longer arrays only by length.
  std::map<std::string, nlohmann::json> metadata;
  std::map<std::string, int64_t> array_lengths;  // every array key -> length
  GgufHyper hp;
  std::vector<CheckpointTensor> tensors;  // file order
  int64_t file_bytes() const { return data_offset + data_bytes; }
};

// Parses the start of a GGUF file (v2 or v3, little-endian). Returns a
// TruncatedInput when `bytes` ends inside the header (need_bytes() says how
// much to fetch), another vramfit::Error on anything malformed: bad magic or version,
// counts the input cannot hold, unknown value or GGML types, more than 4
// dims, element counts that overflow, a row length not a multiple of the
// block size, offsets out of sequence (llama.cpp's own check), duplicates.
Result<GgufHeader> parse_gguf_header(const std::string& bytes);

// An HF-style config.json for the GGUF's architecture (llama, mistral,
// qwen2, qwen2moe, qwen3, qwen3moe, gemma, gemma2, gemma3, phi3) that
// parse_model_config() accepts. unsupported_model for other
// architectures and missing_field when a needed hyperparameter is absent.
Result<nlohmann::json> gguf_to_config_json(const GgufHeader& header);

// ------------------------------------------------------------------- summary

// Role of a stored tensor by its name (HF and GGUF naming).
TensorRole classify_tensor_name(const std::string& name);
const char* tensor_role_name(TensorRole role);

// Quantisation side tensors (GPTQ/AWQ qzeros, scales, g_idx; bnb absmax and
// quant_map; FP8 weight_scale(_inv), input_scale; MXFP4 *_scales): bytes
// that are not parameters.
bool is_quant_overhead(const std::string& name);

struct CheckpointSummary {
  int64_t tensors = 0;
  int64_t total_bytes = 0;  // every stored tensor
  std::map<std::string, int64_t> bytes_by_dtype;
  std::map<std::string, int64_t> params_by_dtype;  // after packing correction
  std::map<std::string, int64_t> bytes_by_role;    // tensor_role_name keys
  std::map<std::string, int64_t> params_by_role;
  int64_t stored_elements = 0;  // plain sum of shapes: the Hub's "parameters"
  int64_t params = 0;           // packed ints unpacked, overhead excluded
  int64_t overhead_bytes = 0;   // quantisation side tensors
  int64_t overhead_elements = 0;
  int64_t packed_tensors = 0;  // tensors whose values hold several weights
};

// Sums a tensor list. `packed_bits`: bits per weight inside packed int32
// GPTQ/AWQ/compressed-tensors tensors (qweight, weight_packed): each I32
// holds 32 / packed_bits weights. U8 bnb-4bit weights (with a
// quant_state sibling), MXFP4 "*_blocks" and U8/I8 NVFP4 weights (with an
// F8_E4M3 weight_scale sibling) hold two 4-bit weights per byte.
Result<CheckpointSummary> checkpoint_weight_bytes(const std::vector<CheckpointTensor>& tensors,
                                                  int packed_bits = 4);

// {"tensors", "total_bytes", "bytes_by_dtype", "params_by_dtype",
//  "bytes_by_role", "params_by_role", "stored_elements", "params",
//  "overhead_bytes", "packed_tensors"}
nlohmann::json checkpoint_summary_json(const CheckpointSummary& s);

// One file's header as a front end reads it: the totals and the summary;
// for GGUF the whole header too (the config comes from it).
struct CheckpointFileHeader {
  std::string format;  // "safetensors" or "gguf"
  int64_t data_bytes = 0;
  int64_t tensors = 0;
  std::map<std::string, std::string> metadata;  // safetensors __metadata__
  std::optional<GgufHeader> gguf;
  CheckpointSummary summary;
};

// Parses the start of one checkpoint file (`format` "safetensors" or "gguf")
// and sums its tensors with `packed_bits`. Returns TruncatedInput when more
// bytes are needed, vramfit::Error on anything malformed.
Result<CheckpointFileHeader> read_checkpoint_header(const std::string& format,
                                                    const std::string& bytes, int packed_bits = 4);

// ------------------------------------------------------- Hub file selection
// Which files of a Hub repo the front ends read, decided once for the CLI
// (core/cli/hub) and the page (web/js/hub-model.js): both only fetch.

// Size caps of what a front end fetches. 64 MiB for a GGUF header (not the
// CLI's former 128): the largest real ones (262k-token vocabularies) are
// ~15 MiB, and the page holds the bytes twice (JS and the wasm heap).
// 32 MiB for a safetensors header: real ones are at most ~10 MB.
constexpr uint64_t kHubJsonFileMax = uint64_t{16} << 20;  // config, index
constexpr uint64_t kHubSafetensorsHeaderMax = uint64_t{32} << 20;
constexpr uint64_t kHubGgufHeaderMax = uint64_t{64} << 20;
constexpr uint64_t kHubGgufFirstRead = uint64_t{1} << 20;  // then as the parser asks

// Where the safetensors weights are: an index to read for the shard list,
// or the shard files themselves.
struct SafetensorsSource {
  std::string index;  // "" when `files` is the list
  std::vector<std::string> files;
};

struct CheckpointPlan {
  // Config files to try in order (the next when one is missing); empty when
  // the config comes from the GGUF header.
  std::vector<std::string> config_files;
  std::vector<std::string> gguf_files;  // the repo's GGUF models (first parts), sorted
  std::string gguf_file;                // the GGUF to read; "" for safetensors
  std::vector<std::string> gguf_parts;  // its files, first part first
  // Safetensors sources to try in order (the next when one is missing); one
  // when the listing is known, none when the repo has no safetensors.
  std::vector<SafetensorsSource> safetensors;
  // "" or why nothing can be read: "gguf_file_missing" (a part of
  // gguf_file is not in the listing), "no_config" (neither config.json,
  // params.json nor a GGUF file).
  std::string problem;
};

// The plan for a repo. `listing`: its files (null when unknown: then the
// usual names are tried in order). `gguf_file`: the GGUF the user chose, or
// "" (a GGUF-only repo then gets default_gguf). Returns invalid_request
// (field "gguf_file") for a name that is not a relative *.gguf path.
Result<CheckpointPlan> plan_checkpoint(const std::vector<std::string>* listing,
                                       const std::string& gguf_file = "");

// llama.cpp's usual default quant first (Q4_K_M, Q4_K, Q5_K_M, Q8_0), then
// the first file; "" for none.
std::string default_gguf(const std::vector<std::string>& gguf_files);

// gguf-split names <stem>-0000k-of-0000n.gguf: all n parts of a file, first
// part first (the file itself when not split); and whether a file is part
// 2..n (listed under its first part).
std::vector<std::string> gguf_parts(const std::string& file);
bool is_later_gguf_part(const std::string& file);

// Bits per weight in packed int32 tensors: the config's
// quantization_config (or text_config's) bits / w_bit when 2, 3, 4 or 8,
// else 4 (AWQ and most GPTQ).
int packed_bits_from_config(const nlohmann::json& config);

// The sum of per-file summaries (shards, GGUF parts).
CheckpointSummary merge_checkpoint_summaries(const std::vector<CheckpointSummary>& parts);

// Headers next to the config-based count. `reason`: "equal",
// "files_store_more" (MTP/draft layers, towers the config does not describe,
// a tied head saved twice) or "config_counts_more" (tensors the files do
// not store, or, when `packing_guessed`, a wrong packed-bits guess).
struct CheckpointComparison {
  int64_t config_params = 0;
  int64_t header_params = 0;
  int64_t difference = 0;  // header - config
  std::string reason;
  bool packing_guessed = false;  // packed tensors were unpacked with a guess
};
CheckpointComparison compare_checkpoint(const CheckpointSummary& s, int64_t config_params);

}  // namespace vramfit
