// The moments of a step at which a set of components is alive together
// (core/MEMORY_MODEL.md, "Peak"). Rows in response order; which components
// are alive in each is declared by the components (components.cpp). Labels
// are lower-case phrases that read after "peak at".
#include "memory/registry.h"

namespace vramfit {
namespace mem {

namespace {
bool has_eval(const Request& r) { return r.eval_batch_size.has_value(); }
}  // namespace

const std::vector<PhaseDef>& phase_table() {
  static const std::vector<PhaseDef> rows = {
      {kForwardEnd, "forward_end", "end of the forward pass"},
      {kLayerBackward, "layer_backward", "backward through one layer"},
      {kBackwardEnd, "backward_end", "end of the backward pass"},
      {kOptimizerStep, "optimizer_step", "optimizer step"},
      {kEval, "eval", "evaluation", has_eval},
      {kPrefill, "prefill", "prefill of the prompt"},
      {kDecode, "decode", "decoding"},
  };
  return rows;
}

}  // namespace mem
}  // namespace vramfit
