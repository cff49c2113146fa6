// Scenario: one fuzz input as the rig understands it (DESIGN.md "One execution"): the platform,
// the device and its fault plan, the miniport's adapter parameters, and the schedule of steps.
//
// Three forms round-trip: this in-memory form; the binary form fuzzers mutate (scenario_codec.h:
// every byte string decodes to a valid scenario, and a deleted byte disturbs one step, not all
// that follow); and the text form people read and write (scenario_text.h: one line per item, a
// malformed line gets an error naming the line and what was expected).
#ifndef MSIRIG_FUZZ_SCENARIO_H_
#define MSIRIG_FUZZ_SCENARIO_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "msirig/hba/device_config.h"
#include "msirig/hba/fault_plan.h"
#include "msirig/storport/platform.h"

namespace msirig::fuzz {

enum class StepKind : uint8_t {
#define MSIRIG_STEP(kind, text, a, b, c) k##kind,
#include "msirig/fuzz/steps.def"
#undef MSIRIG_STEP
};

inline constexpr int kStepKindCount = 0
#define MSIRIG_STEP(kind, text, a, b, c) +1
#include "msirig/fuzz/steps.def"
#undef MSIRIG_STEP
    ;

struct StepInfo {
  std::string_view text;                 // the name in the text form
  std::string_view argument_names[3];    // "" where the step ignores the argument
};
const StepInfo& InfoOf(StepKind kind);

struct Step {
  StepKind kind = StepKind::kDeviceProgress;
  uint8_t cpu = 0;         // the virtual CPU it runs on (below platform.cpu_count)
  uint16_t preempt = 0;    // suspend the CPU at its n-th preemption point in this step; 0: never
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t c = 0;

  bool operator==(const Step&) const = default;
};

struct Scenario {
  sp::PlatformConfig platform;  // includes the miniport's adapter parameters (driver_parameter)
  hba::DeviceConfig device;
  hba::FaultPlan faults;
  // When the executor arms `faults`: false (the default) once the adapter has started, so that
  // initialization runs fault-free and the plan's "every_n" and "at_step" counters count only
  // the scheduled work (hba/fault_plan.h counts from SetFaultPlan); true before DriverEntry, to
  // fault the initialization itself. `during_init` on the text form's fault line.
  bool faults_during_init = false;
  std::vector<Step> steps;
};

inline constexpr size_t kMaxSteps = 4096;

// Equality of every field (DeviceConfig and FaultPlan have no operator== of their own).
bool operator==(const Scenario& x, const Scenario& y);

// Makes any scenario one the rig can run: the platform normalized (sp::Normalize), the device
// config within the model's limits, CPUs of steps below the CPU count, at most kMaxSteps steps.
Scenario Normalize(Scenario scenario);

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SCENARIO_H_
