// storport_header_test.cc - the values and Windows x64 layouts of storport.h, checked at run time
// against SPEC.md section 1 and the WDK (the header also checks them at compile time).

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "storport.h"

namespace {

TEST(StorportHeaderTest, BaseTypesAreLlp64) {
  EXPECT_EQ(sizeof(UCHAR), 1u);
  EXPECT_EQ(sizeof(USHORT), 2u);
  EXPECT_EQ(sizeof(ULONG), 4u);
  EXPECT_EQ(sizeof(LONG), 4u);
  EXPECT_EQ(sizeof(ULONG64), 8u);
  EXPECT_EQ(sizeof(ULONGLONG), 8u);
  EXPECT_EQ(sizeof(ULONG_PTR), 8u);
  EXPECT_EQ(sizeof(SIZE_T), 8u);
  EXPECT_EQ(sizeof(PVOID), 8u);
  EXPECT_EQ(sizeof(BOOLEAN), 1u);
  EXPECT_EQ(sizeof(KIRQL), 1u);
  EXPECT_EQ(sizeof(KSPIN_LOCK), 8u);
  EXPECT_EQ(sizeof(NTSTATUS), 4u);
  EXPECT_EQ(sizeof(WCHAR), 2u);
  EXPECT_TRUE(std::is_unsigned_v<ULONG>);
  EXPECT_TRUE(std::is_signed_v<LONG>);
}

TEST(StorportHeaderTest, LargeIntegerSplitsIntoLowAndHighParts) {
  LARGE_INTEGER value;
  value.QuadPart = 0x1122334455667788LL;
  EXPECT_EQ(value.LowPart, 0x55667788u);
  EXPECT_EQ(value.HighPart, 0x11223344);
  EXPECT_EQ(value.u.LowPart, 0x55667788u);
  EXPECT_EQ(sizeof(PHYSICAL_ADDRESS), 8u);
  EXPECT_EQ(alignof(STOR_PHYSICAL_ADDRESS), 8u);
  EXPECT_EQ(StorPortConvertPhysicalAddressToUlong(value), 0x55667788u);
}

TEST(StorportHeaderTest, StorStatusValuesMatchSpec) {
  EXPECT_EQ(STOR_STATUS_SUCCESS, 0x00000000u);
  EXPECT_EQ(STOR_STATUS_UNSUCCESSFUL, 0xC1000001u);
  EXPECT_EQ(STOR_STATUS_NOT_IMPLEMENTED, 0xC1000002u);
  EXPECT_EQ(STOR_STATUS_INSUFFICIENT_RESOURCES, 0xC1000003u);
  EXPECT_EQ(STOR_STATUS_BUFFER_TOO_SMALL, 0xC1000004u);
  EXPECT_EQ(STOR_STATUS_ACCESS_DENIED, 0xC1000005u);
  EXPECT_EQ(STOR_STATUS_INVALID_PARAMETER, 0xC1000006u);
  EXPECT_EQ(STOR_STATUS_INVALID_DEVICE_REQUEST, 0xC1000007u);
  EXPECT_EQ(STOR_STATUS_INVALID_IRQL, 0xC1000008u);
  EXPECT_EQ(STOR_STATUS_INVALID_DEVICE_STATE, 0xC1000009u);
  EXPECT_EQ(STOR_STATUS_INVALID_BUFFER_SIZE, 0xC100000Au);
  EXPECT_EQ(STOR_STATUS_UNSUPPORTED_VERSION, 0xC100000Bu);
  EXPECT_EQ(STOR_STATUS_BUSY, 0xC100000Cu);
  EXPECT_EQ(STOR_STATUS_THROTTLED_REQUEST, 0xC100000Du);
  EXPECT_EQ(STOR_STATUS_TIMEOUT, 0xC100000Eu);
  EXPECT_EQ(STOR_STATUS_INVALID_DATA, 0xC100000Fu);
  // 32-bit unsigned, as the WDK's 0x...L is on LLP64.
  EXPECT_EQ(sizeof(STOR_STATUS_UNSUCCESSFUL), 4u);
}

TEST(StorportHeaderTest, InterruptEnumsMatchSpec) {
  EXPECT_EQ(LevelSensitive, 0);
  EXPECT_EQ(Latched, 1);
  EXPECT_EQ(sizeof(KINTERRUPT_MODE), 4u);
  EXPECT_EQ(InterruptSupportNone, 0);
  EXPECT_EQ(InterruptSynchronizeAll, 1);
  EXPECT_EQ(InterruptSynchronizePerMessage, 2);
  EXPECT_EQ(StorSynchronizeHalfDuplex, 0);
  EXPECT_EQ(StorSynchronizeFullDuplex, 1);
}

TEST(StorportHeaderTest, SpinLockKindsMatchSpec) {
  EXPECT_EQ(DpcLock, 1);
  EXPECT_EQ(StartIoLock, 2);
  EXPECT_EQ(InterruptLock, 3);
  EXPECT_EQ(ThreadedDpcLock, 4);
  EXPECT_EQ(DpcLevelLock, 5);
}

TEST(StorportHeaderTest, ExtendedFunctionCodesMatchSpec) {
  EXPECT_EQ(ExtFunctionAllocatePool, 0);
  EXPECT_EQ(ExtFunctionFreePool, 1);
  EXPECT_EQ(ExtFunctionGetSystemAddress, 5);
  EXPECT_EQ(ExtFunctionBuildScatterGatherList, 9);
  EXPECT_EQ(ExtFunctionPutScatterGatherList, 10);
  EXPECT_EQ(ExtFunctionAcquireMSISpinLock, 11);
  EXPECT_EQ(ExtFunctionReleaseMSISpinLock, 12);
  EXPECT_EQ(ExtFunctionGetMessageInterruptInformation, 13);
  EXPECT_EQ(ExtFunctionInitializePerformanceOptimizations, 14);
  EXPECT_EQ(ExtFunctionGetStartIoPerformanceParameters, 15);
  EXPECT_EQ(ExtFunctionLogSystemEvent, 16);
  EXPECT_EQ(ExtFunctionGetCurrentProcessorNumber, 17);
  EXPECT_EQ(ExtFunctionFreeContiguousMemorySpecifyCache, 25);
  EXPECT_EQ(ExtFunctionInitializeWorker, 29);
  EXPECT_EQ(ExtFunctionInitializeTimer, 32);
  EXPECT_EQ(ExtFunctionQueryPerformanceCounter, 47);
}

TEST(StorportHeaderTest, NotificationCodesMatchSpec) {
  EXPECT_EQ(RequestComplete, 0);
  EXPECT_EQ(NextRequest, 1);
  EXPECT_EQ(NextLuRequest, 2);
  EXPECT_EQ(ResetDetected, 3);
  EXPECT_EQ(CallDisableInterrupts, 4);
  EXPECT_EQ(CallEnableInterrupts, 5);
  EXPECT_EQ(RequestTimerCall, 6);
  EXPECT_EQ(BusChangeDetected, 7);
  EXPECT_EQ(WMIEvent, 8);
  EXPECT_EQ(WMIReregister, 9);
  EXPECT_EQ(LinkUp, 10);
  EXPECT_EQ(LinkDown, 11);
  EXPECT_EQ(QueryTickCount, 12);
  EXPECT_EQ(BufferOverrunDetected, 13);
  EXPECT_EQ(TraceNotification, 14);
  EXPECT_EQ(GetExtendedFunctionTable, 15);
  EXPECT_EQ(EnablePassiveInitialization, 0x1000);
  EXPECT_EQ(InitializeDpc, 0x1001);
  EXPECT_EQ(IssueDpc, 0x1002);
  EXPECT_EQ(AcquireSpinLock, 0x1003);
  EXPECT_EQ(ReleaseSpinLock, 0x1004);
}

TEST(StorportHeaderTest, AdapterAndUnitControlEnumsMatchWdk) {
  EXPECT_EQ(ScsiQuerySupportedControlTypes, 0);
  EXPECT_EQ(ScsiStopAdapter, 1);
  EXPECT_EQ(ScsiRestartAdapter, 2);
  EXPECT_EQ(ScsiSetBootConfig, 3);
  EXPECT_EQ(ScsiSetRunningConfig, 4);
  EXPECT_EQ(ScsiPowerSettingNotification, 5);
  EXPECT_EQ(ScsiAdapterPower, 6);
  EXPECT_EQ(sizeof(SCSI_ADAPTER_CONTROL_TYPE), 4u);
  EXPECT_EQ(ScsiAdapterControlSuccess, 0);
  EXPECT_EQ(ScsiAdapterControlUnsuccessful, 1);
  EXPECT_EQ(ScsiQuerySupportedUnitControlTypes, 0);
  EXPECT_EQ(ScsiUnitUsage, 1);
  EXPECT_EQ(ScsiUnitStart, 2);
  EXPECT_EQ(ScsiUnitPower, 3);
  EXPECT_EQ(sizeof(SCSI_UNIT_CONTROL_TYPE), 4u);
  EXPECT_EQ(ScsiUnitControlSuccess, 0);
  EXPECT_EQ(ScsiUnitControlUnsuccessful, 1);
}

TEST(StorportHeaderTest, BusEnumsMatchWdm) {
  EXPECT_EQ(InterfaceTypeUndefined, -1);
  EXPECT_EQ(Internal, 0);
  EXPECT_EQ(Isa, 1);
  EXPECT_EQ(PCIBus, 5);
  EXPECT_EQ(PNPBus, 15);
  EXPECT_EQ(PCIConfiguration, 4);
  EXPECT_EQ(Width32Bits, 2);
  EXPECT_EQ(Compatible, 0);
}

TEST(StorportHeaderTest, MessageInterruptInformationHasSpecLayout) {
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, MessageId), 0u);
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, MessageData), 4u);
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, MessageAddress), 8u);
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, InterruptVector), 16u);
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, InterruptLevel), 20u);
  EXPECT_EQ(offsetof(MESSAGE_INTERRUPT_INFORMATION, InterruptMode), 24u);
  EXPECT_EQ(sizeof(MESSAGE_INTERRUPT_INFORMATION), 32u);
}

