"""Surrogate gradients of snn_grad.json from `credoc grad` against central
finite differences of the surrogate-smoothed model in NumPy: each spike is
H(x₀) + S(x) − S(x₀), with S the antiderivative of the surrogate and x₀
the unperturbed value, so the model's value is unchanged and its exact
derivative is the surrogate rule's; detached resets, refractory masks and
H(x₀) stay frozen. argv: grads.safetensors params.safetensors xs.npy
labels.npy. Prints "surrogate gradients: ok (max relative error E)"."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

grads, params = read(sys.argv[1]), read(sys.argv[2])
xs, labels = np.load(sys.argv[3]), np.load(sys.argv[4])
B, T, _ = xs.shape


def S_fast(x, k):
    return x / (1 + k * np.abs(x))


def S_triangle(x, k):
    a = np.minimum(k * np.abs(x), 1.0)
    return np.sign(x) * (a - a * a / 2)


def forward(p, frozen):
    """The loss; `frozen` is filled on the first call and reused after."""
    record = not frozen
    w1, b1, w2 = p["w1"], p["b1"], p["w2"]
    v1 = np.zeros((B, 7))
    v, c, r = (np.zeros((B, 3)) for _ in range(3))
    counts = np.zeros((B, 3))
    for t in range(T):
        # Layer 1: beta 0.85, θ 0.5, subtractive reset (detached), fast sigmoid k 4.
        if record:
            frozen[("sprev1", t)] = (v1 > 0.5).astype(float)
        v1 = 0.85 * v1 + xs[:, t] @ w1 + b1 - 0.5 * frozen[("sprev1", t)]
        x = v1 - 0.5
        if record:
            frozen[("x1", t)] = x.copy()
        x0 = frozen[("x1", t)]
        s1 = (x0 > 0) + S_fast(x, 4.0) - S_fast(x0, 4.0)
        # Layer 2: current model τm 4, τs 2, θ 0.3, t_ref 1, reset to zero
        # (differentiated), triangle k 1.5.
        c = c - c / 2 + s1 @ w2
        u = v - v / 4 + c / 2
        if record:
            frozen[("refr", t)] = r > 0
        u = np.where(frozen[("refr", t)], 0.0, u)
        x = u - 0.3
        if record:
            frozen[("x2", t)] = x.copy()
        x0 = frozen[("x2", t)]
        s2 = (x0 > 0) + S_triangle(x, 1.5) - S_triangle(x0, 1.5)
        s2 = np.where(frozen[("refr", t)], 0.0, s2)
        v = u * (1 - s2)
        if record:
            r = np.where(x0 > 0, 1.0, np.maximum(r - 1, 0))
        counts = counts + s2
    z = counts - counts.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(B), labels].mean()


frozen = {}
loss = forward(params, frozen)
assert abs(loss - float(grads["loss"])) < 1e-12, (loss, grads["loss"])
spikes = sum(float((frozen[("x2", t)] > 0).sum()) for t in range(T))
assert spikes > 0, "no output spikes: the check would be vacuous"
worst = 0.0
for name in ("w1", "b1", "w2"):
    g = grads["grad." + name] if "grad." + name in grads else grads[name]
    fd = np.zeros_like(params[name])
    for idx in np.ndindex(*params[name].shape):
        for sign in (1, -1):
            q = {k: a.copy() for k, a in params.items()}
            q[name][idx] += sign * 1e-6
            fd[idx] += sign * forward(q, frozen) / 2e-6
    err = np.abs(g - fd).max() / max(np.abs(fd).max(), 1e-12)
    assert np.abs(fd).max() > 1e-3, (name, "vanishing gradient")
    worst = max(worst, err)
    assert err < 1e-6, (name, err, g, fd)
print("surrogate gradients: ok (max relative error %.1e, %d output spikes)"
      % (worst, spikes))
