// vramfit CLI: builds a request JSON from flags (or reads one) and prints the
// core's response as a table, or as JSON with --json. Exit 2 on bad input.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "hub.h"
#include "tables.h"
#include "vramfit/api.h"

namespace {
using json = nlohmann::json;

const char* kUsage = R"(usage:
  vramfit params   (--config FILE | --preset ID | --model ORG/NAME) [--json]
  vramfit estimate (--request FILE.json | --config FILE | --preset ID | --model ORG/NAME) [flags] [--json]
  vramfit fit      (--config FILE | --preset ID | --model ORG/NAME) [flags] [--json]
  vramfit presets | gpus | dtypes [--json]
--model ORG/NAME fetches config.json from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN);
       --revision R (branch, tag, commit), --gguf-file F.gguf (config from a GGUF header)
flags: --task inference|full|lora|qlora|dora|qdora  --batch N  --seq N  --prompt-len N
       --dtype ID  --precision bf16_mixed|fp16_mixed|bf16_pure|fp32  --optimizer ID
       --lora-rank N  --lora-alpha X  --lora-targets a,b,c|all-linear  --lora-dropout X
       --grad-ckpt  --attention flash|sdpa|eager  --kv-dtype ID  --loss standard|chunked
       --engine hf|vllm|llama_cpp  --inference-mode generate|forward
       --tp N --pp N --dp N --ep N --zero 0-3 --fsdp --offload-optimizer --offload-params
       --gpu ID  --custom-gpu NAME=GiB  --eval-batch N --eval-seq N  --no-search  --strategies
       --autocast | --no-autocast  --optimizer-in-backward  --lora-dtype fp32|bf16
       --bits B [--group-size G] (custom weight format)  --gpu-mem-util X  --max-batched-tokens N
       --microbatches N  --cuda-context-mib N  --fragmentation X
)";

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

struct Args {
  std::string cmd;
  bool as_json = false;
  std::string request_file;
  std::string model_id, revision = "main", gguf_file;
  json req = json::object();
};

Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) fail(std::string("missing command\n") + kUsage);
  a.cmd = argv[1];
  if (a.cmd == "-h" || a.cmd == "--help" || a.cmd == "help") {
    std::fputs(kUsage, stdout);
    std::exit(0);
  }
  const std::map<std::string, std::string> str_fields = {
      {"--task", "task"}, {"--dtype", "weights_dtype"}, {"--precision", "precision"},
      {"--optimizer", "optimizer"}, {"--attention", "attention"}, {"--kv-dtype", "kv_cache_dtype"},
      {"--loss", "loss"}, {"--engine", "engine"}, {"--gpu", "gpu"},
      {"--inference-mode", "inference_mode"}};
  const std::map<std::string, std::string> num_fields = {
      {"--batch", "batch_size"}, {"--seq", "seq_len"}, {"--prompt-len", "prompt_len"}};
  const std::map<std::string, std::string> par_fields = {
      {"--tp", "tp"}, {"--pp", "pp"}, {"--dp", "dp"}, {"--ep", "ep"}, {"--zero", "zero"}};
  json& r = a.req;
  for (int i = 2; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(f + " needs a value");
      return argv[++i];
    };
    if (f == "--json") a.as_json = true;
    else if (f == "--request") a.request_file = value();
    else if (f == "--preset") r["model"] = {{"preset", value()}};
    else if (f == "--model") a.model_id = value();
    else if (f == "--revision") a.revision = value();
    else if (f == "--gguf-file") a.gguf_file = value();
    else if (f == "--config") {
      std::string path = value();
      const std::string text = read_file(path);
      // The core's limits (size, nesting) and line/column messages apply
      // before the CLI builds anything from the file.
      const std::string err = vramfit::json_text_error(text, path);
      if (!err.empty()) fail(err);
      r["model"] = {{"config", json::parse(text)}};
    }
    else if (str_fields.count(f)) r[str_fields.at(f)] = value();
    else if (num_fields.count(f)) r[num_fields.at(f)] = number_arg(f, value());
    else if (par_fields.count(f)) r["parallel"][par_fields.at(f)] = number_arg(f, value());
    else if (f == "--fsdp") r["parallel"]["fsdp"] = true;
    else if (f == "--offload-optimizer") r["parallel"]["offload_optimizer"] = true;
    else if (f == "--offload-params") r["parallel"]["offload_params"] = true;
    else if (f == "--grad-ckpt") r["gradient_checkpointing"] = true;
    else if (f == "--autocast") r["autocast"] = true;
    else if (f == "--no-autocast") r["autocast"] = false;
    else if (f == "--optimizer-in-backward") r["optimizer_in_backward"] = true;
    else if (f == "--lora-dtype") r["lora"]["dtype"] = value();
    else if (f == "--bits") {
      // A custom weight format: {"bits": b, "group_size": g}.
      if (!r.contains("weights_dtype") || !r["weights_dtype"].is_object()) r["weights_dtype"] = json::object();
      r["weights_dtype"]["bits"] = number_arg(f, value());
    } else if (f == "--group-size") {
      if (!r.contains("weights_dtype") || !r["weights_dtype"].is_object()) r["weights_dtype"] = json::object();
      r["weights_dtype"]["group_size"] = number_arg(f, value());
    }
    else if (f == "--gpu-mem-util") r["gpu_memory_utilization"] = number_arg(f, value());
    else if (f == "--max-batched-tokens") r["max_num_batched_tokens"] = number_arg(f, value());
    else if (f == "--microbatches") r["parallel"]["microbatches"] = number_arg(f, value());
    else if (f == "--cuda-context-mib") r["cuda_context_mib"] = number_arg(f, value());
    else if (f == "--fragmentation") r["fragmentation"] = number_arg(f, value());
    else if (f == "--no-search") r["search"] = false;
    else if (f == "--strategies") r["strategies"] = true;
    else if (f == "--lora-rank") r["lora"]["rank"] = number_arg(f, value());
    else if (f == "--lora-alpha") r["lora"]["alpha"] = number_arg(f, value());
    else if (f == "--lora-dropout") r["lora"]["dropout"] = number_arg(f, value());
    else if (f == "--lora-targets") {
      std::string v = value();
      if (v == "all-linear") { r["lora"]["targets"] = v; continue; }
      json list = json::array();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ',')) if (!item.empty()) list.push_back(item);
      r["lora"]["targets"] = list;
    }
    else if (f == "--eval-batch") r["eval"]["batch_size"] = number_arg(f, value());
    else if (f == "--eval-seq") r["eval"]["seq_len"] = number_arg(f, value());
    else if (f == "--custom-gpu") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos) fail("--custom-gpu expects NAME=GiB");
      r["custom_gpus"].push_back({{"name", v.substr(0, eq)},
                                  {"memory_gib", number_arg(f, v.substr(eq + 1))}});
    }
    else fail("unknown flag " + f + "\n" + kUsage);
  }
  return a;
}

