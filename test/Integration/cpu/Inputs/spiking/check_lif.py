"""LIF spike trains from credoc against a step-by-step NumPy simulation of
the equations of docs/dialect.md (credo.lif), written independently of the
generated code. Spike times must agree exactly. argv: cur.npy OUTDIR."""
import sys

import numpy as np

cur = np.load(sys.argv[1])  # [B, T, N]
out = sys.argv[2]
B, T, N = cur.shape


def beta_model(beta, theta, reset, t_ref, state=None):
    v, r = np.zeros((B, N)), np.zeros((B, N))
    spikes = []
    vs, rs = [], []
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
        vs.append(v)
        rs.append(r)
    if state is not None:
        state.update(v=np.stack(vs), r=np.stack(rs))
    return np.stack(spikes)


def current_model(tau_m, tau_s, theta, reset, t_ref, state=None):
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
    if state is not None:
        state.update(c=c)
    return np.stack(spikes)


a_state, b_state, c_state = {}, {}, {}
want = {
    "a": beta_model(0.8, 0.7, "subtract", 0, a_state),
    "b": beta_model(0.9, 0.5, "zero", 2, b_state),
    "c": current_model(4, 2, 0.3, "zero", 2, c_state),
    "d": current_model(8, 3, 0.2, "subtract", 0),
}
for name, w in want.items():
    got = np.load("%s/loop.%s.all.npy" % (out, name))
    assert got.shape == (T, B, N), got.shape
    assert set(np.unique(got)) <= {0.0, 1.0}
    bad = np.argwhere(got != w)
    assert len(bad) == 0, (name, bad[:5])
    print("%s: ok (%d spikes)" % (name, int(w.sum())))
# Named results: the membrane of a, the current of c, the counter of b.
for name, w in (("loop.a.v.all", a_state["v"]), ("loop.c.c", c_state["c"]),
                ("loop.b.r.all", b_state["r"])):
    got = np.load("%s/%s.npy" % (out, name))
    assert got.shape == w.shape and np.allclose(got, w, rtol=1e-12, atol=1e-12), name
    print("%s: ok" % name)
