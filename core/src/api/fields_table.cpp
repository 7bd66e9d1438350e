// The rows of the request field table (api/fields.h): one per request field,
// in parse order. A new field is one row here plus the code that uses it.
#include <type_traits>
#include <utility>

#include "api/fields.h"
#include "vramfit/stacks.h"

namespace vramfit {
namespace fields {
namespace {
using json = nlohmann::json;

constexpr unsigned kInference = task_bit(Task::inference);
constexpr unsigned kTraining = ~kInference;
constexpr unsigned kAdapters =
    task_bit(Task::lora) | task_bit(Task::qlora) | task_bit(Task::dora) | task_bit(Task::qdora);
constexpr unsigned kVllm = engine_bit(Engine::vllm);
constexpr unsigned kLlamaCpp = engine_bit(Engine::llama_cpp);
constexpr unsigned kOllama = engine_bit(Engine::ollama);
constexpr unsigned kGguf = kLlamaCpp | kOllama;  // llama-server underneath
constexpr unsigned kSglang = engine_bit(Engine::sglang);
constexpr unsigned kHf = engine_bit(Engine::hf);
// Engines whose estimate spreads over a parallel layout: llama.cpp's and
// Ollama's are one GPU's (their layer split across GPUs is not modelled), so
// the layout fields do not apply there.
constexpr unsigned kSplits = ~kGguf;
constexpr int64_t kMaxDegree = 4096;

// r.*M, or (r.*G).*M for a member of a nested options struct.
template <auto M, typename R>
auto& ref(R& r) {
  return r.*M;
}
template <auto G, auto M, typename R>
auto& ref(R& r) {
  return (r.*G).*M;
}

// Chained setters keep one row readable on a few lines.
struct Row : Field {
  Row(const char* p, Kind k, const char* l, const char* g) {
    path = p;
    kind = k;
    label = l;
    group = g;
  }
  Row& range(double a, double b) {
    lo = a;
    hi = b;
    return *this;
  }
  Row& one_of(std::vector<EnumValue> v) {
    values = std::move(v);
    return *this;
  }
  Row& about(const char* h) {
    help = h;
    return *this;
  }
  Row& in_units(const char* u) {
    unit = u;
    return *this;
  }
  Row& derive(const char* how) {
    derived = how;
    return *this;
  }
  Row& only(unsigned t, unsigned e = ~0u) {
    tasks = t;
    engines = e;
    return *this;
  }
  Row& cli(const char* f, std::vector<const char*> a = {}) {
    flag = f;
    aliases = std::move(a);
    return *this;
  }
  Row& io(void (*s)(Request&, const json&), json (*g)(const Request&)) {
    set = s;
    get = g;
    return *this;
  }
  // A plain member (int64_t, double, bool, std::string).
  template <auto... M>
  Row& member() {
    return io([](Request& r, const json& v) { v.get_to(ref<M...>(r)); },
              [](const Request& r) { return json(ref<M...>(r)); });
  }
  // An enum member, stored as the index of `values` (same order as the enum).
  template <auto... M>
  Row& choice() {
    return io(
        [](Request& r, const json& v) {
          auto& m = ref<M...>(r);
          m = static_cast<std::decay_t<decltype(m)>>(v.get<int>());
        },
        [](const Request& r) { return json(static_cast<int>(ref<M...>(r))); });
  }
};

json optional_json(const std::optional<int64_t>& v) { return v ? json(*v) : json(); }
json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(); }

// The stack ids and names of core/data/stacks.json (the catalogue is static,
// so its strings outlive the table).
std::vector<EnumValue> stack_values() {
  std::vector<EnumValue> out;
  for (const Stack& s : stack_catalog()) out.push_back({s.id.c_str(), s.name.c_str()});
  return out;
}

// The task, the weights and the sizes of one step.
void add_workload(std::vector<Field>& t) {
  t.push_back(Row("task", Kind::enumeration, "Task", "main")
                  .one_of({{"inference", "Inference"},
                           {"full", "Full fine-tuning"},
                           {"lora", "LoRA"},
                           {"qlora", "QLoRA (4-bit base)"},
                           {"dora", "DoRA"},
                           {"qdora", "QDoRA (4-bit base)"}})
                  .about("What the GPU runs: serving, or fine-tuning of all or adapter weights.")
                  .cli("--task")
                  .choice<&Request::task>());
  t.push_back(
      Row("stack", Kind::enumeration, "Training stack", "training")
          .one_of(stack_values())
          .about("Software that runs the training: its release's defaults fill the training "
                 "settings you leave out (response stack_defaults), and its mechanisms apply.")
          .only(kTraining)
          .cli("--stack")
          .io([](Request& r, const json& v) { r.stack = stack_catalog().at(v.get<size_t>()).id; },
              [](const Request& r) {
                const auto& all = stack_catalog();
                for (size_t i = 0; i < all.size(); ++i) {
                  if (all[i].id == r.stack) return json(i);
                }
                return json();
              }));
  t.push_back(Row("stack_version", Kind::text, "Stack version", "training")
                  .range(1, 40)
                  .derive("the stack's newest version in the catalogue")
                  .about("Release of the training stack whose defaults apply (catalogue "
                         "stacks[].versions).")
                  .only(kTraining)
                  .cli("--stack-version")
                  .io([](Request& r, const json& v) { r.stack_version = v.get<std::string>(); },
                      [](const Request& r) {
                        return r.stack_version.empty() ? json() : json(r.stack_version);
                      }));
  t.push_back(Row("weights_dtype", Kind::weights, "Weights dtype", "main")
                  .derive("quantization_config, then nf4 for qlora/qdora, then the repo name, then "
                          "torch_dtype, then bf16 (full fine-tuning: the precision's master dtype)")
                  .about("Storage format of the frozen or served weights: a dtype id or alias "
                         "(`vramfit dtypes`), or {\"bits\", \"group_size\"}.")
                  .cli("--weights-dtype", {"--dtype"})
                  .io(
                      [](Request& r, const json& v) {
                        if (v.is_object()) {
                          r.custom_bits = v.at("bits").get<double>();
                          r.custom_group = v.at("group_size").get<int64_t>();
                          r.weights_dtype = "custom";
                        } else {
                          r.weights_dtype = v.get<std::string>();
                        }
                      },
                      [](const Request& r) {
                        if (r.weights_dtype.empty()) return json();
                        if (r.weights_dtype != "custom" || !r.custom_bits)
                          return json(r.weights_dtype);
                        json j;
                        j["bits"] = *r.custom_bits;
                        j["group_size"] = r.custom_group;
                        return j;
                      }));
  t.push_back(Row("weights_dtype.bits", Kind::number, "Bits per weight", "main")
                  .range(1, 32)
                  .in_units("bits")
                  .about("A custom weight format's bits per weight.")
                  .cli("--bits"));
  t.push_back(Row("weights_dtype.group_size", Kind::integer, "Quantisation group size", "main")
                  .range(0, 1 << 20)
                  .about("Weights per fp16 scale and zero point (0 = no groups).")
                  .cli("--group-size"));
  t.push_back(Row("precision", Kind::enumeration, "Training precision", "training")
                  .one_of({{"bf16_mixed", "bf16 mixed (fp32 master weights)"},
                           {"fp16_mixed", "fp16 mixed (fp32 master weights)"},
                           {"bf16_pure", "Pure bf16 (bf16 optimizer states)"},
                           {"fp32", "Full fp32 (weights, gradients, states)"}})
                  .about("How parameters, master weights and optimizer states are stored.")
                  .only(kTraining)
                  .cli("--precision")
                  .choice<&Request::precision>());
  t.push_back(Row("autocast", Kind::boolean, "torch.autocast", "training-adv")
                  .derive("on for the *_mixed precisions")
                  .about("Whether torch.autocast wraps the step (changes what LoRA modules save).")
                  .only(kTraining)
                  .cli("--autocast")
                  .io([](Request& r, const json& v) { r.autocast = v.get<bool>(); },
                      [](const Request& r) { return r.autocast ? json(*r.autocast) : json(); }));
  t.push_back(Row("batch_size", Kind::integer, "Batch size", "main")
                  .range(1, kMaxBatchSize)
                  .in_units("sequences")
                  .about("Sequences processed at once: the micro-batch per GPU (training) or "
                         "concurrent sequences (inference).")
                  .cli("--batch-size", {"--batch"})
                  .member<&Request::batch_size>());
  t.push_back(Row("seq_len", Kind::integer, "Sequence length", "main")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .about("Tokens per sequence: the training length, or the inference context "
                         "(prompt + generated).")
                  .cli("--seq-len", {"--seq"})
                  .member<&Request::seq_len>());
  t.push_back(Row("prompt_len", Kind::integer, "Prompt length (prefill)", "inference")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("seq_len")
                  .about("Tokens prefilled in one forward pass; at most the sequence length.")
                  .only(kInference)
                  .cli("--prompt-len")
                  .io([](Request& r, const json& v) { r.prompt_len = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.prompt_len); }));
  t.push_back(Row("inference_mode", Kind::enumeration, "Logits for", "inference")
                  .one_of({{"generate", "The last position (generate)"},
                           {"forward", "Every position (forward)"}})
                  .about("generate() computes logits for the last position only; a plain "
                         "forward for every position.")
                  .only(kInference)
                  .cli("--inference-mode")
                  .io([](Request& r, const json& v) { r.logits_all = v.get<int>() == 1; },
                      [](const Request& r) { return json(r.logits_all ? 1 : 0); }));
  t.push_back(
      Row("hf_cache", Kind::enumeration, "Transformers KV cache", "inference")
          .one_of({{"dynamic", "DynamicCache end to end (transformers >= 4.42)"},
                   {"legacy", "Tuple past_key_values (transformers <= 4.41)"}})
          .about("Up to transformers 4.41, generate() passed tuple caches and held the previous "
                 "step's cache until the forward returned the next one: two caches at once while "
                 "decoding.")
          .only(kInference, kHf)
          .cli("--hf-cache")
          .io([](Request& r, const json& v) { r.legacy_kv_cache = v.get<int>() == 1; },
              [](const Request& r) { return json(r.legacy_kv_cache ? 1 : 0); }));
}

// Training settings and LoRA adapters.
void add_training(std::vector<Field>& t) {
  t.push_back(Row("gradient_checkpointing", Kind::boolean, "Gradient checkpointing", "training")
                  .about("Recompute activations in the backward pass (HF per-layer "
                         "checkpointing): less memory, about 30 % slower.")
                  .only(kTraining)
                  .cli("--gradient-checkpointing", {"--grad-ckpt"})
                  .member<&Request::gradient_checkpointing>());
  t.push_back(Row("optimizer", Kind::enumeration, "Optimizer", "training")
                  .one_of({{"adamw", "AdamW (torch foreach)"},
                           {"adamw_fused", "AdamW (fused)"},
                           {"adamw_8bit", "AdamW 8-bit (bitsandbytes)"},
                           {"paged_adamw_8bit", "Paged AdamW 8-bit (bitsandbytes)"},
                           {"adafactor", "Adafactor"},
                           {"sgd", "SGD"},
                           {"sgd_momentum", "SGD with momentum"},
                           {"lion", "Lion"}})
                  .about("Optimizer whose states sit on the GPU.")
                  .only(kTraining)
                  .cli("--optimizer")
                  .choice<&Request::optimizer>());
  t.push_back(
      Row("gradient_accumulation_steps", Kind::integer, "Gradient accumulation steps", "training")
          .range(1, 65536)
          .about("Micro-batches whose gradients are summed before each optimizer step (the "
                 "Trainer's gradient_accumulation_steps). Above 1 the summed gradients stay "
                 "allocated through the next micro-batch's forward and backward passes, and "
                 "data-parallel traffic that runs once per optimizer step is shared by the "
                 "micro-batches.")
          .only(kTraining)
          .cli("--gradient-accumulation-steps", {"--grad-accum"})
          .member<&Request::gradient_accumulation_steps>());
  t.push_back(
      Row("optimizer_in_backward", Kind::boolean, "Optimizer step in backward", "training-adv")
          .about("Fused per-parameter step during backward (torchtune optimizer_in_bwd).")
          .only(kTraining)
          .cli("--optimizer-in-backward")
          .member<&Request::optimizer_in_backward>());
  t.push_back(Row("train_tokens", Kind::integer, "Tokens to train", "training-adv")
                  .range(1, 1e15)
                  .in_units("tokens")
                  .derive("none (no time to train)")
                  .about("Tokens the run trains on, for the time and cost to train (response "
                         "speed); or give dataset_tokens and epochs.")
                  .only(kTraining)
                  .cli("--train-tokens")
                  .io([](Request& r, const json& v) { r.train_tokens = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.train_tokens); }));
  t.push_back(Row("dataset_tokens", Kind::integer, "Dataset tokens", "training-adv")
                  .range(1, 1e15)
                  .in_units("tokens")
                  .derive("none")
                  .about("Tokens in one epoch of the dataset; times epochs gives the tokens to "
                         "train when train_tokens is not set.")
                  .only(kTraining)
                  .cli("--dataset-tokens")
                  .io([](Request& r, const json& v) { r.dataset_tokens = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.dataset_tokens); }));
  t.push_back(Row("epochs", Kind::number, "Epochs", "training-adv")
                  .range(0.01, 1e6)
                  .derive("1")
                  .about("Passes over dataset_tokens.")
                  .only(kTraining)
                  .cli("--epochs")
                  .io([](Request& r, const json& v) { r.epochs = v.get<double>(); },
                      [](const Request& r) { return optional_json(r.epochs); }));
  t.push_back(Row("price_per_gpu_hour", Kind::number, "Price per GPU-hour", "training-adv")
                  .range(0, 1e6)
                  .derive("none (no cost)")
                  .about("What one GPU-hour costs you, in any currency, for the cost to train "
                         "(no built-in prices).")
                  .only(kTraining)
                  .cli("--price-per-gpu-hour")
                  .io([](Request& r, const json& v) { r.price_per_gpu_hour = v.get<double>(); },
                      [](const Request& r) { return optional_json(r.price_per_gpu_hour); }));
  t.push_back(Row("lora.rank", Kind::integer, "LoRA rank", "lora")
                  .range(1, 1 << 16)
                  .about("Adapter rank r.")
                  .only(kAdapters)
                  .cli("--lora-rank")
                  .member<&Request::lora, &LoraOptions::rank>());
  t.push_back(Row("lora.alpha", Kind::number, "LoRA alpha", "lora")
                  .range(0, 1e9)
                  .about("Adapter scaling numerator (no effect on memory; echoed for configs).")
                  .only(kAdapters)
                  .cli("--lora-alpha")
                  .member<&Request::lora, &LoraOptions::alpha>());
  t.push_back(Row("lora.dropout", Kind::number, "LoRA dropout", "lora")
                  .range(0, 0.99)
                  .about("Dropout on the adapter input; above 0 it saves a mask per module.")
                  .only(kAdapters)
                  .cli("--lora-dropout")
                  .member<&Request::lora, &LoraOptions::dropout>());
  t.push_back(Row("lora.dtype", Kind::enumeration, "Adapter dtype", "lora")
                  .one_of({{"fp32", "32-bit float (4 bytes, PEFT's default)"},
                           {"bf16", "bfloat16 (2 bytes)"},
                           {"fp16", "float16 (2 bytes)"}})
                  .about("Storage of the adapter weights.")
                  .only(kAdapters)
                  .cli("--lora-dtype")
                  .io(
                      [](Request& r, const json& v) {
                        r.lora.dtype = static_cast<LoraDtype>(v.get<int>());
                        r.lora.dtype_bytes = r.lora.dtype == LoraDtype::fp32 ? 4 : 2;
                      },
                      [](const Request& r) { return json(static_cast<int>(r.lora.dtype)); }));
  t.push_back(Row("lora.targets", Kind::modules, "LoRA targets", "lora")
                  .range(1, 64)
                  .about("\"all-linear\" or module names, e.g. q_proj,v_proj.")
                  .only(kAdapters)
                  .cli("--lora-targets")
                  .io(
                      [](Request& r, const json& v) {
                        r.lora.all_linear = v.is_string();
                        if (v.is_array()) r.lora.targets = v.get<std::vector<std::string>>();
                      },
                      [](const Request& r) {
                        return r.lora.all_linear ? json("all-linear") : json(r.lora.targets);
                      }));
}

