// A value or the Error that prevented it. The core returns its errors and
// never throws (core/README.md "Errors"): the web module is built without C++
// exception support, ~15 KB smaller packed.
#pragma once

#include <optional>
#include <utility>

#include "vramfit/error.h"

namespace vramfit {

template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit by design; T&& so that `return local;` moves (C++17 implicit move).
  Result(const T& value) : value_(value) {}        // NOLINT
  Result(T&& value) : value_(std::move(value)) {}  // NOLINT
  Result(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const Error& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

// Success or the Error that prevented it.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};
using Status = Result<void>;

#if defined(__cpp_exceptions)
// Throws the error, else returns the value: for native callers that prefer
// exceptions (the CLI, tests). The core itself never throws (the web module
// is built without exception support).
template <class T>
T or_throw(Result<T>&& r) {
  if (!r.ok()) throw r.error();
  return std::move(r).value();
}
inline void or_throw(Status&& s) {
  if (!s.ok()) throw s.error();
}
#endif

}  // namespace vramfit

// Inside a function that returns a Result: evaluates `expr` (a Result<T>),
// returns its error, else assigns its value to `lhs` (which may declare).
#define VRAMFIT_ASSIGN_OR_RETURN(lhs, expr) \
  VRAMFIT_AOR_(VRAMFIT_CAT_(vramfit_result_, __LINE__), lhs, expr)
#define VRAMFIT_AOR_(tmp, lhs, expr) \
  auto tmp = (expr);                 \
  if (!tmp.ok()) return tmp.error(); \
  lhs = std::move(tmp).value()
// Inside a function that returns a Result: returns the error of `expr` (a
// Status or Result) if it has one.
#define VRAMFIT_RETURN_IF_ERROR(expr) VRAMFIT_RIE_(VRAMFIT_CAT_(vramfit_status_, __LINE__), expr)
#define VRAMFIT_RIE_(tmp, expr)        \
  do {                                 \
    auto tmp = (expr);                 \
    if (!tmp.ok()) return tmp.error(); \
  } while (0)
#define VRAMFIT_CAT_(a, b) VRAMFIT_CAT2_(a, b)
#define VRAMFIT_CAT2_(a, b) a##b
