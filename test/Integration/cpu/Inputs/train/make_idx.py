#!/usr/bin/env python3
"""Writes a tiny IDX data set (gzip-compressed, like Fashion-MNIST's files):
8 training and 8 test images of 4x4 pixels with labels 0..2."""
import gzip
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
for split in ("train", "t10k"):
    images = rng.integers(0, 256, size=(8, 4, 4), dtype=np.uint8)
    labels = rng.integers(0, 3, size=8, dtype=np.uint8)
    with gzip.open(os.path.join(out, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, 8, 4, 4) + images.tobytes())
    with gzip.open(os.path.join(out, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, 8) + labels.tobytes())
