"""Parameters trained on two targets from the same start: every tensor
within `tol` (absolute, relative to its largest entry when that exceeds 1),
integer state equal. argv: a.safetensors b.safetensors tol"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

a, b, tol = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
worst = 0.0
for name in sorted(a):
    if a[name].dtype.kind in "iu":
        assert np.array_equal(a[name], b[name]), name
        continue
    scale = max(1.0, float(np.max(np.abs(b[name]))))
    err = float(np.max(np.abs(a[name].astype(np.float64) - b[name]))) / scale
    assert err <= tol, (name, err)
    worst = max(worst, err)
print("parameters agree: %d tensors, largest difference %.1e" % (len(a), worst))
