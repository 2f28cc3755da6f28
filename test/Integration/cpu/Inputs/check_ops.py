#!/usr/bin/env python3
"""Runs one credo op through `credoc run` on both CPU paths (or the paths
given) and compares the outputs with NumPy, an independent implementation
of each op's equation.

usage: check_ops.py --credoc PATH --workdir DIR [--paths P,...] OP [OP ...]

Paths: dnnl and reference (the CPU kernels, the default), vulkan (the
Vulkan target; a validation-layer message fails the case).

For every case the script writes a one-node model (JSON), random inputs
(.npy) and parameters (safetensors, written here by hand from the format
spec), runs `credoc run --cpu-kernels=dnnl` and `--cpu-kernels=reference`,
and checks each output against NumPy within a tolerance (f32: rtol 1e-4,
atol 1e-5; f64: rtol 1e-10, atol 1e-12). Shapes come from a seeded random
generator, plus small hand-checkable cases. Prints one line per case and
exits non-zero on any mismatch.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "Tools", "Inputs"))
from safetensors_np import write as write_safetensors  # noqa: E402

RNG = np.random.default_rng(20261129)
DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64}
ST = {"f32": "F32", "f64": "F64", "i32": "I32", "i64": "I64"}


def conv2d(x, w, b, stride, pad):
    B, C, H, W = x.shape
    O, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    OH = (H + 2 * pad[0] - KH) // stride[0] + 1
    OW = (W + 2 * pad[1] - KW) // stride[1] + 1
    y = np.zeros((B, O, OH, OW), dtype=np.float64)
    for p in range(KH):
        for q in range(KW):
            patch = xp[:, :, p:p + stride[0] * OH:stride[0],
                       q:q + stride[1] * OW:stride[1]]
            y += np.einsum("bchw,oc->bohw", patch, w[:, :, p, q])
    if b is not None:
        y += b[None, :, None, None]
    return y


def pool2d(x, kernel, stride, pad, kind):
    B, C, H, W = x.shape
    OH = (H + 2 * pad[0] - kernel[0]) // stride[0] + 1
    OW = (W + 2 * pad[1] - kernel[1]) // stride[1] + 1
    y = np.zeros((B, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            r0, s0 = i * stride[0] - pad[0], j * stride[1] - pad[1]
            r = slice(max(r0, 0), min(r0 + kernel[0], H))
            s = slice(max(s0, 0), min(s0 + kernel[1], W))
            win = x[:, :, r, s]
            y[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" \
                else win.mean(axis=(2, 3))
    return y


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def rand(shape, dtype="f32", scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(DT[dtype])


def cases(op):
    """Yields (name, inputs{name: array}, params{name: array}, node, reference)."""
    if op == "dense":
        for dtype in ("f32", "f64"):
            for bias in (True, False):
                B, K, N = (int(v) for v in RNG.integers(1, 40, size=3))
                x, w = rand((B, K), dtype), rand((K, N), dtype)
                b = rand((N,), dtype)
                params = {"w": w, "b": b} if bias else {"w": w}
                ins = ["x", "w"] + (["b"] if bias else [])
                ref = x.astype(np.float64) @ w + (b if bias else 0)
                yield (f"{dtype} bias={bias} [{B}x{K}]x[{K}x{N}]", {"x": x},
                       params, {"op": "dense", "inputs": ins}, ref)
        # Hand-checkable: [[1, 2]] x [[1, 0], [0, 1]] + [10, 20] = [[11, 22]].
        yield ("hand 1x2", {"x": np.array([[1, 2]], np.float32)},
               {"w": np.eye(2, dtype=np.float32),
                "b": np.array([10, 20], np.float32)},
               {"op": "dense", "inputs": ["x", "w", "b"]},
               np.array([[11.0, 22.0]]))
    elif op == "conv2d":
        for dtype, stride, pad, bias in (("f32", (1, 1), (0, 0), True),
                                         ("f32", (2, 1), (1, 2), False),
                                         ("f32", (1, 2), (2, 2), True),
                                         ("f64", (2, 2), (1, 1), True)):
            B, C, O = (int(v) for v in RNG.integers(1, 5, size=3))
            KH, KW = (int(v) for v in RNG.integers(1, 4, size=2))
            H, W = KH + int(RNG.integers(0, 6)), KW + int(RNG.integers(0, 6))
            x, w, b = rand((B, C, H, W), dtype), rand((O, C, KH, KW), dtype), \
                rand((O,), dtype)
            params = {"w": w, "b": b} if bias else {"w": w}
            yield (f"{dtype} x[{B},{C},{H},{W}] w[{O},{C},{KH},{KW}] "
                   f"s{stride} p{pad} bias={bias}", {"x": x}, params,
                   {"op": "conv2d", "inputs": ["x", "w"] + (["b"] if bias else []),
                    "attributes": {"strides": list(stride), "padding": list(pad)}},
                   conv2d(x.astype(np.float64), w, b if bias else None, stride,
                          pad))
    elif op in ("max_pool2d", "avg_pool2d"):
        kind = op[:3]
        for dtype, kernel, stride, pad in (("f32", (2, 2), None, (0, 0)),
                                           ("f32", (3, 3), (2, 2), (1, 1)),
                                           ("f32", (3, 2), (1, 2), (1, 0)),
                                           ("f64", (2, 3), (2, 1), (1, 1))):
            B, C = (int(v) for v in RNG.integers(1, 4, size=2))
            H, W = (int(v) for v in RNG.integers(4, 9, size=2))
            x = rand((B, C, H, W), dtype)
            attrs = {"kernel": list(kernel), "padding": list(pad)}
            if stride:
                attrs["strides"] = list(stride)
            yield (f"{dtype} x[{B},{C},{H},{W}] k{kernel} s{stride} p{pad}",
                   {"x": x}, {}, {"op": op, "inputs": ["x"], "attributes": attrs},
                   pool2d(x.astype(np.float64), kernel, stride or kernel, pad,
                          kind))
    elif op in ("gather", "scatter_add", "sparse_contract"):
        # Index tuples with repeats (duplicates accumulate), flat and nested,
        # and a single tuple (indices [2]).
        for dtype, tuples in (("f32", (7,)), ("f64", (3, 4)), ("f32", (40, 5)),
                              ("f32", ()), ("f64", ())):
            B, N, M = (int(v) for v in RNG.integers(1, 25, size=3))
            idx = np.stack([RNG.integers(0, M, size=tuples),
                            RNG.integers(0, N, size=tuples)], -1).astype(np.int64)
            flat = idx.reshape(-1, 2)
            if op == "gather":
                x = rand((B, N), dtype)
                ref = x.astype(np.float64)[:, idx[..., 1]]
                yield (f"{dtype} x[{B},{N}] idx{list(idx.shape)}",
                       {"x": x, "idx": idx}, {},
                       {"op": "gather", "inputs": ["x", "idx"],
                        "attributes": {"column": 1}}, ref)
            elif op == "scatter_add":
                v = rand((B,) + tuples, dtype)
                ref = np.zeros((B, M))
                np.add.at(ref.T, flat[:, 0], v.reshape(B, -1).astype(np.float64).T)
                yield (f"{dtype} v[{B},{tuples}] into {M}",
                       {"v": v, "idx": idx}, {},
                       {"op": "scatter_add", "inputs": ["v", "idx"],
                        "attributes": {"size": M}}, ref)
            else:
                x, w = rand((B, N), dtype), rand(tuples, dtype)
                ref = np.zeros((B, M))
                np.add.at(ref.T, flat[:, 0],
                          (w.reshape(-1) * x.astype(np.float64)[:, flat[:, 1]]).T)
                yield (f"{dtype} x[{B},{N}] {list(idx.shape)} pairs into {M}",
                       {"x": x, "idx": idx}, {"w": w},
                       {"op": "sparse_contract", "inputs": ["idx", "w", "x"],
                        "attributes": {"size": M}}, ref)
    elif op == "flatten":
        x = rand((3, 2, 4, 5))
        yield ("[3,2,4,5]", {"x": x}, {}, {"op": "flatten", "inputs": ["x"]},
               x.reshape(3, -1))
    elif op == "reshape":
        x = rand((4, 6))
        yield ("[4,6] -> [2,-1,3]", {"x": x}, {},
               {"op": "reshape", "inputs": ["x"],
                "attributes": {"shape": [2, -1, 3]}}, x.reshape(2, 4, 3))
    elif op == "scale":
        # Factors outside f32's normal range scale an f32 tensor without
        # passing through inf or zero (1e39 · 1e-30 = 1e9).
        for dtype, factor in (("f32", 0.3), ("f64", -2.5), ("f32", 1e39),
                              ("f32", -1e-40), ("f32", 3e-45)):
            x = np.array([[0.0, 1e-30, -2e-35, 5e-33] if factor > 1e38 else
                          [0.0, 1e30, -2e20, 7.0]], DT[dtype])
            ref = x.astype(np.float64) * factor
            yield (f"{dtype} factor {factor:g}", {"x": x}, {},
                   {"op": "scale", "inputs": ["x"],
                    "attributes": {"factor": factor}}, ref)
    elif op in ("add", "sub", "mul"):
        for dtype in ("f32", "f64"):
            a, b = rand((5, 7), dtype), rand((5, 7), dtype)
            f = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op]
            yield (f"{dtype} [5,7]", {"a": a, "b": b}, {},
                   {"op": op, "inputs": ["a", "b"]}, f(a.astype(np.float64), b))
    elif op in ("relu", "sigmoid", "tanh", "softplus"):
        f = {"relu": lambda v: np.maximum(v, 0),
             "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "tanh": np.tanh,
             "softplus": lambda v: np.logaddexp(0, v)}[op]
        for dtype in ("f32", "f64"):
            x = rand((6, 33), dtype, scale=4)
            x[0, :4] = [0, -50, 50, 1e-3]
            yield (f"{dtype} [6,33]", {"x": x}, {},
                   {"op": op, "inputs": ["x"]}, f(x.astype(np.float64)))
        if op in ("tanh", "softplus"):
            # Where the result is tiny (tanh near 0, softplus far below 0),
            # relative to itself: a formula that cancels (e^2x - 1 over
            # e^2x + 1; log(1 + e^x) without log1p) fails here.
            for dtype in ("f32", "f64"):
                v = ([1e-30, -1e-8, 1e-6, -1e-4, 0.01, 0.29, -0.31]
                     if op == "tanh" else [-20, -30, -40, -50, -60])
                if dtype == "f32" and op == "softplus":
                    v = [-10, -15, -20, -30, -40]
                x = np.array([v], DT[dtype])
                yield (f"{dtype} near 0", {"x": x}, {},
                       {"op": op, "inputs": ["x"]}, f(x.astype(np.float64)),
                       (1e-5 if dtype == "f32" else 1e-10, 0.0))
    elif op == "softmax":
        for dtype, shape, axis in (("f32", (4, 10), -1), ("f32", (3, 5, 2), 1),
                                   ("f64", (2, 3, 4), 0)):
            x = rand(shape, dtype, scale=3)
            yield (f"{dtype} {list(shape)} axis={axis}", {"x": x}, {},
                   {"op": "softmax", "inputs": ["x"], "attributes": {"axis": axis}},
                   softmax(x.astype(np.float64), axis))
    elif op == "softmax_cross_entropy":
        for dtype, ldtype in (("f32", "i32"), ("f64", "i64"), ("f32", "i64")):
            B, C = int(RNG.integers(1, 20)), int(RNG.integers(2, 12))
            z = rand((B, C), dtype, scale=3)
            t = RNG.integers(0, C, size=B).astype(DT[ldtype])
            z64 = z.astype(np.float64)
            lse = np.log(np.exp(z64 - z64.max(1, keepdims=True)).sum(1)) + \
                z64.max(1)
            yield (f"{dtype}/{ldtype} [{B},{C}]", {"z": z, "t": t}, {},
                   {"op": "softmax_cross_entropy", "inputs": ["z", "t"]},
                   np.array(np.mean(lse - z64[np.arange(B), t])))
        # Huge logits close together: the loss is that of their differences
        # (ln 2 for a tie, ln(1 + e^-1) a logit below), not rounded away
        # against the logits' size.
        for dtype in ("f32", "f64"):
            z = np.array([[1e8, 1e8], [1e6, 1e6 + 1], [-3e7, -3e7]], DT[dtype])
            t = np.array([0, 1, 1], np.int32)
            ref = np.mean([np.log(2), np.log1p(np.exp(-1)), np.log(2)])
            yield (f"{dtype} huge logits", {"z": z, "t": t}, {},
                   {"op": "softmax_cross_entropy", "inputs": ["z", "t"]},
                   np.array(ref))
    elif op == "mse":
        for dtype in ("f32", "f64"):
            p, t = rand((7, 3), dtype), rand((7, 3), dtype)
            yield (f"{dtype} [7,3]", {"p": p, "t": t}, {},
                   {"op": "mse", "inputs": ["p", "t"]},
                   np.array(np.mean((p.astype(np.float64) - t) ** 2)))
    else:
        raise SystemExit(f"unknown op {op}")


def dtype_name(arr):
    return {np.float32: "f32", np.float64: "f64", np.int32: "i32",
            np.int64: "i64"}[arr.dtype.type]


def run_case(credoc, workdir, paths, op, index, name, inputs, params, node,
             ref, tolerance=None):
    case = os.path.join(workdir, f"{op}-{index}")
    os.makedirs(case, exist_ok=True)
    model = {
        "format_version": 1, "name": "m",
        "inputs": [{"name": k, "shape": list(v.shape), "dtype": dtype_name(v)}
                   for k, v in inputs.items()],
        "parameters": [{"name": k, "shape": list(v.shape),
                        "dtype": dtype_name(v), "init": "zeros"}
                       for k, v in params.items()],
        "nodes": [dict(node, name="y")],
        "outputs": ["y"],
    }
    with open(os.path.join(case, "model.json"), "w") as f:
        json.dump(model, f)
    args = [credoc, "run", os.path.join(case, "model.json")]
    for k, v in inputs.items():
        np.save(os.path.join(case, k + ".npy"), v)
        args += ["--input", f"{k}={os.path.join(case, k + '.npy')}"]
    if params:
        write_safetensors(os.path.join(case, "p.safetensors"), params)
        args += ["--params", os.path.join(case, "p.safetensors")]
    ok = True
    is64 = any(v.dtype == np.float64 for v in inputs.values())
    rtol, atol = tolerance or ((1e-10, 1e-12) if is64 else (1e-4, 1e-5))
    for kernels in paths:
        out = os.path.join(case, kernels)
        how = (["--target", "vulkan"] if kernels == "vulkan" else
               ["--cpu-kernels", kernels])
        proc = subprocess.run(args + how + ["--output", out],
                              capture_output=True, text=True)
        if "Validation" in proc.stdout + proc.stderr:
            print(f"FAIL {op} {name} [{kernels}]: validation message: "
                  f"{(proc.stdout + proc.stderr).strip()[:2000]}")
            ok = False
            continue
        if proc.returncode != 0:
            print(f"FAIL {op} {name} [{kernels}]: credoc exited "
                  f"{proc.returncode}: {proc.stderr.strip()}")
            ok = False
            continue
        got = np.load(os.path.join(out, "y.npy"))
        if got.shape != ref.shape:
            print(f"FAIL {op} {name} [{kernels}]: shape {got.shape} != "
                  f"{ref.shape}")
            ok = False
        elif not np.allclose(got, ref, rtol=rtol, atol=atol):
            err = np.max(np.abs(got - ref))
            print(f"FAIL {op} {name} [{kernels}]: max abs error {err:.3g}")
            ok = False
        else:
            err = np.max(np.abs(got - ref)) if ref.size else 0.0
            print(f"ok {op} {name} [{kernels}] max abs error {err:.2g}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--credoc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--paths", default="dnnl,reference")
    ap.add_argument("ops", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = True
    for op in args.ops:
        for i, case in enumerate(cases(op)):
            ok = run_case(args.credoc, args.workdir, args.paths.split(","),
                          op, i, *case) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
