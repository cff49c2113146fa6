// Resets, stop/restart, timeouts, surprise removal and controller fatal status with I/O in
// flight: every request completes exactly once with a proper status, and I/O works afterwards
// when the device is still there.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "e2e_world.h"

namespace msirig::e2e {
namespace {

bool IsOneOf(UCHAR status, std::initializer_list<UCHAR> allowed) {
  for (UCHAR s : allowed) {
    if ((status & 0x3F) == s) return true;
  }
  return false;
}

class RecoveryTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { Build(WorldConfig{DefaultConfig()}); }
  void Build(WorldConfig config) {
    config.platform.driver_parameter = GetParam();
    world_.reset();  // one emulated port at a time
    submitted_ = 0;
    world_ = std::make_unique<E2eWorld>(config);
    ASSERT_TRUE(world_->Start()) << world_->EndOfRunFindings(0);
  }
  // Submits `count` writes and lets the device work a little, so some are done and some not.
  std::vector<uint64_t> WritesInFlight(uint32_t count, uint32_t seed) {
    const uint32_t bs = world_->block_size();
    std::vector<uint64_t> tags;
    for (uint32_t i = 0; i < count; ++i) {
      tags.push_back(world_->Submit(cdb::Write10(i * 8, Pattern(i * 8, 8, bs, seed), bs)));
      ++submitted_;
    }
    for (int i = 0; i < 5; ++i) world_->device().Step();
    world_->DeliverPending();
    return tags;
  }
  void ExpectIoWorks(uint32_t seed) {
    const uint32_t bs = world_->block_size();
    ++submitted_;
    EXPECT_EQ(world_->Execute(cdb::Write10(4000, Pattern(4000, 8, bs, seed), bs)).srb_status,
              SRB_STATUS_SUCCESS);
    ++submitted_;
    EXPECT_EQ(world_->Execute(cdb::Read10(4000, 8, bs)).data, Pattern(4000, 8, bs, seed));
  }
  void ExpectClean() {
    const std::string findings = world_->EndOfRunFindings(submitted_);
    EXPECT_TRUE(findings.empty()) << findings;
  }
  std::unique_ptr<E2eWorld> world_;
  uint64_t submitted_ = 0;
};

TEST_P(RecoveryTest, BusResetWithIoInFlightCompletesEachRequestOnce) {
  const auto tags = WritesInFlight(16, 1);
  world_->port().ResetBus(world_->adapter());
  ASSERT_TRUE(world_->RunUntilQuiet());
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_TRUE(IsOneOf(world_->Completion(tag)->srb_status,
                        {SRB_STATUS_SUCCESS, SRB_STATUS_BUS_RESET}));
  }
  ExpectIoWorks(2);
  ExpectClean();
}

TEST_P(RecoveryTest, StopAndRestartWithIoInFlight) {
  const auto tags = WritesInFlight(12, 3);
  ASSERT_TRUE(world_->port().StopAdapter(world_->adapter()));
  world_->RunUntilQuiet();
  for (uint64_t tag : tags) ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
  ASSERT_TRUE(world_->port().RestartAdapter(world_->adapter()));
  ExpectIoWorks(4);
  ASSERT_TRUE(world_->port().StopAdapter(world_->adapter()));
  ASSERT_TRUE(world_->port().RestartAdapter(world_->adapter()));
  ExpectIoWorks(5);
  ExpectClean();
}

TEST_P(RecoveryTest, StuckCompletionsTimeOutAndTheResetRecovers) {
  hba::FaultPlan plan;
  plan.corrupt_phase_every_n = 3;  // a stale phase tag stalls the queue until a reset
  world_->device().SetFaultPlan(plan);  // after start: the admin queue initialized cleanly
  const auto tags = WritesInFlight(12, 6);
  world_->RecoverFor(60);
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_TRUE(IsOneOf(world_->Completion(tag)->srb_status,
                        {SRB_STATUS_SUCCESS, SRB_STATUS_BUS_RESET}));
  }
  ExpectClean();
}

// A stop that meets a stuck request and an endless interrupt storm: the storm keeps the stopping
// CPU busy, but virtual time passes all the same, so the stuck request times out, the miniport's
// reset completes it, and the stop goes through (pnp.cc PortState::Quiesce). Before, every
// storm round counted as progress, time stood still, and the stop gave up after its round bound.
TEST_P(RecoveryTest, StopThroughAnInterruptStormTimesTheStuckRequestOut) {
  hba::FaultPlan plan;
  plan.corrupt_phase_every_n = 3;  // some completions stall behind a stale phase tag
  plan.interrupt_storm_at_step = 1;
  plan.interrupt_storm_count = 0xFFFFFFFFu;  // does not end while the stop waits
  plan.interrupt_storm_vector = 1;
  world_->device().SetFaultPlan(plan);
  const auto tags = WritesInFlight(12, 9);
  ASSERT_TRUE(world_->port().StopAdapter(world_->adapter()));
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_TRUE(IsOneOf(world_->Completion(tag)->srb_status,
                        {SRB_STATUS_SUCCESS, SRB_STATUS_BUS_RESET}));
  }
  world_->device().SetFaultPlan(hba::FaultPlan{});
  ASSERT_TRUE(world_->port().RestartAdapter(world_->adapter()));
  ExpectIoWorks(10);
  ExpectClean();
}

