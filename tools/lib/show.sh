# `tools/msirig show`: one input replayed with its full event trace, drawn as an interleaving
# chart (tools/show/). Sourced by tools/msirig, which provides root, build, jobs, die and
# configure_and_build.
#
#   tools/msirig show FILE [--target T] [--sanitizer address|thread] [-o OUT.html] [--svg OUT.svg]
#     FILE        a saved input (bytes) or a text scenario (.txt), e.g. crashes/<group>/input.txt
#     --target    the fuzz target whose replay binary plays it (default: the `target:` of a
#                 crashes/<group>/finding beside FILE, else schedule_fuzz)
#     --sanitizer address (ASan+UBSan, default) or thread (TSan: races are located on CPUs);
#                 default: the first of the finding file's `sanitizers:`, else address
#     -o          the HTML page (default: FILE's name + .html in the current directory)
#     --svg       also (or only, without -o) the chart alone as SVG
# It prints the finding's signature and the files written. Exit status: 0 written (whatever the
# replay found), 2 usage, build or I/O error. MSIRIG_NO_BUILD=1 uses the binaries as built.

show_usage() {
  sed -n '4,15p' "$root/tools/lib/show.sh" | sed 's/^# \{0,1\}//'
}

# The value of `key:` in a crashes/<group>/finding file ("" if none).
show_finding_value() {  # file key
  [ -f "$1" ] || return 0
  sed -n "s/^$2:[[:space:]]*//p" "$1" | head -1 | sed 's/[[:space:]]*$//'
}

cmd_show() {
  local file="" target="" sanitizer="" html="" svg="" html_given=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --target|--sanitizer|-o|--svg)
        [ $# -ge 2 ] || die "show: $1 needs a value"
        case "$1" in
          --target) target="$2" ;;
          --sanitizer) sanitizer="$2" ;;
          -o) html="$2"; html_given=1 ;;
          --svg) svg="$2" ;;
        esac
        shift 2 ;;
      -h|--help) show_usage; return 0 ;;
      -*) die "show: unknown option '$1' (see tools/msirig show --help)" ;;
      *) [ -z "$file" ] || die "show: one FILE at a time ('$file' and '$1')"; file="$1"; shift ;;
    esac
  done
  [ -n "$file" ] || die "usage: tools/msirig show FILE [--target T] [--sanitizer S] [-o OUT.html] [--svg OUT.svg]"
  [ -f "$file" ] && [ -r "$file" ] || die "show: no readable file '$file'"
  local finding_file
  finding_file="$(dirname "$file")/finding"
  [ -n "$target" ] || target="$(show_finding_value "$finding_file" target)"
  [ -n "$target" ] || target=schedule_fuzz
  [ -n "$sanitizer" ] || sanitizer="$(show_finding_value "$finding_file" sanitizers | cut -d, -f1 | tr -d ' ')"
  [ -n "$sanitizer" ] || sanitizer=address
  local preset
  case "$sanitizer" in
    address) preset=asan ;;
    thread) preset=tsan ;;
    *) die "show: --sanitizer '$sanitizer': expected address or thread" ;;
  esac
  if [ "$html_given" = 0 ] && [ -z "$svg" ]; then html="$(basename "${file%.*}").html"; fi
  local dir
  for dir in "$html" "$svg"; do
    [ -z "$dir" ] || [ -d "$(dirname "$dir")" ] || die "show: no directory for '$dir'"
  done

  if [ "${MSIRIG_NO_BUILD:-0}" != 1 ]; then
    "$root/tools/install-deps.sh"
    configure_and_build "$preset" "${target}_replay" msirig_scenario_tool msirig_show >/dev/null ||
      die "show: building ${target}_replay in $build/$preset failed"
  fi
  local replay tool show_bin
  replay="$(find "$build/$preset" -type f -name "${target}_replay" -perm -u+x 2>/dev/null | sort | head -1)"
  [ -n "$replay" ] || die "show: no replay binary '${target}_replay' in $build/$preset"
  tool="$build/$preset/fuzz/msirig_scenario_tool"
  show_bin="$build/$preset/tools/show/msirig_show"
  # The chart writer is a plain program: any build's will do.
  [ -x "$show_bin" ] || show_bin="$build/asan/tools/show/msirig_show"
  [ -x "$tool" ] || die "show: no $tool (build it: cmake --build $build/$preset --target msirig_scenario_tool)"
  [ -x "$show_bin" ] || die "show: no $show_bin (build it: cmake --build $build/$preset --target msirig_show)"

  local scratch
  scratch="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$scratch'" EXIT
  local input="$scratch/input"
  if [[ "$file" == *.txt ]]; then
    "$tool" encode "$file" "$input" >"$scratch/encode.log" 2>&1 ||
      { cat "$scratch/encode.log" >&2; die "show: '$file' is not a valid text scenario (above)"; }
  else
    cp "$file" "$input"
  fi
  # The scenario as text (the decoder names the steps as the replay plays them).
  "$tool" decode "$input" >"$scratch/scenario.txt" 2>"$scratch/decode.log" ||
    { cat "$scratch/decode.log" >&2; die "show: cannot decode '$file'"; }

  # One replay, the full trace written even when it ends in a finding. Sanitizer reports
  # symbolized, so that racing accesses name their functions.
  # (In a subshell whose own stderr, with the shell's "Aborted" notice, goes nowhere.)
  ( MSIRIG_TRACE_OUT="$scratch/trace" MSIRIG_INPUT_NAME="$file" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=1" \
      TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}symbolize=1" \
      "$replay" "$input" </dev/null >"$scratch/report" 2>&1 && echo 0 >"$scratch/status" ||
      echo "$?" >"$scratch/status"
  ) 2>/dev/null
  local status
  status="$(cat "$scratch/status" 2>/dev/null || echo '?')"
  [ -s "$scratch/trace" ] || { tail -20 "$scratch/report" >&2; die "show: the replay wrote no trace (exit $status; its output above)"; }

  local args=(--trace "$scratch/trace" --report "$scratch/report" --scenario "$scratch/scenario.txt"
              --title "msirig show: $(basename "$file") ($target, $sanitizer)")
  [ -z "$html" ] || args+=(-o "$html")
  [ -z "$svg" ] || args+=(--svg "$svg")
  "$show_bin" "${args[@]}" || die "show: writing the chart failed"
  local signature
  signature="$(grep -m1 -E '^msirig: violation |^SUMMARY: |^msirig: contract mismatch|ERROR: [A-Za-z]+Sanitizer' "$scratch/report" || true)"
  echo "msirig: show $file ($target, $sanitizer): ${signature:-no finding}"
  [ -z "$html" ] || echo "  chart:  $html"
  [ -z "$svg" ] || echo "  svg:    $svg"
  return 0
}
