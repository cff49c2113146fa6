// Verifier: the Storport rule table and what happens when a rule is broken.
//
// Each rule (rules.def) has a stable id. A violation is one line,
//   msirig: violation <RULE_ID>: <what> (adapter A, message M, callback C, cpu N)
// In kAbort mode (fuzzing, replay) the line is printed, then
//   msirig: rule <RULE_ID> [<source>]: <summary>
//   msirig: place: <place>            where the rule broke, in words that hold for every run
//   msirig: stack of the violation:   and the stack, as the sanitizer prints it (builds
//     #0 ...                          with a sanitizer runtime only)
// then the finding context (scenario, last trace events) and the process aborts, so libFuzzer
// and AFL++ save the input; in kRecord mode (tests) violations are collected and the run goes
// on ("keep going"). The finding's signature (tools/triage/signature.h) is the rule id with the
// driver's top frames of that stack, or, when no frame of the driver is on it (end-of-run
// oracles, checks made after a callback returned), with the place.
#ifndef MSIRIG_STORPORT_VERIFIER_H_
#define MSIRIG_STORPORT_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace msirig::sp {

enum class Rule : uint16_t {
#define MSIRIG_RULE(id, source, summary) k##id,
#include "msirig/storport/rules.def"
#undef MSIRIG_RULE
};

inline constexpr int kRuleCount = 0
#define MSIRIG_RULE(id, source, summary) +1
#include "msirig/storport/rules.def"
#undef MSIRIG_RULE
    ;

std::string_view RuleId(Rule rule);
std::string_view RuleSource(Rule rule);
std::string_view RuleSummary(Rule rule);
// The rule whose id is `id`, or false when there is none.
bool RuleFromId(std::string_view id, Rule* rule);

struct Violation {
  Rule rule;
  std::string line;  // the full `msirig: violation ...` line
};

enum class VerifierMode : uint8_t {
  kAbort,   // print the finding and abort (fuzzing, replay)
  kRecord,  // record and keep going (tests)
};

class Verifier {
 public:
  explicit Verifier(VerifierMode mode) : mode_(mode) {}

  // Reports a violation of `rule`. `what` says what happened; `where` names adapter, message,
  // callback and CPU. `place` tells this violation from others of the same rule without
  // pointers, counters, CPU numbers or other values that change from run to run (e.g. the
  // callback that returned, "write request, device idle"): it is the signature's discriminator
  // when the stack holds no frame of the driver under test. In kAbort mode this does not return.
  void Report(Rule rule, std::string_view what, std::string_view where,
              std::string_view place = {});

  // Printed after the violation line in kAbort mode: the scenario, the last events, the command
  // that reproduces it. Set by whoever drives the port (executor, fuzz target).
  void SetFindingContext(std::function<void(std::string&)> context) {
    context_ = std::move(context);
  }

  VerifierMode mode() const { return mode_; }
  void set_mode(VerifierMode mode) { mode_ = mode; }
  const std::vector<Violation>& violations() const { return violations_; }
  bool Saw(Rule rule) const;
  void Clear() { violations_.clear(); }
  // Forgets the violations recorded after the first `count`.
  void TruncateTo(size_t count) {
    if (violations_.size() > count) violations_.resize(count);
  }

 private:
  VerifierMode mode_;
  std::vector<Violation> violations_;
  std::function<void(std::string&)> context_;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_VERIFIER_H_
