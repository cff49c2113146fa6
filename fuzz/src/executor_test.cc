// The executor: interleavings on fibers (preemption, nesting, overlap, lock waits, deadlock),
// determinism, and its own oracles (data, unserviced interrupt causes), with scripted miniports.
#include "msirig/fuzz/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "msirig/storport/trace_recorder.h"
#include "request_oracle.h"
#include "sanitizer_hooks.h"
#include "scripted_miniport.h"

namespace msirig::fuzz {
namespace {

using sp::Rule;
using sp::ScriptedMiniport;

Scenario MsiXScenario(uint32_t messages) {
  Scenario s;
  s.platform.interrupt_kind = sp::InterruptKind::kMsiX;
  s.platform.messages_requested = messages;
  s.platform.messages_granted = messages;
  s.platform.cpu_count = 2;
  s.device.msix_vectors = 16;
  return s;
}

Step MakeStep(StepKind kind, uint8_t cpu, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0,
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
  ScriptedMiniport miniport;
  Executor executor;
  Harness() : executor(Options()) { ScriptedMiniport::current = &miniport; }
  ~Harness() { ScriptedMiniport::current = nullptr; }
  static ExecutorOptions Options() {
    ExecutorOptions options;
    options.driver_entry = sp::ScriptedDriverEntry;
    options.verifier_mode = sp::VerifierMode::kRecord;
    options.reproduce_command = "tools/msirig repro executor_test {input}";
    return options;
  }
};

bool Saw(const ExecutionResult& result, Rule rule) {
  for (const sp::Violation& v : result.violations)
    if (v.rule == rule) return true;
  return false;
}

std::string Lines(const ExecutionResult& result) {
  std::string all;
  for (const sp::Violation& v : result.violations) all += v.line + "\n";
  return all;
}

// A RAM disk: completes reads and writes from memory at once, as a correct miniport for a
// device that needs no interrupts would.
void RamDisk(ScriptedMiniport& miniport, std::map<uint32_t, std::vector<uint8_t>>& disk) {
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

TEST(Executor, PlaysStepsAndCompletesEveryRequestWithTheRightData) {
  Harness h;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  RamDisk(h.miniport, disk);
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kWrite, 0, 10, 3, 0x77), MakeStep(StepKind::kRead, 1, 9, 5),
             MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInquiry, 1)};
  const ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(result.adapter_started);
  EXPECT_EQ(result.requests_completed, 4u);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
}

TEST(ExecutorOracle, AReadThatMissesTheLastWriteIsDataCorruption) {
  Harness h;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  RamDisk(h.miniport, disk);
  auto ram_disk = h.miniport.start_io;
  h.miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    if (srb->Cdb[0] == SCSIOP_WRITE) {  // "succeeds" without storing anything
      srb->SrbStatus = SRB_STATUS_SUCCESS;
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    }
    return ram_disk(ext, srb);
  };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kWrite, 0, 4, 1, 0x10), MakeStep(StepKind::kRead, 0, 4, 1)};
  const ExecutionResult bad = h.executor.Run(s);
  EXPECT_TRUE(Saw(bad, Rule::kDataCorruption));
  // The report names the first byte that differs (the block reads as zeros: nothing was stored).
  uint32_t first = 0;
  while (RequestOracle::PatternByte(0x10, 4, first) == 0) ++first;
  char expected[96];
  std::snprintf(expected, sizeof expected, "block 4 byte %u is 0x00, the last write left 0x%02x",
                first, RequestOracle::PatternByte(0x10, 4, first));
  bool named = false;
  for (const sp::Violation& v : bad.violations)
    named |= v.rule == Rule::kDataCorruption && v.line.find(expected) != std::string::npos;
  EXPECT_TRUE(named) << expected << "\n" << Lines(bad);
  h.miniport.start_io = ram_disk;  // the clean twin
  EXPECT_TRUE(h.executor.Run(s).violations.empty());
}

