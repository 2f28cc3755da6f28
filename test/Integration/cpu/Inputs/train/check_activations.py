#!/usr/bin/env python3
"""Dying-ReLU counters against NumPy. With the 8-image training set as one
batch, epoch 1's counters see the initial parameters: Pr[y > 0] of layer
h1 is the fraction of positive entries of x·w1 + b1, a dead unit is a
column with none. For the all-dead model, also checks that w1 got exactly
zero update (no gradient reaches a unit that never fires).

usage: check_activations.py DIR NAME"""
import gzip
import json
import os
import struct
import sys

import numpy as np


def read(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    return {k: np.frombuffer(blob[8 + n + v["data_offsets"][0]:
                                  8 + n + v["data_offsets"][1]],
                             np.float32).reshape(v["shape"])
            for k, v in header.items()}


d, name = sys.argv[1], sys.argv[2]
with gzip.open(os.path.join(d, "data", "train-images-idx3-ubyte.gz")) as f:
    x = np.frombuffer(f.read()[16:], np.uint8).reshape(8, 16) / 255.0
init = read(os.path.join(d, name + "-init.safetensors"))
z = x @ init["w1"].astype(np.float64) + init["b1"]
p_ref = float(np.mean(z > 0))
dead_ref = int(np.sum(~(z > 0).any(axis=0)))
m = json.loads(open(os.path.join(d, name + ".jsonl")).readline())["activations"]["h1"]
print(f"p_active {m['p_active']:.6f} reference {p_ref:.6f}; dead {m['dead']} reference {dead_ref}")
assert abs(m["p_active"] - p_ref) < 1e-6 and m["dead"] == dead_ref
after = read(os.path.join(d, name + "-ck.safetensors"))
if dead_ref == 4:
    assert np.array_equal(after["w1"], init["w1"]) and np.array_equal(after["b1"], init["b1"])
    assert not np.array_equal(after["b2"], init["b2"])
    print("dead layer: w1 and b1 unchanged, b2 updated")
