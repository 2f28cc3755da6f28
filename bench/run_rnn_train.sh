#!/usr/bin/env bash
#===- bench/run_rnn_train.sh - Credo vs PyTorch: RNN training -------------===#
#
# The Elman RNN on row-by-row Fashion-MNIST (28 steps of 28 pixels, tanh,
# hidden 128, Adam 1e-3, batch 128, 3 epochs, one thread): `credoc train`
# against PyTorch nn.RNN (../shared/bench-ref/rnn.py), interleaved.
# Results: bench/results/rnn_train.json and a table (bench/train_vs_torch.sh).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec bash "$root/bench/train_vs_torch.sh" "$root/examples/fashion_mnist_rnn.json" rnn.py \
  rnn_train.json "PyTorch nn.RNN"
