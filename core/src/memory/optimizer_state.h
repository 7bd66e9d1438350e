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

// Full fine-tuning in a 16-bit mixed precision under ZeRO: DeepSpeed casts
// the module to the 16-bit dtype (runtime/engine.py _configure_distributed_model
// -> _cast_module_mixed_precision) and FSDP computes in MixedPrecision's
// param_dtype, so fp32 lives only in the optimizer's master copy and the
// gradients are 16-bit (methodology §5.1, §9.2).
bool zero_mixed_precision(const Request& r);

// State bytes kept for `n` trainable params (methodology §5.2).
// `state_bytes`: trainable_param_bytes; `factored`:
// Adafactor's row + column statistics of those params (always fp32).
double optimizer_state_bytes(Optimizer o, double n, double state_bytes, double factored);

}  // namespace vramfit
