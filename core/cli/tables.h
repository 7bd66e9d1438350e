// Human-readable tables for the CLI (plain text, aligned columns).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vramfit {
namespace cli {

std::string gib(int64_t bytes);  // "14.96 GiB"
std::string with_commas(int64_t n);
// The response's warnings about how the config was read (code "config").
nlohmann::json config_warnings(const nlohmann::json& response);
void print_params(const nlohmann::json& response);
// `fields`: the catalogue's request fields, for the labels of enum values.
void print_estimate(const nlohmann::json& response, const nlohmann::json& fields);
void print_fit(const nlohmann::json& response);
void print_presets(const nlohmann::json& catalog);
void print_gpus(const nlohmann::json& catalog);
void print_dtypes(const nlohmann::json& catalog);

// From the catalogue's request `fields` (core/src/api/fields_table.cpp):
std::string flags_help(const nlohmann::json& fields);        // the flags part of --help
std::string fields_markdown(const nlohmann::json& fields);   // SCHEMA.md's field table
std::string enums_typescript(const nlohmann::json& fields);  // engine.d.ts's RequestEnums

}  // namespace cli
}  // namespace vramfit
