// Delta debugging (see ddmin.h).
#include "ddmin.h"

#include <algorithm>
#include <set>

namespace msirig::triage {

namespace {

// `set` cut into `parts` nearly equal consecutive chunks.
std::vector<std::vector<size_t>> Split(const std::vector<size_t>& set, size_t parts) {
  std::vector<std::vector<size_t>> chunks;
  size_t begin = 0;
  for (size_t i = 0; i < parts; ++i) {
    const size_t end = begin + (set.size() - begin) / (parts - i);
    chunks.emplace_back(set.begin() + static_cast<long>(begin),
                        set.begin() + static_cast<long>(end));
    begin = end;
  }
  return chunks;
}

std::vector<size_t> Without(const std::vector<size_t>& set, const std::vector<size_t>& chunk) {
  std::vector<size_t> rest;
  std::set_difference(set.begin(), set.end(), chunk.begin(), chunk.end(), std::back_inserter(rest));
  return rest;
}

}  // namespace

std::vector<size_t> Ddmin(size_t n, const std::function<bool(const std::vector<size_t>&)>& test,
                          size_t max_tests, size_t* tests_run) {
  std::vector<size_t> current(n);
  for (size_t i = 0; i < n; ++i) current[i] = i;
  std::set<std::vector<size_t>> tried;
  size_t tests = 0;
  auto check = [&](const std::vector<size_t>& candidate) {
    if (tests >= max_tests || !tried.insert(candidate).second) return false;
    ++tests;
    return test(candidate);
  };
  if (n > 0 && check({})) current.clear();  // the finding needs no step at all
  size_t granularity = 2;
  while (current.size() >= 2 && tests < max_tests) {
    granularity = std::min(granularity, current.size());
    const std::vector<std::vector<size_t>> chunks = Split(current, granularity);
    bool reduced = false;
    for (const auto& chunk : chunks) {  // reduce to a subset
      if (check(chunk)) {
        current = chunk;
        granularity = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && granularity > 2) {  // reduce to a complement (for 2 chunks: the subsets)
      for (const auto& chunk : chunks) {
        std::vector<size_t> rest = Without(current, chunk);
        if (check(rest)) {
          current = std::move(rest);
          granularity = std::max<size_t>(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (granularity >= current.size()) break;  // single elements tried: 1-minimal
      granularity = std::min(granularity * 2, current.size());
    }
  }
  if (current.size() == 1 && check({})) current.clear();
  if (tests_run != nullptr) *tests_run = tests;
  return current;
}

fuzz::Scenario MinimizeScenario(const fuzz::Scenario& scenario,
                                const std::function<bool(const fuzz::Scenario&)>& keeps,
                                size_t max_tests, MinimizeStats* stats) {
  MinimizeStats local;
  local.steps_before = scenario.steps.size();
  auto with_steps = [&](const std::vector<size_t>& indices) {
    fuzz::Scenario candidate = scenario;
    candidate.steps.clear();
    for (size_t i : indices) candidate.steps.push_back(scenario.steps[i]);
    return candidate;
  };
  const std::vector<size_t> kept = Ddmin(
      scenario.steps.size(),
      [&](const std::vector<size_t>& indices) { return keeps(with_steps(indices)); }, max_tests,
      &local.tests);
  fuzz::Scenario best = with_steps(kept);

  auto try_candidate = [&](const fuzz::Scenario& candidate) {
    if (candidate == best || local.tests >= max_tests) return;
    ++local.tests;
    if (keeps(candidate)) best = candidate;
  };
  // Whole configuration parts back to their defaults, one candidate each: the device's fault
  // plan, the platform's faults, custom MSI message contents, the adapter parameters.
  fuzz::Scenario candidate = best;
  candidate.faults = hba::FaultPlan{};
  try_candidate(candidate);
  candidate = best;
  candidate.platform.faults = sp::PlatformFaults{};
  try_candidate(candidate);
  candidate = best;
  candidate.platform.message_contents.clear();
  try_candidate(candidate);
  candidate = best;
  candidate.platform.driver_parameter.clear();
  try_candidate(candidate);
  for (size_t i = 0; i < best.steps.size(); ++i) {
    if (best.steps[i].preempt == 0) continue;
    candidate = best;
    candidate.steps[i].preempt = 0;
    try_candidate(candidate);
  }
  local.steps_after = best.steps.size();
  if (stats != nullptr) *stats = local;
  return best;
}

}  // namespace msirig::triage
