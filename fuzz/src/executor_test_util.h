// Executor tests' shared helpers: scenarios and steps, a scripted miniport with an executor in
// record mode, the violations a run reported, and a RAM disk.
#ifndef MSIRIG_FUZZ_SRC_EXECUTOR_TEST_UTIL_H_
#define MSIRIG_FUZZ_SRC_EXECUTOR_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario.h"
#include "scripted_miniport.h"

namespace msirig::fuzz::testing {

inline Scenario MsiXScenario(uint32_t messages) {
  Scenario s;
  s.platform.interrupt_kind = sp::InterruptKind::kMsiX;
  s.platform.messages_requested = messages;
  s.platform.messages_granted = messages;
  s.platform.cpu_count = 2;
  s.device.msix_vectors = 16;
  return s;
}

inline Step MakeStep(StepKind kind, uint8_t cpu, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0,
                     uint16_t preempt = 0) {
  Step step;
  step.kind = kind;
  step.cpu = cpu;
  step.a = a;
  step.b = b;
  step.c = c;
  step.preempt = preempt;
  return step;
}

// One scripted miniport and an executor in record mode.
struct Harness {
  sp::ScriptedMiniport miniport;
  Executor executor;
  Harness() : executor(Options()) { sp::ScriptedMiniport::current = &miniport; }
  ~Harness() { sp::ScriptedMiniport::current = nullptr; }
  static ExecutorOptions Options() {
    ExecutorOptions options;
    options.driver_entry = sp::ScriptedDriverEntry;
    options.verifier_mode = sp::VerifierMode::kRecord;
    options.reproduce_command = "tools/msirig repro executor_test {input}";
    return options;
  }
};

// A HwStartIo that makes messages 0 and 1 of adapter 0 pending and completes the request, for
// tests of two ISRs on two CPUs.
inline BOOLEAN SignalMessages01AndComplete(PVOID ext, PSCSI_REQUEST_BLOCK srb) {
  sp::Port::Current()->SignalMessage(0, 0);
  sp::Port::Current()->SignalMessage(0, 1);
  srb->SrbStatus = SRB_STATUS_SUCCESS;
  StorPortNotification(RequestComplete, ext, srb);
  return TRUE;
}

inline bool Saw(const ExecutionResult& result, sp::Rule rule) {
  for (const sp::Violation& v : result.violations)
    if (v.rule == rule) return true;
  return false;
}

inline std::string Lines(const ExecutionResult& result) {
  std::string all;
  for (const sp::Violation& v : result.violations) all += v.line + "\n";
  return all;
}

// A RAM disk: completes reads and writes from memory at once, as a correct miniport for a
// device that needs no interrupts would.
inline void RamDisk(sp::ScriptedMiniport& miniport,
                    std::map<uint32_t, std::vector<uint8_t>>& disk) {
  miniport.start_io = [&disk](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    const UCHAR op = srb->Cdb[0];
    if (op == SCSIOP_READ || op == SCSIOP_WRITE) {
      const uint32_t lba = (uint32_t{srb->Cdb[2]} << 24) | (uint32_t{srb->Cdb[3]} << 16) |
                           (uint32_t{srb->Cdb[4]} << 8) | srb->Cdb[5];
      auto* bytes = static_cast<uint8_t*>(srb->DataBuffer);
      for (ULONG block = 0; block < srb->DataTransferLength / 512; ++block) {
        std::vector<uint8_t>& stored = disk[lba + block];
        stored.resize(512);
        if (op == SCSIOP_WRITE) {
          std::copy(bytes + block * 512, bytes + (block + 1) * 512, stored.begin());
        } else {
          std::copy(stored.begin(), stored.end(), bytes + block * 512);
        }
      }
    }
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
}

}  // namespace msirig::fuzz::testing

#endif  // MSIRIG_FUZZ_SRC_EXECUTOR_TEST_UTIL_H_
