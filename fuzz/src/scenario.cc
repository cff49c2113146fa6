// Scenario: step vocabulary, equality and normalization (see msirig/fuzz/scenario.h).
#include "msirig/fuzz/scenario.h"

#include "scenario_fields.h"

namespace msirig::fuzz {
namespace {

constexpr StepInfo kStepInfos[] = {
#define MSIRIG_STEP(kind, text, a, b, c) StepInfo{text, {a, b, c}},
#include "msirig/fuzz/steps.def"
#undef MSIRIG_STEP
};
static_assert(std::size(kStepInfos) == kStepKindCount);

bool NamespacesEqual(const std::vector<hba::NamespaceConfig>& x,
                     const std::vector<hba::NamespaceConfig>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!internal::FieldsEqual(x[i], y[i],
                               [](auto& n, auto&& v) { internal::VisitNamespaceFields(n, v); }))
      return false;
  }
  return true;
}

template <typename VisitFn, typename T>
void ClampFields(T& config, VisitFn visit_fields) {
  visit_fields(config, [](const internal::FieldSpec& spec, auto& field) {
    internal::SetField(field, internal::ClampToSpec(spec, internal::GetField(field)));
  });
}

}  // namespace

const StepInfo& InfoOf(StepKind kind) {
  const size_t index = static_cast<size_t>(kind);
  return kStepInfos[index < std::size(kStepInfos) ? index : 0];
}

bool operator==(const Scenario& x, const Scenario& y) {
  const auto device = [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); };
  const auto faults = [](auto& s, auto&& v) { internal::VisitScenarioFaultFields(s, v); };
  return x.platform == y.platform && internal::FieldsEqual(x.device, y.device, device) &&
         NamespacesEqual(x.device.namespaces, y.device.namespaces) &&
         internal::FieldsEqual(x, y, faults) && x.steps == y.steps;
}

Scenario Normalize(Scenario scenario) {
  scenario.platform = sp::Normalize(std::move(scenario.platform));

  ClampFields(scenario.device, [](auto& d, auto&& v) { internal::VisitDeviceFields(d, v); });
  std::vector<hba::NamespaceConfig>& namespaces = scenario.device.namespaces;
  if (namespaces.empty()) namespaces.emplace_back();
  if (namespaces.size() > internal::kMaxNamespaces) namespaces.resize(internal::kMaxNamespaces);
  for (hba::NamespaceConfig& n : namespaces) {
    ClampFields(n, [](auto& c, auto&& v) { internal::VisitNamespaceFields(c, v); });
  }
  ClampFields(scenario, [](auto& s, auto&& v) { internal::VisitScenarioFaultFields(s, v); });

  if (scenario.steps.size() > kMaxSteps) scenario.steps.resize(kMaxSteps);
  const uint32_t cpus = scenario.platform.cpu_count;
  for (Step& step : scenario.steps) {
    step.kind = static_cast<StepKind>(static_cast<unsigned>(step.kind) % kStepKindCount);
    step.cpu = static_cast<uint8_t>(step.cpu % cpus);
  }
  return scenario;
}

}  // namespace msirig::fuzz
