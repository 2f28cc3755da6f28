#!/usr/bin/env python3
"""Compares two `credoc grad` outputs (safetensors, f32 or f64) tensor by
tensor.

usage: compare_grads.py A B [--rtol R]

Each tensor of A must exist in B with the same shape, and
max|a - b| <= rtol * max(1, max|b|). Prints `NAME ok` or `NAME FAIL ...` per
tensor and exits non-zero on any mismatch."""
import argparse
import sys

import numpy as np

from safetensors_np import read


ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--rtol", type=float, default=1e-4)
args = ap.parse_args()
a, b = read(args.a), read(args.b)
failed = False
for name in sorted(a):
    if name not in b or a[name].shape != b[name].shape:
        print(f"{name} FAIL: missing or of another shape in {args.b}")
        failed = True
        continue
    err = float(np.abs(a[name] - b[name]).max())
    bound = args.rtol * max(1.0, float(np.abs(b[name]).max()))
    if err <= bound:
        print(f"{name} ok")
    else:
        print(f"{name} FAIL: max difference {err:.3e} > {bound:.3e}")
        failed = True
sys.exit(1 if failed else 0)
