// Checkpoint headers next to the config-based count (report.h). The numbers
// and the reason code are the core's (compare_checkpoint); only the words
// are the CLI's.
#include "report.h"

#include <cstdio>

#include "../tables.h"

namespace vramfit {
namespace cli {

namespace {
int64_t config_params(const nlohmann::json& r) {
  const auto& p = r.at("params");
  return p.value("total", int64_t{0}) + p.value("towers", int64_t{0});
}

std::string bytes_str(int64_t b) { return gib(b) + " (" + with_commas(b) + " B)"; }
}  // namespace

nlohmann::json checkpoint_json(const HubCheckpoint& c, const nlohmann::json& response) {
  const CheckpointComparison cmp = compare_checkpoint(c.summary, config_params(response));
  nlohmann::json j = {{"format", c.format},
                      {"files", c.files},
                      {"summary", checkpoint_summary_json(c.summary)},
                      {"config_params", cmp.config_params},
                      {"params_difference", cmp.difference},
                      {"difference_reason", cmp.reason},
                      {"notes", c.notes},
                      {"header_bytes_fetched", c.header_bytes_fetched}};
  if (c.index_total_size) j["index_total_size"] = *c.index_total_size;
  return j;
}

void print_checkpoint(const HubCheckpoint& c, const nlohmann::json& response) {
  const CheckpointSummary& s = c.summary;
  auto row = [](const std::string& k, const std::string& v) {
    std::printf("  %-26s %s\n", k.c_str(), v.c_str());
  };
  std::printf("\ncheckpoint bytes (%s headers: %zu file%s, %lld tensors, %s KiB read)\n",
              c.format.c_str(), c.files.size(), c.files.size() == 1 ? "" : "s",
              static_cast<long long>(s.tensors),
              with_commas((c.header_bytes_fetched + 1023) / 1024).c_str());
  row("stored", bytes_str(s.total_bytes));
  for (const auto& [dtype, bytes] : s.bytes_by_dtype) {
    row("  " + dtype,
        bytes_str(bytes) + ", " +
            with_commas(s.params_by_dtype.count(dtype) ? s.params_by_dtype.at(dtype) : 0) +
            " params");
  }
  if (s.overhead_bytes > 0) {
    row("quantisation scales/zeros", bytes_str(s.overhead_bytes) + " (not parameters)");
  }
  if (c.index_total_size) {
    row("index total_size",
        with_commas(*c.index_total_size) + (*c.index_total_size == s.total_bytes
                                                ? " (matches the headers)"
                                                : " (differs from the headers)"));
  }
  row("params from headers", with_commas(s.params));
  if (s.packed_tensors > 0) {
    row("stored elements", with_commas(s.stored_elements) +
                               " (what the Hub shows: packed ints counted once, scales included)");
  }
  const CheckpointComparison cmp = compare_checkpoint(s, config_params(response));
  const int64_t cfg = cmp.config_params;
  const int64_t d = cmp.difference;
  const std::string towers = response.at("params").value("towers", int64_t{0}) > 0
                                 ? " (language model + vision/audio towers)"
                                 : "";
  if (cmp.reason == "equal") {
    row("vs config count", with_commas(cfg) + towers + ": equal");
  } else {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%+.2f%%",
                  cfg > 0 ? 100.0 * static_cast<double>(d) / static_cast<double>(cfg) : 0.0);
    row("vs config count",
        with_commas(cfg) + towers + ": " + (d > 0 ? "+" : "") + with_commas(d) + " (" + pct + ")");
    if (cmp.reason == "files_store_more") {
      std::printf(
          "  the files store tensors the config-based count leaves out (MTP/draft "
          "layers, towers the config does not describe, a tied head saved twice)\n");
    } else {
      std::printf(
          "  the config-based count includes tensors the files do not store (an "
          "untied head saved once, layers the files omit)%s\n",
          cmp.packing_guessed ? " or the packing guess (quantization_config bits, else "
                                "4) is wrong for this checkpoint"
                              : "");
    }
  }
  std::printf(
      "  the estimate's weights use the config count x the weights dtype; these "
      "header bytes are the exact on-disk sizes\n");
  for (const auto& n : c.notes) std::printf("  note: %s\n", n.c_str());
}

}  // namespace cli
}  // namespace vramfit
