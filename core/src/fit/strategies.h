// Parallel layouts compared side by side, and checkpoint sizes on disk.
#pragma once

#include <nlohmann/json.hpp>

#include "memory/prepared.h"

namespace vramfit {

// Per-GPU total for single GPU, TP 2/4/8, PP 2/4, TP x PP, ZeRO-3 x 8
// (training) and EP (MoE), each with the smallest catalogue GPU that holds
// it. Layouts invalid for the model (tp not dividing heads) are skipped.
nlohmann::json strategies_json(const ModelSpec& spec, const Request& req);

// Fewest GPUs of `usable` bytes each that hold the request, scaling the
// given layout: tensor parallel (then pipeline) for inference, ZeRO-3 data
// parallel for training. Null when 64 GPUs are not enough.
nlohmann::json gpus_needed(const ModelSpec& spec, const Request& req, int64_t usable);

// Sizes users plan disk for: a full checkpoint in the stored dtype, with the
// optimizer state of the chosen regime, and a LoRA adapter.
nlohmann::json disk_json(const Prepared& p);

}  // namespace vramfit
