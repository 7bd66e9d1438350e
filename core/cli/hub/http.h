// The CLI's HTTP transport to the Hub (libcurl): one file or one byte range
// of a repo file, with redirects followed by hand so that the token goes
// only to the endpoint's own scheme/host/port (the Hub redirects large
// files to a CDN host). Every failure is a HubError whose message ends with
// `forward`, the way on. Built without libcurl, every fetch throws
// HubError(unsupported). The page's transport is web/js/hub.js.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "settings.h"

namespace vramfit {
namespace cli {

struct HubFile {
  std::string id, revision, file;
};

// "ORG/NAME/file" plus " (revision R)" off main: how messages name a file.
std::string describe(const HubFile& f);

// The whole file; HubError(invalid) when it is longer than `cap` bytes.
std::string fetch_file(const HubSettings& s, const HubFile& f, size_t cap,
                       const std::string& forward);

// The Hub's model info of a repo at a revision ({endpoint}/api/models/{id}
// [/revision/{rev}]), as text; the same failures as fetch_file.
std::string fetch_model_info(const HubSettings& s, const std::string& id,
                             const std::string& revision, size_t cap, const std::string& forward);

// Bytes [from, from + len) by a Range request (a server that ignores Range
// works too). `allow_short`: a file that ends sooner is not an error (GGUF
// reads ask for more than small files hold).
std::string fetch_range(const HubSettings& s, const HubFile& f, uint64_t from, uint64_t len,
                        const std::string& forward, bool allow_short = false);

}  // namespace cli
}  // namespace vramfit