TEST(StorportHeaderTest, MsiRoutineTakesExtensionAndMessageId) {
  EXPECT_TRUE((std::is_same_v<HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE, BOOLEAN(PVOID, ULONG)>));
  EXPECT_TRUE((std::is_same_v<STOR_SYNCHRONIZED_ACCESS, BOOLEAN(PVOID, PVOID)>));
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortSynchronizeAccess),
                              BOOLEAN (*)(PVOID, PSTOR_SYNCHRONIZED_ACCESS, PVOID)>));
  EXPECT_TRUE((std::is_same_v<HW_FIND_ADAPTER, ULONG(PVOID, PVOID, PVOID, PCHAR,
                                                     PPORT_CONFIGURATION_INFORMATION, PBOOLEAN)>));
  EXPECT_TRUE((std::is_same_v<HW_DPC_ROUTINE, VOID(PSTOR_DPC, PVOID, PVOID, PVOID)>));
  EXPECT_TRUE((std::is_same_v<sp_DRIVER_INITIALIZE, ULONG(PVOID, PVOID)>));
}

TEST(StorportHeaderTest, PortConfigurationInformationHasWin8X64Layout) {
  using P = PORT_CONFIGURATION_INFORMATION;
  EXPECT_EQ(offsetof(P, AdapterInterfaceType), 8u);
  EXPECT_EQ(offsetof(P, InterruptMode), 20u);
  EXPECT_EQ(offsetof(P, NumberOfAccessRanges), 52u);
  EXPECT_EQ(offsetof(P, AccessRanges), 56u);
  EXPECT_EQ(offsetof(P, MiniportDumpData), 64u);
  EXPECT_EQ(offsetof(P, NumberOfBuses), 72u);
  EXPECT_EQ(offsetof(P, InitiatorBusId), 73u);
  EXPECT_EQ(offsetof(P, MaximumNumberOfTargets), 97u);
  EXPECT_EQ(offsetof(P, SrbType), 98u);
  EXPECT_EQ(offsetof(P, AddressType), 99u);
  EXPECT_EQ(offsetof(P, SlotNumber), 100u);
  EXPECT_EQ(offsetof(P, DeviceExtensionSize), 132u);
  EXPECT_EQ(offsetof(P, SrbExtensionSize), 140u);
  EXPECT_EQ(offsetof(P, Dma64BitAddresses), 144u);
  EXPECT_EQ(offsetof(P, WmiDataProvider), 147u);
  EXPECT_EQ(offsetof(P, SynchronizationModel), 148u);
  EXPECT_EQ(offsetof(P, HwMSInterruptRoutine), 152u);
  EXPECT_EQ(offsetof(P, InterruptSynchronizationMode), 160u);
  EXPECT_EQ(offsetof(P, DumpRegion), 168u);
  EXPECT_EQ(offsetof(P, RequestedDumpBufferSize), 192u);
  EXPECT_EQ(offsetof(P, VirtualDevice), 196u);
  EXPECT_EQ(offsetof(P, DumpMode), 197u);
  EXPECT_EQ(offsetof(P, ExtendedFlags1), 200u);
  EXPECT_EQ(offsetof(P, MaxNumberOfIO), 204u);
  EXPECT_EQ(offsetof(P, MaxIOsPerLun), 208u);
  EXPECT_EQ(offsetof(P, FeatureSupport), 220u);
  EXPECT_EQ(sizeof(P), 224u);
  EXPECT_EQ(CONFIG_INFO_VERSION_2, 224u);
}

