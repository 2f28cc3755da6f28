#!/usr/bin/env python3
"""Writes the .npy files that the credoc run tests feed to tiny.json:
good inputs, and one file per bad-input class."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
x = np.array([[1, 2, 3, 4], [0.5, -1, 0, 2]], dtype=np.float32)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "x1.npy"), x[:1])
np.save(os.path.join(out, "x_f64.npy"), x.astype(np.float64))
np.save(os.path.join(out, "x_shape.npy"), np.zeros((2, 5), np.float32))
np.save(os.path.join(out, "x_bool.npy"), np.zeros((2, 4), bool))
good = open(os.path.join(out, "x.npy"), "rb").read()
open(os.path.join(out, "x_truncated.npy"), "wb").write(good[:-5])
open(os.path.join(out, "not_npy.npy"), "wb").write(b"this is not a numpy file\n")
