// Storport's queue in front of the miniport (queue_gate.cc): SRB_STATUS_BUSY is retried, not
// final; StorPortBusy / StorPortReady and StorPortPause / StorPortResume hold and release I/O.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <vector>

#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

// HwStartIo keeps every request it is given (completed later by the test), and counts the calls.
struct Keeper {
  std::vector<PSCSI_REQUEST_BLOCK> kept;
  int calls = 0;
  void Install(ScriptedRig& rig) {
    rig.miniport().start_io = [this](PVOID, PSCSI_REQUEST_BLOCK srb) {
      ++calls;
      kept.push_back(srb);
      return TRUE;
    };
  }
  void Complete(ScriptedRig& rig, size_t index, UCHAR status = SRB_STATUS_SUCCESS) {
    kept.at(index)->SrbStatus = status;
    StorPortNotification(RequestComplete, rig.extension(), kept.at(index));
  }
};

TEST(BusyCompletion, IsResubmittedToHwStartIoNotCompletedToTheClassDriver) {
  ScriptedRig rig(MsiX(2));
  int calls = 0;
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    srb->SrbStatus = ++calls == 1 ? SRB_STATUS_BUSY : SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  const uint64_t tag = rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().RunDpcs();
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].tag, tag);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(BusyCompletion, WaitsForAnotherCompletionWhileTheMiniportHoldsRequests) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // kept: kept[0]
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // kept[1], completed busy below
  ASSERT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 1, SRB_STATUS_BUSY);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2) << "resubmitted before the adapter completed anything";
  EXPECT_TRUE(rig.port().Completed(rig.adapter()).empty());
  keeper.Complete(rig, 0);
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 3);
  EXPECT_EQ(keeper.kept[2], keeper.kept[1]) << "the same SRB comes back";
  keeper.Complete(rig, 2);
  EXPECT_EQ(rig.port().Completed(rig.adapter()).size(), 2u);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(BusyCompletion, IsFinalAfterTheRetriesRunOut) {
  ScriptedRig rig(MsiX(2));
  int calls = 0;
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    ++calls;
    srb->SrbStatus = SRB_STATUS_BUSY;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().RunDpcs();
  EXPECT_EQ(calls, 9);  // the first try and eight retries (decision, queue_gate.cc)
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_BUSY);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortBusy, HoldsNewRequestsUntilThatManyComplete) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  for (int i = 0; i < 3; ++i) rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_TRUE(StorPortBusy(rig.extension(), 2));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 3) << "a request reached HwStartIo while the adapter was busy";
  keeper.Complete(rig, 0);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 3);
  keeper.Complete(rig, 1);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 4);
  keeper.Complete(rig, 2);
  keeper.Complete(rig, 3);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortBusy, MoreThanAreOutstandingMeansAllOfThem) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_TRUE(StorPortBusy(rig.extension(), 50));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_EQ(keeper.calls, 1);
  keeper.Complete(rig, 0);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 1);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortReady, EndsABusyAdapterAtOnce) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_TRUE(StorPortBusy(rig.extension(), 1));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_EQ(keeper.calls, 1);
  EXPECT_TRUE(StorPortReady(rig.extension()));
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 0);
  keeper.Complete(rig, 1);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

RequestSpec ToUnit(UCHAR target_id, UCHAR lun = 0) {
  RequestSpec spec;
  spec.target_id = target_id;
  spec.lun = lun;
  return spec;
}

TEST(StorPortDeviceBusy, HoldsThatUnitsRequestsUntilThatManyOfItsOwnComplete) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));  // kept[0]
  rig.port().SubmitRequest(rig.adapter(), ToUnit(1));  // kept[1]
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));  // kept[2]
  EXPECT_TRUE(StorPortDeviceBusy(rig.extension(), 0, 0, 0, 2));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));  // held
  rig.port().SubmitRequest(rig.adapter(), ToUnit(1));  // another unit: kept[3]
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 4) << "the busy unit's request went on, or the other unit's did not";
  EXPECT_EQ(keeper.kept[3]->TargetId, 1);
  keeper.Complete(rig, 1);  // the other unit's completions do not count
  keeper.Complete(rig, 0);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 4);
  keeper.Complete(rig, 2);
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 5);
  EXPECT_EQ(keeper.kept[4]->TargetId, 0);
  keeper.Complete(rig, 3);
  keeper.Complete(rig, 4);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortDeviceBusy, WithNothingOfThatUnitsOutstandingTheUnitStaysReady) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), ToUnit(1));
  EXPECT_TRUE(StorPortDeviceBusy(rig.extension(), 0, 0, 0, 4));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));
  EXPECT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 0);
  keeper.Complete(rig, 1);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortDeviceReady, EndsABusyUnitAtOnce) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0, 1));
  EXPECT_TRUE(StorPortDeviceBusy(rig.extension(), 0, 0, 1, 1));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0, 1));
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 1);
  EXPECT_TRUE(StorPortDeviceReady(rig.extension(), 0, 0, 0)) << "another unit";
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 1);
  EXPECT_TRUE(StorPortDeviceReady(rig.extension(), 0, 0, 1));
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 0);
  keeper.Complete(rig, 1);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

