#!/usr/bin/env bash
#===- bench/run_snn_memory.sh - SNN BPTT memory: Credo and PyTorch --------===#
#
# Memory of one surrogate-gradient BPTT step of the Fashion-MNIST SNN
# (784-256-10, batch 128) at T = 25 and 100 steps. Credo: the working
# memory of `credoc grad` (the most bytes of intermediate buffers the
# generated code held at once, credo_memory_peak), with --time-memory store
# and recompute. PyTorch: the growth of peak RSS over one forward and
# backward pass of ../shared/bench-ref/snn.py's model (bench/
# snn_memory_torch.py), which holds its saved activations and temporaries.
# Results: bench/results/snn_memory.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
py=/usr/bin/python3
export OMP_NUM_THREADS=1

$py -c "import numpy as np; r = np.random.RandomState(0); np.save('$work/x.npy', r.rand(128, 784).astype(np.float32)); np.save('$work/labels.npy', r.randint(0, 10, 128).astype(np.int32))"
for T in 25 100; do
  sed "s/\"steps\": 25/\"steps\": $T/" "$root/examples/fashion_mnist_snn.json" > "$work/snn$T.json"
  for mode in store recompute; do
    "$build/bin/credoc" grad "$work/snn$T.json" --input "x=$work/x.npy" \
      --input "labels=$work/labels.npy" --time-memory "$mode" \
      -o "$work/g.safetensors" |
      sed -nE 's/.*working memory of the gradient computation ([0-9.]+) MiB.*/\1/p' \
        > "$work/$mode$T"
  done
  $py "$root/bench/snn_memory_torch.py" "$refs" "$T" > "$work/torch$T"
done

$py - "$work" "$root/bench/results/snn_memory.json" <<'PY'
import json, sys
work, out = sys.argv[1], sys.argv[2]
read = lambda n: float(open("%s/%s" % (work, n)).read())
rows = []
print("| T | Credo, store | Credo, recompute | PyTorch (peak RSS growth) |")
print("|---|---|---|---|")
for T in (25, 100):
    r = {"T": T, "credo_store_mib": read("store%d" % T),
         "credo_recompute_mib": read("recompute%d" % T),
         "torch_mib": read("torch%d" % T)}
    rows.append(r)
    print("| %d | %.1f MiB | %.1f MiB | %.1f MiB |" % (
        T, r["credo_store_mib"], r["credo_recompute_mib"], r["torch_mib"]))
json.dump(rows, open(out, "w"), indent=2)
PY
