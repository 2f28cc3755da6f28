"""The exponential's tail on a target against NumPy in f64.

make DIR: x.npy, 4096 points in [-80, 0] (the results stay normal numbers).
check DIR: the sigmoid and softmax that credoc run wrote into DIR/out,
each element's relative error to f64 at most 1e-6 (a few ulp; lavapipe's
own exp is off by up to 62 ulp at -80, 3.7e-6).
"""
import sys

import numpy as np

mode, work = sys.argv[1], sys.argv[2]
if mode == "make":
    np.save(f"{work}/x.npy", np.linspace(-80, 0, 4096, dtype=np.float32)[None, :])
    sys.exit(0)
x = np.load(f"{work}/x.npy").astype(np.float64)
expected = {
    "s": 1 / (1 + np.exp(-x)),
    "p": np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
}
for name, want in expected.items():
    got = np.load(f"{work}/out/{name}.npy").astype(np.float64)
    err = float(np.max(np.abs(got - want) / want))
    print(f"{'ok' if err <= 1e-6 else 'FAIL'} {name} max relative error {err:.2e}")
