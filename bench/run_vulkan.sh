#!/usr/bin/env bash
#===- bench/run_vulkan.sh - The MLP training step on Vulkan and the CPU ---===#
#
# examples/fashion_mnist_mlp.json (784-256-256-10, SGD) built with
# `credoc build --train` for the CPU (oneDNN, one thread), the CPU's
# portable loops, and the Vulkan target on the device the executor picks
# (`credoc devices`; CREDO_VULKAN_DEVICE chooses), timed by one C program
# (bench/vulkan_steps.c: warm-up, then $STEPS steps on a fixed batch) at
# each batch size in $BATCHES (default "128"), in interleaved rounds
# ($ROUNDS, default 2). Where PyTorch sees a CUDA GPU, also
# ../shared/bench-ref/gpu_baseline.py (PyTorch CUDA) in the same run.
# Prints samples/s per round and the median; bench/results/vulkan.txt.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
rounds="${ROUNDS:-2}"
batches="${BATCHES:-128}"
steps="${STEPS:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1
out="$root/bench/results/vulkan.txt"
"$build/bin/credoc" devices | tee "$out"

for b in $batches; do
  for path in cpu reference vulkan; do
    case $path in
      cpu) flags=() ;;
      reference) flags=(--cpu-kernels reference) ;;
      vulkan) flags=(--target vulkan) ;;
    esac
    "$build/bin/credoc" build "$root/examples/fashion_mnist_mlp.json" --train \
      --batch "$b" "${flags[@]}" -o "$work/$path$b" > /dev/null
    clang-19 -O2 -I"$work/$path$b" -I"$root/runtime/include" \
      "$root/bench/vulkan_steps.c" -o "$work/steps_$path$b" \
      "$work/$path$b/libfashion_mnist_mlp.so" -L"$build/lib" -lcredo_runtime \
      -Wl,-rpath,"$build/lib" -Wl,-rpath,"$work/$path$b"
  done
done

for r in $(seq "$rounds"); do
  for b in $batches; do
    for path in cpu reference vulkan; do
      line="$("$work/steps_$path$b" "$b" "$steps")"
      echo "round $r batch $b $path: $line" | tee -a "$out"
    done
  done
done
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
    2> /dev/null; then
  python3 "$refs/gpu_baseline.py" /usr/share/datasets/fashion-mnist | tee -a "$out"
fi
echo "median samples/s per path and batch:" | tee -a "$out"
for b in $batches; do
  for path in cpu reference vulkan; do
    grep "batch $b $path:" "$out" | sed 's/.*samples\/s \([0-9.]*\).*/\1/' |
      sort -g | awk -v p="$path" -v b="$b" \
        '{v[NR]=$1} END {printf "  batch %s %-9s %10.1f\n", b, p, v[int((NR+1)/2)]}' |
      tee -a "$out"
  done
done
