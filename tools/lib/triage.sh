# tools/msirig repro / triage / add: sourced by tools/msirig (uses its root, build, die,
# configure_and_build). The analysis is msirig_triage (tools/triage/); this is the glue that
# finds the target and the builds, encodes text scenarios and calls it.

# Signatures need function names: the sanitizers symbolize with llvm-symbolizer from PATH,
# which Debian's llvm-14 alone installs only as llvm-symbolizer-14 (the `llvm` package adds the
# plain name). Point them at it when the plain name is missing.
if ! command -v llvm-symbolizer >/dev/null 2>&1; then
  for symbolizer in /usr/lib/llvm-14/bin/llvm-symbolizer "$(command -v llvm-symbolizer-14 || true)"; do
    if [ -n "$symbolizer" ] && [ -x "$symbolizer" ]; then
      export ASAN_OPTIONS="$ASAN_OPTIONS:external_symbolizer_path=$symbolizer"
      export TSAN_OPTIONS="$TSAN_OPTIONS:external_symbolizer_path=$symbolizer"
      export UBSAN_OPTIONS="$UBSAN_OPTIONS:external_symbolizer_path=$symbolizer"
      break
    fi
  done
fi

usage_repro() {
  cat <<'EOF'
usage: tools/msirig repro [--target T] [--sanitizer address|thread] FILE...
       tools/msirig repro TARGET FILE...          (the form findings print)
Replays each FILE (a fuzzer input, or a text scenario *.txt, encoded first) once under the
replay binary of the sanitizer's build (asan or tsan), shows its output and prints each
finding's signature (tools/triage/signature.h).
  --target T      the fuzz target; inferred when FILE is in crashes/<group>/ (its `finding`)
                  or under build/work/<engine>-<sanitizer>/<target>/
  --sanitizer S   address (ASan+UBSan) or thread (TSan); default: the group's first
                  sanitizer, the work directory's, or address
Exit status: 0 no finding, 1 a finding, 2 usage or I/O error, 125 this revision cannot be
built. So `git bisect run tools/msirig repro --target T FILE` finds the commit that broke it.
EOF
}

usage_triage() {
  cat <<'EOF'
usage: tools/msirig triage DIR [options]
Replays every input under DIR (a fuzzing work directory: its crash artifacts; a crashes/
group; any directory of inputs and *.txt scenarios) N times, groups them by signature,
minimizes one input per group (step-level delta debugging over the scenario, then libFuzzer's
-minimize_crash when the fuzz build of the target exists), compares the groups with crashes/
and writes OUT/report.md, OUT/report.html and OUT/groups.tsv, with each group's minimized
reproducer (binary and text scenario) in OUT/groups/<id>/.
  --target T        the fuzz target (inferred like repro's)
  --sanitizer S     address (default) or thread
  --retries N       replays per input (default 3); a group is reliable when an input
                    reproduces in at least half of them, else flaky
  --timeout S       seconds per replay (default 60): longer is reported as "timeout"
  --max-tests N     replays the minimizer may spend per group (default 400)
  --no-minimize     keep the inputs as they are
  --out DIR         where the report goes (default build/triage/<name of DIR>)
  --crashes DIR     the crash store to compare with (default crashes/)
Statuses: new (not in the store), known-open (recorded open), regression (recorded fixed,
reproduces). triage never writes to crashes/ (see add). Exit status: 0 every group is
known-open (or nothing reproduces), 1 a new or regressed group, 2 usage or I/O error.
EOF
}

usage_add() {
  cat <<'EOF'
usage: tools/msirig add FILE --group NAME [options]
Records FILE's finding as a new group crashes/NAME/ (crashes/README.md): replays it, writes
`finding` (target, signature, sanitizers, status, first_seen: the current git revision) and the
reproducer (a text scenario input.txt for scenario targets, else the bytes as crash-<sha1>).
The group is built in a temporary directory inside crashes/ and renamed into place: it
appears whole or not at all; an existing group is never overwritten.
  --group NAME      lower-case letters, digits and _ (what is wrong where, e.g. port_isr_race)
  --target T        the fuzz target (inferred like repro's)
  --sanitizer S     address (default) or thread: the build that shows the finding
  --status S        open (default: FILE must reproduce) or fixed (FILE must replay clean;
                    give --signature)
  --signature SIG   the signature to record with --status fixed
  --found TEXT      where it came from (free text)
  --crashes DIR     the store (default crashes/)
Exit status: 0 added, 2 refused (exists, no finding, bad name) or an I/O error.
EOF
}

# Targets whose inputs are not scenarios (no step-level minimization, reproducers kept as bytes).
is_scenario_target() {
  case "$1" in
    *msi_contract_fuzz | *hba_registers_fuzz) return 1 ;;
    *) return 0 ;;
  esac
}

