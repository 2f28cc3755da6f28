#!/usr/bin/env python3
"""Checks credoc run's outputs of alias.json: y = x·w, the input and the
parameter themselves, relu(x) twice and x reshaped."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read_f32  # noqa: E402

w = read_f32(sys.argv[1])["w"]
x = np.load(sys.argv[2])
out = sys.argv[3]
want = {"y": x @ w, "x": x, "w": w, "a": np.maximum(x, 0),
        "b": np.maximum(x, 0), "r": x.reshape(3, 2)}
for name, ref in want.items():
    got = np.load(os.path.join(out, name + ".npy"))
    assert got.shape == ref.shape, (name, got.shape, ref.shape)
    err = float(np.abs(got - ref).max())
    assert err < 1e-5, (name, err)
print("alias outputs match")