// A miniport that fails every read with `status` (and completes everything else).
void FailReads(ScriptedMiniport& miniport, UCHAR status) {
  miniport.start_io = [status](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    srb->SrbStatus = srb->Cdb[0] == SCSIOP_READ ? status : SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
}

TEST(ExecutorOracle, AFailedRequestThatNothingInTheRunExplainsHasTheWrongStatus) {
  Harness h;
  FailReads(h.miniport, SRB_STATUS_ERROR);
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kRead, 0, 4, 1)};
  const ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(Saw(result, Rule::kRequestStatus)) << Lines(result);
  EXPECT_NE(
      Lines(result).find("read request tag 1 completed with SrbStatus 0x04 (SRB_STATUS_ERROR)"),
      std::string::npos)
      << Lines(result);
  FailReads(h.miniport, SRB_STATUS_SUCCESS);  // the clean twin
  EXPECT_TRUE(h.executor.Run(s).violations.empty());
}

TEST(ExecutorOracle, AResetOrAFaultPlanExplainsAFailedRequest) {
  Harness h;
  FailReads(h.miniport, SRB_STATUS_BUS_RESET);
  Scenario reset = MsiXScenario(2);
  reset.steps = {MakeStep(StepKind::kResetBus, 1), MakeStep(StepKind::kRead, 0, 4, 1)};
  ExecutionResult result = h.executor.Run(reset);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  // ... but only from the reset on: the same failure before it is unexplained.
  std::swap(reset.steps[0], reset.steps[1]);
  EXPECT_TRUE(Saw(h.executor.Run(reset), Rule::kRequestStatus));

  Scenario faulty = MsiXScenario(2);
  faulty.faults.drop_interrupt_every_n = 7;
  faulty.steps = {MakeStep(StepKind::kRead, 0, 4, 1)};
  result = h.executor.Run(faulty);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
}

// A request longer than the adapter's MaximumTransferLength is one Storport would never send:
// the miniport may refuse it.
TEST(ExecutorOracle, ARequestLongerThanTheMaximumTransferLengthMayFail) {
  Harness h;
  h.miniport.find_adapter = [](PVOID, PPORT_CONFIGURATION_INFORMATION config) {
    config->MaximumTransferLength = 4096;
  };
  h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    srb->SrbStatus =
        srb->DataTransferLength > 4096 ? SRB_STATUS_INVALID_REQUEST : SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kRead, 0, 0, 16)};  // 8 KiB
  ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  // The twin within the limit must succeed: refusing it is a wrong status.
  h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    srb->SrbStatus = SRB_STATUS_INVALID_REQUEST;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  s.steps = {MakeStep(StepKind::kRead, 0, 0, 8)};  // 4 KiB
  result = h.executor.Run(s);
  EXPECT_TRUE(Saw(result, Rule::kRequestStatus)) << Lines(result);
}

TEST(ExecutorOracle, BusyIsAlwaysAllowedAndAnUndefinedStatusNever) {
  Harness h;
  FailReads(h.miniport, SRB_STATUS_BUSY);
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kResetBus, 1), MakeStep(StepKind::kRead, 0, 4, 1)};
  ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  FailReads(h.miniport, 0x3F);  // no SRB_STATUS_ value, even after a reset
  result = h.executor.Run(s);
  EXPECT_TRUE(Saw(result, Rule::kRequestStatus)) << Lines(result);
  EXPECT_NE(Lines(result).find("0x3f (not an SRB status)"), std::string::npos) << Lines(result);
}

TEST(Executor, TheSameScenarioGivesTheSameTraceEveryTime) {
  Harness h;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  RamDisk(h.miniport, disk);
  Scenario s = MsiXScenario(4);
  for (uint32_t i = 0; i < 40; ++i) {
    s.steps.push_back(MakeStep(i % 3 ? StepKind::kWrite : StepKind::kRead, i % 2, i, 1 + i % 4, i,
                               static_cast<uint16_t>(i % 5)));
    s.steps.push_back(MakeStep(StepKind::kAdvanceTime, (i + 1) % 2, 100 * i));
  }
  const ExecutionResult first = h.executor.Run(s);
  disk.clear();
  const ExecutionResult second = h.executor.Run(s);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_GT(first.trace_events, 0u);
  EXPECT_TRUE(first.violations.empty()) << Lines(first);
}

// HwStartIo signals messages 0 and 1; the ISRs count whether they ran inside its window.
// Atomics: this bookkeeping is shared between CPUs on purpose, and is no miniport data.
struct IsrWindow {
  std::atomic<bool> in_start_io{false};
  std::atomic<int> inside{0};
  std::atomic<int> after{0};
  void Clear() {
    inside = 0;
    after = 0;
  }
};

