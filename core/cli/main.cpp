// vramfit CLI: builds a request JSON from flags (or reads one) and prints the
// core's response as a table, or as JSON with --json. Exit 2 on bad input.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "hub.h"
#include "tables.h"
#include "vramfit/api.h"

namespace {
using json = nlohmann::json;

const char* kCommands = R"(usage:
  vramfit params   (--config FILE | --preset ID | --model ORG/NAME) [--json]
  vramfit estimate (--request FILE.json | --config FILE | --preset ID | --model ORG/NAME) [flags] [--json]
  vramfit fit      (--config FILE | --preset ID | --model ORG/NAME) [flags] [--json]
  vramfit presets | gpus | dtypes | fields [--json]
  vramfit schema-fields | schema-types   (core/SCHEMA.md's field table; engine.d.ts's RequestEnums, RequestSettings)
--model ORG/NAME fetches config.json from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN);
       --revision R (branch, tag, commit), --gguf-file F.gguf (config from a GGUF header)
)";

// The request fields of the catalogue (core/SCHEMA.md): flags, kinds, bounds.
const json& request_fields() {
  static const json fields = json::parse(vramfit::catalog_json(false)).at("fields");
  return fields;
}

std::string usage() { return kCommands + vramfit::cli::flags_help(request_fields()); }

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "vramfit: %s\n", msg.c_str());
  std::exit(2);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses a number flag strictly so "12abc" is an error, not 12.
json number_arg(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end && *end == '\0' && errno == 0) return n;
  double d = std::strtod(v.c_str(), &end);
  if (end && *end == '\0') return d;
  fail(flag + " expects a number, got \"" + v + "\"");
}

// Sets the value at a request path ("lora.rank"); a parent that is not an
// object becomes one (--bits after --weights-dtype).
void put(json& req, const std::string& path, json value) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    req[path] = std::move(value);
    return;
  }
  json& parent = req[path.substr(0, dot)];
  if (!parent.is_object()) parent = json::object();
  parent[path.substr(dot + 1)] = std::move(value);
}

// A flag of a request field: --batch-size N (or an alias such as --batch);
// a bool field also takes --no-<flag>. Returns false when `f` is none.
bool request_flag(const std::string& f, const std::function<std::string()>& value, json& r) {
  for (const json& d : request_fields()) {
    if (!d.contains("flag")) continue;
    std::vector<std::string> names{d.at("flag").get<std::string>()};
    for (const auto& a : d.value("aliases", json::array())) names.push_back(a.get<std::string>());
    const std::string kind = d.at("kind").get<std::string>();
    const std::string path = d.at("path").get<std::string>();
    for (const std::string& n : names) {
      if (kind == "bool" && f == "--no-" + n.substr(2)) {
        put(r, path, false);
        return true;
      }
      if (f != n) continue;
      if (kind == "bool")
        put(r, path, true);
      else if (kind == "int" || kind == "number")
        put(r, path, number_arg(f, value()));
      else if (kind == "gpus") {
        // The core parses the name:GiB text; repeated flags are joined.
        const std::string v = value();
        const auto prev = r.find(path);
        put(r, path, prev != r.end() && prev->is_string() ? prev->get<std::string>() + "," + v : v);
      } else if (kind == "modules") {
        const std::string v = value();
        if (v == "all-linear") {
          put(r, path, v);
          return true;
        }
        json list = json::array();
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ','))
          if (!item.empty()) list.push_back(item);
        put(r, path, list);
      } else
        put(r, path, value());
      return true;
    }
  }
  return false;
}

struct Args {
  std::string cmd;
  bool as_json = false;
  std::string request_file;
  std::string model_id, revision = "main", gguf_file;
  json req = json::object();
  json error;  // an unparsable --config file: reported once --json is known
};

Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) fail("missing command\n" + usage());
  a.cmd = argv[1];
  if (a.cmd == "-h" || a.cmd == "--help" || a.cmd == "help") {
    std::fputs(usage().c_str(), stdout);
    std::exit(0);
  }
  json& r = a.req;
  for (int i = 2; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(f + " needs a value");
      return argv[++i];
    };
    if (f == "--json")
      a.as_json = true;
    else if (f == "--request")
      a.request_file = value();
    else if (f == "--preset")
      r["model"] = {{"preset", value()}};
    else if (f == "--model")
      a.model_id = value();
    else if (f == "--revision")
      a.revision = value();
    else if (f == "--gguf-file")
      a.gguf_file = value();
    else if (f == "--config") {
      std::string path = value();
      // The core's limits (size, nesting), line/column messages and the
      // config-only literals (Infinity, NaN) apply before the CLI builds
      // anything from the file.
      json c = json::parse(vramfit::config_file_json(read_file(path), path));
      if (c.contains("error"))
        a.error = std::move(c);
      else
        r["model"] = {{"config", std::move(c["config"])}};
    } else if (request_flag(f, value, r))
      continue;
    else
      fail("unknown flag " + f + "\n" + usage());
  }
  return a;
}

