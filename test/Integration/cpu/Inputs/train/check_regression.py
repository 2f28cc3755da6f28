#!/usr/bin/env python3
"""Checks the driver's metrics of examples like regression.json against
NumPy: the test set's mse (every sample, also those of the last, partial
batch) or the mean of the batch losses over full batches, from the trained
parameters of the checkpoint.

usage: check_regression.py reg.npz params.safetensors metrics.jsonl KEY KIND"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

npz, params, metrics, key, kind = sys.argv[1:6]
d = np.load(npz)
p = {k: v.astype(np.float64) for k, v in read(params).items()}
x, c, y = (d[n + "_test"].astype(np.float64) for n in "xcy")
pred = x @ p["wx"] + p["b"] + c @ p["wc"]
if kind == "mse":
    want = np.mean((pred - y) ** 2)
else:  # the mean of the per-batch loss over the full batches of 16
    n = len(x) // 16 * 16
    want = np.mean([np.mean((pred[s:s + 16] - y[s:s + 16]) ** 2)
                    for s in range(0, n, 16)])
got = json.loads(open(metrics).read().splitlines()[-1])[key]
rel = abs(got - want) / abs(want)
print("%s: %s (NumPy %.8g, credoc %.8g, rel %.1e)"
      % (key, "ok" if rel < 1e-5 else "FAIL", want, got, rel))
