// Scenario mutator: deterministic, always within max_size, and able to reach everything.
#include "msirig/fuzz/scenario_mutator.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "msirig/fuzz/scenario_codec.h"
#include "msirig/fuzz/scenario_text.h"
#include "scenario_fields.h"
#include "scenario_test_util.h"

// A stand-in for libFuzzer's byte-level mutator, so that the share handed to it is observable:
// it appends one byte (or flips the first when full).
namespace {
int fake_mutate_calls = 0;
}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) {
  ++fake_mutate_calls;
  if (size < max_size) {
    data[size] = 0x07;
    return size + 1;
  }
  if (size > 0) data[0] ^= 1;
  return size;
}

namespace msirig::fuzz {
namespace {

Scenario SmallScenario() {
  Scenario s;
  std::string error;
  EXPECT_TRUE(ParseText(R"(platform os=win10 interrupts=msix requested=4 granted=4 cpus=2
message 0
write cpu=0 lba=8 blocks=2 pattern=0x5a
interrupt cpu=1 message=1
)",
                        &s, &error))
      << error;
  return s;
}

std::vector<uint8_t> Mutated(const std::vector<uint8_t>& input, size_t max_size, unsigned seed) {
  std::vector<uint8_t> buffer(std::max(max_size, input.size()));
  std::copy(input.begin(), input.end(), buffer.begin());
  buffer.resize(MutateScenario(buffer.data(), input.size(), max_size, seed));
  return buffer;
}

// The names of the config fields whose values differ between x and y ("device.has_msi", ...).
void CollectChangedFields(const Scenario& x, const Scenario& y, std::set<std::string>* out) {
  const auto compare = [&](const std::string& prefix, const auto& a, const auto& b,
                           auto visit_fields) {
    std::vector<uint64_t> values;
    visit_fields(a, [&](const internal::FieldSpec&, const auto& f) {
      values.push_back(internal::GetField(f));
    });
    size_t i = 0;
    visit_fields(b, [&](const internal::FieldSpec& spec, const auto& f) {
      if (internal::GetField(f) != values[i++]) out->insert(prefix + std::string(spec.name));
    });
  };
  compare("platform-fault.", x.platform.faults, y.platform.faults,
          [](auto& f, auto&& v) { internal::VisitPlatformFaultFields(f, v); });
  compare("device.", x.device, y.device,
          [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); });
  compare("fault.", x.faults, y.faults,
          [](auto& f, auto&& v) { internal::VisitFaultFields(f, v); });
  if (x.device.namespaces.size() == y.device.namespaces.size()) {
    compare("namespace.", x.device.namespaces[0], y.device.namespaces[0],
            [](auto& n, auto&& v) { internal::VisitNamespaceFields(n, v); });
  }
  if (x.platform.message_contents.size() == y.platform.message_contents.size() &&
      !x.platform.message_contents.empty()) {
    compare("message.", x.platform.message_contents[0], y.platform.message_contents[0],
            [](auto& m, auto&& v) { internal::VisitMessageFields(m, v); });
  }
  const sp::PlatformConfig& p = x.platform;
  const sp::PlatformConfig& q = y.platform;
  if (p.os_version != q.os_version) out->insert("platform.os");
  if (p.interrupt_kind != q.interrupt_kind) out->insert("platform.interrupts");
  if (p.messages_requested != q.messages_requested) out->insert("platform.requested");
  if (p.messages_granted != q.messages_granted) out->insert("platform.granted");
  if (p.cpu_count != q.cpu_count) out->insert("platform.cpus");
  if (p.driver_parameter != q.driver_parameter) out->insert("platform.parameter");
  if (p.message_contents.size() != q.message_contents.size()) out->insert("platform.messages");
  if (x.device.namespaces.size() != y.device.namespaces.size()) out->insert("device.namespaces");
  if (x.steps.size() < y.steps.size()) out->insert("steps.inserted");
  if (x.steps.size() > y.steps.size()) out->insert("steps.deleted");
  if (x.steps.size() == y.steps.size()) {
    for (size_t i = 0; i < x.steps.size(); ++i) {
      const Step& a = x.steps[i];
      const Step& b = y.steps[i];
      if (a.kind != b.kind) out->insert("step.kind");
      if (a.cpu != b.cpu) out->insert("step.cpu");
      if (a.preempt != b.preempt) out->insert("step.preempt");
      if (a.a != b.a) out->insert("step.a");
      if (a.b != b.b) out->insert("step.b");
      if (a.c != b.c) out->insert("step.c");
    }
  }
}

