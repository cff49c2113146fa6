// Fuzz target: MESSAGE_INTERRUPT_INFORMATION contents through the miniport's initialization.
// The input decodes to a scenario of which only the platform (OS version, MSI / MSI-X /
// line-based, messages requested and granted, the contents of every granted message, platform
// faults), the device's interrupt capabilities and the scenario's direct StorPortGetMSIInfo /
// MSI-lock calls are kept; the device faults are dropped and the rest of the schedule is a
// fixed little I/O program. So every input spends its time in HwFindAdapter, HwInitialize,
// passive initialization and the first interrupts, with arbitrary granted message sets and
// contents (a miniport must not depend on the contents beyond SPEC 2).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "executor_target.h"
#include "msirig/fuzz/scenario_codec.h"

namespace msirig::targets {
namespace {

constexpr size_t kMaxProbes = 16;

fuzz::Step MakeStep(fuzz::StepKind kind, uint8_t cpu, uint32_t a = 0, uint32_t b = 0,
                    uint32_t c = 0) {
  fuzz::Step step;
  step.kind = kind;
  step.cpu = cpu;
  step.a = a;
  step.b = b;
  step.c = c;
  return step;
}

bool IsProbe(const fuzz::Step& step) {
  return step.kind == fuzz::StepKind::kGetMsiInfo || step.kind == fuzz::StepKind::kAcquireMsiLock ||
         step.kind == fuzz::StepKind::kReleaseMsiLock;
}

fuzz::Scenario ContentsScenario(fuzz::Scenario in) {
  fuzz::Scenario out;
  out.platform = std::move(in.platform);
  out.device = std::move(in.device);
  const uint8_t other = out.platform.cpu_count > 1 ? 1 : 0;
  using fuzz::StepKind;
  out.steps = {MakeStep(StepKind::kWrite, 0, 0, 1, 0xA5),
               MakeStep(StepKind::kWrite, other, 8, 2, 0x5A)};
  for (const fuzz::Step& step : in.steps) {
    if (IsProbe(step) && out.steps.size() < 2 + kMaxProbes) out.steps.push_back(step);
  }
  for (const fuzz::Step& step :
       {MakeStep(StepKind::kDeviceProgress, 0, 16), MakeStep(StepKind::kRead, other, 0, 1),
        MakeStep(StepKind::kRead, 0, 8, 2), MakeStep(StepKind::kFlush, other)}) {
    out.steps.push_back(step);
  }
  return out;
}

}  // namespace
}  // namespace msirig::targets

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace msirig;
  targets::Play(targets::ContentsScenario(fuzz::Decode(data, size)));
  return 0;
}
