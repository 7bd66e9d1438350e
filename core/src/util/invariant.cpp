#include "util/invariant.h"

#include <cstdlib>
#ifdef __EMSCRIPTEN__
#include <emscripten/console.h>
#else
#include <cstdio>
#endif

namespace vramfit {

void invariant_failed(const std::string& what) {
  const std::string text = "vramfit: internal error: " + what;
#ifdef __EMSCRIPTEN__
  emscripten_console_error(text.c_str());  // not stdio: ~3 imports and their glue less
#else
  std::fprintf(stderr, "%s\n", text.c_str());
#endif
  std::abort();
}

}  // namespace vramfit