void InstallWindow(ScriptedMiniport& miniport, IsrWindow& w, bool take_msi_lock_0) {
  miniport.start_io = [&w, take_msi_lock_0](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    ULONG old_irql = 0;
    if (take_msi_lock_0) StorPortAcquireMSISpinLock(ext, 0, &old_irql);
    w.in_start_io = true;
    sp::Port::Current()->SignalMessage(0, 1);
    sp::Port::Current()->SignalMessage(0, 0);
    StorPortStallExecution(1);  // preemption points inside the window
    StorPortStallExecution(1);
    w.in_start_io = false;
    if (take_msi_lock_0) StorPortReleaseMSISpinLock(ext, 0, old_irql);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  miniport.ms_isr = [&w](PVOID, ULONG) {
    ++(w.in_start_io ? w.inside : w.after);
    return TRUE;
  };
}

// Tries each preemption point of the submission until `want` shows up; returns it or 0.
template <typename Check>
uint16_t FindPreemptPoint(Harness& h, Scenario s, Check check) {
  for (uint16_t point = 1; point < 40; ++point) {
    s.steps[0].preempt = point;
    if (check(h.executor.Run(s))) return point;
  }
  return 0;
}

TEST(ExecutorInterleaving, AnInterruptStepForASuspendedCpuRunsNestedInsideItsWork) {
  Harness h;
  IsrWindow w;
  InstallWindow(h.miniport, w, false);
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kWrite, 0, 0, 1, 1), MakeStep(StepKind::kInterrupt, 0, 1)};
  const uint16_t point = FindPreemptPoint(h, s, [&](const ExecutionResult& r) {
    const bool nested = w.inside > 0;
    w.Clear();
    return nested && r.violations.empty();
  });
  EXPECT_NE(point, 0) << "no preemption point put the ISR inside HwStartIo on its CPU";
}

TEST(ExecutorInterleaving, AnInterruptOnAnotherCpuOverlapsTheSuspendedWork) {
  Harness h;
  IsrWindow w;
  InstallWindow(h.miniport, w, false);
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kWrite, 0, 0, 1, 1), MakeStep(StepKind::kInterrupt, 1, 1)};
  const uint16_t point = FindPreemptPoint(h, s, [&](const ExecutionResult& r) {
    const bool overlap = w.inside > 0;
    w.Clear();
    return overlap && r.violations.empty();
  });
  EXPECT_NE(point, 0) << "no preemption point let CPU 1's ISR run inside CPU 0's HwStartIo";
}

TEST(ExecutorInterleaving, AnIsrWaitingForItsMsiLockRunsOnlyAfterTheHolderReleasesIt) {
  Harness h;
  IsrWindow w;
  InstallWindow(h.miniport, w, /*take_msi_lock_0=*/true);
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kWrite, 0, 0, 1, 1), MakeStep(StepKind::kInterrupt, 1, 0)};
  for (uint16_t point = 1; point < 30; ++point) {
    s.steps[0].preempt = point;
    const ExecutionResult r = h.executor.Run(s);
    EXPECT_TRUE(r.violations.empty()) << "preempt " << point << ":\n" << Lines(r);
    EXPECT_EQ(r.deadlocks, 0u);
    EXPECT_EQ(w.inside, 0) << "preempt " << point;
    EXPECT_GT(w.after, 0) << "preempt " << point;
    w.Clear();
  }
}