TEST(StorportHeaderTest, HwInitializationDataHasWin8X64Layout) {
  using H = HW_INITIALIZATION_DATA;
  EXPECT_EQ(offsetof(H, AdapterInterfaceType), 4u);
  EXPECT_EQ(offsetof(H, HwInitialize), 8u);
  EXPECT_EQ(offsetof(H, HwStartIo), 16u);
  EXPECT_EQ(offsetof(H, HwInterrupt), 24u);
  EXPECT_EQ(offsetof(H, HwFindAdapter), 32u);
  EXPECT_EQ(offsetof(H, HwResetBus), 40u);
  EXPECT_EQ(offsetof(H, DeviceExtensionSize), 64u);
  EXPECT_EQ(offsetof(H, SrbExtensionSize), 72u);
  EXPECT_EQ(offsetof(H, MapBuffers), 88u);
  EXPECT_EQ(offsetof(H, VendorIdLength), 94u);
  EXPECT_EQ(offsetof(H, VendorId), 96u);
  EXPECT_EQ(offsetof(H, PortVersionFlags), 104u);
  EXPECT_EQ(offsetof(H, DeviceIdLength), 106u);
  EXPECT_EQ(offsetof(H, DeviceId), 112u);
  EXPECT_EQ(offsetof(H, HwAdapterControl), 120u);
  EXPECT_EQ(offsetof(H, HwBuildIo), 128u);
  EXPECT_EQ(offsetof(H, HwFreeAdapterResources), 136u);
  EXPECT_EQ(offsetof(H, HwProcessServiceRequest), 144u);
  EXPECT_EQ(offsetof(H, HwCompleteServiceIrp), 152u);
  EXPECT_EQ(offsetof(H, HwInitializeTracing), 160u);
  EXPECT_EQ(offsetof(H, HwCleanupTracing), 168u);
  EXPECT_EQ(offsetof(H, HwTracingEnabled), 176u);
  EXPECT_EQ(offsetof(H, FeatureSupport), 184u);
  EXPECT_EQ(offsetof(H, SrbTypeFlags), 188u);
  EXPECT_EQ(offsetof(H, AddressTypeFlags), 192u);
  EXPECT_EQ(offsetof(H, HwUnitControl), 200u);
  EXPECT_EQ(sizeof(H), 208u);
  EXPECT_EQ(HW_INIT_DATA_SIZE_PHYSICAL, 136);
}

