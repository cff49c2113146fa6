// The classic windows (SPEC 5; DESIGN.md decision 3) as hand-written text scenarios in
// tests/scenarios/, played by the executor against the miniport under test: each must reach
// its window (the executor's WindowMarks say so) and the miniport must survive it with no
// finding. A scenario's `preempt` was chosen for msirig's own miniport; another miniport
// reaches the same window at another preemption point, so the test also searches for it.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_text.h"
#include "msirig/storport/port.h"

extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::fuzz {
namespace {

struct WindowCase {
  const char* file;
  uint32_t WindowMarks::*mark;
  const char* mark_name;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (pointers).
void PrintTo(const WindowCase& c, std::ostream* os) { *os << c.file << " (" << c.mark_name << ")"; }

Scenario Load(const std::string& file) {
  std::ifstream in(std::string(MSIRIG_SCENARIO_DIR) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  Scenario scenario;
  std::string error;
  EXPECT_TRUE(ParseText(text.str(), &scenario, &error)) << file << ": " << error;
  return scenario;
}

class ClassicWindow : public ::testing::TestWithParam<WindowCase> {};

TEST_P(ClassicWindow, IsReachedAndSurvivedWithoutAFinding) {
  Scenario scenario = Load(GetParam().file);
  ASSERT_FALSE(scenario.steps.empty());
  size_t anchor = scenario.steps.size();
  for (size_t i = 0; i < scenario.steps.size(); ++i) {
    if (scenario.steps[i].preempt != 0) anchor = i;
  }
  ExecutorOptions options;
  options.driver_entry = DriverEntry;
  options.verifier_mode = sp::VerifierMode::kRecord;
  Executor executor(options);

  std::vector<uint16_t> points;  // the scenario's own first, then every other
  if (anchor < scenario.steps.size()) points.push_back(scenario.steps[anchor].preempt);
  for (uint16_t p = 1; p <= 80 && anchor < scenario.steps.size(); ++p) points.push_back(p);
  if (points.empty()) points.push_back(0);

  bool reached = false;
  for (uint16_t point : points) {
    if (anchor < scenario.steps.size()) scenario.steps[anchor].preempt = point;
    const ExecutionResult result = executor.Run(scenario);
    ASSERT_TRUE(result.adapter_started);
    for (const sp::Violation& v : result.violations)
      ADD_FAILURE() << "preempt " << point << ": " << v.line;
    if (result.marks.*GetParam().mark > 0) {
      reached = true;
      RecordProperty("preempt", point);
      std::printf("%s: reached at preempt %u\n", GetParam().file, point);
      break;
    }
  }
  EXPECT_TRUE(reached) << GetParam().file << " never reached " << GetParam().mark_name;
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, ClassicWindow,
    ::testing::Values(WindowCase{"window_isr_before_doorbell.txt",
                                 &WindowMarks::isr_before_doorbell, "isr_before_doorbell"},
                      WindowCase{"window_nested_messages.txt", &WindowMarks::isr_nested_in_isr,
                                 "isr_nested_in_isr"},
                      WindowCase{"window_dpc_on_other_cpu.txt", &WindowMarks::dpc_beside_callback,
                                 "dpc_beside_callback"},
                      WindowCase{"window_reset_in_flight.txt", &WindowMarks::reset_with_device_work,
                                 "reset_with_device_work"}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      for (char& c : name) c = c == '_' ? 'X' : c;
      return name;
    });

TEST(ClassicWindowDeterminism, EveryWindowScenarioReplaysToTheSameTrace) {
  for (const char* file : {"window_isr_before_doorbell.txt", "window_nested_messages.txt",
                           "window_dpc_on_other_cpu.txt", "window_reset_in_flight.txt"}) {
    const Scenario scenario = Load(file);
    ExecutorOptions options;
    options.driver_entry = DriverEntry;
    options.verifier_mode = sp::VerifierMode::kRecord;
    Executor executor(options);
    const uint64_t first = executor.Run(scenario).trace_hash;
    EXPECT_EQ(executor.Run(scenario).trace_hash, first) << file;
  }
}

}  // namespace
}  // namespace msirig::fuzz
