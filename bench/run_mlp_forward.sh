#!/usr/bin/env bash
#===- bench/run_mlp_forward.sh - Credo vs PyTorch: MLP forward -------------===#
#
# Forward throughput of the Fashion-MNIST MLP (784-256-256-10, no loss) at
# batch 1, 128 and 10000, single thread: Credo's generated library, a bare
# oneDNN matmul chain of the same shapes, and PyTorch eager
# (../shared/bench-ref/mlp.py, OpenBLAS), interleaved in the same run
# (Credo, PyTorch, Credo, PyTorch, ...). Also the time `credoc build` takes.
# Results: bench/results/mlp_forward.json and a Markdown table on stdout.
#
# Needs: a Credo build (scripts/build.sh), python3-torch and the OpenBLAS
# set-up of ../shared/bench-ref (see its README).
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

credoc="$build/bin/credoc"
for b in 1 128 10000; do
  start=$(date +%s.%N)
  "$credoc" build "$root/bench/models/mlp_inference.json" --batch "$b" \
    -o "$work/b$b" > /dev/null
  end=$(date +%s.%N)
  echo "{\"what\": \"credoc_build_seconds\", \"batch\": $b, \"seconds\": $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')}" >> "$work/credo.jsonl"
done
clang++-19 -O2 -std=c++17 -I"$root/runtime/include" "$root/bench/mlp_forward.cpp" \
  -o "$work/mlp_forward" -L"$build/lib" -lcredo_runtime -ldnnl -ldl \
  -Wl,-rpath,"$build/lib"

export OMP_NUM_THREADS=1
for r in $(seq "$rounds"); do
  "$work/mlp_forward" "$work" 1 128 10000 >> "$work/credo.jsonl"
  REFS_OUT="$work/torch$r" python3 "$refs/mlp.py" --threads 1 --seeds 0 \
    --epochs 1 --tag "_fwd$r" > "$work/torch$r.log" 2>&1
done

python3 - "$work" "$rounds" "$root/bench/results/mlp_forward.json" <<'PY'
import glob, json, os, statistics, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(os.path.join(work, "credo.jsonl"))]
torch = {}
for path in glob.glob(os.path.join(work, "torch*", "*.json")):
    inf = json.load(open(path))["inference"]["t1"]
    for k, v in inf.items():
        if isinstance(v, dict) and "median" in v:
            torch.setdefault(k, []).append(v["median"])
def med(xs):
    return statistics.median(xs) if xs else float("nan")
result = {"credoc_build_seconds": {}, "batch": {}}
for r in rows:
    if r["what"] == "credoc_build_seconds":
        result["credoc_build_seconds"][r["batch"]] = r["seconds"]
for b in (1, 128, 10000):
    c = med([r["samples_per_s"] for r in rows if r["what"] == "credo_forward" and r["batch"] == b])
    o = med([r["samples_per_s"] for r in rows if r["what"] == "bare_onednn_matmuls" and r["batch"] == b])
    t = med(torch.get("eager_bs%d" % b, []))
    m = med(torch.get("mkldnn_bs%d" % b, []))
    result["batch"][b] = {"credo": c, "bare_onednn": o, "torch_eager": t, "torch_mkldnn": m,
                          "credo_over_torch": c / t, "credo_over_bare_onednn": c / o}
json.dump(result, open(out, "w"), indent=2)
print("| batch | Credo samples/s | PyTorch eager | Credo / PyTorch | bare oneDNN matmuls | Credo / bare oneDNN |")
print("|---|---|---|---|---|---|")
for b, r in result["batch"].items():
    print(f"| {b} | {r['credo']:.0f} | {r['torch_eager']:.0f} | {r['credo_over_torch']:.2f}x | {r['bare_onednn']:.0f} | {r['credo_over_bare_onednn']:.0%} |")
print()
print("credoc build time (s):", {k: round(v, 2) for k, v in result["credoc_build_seconds"].items()})
PY
