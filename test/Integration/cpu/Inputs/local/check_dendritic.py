"""The steady-state dendritic rule of dendritic_tiny.json (or a model like
it with more layers, w1 … wL, biases b_l where the model has them) against
NumPy: the optional settle step (no nudging; W^IP and W^PI only), then one
supervised step over the whole set (SGD lr 0.5). The somatic potentials
settle from the feed-forward ones in 6 fixed-point iterations (every hidden
layer at once from the previous iteration's potentials), or with SETTLING
"sweep" in one top-down pass (each hidden layer's interneurons and apical
feedback read the layer above as the pass left it; the basal inputs stay
the feed-forward rates). Then
ΔW_k = mean_b r_{k−1} ⊗ (φ(u_k) − φ(û_k)), Δb_k = mean_b (φ(u_k) − φ(û_k)),
ΔW^IP = lr_ip·mean_b r_k ⊗ (φ(u^I) − φ(v̂^I)), ΔW^PI = lr_pi·mean_b r^I ⊗ (−v_A).
argv: DIR start.safetensors after.safetensors SETTLE_STEPS [iterate|sweep]"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

GLK, GB, GA, GD, GSOM, K = 0.1, 1.0, 0.8, 1.0, 0.5, 6
LR, LR_IP, LR_PI, HIGH, LOW = 0.5, 2.0, 0.5, 2.0, -1.0
data, start, after = sys.argv[1], read(sys.argv[2]), read(sys.argv[3])
settle_steps = int(sys.argv[4])
sweep = len(sys.argv) > 5 and sys.argv[5] == "sweep"
p = {k: v.astype(np.float64) for k, v in start.items()}
x = np.load(os.path.join(data, "x.npy")).astype(np.float64)
y = np.load(os.path.join(data, "y.npy"))
n = len(x)
L = max(int(k[1:]) for k in p if k[0] == "w" and k[1:].isdigit())
phi = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731
W = lambda k: p["w%d" % (k + 1)]  # noqa: E731
bias = lambda k: p.get("b%d" % (k + 1), 0.0)  # noqa: E731


def evaluate(uh0, u_hidden, target, top_down):
    r = [phi(u) for u in u_hidden]
    uh = [uh0] + [r[k - 1] @ W(k) + bias(k) for k in range(1, L)]
    u_out = uh[-1] if target is None else (
        ((GLK + GB) * uh[-1] + GSOM * target) / (GLK + GB + GSOM))
    u = list(u_hidden) + [u_out]
    r.append(phi(u_out))
    u_above, r_above = list(u), list(r)
    s = dict(uh=uh, r=r, vI={}, uI={}, rI={}, vA={}, next={})
    for k in (reversed(range(L - 1)) if top_down else range(L - 1)):
        vI = r[k] @ p["w%d_ip" % (k + 1)]
        uI = ((GLK + GD) * vI + GSOM * u_above[k + 1]) / (GLK + GD + GSOM)
        rI = phi(uI)
        vA = (r_above[k + 1] @ p["w%d_feedback" % (k + 2)].T
              + rI @ p["w%d_pi" % (k + 1)])
        nxt = uh[k] + GA / (GLK + GB + GA) * vA
        s["vI"][k], s["uI"][k], s["rI"][k], s["vA"][k] = vI, uI, rI, vA
        s["next"][k] = nxt
        if top_down:
            u_above[k], r_above[k] = nxt, phi(nxt)
    s["u"] = [s["next"][k] for k in range(L - 1)] + [u_out] if top_down else u
    return s


def circuit(target):
    uh0 = x @ W(0) + bias(0)
    u = [uh0]
    for k in range(1, L - 1):
        u.append(phi(u[-1]) @ W(k) + bias(k))
    if sweep:
        return evaluate(uh0, u, target, True)
    for _ in range(K):
        s = evaluate(uh0, u, target, False)
        u = [s["next"][k] for k in range(L - 1)]
    return evaluate(uh0, u, target, False)


def interneuron_updates(s):
    for k in range(L - 1):
        p["w%d_ip" % (k + 1)] += LR * LR_IP * s["r"][k].T @ (
            phi(s["uI"][k]) - phi(s["vI"][k])) / n
        p["w%d_pi" % (k + 1)] += LR * LR_PI * s["rI"][k].T @ (-s["vA"][k]) / n


for _ in range(settle_steps):
    s = circuit(None)
    print("apical mismatch %.6g" % sum(
        (s["vA"][k] ** 2).sum(1).mean() for k in range(L - 1)))
    interneuron_updates(s)
target = np.where(np.eye(W(L - 1).shape[1])[y] > 0, HIGH, LOW)
s = circuit(target)
for k in range(L):
    d = phi(s["u"][k]) - phi(s["uh"][k])
    p["w%d" % (k + 1)] += LR * (x if k == 0 else s["r"][k - 1]).T @ d / n
    if "b%d" % (k + 1) in p:
        p["b%d" % (k + 1)] += LR * d.mean(0)
interneuron_updates(s)
names = []
for k in range(L):
    names += [m for m in ("w%d" % (k + 1), "b%d" % (k + 1)) if m in p]
for k in range(L - 1):
    names += ["w%d_ip" % (k + 1), "w%d_pi" % (k + 1),
              "w%d_feedback" % (k + 2)]
for name in names:
    got = after[name].astype(np.float64)
    moved = np.abs(p[name] - start[name]).max()
    err = np.abs(got - p[name]).max() / max(moved, 1e-3)
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