preset_of() {  # sanitizer
  case "$1" in
    address) echo asan ;;
    thread) echo tsan ;;
    *) die "--sanitizer: '$1': expected address or thread" ;;
  esac
}

# "TARGET SANITIZER" of a file or directory from where it is: a crashes/<group>/ (its finding
# file) or build/work/<engine>-<sanitizer>/<target>/; nothing when unknown.
origin_of() {
  local path dir
  path="$(realpath -m "$1")"
  dir="$path"
  [ -d "$dir" ] || dir="$(dirname "$dir")"
  while [ "$dir" != / ] && [ -n "$dir" ]; do
    if [ -f "$dir/finding" ]; then
      local target sanitizers
      target=$(sed -nE 's/^target:[[:space:]]*([^[:space:]]+).*/\1/p' "$dir/finding" | head -1)
      sanitizers=$(sed -nE 's/^sanitizers:[[:space:]]*([a-z]+).*/\1/p' "$dir/finding" | head -1)
      [ -n "$target" ] && { echo "$target ${sanitizers:-address}"; return; }
    fi
    dir="$(dirname "$dir")"
  done
  if [[ "$path" =~ /work/(libfuzzer|afl)-(address|thread)/([A-Za-z0-9_]+)(/|$) ]]; then
    echo "${BASH_REMATCH[3]} ${BASH_REMATCH[2]}"
  fi
}

# Sets TARGET and SANITIZER (globals) from the options given and the files' origins.
resolve_target() {  # target_option sanitizer_option path...
  local target="$1" sanitizer="$2" path origin
  shift 2
  local inferred_target="" inferred_sanitizer=""
  for path in "$@"; do
    origin="$(origin_of "$path")"
    [ -n "$origin" ] || continue
    if [ -n "$inferred_target" ] && [ "${origin% *}" != "$inferred_target" ] && [ -z "$target" ]; then
      die "inputs of different targets ($inferred_target, ${origin% *}): give --target"
    fi
    inferred_target="${origin% *}"
    inferred_sanitizer="${origin#* }"
  done
  TARGET="${target:-$inferred_target}"
  [ -n "$TARGET" ] || die "cannot tell the fuzz target of $1 (not in crashes/<group>/ or build/work/): give --target"
  [[ "$TARGET" =~ ^[A-Za-z0-9_]+$ ]] || die "--target: '$TARGET' is not a target name"
  SANITIZER="${sanitizer:-${inferred_sanitizer:-address}}"
  preset_of "$SANITIZER" >/dev/null
}

