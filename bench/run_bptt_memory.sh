#!/usr/bin/env bash
#===- bench/run_bptt_memory.sh - Memory and time of BPTT by time-memory ---===#
#
# Memory and time of one gradient computation (`credoc grad`) of an
# Elman RNN (tanh, hidden 128, batch 128, 28 inputs per step) over T = 25,
# 100 and 400 steps, with --time-memory store (the forward loop records
# every step value the reverse sweep reads), recompute (it records the
# states; the reverse loop recomputes each step) and checkpoint (it records
# the state every K steps, K the divisor of T nearest sqrt(T): 5, 10, 20;
# the reverse loop recomputes a segment at a time), next to the forward pass
# alone (`credoc run`). Working memory: the most bytes of intermediate
# buffers the generated code held at once (credo_memory_peak), which holds
# the recorded steps; peak RSS of the process (/usr/bin/time) includes the
# compiler. Results:
# bench/results/bptt_memory.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
py=/usr/bin/python3

for T in 25 100 400; do
  $py - "$work" "$T" <<'PY'
import json, sys
import numpy as np
work, T = sys.argv[1], int(sys.argv[2])
b = 1 / 128 ** 0.5
u = lambda s: {"kind": "uniform", "low": -b, "high": b, "seed": s}
model = {
  "format_version": 2, "name": "rnn_t%d" % T,
  "inputs": [{"name": "x", "shape": [128, T, 28]},
             {"name": "labels", "shape": [128], "dtype": "i32"}],
  "parameters": [{"name": "w_ih", "shape": [28, 128], "init": u(1)},
                 {"name": "w_hh", "shape": [128, 128], "init": u(2)},
                 {"name": "b", "shape": [128], "init": u(3)},
                 {"name": "fc_w", "shape": [128, 10], "init": u(4)}],
  "nodes": [
    {"name": "rnn", "op": "time_loop", "attributes": {"steps": T}, "nodes": [
      {"name": "in", "op": "dense", "inputs": [{"node": "x", "time_axis": 1}, "w_ih", "b"]},
      {"name": "rec", "op": "dense", "inputs": [{"node": "h", "delay": 1, "shape": [128, 128]}, "w_hh"]},
      {"name": "pre", "op": "add", "inputs": ["in", "rec"]},
      {"name": "h", "op": "tanh", "inputs": ["pre"]}]},
    {"name": "logits", "op": "dense", "inputs": ["rnn.h", "fc_w"]},
    {"name": "loss", "op": "softmax_cross_entropy", "inputs": ["logits", "labels"]}],
  "outputs": ["loss"],
  "training": {"loss": "loss", "optimizer": {"type": "sgd", "lr": 0.1}}}
json.dump(model, open("%s/rnn%d.json" % (work, T), "w"))
r = np.random.RandomState(0)
np.save("%s/x%d.npy" % (work, T), r.rand(128, T, 28).astype(np.float32))
np.save("%s/labels.npy" % work, r.randint(0, 10, 128).astype(np.int32))
PY
  args=(--input "x=$work/x$T.npy" --input "labels=$work/labels.npy")
  /usr/bin/time -f "%M %e" -o "$work/run$T" "$build/bin/credoc" run \
    "$work/rnn$T.json" "${args[@]}" --output "$work/out$T" > /dev/null
  for mode in store recompute checkpoint; do
    /usr/bin/time -f "%M %e" -o "$work/$mode$T" "$build/bin/credoc" grad \
      "$work/rnn$T.json" "${args[@]}" --time-memory "$mode" \
      -o "$work/g$mode$T.safetensors" > "$work/$mode$T.log"
    sed -nE 's/.*working memory of the gradient computation ([0-9.]+) MiB.*/\1/p' \
      "$work/$mode$T.log" > "$work/$mode$T.work"
  done
  for mode in recompute checkpoint; do
    cmp -s "$work/gstore$T.safetensors" "$work/g$mode$T.safetensors" ||
      echo "note: T=$T: store and $mode gradients differ in rounding"
  done
done

$py - "$work" "$root/bench/results/bptt_memory.json" <<'PY'
import json, sys
work, out = sys.argv[1], sys.argv[2]
rows = []
read = lambda n: open("%s/%s" % (work, n)).read().split()
modes = ("store", "recompute", "checkpoint")
print("| T | " + " | ".join("%s: working memory" % m for m in modes) + " | "
      + " | ".join("%s: peak RSS" % m for m in modes) + " | forward only: peak RSS | "
      + " | ".join("%s: time" % m for m in modes) + " |")
print("|---" * (3 * len(modes) + 2) + "|")
for T in (25, 100, 400):
    row = {"steps": T, "forward_peak_rss_mib": int(read("run%d" % T)[0]) / 1024}
    for m in modes:
        rss, sec = read("%s%d" % (m, T))
        row[m + "_working_mib"] = float(read("%s%d.work" % (m, T))[0])
        row[m + "_peak_rss_mib"] = int(rss) / 1024
        row[m + "_seconds"] = float(sec)
    rows.append(row)
    print("| %d | " % T
          + " | ".join("%.1f MiB" % row[m + "_working_mib"] for m in modes) + " | "
          + " | ".join("%.0f MiB" % row[m + "_peak_rss_mib"] for m in modes)
          + " | %.0f MiB | " % row["forward_peak_rss_mib"]
          + " | ".join("%.2f s" % row[m + "_seconds"] for m in modes) + " |")
json.dump(rows, open(out, "w"), indent=2)
PY
