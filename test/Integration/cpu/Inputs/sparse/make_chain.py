"""Inputs of chain64.json: x, t (f64 or f32) and index tuples within the
ranges (or, with "bad", one input index out of range). argv: DIR DTYPE [bad]"""
import os
import sys

import numpy as np

d, dtype = sys.argv[1], {"f64": np.float64, "f32": np.float32}[sys.argv[2]]
r = np.random.RandomState(7)
os.makedirs(d, exist_ok=True)
np.save(os.path.join(d, "x.npy"), r.randn(5, 3).astype(dtype))
np.save(os.path.join(d, "t.npy"), r.randn(5, 4).astype(dtype))
pairs = np.stack([r.randint(0, 5, 7), r.randint(0, 6, 7)], -1).astype(np.int64)
pairs[3] = pairs[1]  # a repeated pair accumulates
if len(sys.argv) > 3:
    pairs[4, 1] = 6  # the input index of pair 4 is outside [0, 6)
np.save(os.path.join(d, "pairs.npy"), pairs)
tuples = np.stack([r.randint(0, 5, (3, 2)), r.randint(0, 4, (3, 2))], -1)
np.save(os.path.join(d, "tuples.npy"), tuples.astype(np.int64))
