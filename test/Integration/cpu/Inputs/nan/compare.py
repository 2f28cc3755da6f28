#!/usr/bin/env python3
"""The oneDNN and the portable outputs of activations.json agree: NaN at the
same places, the same infinities, finite values within 1e-5 (relative)."""
import os
import sys

import numpy as np

a_dir, b_dir = sys.argv[1:3]
bad = 0
for name in ["relu", "sigmoid", "tanh", "softplus", "softmax", "dense_relu",
             "conv_relu", "pool"]:
    a = np.load(os.path.join(a_dir, name + ".npy"))
    b = np.load(os.path.join(b_dir, name + ".npy"))
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    same_nan = np.array_equal(nan_a, nan_b)
    fin = ~nan_a & ~nan_b
    same_inf = np.array_equal(a[np.isinf(a) & fin], b[np.isinf(a) & fin])
    close = np.allclose(a[fin], b[fin], rtol=1e-5, atol=1e-6)
    ok = same_nan and same_inf and close
    bad += not ok
    print(f"{name}: {int(nan_a.sum())} NaN, "
          f"{'agree' if ok else 'DISAGREE'}")
sys.exit(1 if bad else 0)
