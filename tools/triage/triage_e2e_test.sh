#!/usr/bin/env bash
# End-to-end test of tools/msirig repro / triage / add (ctest label `tools`), on the planted bug
# of planted_msi_lock_fuzz (crashes/planted_msi_lock, an open finding): two inputs of that bug
# and one clean input must make one known-open group of two, reliable, whose minimized input
# keeps the signature, also through libFuzzer's own -minimize_crash run by the real engine,
# and a well-formed report. Uses the binaries of the build directory given (MSIRIG_NO_BUILD=1):
# nothing is rebuilt.
# Usage: triage_e2e_test.sh SOURCE_DIR BINARY_DIR LIBFUZZER_TARGET
#   LIBFUZZER_TARGET: planted_msi_lock_fuzz built with libFuzzer (tools/triage/CMakeLists.txt)
set -euo pipefail
src="$1"
bin="$2"
engine_target="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/build" "$work/in" "$work/store"
ln -s "$bin" "$work/build/asan"  # tools/msirig looks for $MSIRIG_BUILD/asan
export MSIRIG_BUILD="$work/build" MSIRIG_NO_BUILD=1
msirig="$src/tools/msirig"
target=planted_msi_lock_fuzz
signature="msirig: violation StorPortMSILock in msirig::targets::PlantedStartIo"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_status() {  # expected command...
  local expected="$1" status=0
  shift
  "$@" >"$work/out.log" 2>&1 || status=$?
  [ "$status" -eq "$expected" ] || { cat "$work/out.log" >&2; fail "exit $status, not $expected: $*"; }
}

cp "$src/crashes/planted_msi_lock/input.txt" "$work/in/recorded.txt"
# A second input of the same bug: other steps around it, the planted LBA read on CPU 0, faults.
cat >"$work/in/second.txt" <<'EOF'
platform os=win10 interrupts=msix requested=4 granted=4 cpus=2
fault drop_interrupt_every_n=5
write cpu=1 lba=16 blocks=2 pattern=0x44
write cpu=0 lba=40 blocks=1 pattern=0x45 preempt=1
read cpu=0 lba=0xbad blocks=1 preempt=2
write cpu=1 lba=32 blocks=1 pattern=0x66
write cpu=0 lba=48 blocks=1 pattern=0x67
EOF
cat >"$work/in/clean.txt" <<'EOF'
platform os=win10 interrupts=msix requested=4 granted=4 cpus=2
write cpu=0 lba=8 blocks=1 pattern=0x11
EOF

# --- repro: exit codes and the signature ---
expect_status 1 "$msirig" repro "$src/crashes/planted_msi_lock/input.txt"  # target inferred
grep -qF ": $signature (planted_msi_lock_fuzz, address)" "$work/out.log" || fail "repro printed no signature"
expect_status 0 "$msirig" repro --target "$target" "$work/in/clean.txt"
expect_status 2 "$msirig" repro --target "$target" "$work/in/missing.txt"
expect_status 2 "$msirig" repro --bogus "$work/in/clean.txt"
expect_status 2 "$msirig" repro "$work/in/clean.txt"  # no target to infer
expect_status 0 "$msirig" repro --help

# --- triage: one known-open group of two inputs, one clean input ---
# The libFuzzer build of the target where triage looks for it ($MSIRIG_BUILD/fuzz): its
# -minimize_crash runs on the step-minimized input, and its result is kept only with the
# signature. A wrapper records that the real engine ran, with which options.
[ -x "$engine_target" ] || fail "no libFuzzer build of the target: $engine_target"
mkdir -p "$work/build/fuzz/targets"
printf '#!/bin/sh\necho "$*" >>"${0%%/*}/calls"\nexec "%s" "$@"\n' "$engine_target" \
  >"$work/build/fuzz/targets/$target"
