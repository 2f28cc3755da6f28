#!/usr/bin/env bash
#===- scripts/test.sh - Install, build and run every Credo test ------------===#
#
# The one command that checks Credo on a fresh Debian 12 machine: installs the
# dependencies, builds, runs the lit suite and the unit tests, and closes with
# the line `N passed, N failed`, where a skipped test counts as failed (every
# test's requirements are installed here). Exits non-zero if anything failed.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" all credo-unit-tests

passed=0
failed=0

# lit: FileCheck tests of the dialect, importer, tools (and later passes,
# conversions and integration runs).
lit_log="$build/lit.log"
set +e
python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv --show-unsupported "$build/test" 2>&1 | tee "$lit_log"
set -e
# lit's summary lines look like "  Passed: 34 (100.00%)", padded before the
# colon when several kinds appear ("  Passed     : 80").
count() { awk -F: -v re="$1" '$0 ~ re {split($2, a, " "); s += a[1]} END {print s + 0}' "$lit_log"; }
lit_pass=$(count '^ *(Passed|Expectedly Failed) *: *[0-9]+')
lit_fail=$(count '^ *(Failed|Unexpectedly Passed|Unresolved|Timed Out) *: *[0-9]+')
# Every test must run here: the dependencies above give each one what it
# REQUIRES, so a skipped (UNSUPPORTED) test is a failure, not a pass.
lit_skip=$(count '^ *(Unsupported|Skipped) *: *[0-9]+')
if [ "$lit_skip" -gt 0 ]; then
  echo "credo: lit skipped $lit_skip test(s) that must run:" >&2
  grep -E '^UNSUPPORTED: ' "$lit_log" >&2 || true
fi
if [ "$lit_pass" -eq 0 ] && [ "$lit_fail" -eq 0 ]; then
  echo "credo: lit reported no results" >&2
  lit_fail=1
fi
passed=$((passed + lit_pass))
failed=$((failed + lit_fail + lit_skip))

# GoogleTest unit tests.
unit_log="$build/unit.log"
set +e
"$build/bin/credo-unit-tests" 2>&1 | tee "$unit_log"
unit_status=${PIPESTATUS[0]}
set -e
unit_pass=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?.*/\1/p' "$unit_log" | tail -n1)
unit_fail=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below.*/\1/p' "$unit_log" | tail -n1)
unit_skip=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?.*/\1/p' "$unit_log" | tail -n1)
unit_pass=${unit_pass:-0}
unit_fail=${unit_fail:-0}
unit_skip=${unit_skip:-0}
if [ "$unit_status" -ne 0 ] && [ "$unit_fail" -eq 0 ]; then
  unit_fail=1
fi
passed=$((passed + unit_pass))
failed=$((failed + unit_fail + unit_skip))

echo
echo "credo: lit $lit_pass passed, $lit_fail failed, $lit_skip skipped; unit $unit_pass passed, $unit_fail failed, $unit_skip skipped (a skipped test counts as failed)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
