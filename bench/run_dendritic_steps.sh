#!/usr/bin/env bash
#===- bench/run_dendritic_steps.sh - The dendritic step, call by call -----===#
#
# The steady-state dendritic rule settled by one top-down sweep against
# backprop on the same graph, as `credoc build --train` libraries whose
# NAME_train_step a C program calls (bench/dendritic_steps.c): no data
# loading, shuffling or progress output around the steps, so the ratio is
# the steps' own. Two models: the 64-50-10 sigmoid network of
# examples/digits_dendritic.json at batch 1 (SGD) and the 784-256-10 one of
# examples/fashion_mnist_dendritic.json at batch 128 (Adam). One thread.
# ROUNDS (default 10) alternating rounds of 20,000 (digits) or 200
# (Fashion-MNIST) steps each; the fastest round of each library counts.
# Results: bench/results/dendritic_steps.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
rounds="${ROUNDS:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
credoc="$build/bin/credoc"
sed 's/"iterations": 20/"settling": "sweep"/' "$root/examples/digits_dendritic.json" \
  > "$work/digits.json"
"$credoc" build --train "$work/digits.json" --batch 1 --name dsweep -o "$work/dsweep" > /dev/null
"$credoc" build --train "$work/digits.json" --batch 1 --rule backprop --name dbp -o "$work/dbp" > /dev/null
fashion="$root/examples/fashion_mnist_dendritic.json"
"$credoc" build --train "$fashion" --name fsweep -o "$work/fsweep" > /dev/null
"$credoc" build --train "$fashion" --rule backprop --name fbp -o "$work/fbp" > /dev/null
"${CC:-cc}" -O2 -o "$work/steps" "$root/bench/dendritic_steps.c" -ldl
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
"$work/steps" "$work/dbp/libdbp.so" dbp "$work/dsweep/libdsweep.so" dsweep 1 64 20000 "$rounds" \
  > "$work/digits.out"
"$work/steps" "$work/fbp/libfbp.so" fbp "$work/fsweep/libfsweep.so" fsweep 128 784 200 "$rounds" \
  > "$work/fashion.out"
/usr/bin/python3 - "$work" "$root/bench/results/dendritic_steps.json" "$rounds" <<'PY'
import json, platform, sys
work, out, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
            if l.startswith("model name")), platform.machine())
rows = []
print("| model | backprop µs/step | dendritic sweep µs/step | ratio |")
print("|---|---|---|---|")
for key, model in (("digits", "digits 64-50-10, batch 1"),
                   ("fashion", "Fashion-MNIST 784-256-10, batch 128")):
    r = json.load(open("%s/%s.out" % (work, key)))
    rows.append({"model": model, "backprop_us": r["a_us"],
                 "dendritic_sweep_us": r["b_us"], "ratio": r["b_over_a"]})
    print("| %s | %.3f | %.3f | %.2f× |" % (model, r["a_us"], r["b_us"], r["b_over_a"]))
json.dump({"cpu": cpu, "rounds": rounds, "rows": rows}, open(out, "w"), indent=2)
PY
