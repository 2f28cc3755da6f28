"""One training step of fa_tiny.json (SGD over the whole training set in one
batch) by backprop, feedback alignment or direct feedback alignment,
against NumPy: the forward pass, the output error e = (softmax − onehot)/B,
then per layer dW = xᵀ δ, db = Σ δ with δ passed down through Wᵀ
(backprop), through the layer's fixed matrix B of W's shape (fa), or as
e·B_l straight from the output (dfa), so w' = w − lr·dW. The feedback
matrices are read from the checkpoint after the step. "align" checks the
alignment report of that step (--report-alignment, JSON metrics): per
parameter, the angle between the rule's update and the backprop gradient
and their norm ratio.
argv: make DIR | check RULE DIR init.safetensors after.safetensors
| align RULE DIR init.safetensors after.safetensors metrics.jsonl|align.txt
(the first epoch's report, or the output of credoc align)"""
import json
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


def grads_of(rule):
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
    return {"w3": a2.T @ d3, "b3": d3.sum(0), "w2": a1.T @ d2,
            "b2": d2.sum(0), "w1": x.T @ d1, "b1": d1.sum(0)}


grads = grads_of(rule)
names = ["w1", "b1", "w2", "b2", "w3", "b3"]
if sys.argv[1] == "align":
    exact = grads_of("backprop")
    if sys.argv[6].endswith(".jsonl"):
        report = json.loads(open(sys.argv[6]).readline())["alignment"]
    else:  # the output of credoc align: "  NAME  ANGLE°  norm ratio R"
        report = {}
        for line in open(sys.argv[6]).read().splitlines()[1:]:
            f = line.split()
            report[f[0]] = {"angle": float(f[1].rstrip("°")),
                            "ratio": float(f[4])}
    for name in names:
        r, g = grads[name].ravel(), exact[name].ravel()
        cos = r @ g / np.sqrt((r @ r) * (g @ g))
        angle = np.degrees(np.arccos(np.clip(cos, -1, 1)))
        ratio = np.sqrt((r @ r) / (g @ g))
        got = report[name]
        ok = abs(got["angle"] - angle) < 0.02 and abs(got["ratio"] / ratio - 1) < 1e-3
        print(name + ":", "ok" if ok else "MISMATCH",
              "(angle %.2f, reported %.2f; ratio %.4f, reported %.4f)"
              % (angle, got["angle"], ratio, got["ratio"]))
    sys.exit(0)
for name in names:
    want = p[name] - LR * grads[name]
    got = w1[name].astype(np.float64)
    err = np.abs(got - want).max() / max(np.abs(want - p[name]).max(), 1e-30)
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
extra = sorted(k for k in w1 if k.endswith("_feedback"))
print("feedback:", " ".join(extra) if extra else "none")
