// Hub settings from the environment and the repo id check (settings.h).
#include "settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace vramfit {
namespace cli {

// Leading and trailing white space removed (also used by http.cpp).
std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}
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
        if (!xdg.empty())
          home = xdg + "/huggingface";
        else if (!env("HOME").empty())
          home = env("HOME") + "/.cache/huggingface";
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
        p.front() == '.' || p.find("--") != std::string::npos ||
        p.find("..") != std::string::npos) {
      return false;
    }
    for (char c : p) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
        return false;
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

}  // namespace cli
}  // namespace vramfit
