// Hugging Face Hub access for the CLI (`--model ORG/NAME [--revision R]`):
// config.json (or params.json), safetensors headers by HTTP range requests,
// GGUF headers.
// libcurl; built without it (VRAMFIT_HAVE_CURL unset) every fetch throws a
// HubError saying so. Environment, as the Hub's own tools read it:
//   HF_ENDPOINT            default https://huggingface.co
//                          URL layout {endpoint}/{id}/resolve/{revision}/{file}
//   HF_TOKEN               else the file HF_TOKEN_PATH, else $HF_HOME/token
//                          (HF_HOME default ~/.cache/huggingface). Sent only
//                          to the endpoint's own host; never printed.
//   VRAMFIT_HTTP_TIMEOUT   total seconds per request (default 30; connect 10)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vramfit/checkpoint.h"

namespace vramfit {
namespace cli {

// A failed fetch. what() is one line: what happened, then the way forward.
class HubError : public std::runtime_error {
 public:
  HubError(std::string kind, const std::string& message)
      : std::runtime_error(message), kind_(std::move(kind)) {}
  // offline, dns, timeout, not_found, unauthorized, rate_limited,
  // server_error, truncated, invalid, http, bad_id, unsupported
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
};

constexpr int kHubExitCode = 3;  // exit status of a failed Hub fetch

struct HubSettings {
  std::string endpoint = "https://huggingface.co";
  std::string token;           // empty: anonymous
  std::string token_source;    // "HF_TOKEN", "token file <path>" or ""
  long connect_timeout_ms = 10000;
  long total_timeout_ms = 30000;
};

// Reads the environment described above.
HubSettings hub_settings_from_env();

// Throws HubError(bad_id) unless `id` looks like NAME or ORG/NAME.
void check_model_id(const std::string& id);

// config.json of the repo, parsed (HubError(invalid) when not JSON); where
// the repo has none, its Mistral-format params.json. *file_used says which.
nlohmann::json fetch_config(const std::string& id, const std::string& revision);
nlohmann::json fetch_config(const HubSettings& s, const std::string& id,
                            const std::string& revision, std::string* file_used = nullptr);

struct HubCheckpoint {
  std::string format;                  // "safetensors" or "gguf"
  std::vector<std::string> files;      // shards read
  std::vector<CheckpointTensor> tensors;
  std::optional<int64_t> index_total_size;  // model.safetensors.index.json
  int64_t header_bytes_fetched = 0;
  std::vector<std::string> notes;      // index/header disagreements
  std::optional<GgufHeader> gguf;
};

// model.safetensors.index.json (else model.safetensors, else Mistral's
// consolidated.safetensors), then per shard a Range request for bytes 0-7
// and one for the header.
HubCheckpoint fetch_safetensors_headers(const std::string& id, const std::string& revision);
HubCheckpoint fetch_safetensors_headers(const HubSettings& s, const std::string& id,
                                        const std::string& revision);

// The header of one GGUF file of the repo, by growing Range requests.
HubCheckpoint fetch_gguf_header(const HubSettings& s, const std::string& id,
                                const std::string& revision, const std::string& file);

// What `--model` puts in the request, plus the checkpoint headers when
// asked for (params). `gguf_file` non-empty: the config comes from that GGUF
// header (GGUF-only repos have no config.json). A failure to read the
// safetensors headers is not fatal: `checkpoint_note` says why.
struct ModelFetch {
  nlohmann::json model;  // {"config": {...}, "id": ORG/NAME}
  std::string config_file = "config.json";  // or "params.json", or the GGUF file
  std::optional<HubCheckpoint> checkpoint;
  std::string checkpoint_note;
};
ModelFetch fetch_model(const std::string& id, const std::string& revision,
                       const std::string& gguf_file, bool want_checkpoint);

// "checkpoint bytes" lines for `vramfit params`, next to the config count.
void print_checkpoint(const HubCheckpoint& c, const nlohmann::json& response);
// The same as JSON (the "checkpoint" member of `params --json`).
nlohmann::json checkpoint_json(const HubCheckpoint& c, const nlohmann::json& response);

}  // namespace cli
}  // namespace vramfit
