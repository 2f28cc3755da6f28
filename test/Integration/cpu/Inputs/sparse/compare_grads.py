"""The gradients of the f32 chain (one kernel path) against the f64 ones:
relative to the largest entry, within 1e-4. argv: f64.safetensors f32.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

a, b = read(sys.argv[1]), read(sys.argv[2])
for name in sorted(a):
    err = np.max(np.abs(a[name] - b[name].astype(np.float64))) / max(
        1e-30, np.max(np.abs(a[name])))
    print("%s: %s (%.1e)" % (name, "ok" if err < 1e-4 else "WRONG", err))
