#!/usr/bin/env python3
"""Runs `exposure bench --json` and the PyTorch reference (bench/torch_ref.py) one after the
other with the same thread count, and prints both and the ratios. Standard library only; the
reference runs under /usr/bin/python3, where Debian's python3-torch lives.

PyTorch gets its best arrangement of the same cores (see torch_ref.py --help): one intra-op
thread, and OpenBLAS, which does its matrix products, given all of them.
"""
import json
import os
import subprocess
import sys

THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
EXPOSURE = os.environ.get("EXPOSURE_BIN", "build/exposure")


def run_json(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return {r["model"]: r for r in json.loads(out.strip().splitlines()[-1])["results"]}


def main():
    ours = run_json([EXPOSURE, "bench", "--json", "--threads", str(THREADS)])
    probe = subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs = None
    if probe.returncode != 0:
        print("PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch): "
              "skipping the comparison; exposure's own figures follow.")
    else:
        theirs = run_json(["/usr/bin/python3", "bench/torch_ref.py", "--json", "--threads",
                           str(THREADS)])
    rows = [("training tokens/s", "train_tok_s"), ("decode b=1 tokens/s", "decode_b1_tok_s"),
            ("decode b=32 tokens/s", "decode_b32_tok_s")]
    for model in ours:
        o = ours[model]
        print("model %s, %d threads: exposure %.1f GFLOP/s = %.0f%% of sgemm peak %.1f GFLOP/s"
              % (model, THREADS, o["gflops"], 100 * o["fraction_of_peak"], o["sgemm_peak_gflops"]))
        print("  %-22s %12s %12s %8s" % ("", "exposure", "PyTorch", "ratio"))
        for label, key in rows:
            t = theirs[model][key] if theirs else None
            print("  %-22s %12.0f %12s %8s" % (label, o[key], "%.0f" % t if t else "-",
                                             "%.2fx" % (o[key] / t) if t else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
