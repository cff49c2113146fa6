# ctest instrumentation.comparison_tracing (libFuzzer builds; targets/CMakeLists.txt): the rig's
# own libraries keep their edge counters but trace no comparisons, and the libraries that compare
# the fuzzer's bytes (and the miniport) trace them (MsirigOptions.cmake, MSIRIG_SANCOV).
#   cmake -DNM=<nm> -DUNTRACED=<lib.a;...> -DTRACED=<lib.a;...> -P check-comparison-tracing.cmake
# Read from each archive's undefined symbols: the SanitizerCoverage hooks it calls.
cmake_minimum_required(VERSION 3.22)  # script mode: IN_LIST and the other current policies
foreach(var NM UNTRACED TRACED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check-comparison-tracing.cmake: -D${var}=... is missing")
  endif()
endforeach()

function(hooks_of archive out)
  execute_process(COMMAND "${NM}" -u "${archive}" OUTPUT_VARIABLE symbols
                  ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${NM} -u ${archive} failed (${status}): ${errors}")
  endif()
  set(found "")
  if(symbols MATCHES "__sanitizer_cov_8bit_counters_init")
    list(APPEND found counters)
  endif()
  if(symbols MATCHES "__sanitizer_cov_trace_(const_)?cmp[1248]")
    list(APPEND found comparisons)
  endif()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

set(wrong "")
foreach(archive IN LISTS UNTRACED TRACED)
  hooks_of("${archive}" hooks)
  get_filename_component(name "${archive}" NAME)
  if(NOT "counters" IN_LIST hooks)
    string(APPEND wrong "\n  ${name}: no edge counters")
  endif()
  if(archive IN_LIST UNTRACED AND "comparisons" IN_LIST hooks)
    string(APPEND wrong "\n  ${name}: traces comparisons (a rig library should not)")
  elseif(archive IN_LIST TRACED AND NOT "comparisons" IN_LIST hooks)
    string(APPEND wrong "\n  ${name}: traces no comparisons (it should)")
  endif()
endforeach()
if(wrong)
  message(FATAL_ERROR "instrumentation of the fuzz build is not as MsirigOptions.cmake says:${wrong}")
endif()
list(LENGTH UNTRACED untraced)
list(LENGTH TRACED traced)
message(STATUS "instrumentation: ${untraced} rig libraries without comparison tracing, ${traced} with it")