TEST(StorportHeaderTest, ScsiRequestBlockHasX64Layout) {
  using S = SCSI_REQUEST_BLOCK;
  EXPECT_EQ(offsetof(S, Function), 2u);
  EXPECT_EQ(offsetof(S, SrbStatus), 3u);
  EXPECT_EQ(offsetof(S, CdbLength), 10u);
  EXPECT_EQ(offsetof(S, SrbFlags), 12u);
  EXPECT_EQ(offsetof(S, DataTransferLength), 16u);
  EXPECT_EQ(offsetof(S, TimeOutValue), 20u);
  EXPECT_EQ(offsetof(S, DataBuffer), 24u);
  EXPECT_EQ(offsetof(S, SenseInfoBuffer), 32u);
  EXPECT_EQ(offsetof(S, NextSrb), 40u);
  EXPECT_EQ(offsetof(S, OriginalRequest), 48u);
  EXPECT_EQ(offsetof(S, SrbExtension), 56u);
  EXPECT_EQ(offsetof(S, QueueSortKey), 64u);
  EXPECT_EQ(offsetof(S, Cdb), 72u);
  EXPECT_EQ(sizeof(S), 88u);
  EXPECT_EQ(sizeof(SCSI_POWER_REQUEST_BLOCK), 88u);
  EXPECT_EQ(sizeof(SCSI_PNP_REQUEST_BLOCK), 88u);
}

