#!/usr/bin/env python3
"""vLLM start-up benchmark: for every row of tests/validation/vllm_logs.tsv
(vLLM v0.19.0 start-up logs, H100) whose model has a config in the
repository, runs the vramfit CLI with the row's engine settings on a custom
GPU of the logged total and prints, per row, weights, non-torch memory,
activation peak, available KV cache (GiB) and KV cache tokens: logged,
predicted and error; then the medians, and whether each run that started is
predicted to start.
Usage: bench_vllm.py VRAMFIT_BINARY [--markdown] [--readme]"""
import csv
import json
import os
import re
import statistics
import sys

from vramfit_run import estimate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GIB = 2**30
FIX = "tests/fixtures/configs/"
TVAL = "tests/validation/configs/"

# model_id -> preset id or fixture config (same architecture), weights dtype
# when the checkpoint's quantisation is not in its config.
MODELS = {
    "deepseek-ai/DeepSeek-V2-Lite-Chat": ("config", FIX + "deepseek-ai__DeepSeek-V2-Lite.json"),
    "RedHatAI/Llama-3.3-70B-Instruct-fp8-dynamic": ("preset", "meta-llama/Llama-3.1-70B", "fp8"),
    "redhatai/Llama-3.3-70B-Instruct-quantized.w8a8": ("preset", "meta-llama/Llama-3.1-70B",
                                                       "int8"),
    "RedHatAI/Qwen2.5-7B-Instruct-fp8-dynamic": ("preset", "Qwen/Qwen2.5-7B-Instruct", "fp8"),
    "RedHatAI/Qwen2.5-7B-Instruct-quantized.w8a8": ("preset", "Qwen/Qwen2.5-7B-Instruct", "int8"),
    "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8": ("preset",
                                                           "meta-llama/Llama-3.1-8B-Instruct",
                                                           "int8"),
    "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16": ("preset",
                                                            "meta-llama/Llama-3.1-8B-Instruct",
                                                            "gptq_int4"),
    "google/gemma-2-2b-it": ("preset", "google/gemma-2-2b-it"),
    "google/gemma-2-9b-it": ("config", FIX + "google__gemma-2-9b.json"),
    "google/gemma-2-27b-it": ("config", TVAL + "google__gemma-2-27b-it.json"),
    "google/gemma-3-4b-it": ("config", FIX + "google__gemma-3-4b-it.json"),
    "google/gemma-3-27b-it": ("config", FIX + "google__medgemma-27b-it.json"),
    "google/gemma-7b": ("config", FIX + "google__gemma-7b.json"),
    "meta-llama/Llama-3.1-8B-Instruct": ("preset", "meta-llama/Llama-3.1-8B-Instruct"),
    "meta-llama/Llama-4-Scout-17B-16E-Instruct": ("preset",
                                                  "meta-llama/Llama-4-Scout-17B-16E-Instruct"),
    "codellama/CodeLlama-7b-hf": ("config", TVAL + "codellama__CodeLlama-7b-hf.json"),
    "ibm-granite/granite-3.3-8b-instruct": ("config",
                                            TVAL + "ibm-granite__granite-3.3-8b-instruct.json"),
    "microsoft/phi-2": ("preset", "microsoft/phi-2"),
    "microsoft/phi-4": ("preset", "microsoft/phi-4"),
    "mistralai/Mixtral-8x7B-Instruct-v0.1": ("preset", "mistralai/Mixtral-8x7B-v0.1"),
    "openai/gpt-oss-20b": ("preset", "openai/gpt-oss-20b"),
    "Qwen/Qwen1.5-MoE-A2.7B": ("config", FIX + "Qwen__Qwen1.5-MoE-A2.7B.json"),
    "Qwen/Qwen2.5-7B-Instruct": ("preset", "Qwen/Qwen2.5-7B-Instruct"),
    "Qwen/Qwen2.5-72B-Instruct": ("config", TVAL + "Qwen__Qwen2.5-72B-Instruct.json"),
    "Qwen/Qwen3-30B-A3B": ("preset", "Qwen/Qwen3-30B-A3B"),
    "Qwen/Qwen3-8B": ("preset", "Qwen/Qwen3-8B"),
}
# Rows whose model has sliding-window, chunked-local or MLA layers (the KV
# targets of the issue are on full-attention models).
NOT_FULL = ("gemma-2", "gemma-3", "gpt-oss", "Llama-4", "DeepSeek-V2")


