// Verifier (see msirig/storport/verifier.h).
#include "msirig/storport/verifier.h"

#include <cstdio>
#include <cstdlib>

// The sanitizers' own stack printer (sanitizer/common_interface_defs.h): the same unwinder,
// symbolizer and frame format as their reports, so that tools/triage parses both alike. Weak:
// builds without a sanitizer runtime (release, coverage) print no stack.
extern "C" __attribute__((weak)) void __sanitizer_print_stack_trace();

namespace msirig::sp {
namespace {

struct RuleInfo {
  std::string_view id;
  std::string_view source;
  std::string_view summary;
};

constexpr RuleInfo kRules[] = {
#define MSIRIG_RULE(id, source, summary) {#id, source, summary},
#include "msirig/storport/rules.def"
#undef MSIRIG_RULE
};
static_assert(sizeof(kRules) / sizeof(kRules[0]) == kRuleCount);

}  // namespace

std::string_view RuleId(Rule rule) { return kRules[static_cast<size_t>(rule)].id; }
std::string_view RuleSource(Rule rule) { return kRules[static_cast<size_t>(rule)].source; }
std::string_view RuleSummary(Rule rule) { return kRules[static_cast<size_t>(rule)].summary; }

bool RuleFromId(std::string_view id, Rule* rule) {
  for (int i = 0; i < kRuleCount; ++i) {
    if (kRules[i].id == id) {
      *rule = static_cast<Rule>(i);
      return true;
    }
  }
  return false;
}

void Verifier::Report(Rule rule, std::string_view what, std::string_view where,
                      std::string_view place) {
  std::string line = "msirig: violation ";
  line += RuleId(rule);
  line += ": ";
  line += what;
  if (!where.empty()) {
    line += " (";
    line += where;
    line += ")";
  }
  if (mode_ == VerifierMode::kRecord) {
    violations_.push_back(Violation{rule, std::move(line)});
    return;
  }
  std::string report = line + "\n";
  report += "msirig: rule ";
  report += RuleId(rule);
  report += " [";
  report += RuleSource(rule);
  report += "]: ";
  report += RuleSummary(rule);
  report += "\n";
  if (!place.empty()) {
    report += "msirig: place: ";
    report += place;
    report += "\n";
  }
  // The stack goes right after these lines: the first stack after the violation line is the
  // one tools/triage reads the driver's frames from (libFuzzer's deadly-signal stack, printed
  // later on the abort, is the same one).
  if (__sanitizer_print_stack_trace != nullptr) report += "msirig: stack of the violation:\n";
  std::fwrite(report.data(), 1, report.size(), stderr);
  std::fflush(stderr);
  if (__sanitizer_print_stack_trace != nullptr) __sanitizer_print_stack_trace();
  std::string context;
  if (context_) context_(context);
  std::fwrite(context.data(), 1, context.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

bool Verifier::Saw(Rule rule) const {
  for (const Violation& v : violations_) {
    if (v.rule == rule) return true;
  }
  return false;
}

}  // namespace msirig::sp