TEST(StorportHeaderTest, DpcLockAndScatterGatherHaveX64Layout) {
  EXPECT_EQ(sizeof(DPC_BUFFER), 64u);  // KDPC on x64
  EXPECT_EQ(offsetof(STOR_DPC, Lock), 64u);
  EXPECT_EQ(sizeof(STOR_DPC), 72u);
  EXPECT_EQ(offsetof(STOR_LOCK_HANDLE, Context), 8u);
  EXPECT_EQ(offsetof(STOR_LOCK_HANDLE, Context.OldIrql), 24u);
  EXPECT_EQ(sizeof(STOR_LOCK_HANDLE), 32u);
  EXPECT_EQ(offsetof(STOR_SCATTER_GATHER_ELEMENT, Length), 8u);
  EXPECT_EQ(offsetof(STOR_SCATTER_GATHER_ELEMENT, Reserved), 16u);
  EXPECT_EQ(sizeof(STOR_SCATTER_GATHER_ELEMENT), 24u);
  EXPECT_EQ(offsetof(STOR_SCATTER_GATHER_LIST, Reserved), 8u);
  EXPECT_EQ(offsetof(STOR_SCATTER_GATHER_LIST, List), 16u);
  EXPECT_EQ(offsetof(ACCESS_RANGE, RangeLength), 8u);
  EXPECT_EQ(offsetof(ACCESS_RANGE, RangeInMemory), 12u);
  EXPECT_EQ(sizeof(ACCESS_RANGE), 16u);
  EXPECT_EQ(offsetof(MEMORY_REGION, PhysicalBase), 8u);
  EXPECT_EQ(offsetof(MEMORY_REGION, Length), 16u);
  EXPECT_EQ(sizeof(MEMORY_REGION), 24u);
}

TEST(StorportHeaderTest, ScsiDataLayoutsArePacked) {
  EXPECT_EQ(sizeof(CDB), 16u);
  EXPECT_EQ(offsetof(CDB, CDB10.LogicalBlockByte0), 2u);
  EXPECT_EQ(offsetof(CDB, CDB10.TransferBlocksMsb), 7u);
  EXPECT_EQ(offsetof(CDB, CDB16.LogicalBlock), 2u);
  EXPECT_EQ(offsetof(CDB, CDB16.TransferLength), 10u);
  EXPECT_EQ(offsetof(CDB, READ_CAPACITY16.AllocationLength), 10u);
  EXPECT_EQ(offsetof(CDB, REPORT_LUNS.AllocationLength), 6u);
  EXPECT_EQ(sizeof(SENSE_DATA), 18u);
  EXPECT_EQ(SENSE_BUFFER_SIZE, 18u);
  EXPECT_EQ(offsetof(SENSE_DATA, AdditionalSenseCode), 12u);
  EXPECT_EQ(offsetof(INQUIRYDATA, VendorId), 8u);
  EXPECT_EQ(offsetof(INQUIRYDATA, ProductId), 16u);
  EXPECT_EQ(offsetof(INQUIRYDATA, ProductRevisionLevel), 32u);
  EXPECT_EQ(offsetof(INQUIRYDATA, VendorSpecific), 36u);
  EXPECT_EQ(INQUIRYDATABUFFERSIZE, 36);
  EXPECT_EQ(sizeof(READ_CAPACITY_DATA), 8u);
  EXPECT_EQ(sizeof(READ_CAPACITY_DATA_EX), 12u);
  EXPECT_EQ(offsetof(LUN_LIST, Lun), 8u);
}

TEST(StorportHeaderTest, CdbBitFieldsLandOnScsiBits) {
  CDB cdb = {};
  cdb.CDB10.ForceUnitAccess = 1;
  EXPECT_EQ(cdb.AsByte[1], 0x08);
  cdb = {};
  cdb.READ_CAPACITY16.ServiceAction = SERVICE_ACTION_READ_CAPACITY16;
  EXPECT_EQ(cdb.AsByte[1], 0x10);
  cdb = {};
  cdb.CDB6INQUIRY3.EnableVitalProductData = 1;
  EXPECT_EQ(cdb.AsByte[1], 0x01);
  SENSE_DATA sense = {};
  sense.SenseKey = SCSI_SENSE_ILLEGAL_REQUEST;
  sense.Valid = 1;
  EXPECT_EQ(reinterpret_cast<UCHAR*>(&sense)[2], 0x05);
  EXPECT_EQ(reinterpret_cast<UCHAR*>(&sense)[0], 0x80);
}

