"""Writes the first N Fashion-MNIST test images (scaled to [0, 1]) and
labels as x.npy, labels.npy (and, with a third argument, the images as
28-step rows for the RNN). argv: DIR N [rows]"""
import gzip
import os
import sys

import numpy as np

root = "/usr/share/datasets/fashion-mnist"
out, n = sys.argv[1], int(sys.argv[2])
with gzip.open(os.path.join(root, "t10k-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:n]
with gzip.open(os.path.join(root, "t10k-labels-idx1-ubyte.gz")) as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
x = x.astype(np.float32) / 255
if len(sys.argv) > 3:
    x = x.reshape(n, 28, 28)
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "labels.npy"), y.astype(np.int32))
