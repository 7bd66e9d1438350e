// The memory components and the phases of a step, each declared once:
// components.cpp holds one row and one formula function per component,
// phases.cpp one row per phase. A component names the phases it is live in,
// so the phase membership (and the peak, methodology §6.6) follows from the
// rows; the catalogue sends ids and labels to front ends from the same rows.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "memory/prepared.h"

namespace vramfit {
namespace mem {

// Phase bits, in phase_table() order (phases.cpp).
enum PhaseBit : uint32_t {
  kForwardEnd = 1u << 0,
  kLayerBackward = 1u << 1,
  kBackwardEnd = 1u << 2,
  kOptimizerStep = 1u << 3,
  kEval = 1u << 4,
  kPrefill = 1u << 5,
  kDecode = 1u << 6,
};
constexpr uint32_t kTrainingPhases =
    kForwardEnd | kLayerBackward | kBackwardEnd | kOptimizerStep | kEval;
constexpr uint32_t kInferencePhases = kPrefill | kDecode;

struct PhaseDef {
  uint32_t bit;
  const char* id;
  const char* label;                          // human label (CLI, page)
  bool (*applies)(const Request&) = nullptr;  // null: every request of its task
};
const std::vector<PhaseDef>& phase_table();

// One member of a component's "inputs": a key and an integer, number or
// string, held as plain values. Inputs become JSON only when explaining
// (searches skip it), in one out-of-line function: nlohmann initializer lists
// at each of the formulas inlined several KB of wasm apiece.
struct Input {
  enum Kind { kInt, kNumber, kString };
  const char* key;
  Kind kind;
  int64_t i = 0;
  double d = 0;
  const char* s = nullptr;
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Input(const char* k, T v) : key(k), kind(kInt), i(static_cast<int64_t>(v)) {}
  Input(const char* k, double v) : key(k), kind(kNumber), d(v) {}
  Input(const char* k, const char* v) : key(k), kind(kString), s(v) {}
  Input(const char* k, const std::string& v) : key(k), kind(kString), s(v.c_str()) {}
  Input(const char* k, bool v) = delete;  // would become a number; add a kind first
};
nlohmann::json inputs_json(std::initializer_list<Input> inputs);

// What a formula function sees: the prepared request, the point (batch b,
// length s) and the components computed before it.
struct Ctx {
  const Prepared& p;
  int64_t b, s;
  const std::vector<Component>& done;
  int64_t peak = 0;  // peak allocated bytes; set before runtime components
  int64_t bytes_of(const char* id) const;
};

// A formula's result. A formula that does not call set() leaves its
// component out (e.g. LoRA adapters under full fine-tuning).
struct Emit {
  bool explain = false;
  bool present = false;
  bool paged = false;  // managed memory (paged optimizer states), not PyTorch's
  double bytes = 0;
  double uncertainty = -1;  // < 0: the row's
  uint32_t phases = 0;      // 0: the row's; else those of them this request keeps it in
  const char* formula = "";
  nlohmann::json inputs;
  void set(double b, const char* f, std::initializer_list<Input> in, double unc = -1) {
    present = true;
    bytes = b;
    uncertainty = unc;
    if (explain) {
      formula = f;
      inputs = inputs_json(in);
    }
  }
};

struct ComponentDef {
  const char* id;
  const char* label;        // human label (CLI, page, response)
  const char* description;  // one sentence for the catalogue
  double uncertainty;       // relative band (low/high) unless the formula gives one
  uint32_t phases;          // PhaseBit set it can be live in; 0 only for runtime components
  bool runtime;             // not a tensor: added on top of the peak phase
  void (*formula)(const Ctx&, Emit&);
  uint32_t engines = ~0u;  // inference engines it applies to (bit 1 << Engine)
};
constexpr uint32_t engine_mask(Engine e) { return 1u << static_cast<unsigned>(e); }
constexpr uint32_t kNotVllm = ~engine_mask(Engine::vllm);

// Live bytes of one layer while `tokens` prompt tokens go through it
// (methodology §7.6, flash attention; MoE adds its dispatch buffers).
double prefill_live_bytes(const Prepared& p, double tokens);
// Rows in response order (components.cpp).
const std::vector<ComponentDef>& component_table();

}  // namespace mem
}  // namespace vramfit
