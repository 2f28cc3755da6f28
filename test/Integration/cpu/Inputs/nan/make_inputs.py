#!/usr/bin/env python3
"""Inputs with NaN, +-inf, -0 and ordinary values for activations.json: the
rows of x mix them (one row is all finite), and one pixel of each image is
NaN or +inf."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
x = rng.normal(size=(4, 16)).astype(np.float32)
x[0, 3] = np.nan
x[1, 5] = np.inf
x[1, 6] = -np.inf
x[2, 0] = -0.0
x[2, 7] = -np.inf
np.save(os.path.join(out, "x.npy"), x)
img = rng.normal(size=(2, 1, 6, 6)).astype(np.float32)
img[0, 0, 2, 3] = np.nan
img[1, 0, 4, 1] = np.inf
np.save(os.path.join(out, "img.npy"), img)
