#!/usr/bin/env bash
# End-to-end test of `tools/msirig show` (ctest tools.show_e2e, label tools):
#  1. crashes/planted_msi_lock (a verifier finding) through the asan build: the HTML and SVG parse
#     as XML, the violation event is marked, the scenario and trace are there, and a second run
#     gives the same bytes;
#  2. tools/show/testdata/planted_race.txt through the tsan build's planted_race_fuzz_replay: both
#     racing accesses are marked, on CPUs 0 and 1. Skipped (exit 77) when the tsan build has no
#     such binary (`tools/msirig test` builds it before this runs).
# Usage: show_e2e_test.sh SOURCE_ROOT BINARY_DIR (the asan build; its parent holds the presets).
set -euo pipefail
root="$1"
binary_dir="$2"
export MSIRIG_BUILD
MSIRIG_BUILD="$(dirname "$binary_dir")"
export MSIRIG_NO_BUILD=1
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

check_xml() {  # file
  python3 - "$1" <<'PY' || fail "$1 is not well-formed XML"
import sys, xml.etree.ElementTree as ET
ET.parse(sys.argv[1])
PY
}

# 1. The verifier finding.
"$root/tools/msirig" show "$root/crashes/planted_msi_lock/input.txt" \
  -o "$out/msi.html" --svg "$out/msi.svg" | tee "$out/msi.log"
grep -q 'violation StorPortMSILock' "$out/msi.log" || fail "show did not print the signature"
check_xml "$out/msi.html"
check_xml "$out/msi.svg"
python3 - "$out/msi.html" <<'PY' || fail "the verifier finding is not marked as expected"
import sys, xml.etree.ElementTree as ET
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
page = ET.parse(sys.argv[1]).getroot()
label = page.find(".//s:text[@id='violation-1']", ns)
assert label is not None and "StorPortMSILock" in label.text, "no violation-1 label"
assert page.findall(".//s:circle[@class='violation']", ns), "no violation glyph"
scenario = page.find(".//h:pre[@id='scenario']", ns).text
assert "lba=2989" in scenario, scenario  # 0xbad, as the decoder prints it
trace = page.find(".//h:pre[@id='trace']", ns)
text = "".join(trace.itertext())
assert "violation StorPortMSILock" in text and "enter     HwStartIo" in text, text[:400]
assert "cpu1: step 1: write cpu=1" in text, "no step marks"
lanes = [t.text for t in page.findall(".//s:text", ns) if t.text in ("cpu0", "cpu1")]
assert lanes == ["cpu0", "cpu1"], lanes
PY
"$root/tools/msirig" show "$root/crashes/planted_msi_lock/input.txt" -o "$out/again.html" >/dev/null
cmp -s "$out/msi.html" "$out/again.html" || fail "two runs of show gave different pages"
# Bad input gets a clear error and exit 2.
status=0
"$root/tools/msirig" show "$out/no-such-file.txt" 2>"$out/err" || status=$?
[ "$status" = 2 ] && grep -q "no readable file" "$out/err" || fail "a missing file: status $status, $(cat "$out/err")"
echo "platform os=nonsense" >"$out/bad.txt"
status=0
"$root/tools/msirig" show "$out/bad.txt" --target planted_msi_lock_fuzz 2>"$out/err" || status=$?
[ "$status" = 2 ] && grep -q "not a valid text scenario" "$out/err" || fail "a bad scenario: status $status, $(cat "$out/err")"

# 2. The race, under TSan.
if [ ! -x "$MSIRIG_BUILD/tsan/tools/show/planted_race_fuzz_replay" ] ||
   [ ! -x "$MSIRIG_BUILD/tsan/targets/planted_msi_lock_fuzz_replay" ] ||
   [ ! -x "$MSIRIG_BUILD/tsan/fuzz/msirig_scenario_tool" ]; then
  echo "SKIP: the TSan part needs planted_race_fuzz_replay, planted_msi_lock_fuzz_replay and msirig_scenario_tool in $MSIRIG_BUILD/tsan"
  exit 77
fi
# Under TSan the recorder itself must stay invisible: the verifier finding, not a race in it.
"$root/tools/msirig" show "$root/crashes/planted_msi_lock/input.txt" --sanitizer thread \
  -o "$out/msi-tsan.html" | tee "$out/msi-tsan.log"
grep -q 'violation StorPortMSILock' "$out/msi-tsan.log" || fail "under TSan: not the verifier finding"
grep -q 'id="violation-1"' "$out/msi-tsan.html" || fail "under TSan: the violation is not marked"
"$root/tools/msirig" show "$root/tools/show/testdata/planted_race.txt" --target planted_race_fuzz \
  --sanitizer thread -o "$out/race.html" --svg "$out/race.svg" | tee "$out/race.log"
grep -q 'SUMMARY: ThreadSanitizer: data race' "$out/race.log" || fail "no race reported"
check_xml "$out/race.html"
check_xml "$out/race.svg"
python3 - "$out/race.html" <<'PY' || fail "the race is not marked as expected"
import sys, xml.etree.ElementTree as ET
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
page = ET.parse(sys.argv[1]).getroot()
marks = {}
for group in page.findall(".//s:g[@class='race-access']", ns):
    marks[group.get("id")] = "".join(group.find("s:text", ns).itertext())
assert set(marks) == {"race-current", "race-previous"}, marks
assert all("HwMSInterruptRoutine" in text for text in marks.values()), marks
race = "".join(page.find(".//h:ul[@id='race']", ns).itertext())
assert "on cpu0" in race and "on cpu1" in race, race
assert "step 1: interrupt cpu=0 message=0" in race or "step 2: interrupt cpu=1 message=1" in race, race
PY
echo "PASS"
