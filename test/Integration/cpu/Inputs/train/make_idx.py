#!/usr/bin/env python3
"""Writes a tiny IDX data set (gzip-compressed, like Fashion-MNIST's files):
8 (or argv[2]) training and 8 test images of 4x4 pixels with labels 0..2."""
import gzip
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
train_count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
rng = np.random.default_rng(11)
for split, n in (("train", train_count), ("t10k", 8)):
    images = rng.integers(0, 256, size=(n, 4, 4), dtype=np.uint8)
    labels = rng.integers(0, 3, size=n, dtype=np.uint8)
    with gzip.open(os.path.join(out, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, n, 4, 4) + images.tobytes())
    with gzip.open(os.path.join(out, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, n) + labels.tobytes())
