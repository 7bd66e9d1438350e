// Fetches the files the core's plan names (fetch.h): the transport is
// http.h, the choice of files, caps and sums are vramfit::plan_checkpoint's.
#include "fetch.h"

#include <atomic>
#include <cctype>
#include <set>
#include <thread>

#include "http.h"
#include "vramfit/api.h"

namespace vramfit {
namespace cli {

namespace {
using json = nlohmann::json;

const char* kOffline =
    "paste the model's config.json with --config FILE, or use --preset ID (`vramfit presets`)";
const char* kNoHeaders = "the parameter count from the config above still holds";

// fn(i) for every i < n, up to 8 at a time (DeepSeek-V3 has 163 shards);
// the first failure (in index order) is rethrown once all have stopped.
template <class F>
void for_each_file(size_t n, F fn) {
  std::vector<std::optional<HubError>> errors(n);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (const HubError& e) {
        errors[i] = e;
        next = n;  // stop handing out work
      } catch (const std::exception& e) {
        errors[i] = HubError("invalid", e.what());
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < std::min<size_t>(8, n); ++w) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (e) throw *e;
  }
}

// Depth-limited like the core's own parser: a hostile answer nested a
// million levels deep must not reach the (recursive) copy into the request.
json parse_limited(const std::string& body, bool* too_deep) {
  auto guard = [&](int depth, json::parse_event_t, json&) {
    if (depth > 256) *too_deep = true;
    return !*too_deep;
  };
  return json::parse(body, guard, false);
}

json parse_config(const HubFile& f, const std::string& body) {
  // As a --config file: Python's Infinity / NaN literals (NVIDIA's
  // Nemotron-H configs) are read (methodology §2.5); failures fall through
  // to the messages below.
  json read = json::parse(vramfit::config_file_json(body, "config.json"));
  if (read.contains("config") && read["config"].is_object()) return std::move(read["config"]);
  bool too_deep = false;
  json cfg = parse_limited(body, &too_deep);
  if (too_deep) {
    throw HubError("invalid", describe(f) +
                                  " is nested deeper than 256 levels: not a model "
                                  "config. " +
                                  kOffline);
  }
  if (cfg.is_discarded() || !cfg.is_object()) {
    std::string head = body.substr(0, 60);
    for (auto& c : head) {
      if (!std::isprint(static_cast<unsigned char>(c))) c = '.';
    }
    throw HubError("invalid", describe(f) + " is not a JSON object (starts \"" + head +
                                  "\"; a proxy or captive portal?). Retry; or " + kOffline);
  }
  return cfg;
}

// The repo's file list, as the page reads it (web/js/hub.js info); none
// from an endpoint without the model API (a mirror that serves resolve/
// URLs only): the plan then tries the usual names.
std::optional<std::vector<std::string>> fetch_listing(const HubSettings& s, const HubFile& repo) {
  std::string body;
  try {
    body = fetch_model_info(s, repo.id, repo.revision, kHubJsonFileMax, kOffline);
  } catch (const HubError& e) {
    if (e.kind() == "no_file" || e.kind() == "http" || e.kind() == "invalid") return std::nullopt;
    throw;
  }
  bool too_deep = false;
  const json info = parse_limited(body, &too_deep);
  if (too_deep || !info.is_object() || !info.contains("siblings") || !info["siblings"].is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> files;
  for (const auto& f : info["siblings"]) {
    if (f.is_object() && f.contains("rfilename") && f["rfilename"].is_string()) {
      files.push_back(f["rfilename"].get<std::string>());
    }
  }
  return files;
}

// The first of the plan's config files that the repo has.
json fetch_config(const HubSettings& s, const HubFile& repo, const CheckpointPlan& plan,
                  std::string* used) {
  std::string status;
  for (const auto& name : plan.config_files) {
    const HubFile f{repo.id, repo.revision, name};
    try {
      json cfg = parse_config(f, fetch_file(s, f, kHubJsonFileMax, kOffline));
      *used = name;
      return cfg;
    } catch (const HubError& e) {
      if (e.kind() != "no_file") throw;
      if (status.empty()) status = e.status();
    }
  }
  const bool several = plan.config_files.size() > 1;
  std::string rest;
  for (size_t i = 1; i < plan.config_files.size(); ++i) rest += ", nor " + plan.config_files[i];
  throw HubError("no_file",
                 describe({repo.id, repo.revision, plan.config_files.at(0)}) + " not found" + rest +
                     " (" + status + "). The repo may not have " + (several ? "them" : "it") +
                     " at this revision (a GGUF-only repo: add --gguf-file NAME.gguf to read the "
                     "config from a GGUF header); " +
                     kOffline,
                 status);
}

// Index/header disagreements, at most 10 lines.
void add_notes(HubCheckpoint& c, const std::optional<SafetensorsIndex>& index,
               const std::vector<SafetensorsHeader>& headers) {
  std::set<std::string> seen;
  for (size_t i = 0; i < headers.size(); ++i) {
    const std::string& file = c.files[i];
    for (const auto& t : headers[i].tensors) {
      if (!seen.insert(t.name).second)
        c.notes.push_back("tensor " + t.name + " appears in more than one shard");
      if (!index) continue;
      auto it = index->weight_map.find(t.name);
      if (it == index->weight_map.end()) {
        c.notes.push_back(file + ": tensor " + t.name + " is not in the index");
      } else if (it->second != file) {
        c.notes.push_back("tensor " + t.name + " is in " + file + ", the index says " + it->second);
      }
    }
  }
  if (index) {
    for (const auto& [name, file] : index->weight_map) {
      if (!seen.count(name))
        c.notes.push_back("the index lists " + name + " (" + file + ") but no shard has it");
    }
  }
  if (c.notes.size() > 10) {
    const size_t more = c.notes.size() - 10;
    c.notes.resize(10);
    c.notes.push_back("... and " + std::to_string(more) + " more");
  }
}

// One safetensors source of the plan; nullopt when the repo does not have
// it (its index, or its first file, is missing).
std::optional<HubCheckpoint> read_safetensors(const HubSettings& s, const HubFile& repo,
                                              const SafetensorsSource& src, int packed_bits) {
  HubCheckpoint out;
  out.format = "safetensors";
  out.files = src.files;
  std::optional<SafetensorsIndex> index;
  if (!src.index.empty()) {
    const HubFile f{repo.id, repo.revision, src.index};
    std::string text;
    try {
      text = fetch_file(s, f, kHubJsonFileMax, kNoHeaders);
    } catch (const HubError& e) {
      if (e.kind() == "no_file") return std::nullopt;
      throw;
    }
    try {
      index = or_throw(parse_safetensors_index_text(text));
    } catch (const Error& e) {
      throw HubError("invalid", describe(f) + " is invalid: " + e.what() + "; " + kNoHeaders);
    }
    out.files = index->shards;
    out.index_total_size = index->total_size;
    out.header_bytes_fetched += static_cast<int64_t>(text.size());
  }
  // One header per shard: Range 0-7 for N, then Range 8..8+N-1.
  std::vector<SafetensorsHeader> headers(out.files.size());
  try {
    for_each_file(out.files.size(), [&](size_t i) {
      const HubFile f{repo.id, repo.revision, out.files[i]};
      const std::string prefix = fetch_range(s, f, 0, 8, kNoHeaders);
      try {
        const uint64_t n = or_throw(safetensors_header_length(prefix));
        if (n > kHubSafetensorsHeaderMax) {
          throw HubError("invalid", describe(f) + ": safetensors header of " + std::to_string(n) +
                                        " bytes, more than vramfit reads; " + kNoHeaders);
        }
        headers[i] =
            or_throw(parse_safetensors_header(prefix + fetch_range(s, f, 8, n, kNoHeaders)));
      } catch (const Error& e) {
        throw HubError("invalid", describe(f) + " has an invalid safetensors header: " + e.what() +
                                      "; " + kNoHeaders);
      }
    });
  } catch (const HubError& e) {
    if (e.kind() == "no_file" && !index && out.files.size() == 1) return std::nullopt;
    throw;
  }
  std::vector<CheckpointSummary> sums;
  for (const auto& h : headers) {
    out.header_bytes_fetched += h.header_length + 8;
    sums.push_back(or_throw(checkpoint_weight_bytes(h.tensors, packed_bits)));
  }
  out.summary = merge_checkpoint_summaries(sums);
  add_notes(out, index, headers);
  for (auto& h : headers) {
    for (auto& t : h.tensors) out.tensors.push_back(std::move(t));
  }
  return out;
}

HubCheckpoint fetch_safetensors(const HubSettings& s, const HubFile& repo,
                                const CheckpointPlan& plan, int packed_bits) {
  std::string tried;
  for (const auto& src : plan.safetensors) {
    if (auto c = read_safetensors(s, repo, src, packed_bits)) return std::move(*c);
    tried += (tried.empty() ? "" : ", ") + (src.index.empty() ? src.files.at(0) : src.index);
  }
  throw HubError("no_file", repo.id + " has no safetensors weights (" +
                                (tried.empty() ? "none listed" : "no " + tried) + " at revision " +
                                repo.revision + "); " + kNoHeaders);
}

// The header of one GGUF file: growing Range requests from the plan's first
// read until the parser has it all.
GgufHeader read_gguf(const HubSettings& s, const HubFile& f) {
  uint64_t want = kHubGgufFirstRead;
  for (;;) {
    const std::string bytes = fetch_range(s, f, 0, want, kOffline, true);
    Result<GgufHeader> h = parse_gguf_header(bytes);
    if (h.ok()) return std::move(h).value();
    const Error& e = h.error();
    if (e.need_bytes() == 0) {
      throw HubError("invalid",
                     describe(f) + " is not a valid GGUF file: " + e.what() + ". " + kOffline);
    }
    if (bytes.size() < want) {
      throw HubError("invalid", describe(f) + " ends inside its GGUF header (" +
                                    std::to_string(bytes.size()) + " bytes). " + kOffline);
    }
    if (e.need_bytes() > kHubGgufHeaderMax) {
      throw HubError("invalid", describe(f) + ": GGUF header of " + std::to_string(e.need_bytes()) +
                                    " bytes, more than vramfit reads (" +
                                    std::to_string(kHubGgufHeaderMax >> 20) + " MiB). " + kOffline);
    }
    want = std::min(kHubGgufHeaderMax, std::max(e.need_bytes(), want * 2));
  }
}

// Every part of the plan's GGUF file; the first carries the hyperparameters.
HubCheckpoint fetch_gguf(const HubSettings& s, const HubFile& repo, const CheckpointPlan& plan,
                         GgufHeader* first) {
  HubCheckpoint out;
  out.format = "gguf";
  out.files = plan.gguf_parts;
  std::vector<GgufHeader> heads(out.files.size());
  for_each_file(out.files.size(), [&](size_t i) {
    heads[i] = read_gguf(s, {repo.id, repo.revision, out.files[i]});
  });
  std::vector<CheckpointSummary> sums;
  for (auto& h : heads) {
    out.header_bytes_fetched += h.header_bytes;
    sums.push_back(or_throw(checkpoint_weight_bytes(h.tensors, 4)));
    out.tensors.insert(out.tensors.end(), h.tensors.begin(), h.tensors.end());
  }
  out.summary = merge_checkpoint_summaries(sums);
  *first = std::move(heads.at(0));  // with its tensors: the config reads output.weight
  return out;
}
}  // namespace

ModelFetch fetch_model(const std::string& id, const std::string& revision,
                       const std::string& gguf_file, bool want_checkpoint) {
  check_model_id(id);
  try {
    (void)or_throw(plan_checkpoint(nullptr, gguf_file));  // a bad name fails before any request
  } catch (const Error& e) {
    throw HubError("bad_id", "--gguf-file: " + std::string(e.what()));
  }
  const HubSettings s = hub_settings_from_env();
  const HubFile repo{id, revision.empty() ? "main" : revision, ""};
  const auto listing = fetch_listing(s, repo);
  const CheckpointPlan plan = or_throw(plan_checkpoint(listing ? &*listing : nullptr, gguf_file));
  const std::string at = repo.revision == "main" ? "" : " at revision " + repo.revision;
  if (plan.problem == "gguf_file_missing") {
    std::string some;
    for (size_t i = 0; i < plan.gguf_files.size() && i < 4; ++i)
      some += (i ? ", " : "") + plan.gguf_files[i];
    if (plan.gguf_files.size() > 4) some += ", ...";
    throw HubError("no_file", id + " has no file " + plan.gguf_file + at +
                                  "; pick one of its GGUF files" +
                                  (some.empty() ? "" : " (" + some + ")") + " with --gguf-file");
  }
  if (plan.problem == "no_config") {
    throw HubError("no_file",
                   id + " has no config.json" + at +
                       " (nor params.json or a GGUF file), so "
                       "there is nothing to estimate from. Check the id and --revision; or " +
                       kOffline);
  }
  ModelFetch f;
  json cfg;
  if (!plan.gguf_file.empty()) {
    GgufHeader first;
    f.checkpoint = fetch_gguf(s, repo, plan, &first);
    if (plan.config_files.empty()) {
      f.config_file = plan.gguf_file;
      try {
        cfg = or_throw(gguf_to_config_json(first));
      } catch (const Error& e) {
        throw HubError("invalid", id + "/" + plan.gguf_file + ": " + e.what());
      }
    } else {
      cfg = fetch_config(s, repo, plan, &f.config_file);
    }
  } else {
    cfg = fetch_config(s, repo, plan, &f.config_file);
    if (want_checkpoint) {
      try {
        f.checkpoint = fetch_safetensors(s, repo, plan, packed_bits_from_config(cfg));
      } catch (const HubError& e) {
        f.checkpoint_note = e.what();
      }
    }
  }
  f.model = {{"config", cfg}, {"id", id}};
  return f;
}

}  // namespace cli
}  // namespace vramfit
