"""Products wide enough for the contraction kernel's vector loads from
device memory, against NumPy in f64: a linear three-layer model
h = x·w1, z = h·w2, y = z·w3, loss = mean((y − t)²), and `credoc grad`'s
gradients. Its tiled products with more than one output per invocation
read their operands as vectors, both ways:
- by lines (an invocation's rows of A or columns of B at one step are
  consecutive elements): B = w1 and w2 in the forward pass, both operands
  of the weight gradients xᵀ·dH, hᵀ·dZ;
- by steps (a row's consecutive reduction steps are): A = x and h in the
  forward pass, and both operands of dH = dZ·w2ᵀ.
The first forward product and dH have 4 x 4 outputs per invocation
(vector<4>), the others 2 or 4 along a side, except z·w3 and zᵀ·dy (N = 8:
one output per invocation, element by element); K = 300 and 260 leave
partial k-tiles, M = 520 and N = 1000 partial tiles. argv: credoc workdir dtype...
Prints "wide products DTYPE: ok (max error E of max |g|)" per dtype."""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "Tools", "Inputs"))
from safetensors_np import read, write  # noqa: E402

credoc, work = sys.argv[1], sys.argv[2]
B, I, H, Z, O = 520, 300, 1000, 260, 8
os.makedirs(work, exist_ok=True)
for dtype in sys.argv[3:]:
    np_type = {"f32": np.float32, "f64": np.float64}[dtype]
    shapes = {"w1": [I, H], "w2": [H, Z], "w3": [Z, O]}
    model = {
        "format_version": 1, "name": "wide_" + dtype,
        "inputs": [{"name": "x", "shape": ["batch", I], "dtype": dtype},
                   {"name": "t", "shape": ["batch", O], "dtype": dtype}],
        "parameters": [{"name": n, "shape": s, "dtype": dtype,
                        "init": {"kind": "normal", "std": 0.05, "seed": 1}}
                       for n, s in shapes.items()],
        "nodes": [{"name": "h", "op": "dense", "inputs": ["x", "w1"]},
                  {"name": "z", "op": "dense", "inputs": ["h", "w2"]},
                  {"name": "y", "op": "dense", "inputs": ["z", "w3"]},
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
    p = {n: r.normal(0, 0.05 if n != "w3" else 0.2, s).astype(np_type)
         for n, s in shapes.items()}
    np.save(path("x.npy"), x)
    np.save(path("t.npy"), t)
    write(path("p.safetensors"), p)
    subprocess.run([credoc, "grad", path("model.json"), "--target", "vulkan",
                    "--params", path("p.safetensors"),
                    "--input", "x=" + path("x.npy"),
                    "--input", "t=" + path("t.npy"),
                    "-o", path("g.safetensors")],
                   check=True, stdout=subprocess.DEVNULL)
    g = read(path("g.safetensors"))
    x, t = x.astype(np.float64), t.astype(np.float64)
    w1, w2, w3 = (p[n].astype(np.float64) for n in ("w1", "w2", "w3"))
    h = x @ w1
    z = h @ w2
    y = z @ w3
    dy = 2 * (y - t) / y.size
    dz = dy @ w3.T
    dh = dz @ w2.T
    ref = {"loss": np.mean((y - t) ** 2), "grad.w3": z.T @ dy,
           "grad.w2": h.T @ dz, "grad.w1": x.T @ dh}
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
