"""Makes the data of nested_report.json (argv: make DIR) or checks credoc's
spike report of its two populations against a NumPy simulation (argv:
check DIR LOG METRICS): `fast` in a loop of 3 steps nested in one of 2 (its
state starts at zero in each run of the inner loop; 6 steps per sample),
`slow` in the outer loop, driven by fast's counts of each inner run (2
steps). Every training sample is seen once per epoch, and no spike depends
on a trained parameter, so the counts follow from the data alone. Current
0 is 5 (fires at every step: saturated), current 1 is 0 (silent), current
2 is random."""
import os
import sys

import numpy as np

import spike_report

TO, TI, N = 2, 3, 64


def lif_step(v, i):
    # Subtractive reset by the previous step's spike, then the spike.
    v = np.float32(0.9) * v + i - (v > 1).astype(np.float32)
    return v, (v > 1).astype(np.float32)


def simulate(x):
    B = x.shape[0]
    fast, slow = np.zeros(3), np.zeros(3)
    vs = np.zeros((B, 3), np.float32)
    for o in range(TO):
        vf = np.zeros((B, 3), np.float32)
        counts = np.zeros((B, 3), np.float32)
        for i in range(TI):
            vf, s = lif_step(vf, x[:, o, i])
            counts += s
        fast += counts.sum(0)
        vs, s = lif_step(vs, counts)
        slow += s.sum(0)
    return {"fast": (fast, TO * TI), "slow": (slow, TO)}


if sys.argv[1] == "make":
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(5)
    for split, n in (("train", N), ("test", 32)):
        x = np.zeros((n, TO, TI, 3), np.float32)
        x[..., 0] = 5
        x[..., 2] = rng.uniform(0, 1.5, (n, TO, TI))
        np.save(os.path.join(out, split + "_x.npy"), x)
        np.save(os.path.join(out, split + "_y.npy"), rng.randint(0, 2, n).astype(np.int32))
    sys.exit(0)

data, log, metrics = sys.argv[2], open(sys.argv[3]).read(), sys.argv[4]
x = np.load(os.path.join(data, "train_x.npy"))
for name, (total, steps) in simulate(x).items():
    assert 0 < total[2] < N * steps, (name, total)
    spike_report.check(name, total, N, steps, N * steps, log, metrics)
    print(name + ": ok")