TEST(ScenarioMutator, IsDeterministicPerSeed) {
  const std::vector<uint8_t> input = Encode(SmallScenario());
  for (unsigned seed = 0; seed < 200; ++seed) {
    EXPECT_EQ(Mutated(input, 4096, seed), Mutated(input, 4096, seed)) << "seed " << seed;
  }
  int different = 0;
  for (unsigned seed = 0; seed < 50; ++seed)
    different += Mutated(input, 4096, seed) != Mutated(input, 4096, seed + 1000);
  EXPECT_GT(different, 40);
}

TEST(ScenarioMutator, HandsAboutOneInTenMutationsToLibFuzzersByteMutator) {
  const std::vector<uint8_t> input = Encode(SmallScenario());
  const int before = fake_mutate_calls;
  for (unsigned seed = 0; seed < 2000; ++seed) Mutated(input, 4096, seed);
  EXPECT_GT(fake_mutate_calls - before, 100);
  EXPECT_LT(fake_mutate_calls - before, 300);
}

TEST(ScenarioMutator, AlwaysChangesTheScenario) {
  const Scenario base = SmallScenario();
  const std::vector<uint8_t> input = Encode(base);
  int unchanged = 0;
  for (unsigned seed = 0; seed < 1000; ++seed) {
    const std::vector<uint8_t> out = Mutated(input, 4096, seed);
    unchanged += Decode(out.data(), out.size()) == base;
  }
  EXPECT_LT(unchanged, 10);
}

TEST(ScenarioMutator, KeepsEveryOutputWithinMaxSizeAndCanonical) {
  std::vector<uint8_t> data = Encode(SmallScenario());
  for (unsigned seed = 0; seed < 3000; ++seed) {
    const size_t max_size = seed % 7 == 0 ? 16 + seed % 64 : 512;
    const int calls = fake_mutate_calls;
    data = Mutated(data, max_size, seed);
    ASSERT_LE(data.size(), max_size) << "seed " << seed;
    const Scenario s = Decode(data.data(), data.size());
    ASSERT_TRUE(Normalize(s) == s);
    // Below max_size the output is a whole encoding (a plain cut fills max_size exactly).
    if (data.size() < max_size && calls == fake_mutate_calls)
      ASSERT_EQ(Encode(s), data) << "seed " << seed;
  }
}

TEST(ScenarioMutator, CutsEvenTheConfigurationWhenMaxSizeIsTiny) {
  Scenario s = SmallScenario();
  s.platform.driver_parameter = std::string(200, 'x');
  const std::vector<uint8_t> input = Encode(s);
  for (unsigned seed = 0; seed < 100; ++seed) {
    const std::vector<uint8_t> out = Mutated(input, 8, seed);
    EXPECT_LE(out.size(), 8u);
  }
  EXPECT_EQ(Mutated(input, 0, 1).size(), 0u);
}

TEST(ScenarioMutator, MutatesAnEmptyInput) {
  const std::vector<uint8_t> out = Mutated({}, 64, 3);
  EXPECT_LE(out.size(), 64u);
  EXPECT_FALSE(Decode(out.data(), out.size()) == Decode(nullptr, 0));
}