// A unit the miniport leaves busy with a request of its own that never completes: the
// end-of-run report counts the held request with the miniport's one (the executor's
// CheckResourcesSettled, which would call it a rig error, is tested in executor_test.cc).
TEST(StorPortDeviceBusy, ARequestHeldForABusyUnitAtTheEndIsReportedWithTheMiniports) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));
  EXPECT_TRUE(StorPortDeviceBusy(rig.extension(), 0, 0, 0, 1));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));
  rig.port().RunDpcs();
  rig.port().CheckEndOfRun("");
  EXPECT_NE(rig.Violations().find("2 request(s) never completed (first: tag 1)"), std::string::npos)
      << rig.Violations();
}

TEST(StorPortPauseDevice, HoldsThatUnitsRequestsUntilItsTimeOutOrResume) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  EXPECT_TRUE(StorPortPauseDevice(rig.extension(), 0, 1, 0, 2));  // seconds
  EXPECT_TRUE(StorPortPauseDevice(rig.extension(), 0, 2, 0, 2));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(1));  // held
  rig.port().SubmitRequest(rig.adapter(), ToUnit(2));  // held
  rig.port().SubmitRequest(rig.adapter(), ToUnit(0));  // passes
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 1);
  EXPECT_EQ(rig.port().PauseEndsNs(rig.adapter()), std::optional<uint64_t>(2'000'000'000ull));
  EXPECT_TRUE(StorPortResumeDevice(rig.extension(), 0, 2, 0));
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 2);
  EXPECT_EQ(keeper.kept[1]->TargetId, 2);
  rig.port().AdvanceTime(1'999'999'999);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2);
  rig.port().AdvanceTime(1);
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 3);
  EXPECT_EQ(keeper.kept[2]->TargetId, 1);
  EXPECT_EQ(rig.port().PauseEndsNs(rig.adapter()), std::nullopt);
  for (size_t i = 0; i < 3; ++i) keeper.Complete(rig, i);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortSetDeviceQueueDepth, TheUnitNeverHasMoreWithTheMiniportThanItsDepth) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  EXPECT_FALSE(StorPortSetDeviceQueueDepth(rig.extension(), 0, 0, 0, 0)) << "the page: > 0";
  EXPECT_TRUE(StorPortSetDeviceQueueDepth(rig.extension(), 0, 0, 0, 2));
  for (int i = 0; i < 4; ++i) rig.port().SubmitRequest(rig.adapter(), ToUnit(0));
  rig.port().SubmitRequest(rig.adapter(), ToUnit(1));  // another unit: its own queue
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 3);
  EXPECT_EQ(keeper.kept[2]->TargetId, 1);
  keeper.Complete(rig, 0);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 4) << "one completion lets one more in";
  EXPECT_TRUE(StorPortSetDeviceQueueDepth(rig.extension(), 0, 0, 0, 8));
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 5) << "a deeper queue lets the rest in";
  for (size_t i = 1; i < 5; ++i) keeper.Complete(rig, i);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

// How many requests of one unit the miniport gets before the next waits, with `configure`
// setting up PORT_CONFIGURATION_INFORMATION in HwFindAdapter (and `set_depth`, when non-zero,
// given to StorPortSetDeviceQueueDepth once started). Checks that one completion lets the next in.
int UnitDepth(const std::function<void(PPORT_CONFIGURATION_INFORMATION)>& configure,
              ULONG set_depth = 0) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  rig.miniport().find_adapter = [&](PVOID, PPORT_CONFIGURATION_INFORMATION config) {
    configure(config);
  };
  EXPECT_TRUE(rig.Start());
  if (set_depth != 0) EXPECT_TRUE(StorPortSetDeviceQueueDepth(rig.extension(), 0, 0, 0, set_depth));
  constexpr int kSubmitted = 300;
  for (int i = 0; i < kSubmitted; ++i) rig.port().SubmitRequest(rig.adapter(), ToUnit(0));
  rig.port().RunDpcs();
  const int depth = keeper.calls;
  size_t done = 0;
  if (depth < kSubmitted) {
    keeper.Complete(rig, done++);
    rig.port().RunDpcs();
    EXPECT_EQ(keeper.calls, depth + 1) << "one completion lets one more in";
  }
  while (done < keeper.kept.size()) {  // each completion lets the next held one in
    keeper.Complete(rig, done++);
    rig.port().RunDpcs();
  }
  EXPECT_EQ(keeper.calls, kSubmitted);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
  return depth;
}