TEST(StorportHeaderTest, SrbAndScsiValuesMatchWdk) {
  EXPECT_EQ(SRB_FUNCTION_EXECUTE_SCSI, 0x00);
  EXPECT_EQ(SRB_FUNCTION_IO_CONTROL, 0x02);
  EXPECT_EQ(SRB_FUNCTION_SHUTDOWN, 0x07);
  EXPECT_EQ(SRB_FUNCTION_FLUSH, 0x08);
  EXPECT_EQ(SRB_FUNCTION_ABORT_COMMAND, 0x10);
  EXPECT_EQ(SRB_FUNCTION_RESET_BUS, 0x12);
  EXPECT_EQ(SRB_FUNCTION_RESET_DEVICE, 0x13);
  EXPECT_EQ(SRB_FUNCTION_WMI, 0x17);
  EXPECT_EQ(SRB_FUNCTION_RESET_LOGICAL_UNIT, 0x20);
  EXPECT_EQ(SRB_FUNCTION_POWER, 0x24);
  EXPECT_EQ(SRB_FUNCTION_PNP, 0x25);
  EXPECT_EQ(SRB_STATUS_PENDING, 0x00);
  EXPECT_EQ(SRB_STATUS_SUCCESS, 0x01);
  EXPECT_EQ(SRB_STATUS_ABORTED, 0x02);
  EXPECT_EQ(SRB_STATUS_ERROR, 0x04);
  EXPECT_EQ(SRB_STATUS_BUSY, 0x05);
  EXPECT_EQ(SRB_STATUS_INVALID_REQUEST, 0x06);
  EXPECT_EQ(SRB_STATUS_INVALID_PATH_ID, 0x07);
  EXPECT_EQ(SRB_STATUS_NO_DEVICE, 0x08);
  EXPECT_EQ(SRB_STATUS_TIMEOUT, 0x09);
  EXPECT_EQ(SRB_STATUS_SELECTION_TIMEOUT, 0x0A);
  EXPECT_EQ(SRB_STATUS_COMMAND_TIMEOUT, 0x0B);
  EXPECT_EQ(SRB_STATUS_BUS_RESET, 0x0E);
  EXPECT_EQ(SRB_STATUS_DATA_OVERRUN, 0x12);
  EXPECT_EQ(SRB_STATUS_INVALID_LUN, 0x20);
  EXPECT_EQ(SRB_STATUS_INVALID_TARGET_ID, 0x21);
  EXPECT_EQ(SRB_STATUS_QUEUE_FROZEN, 0x40);
  EXPECT_EQ(SRB_STATUS_AUTOSENSE_VALID, 0x80);
  EXPECT_EQ(SRB_STATUS(SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID | SRB_STATUS_QUEUE_FROZEN),
            SRB_STATUS_ERROR);
  EXPECT_EQ(SRB_FLAGS_DATA_IN, 0x40);
  EXPECT_EQ(SRB_FLAGS_DATA_OUT, 0x80);
  EXPECT_EQ(SRB_FLAGS_NO_DATA_TRANSFER, 0);
  EXPECT_EQ(SRB_FLAGS_UNSPECIFIED_DIRECTION, 0xC0);
  EXPECT_EQ(SP_RETURN_NOT_FOUND, 0);
  EXPECT_EQ(SP_RETURN_FOUND, 1);
  EXPECT_EQ(SP_RETURN_ERROR, 2);
  EXPECT_EQ(SP_RETURN_BAD_CONFIG, 3);
  EXPECT_EQ(SP_UNINITIALIZED_VALUE, 0xFFFFFFFFu);
  EXPECT_EQ(SP_UNTAGGED, 0xFF);
  EXPECT_EQ(SCSISTAT_GOOD, 0x00);
  EXPECT_EQ(SCSISTAT_CHECK_CONDITION, 0x02);
  EXPECT_EQ(SCSISTAT_BUSY, 0x08);
  EXPECT_EQ(SCSIOP_TEST_UNIT_READY, 0x00);
  EXPECT_EQ(SCSIOP_REQUEST_SENSE, 0x03);
  EXPECT_EQ(SCSIOP_INQUIRY, 0x12);
  EXPECT_EQ(SCSIOP_MODE_SENSE, 0x1A);
  EXPECT_EQ(SCSIOP_START_STOP_UNIT, 0x1B);
  EXPECT_EQ(SCSIOP_READ_CAPACITY, 0x25);
  EXPECT_EQ(SCSIOP_READ, 0x28);
  EXPECT_EQ(SCSIOP_WRITE, 0x2A);
  EXPECT_EQ(SCSIOP_VERIFY, 0x2F);
  EXPECT_EQ(SCSIOP_SYNCHRONIZE_CACHE, 0x35);
  EXPECT_EQ(SCSIOP_UNMAP, 0x42);
  EXPECT_EQ(SCSIOP_MODE_SENSE10, 0x5A);
  EXPECT_EQ(SCSIOP_READ16, 0x88);
  EXPECT_EQ(SCSIOP_WRITE16, 0x8A);
  EXPECT_EQ(SCSIOP_SYNCHRONIZE_CACHE16, 0x91);
  EXPECT_EQ(SCSIOP_READ_CAPACITY16, 0x9E);
  EXPECT_EQ(SCSIOP_SERVICE_ACTION_IN16, 0x9E);
  EXPECT_EQ(SCSIOP_REPORT_LUNS, 0xA0);
  EXPECT_EQ(SERVICE_ACTION_READ_CAPACITY16, 0x10);
  EXPECT_EQ(SCSI_SENSE_NO_SENSE, 0x00);
  EXPECT_EQ(SCSI_SENSE_NOT_READY, 0x02);
  EXPECT_EQ(SCSI_SENSE_ILLEGAL_REQUEST, 0x05);
  EXPECT_EQ(SCSI_SENSE_UNIT_ATTENTION, 0x06);
  EXPECT_EQ(SCSI_ADSENSE_NO_SENSE, 0x00);
  EXPECT_EQ(SCSI_ADSENSE_LUN_NOT_READY, 0x04);
  EXPECT_EQ(SCSI_ADSENSE_ILLEGAL_COMMAND, 0x20);
  EXPECT_EQ(SCSI_ADSENSE_ILLEGAL_BLOCK, 0x21);
  EXPECT_EQ(SCSI_ADSENSE_INVALID_CDB, 0x24);
  EXPECT_EQ(SCSI_ADSENSE_INVALID_LUN, 0x25);
  EXPECT_EQ(DIRECT_ACCESS_DEVICE, 0x00);
}

