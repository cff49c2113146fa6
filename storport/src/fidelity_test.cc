// Port-driver fidelity: the stop quiesces I/O first, DPCs queued below DISPATCH_LEVEL run at
// once, retired SRBs and freed pool are never reused within a run, oversize allocations fail
// the way Storport fails them, and violation texts name addresses, never print them.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "asan_poison.h"  // MSIRIG_ASAN_BUILD
#include "port_state.h"
#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

STOR_DPC g_dpc;

// --- (a) ScsiStopAdapter only once no request is outstanding ---

TEST(StopQuiesces, TheInterruptThatCompletesTheLastRequestRunsBeforeTheStop) {
  ScriptedRig rig(MsiX(2));
  PSCSI_REQUEST_BLOCK kept = nullptr;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK srb) {
    kept = srb;  // the device completes it later, with message 0
    Port::Current()->SignalMessage(0, 0);
    return TRUE;
  };
  rig.miniport().ms_isr = [&](PVOID ext, ULONG) {
    if (kept != nullptr) {
      kept->SrbStatus = SRB_STATUS_SUCCESS;
      StorPortNotification(RequestComplete, ext, kept);
      kept = nullptr;
    }
    return TRUE;
  };
  std::vector<size_t> outstanding_at_stop;
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    if (type == ScsiStopAdapter) outstanding_at_stop.push_back(rig.port().Outstanding(0));
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  EXPECT_EQ(outstanding_at_stop, std::vector<size_t>{0});
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 1u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].srb_status, SRB_STATUS_SUCCESS);
  rig.port().CheckEndOfRun();
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(StopQuiesces, AHungRequestTimesOutAndTheResetCompletesItBeforeTheStop) {
  ScriptedRig rig(MsiX(1));
  rig.miniport().start_io = [](PVOID, PSCSI_REQUEST_BLOCK) { return TRUE; };  // device hangs
  int resets = 0;
  rig.miniport().reset_bus = [&](PVOID ext) {
    ++resets;
    StorPortCompleteRequest(ext, SP_UNTAGGED, SP_UNTAGGED, SP_UNTAGGED, SRB_STATUS_BUS_RESET);
    return TRUE;
  };
  std::vector<size_t> outstanding_at_stop;
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    if (type == ScsiStopAdapter) outstanding_at_stop.push_back(rig.port().Outstanding(0));
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  RequestSpec spec;
  spec.timeout_seconds = 5;
  rig.port().SubmitRequest(rig.adapter(), spec);
  ASSERT_TRUE(rig.port().StopAdapter(rig.adapter()));
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(outstanding_at_stop, std::vector<size_t>{0});
  EXPECT_GE(rig.port().NowNanoseconds(), 5'000'000'000ull);
}

TEST(StopQuiesces, ARequestThatNeverCompletesMeansNoStopAndNewIoIsHeldMeanwhile) {
  ScriptedRig rig(MsiX(1));
  int started = 0;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK) {
    ++started;
    return TRUE;  // never completed, not even by HwResetBus
  };
  bool stopped = false;
  rig.miniport().adapter_control = [&](PVOID, SCSI_ADAPTER_CONTROL_TYPE type) {
    stopped |= type == ScsiStopAdapter;
    return ScsiAdapterControlSuccess;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_FALSE(rig.port().StopAdapter(rig.adapter()));
  EXPECT_FALSE(stopped);
  EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kRunning);
  EXPECT_EQ(started, 1);
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});  // the queue runs again
  EXPECT_EQ(started, 2);
}

// --- (b) a DPC queued below DISPATCH_LEVEL runs at once ---

