#!/usr/bin/env bash
#===- scripts/main.sh - Install, build and run Credo's main job ------------===#
#
# Installs the dependencies, builds Credo, and runs the flagship example: the
# Fashion-MNIST MLP (examples/fashion_mnist_mlp.json). Today Credo validates
# the graph and compiles it to the credo dialect; the printed module is what
# the training and code-generation stages consume.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" credoc

model="$root/examples/fashion_mnist_mlp.json"
"$build/bin/credoc" check "$model"
"$build/bin/credoc" import "$model"
