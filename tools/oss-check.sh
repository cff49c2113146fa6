#!/usr/bin/env bash
# The cluster build check: runs infra/oss-fuzz/build.sh on this machine the way the OSS-Fuzz
# builder does (its `compile` step), then checks what it wrote to $OUT the way OSS-Fuzz's own
# build checks do, and more. Used by `tools/msirig test` and ctest (label `oss`).
#
#   tools/oss-check.sh [BUILD...] [--all] [--keep]
#     BUILD    ENGINE:SANITIZER, e.g. libfuzzer:address (the default), afl:address,
#              libfuzzer:undefined, libfuzzer:thread, libfuzzer:coverage, libfuzzer:memory
#     --all    every build the project supports: about 13 minutes on 2 cores (measured on a
#              loaded machine: ASan 2.5, AFL++ 4.5, UBSan, TSan and coverage 2 to 3 each)
#     --keep   keep the scratch directory (printed) for a look afterwards
#
# Each build gets a fresh SRC (a copy of this checkout at $SRC/msirig, build.sh at
# $SRC/build.sh), an empty OUT and a fresh WORK under one scratch directory in /tmp. The builder's
# environment, as OSS-Fuzz's Ubuntu 24.04 images set it (base-clang's ubuntu-24-04.Dockerfile,
# base-builder's Dockerfile and `compile`): CC=clang-14 CXX=clang++-14 (afl: afl-clang-fast,
# afl-clang-fast++), CFLAGS = its base CFLAGS + SANITIZER_FLAGS_<sanitizer> + its coverage flags,
# CXXFLAGS = CFLAGS + CXXFLAGS_EXTRA (-stdlib=libc++: C++ is compiled against libc++),
# LIB_FUZZING_ENGINE=-fsanitize=fuzzer (afl: Debian's libAFLDriver.a), SANITIZER, FUZZING_ENGINE,
# and MSIRIG_OSS_CHECK=1, the one difference: build.sh then also builds the test-only
# planted_msi_lock_fuzz, whose recorded crash (crashes/planted_msi_lock/) is the known crash input.
# One more difference where this machine forces it: OSS-Fuzz's libFuzzer carries its own private
# C++ library, Debian's libclang_rt.fuzzer is built against libstdc++, so where an empty target
# does not link with -stdlib=libc++ alone, LIB_FUZZING_ENGINE also names libstdc++.so.6 (said in
# the output). Then every target must import from libstdc++ nothing the empty target does not
# (libc++ exports it or the engine needs it): the rig, the miniport and what they link (Boost's
# fcontext: C ABI, assembly) use libc++ only. Debian's libc++ is shared (libc++.so.1); the
# cluster's clang links its static one, so there the targets need nothing outside $OUT.
# For afl it also does what OSS-Fuzz's compile_afl does around build.sh: afl-fuzz and
# afl-showmap into $OUT, the AFL_ settings into $OUT/afl_options.txt.
#
# Then $OUT is moved elsewhere and every target is run from / as user nobody (only /tmp
# writable), and checked: an executable without extension containing LLVMFuzzerTestOneInput; no
# path of the build machine in its code or data; instrumented for the engine (libFuzzer: -runs=4
# completes and shows its coverage counters; AFL++: afl-showmap sees edges); the sanitizer runtime
# and instrumentation match $SANITIZER and no other; a few hundred inputs from its seed corpus with
# its .options run without a finding; its .options is INI with [libfuzzer], [asan] and [ubsan] and
# names only files that exist; $OUT holds exactly the targets with seeds in corpora/ (and the
# planted one); every `expected` crash of crashes/ for it reproduces its signature
# and every `fixed` one replays clean. AFL++ builds: afl-fuzz and afl_options.txt are in $OUT and
# afl-fuzz starts cleanly on each target. Coverage builds: the seeds produce a profile that
# llvm-cov reads.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
builds=()
keep=0
for arg in "$@"; do
  case "$arg" in
    --all) builds+=(libfuzzer:address libfuzzer:undefined libfuzzer:thread libfuzzer:coverage afl:address) ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    libfuzzer:address|libfuzzer:undefined|libfuzzer:thread|libfuzzer:memory|libfuzzer:coverage|afl:address)
      builds+=("$arg") ;;
    *) echo "oss-check: unknown build or option '$arg' (--help)" >&2; exit 2 ;;
  esac
