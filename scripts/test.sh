#!/usr/bin/env bash
#===- scripts/test.sh - Install, build and run every Credo test ------------===#
#
# The one command that checks Credo on a fresh Debian 12 machine: installs the
# dependencies, then
#   1. builds Credo (./build) and runs the lit suite and the unit tests;
#   2. builds it again with AddressSanitizer + UndefinedBehaviorSanitizer
#      (./build-sanitize; generated code is instrumented too) and runs the
#      same suites there, the Vulkan tests in staging memory mode (device-
#      local buffers and copies, what a discrete GPU gets; step 1 runs
#      lavapipe's default, mapped memory);
#   3. builds the fuzz targets and runs each one briefly on its corpus
#      (scripts/fuzz.sh);
# and closes with the line `N passed, N failed` over all of them, where a
# skipped test counts as failed (every test's requirements are installed
# here). Exits non-zero if anything failed. CREDO_TEST_QUICK=1 runs step 1
# only.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"
sanitize_build="${CREDO_SANITIZE_BUILD_DIR:-$root/build-sanitize}"

bash "$root/scripts/install-deps.sh"

passed=0
failed=0
summary=()

# run_suites BUILD LABEL [LIT ARGS...]: the lit suite and the unit tests of
# one build.
run_suites() {
  local dir="$1" label="$2"
  shift 2
  local lit_log="$dir/lit.log" unit_log="$dir/unit.log"
  set +e
  python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv --show-unsupported \
    "$@" "$dir/test" 2>&1 | tee "$lit_log"
  set -e
  # lit's summary lines look like "  Passed: 34 (100.00%)", padded before
  # the colon when several kinds appear ("  Passed     : 80").
  count() { awk -F: -v re="$1" '$0 ~ re {split($2, a, " "); s += a[1]} END {print s + 0}' "$lit_log"; }
  local lit_pass lit_fail lit_skip
  lit_pass=$(count '^ *(Passed|Expectedly Failed) *: *[0-9]+')
  lit_fail=$(count '^ *(Failed|Unexpectedly Passed|Unresolved|Timed Out) *: *[0-9]+')
  # Every test must run here: the dependencies above give each one what it
  # REQUIRES, so a skipped (UNSUPPORTED) test is a failure, not a pass.
  lit_skip=$(count '^ *(Unsupported|Skipped) *: *[0-9]+')
  if [ "$lit_skip" -gt 0 ]; then
    echo "credo: $label: lit skipped $lit_skip test(s) that must run" >&2
  fi
  if [ "$lit_pass" -eq 0 ] && [ "$lit_fail" -eq 0 ]; then
    echo "credo: $label: lit reported no results" >&2
    lit_fail=1
  fi

  set +e
  "$dir/bin/credo-unit-tests" 2>&1 | tee "$unit_log"
  local unit_status=${PIPESTATUS[0]}
  set -e
  local unit_pass unit_fail unit_skip
  unit_pass=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?.*/\1/p' "$unit_log" | tail -n1)
  unit_fail=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below.*/\1/p' "$unit_log" | tail -n1)
  unit_skip=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?.*/\1/p' "$unit_log" | tail -n1)
  unit_pass=${unit_pass:-0}
  unit_fail=${unit_fail:-0}
  unit_skip=${unit_skip:-0}
  if [ "$unit_status" -ne 0 ] && [ "$unit_fail" -eq 0 ]; then
    unit_fail=1
  fi
  passed=$((passed + lit_pass + unit_pass))
  failed=$((failed + lit_fail + lit_skip + unit_fail + unit_skip))
  summary+=("$label: lit $lit_pass passed, $lit_fail failed, $lit_skip skipped; unit $unit_pass passed, $unit_fail failed, $unit_skip skipped")
}

CREDO_BUILD_DIR="$build" bash "$root/scripts/build.sh" all credo-unit-tests
run_suites "$build" "build"

if [ "${CREDO_TEST_QUICK:-0}" != 1 ]; then
  CREDO_BUILD_DIR="$sanitize_build" \
    CREDO_CMAKE_ARGS="-DCREDO_SANITIZE=address,undefined -DCREDO_FUZZ=ON" \
    bash "$root/scripts/build.sh" all credo-unit-tests
  run_suites "$sanitize_build" "sanitizers" --param vulkan_memory=staging

  # Each fuzz target briefly on its corpus: a crash is a failure.
  set +e
  CREDO_BUILD_DIR="$sanitize_build" bash "$root/scripts/fuzz.sh" \
    --fresh --seconds "${CREDO_FUZZ_SECONDS:-20}" 2>&1 | tee "$sanitize_build/fuzz.log"
  set -e
  fuzz_pass=$(grep -c '^credo-fuzz: .*: ok' "$sanitize_build/fuzz.log" || true)
  fuzz_fail=$(grep -c '^credo-fuzz: .*: FAILED' "$sanitize_build/fuzz.log" || true)
  if [ "$fuzz_pass" -eq 0 ] && [ "$fuzz_fail" -eq 0 ]; then
    fuzz_fail=1
  fi
  passed=$((passed + fuzz_pass))
  failed=$((failed + fuzz_fail))
  summary+=("fuzzing: $fuzz_pass targets passed, $fuzz_fail failed")
fi

echo
for line in "${summary[@]}"; do
  echo "credo: $line"
done
echo "credo: a skipped test counts as failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
