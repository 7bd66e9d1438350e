#include "catalog/embedded.h"

#include <map>
#include <utility>

#include "util/invariant.h"

namespace vramfit {

namespace {
struct Added {
  std::string text;
  EmbeddedFile file;
};
// std::map nodes never move: the EmbeddedFile pointers handed out stay valid.
std::map<std::string, Added>& added() {
  static std::map<std::string, Added> files;
  return files;
}
}  // namespace

const EmbeddedFile* find_embedded(const std::string& name) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (name == kEmbeddedFiles[i].name) return &kEmbeddedFiles[i];
  }
  auto it = added().find(name);
  return it == added().end() ? nullptr : &it->second.file;
}

std::string embedded_text(const std::string& name) {
  const EmbeddedFile* f = find_embedded(name);
  if (!f) invariant_failed(name + " is not embedded");
  return std::string(f->data, f->size);
}

void add_data_file(const std::string& name, std::string text) {
  auto& [key, a] = *added().try_emplace(name).first;
  a.text = std::move(text);
  a.file = {key.c_str(), a.text.data(), a.text.size()};
}

}  // namespace vramfit
