#!/usr/bin/env bash
#===- bench/run_coagent.sh - Credo vs PyTorch: coagents in the gridworld --===#
#
# The coagent network of spec §7 (one-hot state → 32 Bernoulli coagents →
# softmax over 4 moves, tabular TD(0) critic) on the 5×5 gridworld, one
# thread, synchronous (α 0.05, 1500 episodes) and asynchronous (p_exec 0.5,
# α 0.02, 2000 episodes), in interleaved rounds ($ROUNDS, default 3):
#   - PyTorch as a user writes it (../shared/bench-ref/coagent.py: autograd
#     for the local terms, one backward per step);
#   - `credoc train` (the runtime's gridworld driving the JIT-compiled
#     @act/@train_step);
#   - a C program running its own gridworld around the generated library
#     (examples/coagent_c/gridworld.c, synchronous), and the same in Python
#     through ctypes (examples/coagent_python/gridworld.py).
# Environment steps per second (median over rounds) and the mean return of
# the last 200 episodes. Results: bench/results/coagent.json and a table.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
refs="${CREDO_BENCH_REFS:-$root/../shared/bench-ref}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/bench/results"
export OMP_NUM_THREADS=1

"$build/bin/credoc" build "$root/examples/gridworld_coagent.json" --train \
  -o "$work/lib" > /dev/null
clang-19 -O2 -I"$work/lib" -I"$root/runtime/include" \
  "$root/examples/coagent_c/gridworld.c" -o "$work/gridworld" \
  "$work/lib/libgridworld_coagent.so" -L"$build/lib" -lcredo_runtime \
  -Wl,-rpath,"$build/lib" -Wl,-rpath,"$work/lib"

for r in $(seq "$rounds"); do
  REFS_OUT="$work/torch_sync$r" python3 "$refs/coagent.py" --episodes 1500 \
    --alpha 0.05 > "$work/torch_sync$r.log" 2>&1
  "$build/bin/credoc" train "$root/examples/gridworld_coagent.json" \
    --threads 1 > "$work/credo_sync$r.log"
  "$work/gridworld" 1500 > "$work/c_sync$r.log"
  python3 "$root/examples/coagent_python/gridworld.py" "$work/lib" "$build/lib" \
    1500 > "$work/py_sync$r.log"
  REFS_OUT="$work/torch_async$r" python3 "$refs/coagent.py" --episodes 2000 \
    --alpha 0.02 --p-exec 0.5 > "$work/torch_async$r.log" 2>&1
  "$build/bin/credoc" train "$root/examples/gridworld_coagent_async.json" \
    --threads 1 > "$work/credo_async$r.log"
done

/usr/bin/python3 - "$work" "$rounds" "$root/bench/results/coagent.json" <<'PY'
import glob, json, re, statistics, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
def torch(mode, r):
    run = json.load(open(glob.glob("%s/torch_%s%d/*.json" % (work, mode, r))[0]))["runs"][0]
    return run["steps_per_s"], run["mean_return_last200"]
def credo(name, r):
    text = open("%s/%s%d.log" % (work, name, r)).read()
    m = re.search(r"episodes: (-?[0-9.]+) \(.*?([0-9,]+) steps/s\)", text)
    if m:
        return float(m.group(2).replace(",", "")), float(m.group(1))
    m = re.search(r"episodes: (-?[0-9.]+)\n.* ([0-9]+) steps/s", text)
    return float(m.group(2)), float(m.group(1))
rows = []
for label, mode, get, name in (
        ("PyTorch (coagent.py)", "sync", torch, "sync"),
        ("credoc train", "sync", credo, "credo_sync"),
        ("C loop + library", "sync", credo, "c_sync"),
        ("Python loop + library (ctypes)", "sync", credo, "py_sync"),
        ("PyTorch (coagent.py)", "async", torch, "async"),
        ("credoc train", "async", credo, "credo_async")):
    vals = [get(name, r) for r in range(1, rounds + 1)]
    rows.append({"runner": label, "mode": mode, "steps_per_s": med(v[0] for v in vals),
                 "mean_return_last200": med(v[1] for v in vals),
                 "steps_per_s_rounds": [v[0] for v in vals]})
base = {r["mode"]: r["steps_per_s"] for r in rows if r["runner"].startswith("PyTorch")}
print("| mode | runner | env steps/s (median of %d) | vs PyTorch | mean return, last 200 |" % rounds)
print("|---|---|---|---|---|")
for r in rows:
    r["speedup"] = r["steps_per_s"] / base[r["mode"]]
    print("| %s | %s | %.0f | %.1f× | %.2f |" % (r["mode"], r["runner"], r["steps_per_s"],
                                               r["speedup"], r["mean_return_last200"]))
json.dump(rows, open(out, "w"), indent=2)
PY
