// Data files compiled into the library (see core/cmake/embed_data.cmake).
#pragma once

#include <cstddef>
#include <string>

namespace vramfit {

struct EmbeddedFile {
  const char* name;  // path relative to core/data, e.g. "presets/x.json"
  const char* data;
  size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

// Returns the embedded file or nullptr.
const EmbeddedFile* find_embedded(const std::string& name);

}  // namespace vramfit
