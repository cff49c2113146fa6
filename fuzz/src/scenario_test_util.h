// Scenario tests' generator: random normalized scenarios from a fixed-seed std::mt19937, with
// the values that break codecs most often (boundaries, separator bytes, quotes, high bytes).
#ifndef MSIRIG_FUZZ_SRC_SCENARIO_TEST_UTIL_H_
#define MSIRIG_FUZZ_SRC_SCENARIO_TEST_UTIL_H_

#include <random>
#include <string>

#include "msirig/fuzz/scenario.h"
#include "scenario_fields.h"

namespace msirig::fuzz::testing {

inline uint64_t RandomValue(std::mt19937& rng) {
  const uint64_t wide = (static_cast<uint64_t>(rng()) << 32) | rng();
  switch (rng() % 6) {
    case 0:
      return 0;
    case 1:
      return rng() % 4;
    case 2:
      return 0x46 + rng() % 0x20;  // bytes of the separator "FUZZ"
    case 3:
      return ~uint64_t{0} >> (rng() % 64);
    case 4:
      return rng();
    default:
      return wide;
  }
}

template <typename T, typename VisitFn>
void RandomizeFields(T& config, std::mt19937& rng, VisitFn visit_fields) {
  visit_fields(config, [&](const internal::FieldSpec& spec, auto& field) {
    if (rng() % 3 == 0) return;  // keep some defaults
    internal::SetField(field, internal::FoldIntoSpec(spec, RandomValue(rng)));
  });
}

inline std::string RandomParameter(std::mt19937& rng) {
  static constexpr std::string_view kPieces[] = {
      "SyncMode=All", ";", "IoQueues=4", "\"", "\\", "#", " ", "=", "FUZZ", "\n"};
  std::string out;
  const size_t pieces = rng() % 6;
  for (size_t i = 0; i < pieces; ++i) {
    if (rng() % 2 == 0) {
      out += kPieces[rng() % std::size(kPieces)];
    } else {
      out += static_cast<char>(1 + rng() % 255);
    }
  }
  return out;
}

inline Scenario RandomScenario(std::mt19937& rng) {
  Scenario s;
  sp::PlatformConfig& p = s.platform;
  p.os_version = internal::kOsValues[rng() % std::size(internal::kOsValues)];
  p.interrupt_kind = internal::kInterruptValues[rng() % std::size(internal::kInterruptValues)];
  p.messages_requested = static_cast<uint32_t>(1 + rng() % (rng() % 2 ? 40 : 2048));
  p.messages_granted = static_cast<uint32_t>(rng() % (p.messages_requested + 1));
  if (rng() % 3 == 0) p.messages_granted = p.messages_requested;
  p.cpu_count = static_cast<uint32_t>(1 + rng() % (rng() % 2 ? 4 : 64));
  p.driver_parameter = RandomParameter(rng);
  RandomizeFields(p.faults, rng,
                  [](auto& f, auto&& v) { internal::VisitPlatformFaultFields(f, v); });
  const size_t messages = rng() % 4 == 0 ? rng() % 6 : 0;
  for (size_t i = 0; i < messages; ++i) {
    sp::MessageContents m = sp::DefaultMessageContents(static_cast<uint32_t>(i));
    RandomizeFields(m, rng, [](auto& c, auto&& v) { internal::VisitMessageFields(c, v); });
    p.message_contents.push_back(m);
  }
  if (rng() % 2 == 0)
    RandomizeFields(s.device, rng, [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); });
  if (rng() % 3 == 0) {
    s.device.namespaces.resize(1 + rng() % internal::kMaxNamespaces);
    for (hba::NamespaceConfig& n : s.device.namespaces)
      RandomizeFields(n, rng, [](auto& c, auto&& v) { internal::VisitNamespaceFields(c, v); });
  }
  if (rng() % 2 == 0)
    RandomizeFields(s, rng, [](auto& c, auto&& v) { internal::VisitScenarioFaultFields(c, v); });
  const size_t steps = rng() % 40;
  for (size_t i = 0; i < steps; ++i) {
    Step step;
    step.kind = static_cast<StepKind>(rng() % kStepKindCount);
    step.cpu = static_cast<uint8_t>(rng());
    step.preempt = static_cast<uint16_t>(rng() % 3 ? 0 : RandomValue(rng));
    step.a = static_cast<uint32_t>(RandomValue(rng));
    step.b = static_cast<uint32_t>(RandomValue(rng));
    step.c = static_cast<uint32_t>(rng() % 4 ? 0 : RandomValue(rng));
    s.steps.push_back(step);
  }
  return Normalize(std::move(s));
}

}  // namespace msirig::fuzz::testing

#endif  // MSIRIG_FUZZ_SRC_SCENARIO_TEST_UTIL_H_
