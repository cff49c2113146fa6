# ctest miniport.imports_only_storport (miniport/CMakeLists.txt): msirig's own miniport is
# Windows kernel code that uses no libc (issue 4): every symbol its archive needs from outside
# itself is a StorPort routine, a hook of storport.h (Msirig*), one of the memory routines a
# compiler may emit calls to and the kernel exports (memset, memcpy, memmove, memcmp), or a
# sanitizer's or coverage runtime's entry point. Anything else, a printf or a malloc, would link
# here against the host's libc and fail on Windows.
#   cmake -DNM=<nm> -DARCHIVE=<lib.a> -P check-miniport-imports.cmake
cmake_minimum_required(VERSION 3.22)
foreach(var NM ARCHIVE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check-miniport-imports.cmake: -D${var}=... is missing")
  endif()
endforeach()

function(symbols_of out)
  execute_process(COMMAND "${NM}" ${ARGN} "${ARCHIVE}" OUTPUT_VARIABLE text
                  ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${NM} ${ARGN} ${ARCHIVE} failed (${status}): ${errors}")
  endif()
  # Lines are "<member>:", blank, or "[address] <type> <name>": keep the names.
  string(REGEX MATCHALL "[ \t][A-Za-z][ \t]+[^ \t\n]+" entries "${text}")
  set(names "")
  foreach(entry IN LISTS entries)
    string(REGEX REPLACE "^[ \t][A-Za-z][ \t]+" "" name "${entry}")
    list(APPEND names "${name}")
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

symbols_of(needed -u)
symbols_of(defined --defined-only)
set(foreign "")
foreach(name IN LISTS needed)
  if(name IN_LIST defined)
    continue()  # from another file of the miniport
  endif()
  if(name MATCHES "^(StorPort|Msirig)" OR name MATCHES "^mem(set|cpy|move|cmp)$" OR
     name MATCHES "^__(asan|ubsan|tsan|msan|sanitizer|sancov|llvm_profile|start___|stop___)")
    continue()
  endif()
  list(APPEND foreign "${name}")
endforeach()
get_filename_component(archive_name "${ARCHIVE}" NAME)
if(foreign)
  list(JOIN foreign ", " foreign_text)
  message(FATAL_ERROR "${archive_name} needs symbols a Storport miniport cannot import: ${foreign_text}")
endif()
list(LENGTH needed count)
message(STATUS "${archive_name}: ${count} imported symbols, all StorPort routines, storport.h "
               "hooks, compiler memory routines or sanitizer entry points")