// Attention, KV cache, loss and evaluation steps.
void add_kernels(std::vector<Field>& t) {
  t.push_back(Row("attention", Kind::enumeration, "Attention kernel", "advanced")
                  .one_of({{"sdpa", "PyTorch SDPA"},
                           {"flash", "FlashAttention"},
                           {"eager", "Eager (saves the s² probabilities)"}})
                  .about("Attention implementation; eager keeps the attention probabilities.")
                  .cli("--attention")
                  .choice<&Request::attention>());
  t.push_back(Row("kv_cache_dtype", Kind::dtype, "KV cache dtype", "inference")
                  .derive("the compute dtype")
                  .about("Storage of the KV cache: a dtype listed for KV caches; quantised caches "
                         "halve or quarter it.")
                  .only(kInference)
                  .cli("--kv-cache-dtype", {"--kv-dtype"})
                  .io([](Request& r, const json& v) { r.kv_cache_dtype = v.get<std::string>(); },
                      [](const Request& r) {
                        return r.kv_cache_dtype.empty() ? json() : json(r.kv_cache_dtype);
                      }));
  t.push_back(Row("loss", Kind::enumeration, "Loss implementation", "training")
                  .one_of({{"standard", "Standard (cross-entropy on fp32 logits)"},
                           {"chunked", "Chunked cross-entropy"},
                           {"fused", "Fused linear cross-entropy (Liger, Unsloth, CCE)"}})
                  .about("How the loss materialises the logits.")
                  .only(kTraining)
                  .cli("--loss")
                  .choice<&Request::loss>());
  t.push_back(Row("eval.batch_size", Kind::integer, "Eval batch size", "training-adv")
                  .range(1, kMaxBatchSize)
                  .in_units("sequences")
                  .derive("batch_size when eval is given; no eval phase otherwise")
                  .about("Batch of the evaluation steps (adds an eval phase).")
                  .only(kTraining)
                  .cli("--eval-batch-size", {"--eval-batch"})
                  .io([](Request& r, const json& v) { r.eval_batch_size = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.eval_batch_size); }));
  t.push_back(Row("eval.seq_len", Kind::integer, "Eval sequence length", "training-adv")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("seq_len when eval is given; no eval phase otherwise")
                  .about("Sequence length of the evaluation steps (adds an eval phase).")
                  .only(kTraining)
                  .cli("--eval-seq-len", {"--eval-seq"})
                  .io([](Request& r, const json& v) { r.eval_seq_len = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.eval_seq_len); }));
}

