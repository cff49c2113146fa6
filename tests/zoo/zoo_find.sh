#!/usr/bin/env bash
# One run of the bug zoo's deterministic test (tests/zoo/CMakeLists.txt, label `zoo`).
#   zoo_find.sh found BINARY SEEDS RUNS SIGNATURE OPTIONS WORK SANITIZER TRIAGE
#       libFuzzer from a fixed seed (-seed=1; 2 and 3 only when a run is stopped by a known,
#       unfixed finding of the correct miniport, tests/zoo/known_findings), at most RUNS executions, from the sorted seeds of
#       SEEDS: it must stop on a finding whose signature line matches the extended regular
#       expression SIGNATURE, and the saved input must reproduce that signature when replayed
#       alone, under thread as under address (every run starts from a fresh TSan state:
#       fuzz/src/executor_run.cc, StartTsanFresh; miniport/zoo/README.md).
#   zoo_find.sh clean BINARY SEEDS RUNS - OPTIONS WORK SANITIZER TRIAGE
#       the same run must end without any finding (the correct miniport).
# Signatures are msirig_triage's (TRIAGE; tools/triage/signature.h), as triage and the crash
# store name findings.
# OPTIONS is corpora/<target>.options (its [libfuzzer] max_len and dict are used); WORK is a
# scratch directory, emptied first. Prints the executions it took.
set -euo pipefail

die() {
  echo "zoo: $*" >&2
  exit 1
}