TEST(ExecutorInterleaving, TwoCpusTakingTwoMsiLocksInOppositeOrderDeadlock) {
  Harness h;
  // HwStartIo takes lock 0 then 1; the DPC takes 1 then 0.
  auto take_two = [](PVOID ext, ULONG first, ULONG second) {
    ULONG old_first = 0, old_second = 0;
    StorPortAcquireMSISpinLock(ext, first, &old_first);
    StorPortStallExecution(1);
    StorPortAcquireMSISpinLock(ext, second, &old_second);
    StorPortReleaseMSISpinLock(ext, second, old_second);
    StorPortReleaseMSISpinLock(ext, first, old_first);
  };
  static STOR_DPC dpc;
  h.miniport.passive_initialize = [](PVOID ext) {
    StorPortInitializeDpc(ext, &dpc, sp::ScriptedDpcRoutine);
    return TRUE;
  };
  // HwStartIo on CPU 0 signals message 3 and takes the locks; the ISR of message 3 on CPU 1
  // queues the DPC there, which takes them the other way round.
  h.miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    sp::Port::Current()->SignalMessage(0, 3);
    take_two(ext, 0, 1);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  h.miniport.ms_isr = [](PVOID ext, ULONG) {
    StorPortIssueDpc(ext, &dpc, nullptr, nullptr);
    return TRUE;
  };
  h.miniport.dpc = [&](PSTOR_DPC, PVOID ext, PVOID, PVOID) { take_two(ext, 1, 0); };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kWrite, 0, 0, 1, 1), MakeStep(StepKind::kInterrupt, 1, 3),
             MakeStep(StepKind::kFlush, 0)};
  bool found = false;
  std::string line;
  for (uint16_t p0 = 1; p0 < 25 && !found; ++p0) {
    for (uint16_t p1 = 1; p1 < 25 && !found; ++p1) {
      s.steps[0].preempt = p0;
      s.steps[1].preempt = p1;
      const ExecutionResult r = h.executor.Run(s);
      found = r.deadlocks > 0 && Saw(r, Rule::kDeadlock);
      for (const sp::Violation& v : r.violations)
        if (v.rule == Rule::kDeadlock) line = v.line;
    }
  }
  EXPECT_TRUE(found) << "no schedule of two CPUs reached the lock-order deadlock";
  // The violation names the cycle: each CPU, the lock it waits for, and the CPU holding it.
  const bool cycle_0_then_1 =
      line.find(
          "wait cycle: cpu0 waits for MSI lock 1 held by cpu1, cpu1 waits for MSI lock 0 "
          "held by cpu0") != std::string::npos;
  const bool cycle_1_then_0 =
      line.find(
          "wait cycle: cpu1 waits for MSI lock 0 held by cpu0, cpu0 waits for MSI lock 1 "
          "held by cpu1") != std::string::npos;
  EXPECT_TRUE(cycle_0_then_1 || cycle_1_then_0) << line;
}

// Two message ISRs (per-message mode) on two CPUs, each logging three stages with a StorPort
// call between them: resume steps make them alternate stage by stage. (The log is the test's, not
// the miniport's data: a mutex keeps TSan from reporting the two ISRs' appends.)
std::vector<std::string> g_stages;
std::mutex g_stages_mutex;

void Stage(const std::string& stage) {
  std::lock_guard<std::mutex> lock(g_stages_mutex);
  g_stages.push_back(stage);
}

std::vector<std::string> PlayAlternation(Harness& h, uint16_t point, bool with_resumes) {
  g_stages.clear();
  h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    sp::Port::Current()->SignalMessage(0, 0);
    sp::Port::Current()->SignalMessage(0, 1);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  h.miniport.ms_isr = [](PVOID, ULONG message) {
    const std::string who = message == 0 ? "A" : "B";
    Stage(who + "1");
    StorPortStallExecution(1);
    Stage(who + "2");
    StorPortStallExecution(1);
    Stage(who + "3");
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInterrupt, 0, 0, 0, 0, point),
             MakeStep(StepKind::kInterrupt, 1, 1, 0, 0, point)};
  if (with_resumes) {
    s.steps.push_back(MakeStep(StepKind::kResume, 0, 0, 0, 0, 1));
    s.steps.push_back(MakeStep(StepKind::kResume, 1, 0, 0, 0, 1));
  }
  const ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  return g_stages;
}

TEST(ExecutorInterleaving, ResumeStepsMakeTwoCpusAlternateWithinTheirSteps) {
  Harness h;
  const std::vector<std::string> alternating = {"A1", "B1", "A2", "B2", "A3", "B3"};
  uint16_t found = 0;
  for (uint16_t point = 1; point < 30 && found == 0; ++point) {
    if (PlayAlternation(h, point, true) == alternating) found = point;
  }
  ASSERT_NE(found, 0) << "no preemption point gave A1 B1 A2 B2 A3 B3";
  // Without the resume steps each CPU can only be finished: A runs to its end before B goes on.
  const std::vector<std::string> finished = {"A1", "B1", "A2", "A3", "B2", "B3"};
  EXPECT_EQ(PlayAlternation(h, found, false), finished);
  // And it replays the same way.
  EXPECT_EQ(PlayAlternation(h, found, true), alternating);
}

