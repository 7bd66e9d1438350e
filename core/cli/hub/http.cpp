// libcurl transport for the Hub (http.h).
#include "http.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#ifdef VRAMFIT_HAVE_CURL
#include <curl/curl.h>
#endif

namespace vramfit {
namespace cli {

std::string describe(const HubFile& f) {
  return f.id + "/" + f.file + (f.revision == "main" ? "" : " (revision " + f.revision + ")");
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

std::string info_url(const HubSettings& s, const std::string& id, const std::string& rev) {
  return s.endpoint + "/api/models/" + id + (rev == "main" ? "" : "/revision/" + escape(rev));
}

std::string secs(long ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000.0);
  return buf;
}

struct Request {
  std::string id, revision, file;  // file "": the model-info API
  bool ranged = false;
  uint64_t from = 0, to = 0;  // inclusive
};

Resp get(const HubSettings& s, const Request& q, size_t cap) {
  global_init();
  Origin home;
  if (!origin_of(s.endpoint, home) || (home.scheme != "http" && home.scheme != "https")) {
    throw HubError("bad_endpoint",
                   "HF_ENDPOINT \"" + s.endpoint +
                       "\" is not an http(s) URL; unset it to use https://huggingface.co");
  }
  std::string url =
      q.file.empty() ? info_url(s, q.id, q.revision) : file_url(s, q.id, q.revision, q.file);
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
  if (q.file.empty()) {
    return "the model info of " + q.id +
           (q.revision == "main" ? "" : " (revision " + q.revision + ")");
  }
  return describe({q.id, q.revision, q.file});
}

// Maps a transport failure or a non-2xx status to a HubError.
void check(const HubSettings& s, const Request& q, const Resp& r, const std::string& forward) {
  const std::string what = what_file(q);
  if (r.code != CURLE_OK) {
    switch (r.code) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        throw HubError("unreachable",
                       "cannot resolve " + r.host + " (offline, or a DNS failure) fetching " +
                           what + ". Check the network and HF_ENDPOINT, then retry; or " + forward);
      case CURLE_COULDNT_CONNECT:
        throw HubError("unreachable", "cannot connect to " + s.endpoint + " (" + r.error +
                                          ") fetching " + what +
                                          ". Check the network, then retry; or " + forward);
      case CURLE_OPERATION_TIMEDOUT:
        throw HubError("timeout", "no complete answer from " + r.host + " within " +
                                      secs(s.total_timeout_ms) + " s fetching " + what +
                                      ". Retry (a slow link can raise VRAMFIT_HTTP_TIMEOUT, in "
                                      "seconds); or " +
                                      forward);
      case CURLE_PARTIAL_FILE:
      case CURLE_RECV_ERROR:
      case CURLE_GOT_NOTHING:
        throw HubError("truncated", "the response for " + what + " was cut off (" + r.error +
                                        "). Retry; or " + forward);
      default:
        throw HubError("http",
                       "fetching " + what + " failed: " + r.error + ". Retry; or " + forward);
    }
  }
  if (r.status >= 200 && r.status < 300) return;
  const std::string code = r.header("x-error-code");
  const std::string st = "HTTP " + std::to_string(r.status) + (code.empty() ? "" : ", " + code);
  // The Hub answers 401 RepoNotFound to anonymous requests for a repo that
  // does not exist (or is private: it does not say which).
  if (code == "RepoNotFound" && (r.status == 404 || s.token.empty())) {
    throw HubError("not_found", q.id + ": no such model repository on " + s.endpoint + " (" + st +
                                    "). Check "
                                    "the id (ORG/NAME)" +
                                    (s.token.empty() ? "; a private repo needs HF_TOKEN" : "") +
                                    "; or " + forward);
  }
  if (r.status == 404 && code == "RevisionNotFound") {
    throw HubError("no_revision", q.id + ": revision \"" + q.revision + "\" not found (" + st +
                                      "). Check --revision (a branch, tag or commit); or " +
                                      forward);
  }
  if (r.status == 404) {
    throw HubError("no_file",
                   what + " not found (" + st +
                       "). The repo may not have this file at this revision; " + forward,
                   st);
  }
  if (r.status == 401 || r.status == 403) {
    const std::string page = s.endpoint + "/" + q.id;
    if (s.token.empty()) {
      throw HubError("unauthorized",
                     q.id + " is gated or private (" + st + "): accept its terms on " + page +
                         ", then set HF_TOKEN (or log in with `hf auth login`, which writes the "
                         "token file); or " +
                         forward);
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
                       "). Wait and retry" +
                       (s.token.empty() ? " (requests with HF_TOKEN get higher limits)" : "") +
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
                         const std::string& forward, bool allow_short) {
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
  if (body.size() < len && !allow_short) {
    throw HubError("truncated", "the response for " + what_file(q) + " bytes " +
                                    std::to_string(from) + "-" + std::to_string(q.to) + " has " +
                                    std::to_string(body.size()) + " of " + std::to_string(len) +
                                    " bytes. Retry; or " + forward);
  }
  return body.substr(0, static_cast<size_t>(len));
}

}  // namespace

std::string fetch_file(const HubSettings& s, const HubFile& f, size_t cap,
                       const std::string& forward) {
  const Request q{f.id, f.revision, f.file};
  Resp r = fetch(s, q, cap, forward);
  if (r.capped) {
    throw HubError("invalid", what_file(q) + " is over " + std::to_string(cap >> 20) +
                                  " MiB: not a model file. " + forward);
  }
  return std::move(r.body);
}

std::string fetch_model_info(const HubSettings& s, const std::string& id,
                             const std::string& revision, size_t cap, const std::string& forward) {
  return fetch_file(s, HubFile{id, revision, ""}, cap, forward);
}

std::string fetch_range(const HubSettings& s, const HubFile& f, uint64_t from, uint64_t len,
                        const std::string& forward, bool allow_short) {
  return ranged_bytes(s, Request{f.id, f.revision, f.file}, from, len, forward, allow_short);
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

std::string fetch_file(const HubSettings&, const HubFile&, size_t, const std::string&) {
  no_curl();
}
std::string fetch_model_info(const HubSettings&, const std::string&, const std::string&, size_t,
                             const std::string&) {
  no_curl();
}
std::string fetch_range(const HubSettings&, const HubFile&, uint64_t, uint64_t, const std::string&,
                        bool) {
  no_curl();
}

#endif

}  // namespace cli
}  // namespace vramfit
