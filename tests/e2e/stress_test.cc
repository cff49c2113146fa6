// The miniport under test on real OS threads (the executor's stress mode): the window scenarios
// and a mixed load, every CPU's steps on a thread of its own. Under the tsan preset this is the
// real-threads complement to the fibers; everywhere it must end with no finding.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_text.h"

extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::fuzz {
namespace {

Scenario MixedLoad(const char* parameter) {
  Scenario s;
  s.platform.interrupt_kind = sp::InterruptKind::kMsiX;
  s.platform.messages_requested = 4;
  s.platform.messages_granted = 4;
  s.platform.cpu_count = 2;
  s.platform.driver_parameter = parameter;
  for (uint32_t i = 0; i < 48; ++i) {
    Step step;
    step.cpu = i % 2;
    step.kind = i % 3 == 0 ? StepKind::kRead : i % 3 == 1 ? StepKind::kWrite
                                                          : StepKind::kDeviceProgress;
    step.a = step.kind == StepKind::kDeviceProgress ? 16 : 32 * (i % 2) + i % 16;
    step.b = 1 + i % 4;
    step.c = i;
    s.steps.push_back(step);
    Step interrupt;
    interrupt.kind = StepKind::kInterrupt;
    interrupt.cpu = (i + 1) % 2;
    interrupt.a = i % 4;
    s.steps.push_back(interrupt);
  }
  return s;
}

void ExpectClean(const Scenario& scenario, int rounds) {
  ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = sp::VerifierMode::kRecord;
  options.real_threads = true;
  Executor executor(options);
  for (int round = 0; round < rounds; ++round) {
    const ExecutionResult result = executor.Run(scenario);
    ASSERT_TRUE(result.adapter_started);
    for (const sp::Violation& v : result.violations) ADD_FAILURE() << v.line;
  }
}

TEST(Stress, AMixedLoadOnRealThreadsEndsWithNoFindingInPerMessageMode) {
  ExpectClean(MixedLoad("SyncMode=PerMessage;IoQueues=3"), 4);
}

TEST(Stress, AMixedLoadOnRealThreadsEndsWithNoFindingInSynchronizeAllMode) {
  ExpectClean(MixedLoad("SyncMode=All;IoQueues=3"), 4);
}

TEST(Stress, TheWindowScenariosOnRealThreadsEndWithNoFinding) {
  for (const char* file : {"window_isr_before_doorbell.txt", "window_nested_messages.txt",
                           "window_dpc_on_other_cpu.txt", "window_reset_in_flight.txt"}) {
    std::ifstream in(std::string(MSIRIG_SCENARIO_DIR) + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    Scenario scenario;
    std::string error;
    ASSERT_TRUE(ParseText(text.str(), &scenario, &error)) << file << ": " << error;
    ExpectClean(scenario, 2);
  }
}

}  // namespace
}  // namespace msirig::fuzz