def request(row):
    m = MODELS[row["model_id"]]
    model = {"preset": m[1]} if m[0] == "preset" else {
        "config": json.load(open(os.path.join(ROOT, m[1])))}
    req = {
        "model": model,
        "task": "inference",
        "engine": "vllm",
        "seq_len": int(row["max_model_len"]),
        "max_model_len": int(row["max_model_len"]),
        "max_num_seqs": int(row["max_num_seqs"]),
        "max_num_batched_tokens": int(row["max_num_batched_tokens"]),
        "gpu_memory_utilization": float(row["gpu_memory_utilization"]),
        "parallel": {"tp": int(row["tp"]), "pp": int(row["pp"])},
        # The logged total as the driver reports it; "H100 80GB HBM3" is the
        # SXM card (132 SMs, compute capability 9.0), which the profile run's
        # sampler buffers depend on.
        "custom_gpus": [{"name": "NVIDIA H100 80GB HBM3",
                         "memory_gib": float(row["gpu_total_gib"]),
                         "like": "h100-sxm-80g"}],
        "search": False,
    }
    if len(m) > 2:
        req["weights_dtype"] = m[2]
    elif not row["quantization"]:
        # the dtype vLLM loaded (a float32 config is served in bfloat16 by default)
        req["weights_dtype"] = {"bfloat16": "bf16", "float16": "fp16",
                                "float32": "fp32"}[row["model_dtype"]]
    if row["quantization"] == "fp8":
        req["weights_dtype"] = "fp8"
    if row["kv_cache_dtype"] == "fp8":
        req["kv_cache_dtype"] = "fp8"
    return req


def predict(binary, row):
    return estimate(binary, request(row), row['model_id'])["engine"]["vllm"]


def err(pred, logged):
    return 100.0 * (pred - logged) / logged if logged else float("nan")


def label(row):
    name = row["source"].rsplit("/", 1)[-1].replace(".log", "")
    return re.sub(r"--h100-80gb--", " ", name)


def main():
    binary = sys.argv[1]
    markdown = "--markdown" in sys.argv
    rows = list(csv.DictReader(open(os.path.join(ROOT, "tests/validation/vllm_logs.tsv")),
                               delimiter="\t"))
    cols = [("weights", "weights_gib", "model_weights_bytes"),
            ("non-torch", "non_torch_gib", "non_torch_memory_bytes"),
            ("activation", "activation_peak_gib", "activation_peak_bytes"),
            ("KV GiB", "kv_cache_gib", "available_kv_cache_memory_bytes")]
    errs = {c[0]: [] for c in cols}
    errs["KV tokens"] = []
    kv_full = []
    starts_ok, starts_n, skipped, out = 0, 0, [], []
    for row in rows:
        if row["model_id"] not in MODELS:
            skipped.append(row["model_id"])
            continue
        v = predict(binary, row)
        cells = []
        for name, key, pkey in cols:
            lg, pr = float(row[key]), v[pkey] / GIB
            e = err(pr, lg)
            cells.append((lg, pr, e))
            if row["status"] == "ok":
                errs[name].append(abs(e))
        lt = int(row["kv_cache_tokens"])
        pt = v.get("kv_cache_size_tokens", 0)
        et = err(pt, lt)
        cells.append((lt, pt, et))
        full = not any(k in row["model_id"] for k in NOT_FULL)
        if row["status"] == "ok":
            errs["KV tokens"].append(abs(et))
            starts_n += 1
            starts_ok += bool(v["starts"])
            if full:
                kv_full.append(abs(cells[3][2]))
        out.append((label(row), row["status"], v["starts"], cells, full))
    head = ["run", "status", "predicted", "weights", "non-torch", "activation", "KV GiB",
            "KV tokens"]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    for name, status, starts, cells, full in out:
        fmt = []
        for i, (lg, pr, e) in enumerate(cells):
            if i == 4:
                fmt.append(f"{lg:.0f} / {pr:.0f} ({e:+.1f}%)")
            else:
                fmt.append(f"{lg:.2f} / {pr:.2f} ({e:+.1f}%)")
        pred = "starts" if starts else "refuses"
        if markdown:
            print(f"| {name} | {status} | {pred} | " + " | ".join(fmt) + " |")
        else:
            print(f"{name:58} {status:3} {pred:7} " + "  ".join(fmt))
    print()
    lines = []
    for name, e in errs.items():
        lines.append(f"{name:11} n={len(e)}  median |error| {statistics.median(e):5.2f}%  "
                     f"worst {max(e):6.2f}%")
    lines.append(f"KV GiB, full-attention models: n={len(kv_full)}  median |error| "
                 f"{statistics.median(kv_full):5.2f}%  worst {max(kv_full):5.2f}%")
    lines.append(f"runs that started predicted to start: {starts_ok} of {starts_n}")
    lines.append(f"rows without a config in the repository (skipped): {len(skipped)} "
                 f"({', '.join(sorted(set(skipped)))})")
    print("```" if markdown else "", end="\n" if markdown else "")
    print("\n".join(lines))
    if markdown:
        print("```")


if __name__ == "__main__":
    main()