TEST(StorportHeaderTest, BaseMacrosMatchWdk) {
  EXPECT_EQ(PAGE_SIZE, 4096);
  EXPECT_EQ(BYTES_TO_PAGES(0), 0);
  EXPECT_EQ(BYTES_TO_PAGES(4096), 1);
  EXPECT_EQ(BYTES_TO_PAGES(4097), 2);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(reinterpret_cast<void*>(0x1000), 4096), 1u);
  EXPECT_EQ(ADDRESS_AND_SIZE_TO_SPAN_PAGES(reinterpret_cast<void*>(0x1fff), 2), 2u);
  EXPECT_EQ(PASSIVE_LEVEL, 0);
  EXPECT_EQ(APC_LEVEL, 1);
  EXPECT_EQ(DISPATCH_LEVEL, 2);
  EXPECT_EQ(CLOCK_LEVEL, 13);
  EXPECT_EQ(HIGH_LEVEL, 15);
  EXPECT_EQ(FIELD_OFFSET(STOR_DPC, Lock), 64);
  EXPECT_EQ(RTL_FIELD_SIZE(SCSI_REQUEST_BLOCK, Cdb), 16u);
  STOR_DPC dpc;
  EXPECT_EQ(CONTAINING_RECORD(&dpc.Lock, STOR_DPC, Lock), &dpc);
  EXPECT_TRUE(ARGUMENT_PRESENT(&dpc));
  EXPECT_FALSE(ARGUMENT_PRESENT(nullptr));
  EXPECT_TRUE(NT_SUCCESS(STATUS_SUCCESS));
  EXPECT_FALSE(NT_SUCCESS(STATUS_UNSUCCESSFUL));
}

TEST(StorportHeaderTest, PciCommonConfigIsTheType0Header) {
  EXPECT_EQ(PCI_COMMON_HDR_LENGTH, 64);
  EXPECT_EQ(sizeof(PCI_COMMON_HEADER), 64u);
  EXPECT_EQ(sizeof(PCI_COMMON_CONFIG), 256u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, Command), 4u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, RevisionID), 8u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, BaseClass), 11u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, HeaderType), 14u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, u.type0.BaseAddresses), 0x10u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, u.type0.SubVendorID), 0x2Cu);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, u.type0.CapabilitiesPtr), 0x34u);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, u.type0.InterruptLine), 0x3Cu);
  EXPECT_EQ(offsetof(PCI_COMMON_CONFIG, DeviceSpecific), 64u);
  EXPECT_EQ(PCI_INVALID_VENDORID, 0xFFFF);
  EXPECT_EQ(PCI_CAPABILITY_ID_MSI, 0x05);
  EXPECT_EQ(PCI_CAPABILITY_ID_MSIX, 0x11);
}

