// Errors are values at the API boundary: every failure carries a stable code,
// the JSON path of the offending field and a human-readable message.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vramfit {

// Closed set of error codes; the string names are part of the JSON schema.
enum class ErrorCode {
  invalid_json,       // the text is not JSON (message has line and column)
  invalid_request,    // structurally wrong request (e.g. model missing)
  missing_field,      // a required field is absent
  wrong_type,         // a field has the wrong JSON type
  out_of_range,       // a number is zero, negative, non-integral or absurd
  inconsistent,       // fields contradict each other (heads vs hidden size)
  unknown_value,      // an enum value we do not know (dtype, task, gpu...)
  unknown_preset,     // preset id not in the built-in list
  unsupported_model,  // architecture we refuse to estimate
  too_large,          // input exceeds size or nesting limits
  internal            // a bug: should never be seen
};

const char* error_code_name(ErrorCode code);

// Returned inside the core (result.h), turned into JSON by the API facade.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string field, const std::string& message, uint64_t need_bytes = 0)
      : std::runtime_error(message),
        code_(code),
        field_(std::move(field)),
        need_bytes_(need_bytes) {}
  ErrorCode code() const { return code_; }
  const std::string& field() const { return field_; }
  // Checkpoint headers only (TruncatedInput): the input ended before the
  // structure did; at least this many bytes from the file's start are
  // needed. 0 for every other error.
  uint64_t need_bytes() const { return need_bytes_; }

 private:
  ErrorCode code_;
  std::string field_;
  uint64_t need_bytes_;
};

}  // namespace vramfit
