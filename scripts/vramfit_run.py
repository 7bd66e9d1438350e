"""Runs the vramfit CLI on one request (the benchmarks' shared runner).
estimate(binary, request, who) returns the response JSON; a core error
raises RuntimeError naming `who` (the benchmark row) and the core's message."""
import json
import os
import subprocess
import tempfile


def estimate(binary, request, who):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(request, f)
        path = f.name
    try:
        out = subprocess.run([binary, "estimate", "--request", path, "--json"],
                             capture_output=True, text=True)
    finally:
        os.unlink(path)
    resp = json.loads(out.stdout)
    if "error" in resp:
        raise RuntimeError(f"{who}: {resp['error']['message']}")
    return resp