chmod +x "$work/build/fuzz/targets/$target"
expect_status 0 "$msirig" triage "$work/in" --target "$target" --retries 2 --out "$work/report"
[ "$(wc -l <"$work/report/groups.tsv")" -eq 1 ] || fail "expected one group: $(cat "$work/report/groups.tsv")"
IFS=$'\t' read -r id status reliability count minimized sig <"$work/report/groups.tsv"
[ "$status" = known-open ] || fail "status '$status', not known-open"
[ "$reliability" = reliable ] || fail "'$reliability', not reliable"
[ "$count" = 2 ] || fail "$count inputs in the group, not 2"
[ "$sig" = "$signature" ] || fail "signature '$sig'"
# The minimized input keeps the signature, and is smaller than the second input.
text="$work/report/groups/$id/minimized.txt"
[ -f "$text" ] && [ -f "$minimized" ] || fail "no minimized reproducer in $work/report/groups/$id"
expect_status 1 "$msirig" repro --target "$target" "$text"
grep -qF ": $signature" "$work/out.log" || fail "the minimized text scenario lost the signature"
expect_status 1 "$msirig" repro --target "$target" "$minimized"
steps=$(grep -cE '^(read|write) ' "$text")
[ "$steps" -eq 1 ] || fail "minimized to $steps steps, not 1: $(cat "$text")"
grep -q '^fault' "$text" && fail "the fault plan survived minimization"
# The reports: Markdown names the group, HTML parses as XML and lists it.
grep -qF "known-open (crashes/planted_msi_lock)" "$work/report/report.md" || fail "report.md"
grep -qF "clean.txt" "$work/report/report.md" || fail "report.md lists no clean input"
grep -q -- "-minimize_crash=1" "$work/build/fuzz/targets/calls" || fail "libFuzzer minimizer not run"
# The engine really minimized (its own log), from a fixed -seed, and its smaller input kept the
# signature, so triage took it (the reproducer's signature is checked above).
grep -q -- "-seed=1" "$work/build/fuzz/targets/calls" || fail "libFuzzer's minimizer ran unseeded"
grep -qE "libFuzzer -minimize_crash: [0-9]+ -> [0-9]+ bytes" "$work/report/report.md" ||
  fail "libFuzzer's minimized input was not kept: $(grep -F minimization "$work/report/report.md")"
engine_log="$work/report/groups/$id/libfuzzer.log"
[ -f "$engine_log" ] || fail "no log of libFuzzer's minimizer"
grep -qE "CRASH_MIN: " "$engine_log" || fail "libFuzzer did not minimize: $(tail -5 "$engine_log")"
python3 - "$work/report/report.html" "$id" <<'EOF' || fail "report.html is not well formed"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = {"h": "http://www.w3.org/1999/xhtml"}
rows = root.findall(".//h:tr[@id]", ns)
assert [r.get("id") for r in rows] == [sys.argv[2]], rows
assert "known-open" in "".join(rows[0].itertext())
EOF

# --- against an empty store, the same group is new: exit 1 ---
expect_status 1 "$msirig" triage "$work/in" --target "$target" --retries 1 --no-minimize \
  --crashes "$work/store" --out "$work/report2"
cut -f2 "$work/report2/groups.tsv" | grep -qx new || fail "not reported as new"
expect_status 2 "$msirig" triage "$work/nowhere" --target "$target"

# --- recorded fixed, but it reproduces: a regression, exit 1 ---
mkdir -p "$work/fixed_store/planted"
sed 's/^status: open$/status: fixed/' "$src/crashes/planted_msi_lock/finding" \
  >"$work/fixed_store/planted/finding"
expect_status 1 "$msirig" triage "$work/in" --target "$target" --retries 1 --no-minimize \
  --crashes "$work/fixed_store" --out "$work/report_fixed"
cut -f2 "$work/report_fixed/groups.tsv" | grep -q '^regression' || fail "not reported as a regression"
grep -qF 'class="regression"' "$work/report_fixed/report.html" || fail "report.html: no regression row"

# --- add: a whole group, never over an existing one ---
expect_status 0 "$msirig" add "$work/in/second.txt" --group planted_second --target "$target" \
  --crashes "$work/store"
finding="$work/store/planted_second/finding"
for key in "target: $target" "signature: $signature" "sanitizers: address" "status: open" "first_seen: "; do
  grep -qF "$key" "$finding" || fail "finding has no '$key': $(cat "$finding")"
done
[ -f "$work/store/planted_second/input.txt" ] || fail "no input.txt in the new group"
expect_status 2 "$msirig" add "$work/in/second.txt" --group planted_second --target "$target" \
  --crashes "$work/store"
expect_status 2 "$msirig" add "$work/in/clean.txt" --group clean_one --target "$target" \
  --crashes "$work/store"
[ "$(find "$work/store" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ] || fail "store: $(ls -a "$work/store")"
# A fixed group records a clean input with the signature it had.
expect_status 2 "$msirig" add "$work/in/clean.txt" --group clean_fixed --target "$target" \
  --status fixed --crashes "$work/store"  # no --signature
expect_status 0 "$msirig" add "$work/in/clean.txt" --group clean_fixed --target "$target" \
  --status fixed --signature "$signature" --crashes "$work/store"
grep -qx "status: fixed" "$work/store/clean_fixed/finding" || fail "clean_fixed is not fixed"
# The new group is known-open from now on.
expect_status 0 "$msirig" triage "$work/in" --target "$target" --retries 1 --no-minimize \
  --crashes "$work/store" --out "$work/report3"
echo "PASS"
