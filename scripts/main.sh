#!/usr/bin/env bash
#===- scripts/main.sh - Install, build and run Credo's main job ------------===#
#
# Installs the dependencies, builds Credo, and runs the flagship example:
# trains the Fashion-MNIST MLP 784-256-256-10 (examples/fashion_mnist_mlp.json:
# SGD lr 0.1, batch 128, 5 epochs) with a compiled training step and prints
# the test accuracy after every epoch; then writes the trained model as a
# linkable library with a C API (out/fashion_mnist_mlp/).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" credoc credo_runtime

model="$root/examples/fashion_mnist_mlp.json"
out="$root/out/fashion_mnist_mlp"
mkdir -p "$out"
"$build/bin/credoc" check "$model"
"$build/bin/credoc" train "$model" --checkpoint "$out/params.safetensors" \
  --metrics "$out/metrics.jsonl"
"$build/bin/credoc" build "$model" -o "$out"
