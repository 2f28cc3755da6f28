"""The coagent rule's act/learn steps against NumPy: the gridworld model
(examples/gridworld_coagent.json, TD critic) trained for a few episodes by
credoc equals a NumPy run of the same rule (coagent.py's equations) that
draws the same keyed Philox numbers: the same actions, the same returns, and
the same parameters after the last step. argv: INIT.safetensors
TRAINED.safetensors METRICS.jsonl EPISODES."""
import json
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "spiking"))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "..", "Tools", "Inputs"))
import philox  # noqa: E402
import safetensors_np  # noqa: E402

init = safetensors_np.read(sys.argv[1])
trained = safetensors_np.read(sys.argv[2])
metrics = [json.loads(line) for line in open(sys.argv[3])]
episodes = int(sys.argv[4])
f = np.float32
w1, b1, w2, b2, v = (init[k].astype(f) for k in ("w1", "b1", "w2", "b2", "v"))
seed = int(init["rng"][0])
assert seed == 7 and int(init["rng"][1]) == 0
lr, critic_lr, gamma = f(0.05), f(0.2), f(1.0)
moves = [(0, 1), (1, 0), (0, -1), (-1, 0)]
sig = lambda x: (1 / (1 + np.exp(-x.astype(np.float64)))).astype(f)  # noqa: E731
k, disc, returns, close = 0, f(1), [], 0
for ep in range(episodes):
    r, c, ret = 0, 0, 0.0
    for t in range(50):
        x = np.zeros((1, 25), f)
        x[0, r * 5 + c] = 1
        n = 2 * k  # act and learn each advance the generator once
        ph = sig(x @ w1 + b1)
        uh = philox.uniforms((1, 32), seed, 2, 0, n)
        close += int(np.sum(np.abs(uh - ph) < 1e-6))
        h = (uh < ph).astype(f)
        al = (h @ w2 + b2).astype(np.float64)
        e = np.exp(al - al.max())
        ua = philox.uniforms((1,), seed, 4, 0, n)[0]
        a = min(int(np.sum(np.cumsum(e) <= ua * e.sum())), 3)
        pa = (e / e.sum()).astype(f)
        score_a = -pa
        score_a[0, a] += 1
        tw1, tb1 = x.T @ (h - ph), (h - ph)[0]
        tw2, tb2 = h.T @ score_a, score_a[0]
        v_s = (x @ v)[0, 0]
        r2 = min(max(r + moves[a][0], 0), 4)
        c2 = min(max(c + moves[a][1], 0), 4)
        done = (r2, c2) == (4, 4)
        last = done or t == 49
        v_next = v[r2 * 5 + c2, 0]
        delta = f(-1) + (f(0) if done else gamma * v_next) - v_s
        step = lr * disc * delta
        w1, b1 = w1 + step * tw1, b1 + step * tb1
        w2, b2 = w2 + step * tw2, b2 + step * tb2
        v = v + critic_lr * delta * x.T
        disc = f(1) if last else disc * gamma
        ret -= 1
        k += 1
        r, c = r2, c2
        if done:
            break
    returns.append(ret)
got = [m["return"] for m in metrics]
assert got == returns, (got, returns)
print("returns: ok (%s)" % ", ".join("%g" % x for x in returns))
for name, want in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2), ("v", v)):
    err = np.max(np.abs(trained[name] - want))
    assert err < 1e-4, (name, err)
print("parameters: ok after %d steps (%d uniforms within 1e-6 of a threshold)" % (k, close))