TEST(Dpcs, ADpcIssuedAtPassiveLevelRunsBeforeStorPortIssueDpcReturns) {
  ScriptedRig rig(MsiX(1));
  int ran = 0;
  int ran_when_issue_returned = -1;
  uint8_t dpc_irql = 0;
  rig.miniport().passive_initialize = [&](PVOID ext) {
    StorPortInitializeDpc(ext, &g_dpc, ScriptedDpcRoutine);
    StorPortIssueDpc(ext, &g_dpc, nullptr, nullptr);
    ran_when_issue_returned = ran;
    return TRUE;
  };
  rig.miniport().dpc = [&](PSTOR_DPC, PVOID, PVOID, PVOID) {
    ++ran;
    dpc_irql = rig.port().Irql(0);
  };
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(ran_when_issue_returned, 1);
  EXPECT_EQ(dpc_irql, DISPATCH_LEVEL);
  EXPECT_EQ(rig.port().QueuedDpcs(0), 0u);
  EXPECT_EQ(rig.port().Irql(0), PASSIVE_LEVEL);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

// --- (d) retired SRBs stay allocated (and poisoned) until the run ends ---

TEST(RetiredSrbs, NoSrbAddressIsReusedWithinARunSoALateCompletionIsAlwaysADoubleCompletion) {
  ScriptedRig rig(MsiX(1));
  std::vector<PSCSI_REQUEST_BLOCK> seen;
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    seen.push_back(srb);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  for (int i = 0; i < 64; ++i) rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  ASSERT_EQ(seen.size(), 64u);
  EXPECT_EQ(std::set<PSCSI_REQUEST_BLOCK>(seen.begin(), seen.end()).size(), 64u);
  // The first SRB, completed long ago, completed again: named by its tag in every build.
  StorPortNotification(RequestComplete, rig.extension(), seen.front());
  ASSERT_EQ(rig.ViolationCount(), 1u) << rig.Violations();
  EXPECT_TRUE(rig.Saw(Rule::kSrbDoubleCompletion));
  EXPECT_NE(rig.Violations().find("SRB tag 1 completed again"), std::string::npos)
      << rig.Violations();
}

TEST(RetiredSrbsDeathTest, AMiniportTouchingARetiredSrbIsAUseAfterPoison) {
#ifndef MSIRIG_ASAN_BUILD
  GTEST_SKIP() << "AddressSanitizer poisoning: asan preset only";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ScriptedRig rig(MsiX(1));
        PSCSI_REQUEST_BLOCK kept = nullptr;
        rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
          kept = srb;
          srb->SrbStatus = SRB_STATUS_SUCCESS;
          StorPortNotification(RequestComplete, ext, srb);
          return TRUE;
        };
        rig.Start();
        rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
        volatile UCHAR status = kept->SrbStatus;
        (void)status;
      },
      "use-after-poison");
#endif
}

// A large retired data buffer keeps its address and its poison but gives its whole pages back
// (asan_poison.h, ReleaseRetiredPages); a small one keeps its pages.
TEST(RetiredSrbs, ALargeRetiredBufferIsStillPoisonedButNoLongerResident) {
#ifndef MSIRIG_ASAN_BUILD
  GTEST_SKIP() << "AddressSanitizer: asan preset only";
#else
  ScriptedRig rig(MsiX(1));
  std::vector<const uint8_t*> buffers;
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    buffers.push_back(static_cast<const uint8_t*>(srb->DataBuffer));
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  const long page = sysconf(_SC_PAGESIZE);
  // Whether every whole page of [data, data + length) is resident / none is (mincore).
  auto resident_pages = [&](const uint8_t* data, size_t length) {
    const auto start = reinterpret_cast<uintptr_t>(data);
    const uintptr_t begin = (start + page - 1) / page * page;
    const uintptr_t end = (start + length) / page * page;
    std::vector<unsigned char> pages((end - begin) / page);
    EXPECT_EQ(mincore(reinterpret_cast<void*>(begin), end - begin, pages.data()), 0);
    size_t count = 0;
    for (unsigned char p : pages) count += p & 1;
    return std::make_pair(count, pages.size());
  };
  RequestSpec large;
  large.data.assign(256 * 1024, 0x5a);
  RequestSpec small;
  small.data.assign(kRetiredReleaseBytes - 1, 0x5a);
  rig.port().SubmitRequest(rig.adapter(), large);
  rig.port().SubmitRequest(rig.adapter(), small);
  ASSERT_EQ(buffers.size(), 2u);
  ASSERT_EQ(rig.port().Completed(rig.adapter()).size(), 2u);
  EXPECT_EQ(rig.port().Completed(rig.adapter())[0].data, large.data) << "judged from a copy";
  const auto [large_resident, large_pages] = resident_pages(buffers[0], large.data.size());
  EXPECT_GE(large_pages, 63u);
  EXPECT_EQ(large_resident, 0u) << "of " << large_pages << " pages";
  const auto [small_resident, small_pages] = resident_pages(buffers[1], small.data.size());
  EXPECT_EQ(small_resident, small_pages);
  for (const uint8_t* data : buffers) {
    EXPECT_TRUE(__asan_address_is_poisoned(data));
    EXPECT_TRUE(__asan_address_is_poisoned(data + 40000));
  }
  EXPECT_TRUE(__asan_address_is_poisoned(buffers[0] + large.data.size() - 1));
#endif
}

