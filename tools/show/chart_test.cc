// The chart writer: trace and report parsing, the race and violation marks, well-formed output.
#include "chart.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace msirig::show {
namespace {

// A small well-formedness check (the end-to-end test parses the real output with an XML
// parser): every tag closed in order, attributes quoted, text free of raw '<' and of '&' that
// does not start an entity.
std::string WellFormedError(const std::string& xml) {
  std::vector<std::string> open;
  size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 8 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&apos;")
        return "bad entity at " + std::to_string(i) + ": " + entity;
      i = semi + 1;
      continue;
    }
    if (xml[i] != '<') {
      if (xml[i] == '>') return "raw '>' in text at " + std::to_string(i);
      ++i;
      continue;
    }
    const size_t end = xml.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    const std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string::npos) return "'<' inside tag at " + std::to_string(i);
    size_t quotes = 0;
    for (char c : tag) quotes += c == '"';
    if (quotes % 2 != 0) return "unbalanced quotes in <" + tag + ">";
    if (tag[0] == '!' || tag[0] == '?') {
    } else if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return "</" + tag.substr(1) + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n\t")));
    }
    i = end + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

constexpr char kTrace[] =
    "msirig-trace 1\n"
    "run\t1\n"
    "mark\t0\tsetup\n"
    "ev\t0\t0\t0\tenter\tDriverEntry\t0xffffffff\t0x0\n"
    "ev\t1\t0\t0\texit\tDriverEntry\t0xffffffff\t0x0\n"
    "mark\t0\tstep 0: flush cpu=0\n"
    "ev\t2\t0\t0\tsubmit\tsrb\t0x0\t0x35\n"
    "ev\t3\t0\t2\tacquire\tStartIoLock\t0x0\t0x0\n"
    "ev\t4\t0\t2\tenter\tHwStartIo\t0xffffffff\t0x0\n"
    "ev\t5\t0\t2\tcall\tStorPortWriteRegisterUlong\t0x0\t0x1000\n"
    "ev\t6\t0\t2\tsignal\tmessage\t0x0\t0x0\n"
    "ev\t7\t0\t2\tsignal\tmessage\t0x1\t0x0\n"
    "ev\t8\t0\t2\tcomplete\tsrb\t0x0\t0x1\n"
    "ev\t9\t0\t2\texit\tHwStartIo\t0xffffffff\t0x0\n"
    "mark\t0\tstep 1: interrupt cpu=0 message=0\n"
    "ev\t10\t0\t0\tisr\tmessage\t0x0\t0x0\n"
    "ev\t11\t0\t5\tacquire\tMSI lock\t0x0\t0x0\n"
    "ev\t12\t0\t5\tenter\tHwMSInterruptRoutine\t0x0\t0x0\n"
    "ev\t13\t0\t5\texit\tHwMSInterruptRoutine\t0x0\t0x0\n"
    "mark\t1\tstep 2: interrupt cpu=1 message=1\n"
    "ev\t14\t1\t0\tisr\tmessage\t0x1\t0x0\n"
    "ev\t15\t1\t5\tacquire\tMSI lock\t0x1\t0x0\n"
    "ev\t16\t1\t5\tenter\tHwMSInterruptRoutine\t0x1\t0x0\n";

constexpr char kRaceReport[] =
    "replay: x (20 bytes)\n"
    "==================\n"
    "WARNING: ThreadSanitizer: data race (pid=4242)\n"
    "  Write of size 4 at 0x7f0000001234 by thread T2:\n"
    "    #0 msirig::show::UnlockedIsr(void*, unsigned long) /src/planted_race_fuzz.cc:31:3 "
    "(planted+0x1)\n"
    "    #1 msirig::sp::PortState::DeliverOn(unsigned int) /src/interrupts.cc:60 (planted+0x2)\n"
    "\n"
    "  Previous write of size 4 at 0x7f0000001234 by thread T1:\n"
    "    #0 msirig::show::UnlockedIsr(void*, unsigned long) /src/planted_race_fuzz.cc:31:3 "
    "(planted+0x1)\n"
    "\n"
    "  Location is global 'g_isr_count' of size 4 at 0x7f0000001234 (planted+0x3)\n"
    "\n"
    "  Thread T2 'cpu1' (tid=4242, running) created by main thread at:\n"
    "    #0 __tsan_create_fiber <null> (planted+0x4)\n"
    "\n"
    "  Thread T1 'cpu0' (tid=4242, running) created by main thread at:\n"
    "    #0 __tsan_create_fiber <null> (planted+0x4)\n"
    "\n"
    "SUMMARY: ThreadSanitizer: data race /src/planted_race_fuzz.cc:31:3 in "
    "msirig::show::UnlockedIsr(void*, unsigned long)\n"
    "==================\n";

Trace ParsedTrace() {
  Trace trace;
  std::string error;
  EXPECT_TRUE(ParseTrace(kTrace, &trace, &error)) << error;
  return trace;
}

TEST(ShowTrace, ParsesEventsAndMarksOfTheLastRun) {
  Trace trace = ParsedTrace();
  ASSERT_EQ(trace.events.size(), 17u);
  EXPECT_EQ(trace.events[12].name, "HwMSInterruptRoutine");
  EXPECT_EQ(trace.events[12].irql, 5u);
  ASSERT_EQ(trace.marks.size(), 4u);
  EXPECT_EQ(trace.marks[3].cpu, 1u);
  EXPECT_EQ(trace.marks[3].before, 14u);
  std::string error;
  ASSERT_TRUE(ParseTrace(std::string(kTrace) + "run\t2\nev\t0\t0\t0\tenter\tX\t0x0\t0x0\n", &trace,
                         &error));
  EXPECT_EQ(trace.events.size(), 1u);
  EXPECT_EQ(trace.runs, 2u);
}

