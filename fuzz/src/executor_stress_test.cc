// The executor on real threads: every CPU's steps concurrently, with the same oracles.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "executor_test_util.h"
#include "msirig/fuzz/executor.h"
#include "scripted_miniport.h"

namespace msirig::fuzz {
namespace {

using sp::Rule;
using sp::ScriptedMiniport;
using testing::Harness;
using testing::Lines;
using testing::MakeStep;
using testing::MsiXScenario;
using testing::RamDisk;
using testing::Saw;

// A write that "succeeds" without storing, then a read of its blocks, both on CPU 0: on real
// threads too the read is checked when it completes, so the oracle still knows the write had
// completed (checked only after the drain, the write would look in flight and the read racy).
TEST(ExecutorStress, OnRealThreadsCompletionsAreCheckedAsTheyArrive) {
  ScriptedMiniport miniport;
  ScriptedMiniport::current = &miniport;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  RamDisk(miniport, disk);
  auto ram_disk = miniport.start_io;
  miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) -> BOOLEAN {
    if (srb->Cdb[0] == SCSIOP_WRITE) {
      srb->SrbStatus = SRB_STATUS_SUCCESS;
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    }
    return ram_disk(ext, srb);
  };
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor executor(options);
  Scenario s = MsiXScenario(2);
  s.steps = {MakeStep(StepKind::kWrite, 0, 4, 1, 0x10), MakeStep(StepKind::kRead, 0, 4, 1)};
  EXPECT_TRUE(Saw(executor.Run(s), Rule::kDataCorruption));
  miniport.start_io = ram_disk;  // the clean twin
  const ExecutionResult clean = executor.Run(s);
  EXPECT_TRUE(clean.violations.empty()) << Lines(clean);
  ScriptedMiniport::current = nullptr;
}

TEST(ExecutorStress, RealThreadsPlayEveryCpusStepsConcurrentlyWithTheSameOracles) {
  ScriptedMiniport miniport;
  ScriptedMiniport::current = &miniport;
  std::map<uint32_t, std::vector<uint8_t>> disk;
  std::mutex disk_lock;  // the RAM disk's own lock: two CPUs submit at once now
  RamDisk(miniport, disk);
  auto ram_disk = miniport.start_io;
  miniport.start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    std::lock_guard<std::mutex> guard(disk_lock);
    return ram_disk(ext, srb);
  };
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor executor(options);
  Scenario s = MsiXScenario(4);
  for (uint32_t i = 0; i < 64; ++i)
    s.steps.push_back(
        MakeStep(i % 2 ? StepKind::kWrite : StepKind::kRead, i % 2, 8 * (i % 2) + i, 1, i));
  for (int round = 0; round < 5; ++round) {
    const ExecutionResult r = executor.Run(s);
    EXPECT_TRUE(r.adapter_started);
    EXPECT_EQ(r.requests_completed, 64u);
    EXPECT_TRUE(r.violations.empty()) << Lines(r);
  }
  ScriptedMiniport::current = nullptr;
}

}  // namespace
}  // namespace msirig::fuzz
