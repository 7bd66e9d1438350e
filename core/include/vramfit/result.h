// A value or the Error that prevented it. The core is moving from throwing
// vramfit::Error to returning it (core/README.md "Errors": the web module
// built without C++ exception support is ~20 KB smaller packed); converted
// functions return Result<T>, the rest still throw, and or_throw() joins the
// two until the API facade returns Results too.
#pragma once

#include <optional>
#include <utility>

#include "vramfit/error.h"

namespace vramfit {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  const Error& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

// Throws the error (for callers that still throw), else the value.
template <class T>
T or_throw(Result<T>&& r) {
  if (!r.ok()) throw r.error();
  return std::move(r).value();
}

}  // namespace vramfit

// Inside a function that returns a Result: evaluates `expr` (a Result<T>),
// returns its error, else assigns its value to `lhs` (which may declare).
#define VRAMFIT_ASSIGN_OR_RETURN(lhs, expr) \
  VRAMFIT_AOR_(VRAMFIT_CAT_(vramfit_result_, __LINE__), lhs, expr)
#define VRAMFIT_AOR_(tmp, lhs, expr) \
  auto tmp = (expr);                 \
  if (!tmp.ok()) return tmp.error(); \
  lhs = std::move(tmp).value()
#define VRAMFIT_CAT_(a, b) VRAMFIT_CAT2_(a, b)
#define VRAMFIT_CAT2_(a, b) a##b