done
[ ${#builds[@]} -gt 0 ] || builds=(libfuzzer:address)
# zip, unzip, objdump, AFL++ (as root it installs them; otherwise it names what is missing).
"$root/tools/install-deps.sh" --oss

scratch="$(mktemp -d /tmp/msirig-oss.XXXXXX)"
chmod 755 "$scratch"
cleanup() {
  if [ "$keep" = 1 ]; then echo "oss-check: kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

failures=0
fail() {
  echo "oss-check: FAIL: $*" >&2
  failures=$((failures + 1))
}

# Runs a command as the cluster runs a target: from /, as nobody, so that only world-writable
# places (/tmp) can be written. Falls back to the current user where setpriv cannot switch.
as_runner() {
  if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@")
  else
    (cd / && "$@")
  fi
}

# OSS-Fuzz's base CFLAGS (base-clang, ubuntu-24-04.Dockerfile). clang-14 warns about the two
# -Wno-error= options it does not know (enum-constexpr-conversion, vla-cxx-extension): harmless.
oss_cflags="-O1 -fno-omit-frame-pointer -gline-tables-only -Wno-error=enum-constexpr-conversion -Wno-error=incompatible-function-pointer-types -Wno-error=int-conversion -Wno-error=deprecated-declarations -Wno-error=implicit-function-declaration -Wno-error=implicit-int -Wno-error=vla-cxx-extension -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
# ... and what `compile` appends for C++ (CXXFLAGS_EXTRA).
oss_cxxflags_extra="-stdlib=libc++"

# OSS-Fuzz's flags for a sanitizer (its base-builder image: SANITIZER_FLAGS_<sanitizer>).
sanitizer_flags() {
  local checks="array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr"
  case "$1" in
    address) echo "-fsanitize=address -fsanitize-address-use-after-scope" ;;
    undefined) echo "-fsanitize=$checks,unsigned-integer-overflow -fno-sanitize-recover=$checks" ;;
    memory) echo "-fsanitize=memory -fsanitize-memory-track-origins" ;;
    thread) echo "-fsanitize=thread" ;;
    coverage) echo "" ;;
  esac
}

# One libFuzzer flag per line from the [libfuzzer] section of an .options file (dict made absolute).
libfuzzer_flags() {  # options-file out-dir
  local section="" line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"
    if [[ "$line" =~ ^[[:space:]]*\[(.*)\][[:space:]]*$ ]]; then section="${BASH_REMATCH[1]}"; continue; fi
    [ "$section" = libfuzzer ] || continue
    [[ "$line" =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]] || continue
    if [ "${BASH_REMATCH[1]}" = dict ]; then
      echo "-dict=$2/${BASH_REMATCH[2]}"
    else
      echo "-${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    fi
  done <"$1"
}

# The `key: value` of a crashes/<group>/finding file.
finding_value() {  # file key
  sed -n "s/^$2: *//p" "$1" | head -1 | sed 's/[[:space:]]*$//'
}

