// JSON writers of the fit layer's results (core/SCHEMA.md, "Response"):
// to_json beside nothing else, so each key is written in one place.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fit/report.h"
#include "memory/prepared.h"

namespace vramfit {

void to_json(nlohmann::json& j, const Recommendation& r);
void to_json(nlohmann::json& j, const Strategy& s);
void to_json(nlohmann::json& j, const GpusNeeded& n);
void to_json(nlohmann::json& j, const DiskSizes& d);
// Adds smallest_gpu, recommend, disk and strategies to the response `out`
// (the report's warnings: add_warnings; its GPUs: response_text).
void add_fit_report(nlohmann::json& out, const FitReport& r);
// Appends {code, message} objects to the array `out`.
void add_warnings(nlohmann::json& out,
                  const std::vector<std::pair<std::string, std::string>>& list);
// engine.llama_cpp: llama.cpp's buffers for the request as llama-server
// prints them, in MiB, and the largest n_gpu_layers that fits the request's
// GPU (methodology §16). Null for other engines.
nlohmann::json llama_cpp_json(const Prepared& p);
// engine.ollama: Ollama's launch of llama-server and its buffers, in Ollama's terms.
nlohmann::json ollama_json(const Prepared& p);
// speed: decode, prefill and time to first token on the request's GPU
// (speed/speed.h) at batch_size and a context depth of seq_len; null for
// training or without a catalogue GPU (the response then leaves it out).
nlohmann::json speed_json(const Prepared& p);
// The response text: `rest` (every other member) with the report's `gpus`
// and `target`, which the GPU-matrix writer writes directly as text.
std::string response_text(const nlohmann::json& rest, const FitReport& r);

}  // namespace vramfit
