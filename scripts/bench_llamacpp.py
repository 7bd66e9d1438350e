#!/usr/bin/env python3
"""llama.cpp buffer benchmark: runs the vramfit CLI (engine llama_cpp) on every
row of tests/validation/llamacpp_logs.tsv (ggml-org/ci start-up logs, source in
each row) and prints, per row and buffer, logged MiB vs predicted MiB and the
error, then the median |error| per buffer.
Usage: bench_llamacpp.py VRAMFIT_BINARY [--markdown] [--readme]
--readme rewrites README.md between the llamacpp-bench markers."""
import json
import os
import re
import statistics
import sys

from vramfit_run import estimate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {
    "gptneox": "tests/validation/configs/EleutherAI__pythia-2.8b.json",
    "llama": "tests/validation/configs/openlm-research__open_llama_7b_v2.json",
}
# The ftype column as llama.cpp prints it -> vramfit dtype id.
FTYPES = {
    "F16": "fp16", "Q8_0": "q8_0", "Q6_K": "q6_k", "Q5_K - Medium": "q5_k_m",
    "Q5_1": "q5_1", "Q5_0": "q5_0", "Q4_K - Medium": "q4_k_m", "Q4_1": "q4_1",
    "Q4_0": "q4_0", "Q3_K - Medium": "q3_k_m", "Q2_K - Medium": "q2_k",
}
FILES = {"f16": "fp16", "q4_k": "q4_k_m", "q5_k": "q5_k_m", "q3_k": "q3_k_m"}


def dtype_of(row):
    ftype = row["ftype"].split(" (")[0]
    if ftype in FTYPES:
        return FTYPES[ftype]
    name = re.search(r"ggml-model-(\w+)\.gguf", row["model"]).group(1)
    return FILES.get(name, name)


