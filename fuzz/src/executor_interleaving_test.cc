// The executor's interleavings on fibers: preemption, nesting, overlap, lock waits, deadlock.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "executor_test_util.h"
#include "msirig/fuzz/executor.h"
#include "scripted_miniport.h"

namespace msirig::fuzz {
namespace {

using sp::Rule;
using sp::ScriptedMiniport;
using testing::Harness;
using testing::Lines;
using testing::MakeStep;
using testing::MsiXScenario;
using testing::Saw;

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
  h.miniport.start_io = testing::SignalMessages01AndComplete;
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

}  // namespace
}  // namespace msirig::fuzz
