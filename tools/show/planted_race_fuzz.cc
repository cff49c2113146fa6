// TEST-ONLY target: a planted data race between virtual CPUs, so `tools/msirig show` is tested
// on a ThreadSanitizer report (tools/show/show_e2e_test.sh). Built only without an engine, as
// planted_race_fuzz_replay; nobody fuzzes it.
//
// The scripted miniport's HwStartIo signals messages 0 and 1, and its message ISR increments one
// counter without any lock: interrupt steps for both messages on two CPUs race on it, and TSan
// (tsan preset) reports it. Under ASan it plays clean. testdata/planted_race.txt is such a
// scenario.
#include <cstddef>
#include <cstdint>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_codec.h"
#include "scripted_miniport.h"

namespace msirig::show {
namespace {

int g_isr_count = 0;

BOOLEAN RaceStartIo(PVOID extension, PSCSI_REQUEST_BLOCK srb) {
  sp::Port::Current()->SignalMessage(0, 0);
  sp::Port::Current()->SignalMessage(0, 1);
  srb->SrbStatus = SRB_STATUS_SUCCESS;
  StorPortNotification(RequestComplete, extension, srb);
  return TRUE;
}

BOOLEAN UnlockedIsr(PVOID, ULONG) {
  ++g_isr_count;  // the planted race: no MSI lock around it
  return TRUE;
}

void Play(const fuzz::Scenario& scenario) {
  static sp::ScriptedMiniport miniport = [] {
    sp::ScriptedMiniport m;
    m.sync_mode = InterruptSynchronizePerMessage;
    m.start_io = RaceStartIo;
    m.ms_isr = UnlockedIsr;
    return m;
  }();
  static fuzz::Executor executor([] {
    fuzz::ExecutorOptions options;
    options.driver_entry = sp::ScriptedDriverEntry;
    options.verifier_mode = sp::VerifierMode::kAbort;
    options.reproduce_command = "tools/msirig repro planted_race_fuzz FILE --sanitizer thread";
    return options;
  }());
  sp::ScriptedMiniport::current = &miniport;
  executor.Run(scenario);
}

}  // namespace
}  // namespace msirig::show

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msirig::fuzz::Scenario scenario = msirig::fuzz::Decode(data, size);
  // The scripted miniport stores no data: no reads, which the data oracle would check.
  std::erase_if(scenario.steps, [](const msirig::fuzz::Step& step) {
    return step.kind == msirig::fuzz::StepKind::kRead;
  });
  msirig::show::Play(scenario);
  return 0;
}