// The parallel layout.
void add_parallel(std::vector<Field>& t) {
  t.push_back(Row("parallel.tp", Kind::integer, "Tensor parallel (tp)", "parallel")
                  .range(1, kMaxDegree)
                  .in_units("GPUs")
                  .about("Tensor-parallel degree.")
                  .only(~0u, kSplits)
                  .cli("--tp")
                  .member<&Request::parallel, &ParallelOptions::tp>());
  t.push_back(Row("parallel.pp", Kind::integer, "Pipeline parallel (pp)", "parallel")
                  .range(1, kMaxDegree)
                  .in_units("GPUs")
                  .about("Pipeline-parallel degree.")
                  .only(~0u, kSplits)
                  .cli("--pp")
                  .member<&Request::parallel, &ParallelOptions::pp>());
  t.push_back(Row("parallel.dp", Kind::integer, "Data parallel (dp)", "parallel")
                  .range(1, 1 << 20)
                  .in_units("GPUs")
                  .about("Data-parallel degree (ZeRO shards over it).")
                  .only(~0u, kSplits)
                  .cli("--dp")
                  .member<&Request::parallel, &ParallelOptions::dp>());
  t.push_back(Row("parallel.ep", Kind::integer, "Expert parallel (ep)", "parallel")
                  .range(1, kMaxDegree)
                  .in_units("GPUs")
                  .about("Expert-parallel degree (MoE).")
                  .only(~0u, kSplits)
                  .cli("--ep")
                  .member<&Request::parallel, &ParallelOptions::ep>());
  t.push_back(Row("parallel.zero", Kind::integer, "ZeRO stage (0–3)", "parallel")
                  .range(0, 3)
                  .about("Shards optimizer states (1), gradients (2) and parameters (3) over dp; "
                         "training only.")
                  .only(kTraining)
                  .cli("--zero")
                  .member<&Request::parallel, &ParallelOptions::zero>());
  t.push_back(Row("parallel.fsdp", Kind::boolean, "FSDP (= ZeRO-3)", "parallel")
                  .about("Fully sharded data parallel; the same as parallel.zero = 3.")
                  .only(kTraining)
                  .cli("--fsdp")
                  .member<&Request::parallel, &ParallelOptions::fsdp>());
  t.push_back(
      Row("parallel.offload_optimizer", Kind::boolean, "Offload optimizer to CPU", "parallel")
          .about("Optimizer states live in CPU memory.")
          .only(kTraining)
          .cli("--offload-optimizer")
          .member<&Request::parallel, &ParallelOptions::offload_optimizer>());
  t.push_back(Row("parallel.offload_params", Kind::boolean, "Offload parameters to CPU", "parallel")
                  .about("Parameters live in CPU memory; needs ZeRO-3 or FSDP.")
                  .only(kTraining)
                  .cli("--offload-params")
                  .member<&Request::parallel, &ParallelOptions::offload_params>());
  t.push_back(
      Row("parallel.reduce_bucket_size", Kind::integer, "ZeRO reduce bucket", "parallel")
          .range(0, int64_t{1} << 40)
          .in_units("elements")
          .about("DeepSpeed ZeRO-1/2 copies gradients into a buffer of this many elements on their "
                 "way to the reduce (its reduce_bucket_size; \"auto\" in a Trainer's DeepSpeed "
                 "config is hidden_size squared).")
          .only(kTraining)
          .cli("--reduce-bucket-size")
          .member<&Request::parallel, &ParallelOptions::reduce_bucket_size>());
  t.push_back(
      Row("parallel.overlap_comm", Kind::boolean, "Overlap communication (DeepSpeed)", "parallel")
          .derive("off below ZeRO-3, on at ZeRO-3 (DeepSpeed's defaults)")
          .about("DeepSpeed overlap_comm: gradients are reduced on their own stream, during the "
                 "backward pass rather than in turn with it (ZeRO-1/2: with a second reduce "
                 "buffer).")
          .only(kTraining)
          .cli("--overlap-comm")
          .io([](Request& r, const json& v) { r.parallel.overlap_comm = v.get<bool>(); },
              [](const Request& r) {
                return r.parallel.overlap_comm ? json(*r.parallel.overlap_comm) : json();
              }));
  t.push_back(Row("parallel.microbatches", Kind::integer, "Pipeline microbatches", "parallel")
                  .range(1, 1 << 16)
                  .derive("pp")
                  .about("Pipeline micro-batches in flight.")
                  .only(~0u, kSplits)
                  .cli("--microbatches")
                  .io([](Request& r, const json& v) { r.parallel.microbatches = v.get<int64_t>(); },
                      [](const Request& r) {
                        const int64_t m = r.parallel.microbatches;
                        return m > 0 ? json(m) : json();
                      }));
}

