"""credo.poisson_encode against Philox-4x32-10 in NumPy (exact), and the
statistics of the spikes: rates within 5 standard errors of the intended
probabilities. argv: x.npy DIR [DIR...] (all outputs must be identical)."""
import sys

import numpy as np

import philox

philox.check_kat()
print("philox kat: ok")
x = np.load(sys.argv[1])
seed = 81985529216486895
dirs = sys.argv[2:]
runs = [(np.load(d + "/loop.enc.all.npy"), np.load(d + "/once.npy")) for d in dirs]
for d, (enc, once) in zip(dirs, runs):
    # Node 1 ("loop") is stream 1, "enc" stream 2, "once" stream 3.
    want = np.stack([(philox.block_uniforms(x.shape, seed, 2, t, 0) <
                      x.astype(np.float32) * np.float32(0.5)).astype(np.float32)
                     for t in range(3)])
    assert enc.shape == want.shape, (enc.shape, want.shape)
    assert np.array_equal(enc, want), np.argwhere(enc != want)[:5]
    want_once = (philox.block_uniforms(x.shape, seed, 3, 0, 0) < x).astype(np.float32)
    assert np.array_equal(once, want_once)
assert all(np.array_equal(r[0], runs[0][0]) and np.array_equal(r[1], runs[0][1])
           for r in runs)
print("exact: ok (%d runs identical)" % len(runs))
# Statistics: x holds a few probabilities in blocks of columns.
enc, once = runs[0]
for p in np.unique(x):
    cols = x == p
    for name, s, q in (("loop", enc[:, cols], p * 0.5), ("once", once[cols], min(p, 1))):
        n = s.size
        se = np.sqrt(max(q * (1 - q), 1e-12) / n)
        assert abs(s.mean() - q) <= 5 * se + 1e-12, (name, p, s.mean(), q)
print("rates: ok")
