// Scenario binary form: totality, round trip, locality.
#include "msirig/fuzz/scenario_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "scenario_test_util.h"

namespace msirig::fuzz {
namespace {

Scenario DecodeBytes(const std::vector<uint8_t>& bytes) {
  return Decode(bytes.data(), bytes.size());
}

std::vector<uint8_t> RandomBytes(std::mt19937& rng) {
  std::vector<uint8_t> bytes(rng() % 300);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  // Sprinkle separators so that random inputs have steps.
  for (size_t i = 0; i + 4 <= bytes.size(); i += 1 + rng() % 24) {
    if (rng() % 2) std::copy(kChunkSeparator.begin(), kChunkSeparator.end(), bytes.begin() + i);
  }
  return bytes;
}

size_t CountSeparators(const std::vector<uint8_t>& bytes) {
  const std::string text(bytes.begin(), bytes.end());
  size_t count = 0;
  for (size_t at = text.find(kChunkSeparator); at != std::string::npos;
       at = text.find(kChunkSeparator, at + kChunkSeparator.size()))
    ++count;
  return count;
}

TEST(ScenarioCodec, DecodesNothingToTheDefaultScenario) {
  EXPECT_TRUE(Decode(nullptr, 0) == Normalize(Scenario{}));
  EXPECT_TRUE(Encode(Normalize(Scenario{})).empty());
}

TEST(ScenarioCodec, EncodesAStepInAFewBytes) {
  Scenario s = Normalize(Scenario{});
  s.steps.push_back(Step{StepKind::kInterrupt, 1, 0, 2, 0, 0});
  const std::vector<uint8_t> bytes = Encode(s);
  const std::vector<uint8_t> expected = {
      'F', 'U', 'Z', 'Z', static_cast<uint8_t>(StepKind::kInterrupt), 1, 0, 2};
  EXPECT_EQ(bytes, expected);
  EXPECT_TRUE(DecodeBytes(bytes) == s);
}

TEST(ScenarioCodec, RoundTripsRandomScenarios) {
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    const Scenario s = testing::RandomScenario(rng);
    std::vector<size_t> offsets;
    const std::vector<uint8_t> bytes = Encode(s, &offsets);
    ASSERT_TRUE(DecodeBytes(bytes) == s) << "scenario " << i;
    const std::vector<uint8_t> steps(bytes.begin() + static_cast<ptrdiff_t>(offsets[0]),
                                     bytes.end());
    ASSERT_EQ(CountSeparators(steps), s.steps.size()) << "scenario " << i;
  }
}

TEST(ScenarioCodec, NeverLetsAValueLookLikeASeparator) {
  Scenario s = Normalize(Scenario{});
  // The step's varints spell "FUZZ" and the parameter contains it: both are escaped.
  s.steps.push_back(Step{StepKind::kRead, 0, 'F', 'U', 'Z', 'Z'});
  s.steps.push_back(Step{StepKind::kWrite, 1, 0, 0x5A5A5546, 0, 0});
  s.platform.driver_parameter = "FUZZFUZZ;FUZ";
  const std::vector<uint8_t> bytes = Encode(s);
  EXPECT_EQ(CountSeparators(bytes), s.steps.size());
  EXPECT_TRUE(DecodeBytes(bytes) == s);
}

TEST(ScenarioCodec, DecodeOfRandomBytesIsNormalizedAndRoundTrips) {
  std::mt19937 rng(2);
  for (int i = 0; i < 5000; ++i) {
    const std::vector<uint8_t> bytes = RandomBytes(rng);
    const Scenario s = DecodeBytes(bytes);
    ASSERT_TRUE(Normalize(s) == s) << "input " << i;
    ASSERT_EQ(sp::Validate(s.platform), "") << "input " << i;
    ASSERT_LE(s.steps.size(), kMaxSteps);
    ASSERT_GE(s.device.namespaces.size(), 1u);
    ASSERT_LE(s.device.namespaces.size(), internal::kMaxNamespaces);
    for (const Step& step : s.steps) ASSERT_LT(step.cpu, s.platform.cpu_count);
    ASSERT_TRUE(DecodeBytes(Encode(s)) == s) << "input " << i;
  }
}

TEST(ScenarioCodec, DecodesEveryPrefixOfAnInput) {
  std::mt19937 rng(3);
  const std::vector<uint8_t> bytes = Encode(testing::RandomScenario(rng));
  for (size_t n = 0; n <= bytes.size(); ++n) {
    const Scenario s = Decode(bytes.data(), n);
    EXPECT_TRUE(Normalize(s) == s);
  }
}

TEST(ScenarioCodec, CapsTheNumberOfSteps) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < kMaxSteps + 5; ++i)
    bytes.insert(bytes.end(), kChunkSeparator.begin(), kChunkSeparator.end());
  EXPECT_EQ(DecodeBytes(bytes).steps.size(), kMaxSteps);
}

TEST(ScenarioCodec, ReadsAKindByteModuloTheTagCount) {
  const std::vector<uint8_t> bytes = {'F', 'U', 'Z', 'Z', static_cast<uint8_t>(kChunkTagCount + 1)};
  const Scenario s = DecodeBytes(bytes);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].kind, static_cast<StepKind>(1));
}

