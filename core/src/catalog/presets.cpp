#include "vramfit/presets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "catalog/embedded.h"
#include "util/json_util.h"
#include "vramfit/error.h"
#include "vramfit/result.h"

namespace vramfit {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits `text` at `sep` (a trailing empty field is dropped, as getline does).
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<PresetInfo> load_list() {
  // SOURCES.tsv: file, model_id, source_repo, path_in_repo, commit, notes.
  // Plain splitting, not iostreams: those pull ~70 KB of locale code into wasm.
  const EmbeddedFile* f = find_embedded("presets/SOURCES.tsv");
  std::vector<PresetInfo> out;
  const std::vector<std::string> lines = split(std::string(f->data, f->size), '\n');
  for (size_t i = 1; i < lines.size(); ++i) {  // [0] is the header
    const std::vector<std::string> cols = split(lines[i], '\t');
    if (cols.size() < 2 || cols[0].empty()) continue;
    std::string src = cols.size() > 4 ? cols[2] + ":" + cols[3] + " @ " + cols[4] : "";
    out.push_back({cols[1], cols[0], src});
  }
  std::sort(out.begin(), out.end(),
            [](const PresetInfo& a, const PresetInfo& b) { return lower(a.id) < lower(b.id); });
  return out;
}
}  // namespace

const std::vector<PresetInfo>& preset_list() {
  static const std::vector<PresetInfo> list = load_list();
  return list;
}

Result<const nlohmann::json*> preset_config(const std::string& id) {
  static std::map<std::string, std::unique_ptr<nlohmann::json>> cache;
  const std::string key = lower(id);
  for (const auto& p : preset_list()) {
    if (lower(p.id) != key) continue;
    auto it = cache.find(p.file);
    if (it != cache.end()) return it->second.get();
    const EmbeddedFile* f = find_embedded("presets/" + p.file);
    if (f == nullptr) {
      return Error(ErrorCode::unknown_preset, "model.preset",
                   "the config of preset \"" + p.id + "\" is not loaded yet");
    }
    // Through jsonu::parse_text like every other JSON text: one instance of
    // nlohmann's parser in the binary instead of two. (A file the page adds
    // is text from outside the module: its error is returned.)
    jsonu::Collect errors;
    auto parsed = std::make_unique<nlohmann::json>(
        jsonu::parse_text(std::string(f->data, f->size), "presets/" + p.file));
    if (errors.failed()) return errors.error();
    return cache.emplace(p.file, std::move(parsed)).first->second.get();
  }
  // Suggest presets sharing the name part, so typos get a way forward.
  std::string tail = key.substr(key.find('/') == std::string::npos ? 0 : key.find('/') + 1);
  std::string hint;
  for (const auto& p : preset_list()) {
    std::string l = lower(p.id);
    if (!tail.empty() &&
        l.find(tail.substr(0, std::min<size_t>(tail.size(), 6))) != std::string::npos) {
      hint += (hint.empty() ? "" : ", ") + p.id;
    }
  }
  return Error(ErrorCode::unknown_preset, "model.preset",
               "unknown preset \"" + id + "\"" +
                   (hint.empty() ? " (run `vramfit presets` for the list, or pass the config)"
                                 : " (did you mean: " + hint + "?)"));
}

bool preset_config_loaded(const std::string& id) {
  const std::string key = lower(id);
  for (const auto& p : preset_list()) {
    if (lower(p.id) == key) return find_embedded("presets/" + p.file) != nullptr;
  }
  return true;  // not a preset: preset_config's error says so
}

}  // namespace vramfit