int print_catalog(const Args& a) {
  json c = json::parse(vramfit::catalog_json());
  if (a.as_json) {
    std::cout << c[a.cmd].dump(2) << "\n";
    return 0;
  }
  if (a.cmd == "presets") vramfit::cli::print_presets(c);
  else if (a.cmd == "gpus") vramfit::cli::print_gpus(c);
  else vramfit::cli::print_dtypes(c);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  if (a.cmd == "presets" || a.cmd == "gpus" || a.cmd == "dtypes") return print_catalog(a);
  if (a.cmd != "params" && a.cmd != "estimate" && a.cmd != "fit") {
    fail("unknown command \"" + a.cmd + "\"\n" + kUsage);
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
        const auto sum = vramfit::checkpoint_weight_bytes(ckpt->tensors);
        a.req["model"]["checkpoint"] = {{"total_bytes", sum.total_bytes}, {"source", ckpt->format}};
      }
      if (m.config_file == "params.json") {
        std::fprintf(stderr, "vramfit: note: %s has no config.json; read its params.json "
                             "(Mistral format) as the equivalent config\n", a.model_id.c_str());
      }
      if (!m.checkpoint_note.empty()) {
        std::fprintf(stderr, "vramfit: checkpoint bytes unavailable: %s\n", m.checkpoint_note.c_str());
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
    if (!a.req.contains("model")) fail("give --preset ID, --config FILE, --model ORG/NAME or --request FILE");
    if (a.cmd == "params") a.req["search"] = false;
    text = a.req.dump();
  }
  const std::string resp = vramfit::estimate_json(text);
  json r = json::parse(resp);
  if (r.contains("error")) {
    const json& e = r["error"];
    std::fprintf(stderr, "vramfit: error %s%s: %s\n", e["code"].get<std::string>().c_str(),
                 e["field"].get<std::string>().empty()
                     ? ""
                     : (" at " + e["field"].get<std::string>()).c_str(),
                 e["message"].get<std::string>().c_str());
    if (a.as_json) std::cout << resp << "\n";
    return 2;
  }
  if (a.as_json) {
    json out = a.cmd == "params" ? json{{"model", r["model"]}, {"params", r["params"]}} : r;
    if (a.cmd == "params" && ckpt) out["checkpoint"] = vramfit::cli::checkpoint_json(*ckpt, r);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (a.cmd == "params") {
    vramfit::cli::print_params(r);
    if (ckpt) vramfit::cli::print_checkpoint(*ckpt, r);
  }
  else if (a.cmd == "fit") vramfit::cli::print_fit(r);
  else vramfit::cli::print_estimate(r);
  return 0;
}
