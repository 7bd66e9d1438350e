#!/usr/bin/env python3
"""Speed benchmark: runs the vramfit CLI on every row of
tests/validation/throughput.tsv (llama-bench decode and prefill tokens/s,
torchtune training tokens/s; source in each row) and prints measured vs
predicted tokens/s with the error, then the median |error| per phase.
A tgN row decodes N tokens from an empty context: its mean depth is N/2, the
seq_len of the request. A ppN row prefills N tokens: seq_len N. A training row
(torchtune README, Sept 2024: batch 2, packed to 2048, recipe defaults) is a
torchtune-stack request on that GPU; 8-GPU rows are FSDP over 8 (the README's
figure is the whole node's: per GPU it would exceed the A100's peak).
Usage: bench_speed_accuracy.py VRAMFIT_BINARY"""
import os
import statistics
import sys

from vramfit_run import estimate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Meta-Llama-3 8B/70B share the shapes of the Llama-3.1 presets (32/80
# layers, GQA 8 KV heads, vocab 128256); only RoPE scaling differs.
MODELS = {
    "meta-llama/Meta-Llama-3-8B": "meta-llama/Llama-3.1-8B",
    "meta-llama/Meta-Llama-3-70B": "meta-llama/Llama-3.1-70B",
    "meta-llama/Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B-Instruct",
    "meta-llama/Llama-3.1-70B-Instruct": "meta-llama/Llama-3.1-70B",
}
DTYPES = {"GGUF Q4_K_M": "q4_k_m", "GGUF F16": "fp16"}
# Row GPU -> catalogue id. The M3 Max 40-core is the 400 GB/s chip of the
# 128 GB record. GPUs the catalogue lacks are reported as skipped.
GPUS = {
    "RTX 3070 8GB": "rtx-3070-8g", "RTX 3080 10GB": "rtx-3080-10g",
    "RTX 3080 Ti 12GB": "rtx-3080-ti-12g", "RTX 4070 Ti 12GB": "rtx-4070-ti-12g",
    "RTX 4080 16GB": "rtx-4080-16g", "RTX 3090 24GB": "rtx-3090-24g",
    "RTX 4090 24GB": "rtx-4090-24g", "RTX A6000 48GB": "rtx-a6000-48g",
    "RTX 6000 Ada 48GB": "rtx-6000-ada-48g", "A40 48GB": "a40-48g", "L40S 48GB": "l40s-48g",
    "A100 PCIe 80GB": "a100-pcie-80g", "A100 SXM 80GB": "a100-sxm-80g",
    "H100 PCIe 80GB": "h100-pcie-80g", "Apple M2 Ultra 76-core GPU 192GB": "apple-m2-ultra-192g",
    "Apple M3 Max 40-core GPU 64GB": "apple-m3-max-128g",
    # torchtune's 8x A100 rows do not state the memory size; both A100s
    # have the same 312 TFLOPS bf16 peak.
    "A100 (memory size not stated; README says 8x A100)": "a100-sxm-80g",
    "A100 (README says 8x A100)": "a100-sxm-80g",
}
# torchtune row "weights" column -> task.
TASKS = {"bf16 (full finetune)": "full", "bf16 (LoRA)": "lora", "bf16 (QLoRA)": "qlora"}


def figure(resp, fid):
    sp = resp.get("speed") or {}
    for f in sp.get("figures", []):
        if f["id"] == fid:
            return f
    return None


# The torchtune README gives one recipe for both cards, yet its RTX A6000 rows
# peak at about twice the RTX 4090's (full 37.4 vs 18.9 GiB, LoRA 30.3 vs 16.2
# GiB): activation checkpointing was off there (vramfit's peaks: full 19.7 GiB
# with it, 43.3 without; LoRA 19.7 / 41.2). The 4090 rows fit only with it on.
CHECKPOINTING = {"T060": False, "T062": False}


def predict_training(binary, row):
    n = int(row["n_gpus"])
    req = {"model": {"preset": MODELS[row["model"]]}, "task": TASKS[row["weights"]],
           "stack": "torchtune", "gpu": GPUS[row["gpu"]],
           "batch_size": int(row["batch_or_concurrency"].split(" ")[0]),
           "seq_len": int(row["prompt_tokens"].split(" ")[0]), "search": False}
    if row["id"] in CHECKPOINTING:
        req["gradient_checkpointing"] = CHECKPOINTING[row["id"]]
    if n > 1:
        req["parallel"] = {"dp": n, "fsdp": True}
        if "CPU offload" in row["notes"]:
            req["parallel"].update({"offload_params": True, "offload_optimizer": True})
    resp = estimate(binary, req, row["id"])
    return figure(resp, "train_tokens_per_s")


def predict(binary, row):
    phase = row["phase"]
    if phase == "training":
        return predict_training(binary, row)
    if phase == "decode":
        seq = max(int(row["gen_tokens"]) // 2, 1)
    else:
        seq = int(row["prompt_tokens"].split(" ")[0])
    req = {"model": {"preset": MODELS[row["model"]]}, "task": "inference",
           "engine": "llama_cpp", "weights_dtype": DTYPES[row["weights"]],
           "gpu": GPUS[row["gpu"]], "batch_size": 1, "seq_len": seq, "search": False,
           # llama-bench's defaults of May 2024 (the rows' settings column).
           "flash_attn": "off", "n_ubatch": 512}
    resp = estimate(binary, req, row["id"])
    fid = "decode_tokens_per_s" if phase == "decode" else "prefill_tokens_per_s"
    return figure(resp, fid)


def main():
    binary = sys.argv[1]
    with open(os.path.join(ROOT, "tests/validation/throughput.tsv")) as f:
        lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    rows = [dict(zip(lines[0], l)) for l in lines[1:]]
    errs, skipped = {}, []
    print(f"{'row':5} {'phase':8} {'model':30} {'weights':12} {'gpu':34} "
          f"{'measured':>9} {'predicted':>9} {'band':>17} {'error':>8}")
    for row in rows:
        phase = row["phase"]
        if row["gpu"] not in GPUS:
            skipped.append(f"{row['id']} ({row['gpu']} not in the catalogue)")
            continue
        fig = predict(binary, row)
        if fig is None:
            skipped.append(f"{row['id']} ({row['gpu']}: no {phase} figure, no fp16 peak listed)")
            continue
        measured = float(row["value"])
        pred = fig["value"]
        err = 100.0 * (pred - measured) / measured
        errs.setdefault(phase, []).append(abs(err))
        band = f"{fig['low']:.0f}-{fig['high']:.0f}"
        print(f"{row['id']:5} {phase:8} {row['model'].split('/')[1]:30} {row['weights']:12} "
              f"{row['gpu']:34} {measured:9.1f} {pred:9.1f} {band:>17} {err:+7.1f}%")
    print()
    for phase in ("decode", "prefill", "training"):
        e = errs.get(phase, [])
        if e:
            print(f"speed {phase:8} n={len(e):2d}  median |error| {statistics.median(e):5.1f}%  "
                  f"worst {max(e):5.1f}%")
    for s in skipped:
        print(f"skipped: {s}")


if __name__ == "__main__":
    main()
