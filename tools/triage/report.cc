// Triage results and reports (see report.h).
#include "report.h"

#include <cstdint>
#include <cstdio>
#include <map>

#include "common/xml_escape.h"

namespace msirig::triage {

bool IsReliable(int reproduced, int runs) { return runs > 0 && 2 * reproduced >= runs; }

std::string MostFrequent(const std::vector<std::string>& signatures, int* count) {
  std::map<std::string, int> counts;
  std::string best;
  int best_count = 0;
  for (const std::string& s : signatures) {
    if (s.empty()) continue;
    const int n = ++counts[s];
    if (n > best_count) {
      best = s;
      best_count = n;
    }
  }
  *count = best_count;
  return best;
}

std::string_view StatusName(GroupStatus status) {
  switch (status) {
    case GroupStatus::kNew:
      return "new";
    case GroupStatus::kKnownOpen:
      return "known-open";
    case GroupStatus::kRegression:
      return "regression (recorded fixed, reproduces)";
  }
  return "?";
}

std::string GroupId(std::string_view signature) {
  uint32_t hash = 2166136261u;  // FNV-1a: the same id on every machine
  for (unsigned char c : signature) hash = (hash ^ c) * 16777619u;
  std::string slug;
  std::string_view rest = signature;
  if (rest.starts_with("msirig: ")) rest.remove_prefix(8);
  for (char c : rest) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) {
      slug += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
    if (slug.size() >= 48) break;
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "_%08x", hash);
  return slug + suffix;
}

std::vector<Group> GroupBySignature(const std::vector<InputResult>& inputs) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (const InputResult& input : inputs) {
    if (input.signature.empty()) continue;
    auto [it, fresh] = index.emplace(input.signature, groups.size());
    if (fresh) {
      groups.emplace_back();
      groups.back().signature = input.signature;
      groups.back().id = GroupId(input.signature);
    }
    Group& group = groups[it->second];
    group.inputs.push_back(input);
    group.reliable = group.reliable || IsReliable(input.reproduced, input.runs);
  }
  return groups;
}

void Classify(const std::vector<StoredGroup>& store, std::string_view target,
              std::vector<Group>* groups) {
  for (Group& group : *groups) {
    group.status = GroupStatus::kNew;
    group.store_group.clear();
    for (const StoredGroup& stored : store) {
      if (stored.target != target || stored.signature != group.signature) continue;
      // An open record wins over a fixed one of the same signature: the bug is known.
      if (stored.status == "open") {
        group.status = GroupStatus::kKnownOpen;
        group.store_group = stored.name;
        break;
      }
      group.status = GroupStatus::kRegression;
      group.store_group = stored.name;
    }
  }
}

namespace {

std::string Reliability(const Group& group) {
  int reproduced = 0, runs = 0;
  for (const InputResult& input : group.inputs) {
    reproduced += input.reproduced;
    runs += input.runs;
  }
  return std::string(group.reliable ? "reliable" : "flaky") + " (" + std::to_string(reproduced) +
         "/" + std::to_string(runs) + " runs)";
}

// Markdown table cells: '|' and newlines would break the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

int Count(const Report& report, GroupStatus status) {
  int n = 0;
  for (const Group& g : report.groups) n += g.status == status ? 1 : 0;
  return n;
}

}  // namespace

