#include "memory/optimizer_state.h"

namespace vramfit {

double trainable_param_bytes(const Request& r) {
  if (r.task != Task::full) return static_cast<double>(r.lora.dtype_bytes);
  return r.precision == Precision::bf16_pure ? 2.0 : 4.0;
}

double zero_comm_bytes(const Request& r) { return r.precision == Precision::fp32 ? 4.0 : 2.0; }

bool zero_mixed_precision(const Request& r) {
  return r.task == Task::full && r.parallel.zero >= 1 &&
         (r.precision == Precision::bf16_mixed || r.precision == Precision::fp16_mixed);
}

double optimizer_state_bytes(Optimizer o, double n, double state_bytes, double factored) {
  switch (o) {
    // torch.optim.AdamW: exp_avg and exp_avg_sq, zeros_like(param).
    case Optimizer::adamw:
    case Optimizer::adamw_fused:
      return 2 * state_bytes * n;
    // bitsandbytes: two uint8 states + one fp32 absmax per 256-block.
    case Optimizer::adamw_8bit:
    case Optimizer::paged_adamw_8bit:
      return (2.0 + 8.0 / 256.0) * n;
    // HF Adafactor (beta1=None): exp_avg_sq_row/col, or exp_avg_sq for 1-D.
    case Optimizer::adafactor:
      return factored;
    case Optimizer::sgd:
      return 0;
    // SGD momentum_buffer and lion-pytorch's exp_avg: one like the param.
    case Optimizer::sgd_momentum:
    case Optimizer::lion:
      return state_bytes * n;
  }
  return 0;
}

}  // namespace vramfit
