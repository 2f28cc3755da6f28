"""The steady-state dendritic rule of dendritic_tiny.json against NumPy: the
optional settle step (no nudging; W^IP and W^PI only), then one supervised
step over the whole set (SGD lr 0.5): the somatic potentials settle in 6
fixed-point iterations from the feed-forward ones, then
ΔW_k = mean_b r_{k−1} ⊗ (φ(u_k) − φ(û_k)), Δb_1 = mean_b (φ(u_1) − φ(û_1)),
ΔW^IP = lr_ip·mean_b r_1 ⊗ (φ(u^I) − φ(v̂^I)), ΔW^PI = lr_pi·mean_b r^I ⊗ (−v_A).
argv: DIR start.safetensors after.safetensors SETTLE_STEPS"""
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
p = {k: v.astype(np.float64) for k, v in start.items()}
x = np.load(os.path.join(data, "x.npy")).astype(np.float64)
y = np.load(os.path.join(data, "y.npy"))
n = len(x)
phi = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731


def circuit(target):
    uh1 = x @ p["w1"] + p["b1"]
    u1 = uh1.copy()
    for k in range(K + 1):
        r1 = phi(u1)
        uh2 = r1 @ p["w2"]
        u2 = uh2 if target is None else (
            ((GLK + GB) * uh2 + GSOM * target) / (GLK + GB + GSOM))
        r2 = phi(u2)
        vI = r1 @ p["w1_ip"]
        uI = ((GLK + GD) * vI + GSOM * u2) / (GLK + GD + GSOM)
        rI = phi(uI)
        vA = r2 @ p["w2_feedback"].T + rI @ p["w1_pi"]
        if k < K:
            u1 = uh1 + GA / (GLK + GB + GA) * vA
    return dict(uh1=uh1, u1=u1, r1=r1, uh2=uh2, u2=u2, vI=vI, uI=uI, rI=rI,
                vA=vA)


def interneuron_updates(s):
    p["w1_ip"] += LR * LR_IP * s["r1"].T @ (phi(s["uI"]) - phi(s["vI"])) / n
    p["w1_pi"] += LR * LR_PI * s["rI"].T @ (-s["vA"]) / n


for _ in range(settle_steps):
    s = circuit(None)
    print("apical mismatch %.6g" % ((s["vA"] ** 2).sum(1).mean()))
    interneuron_updates(s)
target = np.where(np.eye(3)[y] > 0, HIGH, LOW)
s = circuit(target)
d1 = phi(s["u1"]) - phi(s["uh1"])
d2 = phi(s["u2"]) - phi(s["uh2"])
p["w1"] += LR * x.T @ d1 / n
p["b1"] += LR * d1.mean(0)
p["w2"] += LR * s["r1"].T @ d2 / n
interneuron_updates(s)
for name in ["w1", "b1", "w2", "w1_ip", "w1_pi", "w2_feedback"]:
    got = after[name].astype(np.float64)
    moved = np.abs(p[name] - start[name]).max()
    err = np.abs(got - p[name]).max() / max(moved, 1e-3)
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
