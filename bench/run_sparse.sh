#!/usr/bin/env bash
#===- bench/run_sparse.sh - Credo vs PyTorch: sparse-index layers ---------===#
#
# Two measurements, one thread, Credo and PyTorch (../shared/bench-ref/
# sparse.py) interleaved in the same run for $ROUNDS rounds (default 2):
#  1. Fixed sparse layer: one training pass (forward, gradients of the input
#     and of the non-zeros) of x[128, 1024]·W[1024, 1024] at densities
#     1-50 %: Credo's sparse-contraction kernels and its dense oneDNN product
#     (bench/sparse_layer.cpp) against torch.sparse.mm and x @ W.
#  2. Sparse hyperlayer on the identity task, n = 16, 3,000 Adam steps:
#     `credoc train` of examples/sparse_identity.json with sparse.py's
#     sampling settings (4 global points, sigma_scale 0.1) against sparse.py
#     --part hyper, and of the example as shipped (8 global points,
#     sigma_scale 0.2); training steps per second and the diagonal fraction
#     reached.
# Results: bench/results/sparse.json and Markdown tables on stdout.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
rounds="${ROUNDS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1

clang++-19 -O2 -std=c++17 -I"$root/runtime/include" \
  "$root/bench/sparse_layer.cpp" -o "$work/sparse_layer" -L"$build/lib" \
  -lcredo_runtime -Wl,-rpath,"$build/lib"
python3 - "$root/examples/sparse_identity.json" "$work/reference.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["nodes"][0]["attributes"].update({"global": 4, "local": 4, "region": 4,
                                    "sigma_scale": 0.1})
json.dump(m, open(sys.argv[2], "w"))
PY
for r in $(seq "$rounds"); do
  "$work/sparse_layer" 20 > "$work/credo_fixed$r.jsonl"
  REFS_OUT="$work/torch_fixed$r" python3 "$refs/sparse.py" --part fixed \
    --tag "_fixed$r" > "$work/torch_fixed$r.log" 2>&1
  "$build/bin/credoc" train "$work/reference.json" --threads 1 \
    --metrics "$work/credo_hyper$r.jsonl" --checkpoint "$work/hyper$r.st" \
    > "$work/credo_hyper$r.log"
  "$build/bin/credoc" train "$root/examples/sparse_identity.json" --threads 1 \
    --metrics "$work/credo_example$r.jsonl" --checkpoint "$work/example$r.st" \
    > "$work/credo_example$r.log"
  REFS_OUT="$work/torch_hyper$r" python3 "$refs/sparse.py" --part hyper \
    --n 16 --steps 3000 --seeds 0 --tag "_hyper$r" > "$work/torch_hyper$r.log" 2>&1
done

python3 - "$work" "$rounds" "$root/bench/results/sparse.json" <<'PY'
import glob, json, math, os, statistics, struct, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median

def torch_json(kind, r):
    return json.load(open(glob.glob(os.path.join(work, f"torch_{kind}{r}", "*.json"))[0]))

