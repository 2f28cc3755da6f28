"""The stochastic ops against NumPy: credo.bernoulli, credo.execute_flags,
credo.hold and credo.categorical draw the keyed Philox-4x32-10 numbers of
design.md §4.3 (element for element, except where a uniform lies within
1e-6 of its threshold, where f32 rounding may decide), their log-probability
and score equal the formulas, and the samples have the intended statistics.
argv: [--gpu] l.npy c.npy DIR [DIR...]: all runs must be identical; with
--gpu (a Vulkan run among them, whose exp and log round differently) the
samples must be identical and the log-probabilities and scores equal within
1e-6. The first run is checked against the formulas."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spiking"))
import philox  # noqa: E402

seed = 81985529216486895
args = sys.argv[1:]
gpu = args[0] == "--gpu"
if gpu:
    args = args[1:]
l = np.load(args[0]).astype(np.float64)
c = np.load(args[1]).astype(np.float64)
dirs = args[2:]
names = ["b", "b.log_prob", "b.score", "h", "h.sample", "h.execute", "t.execute",
         "a", "a.log_prob", "a.score"]
runs = [{n: np.load(os.path.join(d, n + ".npy")) for n in names} for d in dirs]
for r in runs[1:]:
    for n in names:
        if gpu and n.endswith((".log_prob", ".score")):
            assert np.allclose(r[n], runs[0][n], rtol=1e-6, atol=1e-6), n
        else:
            assert np.array_equal(r[n], runs[0][n]), n
print("identical: ok (%d runs)" % len(runs))
out = runs[0]


def agree(got, want, u, p, what):
    """Equal except where u is within 1e-6 of the threshold p."""
    sure = np.abs(u - p) > 1e-6
    bad = sure & (got != want)
    assert not bad.any(), (what, np.argwhere(bad)[:5])
    return (~sure).sum()


sig = 1 / (1 + np.exp(-l))
softplus = np.maximum(l, 0) + np.log1p(np.exp(-np.abs(l)))
# Node b: stream 1.
u = philox.uniforms(l.shape, seed, 1, 0, 0)
U = (u < sig).astype(np.float32)
agree(out["b"], U, u, sig, "bernoulli sample")
Ub = out["b"].astype(np.float64)
assert np.allclose(out["b.log_prob"], Ub * l - softplus, atol=2e-6, rtol=1e-6)
assert np.allclose(out["b.score"], Ub - sig, atol=1e-6)
print("bernoulli: ok (sample, log_prob, score)")
# Node h: samples from stream 2, flags (p 0.6) from stream 2^31 + 2; held
# outputs start at zero.
u2 = philox.uniforms(l.shape, seed, 2, 0, 0)
agree(out["h.sample"], (u2 < sig).astype(np.float32), u2, sig, "h sample")
ue = philox.uniforms(l.shape, seed, 2**31 + 2, 0, 0)
E = (ue < 0.6).astype(np.float32)
agree(out["h.execute"], E, ue, 0.6, "execute flags")
assert np.array_equal(out["h"], out["h.execute"] * out["h.sample"])
# Node t: period 3, draw count 0: unit j executes when j mod 3 = 0.
j = np.arange(l.shape[1])
assert np.array_equal(out["t.execute"], np.tile((j % 3 == 0).astype(np.float32), (l.shape[0], 1)))
print("execute flags and hold: ok")
# Node a: categorical over the rows of c, stream 4, element = row.
ua = philox.uniforms((c.shape[0],), seed, 4, 0, 0)
m = c.max(axis=1, keepdims=True)
e = np.exp(c - m)
s = e.sum(axis=1, keepdims=True)
cum = np.cumsum(e, axis=1)
want = np.minimum((cum <= (ua[:, None] * s)).sum(axis=1), c.shape[1] - 1)
edge = np.abs(cum - ua[:, None] * s).min(axis=1) / s[:, 0]
sure = edge > 1e-6
assert np.array_equal(out["a"][sure], want[sure]), (out["a"][:8], want[:8])
a = out["a"]
p = e / s
rows = np.arange(c.shape[0])
assert np.allclose(out["a.log_prob"], np.log(p[rows, a]), atol=2e-6)
onehot = np.zeros_like(p)
onehot[rows, a] = 1
assert np.allclose(out["a.score"], onehot - p, atol=1e-6)
print("categorical: ok (sample, log_prob, score)")
# Statistics: rates within 5 standard errors.
for v in np.unique(l):
    cols = l[0] == v
    q = 1 / (1 + np.exp(-v))
    n = out["b"][:, cols].size
    se = np.sqrt(max(q * (1 - q), 1e-12) / n)
    assert abs(out["b"][:, cols].mean() - q) <= 5 * se + 1e-12, (v, out["b"][:, cols].mean(), q)
n = out["h.execute"].size
assert abs(out["h.execute"].mean() - 0.6) <= 5 * np.sqrt(0.24 / n)
counts = np.bincount(a, minlength=c.shape[1]) / len(a)
se = np.sqrt(p[0] * (1 - p[0]) / len(a))
assert np.all(np.abs(counts - p[0]) <= 5 * se), (counts, p[0])
print("statistics: ok")
