#!/usr/bin/env python3
"""Optimizer steps of `credoc train` against NumPy.

usage: check_optimizer.py DIR MODEL.json STEPS

With the whole 8-image training set as one batch, each epoch is one step.
The script replays STEPS steps of the model's optimizer (sgd with momentum
and weight decay, or adam, with PyTorch's update rules) from the initial
parameters (DIR/init.safetensors) on the IDX data (DIR/data) with NumPy,
and compares the weights and the optimizer state with the checkpoint
(DIR/ck.safetensors), and the weights' change over the steps relative to
its largest entry (1e-6: Adam's bias correction computed from β rounded
to f32 puts it off by 7e-6 at β2 = 0.999)."""
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
    header.pop("__metadata__", None)
    return {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:
                                  8 + n + v["data_offsets"][1]],
                             np.float32).reshape(v["shape"]).astype(np.float64)
            for k, v in header.items()}


d, model_path, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
opt = json.load(open(model_path))["training"]["optimizer"]
with gzip.open(os.path.join(d, "data", "train-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read()[16:], np.uint8).reshape(8, 16) / 255.0
with gzip.open(os.path.join(d, "data", "train-labels-idx1-ubyte.gz")) as f:
    t = np.frombuffer(f.read()[8:], np.uint8).astype(int)
p = read_safetensors(os.path.join(d, "init.safetensors"))
after = read_safetensors(os.path.join(d, "ck.safetensors"))


def grads(w, b):
    z = x @ w + b
    s = np.exp(z - z.max(1, keepdims=True))
    s /= s.sum(1, keepdims=True)
    s[np.arange(8), t] -= 1
    dz = s / 8
    return {"w": x.T @ dz, "b": dz.sum(0)}


lr, wd = opt["lr"], opt.get("weight_decay", 0.0)
state = {}
for step in range(1, steps + 1):
    g = grads(p["w"], p["b"])
    for k in ("w", "b"):
        gk = g[k] + wd * p[k]
        if opt["type"] == "sgd":
            v = opt["momentum"] * state.get(k + "_velocity", 0) + gk
            state[k + "_velocity"] = v
            p[k] = p[k] - lr * v
        else:
            b1, b2, eps = opt.get("beta1", 0.9), opt.get("beta2", 0.999), opt.get("eps", 1e-8)
            m = b1 * state.get(k + "_adam_m", 0) + (1 - b1) * gk
            v = b2 * state.get(k + "_adam_v", 0) + (1 - b2) * gk * gk
            state[k + "_adam_m"], state[k + "_adam_v"] = m, v
            p[k] = p[k] - lr * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
    if opt["type"] == "adam":
        state["adam_step"] = np.array(float(step))
ref = dict(p, **state)
init = read_safetensors(os.path.join(d, "init.safetensors"))
for name in sorted(ref):
    err = np.max(np.abs(after[name] - ref[name]))
    print(f"{name}: max abs error {err:.2e}")
    if err > 1e-5:
        sys.exit(f"{name}: mismatch")
for name in ("w", "b"):
    change = ref[name] - init[name]
    rel = np.max(np.abs(after[name] - init[name] - change)) / np.max(np.abs(change))
    print(f"{name}: change relative error {rel:.1e}")
    if rel > 1e-6:
        sys.exit(f"{name}: the change is off")
