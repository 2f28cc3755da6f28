#!/usr/bin/env bash
#===- bench/run_snn_seeds.sh - SNN test accuracy over seeds, Credo and PyTorch ===#
#
# One epoch of examples/fashion_mnist_snn.json (the acceptance run: T = 25,
# beta 0.9, threshold 1, fast sigmoid, Adam 5e-4, batch 128) for seeds
# 1..$SEEDS (default 17), each seed drawing everything anew: the
# initializers' seeds (100 s + 1..4), the graph's generator seed
# (100 s + 7, the input spikes) and the shuffle (--seed s). Then
# ../shared/bench-ref/snn.py (plain PyTorch, "hoist" variant) for seeds
# 0..$SEEDS-1, where torch.manual_seed(s) also sets all three (TORCH=0
# skips it: about 45 s a seed here, Credo about 7 s). Prints each run's
# test accuracy and, per system, the mean, the spread and how many runs end
# below 82 %. Results: bench/results/snn_seeds.json, or $OUT. FIRST (default
# 1) starts the seeds later (Credo FIRST..SEEDS, PyTorch FIRST-1..SEEDS-1),
# and CREDO=0 skips Credo's runs, so that two invocations can share the
# work.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
seeds="${SEEDS:-17}"
first="${FIRST:-1}"
torch="${TORCH:-1}"
credo="${CREDO:-1}"
out="${OUT:-$root/bench/results/snn_seeds.json}"
ref="${CREDO_BENCH_REF:-$root/../shared/bench-ref}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
py=python3
if ! python3 -c 'import numpy' 2>/dev/null; then py=/usr/bin/python3; fi

: > "$work/runs.jsonl"
for s in $(seq "$first" "$seeds"); do
  [ "$credo" != 0 ] || break
  "$py" - "$root/examples/fashion_mnist_snn.json" "$s" "$work/m.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = int(sys.argv[2])
m["seed"] = 100 * s + 7
for i, p in enumerate(m["parameters"]):
    p["init"]["seed"] = 100 * s + 1 + i
json.dump(m, open(sys.argv[3], "w"))
PY
  OMP_NUM_THREADS=1 "$build/bin/credoc" train "$work/m.json" --threads 1 \
    --seed "$s" --metrics "$work/m.jsonl" > /dev/null
  acc=$("$py" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["test_accuracy"])' "$work/m.jsonl")
  echo "credo seed $s: $acc %" >&2
  echo "{\"system\": \"credo\", \"seed\": $s, \"test_accuracy\": $acc}" >> "$work/runs.jsonl"
done

if [ "$torch" != 0 ]; then
  for s in $(seq $((first - 1)) $((seeds - 1))); do
    acc=$(cd "$ref" && OMP_NUM_THREADS=1 PATH="/usr/bin:$PATH" "$py" snn.py \
      --threads 1 --variant hoist --seed "$s" --tag "_seed$s" 2>&1 |
      sed -n 's/.* acc \([0-9.]*\) .*/\1/p' | tail -1)
    if [ -z "$acc" ]; then
      echo "error: snn.py --seed $s printed no accuracy" >&2
      exit 1
    fi
    acc=$("$py" -c "print(round(100 * $acc, 2))")
    echo "pytorch seed $s: $acc %" >&2
    echo "{\"system\": \"pytorch\", \"seed\": $s, \"test_accuracy\": $acc}" >> "$work/runs.jsonl"
  done
fi

"$py" - "$work/runs.jsonl" "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
summary = {}
print("| system | runs | mean | standard deviation | lowest | highest | below 82 % |")
print("|---|---|---|---|---|---|---|")
for system in ("credo", "pytorch"):
    a = [r["test_accuracy"] for r in runs if r["system"] == system]
    if not a:
        continue
    summary[system] = {"runs": len(a), "mean": statistics.mean(a),
                       "stdev": statistics.stdev(a) if len(a) > 1 else 0.0,
                       "min": min(a), "max": max(a),
                       "below_82": sum(x < 82 for x in a)}
    s = summary[system]
    print("| %s | %d | %.2f %% | %.2f | %.2f %% | %.2f %% | %d |" % (
        system, s["runs"], s["mean"], s["stdev"], s["min"], s["max"],
        s["below_82"]))
json.dump({"runs": runs, "summary": summary}, open(sys.argv[2], "w"),
          indent=1)
PY