def buffers(text):
    """'CUDA0 200.00; CPU 440.00' -> {'CUDA0': 200.0, 'CPU': 440.0}."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        dev, mib = part.rsplit(" ", 1)
        out[dev] = float(mib)
    return out


def gpu_cpu(text):
    b = buffers(text)
    gpu = sum(v for k, v in b.items() if k.startswith("CUDA") and k != "CUDA_Host")
    cpu = sum(v for k, v in b.items() if not (k.startswith("CUDA") and k != "CUDA_Host"))
    return gpu, cpu, b


def request(row):
    with open(os.path.join(ROOT, CONFIGS[row["arch"]])) as f:
        config = json.load(f)
    ngl = int(row["n_gpu_layers_offloaded"].split("/")[0])
    return {
        "model": {"config": config},
        "task": "inference",
        "engine": "llama_cpp",
        "weights_dtype": dtype_of(row),
        "batch_size": 1,
        "seq_len": int(row["n_ctx"]),
        "n_ubatch": int(row["n_ubatch"]),
        "n_batch": int(row["n_batch"]),
        "flash_attn": "on" if row["flash_attn"].startswith("1") else "off",
        "cache_type_k": row["type_k"],
        "cache_type_v": row["type_v"],
        "n_gpu_layers": ngl,
        "n_parallel": 1,  # llama-cli / llama-perplexity: one sequence
        "search": False,
    }


def predict(binary, row):
    return estimate(binary, request(row), row['source'])["engine"]["llama_cpp"]


def main():
    binary = sys.argv[1]
    markdown = "--markdown" in sys.argv or "--readme" in sys.argv
    with open(os.path.join(ROOT, "tests/validation/llamacpp_logs.tsv")) as f:
        lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    head = lines[0]
    rows = [dict(zip(head, l)) for l in lines[1:]]
    table, errs, partial = [], {}, []
    for i, row in enumerate(rows, 1):
        p = predict(binary, row)
        ngl = row["n_gpu_layers_offloaded"].split(" ")[0]
        label = f"{i:2d} {row['arch']} {dtype_of(row)} ctx{row['n_ctx']} fa{row['flash_attn'][0]} ngl{ngl}"
        mg, mc, mb = gpu_cpu(row["model_buffer_gpu_mib"] + ";" + row["model_buffer_cpu_mib"])
        kg, kc, _ = gpu_cpu(row["kv_buffer_mib"])
        cg, _, _ = gpu_cpu(row["compute_buffer_gpu_mib"])
        _, ch, _ = gpu_cpu(row["compute_buffer_host_mib"])
        is_partial = not ngl.startswith(row["n_gpu_layers_offloaded"].split("/")[1].split(" ")[0])
        checks = [("model GPU", mg, p["model_buffer_gpu_mib"]),
                  ("KV GPU", kg, p["kv_buffer_gpu_mib"]),
                  ("compute GPU", cg, p["compute_buffer_gpu_mib"]),
                  ("compute host", ch, p["compute_buffer_host_mib"])]
        # A repacked CPU copy (CPU_AARCH64) beside an mmap range is not a
        # tensor sum: that row's host model buffer is left out.
        if "CPU_AARCH64" not in mb:
            checks.insert(1, ("model CPU", mc, p["model_buffer_cpu_mib"]))
        if kc or p["kv_buffer_cpu_mib"]:
            checks.insert(3, ("KV CPU", kc, p["kv_buffer_cpu_mib"]))
        # Partial offload: what the GPU and the host hold at the logged n_gpu_layers.
        if is_partial:
            checks.append(("GPU total", mg + kg + cg, p["gpu_mib"]))
            if "CPU_AARCH64" not in mb:
                checks.append(("host total", mc + kc + ch, p["host_mib"]))
        for comp, logged, pred in checks:
            if logged == 0 and pred == 0:
                continue
            err = 100.0 * (pred - logged) / logged if logged else float("inf")
            table.append((label, comp, logged, pred, err))
            errs.setdefault(comp, []).append(abs(err))
            if is_partial and comp in ("GPU total", "host total"):
                partial.append(abs(err))
    if markdown:
        print("| row | buffer | logged MiB | predicted MiB | error |")
        print("|---|---|---:|---:|---:|")
        for label, comp, logged, pred, err in table:
            print(f"| {label} | {comp} | {logged:.2f} | {pred:.2f} | {err:+.2f}% |")
    else:
        for label, comp, logged, pred, err in table:
            print(f"{label:42} {comp:13} {logged:9.2f} {pred:9.2f} {err:+8.2f}%")
    print()
    summary = []
    for comp in ("model GPU", "model CPU", "KV GPU", "KV CPU", "compute GPU", "compute host",
                 "GPU total", "host total"):
        e = errs.get(comp, [])
        if e:
            summary.append(f"{comp:12} n={len(e):2d}  median |error| {statistics.median(e):6.2f}%  "
                           f"worst {max(e):6.2f}%")
    if partial:
        summary.append(f"partial offload rows, GPU and host totals: n={len(partial)}  median |error| "
                       f"{statistics.median(partial):6.2f}%  worst {max(partial):6.2f}%")
    print("\n".join(summary))
    if "--readme" in sys.argv:
        out = []
        for label, comp, logged, pred, err in table:
            out.append(f"| {label} | {comp} | {logged:.2f} | {pred:.2f} | {err:+.2f}% |")
        body = ("| row | buffer | logged MiB | predicted MiB | error |\n|---|---|---:|---:|---:|\n"
                + "\n".join(out) + "\n\n```\n" + "\n".join(summary) + "\n```")
        path = os.path.join(ROOT, "README.md")
        s = open(path).read()
        s = re.sub(r"<!-- llamacpp-bench:begin -->.*?<!-- llamacpp-bench:end -->",
                   lambda _: "<!-- llamacpp-bench:begin -->\n" + body + "\n<!-- llamacpp-bench:end -->",
                   s, flags=re.S)
        open(path, "w").write(s)


if __name__ == "__main__":
    main()
