#!/usr/bin/env bash
# End-to-end test of `tools/msirig coverage` (ctest tools.coverage_e2e, label tools; registered
# in the coverage preset's build only, whose replay binaries it uses as built): schedule_fuzz's
# seeds, then the report and a per-component summary that names the miniport.
# Usage: coverage_e2e_test.sh SOURCE_ROOT BINARY_DIR (the coverage build).
set -euo pipefail
root="$1"
binary_dir="$2"
export MSIRIG_BUILD MSIRIG_NO_BUILD=1
MSIRIG_BUILD="$(dirname "$binary_dir")"
[ "$(basename "$binary_dir")" = coverage ] || { echo "SKIP: not the coverage build"; exit 77; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$root/tools/msirig" coverage schedule_fuzz -o "$out" | tee "$out/log"
[ -s "$out/html/index.html" ] || fail "no html/index.html"
for component in storport hba-model miniport fuzz; do
  grep -qE "^\| $component \| [0-9]+ \| [0-9]+/[0-9]+ \| [0-9.]+% \|" "$out/summary.md" ||
    fail "no line for $component in summary.md"
done
# The miniport ran: its line coverage is not zero.
grep -E '^\| miniport \|' "$out/summary.md" | grep -vqE '\| 0/' || fail "the miniport shows no coverage"
grep -q '^## Miniport functions never run' "$out/summary.md" || fail "no never-run list"
! grep -qE '_test\.cc|googletest|/usr/' "$out/summary.md" || fail "test or system files in the summary"
# Usage errors exit 2 with a message.
status=0
"$root/tools/msirig" coverage --corpus "$out/no-such-dir" 2>"$out/err" || status=$?
[ "$status" = 2 ] && grep -q "not a directory" "$out/err" || fail "bad --corpus: status $status"
echo PASS
