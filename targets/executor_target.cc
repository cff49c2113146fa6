// ExecutorTarget: see executor_target.h.
#include "executor_target.h"

#include <string>

#ifndef MSIRIG_FUZZ_TARGET_NAME
#error "MSIRIG_FUZZ_TARGET_NAME is set by msirig_miniport_fuzz_target() (cmake/MsirigTargets.cmake)"
#endif

// The miniport under test: whichever msirig_miniport() library this binary links.
extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::targets {

namespace {

fuzz::ExecutorOptions Options() {
  fuzz::ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = sp::VerifierMode::kAbort;
  options.reproduce_command =
      std::string("tools/msirig repro ") + MSIRIG_FUZZ_TARGET_NAME + " {input}";
  return options;
}

}  // namespace

fuzz::ExecutionResult Play(const fuzz::Scenario& scenario) {
  // Destroyed at exit, with its fibers (TSan otherwise waits for them; DESIGN.md).
  static fuzz::Executor executor(Options());
  return executor.Run(scenario);
}

}  // namespace msirig::targets
