// Reading a trace file and a finding report (see chart.h).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <regex>

#include "chart.h"

namespace msirig::show {
namespace {

std::vector<std::string_view> Split(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(sep, start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

bool Number(std::string_view text, uint64_t* out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool ParseTrace(std::string_view text, Trace* out, std::string* error) {
  *out = Trace{};
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    auto fail = [&](const std::string& what) {
      *error = "line " + std::to_string(line_number) + ": " + what;
      return false;
    };
    if (line_number == 1) {
      if (line != "msirig-trace 1") return fail("expected 'msirig-trace 1' (not a trace file)");
      continue;
    }
    if (line.empty()) continue;
    const std::vector<std::string_view> f = Split(line, '\t');
    if (f[0] == "run") {
      uint64_t n = 0;
      if (f.size() != 2 || !Number(f[1], &n)) return fail("expected 'run<TAB>N'");
      out->events.clear();
      out->marks.clear();
      out->runs = n;
    } else if (f[0] == "mark") {
      uint64_t cpu = 0;
      if (f.size() != 3 || !Number(f[1], &cpu)) return fail("expected 'mark<TAB>CPU<TAB>TEXT'");
      out->marks.push_back(
          TraceMark{out->events.size(), static_cast<uint32_t>(cpu), std::string(f[2])});
    } else if (f[0] == "ev") {
      TraceEvent e;
      uint64_t cpu = 0, irql = 0;
      if (f.size() != 8 || !Number(f[1], &e.seq) || !Number(f[2], &cpu) || !Number(f[3], &irql) ||
          !Number(f[6], &e.a) || !Number(f[7], &e.b))
        return fail("expected 'ev SEQ CPU IRQL KIND NAME A B' (tab-separated, numbers)");
      if (cpu > 255) return fail("cpu " + std::to_string(cpu) + " out of range");
      e.cpu = static_cast<uint32_t>(cpu);
      e.irql = static_cast<uint32_t>(std::min<uint64_t>(irql, 255));
      e.kind = f[4];
      e.name = f[5];
      out->events.push_back(std::move(e));
    } else {
      return fail("unknown record '" + std::string(f[0]) + "' (expected run, mark or ev)");
    }
  }
  if (line_number == 0) {
    *error = "empty file (not a trace file)";
    return false;
  }
  return true;
}

Finding ParseReport(std::string_view log) {
  Finding finding;
  std::vector<std::string> lines;
  for (std::string_view rest = log; !rest.empty();) {
    const size_t newline = rest.find('\n');
    lines.emplace_back(rest.substr(0, newline));
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
  }
  // Deterministic text: no pids, thread ids or (ASLR) addresses.
  static const std::regex kPid(R"(==\d+==)");
  static const std::regex kPidField(R"(pid=\d+)");
  static const std::regex kTidField(R"(tid=\d+)");
  static const std::regex kAddress(R"(0x[0-9a-f]{9,})");
  auto clean = [](const std::string& line) {
    std::string out = std::regex_replace(line, kPid, "==PID==");
    out = std::regex_replace(out, kPidField, "pid=PID");
    out = std::regex_replace(out, kTidField, "tid=TID");
    return std::regex_replace(out, kAddress, "0xADDR");
  };
  size_t start = lines.size();
  for (size_t i = 0; i < lines.size() && start == lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("msirig: violation ", 0) == 0) {
      finding.kind = Finding::Kind::kViolation;
      finding.signature = line;
      const std::string rest = line.substr(18);
      finding.rule = rest.substr(0, rest.find(':'));
      start = i;
    } else if (line.find("WARNING: ThreadSanitizer: data race") != std::string::npos) {
      finding.kind = Finding::Kind::kRace;
      start = i;
    } else if (line.find("ERROR: AddressSanitizer") != std::string::npos ||
               line.find("WARNING: ThreadSanitizer") != std::string::npos ||
               line.find("runtime error:") != std::string::npos ||
               line.find("ERROR: LeakSanitizer") != std::string::npos) {
      finding.kind = Finding::Kind::kSanitizer;
      start = i;
    } else if (line.rfind("msirig: contract mismatch", 0) == 0 ||
               line.rfind("msirig: rig error", 0) == 0) {
      finding.kind = Finding::Kind::kOther;
      finding.signature = line;
      start = i;
    }
  }
  if (start == lines.size()) {
    const size_t from = lines.size() > 40 ? lines.size() - 40 : 0;
    for (size_t i = from; i < lines.size(); ++i) finding.report += clean(lines[i]) + "\n";
    return finding;
  }
  for (size_t i = start; i < lines.size() && i < start + 200; ++i) {
    finding.report += clean(lines[i]) + "\n";
    if (finding.signature.empty() && lines[i].rfind("SUMMARY: ", 0) == 0)
      finding.signature = clean(lines[i]);
  }
  if (finding.kind != Finding::Kind::kRace) return finding;

  // "  Write of size 4 at 0x.. by thread T2:", its frames, "  Previous write ... by thread T1:",
  // then "  Thread T2 'cpu1' (tid=.., running) created by ...".
  static const std::regex kAccess(
      R"(^  (Previous )?([A-Za-z]+) of size \d+ at \S+ by (thread (T\d+)|main thread))");
  static const std::regex kThread(R"(^  Thread (T\d+) '([^']*)')");
  RaceAccess* access = nullptr;
  std::vector<std::pair<std::string, std::string>> names;
  for (size_t i = start + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::smatch m;
    if (line.rfind("SUMMARY: ", 0) == 0 || line.rfind("==================", 0) == 0) break;
    if (std::regex_search(line, m, kAccess)) {
      access = m[1].matched ? &finding.previous : &finding.current;
      if (!access->what.empty()) {  // a third access (e.g. atomic): ignore
        access = nullptr;
        continue;
      }
      access->what = clean(line.substr(2, line.rfind(':') - 2));
      access->thread = m[4].matched ? m[4].str() : "main";
    } else if (std::regex_search(line, m, kThread)) {
      names.emplace_back(m[1].str(), m[2].str());
      access = nullptr;
    } else if (access != nullptr && line.rfind("    #", 0) == 0) {
      std::string frame = line.substr(4);
      const size_t module = frame.find(" (");
      access->frames.push_back(clean(frame.substr(0, module)));
    } else if (line.rfind("    ", 0) != 0) {
      access = nullptr;
    }
  }
  for (RaceAccess* a : {&finding.current, &finding.previous}) {
    for (const auto& [thread, name] : names) {
      unsigned cpu = 0;
      if (thread == a->thread && std::sscanf(name.c_str(), "cpu%u", &cpu) == 1)
        a->cpu = static_cast<int>(cpu);
    }
  }
  return finding;
}

namespace {

// The miniport routine a stack was in, from its frames (innermost first).
std::string RoutineOf(const std::vector<std::string>& frames) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"msinterrupt", "HwMSInterruptRoutine"},
      {"isr", "ISR"},
      {"interrupt", "ISR"},
      {"startio", "HwStartIo"},
      {"buildio", "HwBuildIo"},
      {"dpc", "HwDpcRoutine"},
      {"timer", "HwTimer"},
      {"resetbus", "HwResetBus"},
      {"adaptercontrol", "HwAdapterControl"},
      {"unitcontrol", "HwUnitControl"},
      {"passiveinit", "HwPassiveInitializeRoutine"},
      {"initialize", "HwInitialize"},
      {"findadapter", "HwFindAdapter"},
  };
  for (const std::string& frame : frames) {
    // The function name only: "#0 Name(args) file:line".
    std::string name = Lower(frame.substr(0, frame.find(" /")));
    for (const auto& [key, routine] : kKeys) {
      if (name.find(key) != std::string::npos) return routine;
    }
  }
  return "";
}

bool Matches(const std::string& callback, const std::string& routine) {
  if (routine.empty()) return true;
  if (routine == "ISR") return callback == "HwMSInterruptRoutine" || callback == "HwInterrupt";
  return callback == routine;
}

struct Span {
  size_t begin, end;
  std::string name;
};

// Every miniport routine run on `cpu`: [enter, exit) event index ranges, in order of entry.
std::vector<Span> Callbacks(const Trace& trace, uint32_t cpu) {
  std::vector<Span> spans;
  std::vector<size_t> open;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const TraceEvent& e = trace.events[i];
    if (e.cpu != cpu) continue;
    if (e.kind == "enter") {
      open.push_back(spans.size());
      spans.push_back(Span{i, trace.events.size(), e.name});
    } else if (e.kind == "exit" && !open.empty()) {
      spans[open.back()].end = i + 1;
      open.pop_back();
    }
  }
  return spans;
}