// The wrappers are FORCEINLINE in the WDK and here; taking their addresses proves each exists
// with the WDK signature (the port driver provides the dispatchers they call).
TEST(StorportHeaderTest, InlineWrappersHaveWdkSignatures) {
  ULONG (*get_msi_info)(PVOID, ULONG, PMESSAGE_INTERRUPT_INFORMATION) = &StorPortGetMSIInfo;
  ULONG (*acquire_msi)(PVOID, ULONG, PULONG) = &StorPortAcquireMSISpinLock;
  ULONG (*release_msi)(PVOID, ULONG, ULONG) = &StorPortReleaseMSISpinLock;
  ULONG (*allocate_pool)(PVOID, ULONG, ULONG, PVOID*) = &StorPortAllocatePool;
  ULONG (*free_pool)(PVOID, PVOID) = &StorPortFreePool;
  ULONG (*perf_opts)(PVOID, BOOLEAN, PPERF_CONFIGURATION_DATA) = &StorPortInitializePerfOpts;
  ULONG(*start_io_perf)
  (PVOID, PSCSI_REQUEST_BLOCK, PSTARTIO_PERFORMANCE_PARAMETERS) = &StorPortGetStartIoPerfParams;
  ULONG (*processor)(PVOID, PPROCESSOR_NUMBER) = &StorPortGetCurrentProcessorNumber;
  ULONG (*perf_counter)(PVOID, PLARGE_INTEGER, PLARGE_INTEGER) = &StorPortQueryPerformanceCounter;
  ULONG (*system_address)(PVOID, PSCSI_REQUEST_BLOCK, PVOID*) = &StorPortGetSystemAddress;
  ULONG (*put_sgl)(PVOID, PSTOR_SCATTER_GATHER_LIST, BOOLEAN) = &StorPortPutScatterGatherList;
  BOOLEAN (*passive)(PVOID, PHW_PASSIVE_INITIALIZE_ROUTINE) = &StorPortEnablePassiveInitialization;
  VOID (*init_dpc)(PVOID, PSTOR_DPC, PHW_DPC_ROUTINE) = &StorPortInitializeDpc;
  BOOLEAN (*issue_dpc)(PVOID, PSTOR_DPC, PVOID, PVOID) = &StorPortIssueDpc;
  VOID (*acquire)(PVOID, STOR_SPINLOCK, PVOID, PSTOR_LOCK_HANDLE) = &StorPortAcquireSpinLock;
  VOID (*release)(PVOID, PSTOR_LOCK_HANDLE) = &StorPortReleaseSpinLock;
  EXPECT_NE(get_msi_info, nullptr);
  EXPECT_NE(acquire_msi, nullptr);
  EXPECT_NE(release_msi, nullptr);
  EXPECT_NE(allocate_pool, nullptr);
  EXPECT_NE(free_pool, nullptr);
  EXPECT_NE(perf_opts, nullptr);
  EXPECT_NE(start_io_perf, nullptr);
  EXPECT_NE(processor, nullptr);
  EXPECT_NE(perf_counter, nullptr);
  EXPECT_NE(system_address, nullptr);
  EXPECT_NE(put_sgl, nullptr);
  EXPECT_NE(passive, nullptr);
  EXPECT_NE(init_dpc, nullptr);
  EXPECT_NE(issue_dpc, nullptr);
  EXPECT_NE(acquire, nullptr);
  EXPECT_NE(release, nullptr);
}

TEST(StorportHeaderTest, DispatchersAreVariadicWithWdkLeadingParameters) {
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortExtendedFunction),
                              ULONG (*)(STORPORT_FUNCTION_CODE, PVOID, ...)>));
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortNotification),
                              VOID (*)(SCSI_NOTIFICATION_TYPE, PVOID, ...)>));
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortInitialize),
                              ULONG (*)(PVOID, PVOID, PHW_INITIALIZATION_DATA, PVOID)>));
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortGetDeviceBase),
                              PVOID (*)(PVOID, INTERFACE_TYPE, ULONG, STOR_PHYSICAL_ADDRESS, ULONG,
                                        BOOLEAN)>));
  EXPECT_TRUE((std::is_same_v<decltype(&StorPortReadRegisterUlong), ULONG (*)(PVOID, PULONG)>));
  EXPECT_TRUE((
      std::is_same_v<decltype(&StorPortWriteRegisterUlong64), VOID (*)(PVOID, PULONG64, ULONG64)>));
}

}  // namespace
