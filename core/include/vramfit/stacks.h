// Training software stacks (core/data/stacks.json, methodology §15): the
// defaults each stack and version gives the request fields a user leaves
// out, and the mechanisms it switches on.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vramfit/request.h"
#include "vramfit/result.h"

namespace vramfit {

// One default: `field` (a request field path) takes `value` for the listed
// tasks and checkpoint dtypes (empty lists: all), unless the user gave it.
struct StackDefault {
  std::string field;
  nlohmann::json value;
  std::vector<std::string> tasks;
  std::vector<std::string> stored_dtype;
  std::vector<int> zero;  // ZeRO stages it applies to (empty: any)
  // Its citation: core/data/stacks.json only (core/cmake/embed_data.cmake).
};

// A mechanism the version switches on, with the source that shows it.
struct StackMechanism {
  std::string id;
  std::string source;
};

struct StackVersion {
  std::string id;
  std::string name;
  std::vector<StackDefault> defaults;  // the first matching one per field wins
  std::vector<StackMechanism> mechanisms;
};

struct Stack {
  std::string id;
  std::string name;
  std::vector<StackVersion> versions;  // the first is the default version
};

// The mechanism ids stacks.json may name, each with the request flag it sets.
struct StackMechanismFlag {
  const char* id;
  bool StackMechanisms::*flag;
};
const std::vector<StackMechanismFlag>& stack_mechanism_flags();

// The embedded stacks, in file order; nullptr when unknown.
const std::vector<Stack>& stack_catalog();
const Stack* find_stack(const std::string& id);

// Parses and validates a stacks.json text (for tests).
Result<std::vector<Stack>> parse_stack_catalog(const std::string& json_text);

}  // namespace vramfit