// llama.cpp (llama-server) settings; defaults in core/data/engines/llama_cpp.json.
void add_llama_cpp(std::vector<Field>& t) {
  t.push_back(
      Row("n_gpu_layers", Kind::integer, "llama.cpp n_gpu_layers", "inference")
          .range(-2, 1 << 16)
          .derive("all layers and the output layer")
          .about("Layers offloaded to the GPU (-ngl), the last ones first; n_layer + 1 "
                 "also puts the output layer there; negative = all (llama-server's own "
                 "pick: engine.llama_cpp.max_n_gpu_layers). Ollama: num_gpu, default its "
                 "own fit (engine.ollama.n_gpu_layers).")
          .only(kInference, kGguf)
          .cli("--n-gpu-layers", {"--ngl"})
          .io([](Request& r, const json& v) { r.llama_cpp.n_gpu_layers = v.get<int64_t>(); },
              [](const Request& r) { return optional_json(r.llama_cpp.n_gpu_layers); }));
  t.push_back(Row("n_ubatch", Kind::integer, "llama.cpp n_ubatch", "inference")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("512 (llama-server default)")
                  .about("Physical batch (-ub): tokens per graph evaluation; sizes the compute "
                         "buffer.")
                  .only(kInference, kLlamaCpp)
                  .cli("--n-ubatch", {"--ubatch-size"})
                  .io([](Request& r, const json& v) { r.llama_cpp.n_ubatch = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.llama_cpp.n_ubatch); }));
  t.push_back(Row("n_batch", Kind::integer, "llama.cpp n_batch", "inference")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("2048 (llama-server default)")
                  .about("Logical batch (-b); n_ubatch is capped by it. Ollama: num_batch, "
                         "passed as both -b and -ub; default by context and free memory.")
                  .only(kInference, kGguf)
                  .cli("--n-batch")
                  .io([](Request& r, const json& v) { r.llama_cpp.n_batch = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.llama_cpp.n_batch); }));
  t.push_back(Row("flash_attn", Kind::enumeration, "llama.cpp flash attention", "inference")
                  .one_of({{"auto", "Auto (on where the GPU supports it)"},
                           {"on", "On"},
                           {"off", "Off (materialises the attention scores)"}})
                  .about("-fa: with it off the compute buffer holds n_ctx x n_ubatch x heads "
                         "f32 scores.")
                  .only(kInference, kGguf)
                  .cli("--flash-attn")
                  .choice<&Request::llama_cpp, &LlamaCppOptions::flash_attn>());
  t.push_back(
      Row("cache_type_k", Kind::text, "llama.cpp K cache type", "inference")
          .range(1, 16)
          .derive("f16 (llama-server default)")
          .about("-ctk: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1.")
          .only(kInference, kGguf)
          .cli("--cache-type-k")
          .io([](Request& r, const json& v) { r.llama_cpp.cache_type_k = v.get<std::string>(); },
              [](const Request& r) {
                return r.llama_cpp.cache_type_k.empty() ? json() : json(r.llama_cpp.cache_type_k);
              }));
  t.push_back(
      Row("cache_type_v", Kind::text, "llama.cpp V cache type", "inference")
          .range(1, 16)
          .derive("f16 (llama-server default)")
          .about("-ctv: as cache_type_k; a quantised V cache needs flash attention.")
          .only(kInference, kGguf)
          .cli("--cache-type-v")
          .io([](Request& r, const json& v) { r.llama_cpp.cache_type_v = v.get<std::string>(); },
              [](const Request& r) {
                return r.llama_cpp.cache_type_v.empty() ? json() : json(r.llama_cpp.cache_type_v);
              }));
  t.push_back(
      Row("n_parallel", Kind::integer, "Parallel slots", "inference")
          .range(1, 1024)
          .derive("llama-server: auto (4 slots sharing one unified KV cache); Ollama: 1 "
                  "(OLLAMA_NUM_PARALLEL)")
          .about("-np / OLLAMA_NUM_PARALLEL: requests served at once. Set explicitly, each "
                 "slot gets its own KV stream of n_ctx / n_parallel cells; Ollama multiplies "
                 "the context by it (-c = num_ctx x num_parallel).")
          .only(kInference, kGguf)
          .cli("--parallel", {"--np"})
          .io([](Request& r, const json& v) { r.llama_cpp.n_parallel = v.get<int64_t>(); },
              [](const Request& r) { return optional_json(r.llama_cpp.n_parallel); }));
  t.push_back(
      Row("n_cpu_moe", Kind::integer, "llama.cpp --n-cpu-moe", "inference")
          .range(0, 1 << 16)
          .derive("0")
          .about("Keeps the routed-expert tensors (ffn_*_exps) of the first N layers in host "
                 "memory (MoE models).")
          .only(kInference, kLlamaCpp)
          .cli("--n-cpu-moe", {"--ncmoe"})
          .io([](Request& r, const json& v) { r.llama_cpp.n_cpu_moe = v.get<int64_t>(); },
              [](const Request& r) { return optional_json(r.llama_cpp.n_cpu_moe); }));
}