# Builds (unless MSIRIG_NO_BUILD=1) and checks the binaries of PRESET that these commands use.
triage_binaries() {  # preset target exit_status_on_failure
  local preset="$1" target="$2" fail="$3"
  if [ "${MSIRIG_NO_BUILD:-0}" != 1 ]; then
    "$root/tools/install-deps.sh" || exit "$fail"
    if ! configure_and_build "$preset" "${target}_replay" msirig_scenario_tool msirig_triage >&2; then
      echo "msirig: cannot build ${target}_replay in $build/$preset" >&2
      exit "$fail"
    fi
  fi
  REPLAY="$build/$preset/targets/${target}_replay"
  [ -x "$REPLAY" ] || REPLAY="$(find "$build/$preset" -maxdepth 3 -type f -name "${target}_replay" -perm -u+x 2>/dev/null | head -1 || true)"
  if [ -z "$REPLAY" ] || [ ! -x "$REPLAY" ]; then
    echo "msirig: no replay binary for '$target' in $build/$preset (is it a fuzz target?)" >&2
    exit "$fail"
  fi
  SCENARIO_TOOL="$build/$preset/fuzz/msirig_scenario_tool"
  TRIAGE_TOOL="$build/$preset/tools/triage/msirig_triage"
  [ -x "$SCENARIO_TOOL" ] && [ -x "$TRIAGE_TOOL" ] || {
    echo "msirig: msirig_scenario_tool or msirig_triage missing in $build/$preset" >&2
    exit "$fail"
  }
}

