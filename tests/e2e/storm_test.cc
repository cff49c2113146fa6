// Interrupt storms under the executor, against the miniport under test: the requests in flight
// ride out a storm of any size. The device sends a storm's messages beside its command work
// (hba-model faults.cc ApplyStepFaults), and the executor bounds only the steps that move no
// command (fuzz/src/executor_run.cc StepDevice), so the storm costs no request its timeout.
#include <gtest/gtest.h>

#include <string>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_text.h"
#include "msirig/storport/port.h"
#include "msirig/storport/trace_recorder.h"

extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::fuzz {
namespace {

struct StormRun {
  ExecutionResult result;
  size_t completions = 0;
  size_t successes = 0;
  size_t resets = 0;
};

// Writes and reads on both CPUs under the fault plan `fault` (a storm or spurious messages on
// vector 1); the drain completes what the steps left.
StormRun PlayStorm(const std::string& fault) {
  const std::string text =
      "platform os=win10 interrupts=msix requested=4 granted=4 cpus=2 "
      "parameter=\"SyncMode=PerMessage;IoQueues=4\"\n"
      "fault " +
      fault +
      "\n"
      "write cpu=0 lba=0 blocks=2 pattern=0x11\n"
      "write cpu=1 lba=64 blocks=1 pattern=0x22\n"
      "device steps=16\n"
      "read cpu=1 lba=0 blocks=2\n"
      "read cpu=0 lba=64 blocks=1\n";
  Scenario scenario;
  std::string error;
  EXPECT_TRUE(ParseText(text, &scenario, &error)) << error;
  sp::TraceRecorder recorder;
  ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = sp::VerifierMode::kRecord;
  options.trace_recorder = &recorder;
  Executor executor(options);
  StormRun run;
  run.result = executor.Run(scenario);
  const std::string& trace = recorder.text();
  for (size_t at = trace.find("\tcomplete\tsrb\t"); at != std::string::npos;
       at = trace.find("\tcomplete\tsrb\t", at + 1)) {
    ++run.completions;
    const size_t eol = trace.find('\n', at);
    const std::string line = trace.substr(at, eol - at);
    if (line.substr(line.rfind('\t') + 1) == "0x1") ++run.successes;  // SRB_STATUS_SUCCESS
  }
  for (size_t at = trace.find("\tenter\tHwResetBus\t"); at != std::string::npos;
       at = trace.find("\tenter\tHwResetBus\t", at + 1))
    ++run.resets;
  return run;
}

void ExpectEveryRequestSucceededWithoutAReset(const StormRun& run, const std::string& what) {
  ASSERT_TRUE(run.result.adapter_started) << what;
  for (const sp::Violation& v : run.result.violations) ADD_FAILURE() << what << ": " << v.line;
  EXPECT_EQ(run.completions, 4u) << what;
  EXPECT_EQ(run.successes, 4u) << what;
  EXPECT_EQ(run.resets, 0u) << what;
}

// Before stop 16 a storm's messages took the device's steps from its command work, and the
// executor charges virtual time for rounds that move no request: storms of about 3,000 messages
// and more outlasted the requests' 10 s timeout, and the miniport reset.
TEST(InterruptStorm, RequestsUnderAStormOfAnySizeCompleteWithoutAReset) {
  for (uint32_t count : {64u, 4096u, 262144u}) {
    const std::string size = std::to_string(count);
    ExpectEveryRequestSucceededWithoutAReset(
        PlayStorm("interrupt_storm_at_step=2 interrupt_storm_vector=1 interrupt_storm_count=" +
                  size),
        "storm of " + size);
  }
}

// A spurious message at every step used to stop the device's command work altogether.
TEST(InterruptStorm, ASpuriousMessageAtEveryStepStopsNoCommand) {
  ExpectEveryRequestSucceededWithoutAReset(
      PlayStorm("spurious_interrupt_every_n_steps=1 spurious_interrupt_vector=1"),
      "spurious message at every step");
}

}  // namespace
}  // namespace msirig::fuzz
