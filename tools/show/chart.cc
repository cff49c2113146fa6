// Drawing the interleaving chart (see chart.h).
#include "chart.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <tuple>

#include "common/xml_escape.h"

namespace msirig::show {

std::string EscapeXml(std::string_view text) { return tools::EscapeXml(text); }

namespace {

constexpr int kLeft = 70;  // room for the lane names
constexpr int kDx = 7;     // pixels per event
constexpr int kTop = 84;   // room for the step labels (kMarkRows of them)
constexpr int kMarkRows = 5;
constexpr int kGlyphRow = 12;   // events drawn as glyphs, from a lane's top
constexpr int kBarHeight = 12;  // one callback nesting level
constexpr int kLockHeight = 8;
constexpr int kIrqlBand = 18;

struct Bar {
  size_t begin, end;  // event indices, end exclusive
  int level;
  std::string name, label;
};

struct Lane {
  std::vector<Bar> callbacks, locks;
  int callback_levels = 1, lock_levels = 1;
  int y = 0, height = 0;
};

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

bool IsRegister(const TraceEvent& e) {
  return e.kind == "call" &&
         (e.name.rfind("StorPortRead", 0) == 0 || e.name.rfind("StorPortWrite", 0) == 0) &&
         e.name.find("Register") != std::string::npos;
}

std::string CallbackClass(std::string_view name) {
  if (name == "HwMSInterruptRoutine" || name == "HwInterrupt") return "cb-isr";
  if (name == "HwDpcRoutine") return "cb-dpc";
  if (name == "HwStartIo" || name == "HwBuildIo") return "cb-io";
  return "cb-other";
}

std::map<uint32_t, Lane> BuildLanes(const Trace& trace) {
  std::map<uint32_t, Lane> lanes;
  struct OpenLock {
    size_t bar;
    std::string name;
    uint64_t message;
  };
  struct Frame {
    size_t bar;
    std::vector<size_t> entry_locks;  // taken by the port for this routine (via 0)
  };
  std::map<uint32_t, std::vector<Frame>> frames;
  std::map<uint32_t, std::vector<OpenLock>> open_locks;
  std::map<uint32_t, std::vector<size_t>> pending_port_locks;  // just before an enter
  const size_t n = trace.events.size();
  for (size_t i = 0; i < n; ++i) {
    const TraceEvent& e = trace.events[i];
    Lane& lane = lanes[e.cpu];
    auto& held = open_locks[e.cpu];
    auto close_lock = [&](size_t bar) {
      lane.locks[bar].end = i + 1;
      held.erase(std::remove_if(held.begin(), held.end(),
                                [bar](const OpenLock& l) { return l.bar == bar; }),
                 held.end());
    };
    if (e.kind == "acquire") {
      const int level = static_cast<int>(held.size());
      lane.lock_levels = std::max(lane.lock_levels, level + 1);
      std::string label = e.name;
      if (e.name == "MSI lock") label += " " + std::to_string(e.a);
      held.push_back(OpenLock{lane.locks.size(), e.name, e.a});
      if (e.b == 0) pending_port_locks[e.cpu].push_back(lane.locks.size());
      lane.locks.push_back(Bar{i, n, level, e.name, label});
      continue;
    }
    std::vector<size_t> entry_locks = std::move(pending_port_locks[e.cpu]);
    pending_port_locks[e.cpu].clear();
    if (e.kind == "release") {
      for (size_t k = held.size(); k > 0; --k) {
        if (held[k - 1].name == e.name && held[k - 1].message == e.a) {
          close_lock(held[k - 1].bar);
          break;
        }
      }
    } else if (e.kind == "enter") {
      const int level = static_cast<int>(frames[e.cpu].size());
      lane.callback_levels = std::max(lane.callback_levels, level + 1);
      frames[e.cpu].push_back(Frame{lane.callbacks.size(), std::move(entry_locks)});
      lane.callbacks.push_back(Bar{i, n, level, e.name, e.name});
    } else if (e.kind == "exit" && !frames[e.cpu].empty()) {
      const Frame frame = frames[e.cpu].back();
      frames[e.cpu].pop_back();
      lane.callbacks[frame.bar].end = i + 1;
      // The port releases a routine's entry locks when it returns, without an event.
      for (size_t bar : frame.entry_locks) {
        if (lane.locks[bar].end == n) close_lock(bar);
      }
    }
  }
  int y = kTop;
  for (auto& [cpu, lane] : lanes) {
    lane.y = y;
    lane.height = kGlyphRow + 12 + lane.callback_levels * (kBarHeight + 2) +
                  lane.lock_levels * (kLockHeight + 2) + kIrqlBand + 10;
    y += lane.height;
  }
  return lanes;
}

int X(size_t index) { return kLeft + static_cast<int>(index) * kDx; }

int CallbackY(const Lane& lane, int level) {
  return lane.y + kGlyphRow + 10 + level * (kBarHeight + 2);
}
int LockY(const Lane& lane, int level) {
  return CallbackY(lane, lane.callback_levels) + 2 + level * (kLockHeight + 2);
}
int IrqlBase(const Lane& lane) { return lane.y + lane.height - 8; }

void Glyph(std::string& svg, const TraceEvent& e, size_t i, const Lane& lane) {
  const int x = X(i) + kDx / 2;
  const int y = lane.y + kGlyphRow;
  const std::string title = Format("#%" PRIu64 " cpu%u irql%u %s %s 0x%" PRIx64 " 0x%" PRIx64,
                                   e.seq, e.cpu, e.irql, e.kind.c_str(), e.name.c_str(), e.a, e.b);
  std::string shape;
  if (e.kind == "signal") {
    shape = Format("<path class=\"ev-signal\" d=\"M%d %d l-3 -6 h6 z\"/>", x, y);
  } else if (e.kind == "isr") {
    shape = Format("<path class=\"ev-isr\" d=\"M%d %d l-4 -8 h8 z\"/>", x, y + 2);
  } else if (e.kind == "submit") {
    shape = Format("<circle class=\"ev-submit\" cx=\"%d\" cy=\"%d\" r=\"3\"/>", x, y - 3);
  } else if (e.kind == "complete") {
    shape = Format("<circle class=\"ev-complete\" cx=\"%d\" cy=\"%d\" r=\"3\"/>", x, y - 3);
  } else if (IsRegister(e)) {
    shape = Format("<rect class=\"ev-register\" x=\"%d\" y=\"%d\" width=\"2\" height=\"7\"/>",
                   x - 1, y - 7);
  } else if (e.kind == "dpc-queue" || e.kind == "timer" || e.kind == "device") {
    shape = Format("<rect class=\"ev-other\" x=\"%d\" y=\"%d\" width=\"4\" height=\"4\"/>", x - 2,
                   y - 5);
  } else if (e.kind == "violation") {
    shape = Format("<circle class=\"violation\" cx=\"%d\" cy=\"%d\" r=\"7\"/>", x, y - 3);
  } else {
    return;
  }
  svg += "<g>" + shape + "<title>" + EscapeXml(title) + "</title></g>\n";
}

void RaceMark(std::string& svg, const std::map<uint32_t, Lane>& lanes, const Location& where,
              const RaceAccess& access, const char* id, const char* label) {
  if (!where.known || lanes.count(where.cpu) == 0) return;
  const Lane& lane = lanes.at(where.cpu);
  const int x0 = X(where.begin), x1 = std::max(X(where.end), x0 + kDx);
  const int xc = where.end > where.begin ? (x0 + x1) / 2 : X(where.begin) + kDx;
  const int yc = CallbackY(lane, 0) + kBarHeight / 2;
  std::string text = std::string(label) + ": " + access.what;
  if (!where.callback.empty()) text += ", in " + where.callback;
  if (!where.step.empty()) text += ", " + where.step;
  svg += Format("<g id=\"%s\" class=\"race-access\">", id);
  if (where.end > where.begin) {
    svg += Format("<rect class=\"race-span\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", x0,
                  lane.y + 2, x1 - x0, lane.height - 4);
  }
  svg += Format("<path class=\"race-x\" d=\"M%d %d l12 12 m0 -12 l-12 12\"/>", xc - 6, yc - 6);
  svg += Format("<text class=\"race-label\" x=\"%d\" y=\"%d\">", xc + 9, yc + 4) + EscapeXml(text) +
         "</text><title>" + EscapeXml(text) + "</title></g>\n";
}

}  // namespace

std::string RenderSvg(const ChartInput& input) {
  const Trace& trace = input.trace;
  std::map<uint32_t, Lane> lanes = BuildLanes(trace);
  for (const TraceMark& mark : trace.marks) lanes[mark.cpu];  // a CPU with steps has a lane
  int y = kTop;
  for (auto& [cpu, lane] : lanes) {  // lanes created by marks only need a place too
    if (lane.height == 0)
      lane.height = kGlyphRow + 12 + kBarHeight + 2 + kLockHeight + 2 + kIrqlBand + 10;
    lane.y = y;
    y += lane.height;
  }
  const int width = X(trace.events.size()) + 900;  // room for the last labels
  const int height = y + 60;
  std::string svg = Format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msirig-chart\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"10\">\n",
      width, height, width, height);
  svg += "<title>" + EscapeXml(input.title) + "</title>\n";
  svg +=
      "<style>.lane{fill:#f7f7f7;stroke:#ccc}.cb-isr{fill:#f4a6a6}.cb-dpc{fill:#a9c8f5}"
      ".cb-io{fill:#a8e0b0}.cb-other{fill:#ddd}.lock{fill:#e8c36a;stroke:#9a7a20}"
      ".irql{fill:none;stroke:#7a3fb0;stroke-width:1.2}.ev-signal{fill:#d98b00}"
      ".ev-isr{fill:#c00}.ev-submit{fill:#2a7}.ev-complete{fill:none;stroke:#2a7;stroke-width:1.5}"
      ".ev-register{fill:#555}.ev-other{fill:#88a}.violation{fill:#e00;stroke:#600;stroke-width:2}"
      ".mark{stroke:#888;stroke-dasharray:3 3}.race-span{fill:#ff0;fill-opacity:0.25;stroke:#e00;"
      "stroke-dasharray:4 "
      "2}.race-x{stroke:#e00;stroke-width:3}.race-label,.violation-label{fill:#c00;"
      "font-weight:bold}.race-link{stroke:#e00;stroke-width:1.5;stroke-dasharray:6 3;fill:none}"
      "</style>\n";
  // Lanes, with the IRQL of each CPU as a step line along its bottom.
  for (const auto& [cpu, lane] : lanes) {
    svg += Format("<rect class=\"lane\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>", lane.y,
                  width, lane.height);
    svg += Format("<text x=\"4\" y=\"%d\" font-weight=\"bold\">cpu%u</text>", lane.y + 16, cpu);
    svg += Format("<text x=\"4\" y=\"%d\">irql</text>\n", IrqlBase(lane) - 2);
    std::string path = Format("M%d %d", kLeft, IrqlBase(lane));
    for (size_t i = 0; i < trace.events.size(); ++i) {
      if (trace.events[i].cpu != cpu) continue;
      const int level =
          IrqlBase(lane) - static_cast<int>(std::min(trace.events[i].irql, 15u)) * kIrqlBand / 15;
      path += Format(" V%d H%d", level, X(i + 1));
    }
    svg += "<path class=\"irql\" d=\"" + path + "\"/>\n";
  }
  // Steps: where each CPU starts one.
  int stagger = 0;
  for (const TraceMark& mark : trace.marks) {
    const Lane& lane = lanes.at(mark.cpu);
    const int x = X(mark.before);
    svg +=
        Format("<g class=\"step\"><line class=\"mark\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
               x, 14 + stagger * 16, x, lane.y + lane.height);
    const std::string text = EscapeXml(Format("cpu%u: ", mark.cpu) + mark.text);
    svg += Format("<text x=\"%d\" y=\"%d\">", x + 2, 12 + stagger * 16) + text + "</text><title>" +
           text + "</title></g>\n";
    stagger = (stagger + 1) % kMarkRows;
  }
  // Callbacks and lock holds.
  for (const auto& [cpu, lane] : lanes) {
    for (const Bar& bar : lane.callbacks) {
      const int x = X(bar.begin), w = std::max(X(bar.end) - x, 2);
      svg += Format("<g><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
                    CallbackClass(bar.name).c_str(), x, CallbackY(lane, bar.level), w, kBarHeight);
      if (w >= 8 * static_cast<int>(std::min<size_t>(bar.label.size(), 12)))
        svg += Format("<text x=\"%d\" y=\"%d\">", x + 2, CallbackY(lane, bar.level) + 9) +
               EscapeXml(bar.label) + "</text>";
      svg += "<title>" +
             EscapeXml(Format("cpu%u %s: events %zu..%zu", cpu, bar.label.c_str(), bar.begin,
                              bar.end - 1)) +
             "</title></g>\n";
    }
    for (const Bar& bar : lane.locks) {
      const int x = X(bar.begin), w = std::max(X(bar.end) - x, 2);
      svg += Format("<g><rect class=\"lock\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", x,
                    LockY(lane, bar.level), w, kLockHeight);
      svg += "<title>" +
             EscapeXml(Format("cpu%u holds %s: events %zu..%zu", cpu, bar.label.c_str(), bar.begin,
                              bar.end - 1)) +
             "</title></g>\n";
    }
  }
  // Events as glyphs; the violation labelled.
  int violations = 0;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const TraceEvent& e = trace.events[i];
    const Lane& lane = lanes.at(e.cpu);
    Glyph(svg, e, i, lane);
    if (e.kind == "violation") {
      svg += Format("<text id=\"violation-%d\" class=\"violation-label\" x=\"%d\" y=\"%d\">",
                    ++violations, X(i) + kDx + 6, lane.y + kGlyphRow) +
             "violation " + EscapeXml(e.name) + "</text>\n";
    }
  }
  // A race: its two accesses, on their CPUs, and a line between them.
  if (input.finding.kind == Finding::Kind::kRace) {
    const Location current = LocateCurrent(trace, input.finding.current);
    const Location previous = LocatePrevious(trace, input.finding.previous);
    RaceMark(svg, lanes, previous, input.finding.previous, "race-previous",
             "race, previous access");
    RaceMark(svg, lanes, current, input.finding.current, "race-current", "race, current access");
    if (current.known && previous.known) {
      const int y0 = CallbackY(lanes.at(previous.cpu), 0) + kBarHeight / 2;
      const int y1 = CallbackY(lanes.at(current.cpu), 0) + kBarHeight / 2;
      const int x0 = (X(previous.begin) + X(previous.end)) / 2;
      const int x1 = current.end > current.begin ? (X(current.begin) + X(current.end)) / 2
                                                 : X(current.begin) + kDx;
      svg += Format("<path class=\"race-link\" d=\"M%d %d L%d %d\"/>\n", x0, y0, x1, y1);
    }
  } else if (input.finding.kind != Finding::Kind::kNone && violations == 0 &&
             !trace.events.empty()) {
    // Another finding: where the trace stops is where it happened.
    const TraceEvent& last = trace.events.back();
    const int x = X(trace.events.size()) + 4;
    const int yc = lanes.at(last.cpu).y + kGlyphRow;
    svg += Format("<g id=\"finding\"><circle class=\"violation\" cx=\"%d\" cy=\"%d\" r=\"7\"/>", x,
                  yc - 3);
    svg += Format("<text class=\"violation-label\" x=\"%d\" y=\"%d\">", x + 10, yc) +
           EscapeXml(input.finding.signature) + "</text></g>\n";
  }
  // Legend.
  const int ly = height - 40;
  svg += Format("<g class=\"legend\" transform=\"translate(4 %d)\">", ly);
  struct Item {
    const char* shape;
    const char* text;
  };
  const Item items[] = {
      {"<rect class=\"cb-isr\" width=\"14\" height=\"10\"/>", "ISR"},
      {"<rect class=\"cb-dpc\" width=\"14\" height=\"10\"/>", "DPC"},
      {"<rect class=\"cb-io\" width=\"14\" height=\"10\"/>", "BuildIo/StartIo"},
      {"<rect class=\"cb-other\" width=\"14\" height=\"10\"/>", "other routine"},
      {"<rect class=\"lock\" width=\"14\" height=\"8\"/>", "lock held"},
      {"<path class=\"ev-signal\" d=\"M7 10 l-3 -6 h6 z\"/>", "signalled"},
      {"<path class=\"ev-isr\" d=\"M7 10 l-4 -8 h8 z\"/>", "delivered"},
      {"<circle class=\"ev-submit\" cx=\"7\" cy=\"5\" r=\"3\"/>", "submitted"},
      {"<circle class=\"ev-complete\" cx=\"7\" cy=\"5\" r=\"3\"/>", "completed"},
      {"<rect class=\"ev-register\" x=\"6\" y=\"2\" width=\"2\" height=\"7\"/>", "register"},
      {"<path class=\"irql\" d=\"M0 9 H6 V2 H14\"/>", "IRQL"},
      {"<circle class=\"violation\" cx=\"7\" cy=\"5\" r=\"5\"/>", "finding"},
  };
  int lx = 0;
  for (const Item& item : items) {
    svg += Format("<g transform=\"translate(%d 0)\">", lx) + item.shape +
           Format("<text x=\"18\" y=\"9\">%s</text></g>", item.text);
    lx += 26 + 7 * static_cast<int>(std::string_view(item.text).size());
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

std::string RenderHtml(const ChartInput& input) {
  std::string html =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\"/>\n<title>" +
      EscapeXml(input.title) +
      "</title>\n<style>body{font-family:sans-serif;margin:1em}pre{background:#f4f4f4;"
      "padding:0.5em;overflow-x:auto}.chart{overflow-x:auto;border:1px solid #ccc}"
      ".hit{background:#fdd;font-weight:bold}.marker{color:#06c}</style>\n</head>\n<body>\n";
  html += "<h1>" + EscapeXml(input.title) + "</h1>\n";
  const Finding& f = input.finding;
  html += "<h2>Finding</h2>\n";
  if (f.kind == Finding::Kind::kNone) {
    html += "<p id=\"no-finding\">The replay ended without a finding.</p>\n";
  } else {
    html += "<p id=\"signature\"><code>" + EscapeXml(f.signature) + "</code></p>\n";
    if (f.kind == Finding::Kind::kRace) {
      const Location current = LocateCurrent(input.trace, f.current);
      const Location previous = LocatePrevious(input.trace, f.previous);
      html += "<ul id=\"race\">\n";
      for (const auto& [access, where, name] : {std::tuple{&f.current, &current, "current"},
                                                std::tuple{&f.previous, &previous, "previous"}}) {
        html += std::string("<li>") + name + " access: " + EscapeXml(access->what);
        if (where->known) {
          html += Format(" on cpu%u", where->cpu);
          if (!where->callback.empty()) html += ", in " + EscapeXml(where->callback);
          if (!where->step.empty()) html += ", during " + EscapeXml(where->step);
          html += Format(" (events %zu..%zu)", where->begin, where->end);
        } else {
          html += " (not located on a virtual CPU)";
        }
        if (!access->frames.empty())
          html += "<br/><code>" + EscapeXml(access->frames[0]) + "</code>";
        html += "</li>\n";
      }
      html += "</ul>\n";
    }
  }
  html +=
      "<h2>Interleaving</h2>\n<p>Virtual CPUs in swimlanes over the event sequence "
      "(one column per event); hover for details.</p>\n<div class=\"chart\">\n";
  html += RenderSvg(input);
  html +=
      "</div>\n<h2>Scenario</h2>\n<pre id=\"scenario\">" + EscapeXml(input.scenario) + "</pre>\n";
  html += Format("<h2>Trace</h2>\n<p>%zu events of the last run.</p>\n<pre id=\"trace\">",
                 input.trace.events.size());
  size_t mark = 0;
  for (size_t i = 0; i <= input.trace.events.size(); ++i) {
    for (; mark < input.trace.marks.size() && input.trace.marks[mark].before == i; ++mark) {
      html += Format("<span class=\"marker\">-- cpu%u: ", input.trace.marks[mark].cpu) +
              EscapeXml(input.trace.marks[mark].text) + "</span>\n";
    }
    if (i == input.trace.events.size()) break;
    const TraceEvent& e = input.trace.events[i];
    const std::string line =
        Format("#%-6" PRIu64 " cpu%u irql%-2u %-9s %s 0x%" PRIx64 " 0x%" PRIx64, e.seq, e.cpu,
               e.irql, e.kind.c_str(), e.name.c_str(), e.a, e.b);
    if (e.kind == "violation") {
      html += "<span class=\"hit\">" + EscapeXml(line) + "</span>\n";
    } else {
      html += EscapeXml(line) + "\n";
    }
  }
  html += "</pre>\n<h2>Report</h2>\n<pre id=\"report\">" + EscapeXml(f.report) +
          "</pre>\n</body>\n</html>\n";
  return html;
}

}  // namespace msirig::show
