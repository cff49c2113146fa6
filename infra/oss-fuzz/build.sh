#!/bin/bash -eu
# msirig's build script for OSS-Fuzz and ClusterFuzzLite (the one copy: both Dockerfiles copy this
# file to $SRC/build.sh). The builder runs it as `bash -eux $SRC/build.sh` with:
#   CC CXX CFLAGS CXXFLAGS   compilers and flags; every sanitizer and coverage flag comes in here
#   LIB_FUZZING_ENGINE       what to link fuzz targets with (-fsanitize=fuzzer, libAFLDriver.a, ...)
#   SANITIZER                address, undefined, memory, thread or coverage (informational here)
#   SRC OUT WORK             the checkout's parent, the output directory, scratch space
# It adds no sanitizer, coverage or engine flag of its own (cmake/MsirigOptions.cmake, external
# mode) and writes to $OUT, for each shipped fuzz target T:
#   T                  the target (an executable without extension)
#   T_seed_corpus.zip  its seeds: corpora/<corpus>/, scenarios encoded from their text form
#   T.dict             corpora/<corpus>.dict (where the target has one)
#   T.options          INI: [libfuzzer] from corpora/<corpus>.options, plus [asan] and [ubsan]
# Shipped: every target of targets/ and hba-model/ (names ending in _fuzz). The test-only
# planted_msi_lock_fuzz is built only when MSIRIG_OSS_CHECK=1 (tools/oss-check.sh); a cluster
# never sets it. MSIRIG_SRC overrides where the checkout is (default $SRC/msirig).
set -euo pipefail

die() {
  echo "msirig build.sh: $*" >&2
  exit 1
}

for var in SRC OUT WORK CC CXX LIB_FUZZING_ENGINE; do
  [ -n "${!var:-}" ] || die "\$$var is not set (the OSS-Fuzz builder sets it; see infra/oss-fuzz/README.md)"
done
CFLAGS="${CFLAGS:-}"
CXXFLAGS="${CXXFLAGS:-}"
SANITIZER="${SANITIZER:-address}"

msirig="${MSIRIG_SRC:-$SRC/msirig}"
if [ ! -f "$msirig/CMakeLists.txt" ]; then
  # Run from a checkout (infra/oss-fuzz/build.sh) rather than as $SRC/build.sh.
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." 2>/dev/null && pwd || true)"
  [ -n "$here" ] && [ -f "$here/CMakeLists.txt" ] || die "no msirig checkout at $msirig (set MSIRIG_SRC)"
  msirig="$here"
fi
[ -d "$OUT" ] && [ -w "$OUT" ] || die "\$OUT=$OUT is not a writable directory"
mkdir -p "$WORK"
jobs="$(nproc 2>/dev/null || echo 2)"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

# 1. The seeds. Scenario seeds are kept as text (corpora/<target>/*.txt); the engine-less build
#    encodes them (targets/corpora.cmake). That build is a host tool: the builder's compiler
#    without its flags (no sanitizer, no engine), so that it runs on this machine as it is.
host="$WORK/msirig-host"
env -u CFLAGS -u CXXFLAGS -u LDFLAGS \
  cmake -S "$msirig" -B "$host" "${generator[@]}" \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=Release \
    -DMSIRIG_ENGINE=none -DMSIRIG_SANITIZERS= -DMSIRIG_WERROR=OFF
env -u CFLAGS -u CXXFLAGS -u LDFLAGS cmake --build "$host" -j "$jobs" --target msirig_corpora

# 2. The fuzz targets, with the builder's flags and engine only.
components="storport;hba-model;miniport;fuzz;targets"
check=OFF
if [ "${MSIRIG_OSS_CHECK:-0}" = 1 ]; then
  components="$components;tests/oss"  # + the planted target, for the build check only
  check=ON
fi
build="$WORK/msirig-$SANITIZER"
cmake -S "$msirig" -B "$build" "${generator[@]}" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DMSIRIG_ENGINE=external -DMSIRIG_SANITIZERS= -DMSIRIG_FUZZING_ENGINE_LIB="$LIB_FUZZING_ENGINE" \
  -DMSIRIG_WERROR=OFF -DMSIRIG_COMPONENTS="$components" -DMSIRIG_OSS_CHECK="$check"
cmake --build "$build" -j "$jobs"

# The corpus of a target: corpora/<target>, or corpora/<c> for <miniport>_<c> (a target built
# against another miniport; the longest such <c>).
corpus_of() {
  local target="$1" dir best=""
  if [ -d "$msirig/corpora/$target" ]; then echo "$target"; return; fi
  for dir in "$msirig"/corpora/*/; do
    dir="$(basename "$dir")"
    if [[ "$target" == *_"$dir" ]] && [ ${#dir} -gt ${#best} ]; then best="$dir"; fi
  done
  echo "$best"
}

# T.options: the [libfuzzer] section of corpora/<corpus>.options (dict renamed to T.dict), and
# the sanitizer sections the cluster turns into ASAN_OPTIONS and UBSAN_OPTIONS. They say what
# targets/sanitizer_defaults.cc compiles in: every finding stops the run.
write_options() {  # target corpus
  local target="$1" corpus="$2" source="$msirig/corpora/$2.options" section="" line
  {
    echo "# $target (msirig): written by build.sh from corpora/$corpus.options"
    echo "[libfuzzer]"
    if [ -f "$source" ]; then
      while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        if [[ "$line" =~ ^[[:space:]]*\[(.*)\][[:space:]]*$ ]]; then
          section="${BASH_REMATCH[1]}"
          continue
        fi
        [ "$section" = libfuzzer ] || continue
        [[ "$line" =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]] || continue
        if [ "${BASH_REMATCH[1]}" = dict ]; then
          [ -f "$OUT/$target.dict" ] && echo "dict = $target.dict"
        else
          echo "${BASH_REMATCH[1]} = ${BASH_REMATCH[2]}"
        fi
      done <"$source"
    elif [ -f "$OUT/$target.dict" ]; then
      echo "dict = $target.dict"
    fi
    echo
    echo "[asan]"
    echo "halt_on_error = 1"
    echo "abort_on_error = 1"
    echo
    echo "[ubsan]"
    echo "halt_on_error = 1"
    echo "print_stacktrace = 1"
  } >"$OUT/$target.options"
}

shipped=0
while IFS= read -r binary; do
  target="$(basename "$binary")"
  corpus="$(corpus_of "$target")"
  install -m 755 "$binary" "$OUT/$target"
  if [ -n "$corpus" ]; then
    seeds="$host/corpora/$corpus"
    [ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] || die "no encoded seeds in $seeds for $target"
    rm -f "$OUT/${target}_seed_corpus.zip"
    (cd "$seeds" && zip -q -X -j "$OUT/${target}_seed_corpus.zip" -- *)
    if [ -f "$msirig/corpora/$corpus.dict" ]; then
      cp "$msirig/corpora/$corpus.dict" "$OUT/$target.dict"
    fi
  fi
  write_options "$target" "${corpus:-$target}"
  shipped=$((shipped + 1))
done < <(find "$build" -type f -perm -u+x -name '*_fuzz' | LC_ALL=C sort)
[ "$shipped" -gt 0 ] || die "no fuzz target was built in $build"
echo "msirig build.sh: $shipped fuzz target(s) in $OUT ($SANITIZER)"
