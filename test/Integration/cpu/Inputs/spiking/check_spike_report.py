"""Makes the data of spike_report.json (argv: make DIR) or checks credoc's
spike report against a NumPy simulation of the same populations (argv:
check DIR LOG METRICS [PLOT.svg]; the picture's histograms of the last
epoch's firing rates too, from their bars' tooltips): per epoch, every training sample is seen once, so
the rates and the silent and saturated neurons follow from the data alone.
Current 0 is 5 (fires whenever it may: saturated), current 1 is 0 (silent),
current 2 is random."""
import os
import re
import sys

import numpy as np

import spike_report

T, N = 6, 64


def simulate(x, t_ref):
    B = x.shape[0]
    v, r = np.zeros((B, 3), np.float32), np.zeros((B, 3), np.float32)
    total = np.zeros(3)
    for t in range(T):
        s_prev = (v > 1).astype(np.float32)
        v = np.float32(0.9) * v + x[:, t] - s_prev
        if t_ref:
            v = np.where(r > 0, np.float32(0), v)
        s = (v > 1).astype(np.float32)
        if t_ref:
            r = np.where(s > 0, t_ref, np.maximum(r - 1, 0))
        total += s.sum(0)
    return total


if sys.argv[1] == "make":
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(4)
    for split, n in (("train", N), ("test", 32)):
        x = np.zeros((n, T, 3), np.float32)
        x[:, :, 0] = 5
        x[:, :, 2] = rng.uniform(0, 1.5, (n, T))
        np.save(os.path.join(out, split + "_x.npy"), x)
        np.save(os.path.join(out, split + "_y.npy"), rng.randint(0, 2, n).astype(np.int32))
    sys.exit(0)

data, log, metrics = sys.argv[2], open(sys.argv[3]).read(), sys.argv[4]
x = np.load(os.path.join(data, "train_x.npy"))
for name, t_ref in (("free", 0), ("refr", 2)):
    total = simulate(x, t_ref)
    rate = spike_report.check(name, total, N, T, N * ((T + t_ref) // (t_ref + 1)),
                              log, metrics)
    if len(sys.argv) > 5:
        # The panel "NAME: firing rates, epoch 2", then its 22 bars: silent,
        # 20 bins of (0, saturation), saturated; one neuron in each of the
        # silent bar, the bin of the third neuron's rate, the saturated bar.
        svg = open(sys.argv[5]).read()
        at = svg.index(">%s: firing rates, epoch 2<" % name)
        bars = re.findall(r'class="rate-bar"[^>]*><title>([^<]*): (\d+) neurons?</title>',
                          svg[at:])[:22]
        counts = [int(c) for _, c in bars]
        top = ((T + t_ref) // (t_ref + 1)) / T
        third = total[2] / (N * T)
        want = [0] * 22
        want[0] = want[21] = 1
        want[1 + min(19, int(third / top * 20))] += 1
        assert counts == want, (name, counts, want, bars)
        assert bars[0][0].startswith("silent") and bars[21][0].startswith("saturated")
        assert ("3 neurons, mean %.4f spikes/step, 1 silent, 1 saturated" % rate) in svg
    print("%s: ok (rate %.4f)" % (name, rate))
