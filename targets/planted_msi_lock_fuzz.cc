// TEST-ONLY target: a planted bug, so the crash machinery (crashes/, the replay tests, the
// finding report) is itself tested. Built only without an engine, as
// planted_msi_lock_fuzz_replay; nobody fuzzes it.
//
// The miniport is a scripted one in InterruptSynchronizeAll mode whose HwStartIo takes MSI spin
// lock 0 for any request to LBA 0xBAD: the StorPortMSILock rule (SPEC 3) forbids that, so every
// scenario with such a request is a finding, signature
// `msirig: violation StorPortMSILock in msirig::targets::PlantedStartIo`.
// crashes/planted_msi_lock/ holds one, recorded as expected; any other input plays clean.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_codec.h"
#include "scripted_miniport.h"

namespace msirig::targets {

constexpr uint32_t kPlantedLba = 0xBAD;

namespace {

uint32_t Lba10(const UCHAR* cdb) {
  return (uint32_t{cdb[2]} << 24) | (uint32_t{cdb[3]} << 16) | (uint32_t{cdb[4]} << 8) | cdb[5];
}

BOOLEAN PlantedStartIo(PVOID extension, PSCSI_REQUEST_BLOCK srb) {
  const UCHAR op = srb->Cdb[0];
  if ((op == SCSIOP_READ || op == SCSIOP_WRITE) && Lba10(srb->Cdb) == kPlantedLba) {
    ULONG old_irql = 0;
    if (StorPortAcquireMSISpinLock(extension, 0, &old_irql) == STOR_STATUS_SUCCESS)
      StorPortReleaseMSISpinLock(extension, 0, old_irql);
  }
  srb->SrbStatus = SRB_STATUS_SUCCESS;
  StorPortNotification(RequestComplete, extension, srb);
  return TRUE;
}

fuzz::ExecutionResult Play(const fuzz::Scenario& scenario) {
  static sp::ScriptedMiniport miniport = [] {
    sp::ScriptedMiniport m;
    m.sync_mode = InterruptSynchronizeAll;
    m.start_io = PlantedStartIo;
    return m;
  }();
  static fuzz::Executor executor([] {
    fuzz::ExecutorOptions options;
    options.driver_entry = sp::ScriptedDriverEntry;
    options.verifier_mode = sp::VerifierMode::kAbort;
    options.reproduce_command = "tools/msirig repro planted_msi_lock_fuzz {input}";
    return options;
  }());
  sp::ScriptedMiniport::current = &miniport;
  return executor.Run(scenario);
}

}  // namespace
}  // namespace msirig::targets

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace msirig;
  fuzz::Scenario scenario = fuzz::Decode(data, size);
  // The scripted miniport stores no data: keep reads from tripping the data oracle.
  std::erase_if(scenario.steps, [](const fuzz::Step& step) {
    return step.kind == fuzz::StepKind::kRead && step.a != targets::kPlantedLba;
  });
  targets::Play(scenario);
  return 0;
}