TEST(RetiredSrbsDeathTest, AMiniportReadingALargeRetiredBufferIsAUseAfterPoison) {
#ifndef MSIRIG_ASAN_BUILD
  GTEST_SKIP() << "AddressSanitizer: asan preset only";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ScriptedRig rig(MsiX(1));
        const uint8_t* kept = nullptr;
        rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
          kept = static_cast<const uint8_t*>(srb->DataBuffer);
          srb->SrbStatus = SRB_STATUS_SUCCESS;
          StorPortNotification(RequestComplete, ext, srb);
          return TRUE;
        };
        rig.Start();
        RequestSpec spec;
        spec.data.assign(256 * 1024, 0x5a);
        rig.port().SubmitRequest(rig.adapter(), spec);
        volatile uint8_t byte = kept[128 * 1024];  // inside a released page
        (void)byte;
      },
      "use-after-poison");
#endif
}

// --- (e) oversize allocations fail as Storport fails them ---

TEST(AllocationLimit, OversizePoolAndUncachedExtensionFailWithoutCrashingTheRig) {
  PlatformConfig p = MsiX(1);
  p.allocation_limit_bytes = 1 << 20;
  ScriptedRig rig(p);
  PVOID uncached = reinterpret_cast<PVOID>(1);
  rig.miniport().find_adapter = [&](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
    uncached = StorPortGetUncachedExtension(ext, config, 2 << 20);
  };
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(uncached, nullptr);
  PVOID block = reinterpret_cast<PVOID>(1);
  EXPECT_EQ(StorPortAllocatePool(rig.extension(), 2 << 20, 'grsm', &block),
            STOR_STATUS_INSUFFICIENT_RESOURCES);
  EXPECT_EQ(block, nullptr);
  EXPECT_EQ(StorPortAllocatePool(rig.extension(), 0xFFFFFFFFu, 'grsm', &block),
            STOR_STATUS_INSUFFICIENT_RESOURCES);
  EXPECT_EQ(StorPortAllocatePool(rig.extension(), 1 << 20, 'grsm', &block), STOR_STATUS_SUCCESS);
  StorPortFreePool(rig.extension(), block);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(AllocationLimit, AnOversizeDeviceExtensionFailsTheStartBeforeHwFindAdapter) {
  for (int which = 0; which < 2; ++which) {
    PlatformConfig p = MsiX(1);
    p.allocation_limit_bytes = 1 << 20;
    ScriptedRig rig(p);
    bool found = false;
    rig.miniport().find_adapter = [&](PVOID, PPORT_CONFIGURATION_INFORMATION) { found = true; };
    if (which == 0) {
      rig.miniport().extension_size = 0xFFFFFFF0u;
    } else {
      rig.miniport().srb_extension_size = 2 << 20;
    }
    EXPECT_FALSE(rig.Start());
    EXPECT_FALSE(found);
    EXPECT_EQ(rig.port().State(rig.adapter()), AdapterState::kFailed);
  }
}

TEST(AllocationLimit, NormalizeClampsItAndValidateNamesTheField) {
  PlatformConfig p;
  p.allocation_limit_bytes = 1;
  EXPECT_EQ(Normalize(p).allocation_limit_bytes, kMinAllocationLimitBytes);
  EXPECT_NE(Validate(p).find("allocation_limit_bytes"), std::string::npos);
  EXPECT_EQ(Validate(Normalize(p)), "");
}

// --- (g) violation texts name addresses, never print them ---

TEST(StableTexts, ViolationsNameTheAddressByWhatThePortHandedOut) {
  ScriptedRig rig(MsiX(1));
  ASSERT_TRUE(rig.Start());
  PVOID block = nullptr;
  ASSERT_EQ(StorPortAllocatePool(rig.extension(), 64, 'grsm', &block), STOR_STATUS_SUCCESS);
  StorPortFreePool(rig.extension(), block);
  StorPortFreePool(rig.extension(), block);  // a second free
  StorPortFreePool(rig.extension(), static_cast<uint8_t*>(rig.extension()) + 0x10);
  rig.OnCpu(0, [&] {
    StorPortIssueDpc(rig.extension(),
                     reinterpret_cast<PSTOR_DPC>(static_cast<uint8_t*>(rig.extension()) + 0x20),
                     nullptr, nullptr);
  });
  int local = 0;
  StorPortFreePool(rig.extension(), &local);
  // An address past a pool block's end, in its guard: named by how far past.
  PVOID table = nullptr;
  ASSERT_EQ(StorPortAllocatePool(rig.extension(), 20, 'grsm', &table), STOR_STATUS_SUCCESS);
  EXPECT_EQ(rig.port().state().Describe(static_cast<uint8_t*>(table) + 60),
            "pool block #2 (20 bytes), 40 bytes past its end");
  EXPECT_EQ(rig.port().state().Describe(static_cast<uint8_t*>(table) + 4), "pool block #2+0x4");
  const std::string text = rig.Violations();
  EXPECT_NE(text.find("StorPortFreePool(freed pool block #1)"), std::string::npos) << text;
  EXPECT_NE(text.find("StorPortFreePool(adapter 0 device extension+0x10)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("StorPortIssueDpc(adapter 0 device extension+0x20)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("StorPortFreePool(an address the port never handed out)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("0x7f"), std::string::npos) << text;
}


// --- every routine storport.h declares is defined ---

// A miniport brought to the rig must link whatever routines it calls: taking each one's address
// makes a missing definition a link error of this test.
TEST(StorportRoutines, EveryRoutineTheHeaderDeclaresIsDefined) {
  const void* const routines[] = {
      reinterpret_cast<const void*>(&StorPortBusy),
      reinterpret_cast<const void*>(&StorPortCompleteRequest),
      reinterpret_cast<const void*>(&StorPortConvertPhysicalAddressToUlong64),
      reinterpret_cast<const void*>(&StorPortConvertUlong64ToPhysicalAddress),
      reinterpret_cast<const void*>(&StorPortConvertUlongToPhysicalAddress),
      reinterpret_cast<const void*>(&StorPortDebugPrint),
      reinterpret_cast<const void*>(&StorPortDeviceBusy),
      reinterpret_cast<const void*>(&StorPortDeviceReady),
      reinterpret_cast<const void*>(&StorPortExtendedFunction),
      reinterpret_cast<const void*>(&StorPortFreeDeviceBase),
      reinterpret_cast<const void*>(&StorPortGetBusData),
      reinterpret_cast<const void*>(&StorPortGetDeviceBase),
      reinterpret_cast<const void*>(&StorPortGetLogicalUnit),
      reinterpret_cast<const void*>(&StorPortGetPhysicalAddress),
      reinterpret_cast<const void*>(&StorPortGetScatterGatherList),
      reinterpret_cast<const void*>(&StorPortGetSrb),
      reinterpret_cast<const void*>(&StorPortGetUncachedExtension),
      reinterpret_cast<const void*>(&StorPortGetVirtualAddress),
      reinterpret_cast<const void*>(&StorPortInitialize),
      reinterpret_cast<const void*>(&StorPortLogError),
      reinterpret_cast<const void*>(&StorPortMoveMemory),
      reinterpret_cast<const void*>(&StorPortNotification),
      reinterpret_cast<const void*>(&StorPortPause),
      reinterpret_cast<const void*>(&StorPortPauseDevice),
      reinterpret_cast<const void*>(&StorPortQuerySystemTime),
      reinterpret_cast<const void*>(&StorPortReadPortBufferUchar),
      reinterpret_cast<const void*>(&StorPortReadPortBufferUlong),
      reinterpret_cast<const void*>(&StorPortReadPortBufferUshort),
      reinterpret_cast<const void*>(&StorPortReadPortUchar),
      reinterpret_cast<const void*>(&StorPortReadPortUlong),
      reinterpret_cast<const void*>(&StorPortReadPortUshort),
      reinterpret_cast<const void*>(&StorPortReadRegisterBufferUchar),
      reinterpret_cast<const void*>(&StorPortReadRegisterBufferUlong),
      reinterpret_cast<const void*>(&StorPortReadRegisterBufferUshort),
      reinterpret_cast<const void*>(&StorPortReadRegisterUchar),
      reinterpret_cast<const void*>(&StorPortReadRegisterUlong),
      reinterpret_cast<const void*>(&StorPortReadRegisterUlong64),
      reinterpret_cast<const void*>(&StorPortReadRegisterUshort),
      reinterpret_cast<const void*>(&StorPortReady),
      reinterpret_cast<const void*>(&StorPortResume),
      reinterpret_cast<const void*>(&StorPortResumeDevice),
      reinterpret_cast<const void*>(&StorPortSetBusDataByOffset),
      reinterpret_cast<const void*>(&StorPortSetDeviceQueueDepth),
      reinterpret_cast<const void*>(&StorPortStallExecution),
      reinterpret_cast<const void*>(&StorPortSynchronizeAccess),
      reinterpret_cast<const void*>(&StorPortValidateRange),
      reinterpret_cast<const void*>(&StorPortWritePortBufferUchar),
      reinterpret_cast<const void*>(&StorPortWritePortBufferUlong),
      reinterpret_cast<const void*>(&StorPortWritePortBufferUshort),
      reinterpret_cast<const void*>(&StorPortWritePortUchar),
      reinterpret_cast<const void*>(&StorPortWritePortUlong),
      reinterpret_cast<const void*>(&StorPortWritePortUshort),
      reinterpret_cast<const void*>(&StorPortWriteRegisterBufferUchar),
      reinterpret_cast<const void*>(&StorPortWriteRegisterBufferUlong),
      reinterpret_cast<const void*>(&StorPortWriteRegisterBufferUshort),
      reinterpret_cast<const void*>(&StorPortWriteRegisterUchar),
      reinterpret_cast<const void*>(&StorPortWriteRegisterUlong),
      reinterpret_cast<const void*>(&StorPortWriteRegisterUlong64),
      reinterpret_cast<const void*>(&StorPortWriteRegisterUshort),
  };
  EXPECT_EQ(sizeof routines / sizeof routines[0], 59u);
  for (const void* routine : routines) EXPECT_NE(routine, nullptr);
}

TEST(StorportRoutines, PhysicalAddressesConvertBothWaysWithoutLoss) {
  ScriptedRig rig(MsiX(2));  // every routine needs a port driver
  const ULONG64 value = 0xFEDCBA9876543210ull;
  const STOR_PHYSICAL_ADDRESS address = StorPortConvertUlong64ToPhysicalAddress(value);
  EXPECT_EQ(static_cast<ULONG64>(address.QuadPart), value);
  EXPECT_EQ(StorPortConvertPhysicalAddressToUlong64(address), value);
}

TEST(StorportRoutines, ValidateRangeAlwaysSaysTrueAsThePageSays) {
  ScriptedRig rig(MsiX(2));
  ASSERT_TRUE(rig.Start());
  STOR_PHYSICAL_ADDRESS address;
  address.QuadPart = 0x1000;
  EXPECT_TRUE(StorPortValidateRange(rig.extension(), PCIBus, 0, address, 16, FALSE));
}

// Decision (requests.cc FindSrb): as in Storport, StorPortGetSrb finds nothing, not even a
// request the miniport holds.
TEST(StorportRoutines, GetSrbFindsNothingAsStorportDoes) {
  ScriptedRig rig(MsiX(2));
  PSCSI_REQUEST_BLOCK kept = nullptr;
  rig.miniport().start_io = [&](PVOID, PSCSI_REQUEST_BLOCK srb) {
    kept = srb;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(StorPortGetSrb(rig.extension(), 0, 0, 0, SP_UNTAGGED), nullptr);
  kept->SrbStatus = SRB_STATUS_SUCCESS;
  StorPortNotification(RequestComplete, rig.extension(), kept);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

}  // namespace
}  // namespace msirig::sp
