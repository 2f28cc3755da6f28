#!/usr/bin/env python3
"""One training step of tiny_f64.json against NumPy in double precision:
with the whole training set (8 samples) as one batch, `credoc train
--epochs 1` takes one SGD step from `credoc init`'s parameters, and reports
the loss before it. Usage: check_f64_step.py DIR TRAIN_LOG"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
import safetensors_np  # noqa: E402


d, log = sys.argv[1], sys.argv[2]
x = np.load(os.path.join(d, "x.npy"))
t = np.load(os.path.join(d, "labels.npy")).astype(int)
init = safetensors_np.read(os.path.join(d, "init.safetensors"))
after = safetensors_np.read(os.path.join(d, "ck.safetensors"))
lr, wd = 0.5, 0.01
w, b = init["w"], init["b"]
z = x @ w + b
m = z.max(1, keepdims=True)
lse = np.log(np.exp(z - m).sum(1)) + m[:, 0]
loss = np.mean(lse - z[np.arange(8), t])
p = np.exp(z - lse[:, None])
p[np.arange(8), t] -= 1
dz = p / 8
ref = {"w": w - lr * (x.T @ dz + wd * w), "b": b - lr * (dz.sum(0) + wd * b)}
for name in ("w", "b"):
    err = np.max(np.abs(after[name] - ref[name]))
    moved = np.max(np.abs(after[name] - init[name]))
    print(f"{name}: {'ok' if err < 1e-12 and moved > 1e-3 else 'WRONG'} "
          f"(error {err:.1e}, moved {moved:.1e})")
reported = float(open(log).read().split("train loss ")[1].split(",")[0])
print("train loss", "ok" if abs(reported - loss) < 5e-5 else
      f"WRONG: {reported} vs {loss}")
