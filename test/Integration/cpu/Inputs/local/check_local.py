"""One step of local_tiny.json's written rules (SGD, lr 0.5, the whole
training set in one batch) against the same expressions evaluated in NumPy:
w1 += lr·η·mean_b(r_b · x_b ⊗ (h_b − mean(h))), b1 += lr·mean_b(r_b h_b)/2,
w2 += lr·(mean_b(h_b ⊗ z_b) − mean_b(z_b²)·w2) (Oja), v unchanged, with
h = tanh(x w1 + b1), z = h w2 and the reward r = x v computed by the graph.
argv: DIR init.safetensors after.safetensors (data as check_feedback.py)"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

LR, ETA = 0.5, 0.3
data, w0, w1 = sys.argv[1], read(sys.argv[2]), read(sys.argv[3])
p = {k: v.astype(np.float64) for k, v in w0.items()}
x = np.load(os.path.join(data, "x.npy")).astype(np.float64)
B = x.shape[0]
h = np.tanh(x @ p["w1"] + p["b1"])
z = h @ p["w2"]
r = (x @ p["v"])[:, 0]
delta = {
    "w1": ETA * np.einsum("b,bi,bj->ij", r, x, h - h.mean(0)) / B,
    "b1": (r[:, None] * h).mean(0) / 2,
    "w2": np.einsum("bi,bj->ij", h, z) / B - (z ** 2).mean(0) * p["w2"],
    "v": np.zeros_like(p["v"]),
}
for name in ["w1", "b1", "w2", "v"]:
    want = p[name] + LR * delta[name]
    got = w1[name].astype(np.float64)
    scale = max(np.abs(want - p[name]).max(), 1e-3)
    err = np.abs(got - want).max() / scale
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
