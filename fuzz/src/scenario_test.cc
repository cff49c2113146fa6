// Scenario: step vocabulary, equality and normalization.
#include "msirig/fuzz/scenario.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "scenario_fields.h"
#include "scenario_test_util.h"

namespace msirig::fuzz {
namespace {

TEST(StepInfo, NamesEveryKindFromStepsDefUniquely) {
  std::set<std::string_view> names;
  for (int k = 0; k < kStepKindCount; ++k) {
    const StepInfo& info = InfoOf(static_cast<StepKind>(k));
    EXPECT_FALSE(info.text.empty());
    names.insert(info.text);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kStepKindCount));
  EXPECT_EQ(InfoOf(StepKind::kWrite).text, "write");
  EXPECT_EQ(InfoOf(StepKind::kWrite).argument_names[2], "pattern");
  EXPECT_EQ(InfoOf(StepKind::kInterrupt).argument_names[0], "message");
  EXPECT_TRUE(InfoOf(StepKind::kFlush).argument_names[0].empty());
}

TEST(ScenarioEquality, SeesAChangeInEveryConfigField) {
  const Scenario base = Normalize(Scenario{});
  size_t fields = 0;
  const auto check_each = [&](auto select, auto visit_fields) {
    Scenario probe = base;
    size_t count = 0;
    visit_fields(select(probe), [&](const internal::FieldSpec&, auto&) { ++count; });
    for (size_t i = 0; i < count; ++i) {
      Scenario changed = base;
      size_t index = 0;
      visit_fields(select(changed), [&](const internal::FieldSpec& spec, auto& field) {
        if (index++ == i) internal::SetField(field, internal::GetField(field) ^ 1);
        (void)spec;
      });
      EXPECT_FALSE(changed == base) << "field " << i;
      ++fields;
    }
  };
  check_each(
      [](Scenario & s) -> auto& { return s.device; },
      [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); });
  check_each(
      [](Scenario & s) -> auto& { return s.device.namespaces[0]; },
      [](auto& n, auto&& v) { internal::VisitNamespaceFields(n, v); });
  check_each(
      [](Scenario & s) -> auto& { return s; },
      [](auto& s, auto&& v) { internal::VisitScenarioFaultFields(s, v); });
  check_each(
      [](Scenario & s) -> auto& { return s.platform.faults; },
      [](auto& f, auto&& v) { internal::VisitPlatformFaultFields(f, v); });
  EXPECT_EQ(fields, 16u + 2u + (20u + 1u) + 3u);

  Scenario more_namespaces = base;
  more_namespaces.device.namespaces.emplace_back();
  EXPECT_FALSE(more_namespaces == base);
  Scenario with_step = base;
  with_step.steps.push_back(Step{});
  EXPECT_FALSE(with_step == base);
  with_step.steps[0].c = 1;
  Scenario other_step = base;
  other_step.steps.push_back(Step{});
  EXPECT_FALSE(with_step == other_step);
}

TEST(ScenarioNormalize, ClampsTheDeviceToWhatTheModelAccepts) {
  Scenario s;
  s.device.msix_vectors = 0;
  s.device.msi_messages = 24;
  s.device.max_queue_entries = 1;
  s.device.io_queue_pairs_max = 1000;
  s.device.doorbell_stride_shift = 9;
  s.device.mdts_pages_log2 = 11;
  s.device.ready_latency_ns = ~uint64_t{0};
  s.device.namespaces.clear();
  s.faults.delay_interrupt_ns = ~uint64_t{0};
  const Scenario n = Normalize(s);
  EXPECT_EQ(n.device.msix_vectors, 1u);
  EXPECT_EQ(n.device.msi_messages, 16u);
  EXPECT_EQ(n.device.max_queue_entries, 2u);
  EXPECT_EQ(n.device.io_queue_pairs_max, 64u);
  EXPECT_EQ(n.device.doorbell_stride_shift, 8u);
  EXPECT_EQ(n.device.mdts_pages_log2, 10u);
  EXPECT_EQ(n.device.ready_latency_ns, internal::kMaxLatencyNs);
  EXPECT_EQ(n.faults.delay_interrupt_ns, internal::kMaxLatencyNs);
  ASSERT_EQ(n.device.namespaces.size(), 1u);
}

TEST(ScenarioNormalize, KeepsBetweenOneAndFourNamespacesOfKnownBlockSizes) {
  Scenario s;
  s.device.namespaces.assign(9, hba::NamespaceConfig{0, 1000});
  const Scenario n = Normalize(s);
  ASSERT_EQ(n.device.namespaces.size(), internal::kMaxNamespaces);
  EXPECT_EQ(n.device.namespaces[0].size_blocks, 1u);
  EXPECT_EQ(n.device.namespaces[0].block_size_bytes, 512u);
}

TEST(ScenarioNormalize, PutsEveryStepOnAnExistingCpuAndCapsTheSchedule) {
  Scenario s;
  s.platform.cpu_count = 3;
  s.steps.assign(kMaxSteps + 10, Step{StepKind::kInterrupt, 7, 0, 1, 0, 0});
  const Scenario n = Normalize(s);
  ASSERT_EQ(n.steps.size(), kMaxSteps);
  EXPECT_EQ(n.steps[0].cpu, 1u);
  EXPECT_EQ(n.steps[0].kind, StepKind::kInterrupt);
}

TEST(ScenarioNormalize, NormalizesThePlatformWithTheStorportRules) {
  Scenario s;
  s.platform.interrupt_kind = sp::InterruptKind::kMsi;
  s.platform.messages_requested = 8;
  s.platform.messages_granted = 3;  // MSI grants powers of two: becomes 1
  EXPECT_EQ(Normalize(s).platform, sp::Normalize(s.platform));
  EXPECT_EQ(Normalize(s).platform.messages_granted, 1u);
}

TEST(ScenarioNormalize, IsIdempotentOnRandomScenarios) {
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {
    const Scenario s = testing::RandomScenario(rng);
    EXPECT_TRUE(Normalize(s) == s) << "scenario " << i;
    EXPECT_EQ(sp::Validate(s.platform), "") << "scenario " << i;
  }
}

}  // namespace
}  // namespace msirig::fuzz
