"""One training step of fa_tiny.json (SGD over the whole training set in one
batch) by backprop, feedback alignment or direct feedback alignment,
against NumPy: the forward pass, the output error e = (softmax − onehot)/B,
then per layer dW = xᵀ δ, db = Σ δ with δ passed down through Wᵀ
(backprop), through the layer's fixed matrix B of W's shape (fa), or as
e·B_l straight from the output (dfa), so w' = w − lr·dW. The feedback
matrices are read from the checkpoint after the step.
argv: make DIR | check RULE DIR init.safetensors after.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

N, LR = 16, 0.5

if sys.argv[1] == "make":
    rng = np.random.RandomState(5)
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "x.npy"),
            rng.randn(N, 6).astype(np.float32))
    np.save(os.path.join(sys.argv[2], "y.npy"),
            rng.randint(0, 3, N).astype(np.int32))
    sys.exit(0)

rule, data = sys.argv[2], sys.argv[3]
w0, w1 = read(sys.argv[4]), read(sys.argv[5])
p = {k: v.astype(np.float64) for k, v in w0.items()}
x = np.load(os.path.join(data, "x.npy")).astype(np.float64)
y = np.load(os.path.join(data, "y.npy"))

a1 = np.tanh(x @ p["w1"] + p["b1"])
a2 = 1 / (1 + np.exp(-(a1 @ p["w2"] + p["b2"])))
z = a2 @ p["w3"] + p["b3"]
s = np.exp(z - z.max(1, keepdims=True))
s /= s.sum(1, keepdims=True)
e = s.copy()
e[np.arange(N), y] -= 1
e /= N


def feedback(name, shape):
    b = w1[name + "_feedback"].astype(np.float64)
    assert b.shape == shape, (name, b.shape, shape)
    assert np.abs(b).max() > 0, name + " feedback is zero"
    return b


d3 = e
if rule == "backprop":
    da2 = d3 @ p["w3"].T
elif rule == "fa":
    da2 = d3 @ feedback("w3", (4, 3)).T
else:
    da2 = e @ feedback("w3", (3, 4))
d2 = da2 * a2 * (1 - a2)
if rule == "backprop":
    da1 = d2 @ p["w2"].T
elif rule == "fa":
    da1 = d2 @ feedback("w2", (5, 4)).T
else:
    da1 = e @ feedback("w2", (3, 5))
d1 = da1 * (1 - a1 ** 2)
grads = {"w3": a2.T @ d3, "b3": d3.sum(0), "w2": a1.T @ d2, "b2": d2.sum(0),
         "w1": x.T @ d1, "b1": d1.sum(0)}
for name in ["w1", "b1", "w2", "b2", "w3", "b3"]:
    want = p[name] - LR * grads[name]
    got = w1[name].astype(np.float64)
    err = np.abs(got - want).max() / max(np.abs(want - p[name]).max(), 1e-30)
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
extra = sorted(k for k in w1 if k.endswith("_feedback"))
print("feedback:", " ".join(extra) if extra else "none")
