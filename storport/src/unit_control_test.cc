// HwUnitControl: the support query after the adapter starts, a unit's start before its first
// request that is not a bus scan's, and the units' removal with a surprise-removed adapter
// (unit_control.cc; HW_UNIT_CONTROL and SCSI_UNIT_CONTROL_TYPE pages).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "asan_poison.h"  // MSIRIG_ASAN_BUILD
#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

// One HwUnitControl call as the miniport saw it.
struct Call {
  SCSI_UNIT_CONTROL_TYPE type;
  uint8_t irql;
  uint32_t lu = ~0u;  // path << 16 | target << 8 | lun, for the calls that name a unit
  bool operator==(const Call&) const = default;
};

// A miniport supporting the query and `supported`, recording every call (and, for the other
// callbacks, their names into `order`).
struct Recorder {
  std::vector<Call> calls;
  std::vector<std::string> order;
  ULONG max_control_type = 0;
  SCSI_UNIT_CONTROL_STATUS start_status = ScsiUnitControlSuccess;

  void Install(ScriptedRig& rig, std::vector<SCSI_UNIT_CONTROL_TYPE> supported) {
    rig.miniport().unit_control = [this, &rig, supported](PVOID, SCSI_UNIT_CONTROL_TYPE type,
                                                          PVOID parameters) {
      Call call{type, rig.port().Irql(0)};
      if (type == ScsiQuerySupportedUnitControlTypes) {
        auto* list = static_cast<PSCSI_SUPPORTED_CONTROL_TYPE_LIST>(parameters);
        max_control_type = list->MaxControlType;
        for (ULONG t = 0; t < list->MaxControlType; ++t) {
          EXPECT_FALSE(list->SupportedTypeList[t]) << "the port initializes each to FALSE";
          list->SupportedTypeList[t] = t == ScsiQuerySupportedUnitControlTypes;
        }
        for (SCSI_UNIT_CONTROL_TYPE t : supported) list->SupportedTypeList[t] = TRUE;
      } else {
        const auto* address = static_cast<const STOR_ADDR_BTL8*>(parameters);
        EXPECT_EQ(address->Type, STOR_ADDRESS_TYPE_BTL8);
        EXPECT_EQ(address->AddressLength, STOR_ADDR_BTL8_ADDRESS_LENGTH);
        call.lu = (uint32_t{address->Path} << 16) | (uint32_t{address->Target} << 8) | address->Lun;
        order.push_back(type == ScsiUnitStart    ? "start"
                        : type == ScsiUnitRemove ? "remove"
                                                 : "surprise");
      }
      calls.push_back(call);
      return type == ScsiUnitStart ? start_status : ScsiUnitControlSuccess;
    };
  }
};

RequestSpec Command(UCHAR opcode, UCHAR target = 0, UCHAR lun = 0) {
  RequestSpec spec;
  spec.cdb[0] = opcode;
  spec.cdb_length = 6;
  spec.target_id = target;
  spec.lun = lun;
  return spec;
}

TEST(UnitControl, TheSupportQueryComesOnceAfterTheAdapterStartsAtPassiveLevel) {
  ScriptedRig rig(MsiX(2));
  Recorder recorder;
  recorder.Install(rig, {});
  bool initialized = false;
  rig.miniport().initialize = [&](PVOID) {
    EXPECT_TRUE(recorder.calls.empty()) << "not before HwInitialize";
    initialized = true;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  ASSERT_TRUE(initialized);
  EXPECT_EQ(recorder.calls,
            (std::vector<Call>{{ScsiQuerySupportedUnitControlTypes, PASSIVE_LEVEL}}));
  EXPECT_EQ(recorder.max_control_type, static_cast<ULONG>(ScsiUnitControlMax));
  // Nothing more is supported: requests and a surprise removal make no further calls.
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_EQ(recorder.calls.size(), 1u);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(UnitControl, NotCalledBeforeWindows8) {
  PlatformConfig platform = MsiX(2);
  platform.os_version = OsVersion::kWin7;
  ScriptedRig rig(platform);
  Recorder recorder;
  recorder.Install(rig, {ScsiUnitStart, ScsiUnitRemove, ScsiUnitSurpriseRemoval});
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_TRUE(recorder.calls.empty());
}

TEST(UnitControl, AUnitStartsOnceBeforeItsFirstRequestThatIsNotABusScan) {
  ScriptedRig rig(MsiX(2));
  Recorder recorder;
  recorder.Install(rig, {ScsiUnitStart});
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    recorder.order.push_back("startio " + std::to_string(srb->Cdb[0]));
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_INQUIRY));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_REPORT_LUNS));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_TEST_UNIT_READY, 1, 3));
  const std::vector<std::string> order = {"startio 18", "startio 160", "start",    "startio 37",
                                          "startio 37", "start",       "startio 0"};
  EXPECT_EQ(recorder.order, order);
  ASSERT_EQ(recorder.calls.size(), 3u);
  EXPECT_EQ(recorder.calls[1], (Call{ScsiUnitStart, PASSIVE_LEVEL, 0}));
  EXPECT_EQ(recorder.calls[2], (Call{ScsiUnitStart, PASSIVE_LEVEL, (1u << 8) | 3}));
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(UnitControl, AFailedStartIsNotTriedAgainAndTheRequestsStillReachTheMiniport) {
  ScriptedRig rig(MsiX(1));
  Recorder recorder;
  recorder.start_status = ScsiUnitControlUnsuccessful;
  recorder.Install(rig, {ScsiUnitStart, ScsiUnitRemove, ScsiUnitSurpriseRemoval});
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  const auto& done = rig.port().Completed(rig.adapter());
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1].srb_status, SRB_STATUS_SUCCESS);  // the scripted HwStartIo's
  // A unit that never started is not removed either.
  rig.port().SurpriseRemove(rig.adapter());
  EXPECT_EQ(recorder.order, (std::vector<std::string>{"start"}));
}

