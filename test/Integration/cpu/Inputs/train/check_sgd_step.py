#!/usr/bin/env python3
"""One compiled training step against NumPy: with the whole (8-image)
training set as one batch, `credoc train --epochs 1` takes exactly one SGD
step, w' = w - lr (dL/dw + weight_decay w), from the initial parameters.
The step is recomputed here from the IDX files and `credoc init`'s
parameters with the hand-derived gradient of softmax cross-entropy."""
import gzip
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:
                                 8 + n + v["data_offsets"][1]],
                            np.float32).reshape(v["shape"])
           for k, v in header.items()}
    return out, meta


d = sys.argv[1]
with gzip.open(os.path.join(d, "data", "train-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read()[16:], np.uint8).reshape(8, 16) / 255.0
with gzip.open(os.path.join(d, "data", "train-labels-idx1-ubyte.gz")) as f:
    t = np.frombuffer(f.read()[8:], np.uint8).astype(int)
init, _ = read_safetensors(os.path.join(d, "init.safetensors"))
after, meta = read_safetensors(os.path.join(d, "ck.safetensors"))
lr, wd = 0.5, 0.01
w, b = init["w"].astype(np.float64), init["b"].astype(np.float64)
# The step sees the batch in shuffled order; the mean gradient does not care.
z = x @ w + b
p = np.exp(z - z.max(1, keepdims=True))
p /= p.sum(1, keepdims=True)
p[np.arange(8), t] -= 1
dz = p / 8
gw, gb = x.T @ dz, dz.sum(0)
ref = {"w": w - lr * (gw + wd * w), "b": b - lr * (gb + wd * b)}
for name in ("w", "b"):
    err = np.max(np.abs(after[name] - ref[name]))
    moved = np.max(np.abs(after[name] - init[name]))
    print(f"{name}: max abs error {err:.2e} (the step moved it by {moved:.2e})")
    if err > 1e-5 or moved < 1e-3:
        sys.exit(f"{name}: mismatch")
print("epoch in checkpoint:", meta.get("credo.epoch"))
