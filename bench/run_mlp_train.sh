#!/usr/bin/env bash
#===- bench/run_mlp_train.sh - Credo vs PyTorch: MLP training -------------===#
#
# The Fashion-MNIST MLP (784-256-256-10, SGD lr 0.1, batch 128, 3 epochs,
# one thread): `credoc train` against PyTorch eager
# (../shared/bench-ref/mlp.py), interleaved in the same run.
# Results: bench/results/mlp_train.json and a table (bench/train_vs_torch.sh).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/bench/train_vs_torch.sh" "$root/examples/fashion_mnist_mlp.json" mlp.py \
  mlp_train.json "PyTorch eager"
