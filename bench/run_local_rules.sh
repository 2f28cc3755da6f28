#!/usr/bin/env bash
#===- bench/run_local_rules.sh - A local rule's step against backprop's ---===#
#
# The Fashion-MNIST MLP of examples/fashion_mnist_mlp_fa.json (784-256-256-10,
# batch 128, Adam, one thread) trained for one epoch by each rule, in
# interleaved rounds (ROUNDS, default 3) so that the machine's noise falls
# on all of them (each round in another order): training samples/s
# (median) and the ratio of the step time to backprop's.
# Feedback alignment replaces each W^T product of the backward sweep by one
# with a fixed matrix of the same shape, so it should cost what backprop
# costs; direct feedback alignment replaces them by products with the
# 10-wide output error, so it should cost less. fa+report is fa with
# --report-alignment, which also computes the backprop gradient at every
# step. The last two rows are rules written in the graph, on the same
# network (bench/models): the delta rule on the readout alone
# (local-readout), and Oja's rule on both hidden layers with the delta rule
# on the readout (local-every-layer). Results:
# bench/results/local_rules.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
rounds="${ROUNDS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
rules=(backprop fa dfa fa+report local-readout local-every-layer)
for r in $(seq "$rounds"); do
  for k in "${!rules[@]}"; do
    rule="${rules[$(((k + r) % ${#rules[@]}))]}"
    model="$root/examples/fashion_mnist_mlp_fa.json"
    args=(--rule "${rule%+report}")
    case "$rule" in
    fa+report) args+=(--report-alignment) ;;
    local-readout) model="$root/bench/models/mlp_local_readout.json" args=() ;;
    local-every-layer) model="$root/bench/models/mlp_local_oja.json" args=() ;;
    esac
    "$build/bin/credoc" train "$model" "${args[@]}" --epochs 1 --threads 1 \
      --metrics "$work/$rule.$r.jsonl" > /dev/null
  done
done
/usr/bin/python3 - "$work" "$rounds" "$root/bench/results/local_rules.json" <<'PY'
import json, statistics, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows, base = [], None
print("| rule | samples/s (median of %d) | step time vs backprop | test accuracy after 1 epoch |" % rounds)
print("|---|---|---|---|")
for rule in ("backprop", "fa", "dfa", "fa+report", "local-readout",
             "local-every-layer"):
    ms = [json.loads(open("%s/%s.%d.jsonl" % (work, rule, r + 1)).readline())
          for r in range(rounds)]
    rate = statistics.median(m["samples_per_s"] for m in ms)
    base = base or rate
    rows.append({"rule": rule, "samples_per_s": rate,
                 "step_time_vs_backprop": base / rate,
                 "test_accuracy": ms[0]["test_accuracy"]})
    print("| %s | %.0f | %.2f× | %.2f %% |" % (rule, rate, base / rate,
                                              ms[0]["test_accuracy"]))
json.dump(rows, open(out, "w"), indent=2)
PY
