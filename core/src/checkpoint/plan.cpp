// The Hub file-selection policy (checkpoint.h "Hub file selection"): which
// config and weight files of a repo listing the front ends read, how split
// GGUF files are named, and how the per-file header sums add up. Pure: the
// CLI and the page fetch what this decides.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "vramfit/checkpoint.h"

namespace vramfit {

namespace {
bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_gguf(const std::string& f) { return ends_with(lower(f), ".gguf"); }

// llama.cpp's gguf-split naming: <stem>-00001-of-00003.gguf. Matched by
// hand (std::regex would add tens of KB to the wasm module).
struct SplitName {
  std::string stem, part, count;
};
std::optional<SplitName> split_name(const std::string& f) {
  const size_t kTail = 20;  // "-00001-of-00003.gguf"
  if (f.size() < kTail) return std::nullopt;
  const std::string t = lower(f.substr(f.size() - kTail));
  auto digits = [&](size_t at) {
    for (size_t i = at; i < at + 5; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    }
    return true;
  };
  if (t[0] != '-' || !digits(1) || t.compare(6, 4, "-of-") != 0 || !digits(10) ||
      t.compare(15, 5, ".gguf") != 0) {
    return std::nullopt;
  }
  return SplitName{f.substr(0, f.size() - kTail), t.substr(1, 5), t.substr(10, 5)};
}

// Safetensors weights by name: transformers' first, then mistral's
// consolidated.safetensors, then any other top-level index or shard set
// (subfolders such as original/ hold other copies).
std::optional<SafetensorsSource> pick_safetensors(const std::vector<std::string>& files) {
  std::vector<std::string> top;
  for (const auto& f : files) {
    if (f.find('/') == std::string::npos) top.push_back(f);
  }
  std::sort(top.begin(), top.end());
  auto has = [&](const std::string& f) { return std::binary_search(top.begin(), top.end(), f); };
  for (const char* stem : {"model", "consolidated"}) {
    const std::string single = std::string(stem) + ".safetensors";
    if (has(single + ".index.json")) return SafetensorsSource{single + ".index.json", {}};
    if (has(single)) return SafetensorsSource{"", {single}};
  }
  for (const auto& f : top) {
    if (ends_with(f, ".safetensors.index.json")) return SafetensorsSource{f, {}};
  }
  SafetensorsSource shards;
  for (const auto& f : top) {
    if (ends_with(f, ".safetensors")) shards.files.push_back(f);
  }
  if (shards.files.empty()) return std::nullopt;
  return shards;
}

bool good_gguf_name(const std::string& file) {
  return !(file.find("..") != std::string::npos || file[0] == '/' ||
           file.find('\\') != std::string::npos || file.size() < 6 || !is_gguf(file));
}
}  // namespace

std::vector<std::string> gguf_parts(const std::string& file) {
  const auto m = split_name(file);
  if (!m) return {file};
  // Five digits (split_name): strtol cannot overflow, and unlike std::stoi
  // has no exception to raise (none in the web module: core/README.md "Errors").
  const int n = static_cast<int>(std::strtol(m->count.c_str(), nullptr, 10));
  if (n < 1 || n > 999) return {file};
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) {
    char num[16];
    std::snprintf(num, sizeof num, "%05d", i);
    out.push_back(m->stem + "-" + num + "-of-" + m->count + ".gguf");
  }
  return out;
}

bool is_later_gguf_part(const std::string& file) {
  const auto m = split_name(file);
  return m && m->part != "00001";
}

std::string default_gguf(const std::vector<std::string>& gguf_files) {
  for (const char* want : {"q4_k_m", "q4_k", "q5_k_m", "q8_0"}) {
    for (const auto& f : gguf_files) {
      if (lower(f).find(want) != std::string::npos) return f;
    }
  }
  return gguf_files.empty() ? std::string() : gguf_files.front();
}