// SGLang settings; defaults by GPU in core/data/engines/sglang.json.
void add_sglang(std::vector<Field>& t) {
  t.push_back(
      Row("mem_fraction_static", Kind::number, "SGLang mem_fraction_static", "inference")
          .range(0.05, 1)
          .derive("(GPU MiB - reserved) / GPU MiB, reserved by GPU size and TP (SGLang's rule)")
          .about("Fraction of the GPU for weights and KV pool; the rest is kept for "
                 "activations and CUDA graphs.")
          .only(kInference, kSglang)
          .cli("--mem-fraction-static")
          .io([](Request& r, const json& v) { r.mem_fraction_static = v.get<double>(); },
              [](const Request& r) {
                return r.mem_fraction_static ? json(*r.mem_fraction_static) : json();
              }));
  t.push_back(Row("chunked_prefill_size", Kind::integer, "SGLang chunked_prefill_size", "inference")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("2048 below 35 GiB, 4096 below 60, 8192 below 160, else 16384")
                  .about("Prompt tokens per prefill chunk; sizes the default "
                         "mem_fraction_static.")
                  .only(kInference, kSglang)
                  .cli("--chunked-prefill-size")
                  .io([](Request& r, const json& v) { r.chunked_prefill_size = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.chunked_prefill_size); }));
  t.push_back(Row("cuda_graph_max_bs", Kind::integer, "SGLang cuda_graph_max_bs", "inference")
                  .range(1, 1 << 16)
                  .derive("by GPU size: 8 / 24 / 32 / 256 / 512 (larger at TP >= 4)")
                  .about("Largest batch captured as a CUDA graph; sizes the default "
                         "mem_fraction_static.")
                  .only(kInference, kSglang)
                  .cli("--cuda-graph-max-bs")
                  .io([](Request& r, const json& v) { r.cuda_graph_max_bs = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.cuda_graph_max_bs); }));
}

