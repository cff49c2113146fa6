// Fuzz target: real-threads stress, the nondeterministic complement of schedule_fuzz for
// ThreadSanitizer (DESIGN.md decision 2; meant for the fuzz-tsan preset). Any input decodes to
// a scenario as for schedule_fuzz; after the adapter starts, each virtual CPU's steps run on an
// OS thread of its own, truly concurrently (ExecutorOptions::real_threads), so TSan judges the
// miniport's unordered accesses on real threads and the port's oracles check the rest. Two runs
// of one input may interleave differently: a finding is reproduced on the fibers
// (`tools/msirig repro schedule_fuzz FILE`), which is why this target's seeds are not replayed
// by the deterministic corpus tests or the fuzz smoke.
#include <cstddef>
#include <cstdint>
#include <string>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_codec.h"

#ifndef MSIRIG_FUZZ_TARGET_NAME
#error "MSIRIG_FUZZ_TARGET_NAME is set by msirig_miniport_fuzz_target() (cmake/MsirigTargets.cmake)"
#endif

// The miniport under test: whichever msirig_miniport() library this binary links.
extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace {

msirig::fuzz::ExecutorOptions StressOptions() {
  msirig::fuzz::ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = msirig::sp::VerifierMode::kAbort;
  options.real_threads = true;
  options.reproduce_command = std::string("tools/msirig repro ") + MSIRIG_FUZZ_TARGET_NAME +
                              " {input} --sanitizer thread   (nondeterministic: also try "
                              "tools/msirig repro schedule_fuzz with it)";
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One executor per process, destroyed at exit with its fibers (as executor_target.cc does).
  static msirig::fuzz::Executor executor(StressOptions());
  executor.Run(msirig::fuzz::Decode(data, size));
  return 0;
}
