// The full-trace recorder: what the port and the executor record, that recording changes
// nothing about a run, the atomic write, and the write when the process dies of a finding.
#include "msirig/storport/trace_recorder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "msirig/fuzz/executor.h"
#include "msirig/fuzz/scenario_text.h"
#include "scripted_miniport.h"

namespace msirig {
namespace {

fuzz::Scenario Parse(const char* text) {
  fuzz::Scenario scenario;
  std::string error;
  EXPECT_TRUE(fuzz::ParseText(text, &scenario, &error)) << error;
  return scenario;
}

constexpr char kTwoCpus[] =
    "platform os=win10 interrupts=msix requested=4 granted=4 cpus=2\n"
    "flush cpu=0\n"
    "device cpu=0 steps=4\n"
    "flush cpu=1\n";

struct Harness {
  sp::ScriptedMiniport miniport;
  Harness() { sp::ScriptedMiniport::current = &miniport; }
  ~Harness() { sp::ScriptedMiniport::current = nullptr; }
  static fuzz::ExecutorOptions Options(sp::TraceRecorder* recorder) {
    fuzz::ExecutorOptions options;
    options.driver_entry = sp::ScriptedDriverEntry;
    options.verifier_mode = sp::VerifierMode::kRecord;
    options.trace_recorder = recorder;
    return options;
  }
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(TraceRecorder, RecordsEveryEventAndEveryStepOfARun) {
  Harness h;
  sp::TraceRecorder recorder;
  fuzz::Executor executor(Harness::Options(&recorder));
  const fuzz::ExecutionResult result = executor.Run(Parse(kTwoCpus));
  ASSERT_TRUE(result.adapter_started);
  const std::string& text = recorder.text();
  EXPECT_EQ(text.rfind("msirig-trace 1\nrun\t1\nmark\t0\tsetup\n", 0), 0u) << text.substr(0, 200);
  EXPECT_EQ(Count(text, "\nev\t"), result.trace_events);
  EXPECT_NE(text.find("mark\t0\tstep 0: flush cpu=0\n"), std::string::npos);
  EXPECT_NE(text.find("mark\t0\tstep 1: device"), std::string::npos) << text;
  EXPECT_NE(text.find("mark\t1\tstep 2: flush cpu=1\n"), std::string::npos);
  EXPECT_NE(text.find("\tenter\tHwStartIo\t"), std::string::npos);
  EXPECT_NE(text.find("\tsubmit\tsrb\t"), std::string::npos);
  // The steps in order: step 2's mark after step 0's.
  EXPECT_LT(text.find("step 0:"), text.find("step 2:"));
  // A second run starts a new section.
  executor.Run(Parse(kTwoCpus));
  EXPECT_EQ(recorder.runs(), 2u);
  EXPECT_NE(recorder.text().find("\nrun\t2\nmark\t0\tsetup\n"), std::string::npos);
}

TEST(TraceRecorder, RecordingChangesNothingAboutTheRun) {
  Harness h;
  fuzz::Executor plain(Harness::Options(nullptr));
  const fuzz::ExecutionResult without = plain.Run(Parse(kTwoCpus));
  sp::TraceRecorder recorder;
  fuzz::Executor recording(Harness::Options(&recorder));
  const fuzz::ExecutionResult with = recording.Run(Parse(kTwoCpus));
  EXPECT_EQ(without.trace_hash, with.trace_hash);
  EXPECT_EQ(without.trace_events, with.trace_events);
  EXPECT_GT(with.trace_events, 0u);
}

TEST(TraceRecorder, TheProcessRecorderTakesEveryNewPort) {
  Harness h;
  sp::TraceRecorder recorder;
  sp::SetProcessTraceRecorder(&recorder);
  fuzz::Executor executor(Harness::Options(nullptr));
  executor.Run(Parse(kTwoCpus));
  sp::SetProcessTraceRecorder(nullptr);
  EXPECT_EQ(recorder.runs(), 1u);
  EXPECT_NE(recorder.text().find("mark\t1\tstep 2: flush cpu=1\n"), std::string::npos);
}

TEST(TraceRecorder, WritesAtomicallyAndSaysWhenItCannot) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("msirig_trace_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  sp::TraceRecorder recorder;
  recorder.BeginRun();
  recorder.Event(0, 1, 2, "enter", "HwStartIo", 0xffffffff, 0);
  recorder.Mark(1, "step 0: a\tb");  // a tab in the text would break the format
  ASSERT_TRUE(recorder.WriteTo((dir / "t").c_str()));
  EXPECT_EQ(ReadAll(dir / "t"),
            "msirig-trace 1\nrun\t1\nev\t0\t1\t2\tenter\tHwStartIo\t0xffffffff\t0x0\n"
            "mark\t1\tstep 0: a b\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "t.tmp"));
  EXPECT_FALSE(recorder.WriteTo((dir / "no" / "such" / "dir").c_str()));
  std::filesystem::remove_all(dir);
}

TEST(TraceRecorderDeathTest, TheTraceIsWrittenWhenAFindingAbortsTheProcess) {
  const auto path =
      std::filesystem::temp_directory_path() / ("msirig_trace_death_" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  GTEST_FLAG_SET(death_test_style, "fast");  // fork only: the child writes to `path`
  EXPECT_DEATH(
      {
        Harness h;
        h.miniport.start_io = [](PVOID extension, PSCSI_REQUEST_BLOCK srb) {
          ULONG old_irql = 0;  // StorPortMSILock: an MSI lock in InterruptSynchronizeAll
          StorPortAcquireMSISpinLock(extension, 0, &old_irql);
          StorPortReleaseMSISpinLock(extension, 0, old_irql);
          srb->SrbStatus = SRB_STATUS_SUCCESS;
          StorPortNotification(RequestComplete, extension, srb);
          return TRUE;
        };
        h.miniport.sync_mode = InterruptSynchronizeAll;
        if (!msirig_trace_record_to(path.c_str())) std::exit(0);
        fuzz::ExecutorOptions options = Harness::Options(nullptr);
        options.verifier_mode = sp::VerifierMode::kAbort;
        fuzz::Executor executor(options);
        executor.Run(Parse(kTwoCpus));
      },
      "violation StorPortMSILock");
  const std::string text = ReadAll(path);
  EXPECT_EQ(text.rfind("msirig-trace 1\n", 0), 0u);
  EXPECT_NE(text.find("\tviolation\tStorPortMSILock\t"), std::string::npos) << text.size();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace msirig