std::string MarkdownReport(const Report& report) {
  std::string md = "# msirig triage: " + report.target + "\n\n";
  md += "- inputs: `" + report.input_dir + "`, replayed " + std::to_string(report.retries) +
        " time(s) each with the " + report.sanitizer + " build\n";
  md += "- groups: " + std::to_string(report.groups.size()) + " (new " +
        std::to_string(Count(report, GroupStatus::kNew)) + ", known-open " +
        std::to_string(Count(report, GroupStatus::kKnownOpen)) + ", regressions " +
        std::to_string(Count(report, GroupStatus::kRegression)) +
        "); clean inputs: " + std::to_string(report.clean_inputs.size()) + "\n\n";
  if (!report.groups.empty()) {
    md += "| group | signature | status | inputs | reproduction | minimized reproducer |\n";
    md += "|---|---|---|---|---|---|\n";
    for (const Group& g : report.groups) {
      md += "| " + g.id + " | `" + Cell(g.signature) + "` | " + std::string(StatusName(g.status)) +
            (g.store_group.empty() ? "" : " (crashes/" + g.store_group + ")") + " | " +
            std::to_string(g.inputs.size()) + " | " + Reliability(g) + " | " +
            (g.minimized_text.empty() ? "`" + g.minimized + "`" : "`" + g.minimized_text + "`") +
            " |\n";
    }
  }
  for (const Group& g : report.groups) {
    md += "\n## " + g.id + "\n\n";
    md += "- signature: `" + g.signature + "`\n";
    md += "- status: " + std::string(StatusName(g.status)) + "\n";
    md += "- " + Reliability(g) + "\n";
    if (!g.minimize_note.empty()) md += "- minimization: " + g.minimize_note + "\n";
    if (!g.minimized.empty()) md += "- minimized input: `" + g.minimized + "`\n";
    if (!g.minimized_text.empty()) md += "- as a text scenario: `" + g.minimized_text + "`\n";
    md += "- reproduce: `" + g.reproduce + "`\n";
    md += "- inputs:\n";
    for (const InputResult& input : g.inputs) {
      md += "  - `" + input.path + "` (" + std::to_string(input.reproduced) + "/" +
            std::to_string(input.runs) + ")\n";
    }
  }
  if (!report.clean_inputs.empty()) {
    md += "\n## Clean inputs\n\n";
    for (const std::string& path : report.clean_inputs) md += "- `" + path + "`\n";
  }
  if (!report.notes.empty()) {
    md += "\n## Notes\n\n";
    for (const std::string& note : report.notes) md += "- " + note + "\n";
  }
  return md;
}

std::string HtmlEscape(std::string_view text) { return tools::EscapeXml(text); }

std::string HtmlReport(const Report& report) {
  const auto e = HtmlEscape;
  std::string h =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\" />\n<title>msirig triage: " +
      e(report.target) +
      "</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}"
      "code{font-size:90%}.new{background:#fdd}.regression{background:#fbb}"
      ".known-open{background:#ffd}.flaky{color:#a60}</style>\n</head>\n<body>\n";
  h += "<h1>msirig triage: " + e(report.target) + "</h1>\n";
  h += "<p>Inputs <code>" + e(report.input_dir) + "</code>, replayed " +
       std::to_string(report.retries) + " time(s) each with the " + e(report.sanitizer) +
       " build. Groups: " + std::to_string(report.groups.size()) + " (new " +
       std::to_string(Count(report, GroupStatus::kNew)) + ", known-open " +
       std::to_string(Count(report, GroupStatus::kKnownOpen)) + ", regressions " +
       std::to_string(Count(report, GroupStatus::kRegression)) +
       "); clean inputs: " + std::to_string(report.clean_inputs.size()) + ".</p>\n";
  h += "<table>\n<tr><th>group</th><th>signature</th><th>status</th><th>inputs</th>"
       "<th>reproduction</th><th>minimized reproducer</th><th>reproduce</th></tr>\n";
  for (const Group& g : report.groups) {
    const char* css = g.status == GroupStatus::kNew          ? "new"
                      : g.status == GroupStatus::kRegression ? "regression"
                                                             : "known-open";
    h += "<tr class=\"" + std::string(css) + "\" id=\"" + e(g.id) + "\"><td>" + e(g.id) +
         "</td><td><code>" + e(g.signature) + "</code></td><td>" + e(StatusName(g.status)) +
         (g.store_group.empty() ? "" : " (crashes/" + e(g.store_group) + ")") + "</td><td>" +
         std::to_string(g.inputs.size()) + "</td><td" + (g.reliable ? "" : " class=\"flaky\"") +
         ">" + e(Reliability(g)) + "</td><td><code>" +
         e(g.minimized_text.empty() ? g.minimized : g.minimized_text) + "</code>" +
         (g.minimize_note.empty() ? "" : "<br />" + e(g.minimize_note)) + "</td><td><code>" +
         e(g.reproduce) + "</code></td></tr>\n";
  }
  h += "</table>\n";
  for (const Group& g : report.groups) {
    h += "<h2>" + e(g.id) + "</h2>\n<ul>\n";
    for (const InputResult& input : g.inputs) {
      h += "<li><code>" + e(input.path) + "</code> (" + std::to_string(input.reproduced) + "/" +
           std::to_string(input.runs) + ")</li>\n";
    }
    h += "</ul>\n";
  }
  if (!report.clean_inputs.empty()) {
    h += "<h2>Clean inputs</h2>\n<ul>\n";
    for (const std::string& path : report.clean_inputs)
      h += "<li><code>" + e(path) + "</code></li>\n";
    h += "</ul>\n";
  }
  if (!report.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const std::string& note : report.notes) h += "<li>" + e(note) + "</li>\n";
    h += "</ul>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace msirig::triage
