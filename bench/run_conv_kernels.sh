#!/usr/bin/env bash
#===- bench/run_conv_kernels.sh - Winograd vs direct convolution kernels ---===#
#
# The second convolution of the example CNN (batch 64, 32 -> 64 channels,
# 14 x 14, 5x5, padding 2) through Credo's kernels on one thread: Credo's
# Winograd kernels (the default) and oneDNN's direct convolutions
# (CREDO_WINOGRAD=0), interleaved for ROUNDS rounds (default 3), medians of
# 20 calls per pass and round. Results: bench/results/conv_kernels.json
# and a table on stdout.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1

clang++-19 -O2 -std=c++17 -I"$root/runtime/include" \
  "$root/bench/conv_kernels.cpp" -o "$work/conv_kernels" -L"$build/lib" \
  -lcredo_runtime -Wl,-rpath,"$build/lib"
for r in $(seq "${ROUNDS:-3}"); do
  "$work/conv_kernels" winograd >> "$work/runs.jsonl"
  CREDO_WINOGRAD=0 "$work/conv_kernels" direct >> "$work/runs.jsonl"
done

python3 - "$work/runs.jsonl" "$root/bench/results/conv_kernels.json" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
passes = ["forward_ms", "grad_input_ms", "grad_weight_bias_ms"]
res = {}
for label in ("winograd", "direct"):
    res[label] = {p: statistics.median(r[p] for r in runs if r["label"] == label)
                  for p in passes}
    res[label]["rounds"] = [r for r in runs if r["label"] == label]
json.dump(res, open(sys.argv[2], "w"), indent=2)
print("| ms per call | forward (+bias, ReLU) | input gradient | weight + bias gradient |")
print("|---|---|---|---|")
for label, name in (("winograd", "Credo Winograd"), ("direct", "oneDNN direct")):
    print(f"| {name} | " + " | ".join(f"{res[label][p]:.2f}" for p in passes) + " |")
print("| direct / Winograd | " + " | ".join(
    f"{res['direct'][p] / res['winograd'][p]:.2f}x" for p in passes) + " |")
PY
