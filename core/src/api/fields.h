// The request field table: every request field declared once (path, kind,
// bounds, default, enum values with labels, unit, help, group, the tasks and
// engines it applies to, CLI flag). The parser, the request echo, the
// catalogue's "fields"/"enums"/"defaults"/"limits" (and through them the CLI
// flags, `--help`, SCHEMA.md's table and engine.d.ts's unions) derive from it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vramfit/request.h"

namespace vramfit {
namespace fields {

enum class Kind {
  integer,
  number,
  boolean,
  enumeration,  // one of `values`; the accessors carry the value's index
  dtype,        // a dtype id or alias from the catalogue ("auto" = derived)
  gpu,          // a catalogue GPU id or alias
  modules,      // "all-linear" or a list of module names
  gpus,         // custom GPUs [{name, memory_gib}] or "name:GiB,name:GiB" text
  text,         // a string of at most `hi` characters
  weights,      // a dtype id or {"bits", "group_size"}
};

struct EnumValue {
  const char* id;
  const char* label;
};

// Bit masks of the tasks / engines a field applies to (bit = enum value).
constexpr unsigned task_bit(Task t) { return 1u << static_cast<unsigned>(t); }
constexpr unsigned engine_bit(Engine e) { return 1u << static_cast<unsigned>(e); }

struct Field {
  const char* path = "";  // JSON path ("lora.rank")
  Kind kind = Kind::integer;
  double lo = 0, hi = 0;  // integer / number bounds; list kinds: at most `hi` items;
                          // text: at most `hi` characters
  std::vector<EnumValue> values;
  const char* derived = nullptr;  // how an unset value is derived; nullptr: Request{}'s value
  const char* unit = "";
  const char* label = "";
  const char* help = "";
  const char* group = "";
  unsigned tasks = ~0u, engines = ~0u;
  const char* flag = "";  // CLI flag, "" = none
  std::vector<const char*> aliases;
  // Stores a checked value (an enum's index); echoes it back (null = derived).
  // Rows without them are parts of a compound field (weights_dtype.bits),
  // checked by that field's parser against their bounds.
  void (*set)(Request&, const nlohmann::json&) = nullptr;
  nlohmann::json (*get)(const Request&) = nullptr;
};

// The rows, in parse order.
const std::vector<Field>& request_fields();
// The row of `path`; an internal error when there is none.
const Field& field(const std::string& path);

bool applies(const Field& f, const Request& r);
// A value in the request's JSON form (an enum index becomes its id).
nlohmann::json to_json_value(const Field& f, const nlohmann::json& stored);
// Sets out[a][b] for path "a.b" (out[a] for "a").
void put(nlohmann::json& out, const std::string& path, nlohmann::json value);
// The field's description for front ends (catalogue "fields" entries).
nlohmann::json describe(const Field& f);

}  // namespace fields
}  // namespace vramfit
