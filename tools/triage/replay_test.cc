#include "replay.h"

#include <gtest/gtest.h>

namespace msirig::triage {
namespace {

TEST(RunTest, CapturesOutputAndExitStatus) {
  const RunResult run = RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 60);
  ASSERT_TRUE(run.started);
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.output.find("out\n"), std::string::npos);
  EXPECT_NE(run.output.find("err\n"), std::string::npos);
  EXPECT_EQ(SignatureOfRun(run), "crash without a report (exit status 3)");
}

TEST(RunTest, SignalAndReport) {
  const RunResult run =
      RunCommand({"/bin/sh", "-c", "echo 'msirig: violation NotAnAdapter: x'; kill -ABRT $$"}, 60);
  EXPECT_EQ(run.signal, 6);
  EXPECT_EQ(SignatureOfRun(run), "msirig: violation NotAnAdapter");
}

TEST(RunTest, CleanRunHasNoSignature) {
  EXPECT_EQ(SignatureOfRun(RunCommand({"/bin/true"}, 60)), "");
}

// A process (and its children) that outlives the timeout is killed and reported as a timeout.
// The only timing involved: the child sleeps far longer than the timeout.
TEST(RunTest, TimeoutKillsTheProcessGroup) {
  const RunResult run = RunCommand({"/bin/sh", "-c", "sleep 600 & sleep 600"}, 1);
  EXPECT_TRUE(run.timed_out);
  EXPECT_EQ(SignatureOfRun(run), "timeout");
}

TEST(RunTest, MissingProgram) {
  const RunResult run = RunCommand({"/nonexistent/replay"}, 60);
  EXPECT_EQ(run.exit_code, 127);
  EXPECT_NE(run.output.find("cannot run /nonexistent/replay"), std::string::npos);
}

}  // namespace
}  // namespace msirig::triage
