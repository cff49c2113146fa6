#include "ddmin.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace msirig::triage {
namespace {

bool Contains(const std::vector<size_t>& set, size_t x) {
  return std::find(set.begin(), set.end(), x) != set.end();
}

TEST(DdminTest, FindsTheTwoNeededElements) {
  size_t tests = 0;
  const auto result = Ddmin(
      20, [](const std::vector<size_t>& s) { return Contains(s, 3) && Contains(s, 17); }, 2000,
      &tests);
  EXPECT_EQ(result, (std::vector<size_t>{3, 17}));
  EXPECT_GT(tests, 0u);
}

TEST(DdminTest, EmptyWhenNothingIsNeeded) {
  EXPECT_TRUE(Ddmin(5, [](const std::vector<size_t>&) { return true; }).empty());
}

TEST(DdminTest, ResultIsOneMinimal) {
  // Needs any three of the even elements.
  auto test = [](const std::vector<size_t>& s) {
    return std::count_if(s.begin(), s.end(), [](size_t x) { return x % 2 == 0; }) >= 3;
  };
  const auto result = Ddmin(16, test);
  ASSERT_TRUE(test(result));
  EXPECT_EQ(result.size(), 3u);
  for (size_t i = 0; i < result.size(); ++i) {
    std::vector<size_t> less = result;
    less.erase(less.begin() + static_cast<long>(i));
    EXPECT_FALSE(test(less));
  }
}

TEST(DdminTest, RespectsTheBudget) {
  size_t tests = 0;
  const auto result = Ddmin(
      64, [](const std::vector<size_t>& s) { return Contains(s, 5) && Contains(s, 60); }, 3,
      &tests);
  EXPECT_LE(tests, 3u);
  EXPECT_TRUE(Contains(result, 5) && Contains(result, 60));
}

TEST(MinimizeScenarioTest, KeepsTheNeededStepAndDropsFaultsAndPreemption) {
  fuzz::Scenario scenario;
  for (uint32_t lba = 0; lba < 10; ++lba) {
    fuzz::Step step;
    step.kind = fuzz::StepKind::kWrite;
    step.a = lba;
    step.preempt = static_cast<uint16_t>(lba + 1);
    scenario.steps.push_back(step);
  }
  scenario.faults.drop_interrupt_every_n = 3;
  scenario.platform.driver_parameter = "SyncMode=PerMessage";
  auto keeps = [](const fuzz::Scenario& s) {
    return std::any_of(s.steps.begin(), s.steps.end(),
                       [](const fuzz::Step& step) { return step.a == 7; });
  };
  MinimizeStats stats;
  const fuzz::Scenario result = MinimizeScenario(scenario, keeps, 1000, &stats);
  ASSERT_EQ(result.steps.size(), 1u);
  EXPECT_EQ(result.steps[0].a, 7u);
  EXPECT_EQ(result.steps[0].preempt, 0);
  EXPECT_EQ(result.faults.drop_interrupt_every_n, 0u);
  EXPECT_EQ(result.platform.driver_parameter, "");
  EXPECT_EQ(stats.steps_before, 10u);
  EXPECT_EQ(stats.steps_after, 1u);
}

TEST(MinimizeScenarioTest, KeepsFaultsTheFindingNeeds) {
  fuzz::Scenario scenario;
  scenario.steps.resize(4);
  scenario.faults.drop_interrupt_every_n = 2;
  scenario.platform.driver_parameter = "IoQueues=2";
  auto keeps = [](const fuzz::Scenario& s) {
    return s.faults.drop_interrupt_every_n == 2 && s.platform.driver_parameter == "IoQueues=2";
  };
  const fuzz::Scenario result = MinimizeScenario(scenario, keeps, 1000, nullptr);
  EXPECT_TRUE(result.steps.empty());
  EXPECT_EQ(result.faults.drop_interrupt_every_n, 2u);
  EXPECT_EQ(result.platform.driver_parameter, "IoQueues=2");
}

}  // namespace
}  // namespace msirig::triage
