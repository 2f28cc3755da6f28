"""Products wide enough for the contraction kernel's vector loads from
device memory, against NumPy in f64: h = x·w1 (B = w1 read as vector<2>),
y = h·w2, loss = mean((y − t)²), and `credoc grad`'s gradients, among them
dW1 = xᵀ·dH (A = xᵀ and B = dH both read as vector<4>; M = 1000, N = 520,
K = 260: partial tiles on every side). argv: credoc workdir dtype...
Prints "wide products DTYPE: ok (max error E of max |g| G)" per dtype."""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "Tools", "Inputs"))
from safetensors_np import read, write  # noqa: E402

credoc, work = sys.argv[1], sys.argv[2]
B, I, H, O = 260, 1000, 520, 8
os.makedirs(work, exist_ok=True)
for dtype in sys.argv[3:]:
    np_type = {"f32": np.float32, "f64": np.float64}[dtype]
    model = {
        "format_version": 1, "name": "wide_" + dtype,
        "inputs": [{"name": "x", "shape": ["batch", I], "dtype": dtype},
                   {"name": "t", "shape": ["batch", O], "dtype": dtype}],
        "parameters": [
            {"name": "w1", "shape": [I, H], "dtype": dtype,
             "init": {"kind": "normal", "std": 0.05, "seed": 1}},
            {"name": "w2", "shape": [H, O], "dtype": dtype,
             "init": {"kind": "normal", "std": 0.05, "seed": 2}}],
        "nodes": [{"name": "h", "op": "dense", "inputs": ["x", "w1"]},
                  {"name": "y", "op": "dense", "inputs": ["h", "w2"]},
                  {"name": "loss", "op": "mse", "inputs": ["y", "t"]}],
        "outputs": ["loss"],
        "training": {"loss": "loss", "batch_size": B,
                     "optimizer": {"type": "sgd", "lr": 0.1}}}
    path = lambda name: os.path.join(work, f"{dtype}_{name}")  # noqa: E731
    with open(path("model.json"), "w") as f:
        json.dump(model, f)
    r = np.random.RandomState(7)
    x = r.uniform(-1, 1, (B, I)).astype(np_type)
    t = r.uniform(-1, 1, (B, O)).astype(np_type)
    w1 = r.normal(0, 0.05, (I, H)).astype(np_type)
    w2 = r.normal(0, 0.05, (H, O)).astype(np_type)
    np.save(path("x.npy"), x)
    np.save(path("t.npy"), t)
    write(path("p.safetensors"), {"w1": w1, "w2": w2})
    subprocess.run([credoc, "grad", path("model.json"), "--target", "vulkan",
                    "--params", path("p.safetensors"),
                    "--input", "x=" + path("x.npy"),
                    "--input", "t=" + path("t.npy"),
                    "-o", path("g.safetensors")],
                   check=True, stdout=subprocess.DEVNULL)
    g = read(path("g.safetensors"))
    x, t, w1, w2 = (a.astype(np.float64) for a in (x, t, w1, w2))
    h = x @ w1
    y = h @ w2
    dy = 2 * (y - t) / y.size
    ref = {"loss": np.mean((y - t) ** 2), "grad.w2": h.T @ dy,
           "grad.w1": x.T @ (dy @ w2.T)}
    tol = {"f32": 1e-5, "f64": 1e-12}[dtype]
    worst = 0.0
    for name, want in ref.items():
        got = g[name].astype(np.float64)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        scale = np.max(np.abs(want))
        error = np.max(np.abs(got - want))
        assert error <= tol * scale, (dtype, name, error, scale)
        worst = max(worst, error / scale)
    print(f"wide products {dtype}: ok (max error {worst:.1e} of max |g|)")
