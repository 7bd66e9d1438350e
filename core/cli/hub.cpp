// Hugging Face Hub fetches for the CLI (hub.h). Redirects are followed by
// hand so that the token goes only to the endpoint's own scheme/host/port
// (the Hub redirects large files to a CDN host); every failure becomes a
// HubError whose message ends with a way forward.
#include "hub.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tables.h"

#ifdef VRAMFIT_HAVE_CURL
#include <curl/curl.h>
#endif

namespace vramfit {
namespace cli {

namespace {
using json = nlohmann::json;

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

[[maybe_unused]] const char* kOffline =
    "paste the model's config.json with --config FILE, or use --preset ID (`vramfit presets`)";
}  // namespace

HubSettings hub_settings_from_env() {
  HubSettings s;
  std::string ep = trim(env("HF_ENDPOINT"));
  if (!ep.empty()) s.endpoint = ep;
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  std::string tok = trim(env("HF_TOKEN"));
  if (!tok.empty()) {
    s.token = tok;
    s.token_source = "HF_TOKEN";
  } else {
    std::string path = env("HF_TOKEN_PATH");
    if (path.empty()) {
      std::string home = env("HF_HOME");
      if (home.empty()) {
        std::string xdg = env("XDG_CACHE_HOME");
        if (!xdg.empty()) home = xdg + "/huggingface";
        else if (!env("HOME").empty()) home = env("HOME") + "/.cache/huggingface";
      }
      if (!home.empty()) path = home + "/token";
    }
    if (!path.empty()) {
      std::ifstream in(path);
      if (in) {
        std::string line;
        std::getline(in, line);
        line = trim(line);
        if (!line.empty()) {
          s.token = line;
          s.token_source = "the token file " + path;
        }
      }
    }
  }
  std::string t = trim(env("VRAMFIT_HTTP_TIMEOUT"));
  if (!t.empty()) {
    char* end = nullptr;
    double sec = std::strtod(t.c_str(), &end);
    if (end && *end == '\0' && sec > 0 && sec <= 3600) {
      s.total_timeout_ms = static_cast<long>(sec * 1000);
      s.connect_timeout_ms = std::min(s.connect_timeout_ms, s.total_timeout_ms);
    }
  }
  return s;
}

void check_model_id(const std::string& id) {
  auto ok_part = [](const std::string& p) {
    if (p.empty() || p.size() > 96 || p == "." || p == ".." || p.front() == '-' ||
        p.front() == '.' || p.find("--") != std::string::npos || p.find("..") != std::string::npos) {
      return false;
    }
    for (char c : p) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
  };
  const auto slash = id.find('/');
  const bool ok = slash == std::string::npos
                      ? ok_part(id)
                      : ok_part(id.substr(0, slash)) && ok_part(id.substr(slash + 1));
  if (!ok) {
    throw HubError("bad_id", "\"" + id.substr(0, 120) +
                                 "\" is not a Hugging Face model id; want ORG/NAME, e.g. "
                                 "meta-llama/Llama-3.1-8B");
  }
}

#ifdef VRAMFIT_HAVE_CURL
namespace {

struct Origin {
  std::string scheme, host, port;
  bool operator==(const Origin& o) const {
    return scheme == o.scheme && host == o.host && port == o.port;
  }
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool origin_of(const std::string& url, Origin& out) {
  CURLU* u = curl_url();
  if (!u) return false;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK;
  auto part = [&](CURLUPart p, unsigned flags, std::string& dst) {
    char* v = nullptr;
    if (ok && curl_url_get(u, p, &v, flags) == CURLUE_OK && v) {
      dst = lower(v);
      curl_free(v);
    } else {
      ok = false;
    }
  };
  part(CURLUPART_SCHEME, 0, out.scheme);
  part(CURLUPART_HOST, 0, out.host);
  part(CURLUPART_PORT, CURLU_DEFAULT_PORT, out.port);
  curl_url_cleanup(u);
  return ok;
}

struct Resp {
  long status = 0;
  CURLcode code = CURLE_OK;
  std::string error;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const char* lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  size_t cap = 0;
  bool capped = false;
  std::string host;
};

size_t on_body(char* p, size_t sz, size_t n, void* ud) {
  auto* r = static_cast<Resp*>(ud);
  const size_t len = sz * n;
  if (r->body.size() + len > r->cap) {
    r->body.append(p, r->cap - r->body.size());
    r->capped = true;
    return 0;  // enough: stop the transfer (a server that ignored Range)
  }
  r->body.append(p, len);
  return len;
}

size_t on_header(char* p, size_t sz, size_t n, void* ud) {
  auto* r = static_cast<Resp*>(ud);
  const std::string line(p, sz * n);
  if (line.rfind("HTTP/", 0) == 0) r->headers.clear();
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    r->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return sz * n;
}

void global_init() {
  static const bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

std::string file_url(const HubSettings& s, const std::string& id, const std::string& rev,
                     const std::string& file) {
  std::string f;
  std::stringstream ss(file);
  std::string part;
  while (std::getline(ss, part, '/')) f += (f.empty() ? "" : "/") + escape(part);
  return s.endpoint + "/" + id + "/resolve/" + escape(rev) + "/" + f;
}

std::string secs(long ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000.0);
  return buf;
}

struct Request {
  std::string id, revision, file;
  bool ranged = false;
  uint64_t from = 0, to = 0;  // inclusive
};

Resp get(const HubSettings& s, const Request& q, size_t cap) {
  global_init();
  Origin home;
  if (!origin_of(s.endpoint, home) || (home.scheme != "http" && home.scheme != "https")) {
    throw HubError("bad_id", "HF_ENDPOINT \"" + s.endpoint +
                                 "\" is not an http(s) URL; unset it to use https://huggingface.co");
  }
  std::string url = file_url(s, q.id, q.revision, q.file);
  for (int hop = 0; hop < 8; ++hop) {
    Resp r;
    r.cap = cap;
    Origin here;
    const bool same = origin_of(url, here) && here == home;
    r.host = here.host;
    CURL* c = curl_easy_init();
    if (!c) throw HubError("http", "libcurl could not start a transfer");
    char err[CURL_ERROR_SIZE] = {0};
    curl_slist* hdrs = nullptr;
    if (same && !s.token.empty()) {
      hdrs = curl_slist_append(hdrs, ("Authorization: Bearer " + s.token).c_str());
    }
    const std::string range = std::to_string(q.from) + "-" + std::to_string(q.to);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s.total_timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vramfit/" VRAMFIT_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    if (hdrs) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (q.ranged) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
    r.code = curl_easy_perform(c);
    r.error = err[0] ? err : curl_easy_strerror(r.code);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char* next = nullptr;
    std::string location;
    if (r.code == CURLE_OK && r.status >= 300 && r.status < 400 &&
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next) == CURLE_OK && next) {
      location = next;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (r.code == CURLE_WRITE_ERROR && r.capped) r.code = CURLE_OK;
    if (!location.empty()) {
      url = location;
      continue;
    }
    return r;
  }
  throw HubError("http", q.id + ": too many redirects fetching " + q.file + "; retry later");
}

std::string what_file(const Request& q) {
  return q.id + "/" + q.file + (q.revision == "main" ? "" : " (revision " + q.revision + ")");
}

// Maps a transport failure or a non-2xx status to a HubError.
void check(const HubSettings& s, const Request& q, const Resp& r, const std::string& forward) {
  const std::string what = what_file(q);
  if (r.code != CURLE_OK) {
    switch (r.code) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        throw HubError("dns", "cannot resolve " + r.host + " (offline, or a DNS failure) fetching " +
                                  what + ". Check the network and HF_ENDPOINT, then retry; or " +
                                  forward);
      case CURLE_COULDNT_CONNECT:
        throw HubError("offline", "cannot connect to " + s.endpoint + " (" + r.error +
                                      ") fetching " + what + ". Check the network, then retry; or " +
                                      forward);
      case CURLE_OPERATION_TIMEDOUT:
        throw HubError("timeout", "no complete answer from " + r.host + " within " +
                                      secs(s.total_timeout_ms) + " s fetching " + what +
                                      ". Retry (a slow link can raise VRAMFIT_HTTP_TIMEOUT, in "
                                      "seconds); or " + forward);
      case CURLE_PARTIAL_FILE:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
        throw HubError("truncated", "the response for " + what + " was cut off (" + r.error +
                                        "). Retry; or " + forward);
      default:
        throw HubError("http", "fetching " + what + " failed: " + r.error + ". Retry; or " +
                                   forward);
    }
  }
  if (r.status >= 200 && r.status < 300) return;
  const std::string code = r.header("x-error-code");
  const std::string st = "HTTP " + std::to_string(r.status);
  if (code == "RepoNotFound" || (r.status == 404 && code.empty() && q.file == "config.json")) {
    throw HubError("not_found",
                   q.id + ": no such model repository on " + s.endpoint + " (" + st +
                       (code.empty() ? "" : ", " + code) + "), or it has no config.json. Check "
                       "the id (ORG/NAME)" + (s.token.empty() ? "; a private repo needs HF_TOKEN" : "") +
                       "; or " + forward);
  }
  if (code == "RevisionNotFound") {
    throw HubError("not_found", q.id + ": revision \"" + q.revision + "\" not found (" + st +
                                    "). Check --revision (a branch, tag or commit); or " + forward);
  }
  if (r.status == 404) {
    // fetch_config asks for params.json before reporting config.json missing.
    const bool cfg = q.file == "config.json";
    throw HubError("not_found", what + " not found" + (cfg ? ", nor params.json" : "") + " (" +
                                    st + (code.empty() ? "" : ", " + code) +
                                    "). The repo may not have " + (cfg ? "them" : "this file") +
                                    " at this revision" +
                                    (cfg ? " (a GGUF-only repo: add --gguf-file NAME.gguf to "
                                           "read the config from a GGUF header)"
                                         : "") +
                                    "; " + forward);
  }
  if (r.status == 401 || r.status == 403) {
    const std::string page = s.endpoint + "/" + q.id;
    if (s.token.empty()) {
      throw HubError("unauthorized",
                     q.id + " is gated or private (" + st + "): accept its terms on " + page +
                         ", then set HF_TOKEN (or log in with `hf auth login`, which writes the "
                         "token file); or " + forward);
    }
    throw HubError("unauthorized",
                   q.id + ": the token from " + s.token_source + " has no access (" + st +
                       "): accept the model's terms on " + page +
                       " with that account, or use a token with read access; or " + forward);
  }
  if (r.status == 429) {
    const std::string after = r.header("retry-after");
    throw HubError("rate_limited",
                   "the Hub is rate-limiting requests (" + st +
                       (after.empty() ? "" : ", retry after " + after + " s") +
                       "). Wait and retry" + (s.token.empty() ? " (requests with HF_TOKEN get higher limits)" : "") +
                       "; or " + forward);
  }
  if (r.status >= 500) {
    throw HubError("server_error", "the Hub failed (" + st + ") serving " + what +
                                       ". Retry in a few minutes; or " + forward);
  }
  throw HubError("http", "unexpected " + st + " fetching " + what + ". Retry; or " + forward);
}

Resp fetch(const HubSettings& s, const Request& q, size_t cap, const std::string& forward) {
  Resp r = get(s, q, cap);
  check(s, q, r, forward);
  return r;
}

std::string ranged_bytes(const HubSettings& s, Request q, uint64_t from, uint64_t len,
                         const std::string& forward) {
  q.ranged = true;
  q.from = from;
  q.to = from + len - 1;
  Resp r = fetch(s, q, static_cast<size_t>(len), forward);
  std::string body = r.body;
  if (r.status == 200 && from > 0) {
    // The server ignored Range and sent the file from byte 0: what we kept
    // is not the slice asked for. Read the start of the file instead.
    Request whole = q;
    whole.ranged = false;
    Resp full = fetch(s, whole, static_cast<size_t>(from + len), forward);
    body = full.body.size() < from + len
               ? std::string()
               : full.body.substr(static_cast<size_t>(from), static_cast<size_t>(len));
  }
  if (body.size() < len) {
    throw HubError("truncated", "the response for " + what_file(q) + " bytes " +
                                    std::to_string(from) + "-" + std::to_string(q.to) + " has " +
                                    std::to_string(body.size()) + " of " + std::to_string(len) +
                                    " bytes. Retry; or " + forward);
  }
  return body.substr(0, static_cast<size_t>(len));
}

const char* kNoHeaders = "the parameter count from the config above still holds";

}  // namespace

json fetch_config(const HubSettings& s, const std::string& id, const std::string& revision,
                  std::string* file_used) {
  check_model_id(id);
  Request q{id, revision.empty() ? "main" : revision, "config.json"};
  Resp r = get(s, q, size_t{16} << 20);
  // Mistral-format repos (params.json + consolidated.safetensors) have no
  // config.json: when the file, not the repo or revision, is missing, read
  // params.json instead (the core maps it); if that is missing too, report
  // config.json.
  if (r.code == CURLE_OK && r.status == 404 && r.header("x-error-code") != "RepoNotFound" &&
      r.header("x-error-code") != "RevisionNotFound") {
    Request pq{id, q.revision, "params.json"};
    Resp pr = get(s, pq, size_t{16} << 20);
    if (!(pr.code == CURLE_OK && pr.status == 404)) {
      q = pq;
      r = std::move(pr);
    }
  }
  check(s, q, r, kOffline);
  if (file_used) *file_used = q.file;
  if (r.capped) {
    throw HubError("invalid", what_file(q) + " is over 16 MiB: not a model config. " + kOffline);
  }
  // Depth-limited like the core's own parser: a hostile answer nested a
  // million levels deep must not reach the (recursive) copy into the request.
  bool too_deep = false;
  auto guard = [&](int depth, json::parse_event_t, json&) {
    if (depth > 256) too_deep = true;
    return !too_deep;
  };
  json cfg = json::parse(r.body, guard, false);
  if (too_deep) {
    throw HubError("invalid", what_file(q) + " is nested deeper than 256 levels: not a model "
                                             "config. " + kOffline);
  }
  if (cfg.is_discarded() || !cfg.is_object()) {
    std::string head = r.body.substr(0, 60);
    for (auto& c : head) {
      if (!std::isprint(static_cast<unsigned char>(c))) c = '.';
    }
    throw HubError("invalid", what_file(q) + " is not a JSON object (starts \"" + head +
                                  "\"; a proxy or captive portal?). Retry; or " + kOffline);
  }
  return cfg;
}

HubCheckpoint fetch_safetensors_headers(const HubSettings& s, const std::string& id,
                                        const std::string& revision) {
  check_model_id(id);
  const std::string rev = revision.empty() ? "main" : revision;
  HubCheckpoint out;
  out.format = "safetensors";
  std::optional<SafetensorsIndex> index;
  Request iq{id, rev, "model.safetensors.index.json"};
  Resp ir = get(s, iq, size_t{16} << 20);
  if (ir.code == CURLE_OK && ir.status == 404) {
    out.files = {"model.safetensors"};
  } else {
    check(s, iq, ir, kNoHeaders);
    try {
      index = parse_safetensors_index_text(ir.body);
    } catch (const Error& e) {
      throw HubError("invalid", what_file(iq) + " is invalid: " + e.what() + "; " + kNoHeaders);
    }
    out.files = index->shards;
    out.index_total_size = index->total_size;
    out.header_bytes_fetched += static_cast<int64_t>(ir.body.size());
  }
  // One header per shard: Range 0-7 for N, then Range 8..8+N-1. Up to 8
  // shards at a time (DeepSeek-V3 has 163); results kept in shard order.
  const bool have_index = index.has_value();
  std::string single;  // the one file read when there is no index
  auto read_one = [&](const std::string& file) -> SafetensorsHeader {
    Request q{id, rev, file};
    std::string prefix;
    try {
      prefix = ranged_bytes(s, q, 0, 8, kNoHeaders);
    } catch (const HubError& e) {
      if (e.kind() != "not_found" || have_index) throw;
      // Mistral-format repos keep their weights in consolidated.safetensors.
      q.file = "consolidated.safetensors";
      try {
        prefix = ranged_bytes(s, q, 0, 8, kNoHeaders);
      } catch (const HubError& e2) {
        if (e2.kind() != "not_found") throw;
        throw HubError("not_found", id + " has no safetensors weights (no "
                                         "model.safetensors.index.json, model.safetensors or "
                                         "consolidated.safetensors at revision " + rev +
                                         "); " + kNoHeaders);
      }
      single = q.file;
    }
    try {
      const uint64_t n = safetensors_header_length(prefix);
      const std::string header = ranged_bytes(s, q, 8, n, kNoHeaders);
      return parse_safetensors_header(prefix + header);
    } catch (const Error& e) {
      throw HubError("invalid", what_file(q) + " has an invalid safetensors header: " + e.what() +
                                    "; " + kNoHeaders);
    }
  };
  global_init();
  const size_t n_files = out.files.size();
  std::vector<std::optional<SafetensorsHeader>> headers(n_files);
  std::vector<std::optional<HubError>> errors(n_files);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n_files; i = next++) {
      try {
        headers[i] = read_one(out.files[i]);
      } catch (const HubError& e) {
        errors[i] = e;
        next = n_files;  // stop handing out work
      } catch (const std::exception& e) {
        errors[i] = HubError("invalid", out.files[i] + ": " + e.what());
        next = n_files;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < std::min<size_t>(8, n_files); ++w) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (e) throw *e;
  }
  if (!single.empty()) out.files = {single};
  std::set<std::string> seen;
  for (size_t i = 0; i < n_files; ++i) {
    const std::string& file = out.files[i];
    SafetensorsHeader& h = *headers[i];
    out.header_bytes_fetched += h.header_length + 8;
    for (auto& t : h.tensors) {
      if (!seen.insert(t.name).second) {
        out.notes.push_back("tensor " + t.name + " appears in more than one shard");
      }
      if (index) {
        auto it = index->weight_map.find(t.name);
        if (it == index->weight_map.end()) {
          out.notes.push_back(file + ": tensor " + t.name + " is not in the index");
        } else if (it->second != file) {
          out.notes.push_back("tensor " + t.name + " is in " + file + ", the index says " + it->second);
        }
      }
      out.tensors.push_back(std::move(t));
    }
  }
  if (index) {
    for (const auto& [name, file] : index->weight_map) {
      if (!seen.count(name)) out.notes.push_back("the index lists " + name + " (" + file + ") but no shard has it");
    }
  }
  if (out.notes.size() > 10) {
    const size_t more = out.notes.size() - 10;
    out.notes.resize(10);
    out.notes.push_back("... and " + std::to_string(more) + " more");
  }
  return out;
}

HubCheckpoint fetch_gguf_header(const HubSettings& s, const std::string& id,
                                const std::string& revision, const std::string& file) {
  check_model_id(id);
  const std::string rev = revision.empty() ? "main" : revision;
  if (file.empty() || file.find("..") != std::string::npos || file[0] == '/' ||
      file.size() < 6 || file.compare(file.size() - 5, 5, ".gguf") != 0) {
    throw HubError("bad_id", "--gguf-file wants a .gguf file name in the repo, got \"" +
                                 file.substr(0, 80) + "\"");
  }
  Request q{id, rev, file};
  const uint64_t kCap = uint64_t{128} << 20;
  uint64_t want = uint64_t{1} << 20;
  for (;;) {
    q.ranged = true;
    q.from = 0;
    q.to = want - 1;
    Resp r = fetch(s, q, static_cast<size_t>(want), kOffline);
    try {
      GgufHeader h = parse_gguf_header(r.body);
      HubCheckpoint out;
      out.format = "gguf";
      out.files = {file};
      out.tensors = h.tensors;
      out.header_bytes_fetched = h.header_bytes;
      out.gguf = std::move(h);
      return out;
    } catch (const TruncatedInput& e) {
      if (r.body.size() < want) {
        throw HubError("invalid", what_file(q) + " ends inside its GGUF header (" +
                                      std::to_string(r.body.size()) + " bytes). " + kOffline);
      }
      if (e.needed() > kCap) {
        throw HubError("invalid", what_file(q) + ": GGUF header over " +
                                      std::to_string(kCap >> 20) + " MiB. " + kOffline);
      }
      want = std::min(kCap, std::max(e.needed(), want * 2));
    } catch (const Error& e) {
      throw HubError("invalid", what_file(q) + " is not a valid GGUF file: " + e.what() + ". " +
                                    kOffline);
    }
  }
}

#else  // !VRAMFIT_HAVE_CURL

namespace {
[[noreturn]] void no_curl() {
  throw HubError("unsupported",
                 "this vramfit was built without libcurl, so --model cannot fetch from the Hub "
                 "(install libcurl4-openssl-dev and rebuild); paste the model's config.json "
                 "with --config FILE, or use --preset ID");
}
}  // namespace

nlohmann::json fetch_config(const HubSettings&, const std::string& id, const std::string&,
                            std::string*) {
  check_model_id(id);
  no_curl();
}
HubCheckpoint fetch_safetensors_headers(const HubSettings&, const std::string&, const std::string&) {
  no_curl();
}
HubCheckpoint fetch_gguf_header(const HubSettings&, const std::string&, const std::string&,
                                const std::string&) {
  no_curl();
}

#endif

nlohmann::json fetch_config(const std::string& id, const std::string& revision) {
  return fetch_config(hub_settings_from_env(), id, revision);
}

HubCheckpoint fetch_safetensors_headers(const std::string& id, const std::string& revision) {
  return fetch_safetensors_headers(hub_settings_from_env(), id, revision);
}

ModelFetch fetch_model(const std::string& id, const std::string& revision,
                       const std::string& gguf_file, bool want_checkpoint) {
  const HubSettings s = hub_settings_from_env();
  ModelFetch f;
  nlohmann::json cfg;
  if (!gguf_file.empty()) {
    f.config_file = gguf_file;
    HubCheckpoint c = fetch_gguf_header(s, id, revision, gguf_file);
    try {
      cfg = gguf_to_config_json(*c.gguf);
    } catch (const Error& e) {
      throw HubError("invalid", id + "/" + gguf_file + ": " + e.what());
    }
    f.checkpoint = std::move(c);
  } else {
    cfg = fetch_config(s, id, revision, &f.config_file);
    if (want_checkpoint) {
      try {
        f.checkpoint = fetch_safetensors_headers(s, id, revision);
      } catch (const HubError& e) {
        f.checkpoint_note = e.what();
      }
    }
  }
  f.model = {{"config", cfg}, {"id", id}};
  return f;
}

namespace {
int64_t config_params(const nlohmann::json& r) {
  const auto& p = r.at("params");
  return p.value("total", int64_t{0}) + p.value("towers", int64_t{0});
}

std::string bytes_str(int64_t b) { return gib(b) + " (" + with_commas(b) + " B)"; }

// Weights per packed int32: the config's quantization bits (GPTQ 2/3/4/8),
// else 4 (AWQ and most GPTQ checkpoints).
int packed_bits(const nlohmann::json& r) {
  const auto& m = r.at("model");
  if (m.contains("quantization") && m["quantization"].is_object()) {
    const int64_t b = m["quantization"].value("bits", int64_t{0});
    if (b == 2 || b == 3 || b == 4 || b == 8) return static_cast<int>(b);
  }
  return 4;
}
}  // namespace

nlohmann::json checkpoint_json(const HubCheckpoint& c, const nlohmann::json& response) {
  const CheckpointSummary s = checkpoint_weight_bytes(c.tensors, packed_bits(response));
  nlohmann::json j = {{"format", c.format},
                      {"files", c.files},
                      {"summary", checkpoint_summary_json(s)},
                      {"config_params", config_params(response)},
                      {"params_difference", s.params - config_params(response)},
                      {"notes", c.notes},
                      {"header_bytes_fetched", c.header_bytes_fetched}};
  if (c.index_total_size) j["index_total_size"] = *c.index_total_size;
  return j;
}

void print_checkpoint(const HubCheckpoint& c, const nlohmann::json& response) {
  const CheckpointSummary s = checkpoint_weight_bytes(c.tensors, packed_bits(response));
  auto row = [](const std::string& k, const std::string& v) {
    std::printf("  %-26s %s\n", k.c_str(), v.c_str());
  };
  std::printf("\ncheckpoint bytes (%s headers: %zu file%s, %lld tensors, %s KiB read)\n",
              c.format.c_str(), c.files.size(), c.files.size() == 1 ? "" : "s",
              static_cast<long long>(s.tensors),
              with_commas((c.header_bytes_fetched + 1023) / 1024).c_str());
  row("stored", bytes_str(s.total_bytes));
  for (const auto& [dtype, bytes] : s.bytes_by_dtype) {
    row("  " + dtype, bytes_str(bytes) + ", " + with_commas(s.params_by_dtype.count(dtype) ? s.params_by_dtype.at(dtype) : 0) + " params");
  }
  if (s.overhead_bytes > 0) {
    row("quantisation scales/zeros", bytes_str(s.overhead_bytes) + " (not parameters)");
  }
  if (c.index_total_size) {
    row("index total_size", with_commas(*c.index_total_size) +
                                (*c.index_total_size == s.total_bytes ? " (matches the headers)"
                                                                      : " (differs from the headers)"));
  }
  row("params from headers", with_commas(s.params));
  if (s.packed_tensors > 0) {
    row("stored elements", with_commas(s.stored_elements) +
                               " (what the Hub shows: packed ints counted once, scales included)");
  }
  const int64_t cfg = config_params(response);
  const int64_t d = s.params - cfg;
  const std::string towers = response.at("params").value("towers", int64_t{0}) > 0
                                 ? " (language model + vision/audio towers)"
                                 : "";
  if (d == 0) {
    row("vs config count", with_commas(cfg) + towers + ": equal");
  } else {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%+.2f%%", cfg > 0 ? 100.0 * static_cast<double>(d) / static_cast<double>(cfg) : 0.0);
    row("vs config count", with_commas(cfg) + towers + ": " + (d > 0 ? "+" : "") +
                               with_commas(d) + " (" + pct + ")");
    if (d > 0) {
      std::printf("  the files store tensors the config-based count leaves out (MTP/draft "
                  "layers, towers the config does not describe, a tied head saved twice)\n");
    } else {
      std::printf("  the config-based count includes tensors the files do not store (an "
                  "untied head saved once, layers the files omit) or the packing guess "
                  "(quantization_config bits, else 4) is wrong for this checkpoint\n");
    }
  }
  std::printf("  the estimate's weights use the config count x the weights dtype; these "
              "header bytes are the exact on-disk sizes\n");
  for (const auto& n : c.notes) std::printf("  note: %s\n", n.c_str());
}

}  // namespace cli
}  // namespace vramfit
