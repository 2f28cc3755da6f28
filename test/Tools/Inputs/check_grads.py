#!/usr/bin/env python3
"""Recomputes loss and gradients of dense_relu_sce.json with NumPy:
z = xW + b, h = relu(z), L = mean_b(logsumexp(h_b) - h_b[t_b]);
dh = (softmax(h) - onehot(t)) / B, dz = dh * [z > 0], dW = x^T dz,
db = sum_b dz, dx = dz W^T. Compares with credoc grad's files."""
import os
import sys

import numpy as np

from safetensors_np import read_f32


d = sys.argv[1]
p = read_f32(os.path.join(d, "p.safetensors"))
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
got = read_f32(os.path.join(d, "g.safetensors"))
got.update({k: v for k, v in read_f32(os.path.join(d, "gx.safetensors")).items()
            if k == "grad.x"})
for name in ("loss", "grad.w", "grad.b", "grad.x"):
    err = np.max(np.abs(got[name] - ref[name]))
    if err > 1e-5:
        sys.exit(f"{name}: max abs error {err}")
    print(f"{name} ok (max abs error {err:.1e})")
