"""LIF spike trains from credoc against a step-by-step NumPy simulation of
the equations of docs/dialect.md (credo.lif), written independently of the
generated code. Spike times must agree exactly. argv: cur.npy OUTDIR."""
import sys

import numpy as np

cur = np.load(sys.argv[1])  # [B, T, N]
out = sys.argv[2]
B, T, N = cur.shape


def beta_model(beta, theta, reset, t_ref):
    v, r = np.zeros((B, N)), np.zeros((B, N))
    spikes = []
    for t in range(T):
        s_prev = (v > theta).astype(float)
        if reset == "subtract":
            v = beta * v + cur[:, t] - theta * s_prev
        else:
            v = beta * v * (1 - s_prev) + cur[:, t]
        v = np.where(r > 0, 0.0, v)
        s = (v > theta).astype(float)
        r = np.where(s > 0, t_ref, np.maximum(r - 1, 0))
        spikes.append(s)
    return np.stack(spikes)


def current_model(tau_m, tau_s, theta, reset, t_ref):
    v, c, r = (np.zeros((B, N)) for _ in range(3))
    spikes = []
    for t in range(T):
        c = c - c / tau_s + cur[:, t]
        u = v - v / tau_m + c / tau_s
        u = np.where(r > 0, 0.0, u)
        s = (u > theta).astype(float)
        v = u * (1 - s) if reset == "zero" else u - theta * s
        r = np.where(s > 0, t_ref, np.maximum(r - 1, 0))
        spikes.append(s)
    return np.stack(spikes)


want = {
    "a": beta_model(0.8, 0.7, "subtract", 0),
    "b": beta_model(0.9, 0.5, "zero", 2),
    "c": current_model(4, 2, 0.3, "zero", 2),
    "d": current_model(8, 3, 0.2, "subtract", 0),
}
for name, w in want.items():
    got = np.load("%s/loop.%s.all.npy" % (out, name))
    assert got.shape == (T, B, N), got.shape
    assert set(np.unique(got)) <= {0.0, 1.0}
    bad = np.argwhere(got != w)
    assert len(bad) == 0, (name, bad[:5])
    print("%s: ok (%d spikes)" % (name, int(w.sum())))
