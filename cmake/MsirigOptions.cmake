# Build-wide options: sanitizers, fuzzing engine, coverage, warnings.
# Presets in CMakePresets.json set these; OSS-Fuzz's build.sh uses MSIRIG_ENGINE=external.

set(MSIRIG_SANITIZERS "address;undefined" CACHE STRING
    "Sanitizers for all rig, device and miniport code: 'address;undefined', 'thread', 'memory' or empty")
set(MSIRIG_ENGINE "none" CACHE STRING
    "Fuzzing engine for fuzz targets: none (replay binaries only), libfuzzer, afl, external ($LIB_FUZZING_ENGINE)")
set_property(CACHE MSIRIG_ENGINE PROPERTY STRINGS none libfuzzer afl external)
set(MSIRIG_FUZZING_ENGINE_LIB "$ENV{LIB_FUZZING_ENGINE}" CACHE STRING
    "With MSIRIG_ENGINE=external: what to link fuzz targets with (OSS-Fuzz's $LIB_FUZZING_ENGINE)")
set(MSIRIG_AFL_DRIVER "/usr/lib/afl/libAFLDriver.a" CACHE FILEPATH
    "With MSIRIG_ENGINE=afl: the AFL++ libFuzzer-compatible driver (Debian package afl++)")
option(MSIRIG_COVERAGE "Source-based coverage instrumentation for llvm-cov" OFF)
option(MSIRIG_WERROR "Treat warnings as errors" ON)

if(NOT MSIRIG_ENGINE MATCHES "^(none|libfuzzer|afl|external)$")
  message(FATAL_ERROR "MSIRIG_ENGINE='${MSIRIG_ENGINE}': expected none, libfuzzer, afl or external")
endif()

# With MSIRIG_ENGINE=external the cluster's builder owns every sanitizer, coverage and engine
# flag: they arrive in $CC/$CXX/$CFLAGS/$CXXFLAGS (CMAKE_<LANG>_FLAGS) and $LIB_FUZZING_ENGINE,
# and this file adds none (MSIRIG_SANITIZERS must then be empty). What the build still needs to
# know, it reads from those flags: whether ThreadSanitizer is on (msirig_external_flags below).
if(MSIRIG_ENGINE STREQUAL "external" AND MSIRIG_SANITIZERS)
  message(FATAL_ERROR "MSIRIG_ENGINE=external takes its sanitizers from CFLAGS/CXXFLAGS: "
                      "configure with -DMSIRIG_SANITIZERS= (got '${MSIRIG_SANITIZERS}')")
endif()
set(msirig_external_flags "${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS}")

set(msirig_sanitize_flags "")
if(MSIRIG_SANITIZERS)
  list(JOIN MSIRIG_SANITIZERS "," msirig_san_list)
  list(APPEND msirig_sanitize_flags -fsanitize=${msirig_san_list} -fno-sanitize-recover=all
       -fno-omit-frame-pointer)
  if("memory" IN_LIST MSIRIG_SANITIZERS)
    list(APPEND msirig_sanitize_flags -fsanitize-memory-track-origins)
  endif()
endif()

# The test builds (sanitizers, no engine: the asan and tsan presets) bounds-check the rig's own
# use of the standard library, as the OSS build's libc++ does: with _GLIBCXX_ASSERTIONS an
# out-of-range operator[], front(), back() or the like aborts and names the line (libstdc++
# manual, "Using: Macros"). Stop 18's unit-start bug, a write through a stale vector index, was
# seen only by the OSS build. Not _GLIBCXX_SANITIZE_VECTOR (ASan annotations of a vector's spare
# capacity): GoogleTest is Debian's prebuilt library, and vectors it grows through its own
# unannotated copies are then container-overflows (measured: every death test failed so). Not in
# the fuzz presets either, where every check costs executions.
if(MSIRIG_SANITIZERS AND MSIRIG_ENGINE STREQUAL "none")
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
endif()

set(msirig_instrument_flags "")
if(MSIRIG_ENGINE STREQUAL "libfuzzer")
  list(APPEND msirig_instrument_flags -fsanitize=fuzzer-no-link
       -fsanitize-coverage-ignorelist=${CMAKE_SOURCE_DIR}/cmake/coverage-ignorelist.txt)
  if("thread" IN_LIST MSIRIG_SANITIZERS)
    # clang-14 instruments libFuzzer's own counter updates under TSan; see DESIGN.md.
    list(APPEND msirig_instrument_flags -fno-sanitize-coverage=stack-depth)
  endif()
