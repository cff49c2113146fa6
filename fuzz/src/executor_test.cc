// The executor: deterministic runs, DPCs, and its own oracles (data, status, interrupt causes).
#include "msirig/fuzz/executor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "executor_test_util.h"
#include "request_oracle.h"
#include "scripted_miniport.h"

namespace msirig::fuzz {
namespace {

using sp::Rule;
using sp::ScriptedMiniport;
using testing::Harness;
using testing::Lines;
using testing::MakeStep;
using testing::MsiXScenario;
using testing::RamDisk;
using testing::Saw;

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

TEST(Executor, AnInquiryStepSendsTheStandardInquiryOrTheVpdPageItNames) {
  Harness h;
  std::vector<std::vector<UCHAR>> cdbs;
  std::vector<ULONG> lengths;
  h.miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    cdbs.emplace_back(srb->Cdb, srb->Cdb + 6);
    lengths.push_back(srb->DataTransferLength);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kInquiry, 0), MakeStep(StepKind::kInquiry, 0, 1, 0x83),
             MakeStep(StepKind::kInquiry, 1, 7, 0x1B0, 0x1FFFF)};
  const ExecutionResult result = h.executor.Run(s);
  EXPECT_TRUE(result.violations.empty()) << Lines(result);
  const std::vector<std::vector<UCHAR>> expected = {
      {0x12, 0, 0, 0, 36, 0}, {0x12, 1, 0x83, 0, 255, 0}, {0x12, 1, 0xB0, 0xFF, 0xFF, 0}};
  EXPECT_EQ(cdbs, expected);  // the page is a byte, the allocation length two
  EXPECT_EQ(lengths, (std::vector<ULONG>{36, 255, 255}));
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

// A DPC the passive initialization routine issues (below DISPATCH_LEVEL) runs in the run: at
// once, as the DPC interrupt would, or at the latest in the drain.
STOR_DPC g_passive_dpc;

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

// The first request pauses the adapter for longer than the drain's 64 idle seconds: the drain
// lets time pass to the pause's end, and the request Storport held starts and completes.
TEST(Executor, TheDrainWaitsForAPauseThatHoldsRequests) {
  Harness h;
  int calls = 0;
  h.miniport.start_io = [&calls](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    if (++calls == 1) StorPortPause(ext, 1000);  // seconds
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kFlush, 1)};
  const ExecutionResult r = h.executor.Run(s);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.requests_completed, 2u);
  EXPECT_TRUE(r.violations.empty()) << Lines(r);
}

// The same for a unit's pause (StorPortPauseDevice): the second request, to the same unit, waits
// out the 1000 s and then completes.
TEST(Executor, TheDrainWaitsForAUnitsPauseThatHoldsRequests) {
  Harness h;
  int calls = 0;
  h.miniport.start_io = [&calls](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    if (++calls == 1) StorPortPauseDevice(ext, 0, 0, 0, 1000);  // seconds
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kFlush, 1)};
  const ExecutionResult r = h.executor.Run(s);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.requests_completed, 2u);
  EXPECT_TRUE(r.violations.empty()) << Lines(r);
}

// A unit the miniport makes busy (StorPortDeviceBusy) while it keeps its one request for good:
// the request Storport then holds for the unit is counted with the lost one in the finding, and
// the end-of-run checks take it for the miniport's doing, not a rig error.
TEST(ExecutorOracle, ARequestHeldForAUnitLeftBusyIsPartOfTheFindingNotARigError) {
  Harness h;
  int calls = 0;
  h.miniport.start_io = [&calls](PVOID ext, PSCSI_REQUEST_BLOCK) {
    if (++calls == 1) StorPortDeviceBusy(ext, 0, 0, 0, 1);  // and never completes it
    return TRUE;
  };
  h.miniport.reset_bus = [](PVOID) { return TRUE; };  // completes nothing either
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kFlush, 1)};
  const ExecutionResult r = h.executor.Run(s);
  EXPECT_EQ(calls, 1) << "the busy unit's second request reached HwStartIo";
  EXPECT_EQ(r.requests_completed, 0u);
  ASSERT_TRUE(Saw(r, Rule::kRequestsOutstanding)) << Lines(r);
  EXPECT_NE(Lines(r).find("2 request(s) never completed"), std::string::npos) << Lines(r);
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

}  // namespace
}  // namespace msirig::fuzz
