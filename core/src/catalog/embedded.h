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

// Returns the embedded (or added) file or nullptr.
const EmbeddedFile* find_embedded(const std::string& name);
// A file the build embeds (the catalogue, the engines' data): its absence is
// a broken build (invariant_failed).
std::string embedded_text(const std::string& name);

// Adds a data file at run time (replacing one of the same name). The web
// module embeds one preset's config and receives the others after the page's
// first figure (core/cmake/embed_data.cmake, api.h add_data_json).
void add_data_file(const std::string& name, std::string text);

}  // namespace vramfit
