// Fuzz target: the adapter's lifecycle with I/O in flight: initialization (with platform
// faults), stop and restart, bus reset and surprise removal while requests are queued in the
// device, suspended in HwStartIo or waiting for their interrupt.
//
// The input decodes to a scenario (as for schedule_fuzz), then is biased toward the lifecycle:
//  - the informational requests become lifecycle steps: inquiry -> reset, read-capacity ->
//    stop, report-luns -> restart (read, write and flush stay: they are the I/O in flight);
//  - a scenario that still has no lifecycle step gets a reset on another CPU right after its
//    first submission, which the device has not consumed yet.
// A finding prints the scenario after this rewriting, so its text replays under schedule_fuzz.
#include <cstddef>
#include <cstdint>

#include "executor_target.h"
#include "msirig/fuzz/scenario_codec.h"

namespace msirig::targets {
namespace {

using fuzz::StepKind;

bool IsLifecycle(StepKind kind) {
  return kind == StepKind::kResetBus || kind == StepKind::kStopAdapter ||
         kind == StepKind::kRestartAdapter || kind == StepKind::kSurpriseRemove;
}

bool IsSubmission(StepKind kind) {
  return kind == StepKind::kRead || kind == StepKind::kWrite || kind == StepKind::kFlush;
}

fuzz::Scenario LifecycleScenario(fuzz::Scenario s) {
  bool has_lifecycle = false;
  for (fuzz::Step& step : s.steps) {
    switch (step.kind) {
      case StepKind::kInquiry:
        step.kind = StepKind::kResetBus;
        break;
      case StepKind::kReadCapacity:
        step.kind = StepKind::kStopAdapter;
        break;
      case StepKind::kReportLuns:
        step.kind = StepKind::kRestartAdapter;
        break;
      default:
        break;
    }
    has_lifecycle = has_lifecycle || IsLifecycle(step.kind);
  }
  if (!has_lifecycle && s.steps.size() < fuzz::kMaxSteps) {
    size_t at = 0;
    while (at < s.steps.size() && !IsSubmission(s.steps[at].kind)) ++at;
    fuzz::Step reset;
    reset.kind = StepKind::kResetBus;
    const uint32_t cpus = s.platform.cpu_count == 0 ? 1 : s.platform.cpu_count;
    reset.cpu = at < s.steps.size() ? static_cast<uint8_t>((s.steps[at].cpu + 1) % cpus) : 0;
    s.steps.insert(s.steps.begin() + static_cast<std::ptrdiff_t>(at < s.steps.size() ? at + 1 : at),
                   reset);
  }
  return s;
}

}  // namespace
}  // namespace msirig::targets

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace msirig;
  targets::Play(targets::LifecycleScenario(fuzz::Decode(data, size)));
  return 0;
}
