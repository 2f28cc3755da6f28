#!/usr/bin/env bash
#===- bench/run_cnn_train.sh - Credo vs PyTorch: small CNN training --------===#
#
# One epoch of the small Fashion-MNIST CNN (conv5x5(32)-pool-conv5x5(64)-
# pool-dense(10), SGD lr 0.05, batch 64, one thread): `credoc train` and
# PyTorch eager (../shared/bench-ref/cnn.py), one after the other in the
# same run. Samples/s is 60000 / epoch wall time (evaluation excluded).
# Results: bench/results/cnn_train.json and a table on stdout.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1

/usr/bin/time -f "%M" -o "$work/credo_rss" "$build/bin/credoc" train \
  "$root/examples/fashion_mnist_cnn.json" --epochs 1 --threads 1 \
  --metrics "$work/credo.jsonl" > "$work/credo.log"
REFS_OUT="$work/torch" /usr/bin/time -f "%M" -o "$work/torch_rss" \
  python3 "$refs/cnn.py" --threads 1 --epochs 1 --no-infer > "$work/torch.log" 2>&1

python3 - "$work" "$root/bench/results/cnn_train.json" <<'PY'
import glob, json, os, sys
work, out = sys.argv[1], sys.argv[2]
m = json.loads(open(os.path.join(work, "credo.jsonl")).readline())
t = json.load(open(glob.glob(os.path.join(work, "torch", "*.json"))[0]))["summary"]["t1"]
res = {"credo_samples_per_s": 60000 / m["seconds"], "credo_acc_ep1": m["test_accuracy"],
       "torch_samples_per_s": t["samples_per_s_epoch1"], "torch_acc_ep1": 100 * t["acc_ep1"],
       "credo_peak_rss_mib": int(open(os.path.join(work, "credo_rss")).read().split()[-1]) / 1024,
       "torch_peak_rss_mib": int(open(os.path.join(work, "torch_rss")).read().split()[-1]) / 1024}
res["speedup"] = res["credo_samples_per_s"] / res["torch_samples_per_s"]
json.dump(res, open(out, "w"), indent=2)
print("| | samples/s (train) | test accuracy after 1 epoch | peak RSS |")
print("|---|---|---|---|")
print(f"| Credo | {res['credo_samples_per_s']:.0f} | {res['credo_acc_ep1']:.2f} % | {res['credo_peak_rss_mib']:.0f} MiB |")
print(f"| PyTorch eager | {res['torch_samples_per_s']:.0f} | {res['torch_acc_ep1']:.2f} % | {res['torch_peak_rss_mib']:.0f} MiB |")
print(f"\nCredo / PyTorch: {res['speedup']:.2f}x")
PY
