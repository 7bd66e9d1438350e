#include "vramfit/error.h"

namespace vramfit {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_json:
      return "invalid_json";
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::missing_field:
      return "missing_field";
    case ErrorCode::wrong_type:
      return "wrong_type";
    case ErrorCode::out_of_range:
      return "out_of_range";
    case ErrorCode::inconsistent:
      return "inconsistent";
    case ErrorCode::unknown_value:
      return "unknown_value";
    case ErrorCode::unknown_preset:
      return "unknown_preset";
    case ErrorCode::unsupported_model:
      return "unsupported_model";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace vramfit
