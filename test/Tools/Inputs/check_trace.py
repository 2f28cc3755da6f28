"""Checks a `credoc run --trace` picture of raster.json: each drawn
neuron's potentials (the line's data-values and its points) and spike dots
against a step-by-step NumPy simulation of the LIF neurons (beta 0.9,
threshold THETA, reset by subtraction; the potential before the reset).

usage: check_trace.py TRACE.svg X.npy SAMPLE THETA NEURON...
"""
import re
import sys

import numpy as np

svg_path, x_path, sample, theta = sys.argv[1:5]
neurons = [int(n) for n in sys.argv[5:]]
x = np.atleast_1d(np.load(x_path)[int(sample)])
theta = np.float32(theta)
steps = 12

v = np.zeros_like(x)
s = np.zeros_like(x)
vs, ss = [], []
for t in range(steps):
    v = np.float32(0.9) * v + x - theta * s
    s = (v > theta).astype(np.float32)
    vs.append(v)
    ss.append(s)
vs, ss = np.array(vs), np.array(ss)

svg = open(svg_path).read()
assert svg.count('class="threshold"') == 1, "one population, one threshold"
assert re.search(r">θ = %s</text>" % re.escape("%.4g" % theta), svg)
lines = re.findall(r'<polyline class="potential" data-neuron="(\d+)" '
                   r'data-values="([^"]*)"[^>]* points="([^"]*)">', svg)
assert [int(n) for n, _, _ in lines] == neurons, lines
drawn = []  # (potentials, heights) of every line: one axis for all
for n, values, points in lines:
    n = int(n)
    got = np.array([float(a) for a in values.split()])
    assert got.shape == (steps,), got.shape
    assert np.allclose(got, vs[:, n], rtol=1e-6, atol=1e-6), (n, got, vs[:, n])
    # The points: uniform steps across, and up as the potential rises.
    xy = np.array([[float(c) for c in p.split(",")] for p in points.split()])
    assert len(xy) == steps
    assert np.allclose(np.diff(xy[:, 0]), np.diff(xy[:, 0])[0], atol=0.02)
    drawn.append((got, xy[:, 1]))
    dots = [int(t) for t in re.findall(
        r'<title>neuron %d spikes at step (\d+) ' % n, svg)]
    assert dots == list(np.nonzero(ss[:, n])[0]), (n, dots, ss[:, n])
    assert re.search(r">neuron %d \(%d spikes?\)</text>" % (n, len(dots)), svg)
    print("neuron %d: %d potentials and %d spikes as simulated"
          % (n, steps, len(dots)))
# Heights on one linear axis, up as the potential rises.
v_all = np.concatenate([a for a, _ in drawn])
y_all = np.concatenate([b for _, b in drawn])
slope, icept = np.polyfit(v_all, y_all, 1)
assert slope < 0 and np.abs(icept + slope * v_all - y_all).max() < 0.02