check_options() {  # file out-dir
  local file="$1" out="$2" line sections="" n=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [[ "$line" =~ ^[[:space:]]*([#\;].*)?$ ]]; then continue; fi
    if [[ "$line" =~ ^\[([a-z]+)\]$ ]]; then sections="$sections ${BASH_REMATCH[1]}"; continue; fi
    if [[ "$line" =~ ^[a-z_]+[[:space:]]*=[[:space:]]*[^[:space:]]+$ ]]; then
      [ -n "$sections" ] || fail "$file:$n: key before any [section]"
      if [[ "$line" =~ ^dict[[:space:]]*=[[:space:]]*(.*)$ ]] && [ ! -f "$out/${BASH_REMATCH[1]}" ]; then
        fail "$file:$n: dict ${BASH_REMATCH[1]} is not in \$OUT"
      fi
      continue
    fi
    fail "$file:$n: not INI: '$line'"
  done <"$file"
  local want
  for want in libfuzzer asan ubsan; do
    [[ " $sections " == *" $want "* ]] || fail "$file: no [$want] section"
  done
}

# Calls into each sanitizer's runtime from the target's code (OSS-Fuzz counts them the same way).
check_sanitizer() {  # binary sanitizer
  local binary="$1" sanitizer="$2" dis asan msan tsan ubsan
  dis="$(mktemp -p "$scratch")"
  objdump -d --no-show-raw-insn "$binary" | grep -E 'call[q]?[[:space:]]' >"$dis" || true
  asan=$(grep -c '<__asan' "$dis" || true)
  msan=$(grep -c '<__msan' "$dis" || true)
  tsan=$(grep -c '<__tsan' "$dis" || true)
  ubsan=$(grep -c '<__ubsan' "$dis" || true)
  rm -f "$dis"
  local name
  name="$(basename "$binary")"
  echo "    runtime calls: asan $asan, msan $msan, tsan $tsan, ubsan $ubsan"
  case "$sanitizer" in
    address) [ "$asan" -ge 1000 ] && [ "$msan" -eq 0 ] && [ "$tsan" -eq 0 ] && [ "$ubsan" -le 200 ] ;;
    undefined) [ "$ubsan" -ge 168 ] && [ "$asan" -eq 0 ] && [ "$msan" -eq 0 ] && [ "$tsan" -eq 0 ] ;;
    memory) [ "$msan" -ge 1000 ] && [ "$asan" -eq 0 ] && [ "$tsan" -eq 0 ] ;;
    thread) [ "$tsan" -ge 500 ] && [ "$asan" -eq 0 ] && [ "$msan" -eq 0 ] ;;  # rig libraries: uninstrumented
    coverage) [ "$asan" -eq 0 ] && [ "$msan" -eq 0 ] && [ "$tsan" -eq 0 ] && [ "$ubsan" -le 200 ] &&
                grep -qa __llvm_profile_write_file "$binary" ;;
  esac || fail "$name: instrumentation does not match SANITIZER=$sanitizer"
}

# LIB_FUZZING_ENGINE as this machine can link it with CXXFLAGS (-stdlib=libc++): as given, or,
# where the engine library was built against libstdc++ (Debian's libFuzzer), with libstdc++.so.6
# named after it (by file name: clang replaces -lstdc++ by the -stdlib library). Leaves the empty
# target linked that way in DIR/probe for the libstdc++ check.
engine_link_args() {  # cxx cxxflags engine-lib dir
  local cxx="$1" cxxflags="$2" engine="$3" dir="$4" cxxflags_list engine_list
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }\n' \
    >"$dir/probe.cc"
  read -r -a cxxflags_list <<<"$cxxflags"
  read -r -a engine_list <<<"$engine"
  if AFL_QUIET=1 "$cxx" "${cxxflags_list[@]}" "$dir/probe.cc" "${engine_list[@]}" -o "$dir/probe" \
       >"$dir/link.log" 2>&1; then
    echo "$engine"
  elif grep -q 'undefined reference to .std::' "$dir/link.log" &&
       AFL_QUIET=1 "$cxx" "${cxxflags_list[@]}" "$dir/probe.cc" "${engine_list[@]}" -l:libstdc++.so.6 \
         -o "$dir/probe" >"$dir/link.log" 2>&1; then
    echo "  note: the engine library needs libstdc++ here (Debian's is built against it): linked with -l:libstdc++.so.6" >&2
    echo "$engine -l:libstdc++.so.6"
  else
    return 1
  fi
}

