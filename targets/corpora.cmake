# Corpus and crash data for the engine-less builds (asan, tsan, ...): encoding and replay tests.
#
# Source of truth: corpora/<corpus>/ and crashes/<group>/ in the source tree. A `*.txt` file
# there is a scenario in the text form (scenario_text.h) and is encoded by msirig_scenario_tool
# into the build tree without its `.txt`; any other file is already a fuzzer input (the
# contract and device targets do not take scenarios) and is copied. The result,
# build/<preset>/corpora/<corpus>/ and build/<preset>/crashes/<group>/, is what the tests
# replay, what tools/msirig fuzzes from, and what a cluster build ships as seed corpora.
#
# Tests (label `replay`, in every engine-less build, so under ASan+UBSan and under TSan):
#   replay_corpus.<target>   every seed of the target's corpus replays without a finding;
#   replay_crash.<group>     each reproducer of the group behaves as crashes/<group>/finding
#                            records (crashes/README.md): `open` reproduces its signature,
#                            `fixed` replays clean.

set(msirig_data_outputs "")


file(GLOB msirig_corpus_dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/corpora/*")
foreach(dir IN LISTS msirig_corpus_dirs)
  if(IS_DIRECTORY "${dir}")
    get_filename_component(corpus "${dir}" NAME)
    msirig_encode_data("${dir}" "${PROJECT_BINARY_DIR}/corpora/${corpus}" msirig_scenario_tool
                       msirig_data_outputs)
  endif()
endforeach()

file(GLOB msirig_crash_dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/crashes/*")
set(msirig_crash_groups "")
foreach(dir IN LISTS msirig_crash_dirs)
  get_filename_component(group "${dir}" NAME)
  # `.tmp-*`: a group being written by `tools/msirig add` (never half a group; store.h).
  if(IS_DIRECTORY "${dir}" AND NOT group MATCHES "^[.]")
    if(NOT EXISTS "${dir}/finding")
      message(FATAL_ERROR "crashes/${group}/ has no `finding` metadata file (crashes/README.md)")
    endif()
    msirig_encode_data("${dir}" "${PROJECT_BINARY_DIR}/crashes/${group}" msirig_scenario_tool
                       msirig_data_outputs)
    list(APPEND msirig_crash_groups "${group}")
  endif()
endforeach()

# `cmake --build build/<preset> --target msirig_corpora` is all tools/msirig needs for seeds.
add_custom_target(msirig_corpora ALL DEPENDS ${msirig_data_outputs})

# --- replay tests -------------------------------------------------------------------------------

get_property(msirig_targets GLOBAL PROPERTY MSIRIG_FUZZ_TARGETS)
foreach(target IN LISTS msirig_targets)
  get_property(corpus GLOBAL PROPERTY MSIRIG_CORPUS_OF_${target})
  if(NOT corpus)
    set(corpus ${target})
  endif()
  # stress_fuzz plays its seeds on real threads: not deterministic, so not a replay test (its
  # findings replay on the fibers under schedule_fuzz).
  if(corpus STREQUAL "stress_fuzz")
    continue()
  endif()
  if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/corpora/${corpus}")
    add_test(NAME replay_corpus.${target}
             COMMAND ${target}_replay "${PROJECT_BINARY_DIR}/corpora/${corpus}")
    set_tests_properties(replay_corpus.${target} PROPERTIES LABELS replay)
  endif()
endforeach()

if(MSIRIG_TSAN)
  set(msirig_build_sanitizer thread)
elseif("address" IN_LIST MSIRIG_SANITIZERS)
  set(msirig_build_sanitizer address)
else()
  set(msirig_build_sanitizer none)
endif()

# The signature of a replay is computed by msirig_triage (tools/triage/signature.h) when the
# tools are part of the build; without them, replay_expect.cmake looks for the signature's
# text in the output.
set(msirig_signature_tool "")
if("tools" IN_LIST MSIRIG_COMPONENTS AND EXISTS "${PROJECT_SOURCE_DIR}/tools/triage/CMakeLists.txt")
  set(msirig_signature_tool "$<TARGET_FILE:msirig_triage>")
endif()

foreach(group IN LISTS msirig_crash_groups)
  set(finding "${PROJECT_SOURCE_DIR}/crashes/${group}/finding")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${finding}")
  file(STRINGS "${finding}" lines REGEX "^[a-z_]+: ")
  foreach(key target signature sanitizers status first_seen)
    set(${key} "")
    foreach(line IN LISTS lines)
      if(line MATCHES "^${key}: *(.*)$")
        string(STRIP "${CMAKE_MATCH_1}" ${key})
      endif()
    endforeach()
    if(${key} STREQUAL "")
      message(FATAL_ERROR "crashes/${group}/finding: no `${key}:` line (crashes/README.md)")
    endif()
  endforeach()
  if(NOT status MATCHES "^(open|fixed)$")
    message(FATAL_ERROR "crashes/${group}/finding: status '${status}': expected open or fixed")
  endif()
  if(NOT TARGET ${target}_replay)
    message(FATAL_ERROR "crashes/${group}/finding: no fuzz target '${target}' in this build")
  endif()
  string(REPLACE "," " " sanitizers "${sanitizers}")
  separate_arguments(sanitizers)
  if(NOT msirig_build_sanitizer IN_LIST sanitizers)
    continue()  # the finding shows only under another sanitizer
  endif()
  add_test(NAME replay_crash.${group}
           COMMAND ${CMAKE_COMMAND}
             -DREPLAY=$<TARGET_FILE:${target}_replay>
             -DINPUTS=${PROJECT_BINARY_DIR}/crashes/${group}
             -DSTATUS=${status}
             -DSIGNATURE=${signature}
             -DSIGNATURE_TOOL=${msirig_signature_tool}
             -DLOG=${PROJECT_BINARY_DIR}/crashes/${group}.log
             -P ${CMAKE_CURRENT_SOURCE_DIR}/replay_expect.cmake)
  set_tests_properties(replay_crash.${group} PROPERTIES LABELS replay)
endforeach()
