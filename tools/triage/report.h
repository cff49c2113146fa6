// Triage results: inputs grouped by signature, compared with the crash store, and written as a
// Markdown and an (XHTML-compatible) HTML report.
#ifndef MSIRIG_TOOLS_TRIAGE_REPORT_H_
#define MSIRIG_TOOLS_TRIAGE_REPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "store.h"

namespace msirig::triage {

// One input replayed `runs` times.
struct InputResult {
  std::string path;       // as given (a .txt scenario is replayed from its encoding, `file`)
  std::string file;       // the file replayed; "" when the same as path
  std::string signature;  // the most frequent finding over the runs; "" when every run was clean
  int reproduced = 0;     // runs that showed `signature`
  int runs = 0;
};

// ClusterFuzz's rule: a crash is reliable when at least half of the retries reproduce it.
bool IsReliable(int reproduced, int runs);

// The signature seen most often among `signatures` ("" = clean runs are not counted); ties go
// to the one seen first. Sets *count to its number of occurrences.
std::string MostFrequent(const std::vector<std::string>& signatures, int* count);

enum class GroupStatus { kNew, kKnownOpen, kRegression };
std::string_view StatusName(GroupStatus status);  // "new", "known-open", "fixed, reproduces"

struct Group {
  std::string signature;
  std::string id;  // a directory name: a slug of the signature + a short hash
  std::vector<InputResult> inputs;
  bool reliable = false;  // any input reproduced reliably
  GroupStatus status = GroupStatus::kNew;
  std::string store_group;  // the crashes/ group with that signature and target, if any
  // Filled by minimization:
  std::string minimized;       // the minimized input (binary)
  std::string minimized_text;  // ... as a text scenario ("" for non-scenario targets)
  std::string minimize_note;   // e.g. "12 -> 2 steps (ddmin, 31 replays); libFuzzer: ..."
  std::string reproduce;       // the command that reproduces the group
};

// Groups the inputs with a finding by signature, in order of first appearance; clean inputs
// are left out. Group ids are stable: derived from the signature only.
std::vector<Group> GroupBySignature(const std::vector<InputResult>& inputs);

std::string GroupId(std::string_view signature);

// Sets status and store_group from the store: a group of the same target and signature is
// known-open (status open) or a regression (status fixed); else the group is new.
void Classify(const std::vector<StoredGroup>& store, std::string_view target,
              std::vector<Group>* groups);

struct Report {
  std::string target;
  std::string sanitizer;
  std::string input_dir;
  int retries = 0;
  std::vector<Group> groups;
  std::vector<std::string> clean_inputs;
  std::vector<std::string> notes;  // e.g. open store groups of the target that did not show
};

std::string MarkdownReport(const Report& report);
std::string HtmlReport(const Report& report);
std::string HtmlEscape(std::string_view text);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_REPORT_H_
