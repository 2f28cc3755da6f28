"""Checks reductions.test's outputs against NumPy (float64 reference)."""
import sys

import numpy as np

d = sys.argv[1]
z = np.load(d + "/z.npy").astype(np.float64)
t = np.load(d + "/t.npy")
e = np.exp(z - z.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
loss = np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(t)), t])
for run in ("sub", "tree"):
    got_p = np.load("%s/%s/p.npy" % (d, run)).astype(np.float64)
    got_l = float(np.load("%s/%s/loss.npy" % (d, run)))
    assert np.allclose(got_p, p, rtol=1e-4, atol=1e-7), (run, np.abs(got_p - p).max())
    assert abs(got_l - loss) <= 1e-4 * abs(loss), (run, got_l, loss)
    print("%s: softmax ok, loss ok" % run)