// The default depth (the StorPortSetDeviceQueueDepth page, 2014 edition): InitialLunQueueDepth,
// else MaxIOsPerLun, else 250 for a virtual miniport and 20 for a physical one; never more than
// 255 without extended SRBs (Storport Queue Management page).
TEST(StorPortSetDeviceQueueDepth, TheDefaultDepthComesFromTheAdaptersConfiguration) {
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION) {}), 20) << "a physical miniport";
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION c) { c->VirtualDevice = TRUE; }), 250);
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION c) { c->MaxIOsPerLun = 7; }), 7);
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION c) {
              c->MaxIOsPerLun = 7;
              c->InitialLunQueueDepth = 3;
            }),
            3)
      << "InitialLunQueueDepth first";
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION c) { c->MaxIOsPerLun = 1000; }), 255);
}

TEST(StorPortSetDeviceQueueDepth, ReplacesTheDefaultUpTo255) {
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION) {}, 30), 30) << "over the default 20";
  EXPECT_EQ(UnitDepth([](PPORT_CONFIGURATION_INFORMATION c) { c->MaxIOsPerLun = 100; }, 1000), 255);
}

TEST(StorPortPause, HoldsRequestsUntilTheTimeOutExpires) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  EXPECT_TRUE(StorPortPause(rig.extension(), 2));  // seconds
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 0);
  rig.port().AdvanceTime(1'999'999'999);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 0);
  rig.port().AdvanceTime(1);
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 1);
  keeper.Complete(rig, 0);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortResume, EndsAPauseBeforeItsTimeOut) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  EXPECT_TRUE(StorPortPause(rig.extension(), 60));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_EQ(keeper.calls, 0);
  EXPECT_TRUE(StorPortResume(rig.extension()));
  rig.port().RunDpcs();
  EXPECT_EQ(keeper.calls, 2);
  keeper.Complete(rig, 0);
  keeper.Complete(rig, 1);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 2u);
  EXPECT_LT(rig.port().Completed(rig.adapter())[0].tag, rig.port().Completed(rig.adapter())[1].tag)
      << "held requests start in submission order";
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StorPortPauseDeathTest, RequestsStillHeldAtTheEndOfTheRunNeverCompleted) {
  PortOptions options;
  options.verifier_mode = VerifierMode::kAbort;
  ScriptedRig rig(MsiX(2), options);
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  EXPECT_TRUE(StorPortPause(rig.extension(), 60));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_EQ(keeper.calls, 0);
  ASSERT_EQ(rig.port().PauseEndsNs(rig.adapter()), std::optional<uint64_t>(60'000'000'000ull));
  EXPECT_DEATH(rig.port().CheckEndOfRun("device idle"),
               "violation RequestsOutstanding: 1 request\\(s\\) never completed(.|\n)*"
               "msirig: place: .* request, adapter running, held by Storport\n");
}

// Request 1 waits in Storport's queue (completed BUSY) because the miniport still holds request
// 2, which it lost: the finding's place is the lost request's, not the held one's.
TEST(StorPortPauseDeathTest, TheFirstRequestOfTheReportIsTheMiniportsWhenItHoldsAny) {
  PortOptions options;
  options.verifier_mode = VerifierMode::kAbort;
  ScriptedRig rig(MsiX(2), options);
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  keeper.Complete(rig, 0, SRB_STATUS_BUSY);
  rig.port().RunDpcs();
  ASSERT_EQ(keeper.calls, 2) << "held until the miniport completes another";
  EXPECT_DEATH(rig.port().CheckEndOfRun("device idle"),
               "violation RequestsOutstanding: 2 request\\(s\\) never completed \\(first: tag "
               "2\\)(.|\n)*msirig: place: .* request, adapter running, device idle\n");
}

TEST(StorPortPause, PausesOfTheLongestTimeOutSaturateVirtualTime) {
  ScriptedRig rig(MsiX(2));
  Keeper keeper;
  keeper.Install(rig);
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // started: the miniport keeps it
  for (int pause = 0; pause < 6; ++pause) {
    EXPECT_TRUE(StorPortPause(rig.extension(), 0xFFFFFFFFu));
    rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // held
    const std::optional<uint64_t> end = rig.port().PauseEndsNs(rig.adapter());
    if (!end) break;  // the clock reached its end: no pause holds anything after it
    const uint64_t now = rig.port().NowNanoseconds();
    ASSERT_GT(*end, now) << "pause " << pause;
    rig.port().AdvanceTime(*end - now);
    rig.port().RunDpcs();
    ASSERT_GE(rig.port().NowNanoseconds(), now) << "virtual time went backwards";
  }
  rig.port().AdvanceTime(1'000'000'000ull);
  EXPECT_EQ(rig.port().NowNanoseconds(), UINT64_MAX);
}

TEST(QueueGate, ANonAdapterExtensionIsFalseAndAViolation) {
  ScriptedRig rig(MsiX(2));
  ASSERT_TRUE(rig.Start());
  char stale[64] = {};
  EXPECT_FALSE(StorPortBusy(stale, 1));
  EXPECT_FALSE(StorPortPause(stale, 1));
  EXPECT_TRUE(rig.Saw(Rule::kNotAnAdapter));
}

}  // namespace
}  // namespace msirig::sp