// A scripted miniport that drives the NVMe model by hand (NVMe 1.4 3.1, 7.6.1): it enables the
// controller, sends one Identify on the admin queue, and its ISR consumes the completion or not.
struct AdminProbe {
  PUCHAR registers = nullptr;
  PUCHAR memory = nullptr;
  uint64_t physical = 0;
  bool consume = true;
};
AdminProbe* g_probe = nullptr;

void InstallAdminProbe(ScriptedMiniport& miniport, AdminProbe& probe) {
  g_probe = &probe;
  miniport.find_adapter = [](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
    const ACCESS_RANGE& bar0 = (*config->AccessRanges)[0];
    g_probe->registers = static_cast<PUCHAR>(
        StorPortGetDeviceBase(ext, PCIBus, 0, bar0.RangeStart, bar0.RangeLength, FALSE));
    g_probe->memory = static_cast<PUCHAR>(StorPortGetUncachedExtension(ext, config, 3 * 4096));
    ULONG length = 0;
    g_probe->physical = static_cast<uint64_t>(
        StorPortGetPhysicalAddress(ext, nullptr, g_probe->memory, &length).QuadPart);
  };
  miniport.initialize = [](PVOID ext) {
    AdminProbe& p = *g_probe;
    auto reg32 = [&](ULONG offset) { return reinterpret_cast<PULONG>(p.registers + offset); };
    auto reg64 = [&](ULONG offset) { return reinterpret_cast<PULONG64>(p.registers + offset); };
    StorPortWriteRegisterUlong(ext, reg32(0x24), (3u << 16) | 3u);      // AQA: 4-entry queues
    StorPortWriteRegisterUlong64(ext, reg64(0x28), p.physical);         // ASQ
    StorPortWriteRegisterUlong64(ext, reg64(0x30), p.physical + 4096);  // ACQ
    StorPortWriteRegisterUlong(ext, reg32(0x14), 1u | (6u << 16) | (4u << 20));  // CC.EN
    for (int i = 0; i < 1000 && !(StorPortReadRegisterUlong(ext, reg32(0x1C)) & 1u); ++i)
      StorPortStallExecution(10);
    auto* command = reinterpret_cast<ULONG*>(p.memory);
    command[0] = 0x06u | (1u << 16);  // Identify, command id 1
    auto prp1 = p.physical + 8192;
    StorPortMoveMemory(&command[6], &prp1, sizeof prp1);
    command[10] = 1;                                    // CNS: the controller
    StorPortWriteRegisterUlong(ext, reg32(0x1000), 1);  // admin submission queue tail
    return TRUE;
  };
  miniport.ms_isr = [](PVOID ext, ULONG) {
    AdminProbe& p = *g_probe;
    const auto* entry = reinterpret_cast<const ULONG*>(p.memory + 4096);
    if (p.consume && (entry[3] & (1u << 16)))
      StorPortWriteRegisterUlong(ext, reinterpret_cast<PULONG>(p.registers + 0x1004), 1);
    return TRUE;
  };
}

TEST(ExecutorOracle, ACompletionQueueLeftHoldingEntriesIsAnUnservicedInterruptCause) {
  Harness h;
  AdminProbe probe;
  InstallAdminProbe(h.miniport, probe);
  const Scenario s = MsiXScenario(2);
  probe.consume = false;
  const ExecutionResult ignored = h.executor.Run(s);
  EXPECT_TRUE(ignored.adapter_started);
  EXPECT_TRUE(Saw(ignored, Rule::kInterruptCauseUnserviced)) << Lines(ignored);
  probe.consume = true;  // the clean twin
  const ExecutionResult serviced = h.executor.Run(s);
  EXPECT_TRUE(serviced.violations.empty()) << Lines(serviced);
}

// --- ThreadSanitizer sees the virtual CPUs as threads (tsan preset only) ---

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MSIRIG_TEST_TSAN 1
#endif
#endif

int g_shared_counter = 0;

