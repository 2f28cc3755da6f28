#!/usr/bin/env bash
#===- bench/train_vs_torch.sh - credoc train against a PyTorch script ----===#
#
# bash bench/train_vs_torch.sh MODEL.json REF.py RESULT.json "LABEL"
#
# Training throughput, accuracy and peak memory of MODEL ($EPOCHS epochs,
# default 3, one thread) with `credoc train` against the PyTorch version
# ../shared/bench-ref/REF.py (OpenBLAS; extra arguments in $REF_ARGS,
# default "--seeds 0"), interleaved in the same run for $ROUNDS rounds.
# Samples/s is the median over epochs of 60000 / epoch wall time (test
# evaluation excluded on both sides; a script that runs several variants
# is compared by its faster one each round); peak RSS from
# /usr/bin/time. Results: bench/results/RESULT.json and a table whose
# PyTorch row is LABEL. Used by run_mlp_train.sh and run_rnn_train.sh.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$1" reference="$2" result="$3" label="$4"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
rounds="${ROUNDS:-2}"
epochs="${EPOCHS:-3}"
read -r -a ref_args <<< "${REF_ARGS:---seeds 0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1

for r in $(seq "$rounds"); do
  /usr/bin/time -f "%M" -o "$work/credo_rss$r" "$build/bin/credoc" train \
    "$model" --epochs "$epochs" --threads 1 \
    --metrics "$work/credo$r.jsonl" > "$work/credo$r.log"
  REFS_OUT="$work/torch$r" /usr/bin/time -f "%M" -o "$work/torch_rss$r" \
    python3 "$refs/$reference" --threads 1 "${ref_args[@]}" --epochs "$epochs" --tag "_train$r" \
    > "$work/torch$r.log" 2>&1
done

python3 - "$work" "$rounds" "$root/bench/results/$result" "$label" "$epochs" <<'PY'
import glob, json, os, statistics, sys
work, rounds, out, label = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
epochs = int(sys.argv[5])
credo_rate, credo_acc, credo_rss, torch_rate, torch_acc, torch_rss = [], [], [], [], [], []
med = statistics.median
round_ratio = []  # per round: median Credo epoch rate / median PyTorch epoch rate
variants = []  # per round: the PyTorch variant compared
for r in range(1, rounds + 1):
    ms = [json.loads(l) for l in open(os.path.join(work, f"credo{r}.jsonl"))]
    c = [60000 / m["seconds"] for m in ms]  # 468 full batches
    credo_rate += c
    credo_acc.append(ms[-1]["test_accuracy"])
    credo_rss.append(int(open(os.path.join(work, f"credo_rss{r}")).read().split()[-1]))
    t = json.load(open(glob.glob(os.path.join(work, f"torch{r}", "*.json"))[0]))
    # A script that ran several variants (snn.py --variant naive,hoist):
    # the faster one this round is the peer.
    rates = lambda run: [e["samples_per_s"] for e in run["epochs"]]
    run = max(t["runs"], key=lambda run: med(rates(run)))
    variants.append(run.get("variant", ""))
    p = rates(run)
    torch_rate += p
    round_ratio.append(med(c) / med(p))
    torch_acc.append(100 * run["epochs"][-1]["test_acc"])
    torch_rss.append(int(open(os.path.join(work, f"torch_rss{r}")).read().split()[-1]))
res = {"credo_samples_per_s": med(credo_rate), "torch_samples_per_s": med(torch_rate),
       "speedup": med(credo_rate) / med(torch_rate),
       "speedup_per_round": round_ratio, "median_round_speedup": med(round_ratio),
       "epochs": epochs, "credo_acc": med(credo_acc), "torch_acc": med(torch_acc),
       "credo_peak_rss_mib": med(credo_rss) / 1024, "torch_peak_rss_mib": med(torch_rss) / 1024}
if any(variants):
    res["torch_variant_per_round"] = variants
json.dump(res, open(out, "w"), indent=2)
print(f"| | samples/s (train) | test accuracy after {epochs} epoch{'s' if epochs > 1 else ''} | peak RSS |")
print("|---|---|---|---|")
print(f"| Credo | {res['credo_samples_per_s']:.0f} | {res['credo_acc']:.2f} % | {res['credo_peak_rss_mib']:.0f} MiB |")
print(f"| {label} | {res['torch_samples_per_s']:.0f} | {res['torch_acc']:.2f} % | {res['torch_peak_rss_mib']:.0f} MiB |")
print(f"\nCredo / PyTorch: {res['speedup']:.2f}x (medians of all epochs); per round "
      + ", ".join(f"{x:.2f}x" for x in round_ratio)
      + f", median {res['median_round_speedup']:.2f}x"
      + (" (PyTorch variant per round: " + ", ".join(variants) + ")" if any(variants) else ""))
PY
