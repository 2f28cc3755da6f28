#!/usr/bin/env python3
"""Recomputes tiny.json (softmax(x·w + b, axis 1)) with NumPy from the
parameter file and compares it with credoc's outputs on both CPU paths."""
import sys

import numpy as np

from safetensors_np import read_f32


params = read_f32(sys.argv[1])
x = np.load(sys.argv[2]).astype(np.float64)
z = x @ params["w"] + params["b"]
e = np.exp(z - z.max(axis=1, keepdims=True))
ref = e / e.sum(axis=1, keepdims=True)
for label, path in (("dnnl", sys.argv[3]), ("reference", sys.argv[4])):
    got = np.load(path)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    err = np.abs(got - ref).max()
    print(f"{label} max abs error {err:.2e}")
    if err > 1e-5:
        sys.exit(f"{label}: mismatch")