// ISRs of messages 0 and 1, on CPUs 0 and 1, increment one counter; with `locked`, under the
// MSI lock of message 2, which orders them.
[[maybe_unused]] void TwoIsrsTouchOneCounter(bool locked, bool real_threads = false) {
  Harness h;
  h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    sp::Port::Current()->SignalMessage(0, 0);
    sp::Port::Current()->SignalMessage(0, 1);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  h.miniport.ms_isr = [locked](PVOID ext, ULONG) {
    ULONG old_irql = 0;
    if (locked) StorPortAcquireMSISpinLock(ext, 2, &old_irql);
    ++g_shared_counter;
    if (locked) StorPortReleaseMSISpinLock(ext, 2, old_irql);
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInterrupt, 0, 0),
             MakeStep(StepKind::kInterrupt, 1, 1)};
  if (!real_threads) {
    h.executor.Run(s);
    return;
  }
  // On real threads both CPUs must have their messages pending before they start.
  h.miniport.initialize = [](PVOID) {
    sp::Port::Current()->SignalMessage(0, 0);
    sp::Port::Current()->SignalMessage(0, 1);
    return TRUE;
  };
  s.steps = {MakeStep(StepKind::kInterrupt, 0, 0), MakeStep(StepKind::kInterrupt, 1, 1)};
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor threaded(options);
  threaded.Run(s);
}

TEST(ExecutorTsanDeathTest, AnUnlockedCounterOfIsrsOnTwoCpusIsAReportedRaceOnEveryReplay) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  for (int replay = 0; replay < 2; ++replay)
    EXPECT_DEATH(TwoIsrsTouchOneCounter(false),
                 "ThreadSanitizer: data race(.|\n)*msirig: scenario:\nplatform (.|\n)*"
                 "msirig: last events:(.|\n)*msirig: reproduce: tools/msirig repro executor_test "
                 "crash-<sha1>");
#endif
}

TEST(ExecutorTsanDeathTest, TheSameCounterUnderAnMsiLockIsNotReported) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_EXIT(
      {
        TwoIsrsTouchOneCounter(true);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

TEST(ExecutorTsanDeathTest, OnRealThreadsTheUnlockedCounterIsReportedToo) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_DEATH(TwoIsrsTouchOneCounter(false, /*real_threads=*/true), "ThreadSanitizer: data race");
  EXPECT_EXIT(
      {
        TwoIsrsTouchOneCounter(true, /*real_threads=*/true);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

// Two ISRs on two CPUs copy into one buffer through StorPortMoveMemory, with no lock: the copy
// is the miniport's own access, so TSan reports the race (the port hides only its bookkeeping).
char g_shared_buffer[16];

[[maybe_unused]] void TwoIsrsMoveMemoryIntoOneBuffer() {
  Harness h;
  h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    sp::Port::Current()->SignalMessage(0, 0);
    sp::Port::Current()->SignalMessage(0, 1);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  h.miniport.ms_isr = [](PVOID, ULONG message) {
    char local[sizeof g_shared_buffer];
    std::memset(local, static_cast<int>(message), sizeof local);
    StorPortMoveMemory(g_shared_buffer, local, sizeof local);
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInterrupt, 0, 0),
             MakeStep(StepKind::kInterrupt, 1, 1)};
  h.executor.Run(s);
}

TEST(ExecutorTsanDeathTest, CopiesThroughStorPortMoveMemoryAreTheMiniportsAccesses) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_DEATH(TwoIsrsMoveMemoryIntoOneBuffer(), "ThreadSanitizer: data race");
#endif
}

// A write that "succeeds" without storing, then a read of its blocks, both on CPU 0: on real
// threads too the read is checked when it completes, so the oracle still knows the write had
// completed (checked only after the drain, the write would look in flight and the read racy).
TEST(ExecutorStress, OnRealThreadsCompletionsAreCheckedAsTheyArrive) {
  ScriptedMiniport miniport;
  ScriptedMiniport::current = &miniport;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  RamDisk(miniport, disk);
  auto ram_disk = miniport.start_io;
  miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    if (srb->Cdb[0] == SCSIOP_WRITE) {
      srb->SrbStatus = SRB_STATUS_SUCCESS;
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    }
    return ram_disk(ext, srb);
  };
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor executor(options);
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kWrite, 0, 4, 1, 0x10), MakeStep(StepKind::kRead, 0, 4, 1)};
  EXPECT_TRUE(Saw(executor.Run(s), Rule::kDataCorruption));
  miniport.start_io = ram_disk;  // the clean twin
  const ExecutionResult clean = executor.Run(s);
  EXPECT_TRUE(clean.violations.empty()) << Lines(clean);
  ScriptedMiniport::current = nullptr;
}