Result<CheckpointPlan> plan_checkpoint(const std::vector<std::string>* listing,
                                       const std::string& gguf_file) {
  if (!gguf_file.empty() && !good_gguf_name(gguf_file)) {
    return Error(ErrorCode::invalid_request, "gguf_file",
                 "the GGUF file must be a .gguf file name in the repo, got \"" +
                     gguf_file.substr(0, 80) + "\"");
  }
  CheckpointPlan p;
  if (!listing) {
    // Without a listing, the usual names in order; a missing one is skipped.
    if (gguf_file.empty()) {
      p.config_files = {"config.json", "params.json"};
      p.safetensors = {{"model.safetensors.index.json", {}},
                       {"", {"model.safetensors"}},
                       {"", {"consolidated.safetensors"}}};
    } else {
      p.gguf_file = gguf_file;
      p.gguf_parts = gguf_parts(gguf_file);
    }
    return p;
  }
  const std::set<std::string> files(listing->begin(), listing->end());
  for (const auto& f : files) {
    if (is_gguf(f) && !is_later_gguf_part(f)) p.gguf_files.push_back(f);
  }
  // Mistral's native repos may carry params.json instead of config.json.
  const std::string config =
      !files.count("config.json") && files.count("params.json") ? "params.json" : "config.json";
  const bool has_config = files.count(config) > 0;
  p.gguf_file = !gguf_file.empty() ? gguf_file : has_config ? "" : default_gguf(p.gguf_files);
  if (has_config) p.config_files = {config};
  if (!p.gguf_file.empty()) {
    p.gguf_parts = gguf_parts(p.gguf_file);
    for (const auto& f : p.gguf_parts) {
      if (!files.count(f)) p.problem = "gguf_file_missing";
    }
  } else {
    if (!has_config) p.problem = "no_config";
    if (auto st = pick_safetensors(*listing)) p.safetensors = {*st};
  }
  return p;
}

int packed_bits_from_config(const nlohmann::json& config) {
  if (!config.is_object()) return 4;
  const nlohmann::json* q = nullptr;
  if (config.contains("quantization_config")) {
    q = &config["quantization_config"];
  } else if (config.contains("text_config") && config["text_config"].is_object() &&
             config["text_config"].contains("quantization_config")) {
    q = &config["text_config"]["quantization_config"];
  }
  if (!q || !q->is_object()) return 4;
  for (const char* key : {"bits", "w_bit"}) {
    if (!q->contains(key)) continue;
    const auto& v = (*q)[key];
    const double b = v.is_number() ? v.get<double>() : 0;
    return b == 2 || b == 3 || b == 4 || b == 8 ? static_cast<int>(b) : 4;
  }
  return 4;
}

CheckpointSummary merge_checkpoint_summaries(const std::vector<CheckpointSummary>& parts) {
  CheckpointSummary out;
  auto add = [](std::map<std::string, int64_t>& into, const std::map<std::string, int64_t>& from) {
    for (const auto& [k, v] : from) into[k] += v;
  };
  for (const auto& s : parts) {
    out.tensors += s.tensors;
    out.total_bytes += s.total_bytes;
    add(out.bytes_by_dtype, s.bytes_by_dtype);
    add(out.params_by_dtype, s.params_by_dtype);
    add(out.bytes_by_role, s.bytes_by_role);
    add(out.params_by_role, s.params_by_role);
    out.stored_elements += s.stored_elements;
    out.params += s.params;
    out.overhead_bytes += s.overhead_bytes;
    out.overhead_elements += s.overhead_elements;
    out.packed_tensors += s.packed_tensors;
  }
  return out;
}

CheckpointComparison compare_checkpoint(const CheckpointSummary& s, int64_t config_params) {
  CheckpointComparison c;
  c.config_params = config_params;
  c.header_params = s.params;
  c.difference = s.params - config_params;
  c.reason = c.difference == 0  ? "equal"
             : c.difference > 0 ? "files_store_more"
                                : "config_counts_more";
  c.packing_guessed = s.packed_tensors > 0;
  return c;
}

}  // namespace vramfit
