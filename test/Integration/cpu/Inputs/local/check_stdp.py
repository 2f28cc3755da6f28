"""One step of stdp_tiny.json's written pair-based STDP rule (SGD lr 1 over
the whole set in one batch) against NumPy: the LIF layer simulated step by
step (beta model, reset by subtraction of the previous step's spike),
traces x(t) = exp(−1/τ)·x(t−1) + s(t), and
Δw = a₊·Σ_t mean_b x_pre(t) ⊗ post(t) − a₋·Σ_t mean_b pre(t) ⊗ x_post(t).
argv: make DIR | check DIR init.safetensors after.safetensors [hebb|mean]
(hebb: the rule "pre ⊗ post * 0.01"; mean: "mean(post) * w", which sums
over the steps and averages over the batch)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

B, T, N_IN, N_OUT = 16, 20, 8, 4
A_PLUS, A_MINUS, TAU, BETA, THETA = 0.01, 0.012, 4.0, 0.8, 1.0

if sys.argv[1] == "make":
    rng = np.random.RandomState(11)
    x = (rng.rand(B, T, N_IN) < rng.uniform(0.1, 0.5, (B, 1, N_IN)))
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "sx.npy"), x.astype(np.float32))
    np.save(os.path.join(sys.argv[2], "sy.npy"),
            rng.randint(0, N_OUT, B).astype(np.int32))
    sys.exit(0)

data, w0, w1 = sys.argv[2], read(sys.argv[3]), read(sys.argv[4])
w = w0["w"].astype(np.float64)
x = np.load(os.path.join(data, "sx.npy")).astype(np.float64)
v = np.zeros((B, N_OUT))
post = np.zeros((T, B, N_OUT))
for t in range(T):
    prev = (v > THETA).astype(float)
    v = BETA * v + x[:, t] @ w - THETA * prev
    post[t] = v > THETA
pre = x.transpose(1, 0, 2)


def trace(s):
    out, y = np.zeros_like(s), np.zeros_like(s[0])
    for t in range(T):
        y = np.exp(-1 / TAU) * y + s[t]
        out[t] = y
    return out


if len(sys.argv) > 5 and sys.argv[5] == "hebb":  # "pre ⊗ post * 0.01"
    dw = 0.01 * np.einsum("tbi,tbj->ij", pre, post) / B
elif len(sys.argv) > 5 and sys.argv[5] == "mean":  # "mean(post) * w"
    dw = post.mean(1).sum(0) * w
else:
    dw = (A_PLUS * np.einsum("tbi,tbj->ij", trace(pre), post)
          - A_MINUS * np.einsum("tbi,tbj->ij", pre, trace(post))) / B
got = w1["w"].astype(np.float64) - w
err = np.abs(got - dw).max() / np.abs(dw).max()
print("spikes:", int(post.sum()), "of", post.size)
print("w:", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
