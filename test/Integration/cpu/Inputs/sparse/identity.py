"""The identity task of the sparse hyperlayer (algorithms.md section 3).
  model EXAMPLE N SEED OUT.json  writes the example for n inputs and a seed
                                 (initializers, sampling key, data)
  check CHECKPOINT N [MIN]       prints the fraction of tuples whose
                                 rounded mean lies on the diagonal and how
                                 many distinct outputs they cover (and
                                 whether the fraction is at least MIN)"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

if sys.argv[1] == "model":
    m = json.load(open(sys.argv[2]))
    n, s = int(sys.argv[3]), int(sys.argv[4])
    m["inputs"][0]["shape"] = ["batch", n]
    for p in m["parameters"]:
        p["shape"] = [n, 2]
        p["init"]["seed"] += 10 * s
    m["nodes"][0]["attributes"]["units"] = n
    m["seed"] = s + 1
    m["training"]["dataset"]["seed"] = s
    json.dump(m, open(sys.argv[5], "w"))
else:
    n = int(sys.argv[3])
    mu = read(sys.argv[2])["mu"].astype(np.float64)
    r = np.clip(np.round(1 / (1 + np.exp(-mu)) * (n - 1)), 0, n - 1)
    diag = np.mean(r[:, 0] == r[:, 1])
    print("diagonal %.4f, outputs covered %d/%d" % (diag, len(set(r[:, 0])), n))
    if len(sys.argv) > 4:
        print("diagonal at least %s: %s" % (
            sys.argv[4], "yes" if diag >= float(sys.argv[4]) else "no"))