// GPUs, the inference engine and runtime overheads.
void add_runtime(std::vector<Field>& t) {
  t.push_back(Row("gpu", Kind::gpu, "Your GPU", "gpu")
                  .derive("none")
                  .about("A catalogue GPU id or alias (h100, 4090): marks it, and asks for "
                         "suggestions when it does not fit.")
                  .cli("--gpu")
                  .io([](Request& r, const json& v) { r.gpu = v.get<std::string>(); },
                      [](const Request& r) { return r.gpu.empty() ? json() : json(r.gpu); }));
  t.push_back(
      Row("gpus", Kind::integer, "Number of GPUs", "gpu")
          .range(1, kMaxDegree)
          .derive("parallel.tp x pp x dp")
          .about("How many of your GPU the job runs on. With tp, pp and dp at 1 it picks the "
                 "layout: inference, tensor parallel (pipeline when the heads do not divide); "
                 "training, ZeRO-3 data parallel (a ZeRO stage you set stays), or plain "
                 "data-parallel copies under a stack that does not shard (Unsloth).")
          .only(~0u, kSplits)
          .cli("--gpus")
          .io([](Request& r, const json& v) { r.gpus = v.get<int64_t>(); },
              [](const Request& r) { return optional_json(r.gpus); }));
  t.push_back(Row("custom_gpus", Kind::gpus, "Custom GPUs", "gpu")
                  .range(0, 16)
                  .about("GPUs added to the catalogue's: [{\"name\", \"memory_gib\", "
                         "\"like\"}], or the text name:GiB[@gpu], comma-separated (\"My "
                         "card:20, Node:79.19@h100\"), which the core parses.")
                  .cli("--custom-gpu")
                  .io(
                      [](Request& r, const json& v) {
                        for (const json& g : v) {
                          r.custom_gpus.push_back({g.at("name").get<std::string>(),
                                                   g.at("memory_bytes").get<int64_t>(),
                                                   g.value("like", std::string())});
                        }
                      },
                      [](const Request& r) {
                        json out = json::array();
                        for (const CustomGpu& g : r.custom_gpus) {
                          json& e = out.emplace_back(json::object());
                          e["name"] = g.name;
                          e["memory_gib"] = static_cast<double>(g.memory_bytes) / 1073741824.0;
                          if (!g.like.empty()) e["like"] = g.like;
                        }
                        return out;
                      }));
  t.push_back(Row("custom_gpus[].name", Kind::text, "Custom GPU name", "gpu")
                  .range(1, 60)
                  .about("Name of a custom GPU."));
  t.push_back(Row("custom_gpus[].memory_gib", Kind::number, "Custom GPU memory", "gpu")
                  .range(0.01, 1e6)
                  .in_units("GiB")
                  .about("Memory of a custom GPU."));
  t.push_back(Row("custom_gpus[].like", Kind::text, "Custom GPU chip", "gpu")
                  .range(0, 60)
                  .about("Optional: a catalogue GPU id or alias whose chip this is (its SM "
                         "count and architecture, which vLLM's start-up profile depends on), "
                         "e.g. a card whose driver reports less memory than the catalogue's."));
  t.push_back(Row("engine", Kind::enumeration, "Engine", "inference")
                  .one_of({{"hf", "Hugging Face Transformers"},
                           {"vllm", "vLLM"},
                           {"llama_cpp", "llama.cpp"},
                           {"ollama", "Ollama"},
                           {"sglang", "SGLang"}})
                  .about("Inference engine: its allocator, KV-cache and graph budgets.")
                  .only(kInference)
                  .cli("--engine")
                  .choice<&Request::engine>());
  t.push_back(
      Row("gpu_memory_utilization", Kind::number, "vLLM gpu_memory_utilization", "inference")
          .range(0.05, 1)
          .about("Fraction of GPU memory vLLM may use.")
          .only(kInference, kVllm)
          .cli("--gpu-memory-utilization", {"--gpu-mem-util"})
          .member<&Request::gpu_memory_utilization>());
  t.push_back(
      Row("max_num_batched_tokens", Kind::integer, "vLLM max_num_batched_tokens", "inference")
          .range(1, kMaxSeqLen)
          .in_units("tokens")
          .derive("8192 on GPUs with >= 70 GiB other than A100, else 2048 (vLLM serve)")
          .about("vLLM chunked-prefill token budget per step.")
          .only(kInference, kVllm)
          .cli("--max-num-batched-tokens", {"--max-batched-tokens"})
          .io([](Request& r, const json& v) { r.max_num_batched_tokens = v.get<int64_t>(); },
              [](const Request& r) { return optional_json(r.max_num_batched_tokens); }));
  t.push_back(Row("max_num_seqs", Kind::integer, "vLLM max_num_seqs", "inference")
                  .range(1, kMaxBatchSize)
                  .derive("1024 on GPUs with >= 70 GiB other than A100, else 256 (vLLM serve)")
                  .about("vLLM's limit on requests per step; its sampler warm-up runs this many.")
                  .only(kInference, kVllm)
                  .cli("--max-num-seqs")
                  .io([](Request& r, const json& v) { r.max_num_seqs = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.max_num_seqs); }));
  t.push_back(Row("max_model_len", Kind::integer, "max_model_len / context_length", "inference")
                  .range(1, kMaxSeqLen)
                  .in_units("tokens")
                  .derive("the model's max_position_embeddings")
                  .about("Longest request the engine accepts (SGLang: --context-length). vLLM "
                         "refuses to start when one such request's KV cache does not fit; "
                         "SGLang caps requests at its pool's size.")
                  .only(kInference, kVllm | kSglang)
                  .cli("--max-model-len", {"--context-length"})
                  .io([](Request& r, const json& v) { r.max_model_len = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.max_model_len); }));
  t.push_back(Row("block_size", Kind::integer, "vLLM block_size", "inference")
                  .range(1, 1024)
                  .in_units("tokens")
                  .derive("16")
                  .about("Tokens per KV-cache block (vLLM --block-size).")
                  .only(kInference, kVllm)
                  .cli("--block-size")
                  .io([](Request& r, const json& v) { r.block_size = v.get<int64_t>(); },
                      [](const Request& r) { return optional_json(r.block_size); }));
  add_llama_cpp(t);
  add_sglang(t);
  t.push_back(Row("cuda_context_mib", Kind::integer, "CUDA context", "advanced")
                  .range(0, 1 << 16)
                  .in_units("MiB")
                  .about("CUDA context and library workspaces.")
                  .cli("--cuda-context-mib")
                  .member<&Request::cuda_context_mib>());
  t.push_back(
      Row("fragmentation", Kind::number, "Allocator fragmentation", "advanced")
          .range(0, 1)
          .derive("0.10 (none under vLLM, whose pool is sized by its profile run, or llama.cpp, "
                  "or with expandable_segments)")
          .about("Allocator reserve over the allocated peak, as a fraction.")
          .cli("--fragmentation")
          .io([](Request& r, const json& v) { r.fragmentation = v.get<double>(); },
              [](const Request& r) {
                return r.fragmentation >= 0 ? json(r.fragmentation) : json();
              }));
  t.push_back(Row("expandable_segments", Kind::boolean, "Expandable segments", "advanced")
                  .about("PyTorch's allocator runs with PYTORCH_CUDA_ALLOC_CONF="
                         "expandable_segments:True: before it reports out of memory it unmaps "
                         "every free page, so no fragmentation reserve is kept.")
                  .cli("--expandable-segments")
                  .member<&Request::expandable_segments>());
  t.push_back(Row("search", Kind::boolean, "Search max batch / context per GPU", "advanced")
                  .about("Per-GPU searches for the largest batch and context that fit.")
                  .cli("--search")
                  .member<&Request::search>());
  t.push_back(Row("strategies", Kind::boolean, "Compare parallel layouts", "advanced")
                  .about("Adds strategies[]: per-GPU memory of common parallel layouts.")
                  .cli("--strategies")
                  .member<&Request::strategies>());
}

}  // namespace

// The rows in parse order: an input with several errors reports the first.
// A field that a training stack sets when it is left out has no one default:
// it is derived from the stack (core/data/stacks.json). Front ends leave it
// unset instead of sending the fallback as if the user had chosen it.
void mark_stack_defaults(std::vector<Field>& t) {
  for (const Stack& s : stack_catalog())
    for (const StackVersion& v : s.versions)
      for (const StackDefault& d : v.defaults)
        for (Field& f : t)
          if (d.field == f.path && !f.derived)
            f.derived = "the training stack's (catalogue stacks[]); else the value in default";
}

const std::vector<Field>& request_fields() {
  static const std::vector<Field> table = [] {
    std::vector<Field> t;
    add_workload(t);
    add_training(t);
    add_kernels(t);
    add_parallel(t);
    add_runtime(t);
    mark_stack_defaults(t);
    return t;
  }();
  return table;
}

}  // namespace fields
}  // namespace vramfit
