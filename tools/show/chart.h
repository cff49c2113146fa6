// The interleaving chart of `tools/msirig show`: one replay's full trace (the format of
// msirig/storport/trace_recorder.h) and its finding report, drawn as virtual CPUs in swimlanes
// over the event sequence (callbacks, IRQL, lock holds, interrupts, requests, register accesses,
// the steps), with the finding marked: a verifier violation's event, or a ThreadSanitizer race's
// two accesses on their CPUs. Output is SVG, or a self-contained HTML page around it; both are
// well-formed XML, and the same input gives the same bytes.
#ifndef MSIRIG_TOOLS_SHOW_CHART_H_
#define MSIRIG_TOOLS_SHOW_CHART_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace msirig::show {

struct TraceEvent {
  uint64_t seq = 0;
  uint32_t cpu = 0;
  uint32_t irql = 0;
  std::string kind;  // enter, exit, acquire, release, signal, isr, submit, complete, call, ...
  std::string name;
  uint64_t a = 0;
  uint64_t b = 0;
};

struct TraceMark {
  size_t before = 0;  // index of the first event after the mark
  uint32_t cpu = 0;
  std::string text;  // "setup", "step 3: write cpu=1 lba=8 ...", "drain"
};

// The last run of a trace file (a replay of one input is one run).
struct Trace {
  std::vector<TraceEvent> events;
  std::vector<TraceMark> marks;
  uint64_t runs = 0;
};

// False with `error` naming the line and what is wrong.
bool ParseTrace(std::string_view text, Trace* out, std::string* error);

struct RaceAccess {
  std::string what;                 // "Write of size 4 at 0x... by thread T2"
  std::string thread;               // "T2"
  int cpu = -1;                     // from the fiber's name ("cpu1"); -1: not a virtual CPU
  std::vector<std::string> frames;  // "#0 Touch() file.c:6:48", innermost first
};

struct Finding {
  enum class Kind : uint8_t { kNone, kViolation, kRace, kSanitizer, kOther };
  Kind kind = Kind::kNone;
  std::string signature;         // the violation line, or the sanitizer's SUMMARY line
  std::string rule;              // kViolation: the rule id
  RaceAccess current, previous;  // kRace
  std::string report;            // the report, pids and addresses blanked out (deterministic)
};

// Reads a replay's stderr: the first verifier violation, ThreadSanitizer race or other sanitizer
// report in it.
Finding ParseReport(std::string_view log);

// Where a racing access happened in the trace.
struct Location {
  bool known = false;
  uint32_t cpu = 0;
  size_t begin = 0, end = 0;  // event index range (end exclusive) it lies in
  std::string callback;       // the miniport routine it was in ("" if none)
  std::string step;           // the step that CPU was running
};
// The current access is where its CPU stopped (the trace ends at the report); the previous one
// is the latest run, on its CPU, of the routine its stack names (a heuristic: TSan keeps no time).
Location LocateCurrent(const Trace& trace, const RaceAccess& access);
Location LocatePrevious(const Trace& trace, const RaceAccess& access);

struct ChartInput {
  std::string title;
  std::string scenario;  // as text
  Trace trace;
  Finding finding;
};

std::string RenderSvg(const ChartInput& input);
std::string RenderHtml(const ChartInput& input);

std::string EscapeXml(std::string_view text);

}  // namespace msirig::show

#endif  // MSIRIG_TOOLS_SHOW_CHART_H_