[ $# -eq 9 ] || die "usage: zoo_find.sh found|clean BINARY SEEDS RUNS SIGNATURE OPTIONS WORK SANITIZER TRIAGE"
mode="$1" binary="$2" seeds_dir="$3" runs="$4" signature="$5" options_file="$6" work="$7"
sanitizer="$8" triage="$9"
[ -x "$triage" ] || die "no signature tool '$triage' (msirig_triage)"
[[ "$sanitizer" =~ ^(address|thread)$ ]] || die "sanitizer '$sanitizer': expected address or thread"
[[ "$mode" =~ ^(found|clean)$ ]] || die "mode '$mode': expected found or clean"
[ -x "$binary" ] || die "no fuzz target binary '$binary'"
[ -d "$seeds_dir" ] || die "no seed directory '$seeds_dir'"
[[ "$runs" =~ ^[0-9]+$ ]] || die "runs '$runs' is not a number"

# The [libfuzzer] section of the target's .options file: only max_len and dict matter here.
flags=()
dict=""
if [ -f "$options_file" ]; then
  section=""
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"
    if [[ "$line" =~ ^[[:space:]]*\[(.*)\][[:space:]]*$ ]]; then section="${BASH_REMATCH[1]}"; continue; fi
    [[ "$section" == libfuzzer && "$line" =~ ^[[:space:]]*(max_len|dict)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]] || continue
    value="${BASH_REMATCH[2]}"
    if [ "${BASH_REMATCH[1]}" = dict ]; then
      dict="$(dirname "$options_file")/$value"
      [ -f "$dict" ] || die "$options_file: dict '$value': no such file"
      dict="$(cd "$(dirname "$dict")" && pwd)/$(basename "$dict")"
      flags+=("-dict=dict")  # a copy in WORK (below)
    else
      flags+=("-${BASH_REMATCH[1]}=$value")
    fi
  done <"$options_file"
fi

# The signature of a log (tools/triage/signature.h), or a note that it shows no report.
signature_of_log() {
  "$triage" signature "$1" || echo "(no report: exit status only)"
}

# Without address-space randomization: libFuzzer's comparison tracing records operands, and
# some are heap and stack addresses, so with ASLR the same -seed mutates differently run to run.
# (ASLR is not the only thing: see the paths and -reload below, and miniport/zoo/README.md.)
setarch -R true 2>/dev/null || die "setarch -R (util-linux) does not work here: the run would not be deterministic"

# Findings of the correct miniport not yet fixed (tests/zoo/known_findings): a run stopped by
# one of them says nothing about the planted bug, so the next -seed is tried (at most 3).
known_of() {  # signature -> the matching line of known_findings, or nothing
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    if grep -qE -- "${line%%$'\t'*}" <<<"$1"; then echo "$line"; return; fi
  done <"$(dirname "${BASH_SOURCE[0]}")/known_findings"
}

# The same run on every machine and in every checkout. The fuzzing process's heap is laid out
# by what it allocated before, and libFuzzer allocates the paths it is given (the binary's, the
# seeds', the corpus's, each new unit's file name): a longer checkout path was enough to move a
# fixed -seed run onto another trajectory. So the run happens inside WORK, and every path it
# sees is short and the same: ./target (a link to BINARY), seeds/NAME (copies, named in a fixed
# order: libFuzzer sorts a directory's files by size only), corpus/ and artifacts/. And
# -reload=0: by default libFuzzer rereads its corpus directory every second, allocating as it
# does, so when those reads fell depended on the machine's speed.
[ -n "$(find "$seeds_dir" -maxdepth 1 -type f | head -1)" ] || die "no seeds in '$seeds_dir'"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
for seed in 1 2 3; do
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/seeds"
  ln -s "$binary" "$work/target"
  find "$seeds_dir" -maxdepth 1 -type f -exec cp {} "$work/seeds/" \;
  [ -z "$dict" ] || cp "$dict" "$work/dict"
  seeds="$(cd "$work" && find seeds -maxdepth 1 -type f | LC_ALL=C sort | paste -sd, -)"
  status=0
  (cd "$work" && exec setarch -R ./target -seed="$seed" -runs="$runs" -reload=0 -seed_inputs="$seeds" \
    "${flags[@]}" -timeout=120 -print_final_stats=1 -artifact_prefix=artifacts/ corpus \
    >fuzz.log 2>&1 </dev/null) || status=$?
  executions=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/fuzz.log" | grep -oE '[0-9]+$' | tail -1 || true)
  artifact=$(find "$work/artifacts" -maxdepth 1 -type f | LC_ALL=C sort | head -1)
  sig="$(signature_of_log "$work/fuzz.log")"
  if [ "$status" -eq 0 ] && [ -z "$artifact" ]; then
    break
  fi
  if [ "$mode" = found ] && grep -qE -- "$signature" <<<"$sig"; then
    break
  fi
  known="$(known_of "$sig")"
  if [ -z "$known" ]; then
    break
  fi
  echo "zoo: note: -seed=$seed stopped after ${executions:-?} executions on a known finding of the correct miniport: $sig (${known#*$'\t'}); next seed"
  cp "$work/fuzz.log" "$work/../$(basename "$work")-seed$seed.log" 2>/dev/null || true
  if [ "$seed" -eq 3 ]; then
    if [ "$mode" = clean ]; then
      echo "zoo: clean apart from known findings of the correct miniport"
      exit 0
    fi
    die "every seed was stopped by a known finding of the correct miniport before /$signature/"
  fi
done

if [ "$mode" = clean ]; then
  if [ "$status" -ne 0 ] || [ -n "$artifact" ]; then
    tail -60 "$work/fuzz.log" >&2
    die "the correct miniport's run (-seed=$seed) found something (status $status): $sig"
  fi
  echo "zoo: clean after ${executions:-?} executions (-seed=$seed -runs=$runs)"
  exit 0
fi

if [ "$status" -eq 0 ] || [ -z "$artifact" ]; then
  tail -20 "$work/fuzz.log" >&2
  die "nothing found in $runs runs (-seed=$seed; expected /$signature/)"
fi
if ! grep -qE -- "$signature" <<<"$sig"; then
  tail -60 "$work/fuzz.log" >&2
  die "found the wrong thing: '$sig' (expected /$signature/)"
fi
echo "zoo: found after ${executions:-?} executions (-seed=$seed, budget $runs): $sig"
# Under TSan the executor, not TSan, stops the process: at the end of the input's run, outside
# the report, after printing the finding's context (fuzz/src/executor_run.cc; dying inside the
# report could hang libFuzzer's crash callback).
if [ "$sanitizer" = thread ]; then
  grep -q '^msirig: ThreadSanitizer reported during this input (above); stopping at the end of its run$' \
    "$work/fuzz.log" || die "the run did not stop at the end of the racing input's run (see $work/fuzz.log)"
  grep -q '^msirig: reproduce: ' "$work/fuzz.log" || die "no finding context after the race report ($work/fuzz.log)"
fi
# The saved input must reproduce it (the engine kept the right input).
replayed="(nothing)"
if ! setarch -R "$binary" "$artifact" >"$work/replay.log" 2>&1 </dev/null; then
  replayed="$(signature_of_log "$work/replay.log")"
fi
[ "$replayed" = "$sig" ] ||
  die "the saved input $artifact replays to '$replayed', not '$sig' (see $work/replay.log)"
# Under TSan, also after each seed in one process: a race TSan reports must not depend on what
# the process ran before (each run starts from a fresh TSan state; miniport/zoo/README.md).
if [ "$sanitizer" = thread ]; then
  cp "$artifact" "$work/finding"
  for seed_file in "$work"/seeds/*; do
    after="(nothing)"
    if ! (cd "$work" && exec setarch -R ./target "seeds/$(basename "$seed_file")" finding \
            >after.log 2>&1 </dev/null); then
      after="$(signature_of_log "$work/after.log")"
    fi
    [ "$after" = "$sig" ] ||
      die "after the seed $(basename "$seed_file"), the saved input gives '$after', not '$sig' (see $work/after.log)"
  done
  echo "zoo: the saved input replays to the same race alone and after each of the $(find "$work/seeds" -type f | wc -l) seeds"
fi
