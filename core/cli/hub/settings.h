// The Hub client's settings and its one error type, shared by the HTTP
// transport (http.h), the fetcher (fetch.h) and main.cpp. Environment, as
// the Hub's own tools read it:
//   HF_ENDPOINT            default https://huggingface.co
//                          URL layout {endpoint}/{id}/resolve/{revision}/{file}
//   HF_TOKEN               else the file HF_TOKEN_PATH, else $HF_HOME/token
//                          (HF_HOME default ~/.cache/huggingface). Sent only
//                          to the endpoint's own host; never printed.
//   VRAMFIT_HTTP_TIMEOUT   total seconds per request (default 30; connect 10)
#pragma once

#include <stdexcept>
#include <string>

namespace vramfit {
namespace cli {

// A failed fetch. what() is one line: what happened, then the way forward.
class HubError : public std::runtime_error {
 public:
  HubError(std::string kind, const std::string& message, std::string status = "")
      : std::runtime_error(message), kind_(std::move(kind)), status_(std::move(status)) {}
  // The page's kinds (web/js/hub.js HubError) where the failure is the same:
  // not_found (no such repo), no_revision, no_file, unauthorized,
  // rate_limited, server_error, timeout, truncated, invalid, http, bad_id,
  // bad_endpoint, unreachable (DNS or connection). CLI only: unsupported
  // (built without libcurl).
  const std::string& kind() const { return kind_; }
  // A mistake in the command line rather than a failed fetch.
  bool usage() const { return kind_ == "bad_id" || kind_ == "bad_endpoint"; }
  // "HTTP 404, EntryNotFound" for an HTTP failure, else "".
  const std::string& status() const { return status_; }

 private:
  std::string kind_;
  std::string status_;
};

// `s` without leading and trailing white space.
std::string trim(std::string s);

constexpr int kHubExitCode = 3;  // exit status of a failed Hub fetch

struct HubSettings {
  std::string endpoint = "https://huggingface.co";
  std::string token;         // empty: anonymous
  std::string token_source;  // "HF_TOKEN", "token file <path>" or ""
  long connect_timeout_ms = 10000;
  long total_timeout_ms = 30000;
};

// Reads the environment described above.
HubSettings hub_settings_from_env();

// Throws HubError(bad_id) unless `id` looks like NAME or ORG/NAME.
void check_model_id(const std::string& id);

}  // namespace cli
}  // namespace vramfit
