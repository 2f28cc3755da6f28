"""The final weights of seq_sum.json (a checkpoint of credoc train on .npy
arrays) against NumPy: an independent forward pass of the Elman layer over
the test arrays must give the accuracy credoc printed, and beat chance
clearly (the task is learnable)."""
import json
import os
import struct
import sys

import numpy as np

ckpt, data, printed = sys.argv[1], sys.argv[2], float(sys.argv[3])
blob = open(ckpt, "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
header.pop("__metadata__", None)
p = {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                      np.float32).reshape(v["shape"]).astype(np.float64)
     for k, v in header.items() if v["dtype"] == "F32"}
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
