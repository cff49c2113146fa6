// Adapter lifecycle and request flow through the port driver: what Storport sets up around the
// miniport (configuration, IRQL and locks per callback), DPCs, the timer, platform faults,
// completions, and determinism.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

STOR_DPC g_dpc;

TEST(Lifecycle, FindAdapterSeesLatchedForMessagesAndLevelSensitiveForTheLine) {
  for (uint32_t granted : {0u, 4u}) {
    ScriptedRig rig(MsiX(granted));
    KINTERRUPT_MODE mode = static_cast<KINTERRUPT_MODE>(7);
    ULONG length = 0;
    rig.miniport().find_adapter = [&](PVOID, PPORT_CONFIGURATION_INFORMATION config) {
      mode = config->InterruptMode;
      length = config->Length;
    };
    ASSERT_TRUE(rig.Start());
    EXPECT_EQ(mode, granted ? Latched : LevelSensitive);
    EXPECT_EQ(length, sizeof(PORT_CONFIGURATION_INFORMATION));
    EXPECT_EQ(rig.port().ConnectedMessages(rig.adapter()), granted);
  }
}

TEST(Lifecycle, EachCallbackRunsAtItsIrql) {
  ScriptedRig rig(MsiX(2));
  std::vector<std::pair<std::string, uint8_t>> seen;
  auto note = [&](const char* name) { seen.emplace_back(name, rig.port().Irql(0)); };
  rig.miniport().find_adapter = [&](PVOID, auto) { note("find"); };
  rig.miniport().initialize = [&](PVOID) {
    note("init");
    return TRUE;
  };
  rig.miniport().passive_initialize = [&](PVOID ext) {
    note("passive");
    StorPortInitializeDpc(ext, &g_dpc, ScriptedDpcRoutine);
    return TRUE;
  };
  rig.miniport().ms_isr = [&](PVOID ext, ULONG) {
    note("isr");
    StorPortIssueDpc(ext, &g_dpc, nullptr, nullptr);
    return TRUE;
  };
  rig.miniport().dpc = [&](PSTOR_DPC, PVOID, PVOID, PVOID) { note("dpc"); };
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    note("startio");
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().SignalMessage(rig.adapter(), 1);
  ASSERT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 1), Delivery::kDelivered);
  const std::vector<std::pair<std::string, uint8_t>> expected = {
      {"find", PASSIVE_LEVEL},     {"init", MessageDirql(1)}, {"passive", PASSIVE_LEVEL},
      {"startio", DISPATCH_LEVEL}, {"isr", MessageDirql(1)},  {"dpc", DISPATCH_LEVEL}};
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(rig.port().Irql(0), PASSIVE_LEVEL);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(Lifecycle, ATimerFiresOnceWhenVirtualTimeReachesIt) {
  ScriptedRig rig(MsiX(1));
  int fired = 0;
  rig.miniport().initialize = [](PVOID ext) {
    StorPortNotification(RequestTimerCall, ext, static_cast<PHW_TIMER>([](PVOID e) {
                           if (ScriptedMiniport::current->timer)
                             ScriptedMiniport::current->timer(e);
                         }),
                         ULONG{500});
    return TRUE;
  };
  rig.miniport().timer = [&](PVOID) { ++fired; };
  ASSERT_TRUE(rig.Start());
  rig.port().AdvanceTime(499'000);
  EXPECT_EQ(fired, 0);
  rig.port().AdvanceTime(1'000);
  EXPECT_EQ(fired, 1);
  rig.port().AdvanceTime(10'000'000);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(PlatformFaults, PassiveInitializationUnsupportedMeansNoPassiveRoutine) {
  PlatformConfig p = MsiX(1);
  p.faults.passive_init_unsupported = true;
  ScriptedRig rig(p);
  bool ran = false;
  rig.miniport().passive_initialize = [&](PVOID) {
    ran = true;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  EXPECT_FALSE(ran);
}

TEST(PlatformFaults, UncachedExtensionAndPoolAllocationsFail) {
  PlatformConfig p = MsiX(1);
  p.faults.uncached_extension_fails = true;
  p.faults.pool_fail_from_call = 2;
  ScriptedRig rig(p);
  PVOID uncached = reinterpret_cast<PVOID>(1);
  rig.miniport().find_adapter = [&](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
    uncached = StorPortGetUncachedExtension(ext, config, 4096);
  };
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(uncached, nullptr);
  PVOID first = nullptr, second = nullptr;
  EXPECT_EQ(StorPortAllocatePool(rig.extension(), 16, 'grsm', &first), STOR_STATUS_SUCCESS);
  EXPECT_EQ(StorPortAllocatePool(rig.extension(), 16, 'grsm', &second),
            STOR_STATUS_INSUFFICIENT_RESOURCES);
  EXPECT_EQ(second, nullptr);
  StorPortFreePool(rig.extension(), first);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(Requests, CompletionsKeepTheDataAndAreInSubmissionOrder) {
  ScriptedRig rig(MsiX(1));
  rig.miniport().start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    auto* bytes = static_cast<uint8_t*>(srb->DataBuffer);
    for (ULONG i = 0; i < srb->DataTransferLength; ++i) bytes[i] ^= 0xFF;
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  RequestSpec spec;
  spec.data = {1, 2, 3};
  rig.port().SubmitRequest(rig.adapter(), spec);
  rig.port().SubmitRequest(rig.adapter(), spec);
  const auto& done = rig.port().Completed(rig.adapter());
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].tag, 1u);
  EXPECT_EQ(done[1].tag, 2u);
  EXPECT_EQ(done[1].data, (std::vector<uint8_t>{0xFE, 0xFD, 0xFC}));
  EXPECT_EQ(done[1].srb_status, SRB_STATUS_SUCCESS);
}

TEST(Requests, ReleasedCompletionDataIsFreedForThatRangeOnly) {
  ScriptedRig rig(MsiX(1));
  rig.miniport().start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  RequestSpec spec;
  spec.data = {1, 2, 3};
  for (int i = 0; i < 3; ++i) rig.port().SubmitRequest(rig.adapter(), spec);
  rig.port().ReleaseCompletedData(rig.adapter(), 1, 2);
  rig.port().ReleaseCompletedData(rig.adapter(), 2, 99);  // past the end: up to the end
  const auto& done = rig.port().Completed(rig.adapter());
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].data, spec.data);
  EXPECT_TRUE(done[1].data.empty());
  EXPECT_TRUE(done[2].data.empty());
  EXPECT_EQ(done[1].data.capacity(), 0u) << "freed, not just cleared";
  EXPECT_EQ(done[2].tag, 3u) << "the rest of the record stays";
}

TEST(Requests, ALateCompletionAfterStorPortCompleteRequestIsADoubleCompletion) {
  ScriptedRig rig(MsiX(1));
  PSCSI_REQUEST_BLOCK kept = nullptr;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK srb) {
    kept = srb;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  StorPortCompleteRequest(rig.extension(), SP_UNTAGGED, SP_UNTAGGED, SP_UNTAGGED,
                          SRB_STATUS_BUS_RESET);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_BUS_RESET);
  EXPECT_EQ(rig.ViolationCount(), 0u);
  StorPortNotification(RequestComplete, rig.extension(), kept);  // the device finished it late
  EXPECT_TRUE(rig.Saw(Rule::kSrbDoubleCompletion)) << rig.Violations();
}

