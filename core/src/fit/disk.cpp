#include "fit/disk.h"

#include "memory/optimizer_state.h"
#include "memory/parts.h"

namespace vramfit {

DiskSizes disk_sizes(const Prepared& p) {
  const double n = static_cast<double>(p.params.total);
  const double stored = p.spec->stored_dtype == "float32" ? 4.0 : 2.0;
  DiskSizes out;
  // The files as stored: exact bytes from the checkpoint's headers when the
  // request has them, else the checkpoint's own format (an MXFP4 or FP8
  // checkpoint is not 2 bytes a parameter), whatever format it is loaded in.
  out.checkpoint_bytes = p.req.checkpoint_bytes > 0
                             ? p.req.checkpoint_bytes
                             : mem::weight_bytes(*p.spec, checkpoint_weight_format(*p.spec),
                                                 static_cast<int64_t>(stored), mem::Shard{})
                                   .total;
  out.stored_dtype_bytes = static_cast<int64_t>(stored);
  if (p.req.task == Task::full) {
    // The optimizer's state dict saved beside the weights: the same bytes
    // the memory model keeps, for the whole model instead of one GPU's share.
    const double factored = p.req.optimizer == Optimizer::adafactor
                                ? mem::weight_bytes(*p.spec, p.fmt, 2, mem::Shard{}).factored_state
                                : 0;
    const double state = trainable_param_bytes(p.req);
    out.checkpoint_with_optimizer_bytes = static_cast<int64_t>(
        n * stored + optimizer_state_bytes(p.req.optimizer, n, state, factored));
  }
  if (p.lora.params > 0) {
    // PEFT saves the adapter tensors in their training dtype.
    out.lora_adapter_bytes = p.lora.params * p.req.lora.dtype_bytes;
  }
  return out;
}

}  // namespace vramfit