TEST(ShowTrace, BadInputIsRejectedWithItsLine) {
  Trace trace;
  std::string error;
  EXPECT_FALSE(ParseTrace("hello\n", &trace, &error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_FALSE(ParseTrace("msirig-trace 1\nrun\t1\nev\t1\t0\tx\tenter\tA\t0\t0\n", &trace, &error));
  EXPECT_NE(error.find("line 3"), std::string::npos) << error;
  EXPECT_FALSE(ParseTrace("msirig-trace 1\nbogus\n", &trace, &error));
  EXPECT_NE(error.find("unknown record 'bogus'"), std::string::npos) << error;
  EXPECT_FALSE(ParseTrace("", &trace, &error));
}

TEST(ShowReport, ReadsBothAccessesOfARaceAndTheirCpus) {
  const Finding f = ParseReport(kRaceReport);
  ASSERT_EQ(f.kind, Finding::Kind::kRace);
  EXPECT_EQ(f.current.thread, "T2");
  EXPECT_EQ(f.current.cpu, 1);
  EXPECT_EQ(f.previous.thread, "T1");
  EXPECT_EQ(f.previous.cpu, 0);
  ASSERT_FALSE(f.previous.frames.empty());
  EXPECT_NE(f.previous.frames[0].find("UnlockedIsr"), std::string::npos);
  EXPECT_EQ(f.signature.rfind("SUMMARY: ThreadSanitizer: data race", 0), 0u) << f.signature;
  // Deterministic: no pid or address survives.
  EXPECT_EQ(f.report.find("4242"), std::string::npos) << f.report;
  EXPECT_EQ(f.report.find("0x7f0000001234"), std::string::npos) << f.report;
}

TEST(ShowReport, LocatesTheRacingAccessesOnTheirCpusAndSteps) {
  const Trace trace = ParsedTrace();
  const Finding f = ParseReport(kRaceReport);
  const Location current = LocateCurrent(trace, f.current);
  ASSERT_TRUE(current.known);
  EXPECT_EQ(current.cpu, 1u);
  EXPECT_EQ(current.callback, "HwMSInterruptRoutine");
  EXPECT_EQ(current.step, "step 2: interrupt cpu=1 message=1");
  const Location previous = LocatePrevious(trace, f.previous);
  ASSERT_TRUE(previous.known);
  EXPECT_EQ(previous.cpu, 0u);
  EXPECT_EQ(previous.callback, "HwMSInterruptRoutine");
  EXPECT_EQ(previous.begin, 12u);
  EXPECT_EQ(previous.step, "step 1: interrupt cpu=0 message=0");
}

TEST(ShowReport, ReadsAViolation) {
  const Finding f = ParseReport(
      "replay: x\nmsirig: violation StorPortMSILock: StorPortAcquireMSISpinLock(message 0) with "
      "InterruptSynchronizationMode 1 (adapter 0, message none, callback HwStartIo, cpu 1, irql "
      "2)\nmsirig: rule StorPortMSILock [...]\n");
  EXPECT_EQ(f.kind, Finding::Kind::kViolation);
  EXPECT_EQ(f.rule, "StorPortMSILock");
  EXPECT_EQ(ParseReport("replay: 1 input(s), no finding\n").kind, Finding::Kind::kNone);
}

TEST(ShowChart, MarksTheRaceInWellFormedSvgAndHtml) {
  ChartInput input;
  input.title = "race <&> test";
  input.scenario = "platform os=win10\nflush cpu=0 # a < b & c\n";
  input.trace = ParsedTrace();
  input.finding = ParseReport(kRaceReport);
  const std::string svg = RenderSvg(input);
  EXPECT_EQ(WellFormedError(svg), "");
  EXPECT_NE(svg.find("id=\"race-current\""), std::string::npos);
  EXPECT_NE(svg.find("id=\"race-previous\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"lock\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"cb-isr\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"ev-register\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"irql\""), std::string::npos);
  EXPECT_NE(svg.find("step 2: interrupt cpu=1 message=1"), std::string::npos);
  const std::string html = RenderHtml(input);
  EXPECT_EQ(WellFormedError(html), "");
  EXPECT_NE(html.find("race &lt;&amp;&gt; test"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, nothing fetched
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(RenderHtml(input), html);  // deterministic
}

TEST(ShowChart, MarksTheViolationEvent) {
  ChartInput input;
  input.title = "violation";
  std::string error;
  ASSERT_TRUE(
      ParseTrace(std::string(kTrace) + "ev\t17\t1\t5\tviolation\tStorPortMSILock\t0x0\t0x0\n",
                 &input.trace, &error));
  input.finding = ParseReport("msirig: violation StorPortMSILock: x (cpu 1)\n");
  const std::string svg = RenderSvg(input);
  EXPECT_EQ(WellFormedError(svg), "");
  EXPECT_NE(svg.find("id=\"violation-1\""), std::string::npos);
  EXPECT_NE(svg.find("violation StorPortMSILock"), std::string::npos);
  EXPECT_EQ(svg.find("race-current"), std::string::npos);
  EXPECT_EQ(WellFormedError(RenderHtml(input)), "");
}

TEST(ShowChart, TheCheckerCatchesBrokenXml) {  // the test's own checker can fail
  EXPECT_NE(WellFormedError("<a><b></a></b>"), "");
  EXPECT_NE(WellFormedError("<a>x & y</a>"), "");
  EXPECT_NE(WellFormedError("<a>"), "");
  EXPECT_EQ(WellFormedError("<a x=\"1\"><b/>&amp;</a>"), "");
}

}  // namespace
}  // namespace msirig::show
