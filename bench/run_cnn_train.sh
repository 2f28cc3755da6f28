#!/usr/bin/env bash
#===- bench/run_cnn_train.sh - Credo vs PyTorch: small CNN training --------===#
#
# One epoch of the small Fashion-MNIST CNN (conv5x5(32)-pool-conv5x5(64)-
# pool-dense(10), SGD lr 0.05, batch 64, one thread): `credoc train` and
# PyTorch eager (../shared/bench-ref/cnn.py), interleaved for ROUNDS rounds
# (default 2) in the same run; medians. Samples/s is 60000 / epoch wall
# time (evaluation excluded).
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

rounds="${ROUNDS:-2}"
for r in $(seq "$rounds"); do
  /usr/bin/time -f "%M" -o "$work/credo_rss$r" "$build/bin/credoc" train \
    "$root/examples/fashion_mnist_cnn.json" --epochs 1 --threads 1 \
    --metrics "$work/credo$r.jsonl" > "$work/credo$r.log"
  REFS_OUT="$work/torch$r" /usr/bin/time -f "%M" -o "$work/torch_rss$r" \
    python3 "$refs/cnn.py" --threads 1 --epochs 1 --no-infer --tag "_r$r" \
    > "$work/torch$r.log" 2>&1
done

python3 - "$work" "$rounds" "$root/bench/results/cnn_train.json" <<'PY'
import glob, json, os, statistics, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
c_rate, c_acc, c_rss, t_rate, t_acc, t_rss = [], [], [], [], [], []
for r in range(1, rounds + 1):
    m = json.loads(open(os.path.join(work, f"credo{r}.jsonl")).readline())
    t = json.load(open(glob.glob(os.path.join(work, f"torch{r}", "*.json"))[0]))["summary"]["t1"]
    c_rate.append(60000 / m["seconds"]); c_acc.append(m["test_accuracy"])
    t_rate.append(t["samples_per_s_epoch1"]); t_acc.append(100 * t["acc_ep1"])
    c_rss.append(int(open(os.path.join(work, f"credo_rss{r}")).read().split()[-1]) / 1024)
    t_rss.append(int(open(os.path.join(work, f"torch_rss{r}")).read().split()[-1]) / 1024)
res = {"credo_samples_per_s": med(c_rate), "credo_acc_ep1": med(c_acc),
       "torch_samples_per_s": med(t_rate), "torch_acc_ep1": med(t_acc),
       "credo_peak_rss_mib": med(c_rss), "torch_peak_rss_mib": med(t_rss),
       "rounds": {"credo_samples_per_s": c_rate, "torch_samples_per_s": t_rate}}
res["speedup"] = res["credo_samples_per_s"] / res["torch_samples_per_s"]
res["speedup_per_round"] = [c / t for c, t in zip(c_rate, t_rate)]
res["median_round_speedup"] = med(res["speedup_per_round"])
json.dump(res, open(out, "w"), indent=2)
print("| | samples/s (train) | test accuracy after 1 epoch | peak RSS |")
print("|---|---|---|---|")
print(f"| Credo | {res['credo_samples_per_s']:.0f} | {res['credo_acc_ep1']:.2f} % | {res['credo_peak_rss_mib']:.0f} MiB |")
print(f"| PyTorch eager | {res['torch_samples_per_s']:.0f} | {res['torch_acc_ep1']:.2f} % | {res['torch_peak_rss_mib']:.0f} MiB |")
print(f"\nCredo / PyTorch: {res['speedup']:.2f}x (medians); per round "
      + ", ".join(f"{x:.2f}x" for x in res["speedup_per_round"])
      + f", median {res['median_round_speedup']:.2f}x")
PY
