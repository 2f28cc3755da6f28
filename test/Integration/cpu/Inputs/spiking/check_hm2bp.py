"""One HM2-BP step of hm2bp_tiny.json (SGD over the whole training set in
one batch) against NumPy: LIF layers simulated step by step, S-PSPs by the
pair-by-pair formula, counts, the margin loss's macro error, s_i, the
effect-ratio hidden deltas and ∂E/∂w = δ e (1 + s), so w' = w − lr·∂E/∂w.
With e frozen, central finite differences of the macro loss E(ô),
ô = (1/ν) Σ w e, reproduce δ·e. argv: make DIR | check DIR init.safetensors
after.safetensors."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from psp_formula import psp  # noqa: E402
from safetensors_np import read  # noqa: E402

B, T = 16, 30
HID = dict(tau_m=10, tau_s=3, nu=2.0, t_ref=1)
OUT = dict(tau_m=8, tau_s=2, nu=1.5, t_ref=2)
HIGH, LOW, MARGIN, LR = 6.0, 1.0, 0.5, 0.05

if sys.argv[1] == "make":
    rng = np.random.RandomState(3)
    x = (rng.rand(B, T, 8) < rng.uniform(0.05, 0.4, (B, 1, 8))).astype(np.float32)
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "x.npy"), x)
    np.save(os.path.join(sys.argv[2], "y.npy"), rng.randint(0, 3, B).astype(np.int32))
    sys.exit(0)


def lif(cur, p):  # cur [T, B, N] -> spikes [T, B, N]
    v, c, r = (np.zeros(cur.shape[1:]) for _ in range(3))
    out = np.zeros_like(cur)
    for t in range(T):
        c = c - c / p["tau_s"] + cur[t]
        u = v - v / p["tau_m"] + c / p["tau_s"]
        u = np.where(r > 0, 0.0, u)
        s = (u > p["nu"]).astype(float)
        v = u * (1 - s)
        r = np.where(s > 0, p["t_ref"], np.maximum(r - 1, 0))
        out[t] = s
    return out


def safe_div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


data, w0, w1_after = sys.argv[2], read(sys.argv[3]), read(sys.argv[4])
x = np.load(os.path.join(data, "x.npy")).astype(np.float64).transpose(1, 0, 2)
y = np.load(os.path.join(data, "y.npy"))
W1, W2 = w0["w1"].astype(np.float64), w0["w2"].astype(np.float64)
h = lif(x @ W1, HID)
o_tr = lif(h @ W2, OUT)
o, oh = o_tr.sum(0), h.sum(0)
assert 0 < o.mean() and (o > 0).mean() > 0.5 and (oh > 0).mean() > 0.5, "inactive net"
e2 = psp(o_tr, h, OUT["tau_m"], OUT["tau_s"], OUT["t_ref"])
e1 = psp(h, x, HID["tau_m"], HID["tau_s"], HID["t_ref"])
target = np.where(np.arange(3)[None] == y[:, None], HIGH, LOW)
d = o - target
d = np.where(np.abs(d) > MARGIN, d, 0)
delta2 = d / B / OUT["nu"]
s2 = safe_div(np.einsum("ji,bij->bi", W2, e2), OUT["nu"] * o)
g2 = np.einsum("bi,bij,bi->ji", delta2, e2, 1 + s2)
delta1 = safe_div(np.einsum("bi,ji,bij->bj", delta2, W2, e2), oh) / HID["nu"]
s1 = safe_div(np.einsum("ji,bij->bi", W1, e1), HID["nu"] * oh)
g1 = np.einsum("bi,bij,bi->ji", delta1, e1, 1 + s1)
for name, w, g in (("w1", W1, g1), ("w2", W2, g2)):
    want = w - LR * g
    got = w1_after[name]
    err = np.abs(got - want).max() / np.abs(w - want).max()
    assert np.abs(g).max() > 1e-3 and err < 1e-3, (name, err)
    print("%s: ok (step error %.1e of the update)" % (name, err))


# With e frozen, finite differences of the macro loss reproduce δ·e.
def macro_loss(W):
    dd = np.einsum("ji,bij->bi", W, e2) / OUT["nu"] - target
    dd = np.where(np.abs(dd) > MARGIN, dd, 0)
    return (0.5 * dd * dd).sum() / B


o_hat = np.einsum("ji,bij->bi", W2, e2) / OUT["nu"]
dd = o_hat - target
dd = np.where(np.abs(dd) > MARGIN, dd, 0)
analytic = np.einsum("bi,bij->ji", dd / B / OUT["nu"], e2)
fd = np.zeros_like(W2)
for idx in np.ndindex(*W2.shape):
    for sgn in (1, -1):
        Wp = W2.copy()
        Wp[idx] += sgn * 1e-6
        fd[idx] += sgn * macro_loss(Wp) / 2e-6
assert np.abs(fd - analytic).max() <= 1e-6 * np.abs(fd).max() + 1e-9
print("macro loss: ok (finite differences equal delta * e)")
