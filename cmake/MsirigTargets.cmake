# The helpers every folder uses, so that each library, test and fuzz target is declared the same way.

# msirig_library(<name> [RIG [TRACE_COMPARISONS]] SOURCES <src>... [INCLUDES <dir>...]
#                [DEPS <target>...])
# A static library with the project's warnings; INCLUDES become public include directories.
# RIG marks the rig's own machinery (port driver, device, executor): not TSan-instrumented, and
# in libFuzzer builds without comparison tracing unless TRACE_COMPARISONS (MsirigOptions.cmake,
# MSIRIG_SANCOV): the scenario decoder, whose comparisons are on the fuzzer's bytes, says it.
function(msirig_library name)
  cmake_parse_arguments(arg "RIG;TRACE_COMPARISONS" "" "SOURCES;INCLUDES;DEPS" ${ARGN})
  add_library(${name} STATIC ${arg_SOURCES})
  target_include_directories(${name} PUBLIC ${arg_INCLUDES})
  target_link_libraries(${name} PUBLIC ${arg_DEPS})
  target_compile_options(${name} PRIVATE ${msirig_warning_flags})
  if(arg_RIG AND MSIRIG_TSAN)
    target_compile_options(${name} PRIVATE -fno-sanitize=thread)
  endif()
  if(arg_RIG AND NOT arg_TRACE_COMPARISONS AND MSIRIG_SANCOV)
    target_compile_options(${name} PRIVATE -fno-sanitize-coverage=trace-cmp)
  endif()
endfunction()

# msirig_test(<name> SOURCES <src>... [DEPS <target>...])
# A GoogleTest binary whose tests CTest discovers one by one. Tests are built only without a
# fuzzing engine: engine builds exist to produce fuzz targets.
function(msirig_test name)
  if(NOT MSIRIG_ENGINE STREQUAL "none")
    return()
  endif()
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  find_package(GTest REQUIRED)
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPS} GTest::gtest_main GTest::gmock)
  target_compile_options(${name} PRIVATE ${msirig_warning_flags})
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 120)
endfunction()

# msirig_fuzz_target(<name> SOURCES <src>... [DEPS <target>...])
# One fuzz target (a file defining LLVMFuzzerTestOneInput). Without an engine it builds as
# <name>_replay, a plain binary that runs the given files or directories once each; with an engine
# it builds as <name>, linked with libFuzzer, the AFL++ driver or $LIB_FUZZING_ENGINE.
function(msirig_fuzz_target name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  if(MSIRIG_ENGINE STREQUAL "none")
    set(exe ${name}_replay)
    add_executable(${exe} ${arg_SOURCES})
    target_link_libraries(${exe} PRIVATE ${arg_DEPS} msirig_replay_main)
  else()
    set(exe ${name})
    add_executable(${exe} ${arg_SOURCES})
    target_link_libraries(${exe} PRIVATE ${arg_DEPS})
    if(MSIRIG_ENGINE STREQUAL "libfuzzer")
      target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    elseif(MSIRIG_ENGINE STREQUAL "afl")
      if(NOT EXISTS "${MSIRIG_AFL_DRIVER}")
        message(FATAL_ERROR "MSIRIG_AFL_DRIVER=${MSIRIG_AFL_DRIVER} does not exist: "
                            "apt-get install afl++ (or run tools/install-deps.sh --afl)")
      endif()
      target_link_libraries(${exe} PRIVATE "${MSIRIG_AFL_DRIVER}")
    else()
      if(NOT MSIRIG_FUZZING_ENGINE_LIB)
        message(FATAL_ERROR "MSIRIG_ENGINE=external needs MSIRIG_FUZZING_ENGINE_LIB or $LIB_FUZZING_ENGINE")
      endif()
      separate_arguments(engine_args UNIX_COMMAND "${MSIRIG_FUZZING_ENGINE_LIB}")
      target_link_options(${exe} PRIVATE ${engine_args})
    endif()
  endif()
  target_compile_options(${exe} PRIVATE ${msirig_warning_flags})
  set_property(GLOBAL APPEND PROPERTY MSIRIG_FUZZ_TARGETS ${name})
endfunction()

# msirig_miniport(<name> SOURCES <file.c>... [INCLUDES <dir>...] [DEFINES <NAME=VALUE>...])
# Brings a Storport miniport into the rig: its C sources build as a static library <name>, as
# Windows kernel code (C17, storport.h and the miniport's own headers only), and every part of
# the rig that takes a miniport is then built against it, once per miniport: the end-to-end
# tests (tests/), and the full-stack fuzz targets and their replay binaries (targets/). The
# project's own miniport (miniport/) is declared with this function too; see README.md.
function(msirig_miniport name)
  cmake_parse_arguments(arg "" "" "SOURCES;INCLUDES;DEFINES" ${ARGN})
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "msirig_miniport(${name}): no SOURCES given")
  endif()
  add_library(${name} STATIC ${arg_SOURCES})
  set_target_properties(${name} PROPERTIES C_STANDARD 17 C_EXTENSIONS OFF LINKER_LANGUAGE C)
  target_include_directories(${name} PRIVATE ${arg_INCLUDES}
                             PUBLIC ${PROJECT_SOURCE_DIR}/storport/include)
  target_compile_definitions(${name} PRIVATE ${arg_DEFINES})
  target_compile_options(${name} PRIVATE ${msirig_warning_flags})
  set_property(GLOBAL APPEND PROPERTY MSIRIG_MINIPORTS ${name})
