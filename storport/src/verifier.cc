// Verifier (see msirig/storport/verifier.h).
#include "msirig/storport/verifier.h"

#include <cstdio>
#include <cstdlib>

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

void Verifier::Report(Rule rule, std::string_view what, std::string_view where) {
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
  if (context_) context_(report);
  std::fwrite(report.data(), 1, report.size(), stderr);
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
