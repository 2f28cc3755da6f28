"""credo.s_psp against the HM2-BP formula, summed pair by pair in NumPy:
e[b,i,j] = Σ_f Σ_g [t > 0] exp(−max(t − s, 0)/τs) ε(min(s, t)),
t = p_f − (q_g + t_ref), s = p_f − (p_{f−1} + t_ref) (s = p_1 for the first),
ε(u) = (exp(−u/τm) − exp(−u/τs)) / (1 − τs/τm); 0.1 for a silent post
neuron whose pre neuron fired. argv: make DIR | check DIR OUTDIR."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from psp_formula import psp  # noqa: E402

T, B, N, M = 40, 3, 5, 7


def trains(rng, n, rate, t_ref):
    s = np.zeros((T, B, n))
    for b in range(B):
        for i in range(n):
            last = -10**9
            for t in range(T):
                if t - last > t_ref and rng.rand() < rate:
                    s[t, b, i], last = 1, t
    return s


if sys.argv[1] == "make":
    rng = np.random.RandomState(7)
    post = trains(rng, N, 0.25, 2)
    post[:, 1, 3] = 0  # a silent post neuron
    pre = trains(rng, M, 0.3, 0)
    pre[:, 2, 4] = 0  # a silent pre neuron
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "post.npy"), post)
    np.save(os.path.join(sys.argv[2], "pre.npy"), pre)
    sys.exit(0)

post = np.load(os.path.join(sys.argv[2], "post.npy"))
pre = np.load(os.path.join(sys.argv[2], "pre.npy"))
for name, tau_m, tau_s, t_ref in (("e", 6, 2, 2), ("e0", 8, 3, 0)):
    want = psp(post, pre, tau_m, tau_s, t_ref)
    got = np.load(os.path.join(sys.argv[3], name + ".npy"))
    err = np.abs(got - want).max()
    assert got.shape == want.shape and err < 1e-12, (name, err)
    assert want[1, 3, 0] == 0.1 and want[2, 0, 4] == 0.0
    print("%s: ok (max error %.1e, mean e %.3f)" % (name, err, want.mean()))
