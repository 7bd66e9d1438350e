// The checkpoint half of the facade (api.h): one file's header, and the Hub
// file-selection policy (checkpoint.h), as JSON for the wasm module and the
// page. Translation only; the decisions are in core/src/checkpoint/.
#include <nlohmann/json.hpp>

#include "api/internal.h"
#include "util/json_util.h"
#include "vramfit/api.h"
#include "vramfit/checkpoint.h"

namespace vramfit {

// Objects are built by assignment rather than from nested initializer lists,
// which cost several times the code in wasm (a temporary array per member).
nlohmann::json checkpoint_summary_json(const CheckpointSummary& s) {
  nlohmann::json j = nlohmann::json::object();
  j["tensors"] = s.tensors;
  j["total_bytes"] = s.total_bytes;
  j["bytes_by_dtype"] = s.bytes_by_dtype;
  j["params_by_dtype"] = s.params_by_dtype;
  j["bytes_by_role"] = s.bytes_by_role;
  j["params_by_role"] = s.params_by_role;
  j["stored_elements"] = s.stored_elements;
  j["params"] = s.params;
  j["overhead_bytes"] = s.overhead_bytes;
  j["overhead_elements"] = s.overhead_elements;
  j["packed_tensors"] = s.packed_tensors;
  return j;
}

namespace {
using json = nlohmann::json;

constexpr int64_t kBig = int64_t{1} << 62;

json error_object(const Error& e) {
  json o = json::object();
  o["code"] = error_code_name(e.code());
  o["field"] = e.field();
  o["message"] = e.what();
  return o;
}

json header_document(const CheckpointFileHeader& h) {
  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["format"] = h.format;
  out["data_bytes"] = h.data_bytes;
  out["tensors"] = h.tensors;
  if (!h.gguf) {
    out["metadata"] = h.metadata;
  } else {
    const GgufHyper& p = h.gguf->hp;
    out["architecture"] = h.gguf->architecture;
    json& hp = out["hyperparameters"];
    hp["block_count"] = p.block_count;
    hp["embedding_length"] = p.embedding_length;
    hp["feed_forward_length"] = p.feed_forward_length;
    hp["head_count"] = p.head_count;
    hp["head_count_kv"] = p.head_count_kv;
    hp["context_length"] = p.context_length;
    hp["vocab_size"] = p.vocab_size;
    hp["expert_count"] = p.expert_count;
    hp["file_type"] = p.file_type;
  }
  out["summary"] = checkpoint_summary_json(h.summary);
  if (h.gguf) {
    const Result<json> config = gguf_to_config_json(*h.gguf);
    if (config.ok())
      out["config"] = config.value();
    else
      out["config_error"] = error_object(config.error());
  }
  return out;
}

std::map<std::string, int64_t> int_map(const json& s, const char* key, const std::string& path) {
  std::map<std::string, int64_t> out;
  const json* m = jsonu::find(s, key);
  if (!m) return out;
  const std::string at = jsonu::join(path, key);
  for (const auto& [k, v] : jsonu::as_object(*m, at).items())
    out[k] = jsonu::as_int(v, jsonu::join(at, k), 0, kBig);
  return out;
}

// A summary as checkpoint_header_json wrote it.
CheckpointSummary summary_from_json(const json& v, const std::string& path) {
  const json& s = jsonu::as_object(v, path);
  auto num = [&](const char* key) { return jsonu::opt_int(s, key, path, 0, kBig).value_or(0); };
  CheckpointSummary out;
  out.tensors = num("tensors");
  out.total_bytes = num("total_bytes");
  out.bytes_by_dtype = int_map(s, "bytes_by_dtype", path);
  out.params_by_dtype = int_map(s, "params_by_dtype", path);
  out.bytes_by_role = int_map(s, "bytes_by_role", path);
  out.params_by_role = int_map(s, "params_by_role", path);
  out.stored_elements = num("stored_elements");
  out.params = num("params");
  out.overhead_bytes = num("overhead_bytes");
  out.overhead_elements = num("overhead_elements");
  out.packed_tensors = num("packed_tensors");
  return out;
}

// Runs under the facade's jsonu::Collect (guarded).
Result<json> plan_document(const json& in) {
  jsonu::as_object(in, "");
  std::optional<std::vector<std::string>> listing;
  if (const json* f = jsonu::find(in, "files")) {
    if (!f->is_array())
      return Error(ErrorCode::wrong_type, "files", "files must be an array of file names");
    listing.emplace();
    for (size_t i = 0; i < f->size(); ++i)
      listing->push_back(jsonu::as_string((*f)[i], "files[" + std::to_string(i) + "]"));
  }
  const std::string gguf = jsonu::opt_string(in, "gguf_file", "").value_or("");
  if (jsonu::failed()) return jsonu::first_error();
  VRAMFIT_ASSIGN_OR_RETURN(const CheckpointPlan p,
                           plan_checkpoint(listing ? &*listing : nullptr, gguf));

  json out = json::object();
  out["schema_version"] = kSchemaVersion;
  out["config_files"] = p.config_files;
  out["gguf_files"] = p.gguf_files;
  out["gguf_file"] = p.gguf_file;
  out["gguf_parts"] = p.gguf_parts;
  json& st = out["safetensors"] = json::array();
  for (const auto& s : p.safetensors) {
    json& e = st.emplace_back(json::object());
    if (!s.index.empty())
      e["index"] = s.index;
    else
      e["files"] = s.files;
  }
  out["problem"] = p.problem.empty() ? json() : json(p.problem);
  json& lim = out["limits"];
  lim["json_file_bytes"] = kHubJsonFileMax;
  lim["safetensors_header_bytes"] = kHubSafetensorsHeaderMax;
  lim["gguf_header_bytes"] = kHubGgufHeaderMax;
  lim["gguf_first_read_bytes"] = kHubGgufFirstRead;
  if (const json* index = jsonu::find(in, "index")) {
    // A safetensors index the front end fetched: its shards, checked here.
    VRAMFIT_ASSIGN_OR_RETURN(const SafetensorsIndex ix, parse_safetensors_index(*index));
    json& o = out["index"];
    o["shards"] = ix.shards;
    o["total_size"] = ix.total_size ? json(*ix.total_size) : json();
  }
  const json* config = jsonu::find(in, "config");
  out["packed_bits"] = config ? packed_bits_from_config(*config) : 4;

  const json* summaries = jsonu::find(in, "summaries");
  if (!summaries) return out;
  if (!summaries->is_array())
    return Error(ErrorCode::wrong_type, "summaries", "summaries must be an array");
  std::vector<CheckpointSummary> parts;
  for (size_t i = 0; i < summaries->size(); ++i) {
    parts.push_back(summary_from_json((*summaries)[i], "summaries[" + std::to_string(i) + "]"));
  }
  if (jsonu::failed()) return jsonu::first_error();
  const CheckpointSummary sum = merge_checkpoint_summaries(parts);
  out["summary"] = checkpoint_summary_json(sum);
  if (auto total = jsonu::opt_int(in, "index_total_size", "", 0, kBig)) {
    out["index_total_size_matches"] = *total == sum.total_bytes;
  }
  if (const json* params = jsonu::find(in, "params")) {
    // The estimate response's "params": the language model plus any towers.
    const json& pp = jsonu::as_object(*params, "params");
    const int64_t cfg = jsonu::opt_int(pp, "total", "params", 0, kBig).value_or(0) +
                        jsonu::opt_int(pp, "towers", "params", 0, kBig).value_or(0);
    const CheckpointComparison c = compare_checkpoint(sum, cfg);
    json& cj = out["comparison"];
    cj["config_params"] = c.config_params;
    cj["header_params"] = c.header_params;
    cj["difference"] = c.difference;
    cj["reason"] = c.reason;
    cj["packing_guessed"] = c.packing_guessed;
  }
  return out;  // a read above that failed: guarded answers its error
}

}  // namespace

std::string checkpoint_header_json(const std::string& format, const std::string& bytes,
                                   int packed_bits) {
  return guarded([&]() -> Result<json> {
    const Result<CheckpointFileHeader> h = read_checkpoint_header(format, bytes, packed_bits);
    if (h.ok()) return header_document(h.value());
    if (h.error().need_bytes() == 0) return h.error();
    json out = json::object();  // fetch that many bytes and call again
    out["schema_version"] = kSchemaVersion;
    out["need_bytes"] = h.error().need_bytes();
    return out;
  });
}

std::string checkpoint_plan_json(const std::string& input_json) {
  return guarded([&]() -> Result<json> {
    const json in = jsonu::parse_text(input_json, "checkpoint plan input");
    if (jsonu::failed()) return jsonu::first_error();
    return plan_document(in);
  });
}

}  // namespace vramfit
