// Optimizer state bytes: one table for the memory model (per GPU) and the
// disk sizes (whole checkpoint), so the two cannot disagree.
#pragma once

#include "vramfit/request.h"

namespace vramfit {

// Bytes per trainable parameter of its gradient and of a state shaped like
// it: full fine-tuning trains fp32 master params (bf16 under bf16_pure),
// adapters train in their own dtype.
double trainable_param_bytes(const Request& r);

// Bytes per element DeepSpeed ZeRO reduces and gathers in: its
// communication_data_type, the 16-bit training dtype (fp32 when training in
// fp32); accelerate's FSDP policy reduces in the same (methodology §9.2, §18.4).
double zero_comm_bytes(const Request& r);

// State bytes kept for `n` trainable params (methodology §5.2).
// `state_bytes`: trainable_param_bytes; `factored`:
// Adafactor's row + column statistics of those params (always fp32).
double optimizer_state_bytes(Optimizer o, double n, double state_bytes, double factored);

}  // namespace vramfit
