// Weight-format table: parses and validates the embedded dtypes.json
// (methodology §4: effective bits per weight including scales).
#include "catalog/common.h"
#include "catalog/embedded.h"
#include "vramfit/catalog.h"

namespace vramfit {

namespace {
using catalog::json;

struct KindName {
  DTypeKind kind;
  const char* name;
};
const KindName kKinds[] = {{DTypeKind::floating, "float"}, {DTypeKind::integer, "int"},
                           {DTypeKind::bnb, "bnb"},        {DTypeKind::gptq, "gptq"},
                           {DTypeKind::awq, "awq"},        {DTypeKind::gguf, "gguf"},
                           {DTypeKind::mx, "mx"}};

DTypeKind parse_kind(const std::string& s, const std::string& path) {
  for (const auto& k : kKinds) {
    if (s == k.name) return k.kind;
  }
  jsonu::report(Error(ErrorCode::unknown_value, path, path + ": unknown dtype kind \"" + s + "\""));
  return DTypeKind::floating;
}

// Block and group sizes are optional; 0 means "not blocked/grouped".
int opt_size(const json& rec, const char* key, const std::string& path) {
  return static_cast<int>(jsonu::opt_int(rec, key, path, 1, 1 << 20).value_or(0));
}

DType parse_dtype(const json& rec, const std::string& path) {
  catalog::reject_unknown_keys(
      rec, path,
      {"id", "label", "kind", "bits_per_weight", "base_bits_per_weight", "block_size", "group_size",
       "aliases", "kv_cache", "note", "source"});
  DType d;
  d.id = catalog::req_string(rec, "id", path);
  catalog::check_slug(d.id, path + ".id");
  d.label = catalog::req_string(rec, "label", path);
  d.kind = parse_kind(catalog::req_string(rec, "kind", path), path + ".kind");
  // 1 bit (ternary/IQ1) to 32 bits (fp32) covers every format we model.
  d.bits_per_weight = catalog::req_number(rec, "bits_per_weight", path, 1, 32);
  d.bytes_per_weight = d.bits_per_weight / 8.0;
  d.base_bits_per_weight =
      jsonu::opt_number(rec, "base_bits_per_weight", path, 1, 32).value_or(d.bits_per_weight);
  d.block_size = opt_size(rec, "block_size", path);
  d.group_size = opt_size(rec, "group_size", path);
  d.aliases = catalog::string_list(rec, "aliases", path);
  d.kv_cache = catalog::req_bool(rec, "kv_cache", path);
  return d;
}

struct Table {
  std::vector<DType> dtypes;
  catalog::KeyIndex index;
};

catalog::KeyIndex index_dtypes(const std::vector<DType>& dtypes) {
  catalog::KeyIndex index;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    const std::string path = "dtypes.json.dtypes[" + std::to_string(i) + "]";
    index.add(dtypes[i].id, i, path + ".id");
    for (const auto& a : dtypes[i].aliases) index.add(a, i, path + ".aliases");
  }
  return index;
}

const Table& embedded_table() {
  static const Table table = [] {
    Table t;
    t.dtypes = checked(parse_dtype_table(embedded_text("dtypes.json")));
    t.index = index_dtypes(t.dtypes);
    return t;
  }();
  return table;
}
}  // namespace

const char* dtype_kind_name(DTypeKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

Result<std::vector<DType>> parse_dtype_table(const std::string& json_text) {
  jsonu::Collect errors;
  json records = catalog::load_records(json_text, "dtypes.json", "dtypes");
  std::vector<DType> out;
  for (size_t i = 0; i < records.size(); ++i) {
    out.push_back(parse_dtype(records[i], "dtypes.json.dtypes[" + std::to_string(i) + "]"));
  }
  index_dtypes(out);  // reports a duplicate id or alias
  if (errors.failed()) return errors.error();
  return out;
}

const std::vector<DType>& dtype_table() { return embedded_table().dtypes; }

const DType* find_dtype(const std::string& id_or_alias) {
  const Table& t = embedded_table();
  auto i = t.index.find(id_or_alias);
  return i ? &t.dtypes[*i] : nullptr;
}

}  // namespace vramfit