TEST(ScenarioMutator, ReachesEveryStepKindAndEveryFieldFromASmallScenario) {
  const Scenario base = SmallScenario();
  const std::vector<uint8_t> input = Encode(base);
  std::set<StepKind> kinds;
  std::set<std::string> changed;
  for (unsigned seed = 0; seed < 8000; ++seed) {
    const std::vector<uint8_t> out = Mutated(input, 4096, seed);
    const Scenario s = Decode(out.data(), out.size());
    for (const Step& step : s.steps) kinds.insert(step.kind);
    CollectChangedFields(base, s, &changed);
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kStepKindCount));

  std::set<std::string> expected = {"platform.os",
                                    "platform.interrupts",
                                    "platform.requested",
                                    "platform.granted",
                                    "platform.cpus",
                                    "platform.parameter",
                                    "platform.messages",
                                    "device.namespaces",
                                    "steps.inserted",
                                    "steps.deleted",
                                    "step.kind",
                                    "step.cpu",
                                    "step.preempt",
                                    "step.a",
                                    "step.b",
                                    "step.c"};
  const auto add = [&](const std::string& prefix, const auto& config, auto visit_fields) {
    visit_fields(config, [&](const internal::FieldSpec& spec, const auto&) {
      expected.insert(prefix + std::string(spec.name));
    });
  };
  add("platform-fault.", base.platform.faults,
      [](auto& f, auto&& v) { internal::VisitPlatformFaultFields(f, v); });
  add("device.", base.device, [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); });
  add("fault.", base.faults, [](auto& f, auto&& v) { internal::VisitFaultFields(f, v); });
  add("namespace.", base.device.namespaces[0],
      [](auto& n, auto&& v) { internal::VisitNamespaceFields(n, v); });
  add("message.", base.platform.message_contents[0],
      [](auto& m, auto&& v) { internal::VisitMessageFields(m, v); });
  for (const std::string& name : expected) EXPECT_TRUE(changed.count(name)) << name;
}

TEST(ScenarioMutator, OpensInterleavingWindowsOnAnotherCpu) {
  const std::vector<uint8_t> input = Encode(SmallScenario());
  int windows = 0;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    const std::vector<uint8_t> out = Mutated(input, 4096, seed);
    const Scenario s = Decode(out.data(), out.size());
    for (size_t i = 0; i + 1 < s.steps.size(); ++i) {
      const Step& a = s.steps[i];
      const Step& b = s.steps[i + 1];
      windows += a.kind == StepKind::kWrite && a.preempt != 0 && b.kind == StepKind::kInterrupt &&
                 b.cpu != a.cpu;
    }
  }
  EXPECT_GT(windows, 5);
}

TEST(ScenarioCrossOver, IsDeterministicAndWithinMaxOut) {
  std::mt19937 rng(21);
  for (unsigned seed = 0; seed < 500; ++seed) {
    const std::vector<uint8_t> a = Encode(testing::RandomScenario(rng));
    const std::vector<uint8_t> b = Encode(testing::RandomScenario(rng));
    const size_t max_out = seed % 5 == 0 ? 32 : 4096;
    std::vector<uint8_t> out1(max_out), out2(max_out);
    const size_t n1 =
        CrossOverScenarios(a.data(), a.size(), b.data(), b.size(), out1.data(), max_out, seed);
    const size_t n2 =
        CrossOverScenarios(a.data(), a.size(), b.data(), b.size(), out2.data(), max_out, seed);
    ASSERT_LE(n1, max_out);
    ASSERT_EQ(n1, n2);
    out1.resize(n1);
    out2.resize(n2);
    ASSERT_EQ(out1, out2);
    const Scenario s = Decode(out1.data(), out1.size());
    ASSERT_TRUE(Normalize(s) == s);
  }
}

TEST(ScenarioCrossOver, CombinesStepsOfBothParents) {
  Scenario x = SmallScenario();
  Scenario y = SmallScenario();
  for (Step& step : y.steps) step.kind = StepKind::kRunDpcs;
  const std::vector<uint8_t> a = Encode(x);
  const std::vector<uint8_t> b = Encode(y);
  int mixed = 0;
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::vector<uint8_t> out(4096);
    out.resize(
        CrossOverScenarios(a.data(), a.size(), b.data(), b.size(), out.data(), out.size(), seed));
    const Scenario s = Decode(out.data(), out.size());
    bool from_x = false;
    bool from_y = false;
    for (const Step& step : s.steps) {
      from_x |= step.kind == StepKind::kWrite;
      from_y |= step.kind == StepKind::kRunDpcs;
    }
    mixed += from_x && from_y;
  }
  EXPECT_GT(mixed, 50);
}

}  // namespace
}  // namespace msirig::fuzz