uint64_t RunOnce() {
  ScriptedRig rig(MsiX(4));
  rig.miniport().ms_isr = [](PVOID ext, ULONG message) {
    ULONG old_irql;
    StorPortAcquireMSISpinLock(ext, (message + 1) % 4, &old_irql);
    StorPortReleaseMSISpinLock(ext, (message + 1) % 4, old_irql);
    return TRUE;
  };
  EXPECT_TRUE(rig.Start());
  for (uint32_t i = 0; i < 20; ++i) {
    RequestSpec spec;
    spec.data.assign(i, static_cast<uint8_t>(i));
    rig.port().SubmitRequest(rig.adapter(), spec);
    rig.port().SignalMessage(rig.adapter(), i % 4);
    rig.OnCpu(i % 2, [&] { rig.port().DeliverInterrupt(rig.adapter(), i % 4); });
    rig.port().AdvanceTime(1000 * i);
  }
  return rig.port().TraceHash();
}

TEST(Determinism, TheSameRunGivesTheSameTraceHash) {
  const uint64_t first = RunOnce();
  EXPECT_EQ(RunOnce(), first);
  EXPECT_NE(first, 0u);
}

}  // namespace
}  // namespace msirig::sp

namespace msirig::sp {
namespace {

TEST(AdapterParameters, TheDriverParameterReachesHwFindAdapterAsItsArgumentString) {
  PlatformConfig p = MsiX(2);
  p.driver_parameter = "SyncMode=All;IoQueues=3";
  ScriptedRig rig(p);
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(rig.miniport().argument_string, "SyncMode=All;IoQueues=3");
}

TEST(AdapterControl, StopAndRestartRunAtDirqlHoldingTheInterruptLock) {
  ScriptedRig rig(MsiX(3));
  std::vector<std::tuple<int, uint8_t, size_t>> calls;  // type, IRQL, locks held
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    calls.emplace_back(type, rig.port().Irql(0), rig.port().LocksHeld(0));
    rig.port().SignalMessage(rig.adapter(), 0);
    rig.OnCpu(
        1, [&] { EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 0), Delivery::kWouldSpin); });
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kStopped);
  rig.OnCpu(1, [&] {  // a stopped adapter takes no interrupt
    EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 0), Delivery::kNotConnected);
  });
  ASSERT_TRUE(rig.port().RestartAdapter(rig.adapter()));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRunning);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_tuple(int{ScsiStopAdapter}, MessageDirql(2), size_t{1}));
  EXPECT_EQ(calls[1], std::make_tuple(int{ScsiRestartAdapter}, MessageDirql(2), size_t{1}));
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(AdapterControl, WithoutRestartSupportStorportFindsAndInitializesTheAdapterAgain) {
  ScriptedRig rig(MsiX(1));
  rig.miniport().supports_restart = false;
  int initializations = 0;
  rig.miniport().initialize = [&](PVOID) {
    ++initializations;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  ASSERT_TRUE(rig.port().RestartAdapter(rig.adapter()));
  EXPECT_EQ(initializations, 2);
}

TEST(AdapterControl, AFailedRestartFailsTheRequestsHeldAcrossTheStop) {
  ScriptedRig rig(MsiX(2));
  rig.miniport().adapter_control = [](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    return type == ScsiRestartAdapter ? ScsiAdapterControlUnsuccessful : ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // held while stopped
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_TRUE(rig.port().Completed(rig.adapter()).empty());
  EXPECT_FALSE(rig.port().RestartAdapter(rig.adapter()));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kFailed);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 2u);
  for (const auto& done : rig.port().Completed(rig.adapter()))
    EXPECT_EQ(done.srb_status, SRB_STATUS_NO_DEVICE);
  EXPECT_EQ(rig.port().Outstanding(rig.adapter()), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(ResetBus, HalfDuplexHoldsStartIoAndInterruptAndATimeoutTriggersIt) {
  ScriptedRig rig(MsiX(2));
  std::vector<std::pair<uint8_t, size_t>> resets;
  rig.miniport().start_io = [](PVOID, PSCSI_REQUEST_BLOCK) { return TRUE; };  // device "hangs"
  rig.miniport().reset_bus = [&](PVOID ext) {
    resets.emplace_back(rig.port().Irql(0), rig.port().LocksHeld(0));
    StorPortCompleteRequest(ext, SP_UNTAGGED, SP_UNTAGGED, SP_UNTAGGED, SRB_STATUS_BUS_RESET);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  RequestSpec spec;
  spec.timeout_seconds = 4;
  rig.port().SubmitRequest(rig.adapter(), spec);
  rig.port().AdvanceTime(3'999'999'999ull);
  EXPECT_TRUE(resets.empty());
  rig.port().AdvanceTime(1);
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0], std::make_pair(MessageDirql(1), size_t{2}));
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_BUS_RESET);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(SurpriseRemoval, FailsWhatTheMiniportHoldsAndEndsTheAdapter) {
  ScriptedRig rig(MsiX(2));
  PSCSI_REQUEST_BLOCK kept = nullptr;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK srb) {
    kept = srb;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_NO_DEVICE);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
  // A miniport that goes on using the adapter (a late completion) is reported.
  StorPortNotification(RequestComplete, rig.extension(), kept);
  EXPECT_TRUE(rig.Saw(Rule::kNotAnAdapter)) << rig.Violations();
}

// ScsiAdapterSurpriseRemoval (pnp.cc): on Windows 10, to a miniport that supports it, at
// PASSIVE_LEVEL with no lock held and Parameters NULL, after the units' removal notices and
// before the stop; interrupts still reach the ISR meanwhile, so a miniport that changes what its
// ISR reads must take InterruptLock itself, which here covers every message lock.
TEST(SurpriseRemoval, TheMiniportIsToldAtPassiveLevelWithNoLockBeforeTheStop) {
  ScriptedRig rig(MsiX(2));
  rig.miniport().supports_surprise_removal = true;
  std::vector<std::tuple<int, uint8_t, size_t>> calls;  // type, IRQL, locks held
  rig.miniport().adapter_control = [&](PVOID ext, SCSI_ADAPTER_CONTROL_TYPE type) {
    calls.emplace_back(type, rig.port().Irql(0), rig.port().LocksHeld(0));
    if (type == ScsiAdapterSurpriseRemoval) {
      rig.port().SignalMessage(rig.adapter(), 1);
      rig.OnCpu(1, [&] {
        EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 1), Delivery::kDelivered);
      });
      STOR_LOCK_HANDLE lock;
      StorPortAcquireSpinLock(ext, InterruptLock, nullptr, &lock);
      rig.port().SignalMessage(rig.adapter(), 1);
      rig.OnCpu(1, [&] {
        EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 1), Delivery::kWouldSpin);
      });
      StorPortReleaseSpinLock(ext, &lock);
    }
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_tuple(int{ScsiAdapterSurpriseRemoval}, PASSIVE_LEVEL, size_t{0}));
  EXPECT_EQ(calls[1], std::make_tuple(int{ScsiStopAdapter}, MessageDirql(1), size_t{1}));
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

