// Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
// 2002): ddmin over the steps of a scenario, then cheap simplifications of its fault plan and
// preemption points, each candidate kept only when the test says it still shows the finding.
#ifndef MSIRIG_TOOLS_TRIAGE_DDMIN_H_
#define MSIRIG_TOOLS_TRIAGE_DDMIN_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "msirig/fuzz/scenario.h"

namespace msirig::triage {

// Returns a 1-minimal subset of {0, ..., n-1} (indices in order) for which `test` holds,
// assuming it holds for the whole set: removing any single element of the result makes it fail.
// Each distinct subset is tested at most once; after `max_tests` tests the best subset so far
// is returned (then 1-minimality is not guaranteed).
std::vector<size_t> Ddmin(size_t n, const std::function<bool(const std::vector<size_t>&)>& test,
                          size_t max_tests = 2000, size_t* tests_run = nullptr);

struct MinimizeStats {
  size_t tests = 0;
  size_t steps_before = 0;
  size_t steps_after = 0;
};

// The smallest scenario found that `keeps` (the signature holds): ddmin over the steps, then
// the device's fault plan, the platform's faults, custom message contents and the adapter
// parameters each back to the default, then each step's preemption point cleared, one at a time.
fuzz::Scenario MinimizeScenario(const fuzz::Scenario& scenario,
                                const std::function<bool(const fuzz::Scenario&)>& keeps,
                                size_t max_tests, MinimizeStats* stats);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_DDMIN_H_
