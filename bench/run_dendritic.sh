#!/usr/bin/env bash
#===- bench/run_dendritic.sh - The dendritic step against backprop's -----===#
#
# examples/digits_dendritic.json (64-50-10 sigmoid, batch 1, one thread)
# trained for DIGITS_EPOCHS epochs (default 5) by the steady-state
# dendritic rule settled by one top-down sweep and by 5, 10 and 20
# fixed-point iterations, and by backprop on the same graph, in interleaved
# rounds (ROUNDS, default 3): training samples/s (the median of every
# epoch's rate: an epoch of backprop lasts under 2 ms, so one epoch a round
# left the median to the machine's noise) and the step time relative to
# backprop's.
# Each iteration of the settling loop costs about one forward and one
# feedback pass of the circuit, so the step grows linearly with the
# iterations; the sweep is one such pass. Then
# examples/fashion_mnist_dendritic.json (784-256-10 sigmoid, batch 128,
# Adam, one thread, settled by a sweep), where the ten interneurons are a
# small part of the step, against backprop on the same graph. Results:
# bench/results/dendritic.json and two tables.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
rounds="${ROUNDS:-3}"
digits_epochs="${DIGITS_EPOCHS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
for it in 5 10 20; do
  sed "s/\"iterations\": 20/\"iterations\": $it/; s/\"settle_epochs\": 2/\"settle_epochs\": 0/; s|\"path\": \"../data/digits\"|\"path\": \"$root/data/digits\"|" \
    "$root/examples/digits_dendritic.json" > "$work/d$it.json"
done
sed "s/\"rule\": \"dendritic\"/\"rule\": \"backprop\"/; s/\"dendritic\": {[^}]*},//; s/\"settle_epochs\": 2,//; s|\"path\": \"../data/digits\"|\"path\": \"$root/data/digits\"|" \
  "$root/examples/digits_dendritic.json" > "$work/bp.json"
sed "s/\"iterations\": 20/\"settling\": \"sweep\"/; s/\"settle_epochs\": 2/\"settle_epochs\": 0/; s|\"path\": \"../data/digits\"|\"path\": \"$root/data/digits\"|" \
  "$root/examples/digits_dendritic.json" > "$work/sweep.json"
runs=(bp sweep d5 d10 d20)
fashion="$root/examples/fashion_mnist_dendritic.json"
for r in $(seq "$rounds"); do
  for k in 0 1; do
    case $(((k + r) % 2)) in
    0) "$build/bin/credoc" train "$fashion" --rule backprop --settle 0 --epochs 1 \
         --threads 1 --metrics "$work/fbp.$r.jsonl" > /dev/null ;;
    1) "$build/bin/credoc" train "$fashion" --settle 0 --epochs 1 --threads 1 \
         --metrics "$work/fsweep.$r.jsonl" > /dev/null ;;
    esac
  done
done
for r in $(seq "$rounds"); do
  for k in 0 1 2 3 4; do
    run="${runs[$(((k + r) % 5))]}"
    "$build/bin/credoc" train "$work/$run.json" --epochs "$digits_epochs" \
      --threads 1 --metrics "$work/$run.$r.jsonl" > /dev/null
  done
done
/usr/bin/python3 - "$work" "$rounds" "$root/bench/results/dendritic.json" <<'PY'
import json, statistics, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []


def table(header, runs, model=None):
    """Prints one table of (run, name) pairs, the first the baseline, and
    adds its rows to the results: the median of every epoch of every
    round."""
    rates = {run: [json.loads(line)["samples_per_s"]
                   for r in range(rounds)
                   for line in open("%s/%s.%d.jsonl" % (work, run, r + 1))]
             for run, _ in runs}
    count = len(rates[runs[0][0]])
    print("| %s | samples/s (median of %d) | step time vs backprop |" % (header, count))
    print("|---|---|---|")
    base = None
    for run, name in runs:
        rate = statistics.median(rates[run])
        base = base or rate
        row = {"rule": name}
        if model:
            row["model"] = model
        row.update(samples_per_s=rate, step_time_vs_backprop=base / rate)
        rows.append(row)
        print("| %s | %.0f | %.2f× |" % (name, rate, base / rate))


table("rule", (("bp", "backprop"), ("sweep", "dendritic, one sweep"),
               ("d5", "dendritic, 5 iterations"), ("d10", "dendritic, 10 iterations"),
               ("d20", "dendritic, 20 iterations")))
print()
table("Fashion-MNIST 784-256-10, batch 128",
      (("fbp", "backprop"), ("fsweep", "dendritic, one sweep")),
      model="fashion_mnist_dendritic")
json.dump(rows, open(out, "w"), indent=2)
PY