// A restart from another CPU while the miniport handles the removal notice of a stopped adapter
// (found by a 30-minute schedule_fuzz run: the restart failed the adapter under the notice, whose
// release of InterruptLock then named no live adapter) is refused: PnP serializes the two.
TEST(SurpriseRemoval, ARestartDuringTheNoticeIsRefused) {
  ScriptedRig rig(MsiX(2));
  rig.miniport().supports_surprise_removal = true;
  std::vector<int> types;
  bool restarted = true;
  rig.miniport().adapter_control = [&](PVOID ext, SCSI_ADAPTER_CONTROL_TYPE type) {
    types.push_back(type);
    if (type == ScsiAdapterSurpriseRemoval) {
      STOR_LOCK_HANDLE lock;
      StorPortAcquireSpinLock(ext, InterruptLock, nullptr, &lock);
      rig.OnCpu(1, [&] { restarted = rig.port().RestartAdapter(rig.adapter()); });
      StorPortReleaseSpinLock(ext, &lock);
    }
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_FALSE(restarted);
  EXPECT_EQ(types, (std::vector<int>{ScsiStopAdapter, ScsiAdapterSurpriseRemoval}));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(SurpriseRemoval, TheNoticeNeedsWindows10ItsSupportAndAStartedAdapter) {
  for (const OsVersion os : {OsVersion::kWin8, OsVersion::kWin10}) {
    for (const bool supported : {false, true}) {
      PlatformConfig platform = MsiX(1);
      platform.os_version = os;
      ScriptedRig rig(platform);
      rig.miniport().supports_surprise_removal = supported;
      int notices = 0;
      rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
        notices += type == ScsiAdapterSurpriseRemoval;
        return ScsiAdapterControlSuccess;
      };
      ASSERT_TRUE(rig.Start());
      rig.port().SurpriseRemove(rig.adapter());
      EXPECT_EQ(notices, os == OsVersion::kWin10 && supported ? 1 : 0)
          << static_cast<int>(os) << " " << supported;
    }
  }
  // A stopped adapter is told too; one whose start failed is not.
  {
    ScriptedRig stopped(MsiX(1));
    stopped.miniport().supports_surprise_removal = true;
    std::vector<int> types;
    stopped.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
      types.push_back(type);
      return ScsiAdapterControlSuccess;
    };
    ASSERT_TRUE(stopped.Start());
    ASSERT_TRUE(stopped.port().StopAdapter(stopped.adapter()));
    stopped.port().SurpriseRemove(stopped.adapter());
    EXPECT_EQ(types, (std::vector<int>{ScsiStopAdapter, ScsiAdapterSurpriseRemoval}));
  }
  ScriptedRig failed(MsiX(1));
  failed.miniport().supports_surprise_removal = true;
  failed.miniport().initialize = [](PVOID) { return FALSE; };
  int notices = 0;
  failed.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE) {
    ++notices;
    return ScsiAdapterControlSuccess;
  };
  EXPECT_FALSE(failed.Start());
  failed.port().SurpriseRemove(failed.adapter());
  EXPECT_EQ(notices, 0);
}

// A second removal from another CPU while the miniport handles the first one's notice (the
// fuzzer's schedules reach it) does not run the removal again.
TEST(SurpriseRemoval, ASecondRemovalDuringTheNoticeIsNotRunAgain) {
  ScriptedRig rig(MsiX(2));
  rig.miniport().supports_surprise_removal = true;
  std::vector<int> types;
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    types.push_back(type);
    if (type == ScsiAdapterSurpriseRemoval)
      rig.OnCpu(1, [&] { rig.port().SurpriseRemove(rig.adapter()); });
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_EQ(types, (std::vector<int>{ScsiAdapterSurpriseRemoval, ScsiStopAdapter}));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

}  // namespace
}  // namespace msirig::sp
