// A bug or a broken build, never bad input: bad input is an Error value
// (core/README.md "Errors"). The core has no exceptions to unwind with (the
// web module is built without them), so it says what broke and stops.
#pragma once

#include <string>
#include <utility>

#include "vramfit/result.h"

namespace vramfit {

[[noreturn]] void invariant_failed(const std::string& what);

// The value of a Result that only a bug or a broken build can fail (the
// embedded catalogue's loaders).
template <class T>
T checked(Result<T>&& r) {
  if (!r.ok()) invariant_failed(r.error().what());
  return std::move(r).value();
}

}  // namespace vramfit
