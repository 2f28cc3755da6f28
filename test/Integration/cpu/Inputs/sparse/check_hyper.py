"""The training form of credo.sparse_hyper, written independently in NumPy
from algorithms.md section 3 and the credo.hyper_sample docs: Philox points
(floor/ceil neighbours, global, local), duplicates masked, normalised
Gaussian densities, y[o] += w x[i], MSE. Checks Credo's loss against it and
Credo's gradients against central differences of it with the points frozen.
argv: make DIR | check DIR params.safetensors grads.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "spiking"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from philox import check_kat, philox4x32_10  # noqa: E402
from safetensors_np import read  # noqa: E402

B, N, UNITS, K, G, L, REGION, SCALE = 4, 8, 6, 5, 3, 2, 4, 0.2
STREAM = 1  # the node's position in the file


def words(count, seed, draws):
    i = np.arange(count, dtype=np.uint64)
    seed, draws = np.uint64(seed), np.uint64(draws)
    key = (seed & np.uint64(0xFFFFFFFF), np.uint64(STREAM) ^ (seed >> np.uint64(32)))
    ctr = (i, np.zeros_like(i), np.full_like(i, draws & np.uint64(0xFFFFFFFF)),
           np.full_like(i, draws >> np.uint64(32)))
    return philox4x32_10(ctr, key)[0].astype(np.int64)


def points(mu, rng):
    size = np.array([UNITS, N])
    P = 4 + G + L
    u = words(K * P * 2, rng[0], rng[1]).reshape(K, P, 2)
    pts = np.zeros((K, P, 2), np.int64)
    for k in range(K):
        for p in range(P):
            for d in range(2):
                if p < 4:
                    bit = (p >> (1 - d)) & 1
                    v = np.ceil(mu[k, d]) if bit else np.floor(mu[k, d])
                elif p < 4 + G:
                    v = (u[k, p, d] * size[d]) >> 32
                else:
                    h = REGION // 2
                    v = np.round(mu[k, d]) + ((u[k, p, d] * (2 * h + 1)) >> 32) - h
                pts[k, p, d] = min(max(int(v), 0), size[d] - 1)
    keep = np.ones((K, P))
    for k in range(K):
        for p in range(P):
            if any((pts[k, q] == pts[k, p]).all() for q in range(p)):
                keep[k, p] = 0
    return pts, keep


def loss_of(mt, st, v, x, t, pts, keep):
    size = np.array([UNITS, N], np.float64)
    mu = 1 / (1 + np.exp(-mt)) * (size - 1)
    s2 = (np.log1p(np.exp(st + 2)) + 1e-6) * size * SCALE
    d = (((pts - mu[:, None, :]) ** 2) / s2[:, None, :]).sum(-1)
    rho = np.exp(-0.5 * d) * keep
    w = rho / rho.sum(1, keepdims=True) * v[:, None]
    y = np.zeros((x.shape[0], UNITS))
    for k in range(K):
        for p in range(pts.shape[1]):
            y[:, pts[k, p, 0]] += w[k, p] * x[:, pts[k, p, 1]]
    return ((y - t) ** 2).mean()


def main():
    if sys.argv[1] == "make":
        os.makedirs(sys.argv[2], exist_ok=True)
        r = np.random.RandomState(3)
        np.save(os.path.join(sys.argv[2], "x.npy"), r.randn(B, N))
        np.save(os.path.join(sys.argv[2], "t.npy"), r.randn(B, UNITS))
        return
    check_kat()
    x = np.load(os.path.join(sys.argv[2], "x.npy"))
    t = np.load(os.path.join(sys.argv[2], "t.npy"))
    p = read(sys.argv[3])
    g = read(sys.argv[4])
    mt, st, v, rng = p["mu"], p["sigma"], p["values"], p["rng"]
    size = np.array([UNITS, N], np.float64)
    pts, keep = points(1 / (1 + np.exp(-mt)) * (size - 1), rng)
    assert keep.sum() < keep.size, "no duplicate was masked; pick other seeds"
    loss = loss_of(mt, st, v, x, t, pts, keep)
    err = abs(float(g["loss"]) - loss) / abs(loss)
    print("loss: %s (rel %.1e)" % ("ok" if err < 1e-12 else "WRONG", err))
    worst = 0.0
    for name, arr in (("mu", mt), ("sigma", st), ("values", v)):
        fd = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            h = 1e-6 * max(1.0, abs(arr[i]))
            args = dict(mu=mt.copy(), sigma=st.copy(), values=v.copy())
            args[name][i] += h
            lp = loss_of(args["mu"], args["sigma"], args["values"], x, t, pts, keep)
            args[name][i] -= 2 * h
            lm = loss_of(args["mu"], args["sigma"], args["values"], x, t, pts, keep)
            fd[i] = (lp - lm) / (2 * h)
        an = g["grad." + name]
        rel = np.max(np.abs(an - fd) / np.maximum(np.abs(an) + np.abs(fd), 1e-8))
        worst = max(worst, rel)
        print("grad %s: %s (max rel %.1e)" % (name, "ok" if rel < 1e-6 else "WRONG", rel))


main()