// A DPC the passive initialization routine issues (below DISPATCH_LEVEL) runs in the run: at
// once, as the DPC interrupt would, or at the latest in the drain.
STOR_DPC g_passive_dpc;

// The trace of one run of `steps` on the scripted miniport (per-message mode, 4 messages).
std::string ProbeTrace(const std::vector<Step>& steps, ExecutionResult* result = nullptr) {
  sp::TraceRecorder recorder;
  ScriptedMiniport miniport;
  ScriptedMiniport::current = &miniport;
  ExecutorOptions options = Harness::Options();
  options.trace_recorder = &recorder;
  Executor executor(options);
  Scenario s = MsiXScenario(4);
  s.steps = steps;
  const ExecutionResult r = executor.Run(s);
  ScriptedMiniport::current = nullptr;
  if (result != nullptr) *result = r;
  return recorder.text();
}

bool Traced(const std::string& trace, const std::string& kind, const std::string& name) {
  return trace.find("\t" + kind + "\t" + name + "\t") != std::string::npos;
}

// Release probes are real releases (steps.def `args`), judged by the verifier as its rules say
// (traced, not reported: the rig's own calls); a wrong verdict would be a contract mismatch.
TEST(ExecutorProbe, AReleaseOfALockNotHeldIsJudgedStorPortSpinLock) {
  ExecutionResult result;
  const std::string trace = ProbeTrace({MakeStep(StepKind::kReleaseMsiLock, 1, 1, 0)}, &result);
  EXPECT_TRUE(Traced(trace, "violation", "StorPortSpinLock"));
  EXPECT_FALSE(Traced(trace, "acquire", "MSI lock"));
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
}

TEST(ExecutorProbe, AReleaseNamingAnotherMessageThanTheHeldLockIsJudgedStorPortSpinLock4) {
  ExecutionResult result;
  const std::string trace = ProbeTrace({MakeStep(StepKind::kReleaseMsiLock, 1, 1, 8)}, &result);
  EXPECT_TRUE(Traced(trace, "violation", "StorPortSpinLock4"));
  EXPECT_TRUE(Traced(trace, "acquire", "MSI lock"));
  // The probe gave the lock it held back itself: nothing held at the end of the run.
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
}

TEST(ExecutorProbe, AMatchedReleaseIsNoViolation) {
  ExecutionResult result;
  const std::string trace = ProbeTrace({MakeStep(StepKind::kReleaseMsiLock, 1, 2, 16)}, &result);
  EXPECT_TRUE(Traced(trace, "acquire", "MSI lock"));
  EXPECT_TRUE(Traced(trace, "release", "MSI lock"));
  EXPECT_EQ(trace.find("\tviolation\t"), std::string::npos);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
}

TEST(ExecutorProbe, AnAcquireWithANullOldIrqlIsRefusedAndTakesNoLock) {
  ExecutionResult result;
  const std::string trace = ProbeTrace({MakeStep(StepKind::kAcquireMsiLock, 1, 1, 4)}, &result);
  EXPECT_FALSE(Traced(trace, "acquire", "MSI lock"));
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  // Its twin with an OldIrql takes the lock and gives it back.
  const std::string twin = ProbeTrace({MakeStep(StepKind::kAcquireMsiLock, 1, 1, 0)});
  EXPECT_TRUE(Traced(twin, "acquire", "MSI lock"));
}

extern "C" void msirig_set_current_input(const char* path);