// The core's error object: a line on stderr and, with --json, the object on
// stdout (scripts read stdout). Exit 2.
int report_error(const json& r, bool as_json) {
  const json& e = r.at("error");
  const std::string field = e.at("field").get<std::string>();
  std::fprintf(stderr, "vramfit: error %s%s: %s\n", e.at("code").get<std::string>().c_str(),
               field.empty() ? "" : (" at " + field).c_str(),
               e.at("message").get<std::string>().c_str());
  if (as_json) std::cout << r.dump() << "\n";
  return 2;
}

int print_catalog(const Args& a) {
  json c = json::parse(vramfit::catalog_json());
  if (a.as_json) {
    std::cout << c[a.cmd].dump(2) << "\n";
    return 0;
  }
  if (a.cmd == "presets")
    vramfit::cli::print_presets(c);
  else if (a.cmd == "gpus")
    vramfit::cli::print_gpus(c);
  else
    vramfit::cli::print_dtypes(c);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  if (!a.error.is_null()) return report_error(a.error, a.as_json);
  if (a.cmd == "presets" || a.cmd == "gpus" || a.cmd == "dtypes") return print_catalog(a);
  if (a.cmd == "fields") {  // the request field table; the text form is --help's
    if (a.as_json)
      std::cout << request_fields().dump(2) << "\n";
    else
      std::fputs(vramfit::cli::flags_help(request_fields()).c_str(), stdout);
    return 0;
  }
  if (a.cmd == "schema-fields") {
    std::fputs(vramfit::cli::fields_markdown(request_fields()).c_str(), stdout);
    return 0;
  }
  if (a.cmd == "schema-types") {
    std::fputs(vramfit::cli::enums_typescript(request_fields()).c_str(), stdout);
    return 0;
  }
  if (a.cmd != "params" && a.cmd != "estimate" && a.cmd != "fit") {
    fail("unknown command \"" + a.cmd + "\"\n" + usage());
  }
  std::optional<vramfit::cli::HubCheckpoint> ckpt;
  if (!a.model_id.empty()) {
    if (a.req.contains("model") || !a.request_file.empty()) {
      fail("--model cannot be combined with --preset, --config or --request");
    }
    try {
      auto m = vramfit::cli::fetch_model(a.model_id, a.revision, a.gguf_file, true);
      a.req["model"] = m.model;
      ckpt = std::move(m.checkpoint);
      if (ckpt) {
        // The exact stored bytes replace the config-derived weights estimate.
        const auto sum = vramfit::or_throw(vramfit::checkpoint_weight_bytes(ckpt->tensors));
        a.req["model"]["checkpoint"] = {{"total_bytes", sum.total_bytes}, {"source", ckpt->format}};
      }
      if (m.config_file == "params.json") {
        std::fprintf(stderr,
                     "vramfit: note: %s has no config.json; read its params.json "
                     "(Mistral format) as the equivalent config\n",
                     a.model_id.c_str());
      }
      if (!m.checkpoint_note.empty()) {
        std::fprintf(stderr, "vramfit: checkpoint bytes unavailable: %s\n",
                     m.checkpoint_note.c_str());
      }
    } catch (const vramfit::cli::HubError& e) {
      std::fprintf(stderr, "vramfit: %s\n", e.what());
      return e.usage() ? 2 : vramfit::cli::kHubExitCode;
    }
  } else if (a.revision != "main" || !a.gguf_file.empty()) {
    fail("--revision and --gguf-file need --model ORG/NAME");
  }
  std::string text;
  if (!a.request_file.empty()) {
    text = read_file(a.request_file);
  } else {
    if (!a.req.contains("model"))
      fail("give --preset ID, --config FILE, --model ORG/NAME or --request FILE");
    if (a.cmd == "params") a.req["search"] = false;
    text = a.req.dump();
  }
  const std::string resp = vramfit::estimate_json(text);
  json r = json::parse(resp);
  if (r.contains("error")) return report_error(r, a.as_json);
  if (a.as_json) {
    json out = a.cmd == "params" ? json{{"model", r["model"]}, {"params", r["params"]}} : r;
    // What the config reading assumed (family read from architectures or
    // field names, a task head, ...): the response's code "config" warnings.
    if (a.cmd == "params") out["warnings"] = vramfit::cli::config_warnings(r);
    if (a.cmd == "params" && ckpt) out["checkpoint"] = vramfit::cli::checkpoint_json(*ckpt, r);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (a.cmd == "params") {
    vramfit::cli::print_params(r);
    if (ckpt) vramfit::cli::print_checkpoint(*ckpt, r);
  } else if (a.cmd == "fit")
    vramfit::cli::print_fit(r);
  else
    vramfit::cli::print_estimate(r, request_fields());
  return 0;
}
