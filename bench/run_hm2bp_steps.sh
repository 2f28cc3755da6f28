#!/usr/bin/env bash
#===- bench/run_hm2bp_steps.sh - HM2-BP training speed against T ----------===#
#
# examples/digits_hm2bp.json (64-100-10, batch 16, one thread) trained for
# one epoch at T = 100, 200 and 400 steps: training samples/s and time per
# sample. The forward steps and the S-PSP recurrences both grow as O(T).
# Results: bench/results/hm2bp_steps.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
for T in 100 200 400; do
  sed "s/\"steps\": 100/\"steps\": $T/; s|\"path\": \"../data/digits\"|\"path\": \"$root/data/digits\"|" \
    "$root/examples/digits_hm2bp.json" > "$work/d$T.json"
  "$build/bin/credoc" train "$work/d$T.json" --epochs 1 --threads 1 \
    --metrics "$work/m$T.jsonl" > /dev/null
done
/usr/bin/python3 - "$work" "$root/bench/results/hm2bp_steps.json" <<'PY'
import json, sys
work, out = sys.argv[1], sys.argv[2]
rows = []
print("| T | samples/s | ms per sample | test accuracy after 1 epoch |")
print("|---|---|---|---|")
for T in (100, 200, 400):
    m = json.loads(open("%s/m%d.jsonl" % (work, T)).readline())
    rows.append({"T": T, "samples_per_s": m["samples_per_s"], "acc": m["test_accuracy"]})
    print("| %d | %.0f | %.3f | %.2f %% |" % (T, m["samples_per_s"], 1000 / m["samples_per_s"], m["test_accuracy"]))
json.dump(rows, open(out, "w"), indent=2)
PY