// A sanitizer's report gets the context a verifier finding has: the scenario as text, the last
// events, and the command that reproduces it, naming the input the replay driver runs.
TEST(ExecutorAsanDeathTest, AUseAfterFreeInTheMiniportPrintsTheScenarioAndTheReproduceCommand) {
#if !MSIRIG_HAS_ASAN
  GTEST_SKIP() << "AddressSanitizer runs in the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto planted = [] {
    msirig_set_current_input("/tmp/inputs/crash-1234");
    Harness h;
    h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
      auto* freed = new int[4]{};
      delete[] freed;
      srb->SrbStatus = static_cast<UCHAR>(SRB_STATUS_SUCCESS + freed[1]);  // read after free
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    };
    Scenario s = MsiXScenario(2);
    s.steps = {MakeStep(StepKind::kWrite, 1, 8, 1, 0x5a)};
    h.executor.Run(s);
  };
  EXPECT_DEATH(planted(),
               "heap-use-after-free(.|\n)*msirig: scenario:\nplatform (.|\n)*"
               "write cpu=1 lba=8 blocks=1 pattern=0x5a\n(.|\n)*msirig: last events:(.|\n)*"
               "msirig: reproduce: tools/msirig repro executor_test /tmp/inputs/crash-1234\n");
#endif
}

// UBSan too (its report hook; the asan preset builds with -fsanitize=undefined and no recovery).
// UBSan calls the hook just before it prints its report, so the context comes first.
TEST(ExecutorAsanDeathTest, UndefinedBehaviourInTheMiniportPrintsTheScenarioToo) {
#if !MSIRIG_HAS_ASAN
  GTEST_SKIP() << "UndefinedBehaviorSanitizer runs in the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto planted = [] {
    msirig_set_current_input("/tmp/inputs/crash-5678");
    Harness h;
    h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
      volatile int big = 0x7FFFFFFF;
      const int sum = big + static_cast<int>(srb->Cdb[0] != 0xFF);  // signed overflow
      srb->SrbStatus = static_cast<UCHAR>(sum == 0 ? SRB_STATUS_SUCCESS : SRB_STATUS_SUCCESS);
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    };
    Scenario s = MsiXScenario(2);
    s.steps = {MakeStep(StepKind::kFlush, 0)};
    h.executor.Run(s);
  };
  EXPECT_DEATH(planted(),
               "msirig: scenario:\nplatform (.|\n)*msirig: last events:\n  #(.|\n)*"
               "msirig: reproduce: tools/msirig repro executor_test /tmp/inputs/crash-5678\n"
               "(.|\n)*runtime error: signed integer overflow");
#endif
}

TEST(Executor, ADpcIssuedAtPassiveLevelRunsWithinTheRun) {
  Harness h;
  int ran = 0;
  h.miniport.passive_initialize = [](PVOID ext) {
    StorPortInitializeDpc(ext, &g_passive_dpc, sp::ScriptedDpcRoutine);
    StorPortIssueDpc(ext, &g_passive_dpc, nullptr, nullptr);
    return TRUE;
  };
  h.miniport.dpc = [&](PSTOR_DPC, PVOID, PVOID, PVOID) { ++ran; };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kFlush, 1)};
  const ExecutionResult r = h.executor.Run(s);
  EXPECT_TRUE(r.adapter_started);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(r.violations.empty()) << Lines(r);
}

TEST(ExecutorStress, RealThreadsPlayEveryCpusStepsConcurrentlyWithTheSameOracles) {
  ScriptedMiniport miniport;
  ScriptedMiniport::current = &miniport;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  std::mutex disk_lock;  // the RAM disk's own lock: two CPUs submit at once now
  RamDisk(miniport, disk);
  auto ram_disk = miniport.start_io;
  miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    std::lock_guard<std::mutex> guard(disk_lock);
    return ram_disk(ext, srb);
  };
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor executor(options);
  Scenario s = MsiXScenario(4);
  for (uint32_t i = 0; i < 64; ++i)
    s.steps.push_back(
        MakeStep(i % 2 ? StepKind::kWrite : StepKind::kRead, i % 2, 8 * (i % 2) + i, 1, i));
  for (int round = 0; round < 5; ++round) {
    const ExecutionResult r = executor.Run(s);
    EXPECT_TRUE(r.adapter_started);
    EXPECT_EQ(r.requests_completed, 64u);
    EXPECT_TRUE(r.violations.empty()) << Lines(r);
  }
  ScriptedMiniport::current = nullptr;
}

}  // namespace
}  // namespace msirig::fuzz
