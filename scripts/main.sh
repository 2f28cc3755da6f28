#!/usr/bin/env bash
#===- scripts/main.sh - Install, build and run Credo's main job ------------===#
#
# Installs the dependencies, builds Credo, and runs the flagship example: the
# Fashion-MNIST MLP (examples/fashion_mnist_mlp.json). Credo validates the
# graph, prints its credo module, and compiles it to a native library with a
# C API (out/fashion_mnist_mlp/). Training arrives with generated backprop.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" credoc credo_runtime

model="$root/examples/fashion_mnist_mlp.json"
"$build/bin/credoc" check "$model"
"$build/bin/credoc" import "$model"
"$build/bin/credoc" build "$model" -o "$root/out/fashion_mnist_mlp"
