#include "catalog/embedded.h"

namespace vramfit {

const EmbeddedFile* find_embedded(const std::string& name) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (name == kEmbeddedFiles[i].name) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

}  // namespace vramfit
