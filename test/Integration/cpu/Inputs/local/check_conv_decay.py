"""One step of conv_decay.json's written rules (SGD, lr 0.1, the whole
training set in one batch) against NumPy: the kernel decays,
k += lr·(−0.5·k), and the readout follows the delta rule,
w2 += lr·mean_b(f_b ⊗ (onehot_b − softmax(f_b·w2))), with f the flattened
sigmoid of the valid cross-correlation of the 8 × 8 images with k.
argv: make DIR | check DIR init.safetensors after.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

N, LR = 16, 0.1
if sys.argv[1] == "make":
    rng = np.random.RandomState(3)
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "x.npy"),
            rng.rand(N, 64).astype(np.float32))
    np.save(os.path.join(sys.argv[2], "y.npy"),
            rng.randint(0, 3, N).astype(np.int32))
    sys.exit(0)

data, w0, w1 = sys.argv[2], read(sys.argv[3]), read(sys.argv[4])
k = w0["k"].astype(np.float64)
w2 = w0["w2"].astype(np.float64)
x = np.load(os.path.join(data, "x.npy")).astype(np.float64).reshape(N, 1, 8, 8)
y = np.load(os.path.join(data, "y.npy"))
c = np.zeros((N, 2, 6, 6))
for o in range(2):
    for i in range(6):
        for j in range(6):
            c[:, o, i, j] = np.einsum("bchw,chw->b", x[:, :, i:i + 3, j:j + 3],
                                      k[o])
f = (1 / (1 + np.exp(-c))).reshape(N, 72)
z = f @ w2
p = np.exp(z - z.max(1, keepdims=True))
p /= p.sum(1, keepdims=True)
err = np.eye(3)[y] - p
want = {"k": k + LR * (-0.5 * k), "w2": w2 + LR * f.T @ err / N}
for name in ["k", "w2"]:
    got = w1[name].astype(np.float64)
    scale = max(np.abs(want[name] - w0[name]).max(), 1e-3)
    rel = np.abs(got - want[name]).max() / scale
    print(name + ":", "ok" if rel < 1e-4 else "MISMATCH", "(rel %.1e)" % rel)
