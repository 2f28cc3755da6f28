#!/usr/bin/env bash
#===- scripts/fuzz.sh - Run Credo's libFuzzer targets ----------------------===#
#
# Builds the fuzz targets (a sanitizer build with -DCREDO_FUZZ=ON in
# ./build-sanitize, or $CREDO_BUILD_DIR) and runs each for a given time on
# its corpus in test/fuzz/corpus/NAME (read-only; new inputs go to
# BUILD/fuzz-work/NAME). Prints one line per target:
#   credo-fuzz: NAME: ok (N executions in S s, ...)   or   ...: FAILED
# A crash leaves its input in BUILD/fuzz-work/NAME-crashes; add it to the
# corpus and as a regression test.
#
#   bash scripts/fuzz.sh [--seconds N | --minutes N] [--fresh] [TARGET...]
#   TARGET: npy safetensors checkpoint importer compile (default: all)
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build-sanitize}"
seconds=60
fresh=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
  --seconds) seconds="$2"; shift 2 ;;
  --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
  --fresh) fresh=1; shift ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(npy safetensors checkpoint importer compile)

mkdir -p "$build"
CREDO_BUILD_DIR="$build" \
  CREDO_CMAKE_ARGS="-DCREDO_SANITIZE=address,undefined -DCREDO_FUZZ=ON" \
  bash "$root/scripts/build.sh" credo-fuzzers > "$build/fuzz-build.log" 2>&1 || {
  cat "$build/fuzz-build.log"; echo "credo-fuzz: cannot build the fuzz targets" >&2; exit 1; }

status=0
for name in "${targets[@]}"; do
  exe="$build/bin/credo-fuzz-$name"
  corpus="$root/test/fuzz/corpus/$name"
  work="$build/fuzz-work/$name"
  # --fresh: start from the repository's corpus only (what earlier runs
  # found is not replayed first), as scripts/test.sh does.
  if [ "$fresh" = 1 ]; then
    work="$build/fuzz-work/$name-fresh"
    rm -rf "$work"
  fi
  crashes="$build/fuzz-work/$name-crashes"
  if [ ! -x "$exe" ] || [ ! -d "$corpus" ]; then
    echo "credo-fuzz: $name: FAILED (no target $exe or corpus $corpus)"
    status=1
    continue
  fi
  mkdir -p "$work" "$crashes"
  log="$build/fuzz-work/$name.log"
  # The compile target JIT-compiles each input, with AddressSanitizer in the
  # generated code: give it more time per input. (A small CNN's training
  # step on the portable loops, with the alignment report's second gradient,
  # took over 3 minutes here: code generation for its unrolled, instrumented
  # loops, under the sanitizer's allocator.)
  timeout_s=10
  [ "$name" = compile ] && timeout_s=300
  set +e
  ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$exe" -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$corpus" \
    > "$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n1)
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n1)
  units=$(ls "$work" | wc -l)
  if [ "$rc" -eq 0 ]; then
    echo "credo-fuzz: $name: ok (${runs:-0} executions in $seconds s, ${speed:-0}/s, $units new inputs)"
  else
    echo "credo-fuzz: $name: FAILED (exit $rc; log $log; inputs in $crashes)"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -n 5
    status=1
  fi
done
exit $status