TEST(UnitControl, ASurpriseRemovalRemovesEveryStartedUnitAroundTheAdapterStop) {
  ScriptedRig rig(MsiX(2));
  Recorder recorder;
  recorder.Install(rig, {ScsiUnitStart, ScsiUnitRemove, ScsiUnitSurpriseRemoval});
  std::vector<PSCSI_REQUEST_BLOCK> kept;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK srb) {
    kept.push_back(srb);
    return TRUE;
  };
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    recorder.order.push_back(type == ScsiStopAdapter ? "stop" : "adapter control");
    return ScsiAdapterControlSuccess;
  };
  // The miniport completes unit 0's request itself when that unit is surprise-removed (a real
  // pattern), at PASSIVE_LEVEL; Storport fails the other one after the stop.
  auto query = rig.miniport().unit_control;
  rig.miniport().unit_control = [&](PVOID ext, SCSI_UNIT_CONTROL_TYPE type, PVOID parameters) {
    const SCSI_UNIT_CONTROL_STATUS status = query(ext, type, parameters);
    if (type == ScsiUnitSurpriseRemoval &&
        static_cast<const STOR_ADDR_BTL8*>(parameters)->Target == 0) {
      kept.front()->SrbStatus = SRB_STATUS_ABORTED;  // unit 0's request, the first one
      StorPortNotification(RequestComplete, ext, kept.front());
    }
    return status;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY, 0, 0));
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY, 2, 0));
  rig.port().SurpriseRemove(rig.adapter());
  const std::vector<std::string> order = {"start", "start",  "surprise", "surprise",
                                          "stop",  "remove", "remove"};
  EXPECT_EQ(recorder.order, order);
  ASSERT_EQ(recorder.calls.size(), 7u);
  EXPECT_EQ(recorder.calls[3], (Call{ScsiUnitSurpriseRemoval, PASSIVE_LEVEL, 0}));
  EXPECT_EQ(recorder.calls[4], (Call{ScsiUnitSurpriseRemoval, PASSIVE_LEVEL, 2u << 8}));
  EXPECT_EQ(recorder.calls[6], (Call{ScsiUnitRemove, PASSIVE_LEVEL, 2u << 8}));
  const auto& done = rig.port().Completed(rig.adapter());
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].srb_status, SRB_STATUS_ABORTED);
  EXPECT_EQ(done[1].srb_status, SRB_STATUS_NO_DEVICE);
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

// The adapter surprise-removed on another CPU while a unit's start is still in the miniport
// (the fuzzer's schedules reach this): the unit never counted as started, so nothing is removed
// for it, and the start's result is not written into the emptied list.
TEST(UnitControl, ARemovalWhileAUnitStartsRemovesNothingForIt) {
  ScriptedRig rig(MsiX(2));
  Recorder recorder;
  recorder.Install(rig, {ScsiUnitStart, ScsiUnitRemove, ScsiUnitSurpriseRemoval});
  auto record = rig.miniport().unit_control;
  rig.miniport().unit_control = [&](PVOID ext, SCSI_UNIT_CONTROL_TYPE type, PVOID parameters) {
    const SCSI_UNIT_CONTROL_STATUS status = record(ext, type, parameters);
    if (type == ScsiUnitStart) rig.OnCpu(1, [&] { rig.port().SurpriseRemove(rig.adapter()); });
    return status;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
  EXPECT_EQ(recorder.order, (std::vector<std::string>{"start"}));
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRemoved);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_NO_DEVICE);
}

TEST(UnitControlDeathTest, AMiniportSettingAnEntryPastMaxControlTypeOverflowsTheList) {
#ifndef MSIRIG_ASAN_BUILD
  GTEST_SKIP() << "AddressSanitizer: asan preset only";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ScriptedRig rig(MsiX(1));
        rig.miniport().unit_control = [](PVOID, SCSI_UNIT_CONTROL_TYPE type, PVOID parameters) {
          if (type == ScsiQuerySupportedUnitControlTypes) {
            auto* list = static_cast<PSCSI_SUPPORTED_CONTROL_TYPE_LIST>(parameters);
            list->SupportedTypeList[list->MaxControlType] = TRUE;  // one too far
          }
          return ScsiUnitControlSuccess;
        };
        rig.Start();
      },
      "heap-buffer-overflow");
#endif
}

TEST(UnitControlDeathTest, AMiniportKeepingTheUnitAddressUsesFreedMemory) {
#ifndef MSIRIG_ASAN_BUILD
  GTEST_SKIP() << "AddressSanitizer: asan preset only";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ScriptedRig rig(MsiX(1));
        const STOR_ADDR_BTL8* kept = nullptr;
        rig.miniport().unit_control = [&](PVOID, SCSI_UNIT_CONTROL_TYPE type, PVOID parameters) {
          if (type == ScsiQuerySupportedUnitControlTypes) {
            static_cast<PSCSI_SUPPORTED_CONTROL_TYPE_LIST>(parameters)
                ->SupportedTypeList[ScsiUnitStart] = TRUE;
          } else {
            kept = static_cast<const STOR_ADDR_BTL8*>(parameters);
          }
          return ScsiUnitControlSuccess;
        };
        rig.Start();
        rig.port().SubmitRequest(rig.adapter(), Command(SCSIOP_READ_CAPACITY));
        volatile UCHAR lun = kept->Lun;
        (void)lun;
      },
      "heap-use-after-free");
#endif
}

}  // namespace
}  // namespace msirig::sp