# The libstdc++ symbols BINARY imports that libc++ does not export either (so they come from code
# compiled against libstdc++, not from the C++ ABI both provide).
libstdcxx_only_imports() {  # binary
  local libcxx
  libcxx="$(nm -D --defined-only /usr/lib/x86_64-linux-gnu/libc++.so.1 /usr/lib/x86_64-linux-gnu/libc++abi.so.1 \
              2>/dev/null | awk '{ print $NF }' | sort -u)"
  nm -D --undefined-only "$1" | awk '$NF ~ /@(GLIBCXX|CXXABI)_/ { sub(/@.*/, "", $NF); print $NF }' | sort -u |
    comm -23 - <(echo "$libcxx")
}

# C++ in a target is libc++'s: it links libc++, and imports from libstdc++ only what the empty
# target linked the same way does (the engine's own needs, on this machine).
check_cxx_library() {  # binary probe-binary
  local name extra
  name="$(basename "$1")"
  if ! readelf -d "$1" | grep -q 'NEEDED.*\[libc++\.so'; then
    fail "$name: not linked with libc++ (CXXFLAGS has -stdlib=libc++)"
  fi
  extra="$(comm -23 <(libstdcxx_only_imports "$1") <(libstdcxx_only_imports "$2") | head -5)"
  if [ -n "$extra" ]; then
    fail "$name: code compiled against libstdc++ is linked in (OSS-Fuzz has no libstdc++ for it): $(echo "$extra" | c++filt | paste -sd ';')"
  else
    echo "    C++ library: libc++ (nothing from libstdc++ beyond the engine's own)"
  fi
}

