#!/usr/bin/env python3
"""Accuracy benchmark: runs the vramfit CLI on every case of
tests/validation/cases.json (published measurements) and prints case,
measured, predicted, error %, then median and worst error per task.
Usage: bench_accuracy.py VRAMFIT_BINARY [--markdown]"""
import json
import os
import statistics
import sys

from vramfit_run import estimate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS = {"GiB": 2**30, "GB": 1e9, "MiB": 2**20, "MB": 1e6, "tokens": 1}


def predict(binary, case):
    req = json.loads(json.dumps(case["request"]))
    model = req["model"]
    if "config_file" in model:
        with open(os.path.join(ROOT, model.pop("config_file"))) as f:
            model["config"] = json.load(f)
    resp = estimate(binary, req, case["id"])
    if case["compare"] == "peak_allocated_plus_context":
        # The source's figure adds the non-PyTorch memory (CUDA context).
        ctx = sum(c["bytes"] for c in resp["components"] if c["id"] == "cuda_context")
        return resp["peak_allocated_bytes"] + ctx
    if case["compare"] == "max_seq_len":
        # The largest context that fits the request's (custom) GPU.
        return next(g["max_seq_len"] for g in resp["gpus"] if g["custom"])
    return resp[case["compare"]]


def main():
    binary = sys.argv[1]
    markdown = "--markdown" in sys.argv
    with open(os.path.join(ROOT, "tests/validation/cases.json")) as f:
        cases = json.load(f)["cases"]
    rows, by_task, complete = [], {}, []
    for c in cases:
        measured = c["measured"] * UNITS[c["unit"]]
        predicted = predict(binary, c)
        err = 100.0 * (predicted - measured) / measured
        explained = "explained_miss" in c
        rq = c["request"]
        stack = (f"{rq.get('stack', 'hf')} {rq.get('stack_version', '')}".strip()
                 if rq["task"] != "inference" else f"engine {rq.get('engine', 'hf')}")
        rows.append((c["id"], stack, c["request"]["task"], c["unit"], measured, predicted, err,
                     explained,
                     c.get("settings_complete", False),
                     c.get("explained_miss") or c.get("miss_note") or ""))
        if not explained:
            group = c["request"]["task"] + (" max context" if c["unit"] == "tokens" else "")
            by_task.setdefault(group, []).append(abs(err))
        if c.get("settings_complete", False):
            complete.append(abs(err))
    gib = 2**30

    def amount(value, case_unit):
        return f"{value / 1000:.1f}k tok" if case_unit == "tokens" else f"{value / gib:.2f}"
    if markdown:
        print("| case | stack | task | settings | measured GiB | predicted GiB | error |")
        print("|---|---|---|---|---|---|---|")
    else:
        print(f"{'case':46} {'stack':16} {'task':9} {'set':4} {'measured':>10} {'predicted':>10} "
              f"{'error':>8}")
    for cid, stack, task, unit, m, p, e, ex, full, _ in rows:
        mark = " (explained miss)" if ex else ""
        st = "full" if full else "part"
        if markdown:
            print(f"| {cid}{mark} | {stack} | {task} | {st} | {amount(m, unit)} | "
                  f"{amount(p, unit)} | {e:+.1f}% |")
        else:
            print(f"{cid:46} {stack:16} {task:9} {st:4} {amount(m, unit):>11} "
                  f"{amount(p, unit):>11} {e:+7.1f}%{mark}")
    print()
    all_errs = []
    for task, errs in sorted(by_task.items()):
        all_errs += errs
        print(f"{task:6} n={len(errs)}  median |error| {statistics.median(errs):5.1f}%  "
              f"worst {max(errs):5.1f}%")
    if all_errs:
        print(f"all    n={len(all_errs)}  median |error| {statistics.median(all_errs):5.1f}%  "
              f"worst {max(all_errs):5.1f}%  (explained misses excluded)")
    if complete:
        print(f"settings stated fully: n={len(complete)}  median |error| "
              f"{statistics.median(complete):5.1f}%  worst {max(complete):5.1f}%")
    misses = [(cid, e, why) for cid, _, _, _, _, _, e, _, _, why in rows if abs(e) > 15]
    if misses:
        print("\nmisses over 15%:")
        for cid, e, why in misses:
            print(f"- {cid} ({e:+.1f}%): {why or 'NOT EXPLAINED'}")


if __name__ == "__main__":
    main()
