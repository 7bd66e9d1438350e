// Parameter counts are sums over the tensor inventory; parse_model_config()
// caps the whole model at 1e15 parameters, so no sum here can overflow.
#include "vramfit/params.h"

namespace vramfit {

namespace {

int64_t group_params(const TensorGroup& t) { return t.count * t.rows * t.cols; }

// Active share of a routed group: count*rows*cols * k/E, split so that the
// intermediate products stay small (n/E*k <= n, (n%E)*k < E*k).
int64_t active_share(int64_t n, int64_t k, int64_t e) { return n / e * k + (n % e) * k / e; }

}  // namespace

int64_t sum_params(const std::vector<TensorGroup>& tensors) {
  int64_t total = 0;
  for (const auto& t : tensors) total += group_params(t);
  return total;
}

ParamCounts count_params(const ModelSpec& spec) {
  ParamCounts c;
  c.per_layer.assign(spec.layers.size(), 0);
  const int64_t e = spec.moe.num_experts, k = spec.moe.experts_per_token;
  int64_t token_embed = 0;
  for (const auto& t : spec.tensors) {
    int64_t n = group_params(t);
    c.total += n;
    if (t.role == TensorRole::embedding) token_embed += n;
    if (t.role == TensorRole::embedding || t.role == TensorRole::position) {
      c.embeddings += n;
    }
    if (t.role == TensorRole::lm_head) c.lm_head += n;
    c.active += (t.routed && e > 0) ? active_share(n, k, e) : n;
    if (t.layer >= 0 && static_cast<size_t>(t.layer) < c.per_layer.size()) {
      c.per_layer[t.layer] += n;
    }
  }
  c.non_embedding = c.total - c.embeddings - c.lm_head;
  // Conventions differ (methodology §3.5): gpt-oss and DeepSeek quote active
  // counts without the input embedding table, Mixtral with it.
  c.active_no_embed = c.active - token_embed;
  for (const auto& tower : spec.towers) c.towers += sum_params(tower.tensors);
  return c;
}

}  // namespace vramfit
