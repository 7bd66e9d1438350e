// What `--model ORG/NAME [--revision R] [--gguf-file F]` reads from the Hub:
// the repo's file list (model-info API), then the files the core's plan for
// it names (vramfit::plan_checkpoint: config.json or params.json, the
// safetensors index and shard headers, every part of a split GGUF), fetched
// over http.h. The page's counterpart is
// web/js/hub-model.js and hub-headers.js.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "settings.h"
#include "vramfit/checkpoint.h"

namespace vramfit {
namespace cli {

struct HubCheckpoint {
  std::string format;              // "safetensors" or "gguf"
  std::vector<std::string> files;  // shards or GGUF parts read
  std::vector<CheckpointTensor> tensors;
  CheckpointSummary summary;                // per-file sums, merged by the core
  std::optional<int64_t> index_total_size;  // model.safetensors.index.json
  int64_t header_bytes_fetched = 0;
  std::vector<std::string> notes;  // index/header disagreements
};

// What `--model` puts in the request, plus the checkpoint headers when
// asked for. A GGUF file (given, or the plan's choice) supplies the config
// when the repo has no config.json. A failure to read the safetensors
// headers is not fatal: `checkpoint_note` says why.
struct ModelFetch {
  nlohmann::json model;                     // {"config": {...}, "id": ORG/NAME}
  std::string config_file = "config.json";  // or "params.json", or the GGUF file
  std::optional<HubCheckpoint> checkpoint;
  std::string checkpoint_note;
};
ModelFetch fetch_model(const std::string& id, const std::string& revision,
                       const std::string& gguf_file, bool want_checkpoint);

}  // namespace cli
}  // namespace vramfit