endfunction()

# msirig_miniport_fuzz_target(<name> SOURCES <src>... [DEPS <target>...])
# A full-stack fuzz target (over the executor), built once per miniport registered with
# msirig_miniport(): named <name> for msirig's own miniport (msirig_nvme_miniport) and
# <miniport>_<name> for any other, each with msirig_fuzz_target's builds (<..>_replay without an
# engine). Each links the miniport, the executor, the port driver and the device model, and
# gets MSIRIG_FUZZ_TARGET_NAME (its name, for the reproduce command a finding prints). Every
# variant takes its seeds from corpora/<name>/ (see targets/CMakeLists.txt).
function(msirig_miniport_fuzz_target name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  get_property(miniports GLOBAL PROPERTY MSIRIG_MINIPORTS)
  if(NOT miniports)
    message(FATAL_ERROR "msirig_miniport_fuzz_target(${name}): no miniport registered "
                        "(msirig_miniport() must come first: list its folder before targets)")
  endif()
  foreach(miniport IN LISTS miniports)
    if(miniport STREQUAL "msirig_nvme_miniport")
      set(full ${name})
    else()
      set(full ${miniport}_${name})
    endif()
    msirig_fuzz_target(${full}
      SOURCES ${arg_SOURCES}
      DEPS ${arg_DEPS} ${miniport} msirig_executor msirig_storport msirig_hba)
    if(MSIRIG_ENGINE STREQUAL "none")
      set(exe ${full}_replay)
    else()
      set(exe ${full})
    endif()
    target_compile_definitions(${exe} PRIVATE MSIRIG_FUZZ_TARGET_NAME="${full}")
    set_property(GLOBAL PROPERTY MSIRIG_CORPUS_OF_${full} ${name})
  endforeach()
endfunction()

# msirig_encode_data(<source dir> <build dir> <scenario tool> <outputs variable>): every file of
# the source dir into the build dir, a `*.txt` scenario encoded by <scenario tool> (an
# executable target running scenario_tool.cc), any other file copied; `finding` and README files
# stay behind. The outputs are appended to <outputs variable> in the caller's scope.
function(msirig_encode_data source_dir build_dir tool outputs_var)
  file(GLOB files LIST_DIRECTORIES false CONFIGURE_DEPENDS "${source_dir}/*")
  set(outputs "")
  foreach(file IN LISTS files)
    get_filename_component(name "${file}" NAME)
    if(name MATCHES "^(finding|README.*)$")
      continue()
    endif()
    if(name MATCHES "\\.txt$")
      string(REGEX REPLACE "\\.txt$" "" stem "${name}")
      add_custom_command(OUTPUT "${build_dir}/${stem}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${build_dir}"
        COMMAND ${tool} encode "${file}" "${build_dir}/${stem}"
        DEPENDS "${file}" ${tool}
        COMMENT "Encoding ${name}"
        VERBATIM)
      list(APPEND outputs "${build_dir}/${stem}")
    else()
      add_custom_command(OUTPUT "${build_dir}/${name}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${build_dir}"
        COMMAND ${CMAKE_COMMAND} -E copy "${file}" "${build_dir}/${name}"
        DEPENDS "${file}"
        VERBATIM)
      list(APPEND outputs "${build_dir}/${name}")
    endif()
  endforeach()
  set(${outputs_var} ${${outputs_var}} ${outputs} PARENT_SCOPE)
endfunction()
