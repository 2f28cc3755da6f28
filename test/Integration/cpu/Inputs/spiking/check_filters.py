"""filters64.json's trace and logits from credoc against NumPy loops of the
exp_filter equations. argv: params.safetensors x.npy OUTDIR."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

p, x, out = read(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
B, T, _ = x.shape
trace, smooth, traces = np.zeros((B, 4)), np.zeros((B, 4)), []
a1, a2 = np.exp(-1 / 3), np.exp(-2 / 4)
for t in range(T):
    trace = a1 * trace + x[:, t] @ p["w"]
    smooth = a2 * smooth + (1 - a2) * np.tanh(trace)
    traces.append(trace)
assert np.allclose(np.load(out + "/loop.trace.all.npy"), np.stack(traces), rtol=1e-12, atol=1e-12)
assert np.allclose(np.load(out + "/logits.npy"), smooth @ p["w_out"], rtol=1e-12, atol=1e-12)
print("filters: ok")
