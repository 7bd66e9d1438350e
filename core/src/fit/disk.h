// Sizes users plan disk for: a full checkpoint in the stored dtype, with the
// optimizer state of the chosen regime, and a LoRA adapter.
#pragma once

#include <cstdint>
#include <optional>

#include "memory/prepared.h"

namespace vramfit {

struct DiskSizes {
  int64_t checkpoint_bytes = 0;
  int64_t stored_dtype_bytes = 0;
  std::optional<int64_t> checkpoint_with_optimizer_bytes;  // full fine-tuning
  std::optional<int64_t> lora_adapter_bytes;               // adapter methods
};

DiskSizes disk_sizes(const Prepared& p);

}  // namespace vramfit
