// The moments of a step at which a set of components is alive together
// (core/MEMORY_MODEL.md, "Peak"). Rows in response order; which components
// are alive in each is declared by the components (components.cpp).
#include "memory/registry.h"

namespace vramfit {
namespace mem {

namespace {
bool has_eval(const Request& r) { return r.eval_batch_size.has_value(); }
}  // namespace

const std::vector<PhaseDef>& phase_table() {
  static const std::vector<PhaseDef> rows = {
      {kForwardEnd, "forward_end", "End of the forward pass"},
      {kLayerBackward, "layer_backward", "Backward through a layer"},
      {kBackwardEnd, "backward_end", "End of the backward pass"},
      {kOptimizerStep, "optimizer_step", "Optimizer step"},
      {kEval, "eval", "Evaluation", has_eval},
      {kPrefill, "prefill", "Prefill"},
      {kDecode, "decode", "Decoding"},
  };
  return rows;
}

}  // namespace mem
}  // namespace vramfit