endif()
if(MSIRIG_COVERAGE)
  list(APPEND msirig_instrument_flags -fprofile-instr-generate -fcoverage-mapping)
endif()
if(MSIRIG_ENGINE STREQUAL "external" AND msirig_external_flags MATCHES "-fsanitize=[^ ]*thread"
   AND msirig_external_flags MATCHES "-fsanitize=[^ ]*fuzzer-no-link")
  # The one flag of this mode, and it removes instrumentation: clang-14's stack-depth counter
  # under TSan makes every virtual CPU (fiber) race on it (DESIGN.md, facts for the executor).
  list(APPEND msirig_instrument_flags -fno-sanitize-coverage=stack-depth)
endif()

# __FILE__ without the checkout's location: a binary built from /a/msirig and one built from
# /b/msirig have the same code layout, so a fuzzing run with a fixed seed behaves the same in
# both (libFuzzer's comparison features hash code addresses).
# As in MSIRIG_ENGINE=libfuzzer builds (targets/CMakeLists.txt), the sanitizer defaults every
# target links are the rig's, not code under test: compiled without the builder's fuzzer
# instrumentation. Without this, under TSan __tsan_default_options (called before TSan is
# initialized) runs instrumented code and every target dies with SIGSEGV at startup (measured).
if(MSIRIG_ENGINE STREQUAL "external" AND msirig_external_flags MATCHES "-fsanitize=[^ ]*fuzzer-no-link")
  function(msirig_external_target_defaults)
    if(TARGET msirig_target_defaults)
      target_compile_options(msirig_target_defaults PRIVATE -fno-sanitize=fuzzer-no-link)
    endif()
  endfunction()
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL msirig_external_target_defaults)
endif()

# -g except in external mode, where the builder's CFLAGS choose the debug info (OSS-Fuzz:
# -gline-tables-only).
if(MSIRIG_ENGINE STREQUAL "external")
  set(msirig_debug_flags "")
else()
  set(msirig_debug_flags -g)
endif()
add_compile_options(${msirig_sanitize_flags} ${msirig_instrument_flags} ${msirig_debug_flags}
                    -fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=)
add_link_options(${msirig_sanitize_flags})
if(MSIRIG_COVERAGE)
  add_link_options(-fprofile-instr-generate -fcoverage-mapping)
endif()

set(msirig_warning_flags -Wall -Wextra -Wno-unused-parameter)
if(MSIRIG_WERROR)
  list(APPEND msirig_warning_flags -Werror)
endif()

# True when this build uses ThreadSanitizer. The rig's own libraries (port driver, device model,
# executor) are then compiled without TSan instrumentation: they are touched by every virtual
# CPU and are not what is being checked; they still annotate the modeled locks and fiber
# switches (MSIRIG_TSAN_BUILD), so TSan sees exactly the miniport's unordered accesses.
if("thread" IN_LIST MSIRIG_SANITIZERS OR
   (MSIRIG_ENGINE STREQUAL "external" AND msirig_external_flags MATCHES "-fsanitize=[^ ]*thread"))
  set(MSIRIG_TSAN ON)
  add_compile_definitions(MSIRIG_TSAN_BUILD=1)
else()
  set(MSIRIG_TSAN OFF)
endif()

# True when libFuzzer's SanitizerCoverage instrumentation (-fsanitize=fuzzer-no-link) is on:
# edge counters, indirect calls and comparison tracing. The rig's own libraries then keep their
# edge counters (which device and port paths a run took is useful feedback) but trace no
# comparisons (msirig_library, RIG): those compare the rig's state, not the fuzzer's bytes, and
# their hooks were a quarter of schedule_fuzz's time (bench/RESULTS.md, stop 17). Libraries that
# do compare the fuzzer's bytes say TRACE_COMPARISONS.
if(MSIRIG_ENGINE STREQUAL "libfuzzer" OR
   (MSIRIG_ENGINE STREQUAL "external" AND msirig_external_flags MATCHES "-fsanitize=[^ ]*fuzzer-no-link"))
  set(MSIRIG_SANCOV ON)
else()
  set(MSIRIG_SANCOV OFF)
endif()
