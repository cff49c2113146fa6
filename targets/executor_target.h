// ExecutorTarget: what every full-stack fuzz target shares. One Executor per process (its
// fibers are pooled, so it is built once and reused for every input), in abort mode, over the
// miniport this binary was linked with (its DriverEntry), with a finding's reproduce command
// naming this target.
#ifndef MSIRIG_TARGETS_EXECUTOR_TARGET_H_
#define MSIRIG_TARGETS_EXECUTOR_TARGET_H_

#include <cstddef>
#include <cstdint>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario.h"

namespace msirig::targets {

// Plays `scenario` (normalized by the executor). A finding prints its report and aborts.
fuzz::ExecutionResult Play(const fuzz::Scenario& scenario);

}  // namespace msirig::targets

#endif  // MSIRIG_TARGETS_EXECUTOR_TARGET_H_
