# The executor: virtual CPUs as fibers over the port driver, the device and a miniport.
if(NOT TARGET msirig_scenario)  # until the scenario library is declared in CMakeLists.txt
  msirig_library(msirig_scenario RIG TRACE_COMPARISONS
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/scenario.cc
    INCLUDES ${CMAKE_CURRENT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/hba-model/include
    DEPS msirig_storport)
endif()
find_library(MSIRIG_BOOST_CONTEXT NAMES libboost_context.a boost_context REQUIRED)

msirig_library(msirig_executor RIG
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_run.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_threads.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/fiber.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/request_oracle.cc
  INCLUDES ${CMAKE_CURRENT_SOURCE_DIR}/include
  DEPS msirig_scenario msirig_storport msirig_hba ${MSIRIG_BOOST_CONTEXT})
target_include_directories(msirig_executor PRIVATE ${PROJECT_SOURCE_DIR}/storport/src)

msirig_test(executor_test
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_test.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_interleaving_test.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_stress_test.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_probe_test.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/src/executor_sanitizer_test.cc
  DEPS msirig_executor msirig_scripted_miniport)
