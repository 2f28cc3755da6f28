"""The full dynamics of the dendritic rule (dendritic_tiny.json with
"steady_state": false, "duration": 2, "dt": 0.1) against NumPy: one sample
presented for two patterns (two training steps, SGD lr 0.5), the
compartments, the input filter and the update traces carried from one
pattern to the next (zeros at first): per Euler step,
x̄ ← a₀x̄ + (1 − a₀)x, r = φ(u), û = dense(r_below), v_A = r_2·Bᵀ + φ(u^I)·W^PI,
u_1 ← (1 − dt·G)u_1 + dt·G·û_1 + dt·g_A·v_A (G = g_lk + g_B + g_A),
u_2 ← (1 − dt(g_lk + g_B + g_som))u_2 + dt(g_lk + g_B)û_2 + dt·g_som·u_tgt,
u^I ← (1 − dt(g_lk + g_D + g_som))u^I + dt(g_lk + g_D)v̂^I + dt·g_som·u_2,
each update rate low-pass filtered (τ_w) and integrated (dt) over the
pattern; the weights move by lr·(that integral) after each pattern.
argv: make DIR | check DIR start.safetensors after.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

if sys.argv[1] == "make":
    rng = np.random.RandomState(8)
    os.makedirs(sys.argv[2], exist_ok=True)
    np.save(os.path.join(sys.argv[2], "x.npy"),
            rng.randn(1, 6).astype(np.float32))
    np.save(os.path.join(sys.argv[2], "y.npy"), np.array([2], np.int32))
    sys.exit(0)

GLK, GB, GA, GD, GSOM = 0.1, 1.0, 0.8, 1.0, 0.5
LR, LR_IP, LR_PI, HIGH, LOW = 0.5, 2.0, 0.5, 2.0, -1.0
DT, STEPS, TAU0, TAUW = 0.1, 20, 3.0, 30.0
if len(sys.argv) > 5:  # a pattern of STEPS steps ("duration" STEPS·dt)
    STEPS = int(sys.argv[5])
data, start, after = sys.argv[2], read(sys.argv[3]), read(sys.argv[4])
p = {k: v.astype(np.float64) for k, v in start.items()}
x = np.load(os.path.join(data, "x.npy")).astype(np.float64)
y = np.load(os.path.join(data, "y.npy"))
phi = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731
target = np.where(np.eye(3)[y] > 0, HIGH, LOW)
names = ["w1_ip", "w1_pi", "w1", "b1", "w2"]
lrs = {"w1_ip": LR_IP, "w1_pi": LR_PI, "w1": 1, "b1": 1, "w2": 1}
s = {"w1_input": np.zeros((1, 6)), "w1_soma": np.zeros((1, 5)),
     "w2_soma": np.zeros((1, 3)), "w1_interneurons": np.zeros((1, 3))}
for n in names:
    s[n + "_trace"] = np.zeros_like(p[n])
a0, aw = np.exp(-DT / TAU0), np.exp(-DT / TAUW)
for pattern in range(2):
    acc = {n: np.zeros_like(p[n]) for n in names}
    for t in range(STEPS):
        xb = a0 * s["w1_input"] + (1 - a0) * x
        u1, u2, uI = s["w1_soma"], s["w2_soma"], s["w1_interneurons"]
        r1, r2, rI = phi(u1), phi(u2), phi(uI)
        uh1 = xb @ p["w1"] + p["b1"]
        uh2 = r1 @ p["w2"]
        vIh = r1 @ p["w1_ip"]
        vA = r2 @ p["w2_feedback"].T + rI @ p["w1_pi"]
        G = GLK + GB + GA
        n1 = (1 - DT * G) * u1 + DT * G * uh1 + DT * GA * vA
        n2 = (1 - DT * (GLK + GB + GSOM)) * u2 + DT * (GLK + GB) * uh2 \
            + DT * GSOM * target
        nI = (1 - DT * (GLK + GD + GSOM)) * uI + DT * (GLK + GD) * vIh \
            + DT * GSOM * u2
        d1, d2 = r1 - phi(uh1), r2 - phi(uh2)
        rate = {"w1_ip": r1.T @ (rI - phi(vIh)), "w1_pi": rI.T @ (-vA),
                "w1": xb.T @ d1, "b1": d1.mean(0), "w2": r1.T @ d2}
        for n in names:
            s[n + "_trace"] = aw * s[n + "_trace"] + (1 - aw) * rate[n]
            acc[n] += DT * s[n + "_trace"]
        s["w1_input"], s["w1_soma"], s["w2_soma"] = xb, n1, n2
        s["w1_interneurons"] = nI
    for n in names:
        p[n] += LR * lrs[n] * acc[n]
for name in names + ["w2_feedback"] + sorted(s):
    want = p[name] if name in p else s[name]
    got = after[name].astype(np.float64)
    scale = max(np.abs(want - start.get(name, 0 * want)).max(), 1e-3)
    err = np.abs(got - want).max() / scale
    print(name + ":", "ok" if err < 1e-4 else "MISMATCH", "(rel %.1e)" % err)