std::string StepAt(const Trace& trace, uint32_t cpu, size_t index) {
  std::string step;
  for (const TraceMark& mark : trace.marks) {
    if (mark.before <= index && mark.cpu == cpu) step = mark.text;
  }
  return step;
}

}  // namespace

Location LocateCurrent(const Trace& trace, const RaceAccess& access) {
  Location where;
  if (access.cpu < 0) return where;
  where.known = true;
  where.cpu = static_cast<uint32_t>(access.cpu);
  where.begin = where.end = trace.events.size();
  size_t last = trace.events.size();
  for (size_t i = trace.events.size(); i > 0; --i) {
    if (trace.events[i - 1].cpu == where.cpu) {
      last = i - 1;
      break;
    }
  }
  if (last < trace.events.size()) where.begin = last;
  for (const Span& span : Callbacks(trace, where.cpu)) {
    if (span.end == trace.events.size()) where.callback = span.name;  // innermost still open
  }
  where.step = StepAt(trace, where.cpu, where.begin);
  return where;
}

Location LocatePrevious(const Trace& trace, const RaceAccess& access) {
  Location where;
  if (access.cpu < 0) return where;
  const std::string routine = RoutineOf(access.frames);
  const std::vector<Span> spans = Callbacks(trace, static_cast<uint32_t>(access.cpu));
  for (size_t i = spans.size(); i > 0; --i) {
    const Span& span = spans[i - 1];
    if (!Matches(span.name, routine)) continue;
    where.known = true;
    where.cpu = static_cast<uint32_t>(access.cpu);
    where.begin = span.begin;
    where.end = span.end;
    where.callback = span.name;
    where.step = StepAt(trace, where.cpu, span.begin);
    break;
  }
  return where;
}

}  // namespace msirig::show
