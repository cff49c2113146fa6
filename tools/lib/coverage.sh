# `tools/msirig coverage`: which code the corpus reaches, per component. Sourced by tools/msirig,
# which provides root, build, jobs, die, configure_and_build and corpus_of.
#
#   tools/msirig coverage [TARGET...] [--corpus DIR] [-o DIR]
#     TARGET      fuzz targets whose replay binaries play the corpus (default: every target
#                 with seeds in corpora/)
#     --corpus    replay DIR's files instead of the default: the target's seeds (encoded by the
#                 coverage build into build/coverage/corpora/<target>, the same bytes as
#                 build/asan/corpora/<target>) plus build/work/*/<target>/corpus where present
#     -o          where to write (default build/coverage-report): html/index.html (llvm-cov),
#                 summary.md (line and branch coverage per component: storport, hba-model,
#                 miniport, fuzz, targets, and the miniport functions never run)
# Inputs that end in a finding abort before their profile is written and count for nothing.
# Exit status: 0 written, 2 usage, build or I/O error. MSIRIG_NO_BUILD=1 uses the binaries as built.

coverage_usage() {
  sed -n '4,15p' "$root/tools/lib/coverage.sh" | sed 's/^# \{0,1\}//'
}

cmd_coverage() {
  local targets=() corpus_dir="" out="$build/coverage-report"
  while [ $# -gt 0 ]; do
    case "$1" in
      --corpus|-o)
        [ $# -ge 2 ] || die "coverage: $1 needs a value"
        if [ "$1" = --corpus ]; then corpus_dir="$2"; else out="$2"; fi
        shift 2 ;;
      -h|--help) coverage_usage; return 0 ;;
      -*) die "coverage: unknown option '$1' (see tools/msirig coverage --help)" ;;
      *) targets+=("$1"); shift ;;
    esac
  done
  if [ -n "$corpus_dir" ]; then [ -d "$corpus_dir" ] || die "coverage: --corpus '$corpus_dir' is not a directory"; fi
  if [ ${#targets[@]} -eq 0 ]; then
    local dir
    for dir in "$root"/corpora/*/; do targets+=("$(basename "$dir")"); done
  fi
  local target corpora=()
  for target in "${targets[@]}"; do corpora+=("$(corpus_of "$target")"); done
  command -v llvm-profdata-14 >/dev/null && command -v llvm-cov-14 >/dev/null ||
    "$root/tools/install-deps.sh"
  command -v llvm-profdata-14 >/dev/null || die "coverage: llvm-profdata-14 missing (apt-get install llvm-14)"
  command -v python3 >/dev/null || die "coverage: python3 missing (apt-get install python3)"

  local cov="$build/coverage"
  if [ "${MSIRIG_NO_BUILD:-0}" != 1 ]; then
    "$root/tools/install-deps.sh"
    local build_targets=(msirig_corpora)
    for target in "${targets[@]}"; do build_targets+=("${target}_replay"); done
    configure_and_build coverage "${build_targets[@]}" >/dev/null ||
      die "coverage: building the coverage preset failed"
  fi

  mkdir -p "$out" || die "coverage: cannot create '$out'"
  local profiles="$out/profiles"
  rm -rf "$profiles" "$out/html.new"
  mkdir -p "$profiles"
  local binaries=() i binary inputs n
  for i in "${!targets[@]}"; do
    target="${targets[$i]}"
    binary="$(find "$cov" -type f -name "${target}_replay" -perm -u+x 2>/dev/null | sort | head -1)"
    [ -n "$binary" ] || die "coverage: no replay binary '${target}_replay' in $cov"
    binaries+=("$binary")
    inputs="$profiles/$target.inputs"
    if [ -n "$corpus_dir" ]; then
      find "$corpus_dir" -type f | LC_ALL=C sort >"$inputs"
    else
      [ -d "$cov/corpora/${corpora[$i]}" ] || die "coverage: no seeds in $cov/corpora/${corpora[$i]}"
      { find "$cov/corpora/${corpora[$i]}" -type f
        find "$build"/work/*/"$target"/corpus -type f 2>/dev/null || true
      } | LC_ALL=C sort >"$inputs"
    fi
    n=$(wc -l <"$inputs")
    echo "msirig: coverage: replaying $n input(s) through $target"
    # One process per input: an input that ends in a finding aborts only its own run. Profiles
    # merge online into a pool of files (%4m), so thousands of inputs make four files.
    tr '\n' '\0' <"$inputs" | LLVM_PROFILE_FILE="$profiles/$target-%4m.profraw" \
      xargs -0 -r -n 1 -P "$jobs" sh -c '"$0" "$1" >/dev/null 2>&1 || true' "$binary"
  done
  local raw=()
  mapfile -t raw < <(find "$profiles" -name '*.profraw' | LC_ALL=C sort)
  [ ${#raw[@]} -gt 0 ] || die "coverage: no profile was written (did every input end in a finding?)"
  llvm-profdata-14 merge -sparse "${raw[@]}" -o "$out/merged.profdata" ||
    die "coverage: llvm-profdata-14 merge failed"

  # The project's own sources only: no tests, no system or third-party headers.
  local ignore='(_test\.cc$|/tests/|^/usr/|/build/|googletest|boost)'
  local objects=("${binaries[0]}")
  for binary in "${binaries[@]:1}"; do objects+=(-object "$binary"); done
  llvm-cov-14 show -format=html -output-dir="$out/html.new" -show-branches=count \
    -instr-profile="$out/merged.profdata" -ignore-filename-regex="$ignore" \
    -project-title="msirig coverage: ${targets[*]}" "${objects[@]}" >/dev/null ||
    die "coverage: llvm-cov-14 show failed"
  rm -rf "$out/html"
  mv "$out/html.new" "$out/html"
  llvm-cov-14 export -format=text -instr-profile="$out/merged.profdata" \
    -ignore-filename-regex="$ignore" "${objects[@]}" >"$out/export.json" ||
    die "coverage: llvm-cov-14 export failed"
  python3 "$root/tools/lib/coverage_summary.py" "$out/export.json" "$root" "${targets[*]}" \
    >"$out/summary.md.tmp" || die "coverage: summarizing failed"
  mv "$out/summary.md.tmp" "$out/summary.md"
  rm -f "$out/export.json"
  cat "$out/summary.md"
  echo
  echo "msirig: coverage report: $out/html/index.html, summary: $out/summary.md"
}
