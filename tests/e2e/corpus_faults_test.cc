// The fault seeds of corpora/ reach their purpose: every text seed of a full-stack target with a
// fault plan starts the adapter, issues at least one request, and every fault knob it sets takes
// effect (its "fault_*" device event, hba-model/include/msirig/hba/device_events.def, is in the
// trace). A seed whose fault breaks the initialization instead (an "every_n" counter that counts
// the admin commands of the start) never reaches HwStartIo and fuzzes nothing of what it names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_text.h"
#include "msirig/hba/fault_plan.h"
#include "msirig/storport/port.h"
#include "msirig/storport/trace_recorder.h"

extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::fuzz {
namespace {

// The device event each knob of the plan reports when it takes effect (hba/fault_plan.h).
std::vector<std::string> EventsOf(const hba::FaultPlan& p) {
  std::vector<std::string> events;
  auto expect = [&](bool set, const char* event) {
    if (set) events.push_back(event);
  };
  expect(p.drop_interrupt_every_n != 0, "fault_interrupt_dropped");
  expect(p.duplicate_interrupt_every_n != 0, "fault_interrupt_duplicated");
  expect(p.misroute_interrupt_every_n != 0, "fault_interrupt_misrouted");
  expect(p.delay_interrupt_every_n != 0 && p.delay_interrupt_ns != 0, "fault_interrupt_delayed");
  expect(p.spurious_interrupt_every_n_steps != 0, "fault_interrupt_spurious");
  expect(p.interrupt_storm_at_step != 0 && p.interrupt_storm_count != 0, "fault_interrupt_storm");
  expect(p.late_completion_every_n != 0 && p.late_completion_ns != 0, "fault_completion_late");
  expect(p.out_of_order_window_commands > 1, "fault_completion_reordered");
  expect(p.corrupt_cid_every_n != 0, "fault_completion_bad_cid");
  expect(p.corrupt_sqid_every_n != 0, "fault_completion_bad_sqid");
  expect(p.corrupt_phase_every_n != 0, "fault_completion_bad_phase");
  expect(p.complete_after_reset, "fault_completion_after_reset");
  expect(p.surprise_removal_at_step != 0, "fault_surprise_removal");
  expect(p.fatal_status_at_step != 0, "fault_controller_fatal");
  return events;
}

struct Seed {
  std::string path;  // relative to corpora/, for the test's name and messages
  Scenario scenario;
};

// Every text seed with a fault plan, of the targets that play whole scenarios. lifecycle_fuzz
// rewrites informational requests into lifecycle steps; its fault seeds have none, so they
// play here as the target plays them.
std::vector<Seed> FaultSeeds() {
  std::vector<Seed> seeds;
  for (const char* target : {"schedule_fuzz", "lifecycle_fuzz", "stress_fuzz"}) {
    const std::filesystem::path dir = std::filesystem::path(MSIRIG_CORPORA_DIR) / target;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".txt") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      Seed seed{std::string(target) + "/" + entry.path().filename().string(), {}};
      std::string error;
      if (!ParseText(text.str(), &seed.scenario, &error)) {
        ADD_FAILURE() << seed.path << ": " << error;
        continue;
      }
      if (!EventsOf(seed.scenario.faults).empty()) seeds.push_back(std::move(seed));
    }
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& x, const Seed& y) { return x.path < y.path; });
  return seeds;
}

bool HasEvent(const std::string& trace, std::string_view kind, std::string_view name) {
  const std::string needle = "\t" + std::string(kind) + "\t" + std::string(name) + "\t";
  return trace.find(needle) != std::string::npos;
}

TEST(CorpusFaultSeeds, ThereAreSeedsForEveryFaultKnob) {
  std::vector<std::string> covered;
  for (const Seed& seed : FaultSeeds()) {
    for (const std::string& event : EventsOf(seed.scenario.faults)) covered.push_back(event);
  }
  hba::FaultPlan all;
  all.drop_interrupt_every_n = all.duplicate_interrupt_every_n = 1;
  all.misroute_interrupt_every_n = all.delay_interrupt_every_n = 1;
  all.delay_interrupt_ns = 1;
  all.spurious_interrupt_every_n_steps = 1;
  all.interrupt_storm_at_step = all.interrupt_storm_count = 1;
  all.late_completion_every_n = 1;
  all.late_completion_ns = 1;
  all.out_of_order_window_commands = 2;
  all.corrupt_cid_every_n = all.corrupt_sqid_every_n = all.corrupt_phase_every_n = 1;
  all.complete_after_reset = true;
  all.surprise_removal_at_step = all.fatal_status_at_step = 1;
  for (const std::string& event : EventsOf(all)) {
    EXPECT_NE(std::find(covered.begin(), covered.end(), event), covered.end())
        << "no corpus seed sets the knob of " << event;
  }
}

TEST(CorpusFaultSeeds, EachStartsTheAdapterIssuesRequestsAndFiresItsFaults) {
  const std::vector<Seed> seeds = FaultSeeds();
  ASSERT_GE(seeds.size(), 14u);
  for (const Seed& seed : seeds) {
    SCOPED_TRACE(seed.path);
    sp::TraceRecorder recorder;
    ExecutorOptions options;
    options.driver_entry = DriverEntry;
    options.verifier_mode = sp::VerifierMode::kRecord;
    options.trace_recorder = &recorder;
    Executor executor(options);
    const ExecutionResult result = executor.Run(seed.scenario);
    EXPECT_TRUE(result.adapter_started);
    EXPECT_TRUE(result.violations.empty())
        << result.violations.size() << " findings, first: " << result.violations[0].line;
    EXPECT_TRUE(recorder.text().find("\tsubmit\tsrb\t") != std::string::npos)
        << "no request reached the port";
    for (const std::string& event : EventsOf(seed.scenario.faults))
      EXPECT_TRUE(HasEvent(recorder.text(), "device", event)) << event << " never fired";
  }
}

// The way to fault the initialization on purpose: the same plan armed before DriverEntry
// counts the start's admin completions, so a corrupt command id on the first one breaks the
// start, and the run says so (ExecutionResult::adapter_started, the trace).
TEST(CorpusFaultSeeds, APlanArmedDuringInitializationCanFailTheStartVisibly) {
  Scenario scenario;
  std::string error;
  ASSERT_TRUE(
      ParseText("platform os=win10 interrupts=msix requested=4 granted=4 cpus=2\n"
                "fault corrupt_cid_every_n=1\n"
                "write cpu=0 lba=0 blocks=1 pattern=0x11\n",
                &scenario, &error))
      << error;
  ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = sp::VerifierMode::kRecord;
  Executor executor(options);
  EXPECT_TRUE(executor.Run(scenario).adapter_started);

  scenario.faults_during_init = true;
  sp::TraceRecorder recorder;
  options.trace_recorder = &recorder;
  Executor early(options);
  const ExecutionResult result = early.Run(scenario);
  EXPECT_FALSE(result.adapter_started);
  EXPECT_TRUE(HasEvent(recorder.text(), "device", "fault_completion_bad_cid"));
  EXPECT_NE(recorder.text().find("adapter start failed"), std::string::npos);
  EXPECT_EQ(recorder.text().find("\tsubmit\tsrb\t"), std::string::npos);
}

}  // namespace
}  // namespace msirig::fuzz