// Tags 17..20 stay the configuration chunks they always were; step kinds added later come after
// them, so inputs saved before (crashes/, fuzzing corpora) decode to the same scenario.
TEST(ScenarioCodec, KeepsTheConfigurationTagsOfOldInputsAndNumbersNewStepKindsAfterThem) {
  EXPECT_EQ(kDeviceTag, 17u);
  EXPECT_EQ(kMessageTag, 20u);
  const std::vector<uint8_t> faults = {'F', 'U', 'Z', 'Z', 19, 3};  // drop_interrupt_every_n=3
  EXPECT_EQ(DecodeBytes(faults).faults.drop_interrupt_every_n, 3u);
  EXPECT_TRUE(DecodeBytes(faults).steps.empty());
  const std::vector<uint8_t> resume = {'F', 'U', 'Z', 'Z', 21, 1, 2};
  const Scenario s = DecodeBytes(resume);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].kind, StepKind::kResume);
  EXPECT_EQ(s.steps[0].cpu, 1u);
  EXPECT_EQ(s.steps[0].preempt, 2u);
  EXPECT_TRUE(DecodeBytes(Encode(s)) == s);
}

TEST(ScenarioCodec, GivesStepOffsetsWhosePrefixesHoldThatManySteps) {
  std::mt19937 rng(4);
  for (int i = 0; i < 100; ++i) {
    const Scenario s = testing::RandomScenario(rng);
    std::vector<size_t> offsets;
    const std::vector<uint8_t> bytes = Encode(s, &offsets);
    ASSERT_EQ(offsets.size(), s.steps.size() + 1);
    ASSERT_EQ(offsets.back(), bytes.size());
    for (size_t k = 0; k < offsets.size(); ++k) {
      Scenario prefix = s;
      prefix.steps.resize(k);
      ASSERT_TRUE(Decode(bytes.data(), offsets[k]) == prefix) << i << " " << k;
    }
  }
}

// QEMU's lesson: a deleted byte disturbs one op, not all that follow.
TEST(ScenarioCodec, ADeletedOrInsertedByteInAStepDisturbsOnlyThatStep) {
  std::mt19937 rng(6);
  int checked = 0;
  int skipped = 0;
  int became_config = 0;
  for (int i = 0; i < 300; ++i) {
    Scenario s = testing::RandomScenario(rng);
    if (s.steps.size() < 2) continue;
    std::vector<size_t> offsets;
    const std::vector<uint8_t> bytes = Encode(s, &offsets);
    const size_t k = rng() % s.steps.size();
    const size_t begin = offsets[k] + kChunkSeparator.size();
    const size_t end = offsets[k + 1];
    if (begin >= end) continue;  // an all-zero step has an empty chunk
    std::vector<uint8_t> changed = bytes;
    const size_t at = begin + rng() % (end - begin);
    if (rng() % 2) {
      changed.erase(changed.begin() + static_cast<ptrdiff_t>(at));
    } else {
      changed.insert(changed.begin() + static_cast<ptrdiff_t>(at), static_cast<uint8_t>(rng()));
    }
    if (CountSeparators(changed) != CountSeparators(bytes)) {  // the edit spelled "FUZZ"
      ++skipped;
      continue;
    }
    const Scenario t = DecodeBytes(changed);
    std::vector<Step> others = s.steps;
    others.erase(others.begin() + static_cast<ptrdiff_t>(k));
    if (t.steps.size() + 1 == s.steps.size()) {  // the edit turned the step into a config chunk
      ASSERT_EQ(t.steps, others) << "scenario " << i;
      ++became_config;
      continue;
    }
    ASSERT_EQ(t.steps.size(), s.steps.size());
    std::vector<Step> t_others = t.steps;
    t_others.erase(t_others.begin() + static_cast<ptrdiff_t>(k));
    ASSERT_EQ(t_others, others) << "scenario " << i;
    EXPECT_TRUE(t.platform == s.platform);
    ++checked;
  }
  EXPECT_GT(checked, 150);
  EXPECT_LT(skipped, 10);
  EXPECT_LT(became_config, 60);
}

TEST(ScenarioCodec, ADeletedByteInTheConfigurationKeepsEveryStepsKindAndArguments) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const Scenario s = testing::RandomScenario(rng);
    std::vector<size_t> offsets;
    std::vector<uint8_t> bytes = Encode(s, &offsets);
    if (offsets[0] == 0) continue;
    bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(rng() % offsets[0]));
    const Scenario t = DecodeBytes(bytes);
    if (t.steps.size() != s.steps.size()) continue;  // the edit spelled "FUZZ"
    for (size_t j = 0; j < s.steps.size(); ++j) {
      EXPECT_EQ(t.steps[j].kind, s.steps[j].kind);
      EXPECT_EQ(t.steps[j].a, s.steps[j].a);
      EXPECT_EQ(t.steps[j].b, s.steps[j].b);
      EXPECT_EQ(t.steps[j].c, s.steps[j].c);
      EXPECT_EQ(t.steps[j].preempt, s.steps[j].preempt);
    }
  }
}

}  // namespace
}  // namespace msirig::fuzz
