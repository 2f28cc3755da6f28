"""Checks a `credoc run --raster` picture of raster.json: the spikes drawn
for each population (the marks' places and each neuron's tooltip) against
a step-by-step NumPy simulation of the LIF neurons (beta 0.9, threshold 1,
reset by subtraction) and against the Poisson spikes the run wrote as .npy.

usage: check_raster.py RASTER.svg X.npy SAMPLE POISSON.npy
"""
import re
import sys

import numpy as np

svg_path, x_path, sample, poisson_path = sys.argv[1:5]
sample = int(sample)
x = np.atleast_1d(np.load(x_path)[sample])  # one neuron per sample: [batch]
steps = 12

# Independent LIF: v' = beta*v + I - theta*s_prev, s = H(v' - theta).
v = np.zeros_like(x)
s = np.zeros_like(x)
lif = []
for t in range(steps):
    v = np.float32(0.9) * v + x - np.float32(1.0) * s
    s = (v > 1.0).astype(np.float32)
    lif.append(s)
expected = {"loop.p": np.load(poisson_path)[:, sample].reshape(steps, -1) != 0,
            "loop.n": np.array(lif) != 0}

svg = open(svg_path).read()
# Panels in order: heading, plot area, marks.
panels = re.split(r'font-weight="bold">', svg)[1:]
seen = []
for panel in panels:
    name = panel[:panel.index("<")]
    head = re.search(r"(\d+) neurons? × (\d+) steps?: (\d+) spikes?, "
                     r"mean rate ([0-9.]+) spikes/step, (\d+) silent", panel)
    n, T, total, rate, silent = head.groups()
    n, T = int(n), int(T)
    want = expected[name]
    assert want.shape == (T, n), (name, want.shape, T, n)
    assert int(total) == want.sum(), (name, total, want.sum())
    assert int(silent) == (want.sum(0) == 0).sum(), (name, silent)
    assert abs(float(rate) - want.mean()) < 1e-4, (name, rate)
    area = re.search(r'<rect x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" '
                     r'height="([0-9.]+)" fill="#f7f7f7"', panel)
    left, top, width, height = map(float, area.groups())
    col, row, bottom = width / T, height / n, top + height
    got = np.zeros((T, n), bool)
    for d, title in re.findall(r'<path class="spikes" d="([^"]*)"[^>]*>'
                               r'<title>([^<]*)</title>', panel):
        m = re.fullmatch(r"(\S+) neuron (\d+): (\d+) spikes?, at steps? "
                         r"([0-9, ]+)", title)
        assert m and m.group(1) == name, title
        k = int(m.group(2))
        listed = [int(t) for t in m.group(4).split(", ")]
        assert int(m.group(3)) == len(listed), title
        assert listed == list(np.nonzero(want[:, k])[0]), (title, want[:, k])
        # Each mark: M x y h w v h h -w z, one run of consecutive steps.
        marked = []
        for mx, my, mw, mh in re.findall(
                r"M([0-9.]+) ([0-9.]+)h([0-9.]+)v([0-9.]+)h-[0-9.]+z", d):
            first = (float(mx) - left) / col
            count = (float(mw) + 1) / col
            assert abs(first - round(first)) < 0.05, (mx, first)
            assert abs(count - round(count)) < 0.05, (mw, count)
            # Neuron k's row spans [bottom - (k+1)·row, bottom - k·row].
            assert abs(float(my) - (bottom - (k + 1) * row)) < 0.01, (my, k)
            assert abs(float(mh) - row) < 0.01, (mh, row)
            marked += range(round(first), round(first) + round(count))
        assert marked == listed, (marked, listed)
        got[marked, k] = True
    assert (got == want).all(), (name, got.astype(int), want.astype(int))
    # The strip below: one bar per step, the population's spikes in it.
    bars = [(int(t), int(k)) for t, k in re.findall(
        r'<rect class="step-count"[^>]*><title>step (\d+): (\d+) spikes?'
        r'</title>', panel)]
    assert bars == list(enumerate(want.sum(1))), (name, bars)
    seen.append(name)
    print("%s: %d neurons, %d steps, %d spikes drawn as simulated"
          % (name, n, T, want.sum()))
assert seen == ["loop.p", "loop.n"], seen
