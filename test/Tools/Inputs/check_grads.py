#!/usr/bin/env python3
"""Recomputes loss and gradients of dense_relu_sce.json with NumPy:
z = xW + b, h = relu(z), L = mean_b(logsumexp(h_b) - h_b[t_b]);
dh = (softmax(h) - onehot(t)) / B, dz = dh * [z > 0], dW = x^T dz,
db = sum_b dz, dx = dz W^T. Compares with credoc grad's files."""
import json
import os
import struct
import sys

import numpy as np


def read(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + a:8 + n + b],
                                  np.float32).reshape(info["shape"])
    return out


d = sys.argv[1]
p = read(os.path.join(d, "p.safetensors"))
x = np.load(os.path.join(d, "x.npy")).astype(np.float64)
t = np.load(os.path.join(d, "t.npy"))
W, b = p["w"].astype(np.float64), p["b"].astype(np.float64)
z = x @ W + b
h = np.maximum(z, 0)
m = h.max(1, keepdims=True)
e = np.exp(h - m)
s = e.sum(1, keepdims=True)
B = x.shape[0]
loss = np.mean(np.log(s[:, 0]) + m[:, 0] - h[np.arange(B), t])
dh = e / s
dh[np.arange(B), t] -= 1
dh /= B
dz = dh * (z > 0)
ref = {"loss": np.array(loss), "grad.w": x.T @ dz, "grad.b": dz.sum(0),
       "grad.x": dz @ W.T}
got = read(os.path.join(d, "g.safetensors"))
got.update({k: v for k, v in read(os.path.join(d, "gx.safetensors")).items()
            if k == "grad.x"})
for name in ("loss", "grad.w", "grad.b", "grad.x"):
    err = np.max(np.abs(got[name] - ref[name]))
    if err > 1e-5:
        sys.exit(f"{name}: max abs error {err}")
    print(f"{name} ok (max abs error {err:.1e})")
