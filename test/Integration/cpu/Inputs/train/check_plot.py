#!/usr/bin/env python3
"""`credoc train --plot`: the SVG parses, has a loss panel and an accuracy
panel with one point per epoch for train and test each, each legend lies
clear of the points (in the corner the lines cross least), and its last test
loss, test accuracy and training accuracy equal what NumPy computes from
the final checkpoint on the IDX files (an independent forward pass)."""
import gzip
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "Tools", "Inputs"))
from safetensors_np import read  # noqa: E402

svg, ckpt, data, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(svg).getroot()
titles = [e.text for e in root.iter(ns + "title")]
points = {}
for t in titles:
    m = re.match(r"(train|test), epoch (\d+): ([-0-9.e]+)$", t)
    if m:
        points.setdefault(m.group(1), []).append((int(m.group(2)), float(m.group(3))))
texts = [e.text for e in root.iter(ns + "text")]
assert "loss" in texts and "accuracy (%)" in texts, texts
# train and test loss, train and test accuracy: one point per epoch each.
assert len(points["train"]) == 2 * epochs, points
assert len(points["test"]) == 2 * epochs, points
# Each legend's ground covers no point of the curves.
boxes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
         for r in root.iter(ns + "rect") if r.get("fill-opacity")]
assert len(boxes) == 2, boxes
for c in root.iter(ns + "circle"):
    cx, cy = float(c.get("cx")), float(c.get("cy"))
    for (bx, by, bw, bh) in boxes:
        assert not (bx <= cx <= bx + bw and by <= cy <= by + bh), (cx, cy, bx, by)
print("legends: clear of the points")
test_loss = points["test"][epochs - 1][1]
test_acc = points["test"][-1][1]
train_acc = points["train"][-1][1]

p = {k: v.astype(np.float64) for k, v in read(ckpt).items()}
with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
    raw = f.read()
count = struct.unpack(">I", raw[4:8])[0]
x = np.frombuffer(raw[16:], np.uint8).reshape(count, -1) / 255.0
with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
    t = np.frombuffer(f.read()[8:], np.uint8).astype(int)
z = x @ p["w"] + p["b"]
m = z.max(1, keepdims=True)
loss = np.mean(np.log(np.exp(z - m).sum(1)) + m[:, 0] - z[np.arange(count), t])
acc = 100.0 * np.mean(z.argmax(1) == t)
with gzip.open(os.path.join(data, "train-images-idx3-ubyte.gz")) as f:
    raw = f.read()
n_train = struct.unpack(">I", raw[4:8])[0]
xt = np.frombuffer(raw[16:], np.uint8).reshape(n_train, -1) / 255.0
with gzip.open(os.path.join(data, "train-labels-idx1-ubyte.gz")) as f:
    tt = np.frombuffer(f.read()[8:], np.uint8).astype(int)
tr_acc = 100.0 * np.mean((xt @ p["w"] + p["b"]).argmax(1) == tt)
print("test loss %.4f (plot %.4f), test accuracy %.2f (plot %.2f), train accuracy %.2f (plot %.2f)"
      % (loss, test_loss, acc, test_acc, tr_acc, train_acc))
if abs(loss - test_loss) > 2e-4 or abs(acc - test_acc) > 1e-6 or abs(tr_acc - train_acc) > 1e-6:
    sys.exit("plot: mismatch")
print("plot: ok")
