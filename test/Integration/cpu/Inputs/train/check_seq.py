"""The final weights of seq_sum.json (a checkpoint of credoc train on .npy
arrays) against NumPy: an independent forward pass of the Elman layer over
the test arrays must give the accuracy credoc printed, and beat chance
clearly (the task is learnable)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

ckpt, data, printed = sys.argv[1], sys.argv[2], float(sys.argv[3])
p = {k: v.astype(np.float64) for k, v in read(ckpt).items()}
x = np.load(os.path.join(data, "test_x.npy")).astype(np.float64)
y = np.load(os.path.join(data, "test_y.npy"))
h = np.zeros((x.shape[0], 8))
for t in range(x.shape[1]):
    h = np.tanh(x[:, t] @ p["w_in"] + p["b"] + h @ p["w_rec"])
acc = 100.0 * np.mean((h @ p["w_out"]).argmax(1) == y)
print("numpy accuracy %.2f, credoc %.2f" % (acc, printed))
if abs(acc - printed) > 0.01 or acc < 85:
    sys.exit("seq: mismatch")
print("seq: ok")
