// The executor's probe steps: MSI lock acquires and releases, judged by the verifier.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "executor_test_util.h"
#include "msirig/fuzz/executor.h"
#include "msirig/storport/trace_recorder.h"
#include "scripted_miniport.h"

namespace msirig::fuzz {
namespace {

using sp::ScriptedMiniport;
using testing::Harness;
using testing::Lines;
using testing::MakeStep;
using testing::MsiXScenario;

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

}  // namespace
}  // namespace msirig::fuzz