TEST_P(RecoveryTest, SurpriseRemovalWithIoInFlight) {
  WritesInFlight(10, 7);
  world_->port().SurpriseRemove(world_->adapter());
  world_->RunUntilQuiet();
  ExpectClean();
}

// HwUnitControl (storport/src/unit_control.cc): the miniport's one unit starts before its first
// write; LUN 1, which it does not have, fails to start, and the request for it still gets the
// miniport's own answer; a surprise removal removes the started unit, before the adapter's
// stop and after, and tells the adapter itself (ScsiAdapterSurpriseRemoval) before the stop. The
// calls are read from the trace's "call" events: name, type or unit, unit.
TEST_P(RecoveryTest, UnitControlStartsAndRemovesTheMiniportsUnit) {
  sp::TraceRecorder recorder;
  world_->port().RecordTrace(&recorder);
  WritesInFlight(4, 5);
  sp::RequestSpec other = cdb::ReadCapacity10();
  other.lun = 1;
  ++submitted_;
  EXPECT_EQ(world_->Execute(other).srb_status & 0x3F, SRB_STATUS_INVALID_LUN);
  world_->port().SurpriseRemove(world_->adapter());
  world_->RunUntilQuiet();
  world_->port().RecordTrace(nullptr);
  std::vector<std::string> calls;
  std::istringstream lines(recorder.text());
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream columns(line);
    for (std::string field; std::getline(columns, field, '\t');) fields.push_back(field);
    if (fields.size() == 8 && fields[4] == "call" &&
        (fields[5] == "HwUnitControl" || fields[5] == "unit-start-failed" ||
         fields[5] == "HwAdapterControl"))
      calls.push_back(fields[5] + " " + fields[6] + " " + fields[7]);
  }
  const std::vector<std::string> expected = {
      "HwUnitControl 0x2 0x0",      // ScsiUnitStart, unit 0/0/0
      "HwUnitControl 0x2 0x1",      // ScsiUnitStart, LUN 1
      "unit-start-failed 0x1 0x0",  //
      "HwUnitControl 0xa 0x0",      // ScsiUnitSurpriseRemoval, unit 0 only
      "HwAdapterControl 0x10 0x0",  // ScsiAdapterSurpriseRemoval, before the stop
      "HwUnitControl 0x9 0x0"};     // ScsiUnitRemove
  EXPECT_EQ(calls, expected) << recorder.text().substr(0, 4000);
  // The miniport was told (nvm_pnp.c): its stop disabled the controller without the shutdown
  // notification of an orderly stop, CC.SHN (NVMe 1.4 3.1.5, bits 15:14), left 00b.
  const uint64_t cc = world_->device().MmioRead(0, 0x14, 4);
  EXPECT_EQ(cc & 1, 0u) << "CC.EN";
  EXPECT_EQ((cc >> 14) & 3, 0u) << "CC.SHN";
  ExpectClean();
}

TEST_P(RecoveryTest, DeviceVanishingMidIoFailsOutstandingRequests) {
  hba::FaultPlan plan;  // "at_step" knobs count Step() calls since the device was made
  plan.surprise_removal_at_step = 4;
  world_->device().SetFaultPlan(plan);
  const auto tags = WritesInFlight(10, 8);
  world_->RecoverFor(60);
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_TRUE(IsOneOf(world_->Completion(tag)->srb_status,
                        {SRB_STATUS_SUCCESS, SRB_STATUS_NO_HBA, SRB_STATUS_BUS_RESET}));
  }
  const uint64_t after = world_->Submit(cdb::Read10(0, 1, world_->block_size()));
  ++submitted_;
  world_->RecoverFor(60);
  ASSERT_NE(world_->Completion(after), nullptr);
  EXPECT_NE(world_->Completion(after)->srb_status, SRB_STATUS_SUCCESS);
  ExpectClean();
}

TEST_P(RecoveryTest, ControllerFatalStatusIsResetAndIoResumes) {
  hba::FaultPlan plan;
  plan.fatal_status_at_step = 6;
  world_->device().SetFaultPlan(plan);
  const auto tags = WritesInFlight(10, 9);
  world_->RecoverFor(60);
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_TRUE(IsOneOf(world_->Completion(tag)->srb_status,
                        {SRB_STATUS_SUCCESS, SRB_STATUS_BUS_RESET}));
  }
  ExpectIoWorks(10);
  ExpectClean();
}

INSTANTIATE_TEST_SUITE_P(SyncModes, RecoveryTest,
                         testing::Values("SyncMode=PerMessage;IoQueues=4", "SyncMode=All;IoQueues=4"),
                         [](const testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "PerMessage" : "SynchronizeAll");
                         });

}  // namespace
}  // namespace msirig::e2e