def diagonal(path, n):
    """The fraction of tuples whose rounded mean is on the diagonal."""
    b = open(path, "rb").read()
    size = struct.unpack("<Q", b[:8])[0]
    s, e = json.loads(b[8:8 + size])["mu"]["data_offsets"]
    mu = struct.unpack("<%df" % ((e - s) // 4), b[8 + size + s:8 + size + e])
    pos = [min(max(round(1 / (1 + math.exp(-m)) * (n - 1)), 0), n - 1) for m in mu]
    return sum(pos[k] == pos[k + 1] for k in range(0, len(pos), 2)) / (len(pos) / 2)

fixed = {}
for r in range(1, rounds + 1):
    for l in open(os.path.join(work, f"credo_fixed{r}.jsonl")):
        m = json.loads(l)
        f = fixed.setdefault(m["density"], {"credo_sparse": [], "credo_dense": [],
                                             "torch_sparse": [], "torch_dense": []})
        f["credo_sparse"].append(m["sparse_steps_per_s"])
        f["credo_dense"].append(m["dense_steps_per_s"])
    for m in torch_json("fixed", r)["fixed"]:
        f = fixed[round(m["density"], 2)]
        f["torch_sparse"].append(m["sparse_steps_per_s"])
        f["torch_dense"].append(m["dense_steps_per_s"])
rows = []
print("| density | Credo sparse | Credo dense (oneDNN) | PyTorch sparse | PyTorch dense | Credo sparse / Credo dense | Credo sparse / PyTorch sparse |")
print("|---|---|---|---|---|---|---|")
for d in sorted(fixed):
    f = {k: med(v) for k, v in fixed[d].items()}
    f["density"] = d
    rows.append(f)
    print(f"| {d * 100:.0f} % | {f['credo_sparse']:.0f} | {f['credo_dense']:.0f} | {f['torch_sparse']:.0f} | {f['torch_dense']:.0f} "
          f"| {f['credo_sparse'] / f['credo_dense']:.2f}x | {f['credo_sparse'] / f['torch_sparse']:.1f}x |")
below = [f["density"] for f in rows if f["credo_sparse"] > f["credo_dense"]]
print(f"\nCredo's sparse layer beats its dense oneDNN product up to {max(below) * 100:.0f} % density (passes/s, medians of {rounds} rounds)." if below else "\nNo density where the sparse layer wins.")

hyper = {"credo_steps_per_s": [], "torch_steps_per_s": [], "credo_diagonal": [], "torch_diagonal": [],
         "credo_eval_loss": [], "torch_eval_loss": [], "example_steps_per_s": [],
         "example_eval_loss": [], "example_diagonal": []}
for r in range(1, rounds + 1):
    m = [json.loads(l) for l in open(os.path.join(work, f"credo_hyper{r}.jsonl"))][-1]
    hyper["credo_steps_per_s"].append(m["samples_per_s"] / 64)
    hyper["credo_eval_loss"].append(m["test_loss"])
    hyper["credo_diagonal"].append(diagonal(os.path.join(work, f"hyper{r}.st"), 16))
    m = [json.loads(l) for l in open(os.path.join(work, f"credo_example{r}.jsonl"))][-1]
    hyper["example_steps_per_s"].append(m["samples_per_s"] / 64)
    hyper["example_eval_loss"].append(m["test_loss"])
    hyper["example_diagonal"].append(diagonal(os.path.join(work, f"example{r}.st"), 16))
    t = torch_json("hyper", r)["hyper"][0]
    hyper["torch_steps_per_s"].append(t["steps_per_s"])
    hyper["torch_eval_loss"].append(t["eval_loss_rounded"])
    hyper["torch_diagonal"].append(t["diagonal_fraction"])
h = {k: med(v) for k, v in hyper.items()}
h["speedup"] = h["credo_steps_per_s"] / h["torch_steps_per_s"]
print("\n| identity n = 16, 3,000 steps | steps/s | rounded-evaluation loss | tuples on the diagonal |")
print("|---|---|---|---|")
print(f"| Credo, sparse.py's settings | {h['credo_steps_per_s']:.0f} | {h['credo_eval_loss']:.3f} | {h['credo_diagonal']:.3f} |")
print(f"| PyTorch (sparse.py) | {h['torch_steps_per_s']:.0f} | {h['torch_eval_loss']:.3f} | {h['torch_diagonal']:.3f} |")
print(f"| Credo, the example (8 global, sigma_scale 0.2) | {h['example_steps_per_s']:.0f} | {h['example_eval_loss']:.3f} | {h['example_diagonal']:.3f} |")
print(f"\nCredo / PyTorch: {h['speedup']:.1f}x training steps per second")
json.dump({"fixed": rows, "hyper": h, "rounds": rounds}, open(out, "w"), indent=2)
PY