run_build() {  # engine sanitizer
  local engine="$1" sanitizer="$2" dir="$scratch/$1-$2"
  local SRC="$dir/src" OUT="$dir/out" WORK="$dir/work"
  mkdir -p "$SRC/msirig" "$OUT" "$WORK"
  (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
    tar -xf - -C "$SRC/msirig"
  cp "$root/infra/oss-fuzz/build.sh" "$SRC/build.sh"

  local cc=clang-14 cxx=clang++-14 engine_lib=-fsanitize=fuzzer coverage_flags=-fsanitize=fuzzer-no-link
  if [ "$sanitizer" = coverage ]; then
    coverage_flags="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument"
  fi
  if [ "$engine" = afl ]; then
    cc=afl-clang-fast cxx=afl-clang-fast++ engine_lib=/usr/lib/afl/libAFLDriver.a coverage_flags=""
    cp "$(command -v afl-fuzz)" "$(command -v afl-showmap)" "$OUT/"
    env -i AFL_QUIET=1 AFL_LLVM_CMPLOG=0 | grep '^AFL_' >"$OUT/afl_options.txt"
  fi
  local cflags cxxflags
  cflags="$oss_cflags $(sanitizer_flags "$sanitizer") $coverage_flags"
  cxxflags="$cflags $oss_cxxflags_extra"
  echo "oss-check: $engine/$sanitizer: build.sh (log $dir/build.log)"
  # The engine's own C++ library, where this machine's engine needs one (header).
  local probe="$dir/engine-probe"
  mkdir -p "$probe"
  if ! engine_lib="$(engine_link_args "$cxx" "$cxxflags" "$engine_lib" "$probe")"; then
    tail -20 "$probe/link.log" >&2
    fail "$engine/$sanitizer: an empty fuzz target does not link with CXXFLAGS and LIB_FUZZING_ENGINE (above)"
    return
  fi
  echo "  CC=$cc CXX=$cxx LIB_FUZZING_ENGINE=$engine_lib"
  echo "  CFLAGS=$cflags"
  echo "  CXXFLAGS=$cxxflags"
  local start=$SECONDS
  if ! (cd "$SRC/msirig" && env CC="$cc" CXX="$cxx" CFLAGS="$cflags" CXXFLAGS="$cxxflags" \
          LIB_FUZZING_ENGINE="$engine_lib" SANITIZER="$sanitizer" FUZZING_ENGINE="$engine" \
          ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c++ SRC="$SRC" OUT="$OUT" WORK="$WORK" \
          AFL_QUIET=1 MSIRIG_OSS_CHECK=1 bash -eux "$SRC/build.sh") >"$dir/build.log" 2>&1; then
    tail -40 "$dir/build.log" >&2
    fail "$engine/$sanitizer: build.sh failed (log above)"
    return
  fi
  echo "  built in $((SECONDS - start)) s"

  # Move $OUT, and $SRC and $WORK out of the way: nothing may depend on where it was built.
  local out="$dir/moved/out" tmp="$dir/tmp"
  mkdir -p "$dir/moved" "$tmp"
  mv "$OUT" "$out"
  mv "$SRC" "$dir/moved/src"
  mv "$WORK" "$dir/moved/work"
  SRC="$dir/moved/src" WORK="$dir/moved/work"  # where this script still reads seeds and crashes
  chmod -R a+rX "$dir/moved/out" "$WORK/msirig-host/crashes"
  chmod 1777 "$tmp"
  # The runner's environment: OSS-Fuzz's UBSAN_OPTIONS; profiles (coverage builds) into /tmp.
  local run_env=(UBSAN_OPTIONS=silence_unsigned_overflow=1 LLVM_PROFILE_FILE="$tmp/%p.other.profraw")

  if [ "$engine" = afl ]; then
    [ -x "$out/afl-fuzz" ] || fail "afl: no afl-fuzz in \$OUT"
    [ -f "$out/afl_options.txt" ] || fail "afl: no afl_options.txt in \$OUT"
  fi

  local binary name targets=0 crashes_checked=0
  for binary in "$out"/*; do
    name="$(basename "$binary")"
    [ -f "$binary" ] && [ -x "$binary" ] || continue
    case "$name" in afl-*|llvm-symbolizer) continue ;; esac
    targets=$((targets + 1))
    echo "  $name"
    [[ "$name" != *.* ]] || fail "$name: a fuzz target has no extension"
    grep -qa LLVMFuzzerTestOneInput "$binary" || fail "$name: no LLVMFuzzerTestOneInput"

    # Nothing refers to where $OUT was (source paths remain, as diagnostics: ASan's global
    # descriptors and debug info name the sources, as in any OSS-Fuzz build; $SRC and $WORK
    # are moved away below, so a target that used them would fail its runs).
    if grep -qaF "$OUT" "$binary"; then
      fail "$name: contains the path of \$OUT ($OUT)"
    fi
    check_sanitizer "$binary" "$sanitizer"
    check_cxx_library "$binary" "$probe/probe"

    if [ -f "$out/$name.options" ]; then
      check_options "$out/$name.options" "$out"
    else
      fail "$name: no $name.options"
    fi
    local corpus="$SRC/msirig/corpora" seeds="$tmp/$name.seeds"
    mkdir -p "$seeds"
    if [ "$name" != planted_msi_lock_fuzz ]; then
      if [ -f "$out/${name}_seed_corpus.zip" ]; then
        unzip -q -o "$out/${name}_seed_corpus.zip" -d "$seeds"
      else
        fail "$name: no ${name}_seed_corpus.zip"
      fi
      local c
      for c in "$corpus"/*.dict; do
        if [[ "$name" == "$(basename "$c" .dict)" || "$name" == *_"$(basename "$c" .dict)" ]] &&
           [ ! -f "$out/$name.dict" ]; then
          fail "$name: corpora/$(basename "$c") is not shipped as $name.dict"
        fi
      done
    fi
    chmod -R a+rwX "$seeds"
    local nseeds
    nseeds=$(find "$seeds" -type f | wc -l)

    if [ "$engine" = libfuzzer ]; then
      local log="$tmp/$name.runs4.log" counters=""
      if [ "$sanitizer" != coverage ]; then  # a coverage build is not fuzzed: no SanitizerCoverage
        as_runner env "${run_env[@]}" "$binary" -seed=1337 -runs=4 >"$log" 2>&1 ||
          fail "$name: -runs=4 exited non-zero"
        grep -q 'Done 4 runs' "$log" || fail "$name: -runs=4 did not complete: $(tail -3 "$log")"
        counters=$(grep -oE 'INFO: Loaded [0-9]+ modules? +\(([0-9]+) inline 8-bit counters' "$log" |
                   grep -oE '\([0-9]+' | tr -d '(' | head -1 || true)
      fi
      if [ "$sanitizer" = coverage ]; then
        echo "    coverage build: seeds run once each below, profiles read by llvm-cov"
      elif [ -z "$counters" ] || [ "$counters" -lt 100 ]; then
        fail "$name: not instrumented for libFuzzer (${counters:-no} counters): $(grep -m1 INFO: "$log")"
      else
        local cov
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
        echo "    -runs=4: $counters counters, ${cov:-no cov line}"
        [ -n "$cov" ] || fail "$name: -runs=4 shows no coverage"
      fi

      # A few hundred inputs from the seeds, with the target's .options, without a finding.
      if [ "$nseeds" -gt 0 ]; then
        local flags_list=() corpus_out="$tmp/$name.corpus"
        mkdir -p "$corpus_out" && chmod 1777 "$corpus_out"
        mapfile -t flags_list < <(libfuzzer_flags "$out/$name.options" "$out")
        log="$tmp/$name.seeds.log"
        local runs=$((nseeds + 300))
        [ "$sanitizer" = coverage ] && runs=0  # each seed once, as OSS-Fuzz's coverage job does
        if as_runner env "${run_env[@]}" LLVM_PROFILE_FILE="$tmp/$name.%p.profraw" \
             "$binary" "${flags_list[@]}" -seed=1 -runs="$runs" \
             -artifact_prefix="$tmp/$name-" "$corpus_out" "$seeds" >"$log" 2>&1; then
          echo "    seeds: $nseeds seeds + $runs runs, no finding ($(grep -oE '^#[0-9]+' "$log" | tail -1))"
        else
          tail -30 "$log" >&2
          fail "$name: a finding from its seed corpus (log above)"
        fi
      fi
    else  # afl
      local map="$tmp/$name.map" first
      first="$(find "$seeds" -type f | LC_ALL=C sort | head -1)"
      if [ -n "$first" ]; then
        as_runner env AFL_QUIET=1 "$out/afl-showmap" -q -o "$map" -t 10000 -m none -- "$binary" \
          <"$first" >/dev/null 2>&1 || true
        local edges
        edges=$( [ -f "$map" ] && wc -l <"$map" || echo 0)
        echo "    afl-showmap: $edges edges on one seed"
        [ "$edges" -ge 100 ] || fail "$name: not instrumented for AFL++ ($edges edges)"
        # afl-fuzz starts cleanly and fuzzes a few seconds (OSS-Fuzz: "All set and ready to roll").
        local afl_out="$tmp/$name.afl" alog="$tmp/$name.afl.log"
        as_runner env AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
          AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=30000 AFL_SKIP_BIN_CHECK=0 \
          ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0" \
          timeout -s INT 60 "$out/afl-fuzz" -i "$seeds" -o "$afl_out" -V 5 -m none -t 10000 \
          -- "$binary" >"$alog" 2>&1 || true
        if ! grep -q 'All set and ready to roll' "$alog" || grep -qE 'target binary (crashed|terminated)' "$alog"; then
          tail -20 "$alog" >&2
          fail "$name: afl-fuzz did not start cleanly (log above)"
        else
          echo "    afl-fuzz: started cleanly, $(sed -n 's/^execs_done *: *//p' "$afl_out"/default/fuzzer_stats 2>/dev/null || echo '?') executions"
        fi
      fi
    fi

    # Known crash inputs (crashes/): expected ones reproduce, fixed ones replay clean.
    local finding group status signature sanitizers input replay_log fixed_checked=0
    for finding in "$SRC/msirig"/crashes/*/finding; do
      [ "$(finding_value "$finding" target)" = "$name" ] || continue
      group="$(basename "$(dirname "$finding")")"
      status="$(finding_value "$finding" status)"
      signature="$(finding_value "$finding" signature)"
      sanitizers="$(finding_value "$finding" sanitizers)"
      local key=address
      [ "$sanitizer" = thread ] && key=thread
      for input in "$WORK/msirig-host/crashes/$group"/*; do
        [ -f "$input" ] || continue
        replay_log="$tmp/$name.$group.log"
        local rc=0
        as_runner env "${run_env[@]}" "$binary" "$input" >"$replay_log" 2>&1 || rc=$?
        if [ "$status" = fixed ]; then
          if [ "$rc" -eq 0 ]; then
            fixed_checked=$((fixed_checked + 1))
          else
            fail "$name: fixed crash $group/$(basename "$input") is back: $(grep -m1 -E '^msirig: violation|^SUMMARY' "$replay_log")"
          fi
        elif [[ "$signature" == msirig:* ]] || { [[ ",$sanitizers," == *"$key"* ]] && [ "$sanitizer" != coverage ]; }; then
          # The signature's text up to its frames or place (" in ...", " at ...": the tool
          # that computes those, msirig_triage, is not part of a cluster build).
          local text="${signature%% in *}"
          text="${text%% at *}"
          if [ "$rc" -ne 0 ] && grep -qF "$text" "$replay_log"; then
            crashes_checked=$((crashes_checked + 1))
            echo "    known crash $group/$(basename "$input"): reproduces ($signature)"
          else
            fail "$name: known crash $group/$(basename "$input") does not reproduce '$signature' (exit $rc)"
          fi
        fi
      done
    done
    if [ "$fixed_checked" -gt 0 ]; then echo "    $fixed_checked fixed crash input(s) replay clean"; fi
  done
  # Exactly the targets with seeds in corpora/ (build.sh ships those) and the planted one.
  local expected actual
  expected="$( (cd "$SRC/msirig/corpora" && ls -d -- */ | tr -d /; echo planted_msi_lock_fuzz) | LC_ALL=C sort | paste -sd ' ')"
  actual="$(for binary in "$out"/*; do
              [ -f "$binary" ] && [ -x "$binary" ] || continue
              case "$(basename "$binary")" in afl-*|llvm-symbolizer) ;; *) basename "$binary" ;; esac
            done | LC_ALL=C sort | paste -sd ' ')"
  [ "$actual" = "$expected" ] ||
    fail "$engine/$sanitizer: fuzz targets in \$OUT: $actual; expected those of corpora/ and the planted one: $expected"
  [ "$crashes_checked" -gt 0 ] || fail "$engine/$sanitizer: no known crash input was reproduced"

  if [ "$sanitizer" = coverage ]; then
    local profiles=("$tmp"/*.profraw)
    if [ -f "${profiles[0]}" ]; then
      llvm-profdata-14 merge -sparse "${profiles[@]}" -o "$tmp/merged.profdata"
      local objects=() b
      for b in "$out"/*_fuzz; do objects+=(-object "$b"); done
      local total
      total=$(llvm-cov-14 report -instr-profile="$tmp/merged.profdata" "${objects[@]:1}" | tail -1)
      echo "  llvm-cov: $total"
      [[ "$total" =~ ^TOTAL ]] || fail "coverage: llvm-cov gave no report"
    else
      fail "coverage: the seed runs wrote no profile"
    fi
  fi
  echo "oss-check: $engine/$sanitizer: $targets targets checked, $crashes_checked known crash input(s) reproduced"
}

for build in "${builds[@]}"; do
  run_build "${build%%:*}" "${build#*:}"
done
if [ "$failures" -gt 0 ]; then
  echo "oss-check: $failures check(s) failed" >&2
  exit 1
fi
echo "oss-check: all checks passed (${builds[*]})"