cmd_repro() {
  local target="" sanitizer="" files=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --target | --sanitizer) [ $# -ge 2 ] || die "$1 needs a value"; set -- "$1=$2" "${@:3}" ;;
      --target=*) target="${1#*=}"; shift ;;
      --sanitizer=*) sanitizer="${1#*=}"; shift ;;
      -h | --help) usage_repro; return 0 ;;
      -*) die "repro: unknown option '$1' (tools/msirig repro --help)" ;;
      *) files+=("$1"); shift ;;
    esac
  done
  # The older form, which findings print: repro TARGET FILE...
  if [ -z "$target" ] && [ ${#files[@]} -ge 2 ] && [ ! -e "${files[0]}" ] &&
     [[ "${files[0]}" =~ ^[A-Za-z0-9_]+$ ]]; then
    target="${files[0]}"
    files=("${files[@]:1}")
  fi
  [ ${#files[@]} -ge 1 ] || { usage_repro >&2; die "repro: no FILE given"; }
  local file
  for file in "${files[@]}"; do
    [ -f "$file" ] && [ -r "$file" ] || die "repro: '$file' is not a readable file"
  done
  resolve_target "$target" "$sanitizer" "${files[@]}"
  local preset
  preset="$(preset_of "$SANITIZER")"
  triage_binaries "$preset" "$TARGET" 125
  local scratch status=0 input sig rc
  TRIAGE_SCRATCH="$(mktemp -d)"
  trap 'rm -rf "$TRIAGE_SCRATCH"' EXIT
  scratch="$TRIAGE_SCRATCH"
  for file in "${files[@]}"; do
    input="$file"
    if [[ "$file" == *.txt ]]; then  # a text scenario, e.g. pasted from a finding report
      input="$scratch/$(basename "${file%.txt}")"
      "$SCENARIO_TOOL" encode "$file" "$input" || die "repro: cannot encode '$file' (above)"
    fi
    rc=0
    # In a subshell whose stderr is dropped: bash would report the replay's abort ("Aborted").
    ("$REPLAY" "$input" >"$scratch/log" 2>&1 </dev/null) 2>/dev/null || rc=$?
    cat "$scratch/log" >&2
    if grep -q '^replay: cannot read' "$scratch/log"; then die "repro: cannot read '$file'"; fi
    if [ "$rc" -eq 0 ]; then
      echo "msirig: $file: no finding ($TARGET, $SANITIZER)"
      continue
    fi
    sig="$("$TRIAGE_TOOL" signature "$scratch/log" || true)"
    echo "msirig: $file: ${sig:-crash without a report (exit status $rc)} ($TARGET, $SANITIZER)"
    status=1
  done
  return "$status"
}

# The inputs of a triage directory, one per line: AFL++ crashes, libFuzzer artifacts, or
# every plain file (not metadata, logs or reports).
triage_inputs() {  # dir
  local dir="$1"
  if find "$dir" -path '*/crashes/id:*' -type f -print -quit | grep -q .; then
    find "$dir" -path '*/crashes/id:*' -type f ! -name '*.log' | LC_ALL=C sort
  elif [ -d "$dir/artifacts" ]; then
    find "$dir/artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
      -name 'timeout-*' -o -name 'oom-*' \) ! -name '*.log' | LC_ALL=C sort
  else
    find "$dir" -type f ! -name finding ! -name 'README*' ! -name '.*' ! -name '*.log' \
      ! -name '*.md' ! -name '*.html' ! -name '*.tsv' ! -name '*.options' ! -name '*.dict' \
      ! -path '*/.*' | LC_ALL=C sort
  fi
}

cmd_triage() {
  local dir="" target="" sanitizer="" out="" crashes="$root/crashes" extra=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --target | --sanitizer | --retries | --timeout | --max-tests | --out | --crashes)
        [ $# -ge 2 ] || die "$1 needs a value"; set -- "$1=$2" "${@:3}" ;;
      --target=*) target="${1#*=}"; shift ;;
      --sanitizer=*) sanitizer="${1#*=}"; shift ;;
      --out=*) out="${1#*=}"; shift ;;
      --crashes=*) crashes="${1#*=}"; shift ;;
      --retries=* | --timeout=* | --max-tests=*) extra+=("${1%%=*}" "${1#*=}"); shift ;;
      --no-minimize) extra+=(--no-minimize); shift ;;
      -h | --help) usage_triage; return 0 ;;
      -*) die "triage: unknown option '$1' (tools/msirig triage --help)" ;;
      *) [ -z "$dir" ] || die "triage: one DIR only ('$dir', '$1')"; dir="$1"; shift ;;
    esac
  done
  [ -n "$dir" ] || { usage_triage >&2; die "triage: no DIR given"; }
  [ -d "$dir" ] || die "triage: '$dir' is not a directory"
  [ -d "$crashes" ] || die "triage: --crashes '$crashes' is not a directory"
  local inputs=()
  mapfile -t inputs < <(triage_inputs "$dir")
  [ ${#inputs[@]} -gt 0 ] || die "triage: no input files under '$dir'"
  resolve_target "$target" "$sanitizer" "$dir" "${inputs[@]}"
  local preset
  preset="$(preset_of "$SANITIZER")"
  triage_binaries "$preset" "$TARGET" 2
  out="${out:-$build/triage/$(basename "$(realpath "$dir")")}"
  local fuzz_preset=fuzz fuzz_binary
  if [ "$SANITIZER" = thread ]; then fuzz_preset=fuzz-tsan; fi
  # libFuzzer's minimizer runs when the fuzz build of the target exists (triage does not build it).
  fuzz_binary="$(find "$build/$fuzz_preset" -maxdepth 3 -type f -name "$TARGET" -perm -u+x 2>/dev/null | head -1 || true)"
  if [ -n "$fuzz_binary" ]; then extra+=(--fuzz-binary "$fuzz_binary"); fi
  if is_scenario_target "$TARGET"; then extra+=(--scenario); fi
  local repro="tools/msirig repro --target $TARGET"
  if [ "$SANITIZER" != address ]; then repro+=" --sanitizer $SANITIZER"; fi
  echo "msirig: triage of ${#inputs[@]} input(s) of $TARGET ($SANITIZER) from $dir"
  "$TRIAGE_TOOL" triage --replay "$REPLAY" --target "$TARGET" --sanitizer "$SANITIZER" \
    --out "$out" --crashes "$crashes" --input-dir "$dir" --repro-prefix "$repro" \
    "${extra[@]}" "${inputs[@]}"
}

cmd_add() {
  local file="" group="" target="" sanitizer="" status=open signature="" found=""
  local crashes="$root/crashes"
  while [ $# -gt 0 ]; do
    case "$1" in
      --group | --target | --sanitizer | --status | --signature | --found | --crashes)
        [ $# -ge 2 ] || die "$1 needs a value"; set -- "$1=$2" "${@:3}" ;;
      --group=*) group="${1#*=}"; shift ;;
      --target=*) target="${1#*=}"; shift ;;
      --sanitizer=*) sanitizer="${1#*=}"; shift ;;
      --status=*) status="${1#*=}"; shift ;;
      --signature=*) signature="${1#*=}"; shift ;;
      --found=*) found="${1#*=}"; shift ;;
      --crashes=*) crashes="${1#*=}"; shift ;;
      -h | --help) usage_add; return 0 ;;
      -*) die "add: unknown option '$1' (tools/msirig add --help)" ;;
      *) [ -z "$file" ] || die "add: one FILE only ('$file', '$1')"; file="$1"; shift ;;
    esac
  done
  [ -n "$file" ] || { usage_add >&2; die "add: no FILE given"; }
  [ -f "$file" ] && [ -r "$file" ] || die "add: '$file' is not a readable file"
  [ -n "$group" ] || die "add: --group NAME is required"
  [[ "$group" =~ ^[a-z][a-z0-9_]*$ ]] || die "add: --group '$group': use lower-case letters, digits and _"
  [[ "$status" =~ ^(open|fixed)$ ]] || die "add: --status '$status': expected open or fixed"
  [ -d "$crashes" ] || die "add: --crashes '$crashes' is not a directory"
  [ ! -e "$crashes/$group" ] || die "add: $crashes/$group exists already: pick another --group"
  resolve_target "$target" "$sanitizer" "$file"
  triage_binaries "$(preset_of "$SANITIZER")" "$TARGET" 2
  local scratch
  TRIAGE_SCRATCH="$(mktemp -d)"
  trap 'rm -rf "$TRIAGE_SCRATCH"' EXIT
  scratch="$TRIAGE_SCRATCH"
  # The reproducer as it will be stored: a text scenario (scenario targets), else the bytes.
  local stored input="$file"
  if is_scenario_target "$TARGET"; then
    stored="$scratch/input.txt"
    if [[ "$file" == *.txt ]]; then
      cp "$file" "$stored"
    else
      "$SCENARIO_TOOL" decode "$file" >"$stored" || die "add: cannot decode '$file'"
    fi
    input="$scratch/input"
    "$SCENARIO_TOOL" encode "$stored" "$input" || die "add: cannot encode '$file' (above)"
  else
    [[ "$file" != *.txt ]] || die "add: $TARGET does not take text scenarios"
    stored="$scratch/crash-$(sha1sum "$file" | cut -c1-40)"
    cp "$file" "$stored"
  fi
  # What the stored reproducer shows now.
  local rc=0 actual
  # In a subshell whose stderr is dropped: bash would report the replay's abort ("Aborted").
  ("$REPLAY" "$input" >"$scratch/log" 2>&1 </dev/null) 2>/dev/null || rc=$?
  actual="$("$TRIAGE_TOOL" signature "$scratch/log" || true)"
  if [ "$status" = open ]; then
    [ "$rc" -ne 0 ] || die "add: '$file' replays clean with $TARGET ($SANITIZER): nothing to record as open"
    [ -n "$actual" ] || die "add: '$file' ends with exit status $rc but no finding report (log: replay it with repro)"
    [ -z "$signature" ] || [ "$signature" = "$actual" ] ||
      die "add: '$file' shows '$actual', not --signature '$signature'"
    signature="$actual"
  else
    [ "$rc" -eq 0 ] || die "add: '$file' still shows '${actual:-a crash}': not fixed"
    [ -n "$signature" ] || die "add: --status fixed needs --signature (the finding it had)"
  fi
  local revision
  revision="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  "$TRIAGE_TOOL" add --crashes "$crashes" --group "$group" --target "$TARGET" \
    --signature "$signature" --sanitizers "$SANITIZER" --first-seen "$revision" \
    --status "$status" --found "${found:-tools/msirig add $(basename "$file")}" "$stored" || exit 2
  echo "  signature: $signature"
  echo "  the replay tests check it from the next build: ctest --test-dir build/$(preset_of "$SANITIZER") -L replay"
}
