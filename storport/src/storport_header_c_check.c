/*
 * storport_header_c_check.c - proves storport.h is C17 and that miniport-shaped WDK code compiles
 * against it unchanged: role-type declarations, a DriverEntry filling HW_INITIALIZATION_DATA,
 * HwFindAdapter reading PORT_CONFIGURATION_INFORMATION, and every FORCEINLINE wrapper called.
 *
 * Built into a static library with -ffreestanding; nothing here is ever called at run time.
 */
#include <storport.h>

/* storahci style: declare each callback by its role type, then define it with SAL on it. */
sp_DRIVER_INITIALIZE MsirigCheckDriverEntry;
HW_FIND_ADAPTER MsirigCheckFindAdapter;
HW_INITIALIZE MsirigCheckInitialize;
HW_PASSIVE_INITIALIZE_ROUTINE MsirigCheckPassiveInitialize;
HW_BUILDIO MsirigCheckBuildIo;
HW_STARTIO MsirigCheckStartIo;
HW_INTERRUPT MsirigCheckInterrupt;
HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE MsirigCheckMsiInterrupt;
HW_RESET_BUS MsirigCheckResetBus;
HW_ADAPTER_CONTROL MsirigCheckAdapterControl;
HW_UNIT_CONTROL MsirigCheckUnitControl;
HW_DPC_ROUTINE MsirigCheckDpc;
HW_TIMER MsirigCheckTimer;
STOR_SYNCHRONIZED_ACCESS MsirigCheckSynchronized;
HW_FREE_ADAPTER_RESOURCES MsirigCheckFreeAdapterResources;
VOID MsirigCheckUseEveryWrapper(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb);

typedef struct _CHECK_EXTENSION {
  PULONG Registers;
  ULONG MessageCount;
  INTERRUPT_SYNCHRONIZATION_MODE SyncMode;
  STOR_DPC Dpc;
  MESSAGE_INTERRUPT_INFORMATION Messages[4];
} CHECK_EXTENSION, *PCHECK_EXTENSION;

_Use_decl_annotations_ ULONG MsirigCheckDriverEntry(PVOID DriverObject, PVOID RegistryPath) {
  HW_INITIALIZATION_DATA init;
  PUCHAR bytes = (PUCHAR)&init;
  ULONG i;

  for (i = 0; i < sizeof(init); i++) {
    bytes[i] = 0;
  }
  init.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
  init.AdapterInterfaceType = PCIBus;
  init.HwFindAdapter = MsirigCheckFindAdapter;
  init.HwInitialize = MsirigCheckInitialize;
  init.HwBuildIo = MsirigCheckBuildIo;
  init.HwStartIo = MsirigCheckStartIo;
  init.HwInterrupt = MsirigCheckInterrupt;
  init.HwResetBus = MsirigCheckResetBus;
  init.HwAdapterControl = MsirigCheckAdapterControl;
  init.HwUnitControl = MsirigCheckUnitControl;
  init.HwFreeAdapterResources = MsirigCheckFreeAdapterResources;
  init.DeviceExtensionSize = sizeof(CHECK_EXTENSION);
  init.SrbExtensionSize = 64;
  init.NumberOfAccessRanges = 1;
  init.MapBuffers = STOR_MAP_NON_READ_WRITE_BUFFERS;
  init.NeedPhysicalAddresses = TRUE;
  init.TaggedQueuing = TRUE;
  init.AutoRequestSense = TRUE;
  init.MultipleRequestPerLu = TRUE;
  init.FeatureSupport = STOR_FEATURE_FULL_PNP_DEVICE_CAPABILITIES;
  init.SrbTypeFlags = SRB_TYPE_FLAG_SCSI_REQUEST_BLOCK;
  init.AddressTypeFlags = ADDRESS_TYPE_FLAG_BTL8;
  return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}

_Use_decl_annotations_ ULONG MsirigCheckFindAdapter(PVOID DeviceExtension, PVOID HwContext,
                                                    PVOID BusInformation, PCHAR ArgumentString,
                                                    PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                                    PBOOLEAN Reserved3) {
  PCHECK_EXTENSION ext = (PCHECK_EXTENSION)DeviceExtension;
  PCI_COMMON_CONFIG pci;
  PACCESS_RANGE range;
  ULONG got;

  UNREFERENCED_PARAMETER(HwContext);
  UNREFERENCED_PARAMETER(BusInformation);
  UNREFERENCED_PARAMETER(ArgumentString);
  UNREFERENCED_PARAMETER(Reserved3);

  got = StorPortGetBusData(DeviceExtension, PCIConfiguration, ConfigInfo->SystemIoBusNumber,
                           ConfigInfo->SlotNumber, &pci, PCI_COMMON_HDR_LENGTH);
  if (got != PCI_COMMON_HDR_LENGTH || pci.VendorID == PCI_INVALID_VENDORID) {
    return SP_RETURN_NOT_FOUND;
  }
  if (pci.BaseClass != PCI_CLASS_MASS_STORAGE_CTLR || (pci.u.type0.BaseAddresses[0] & 1) != 0) {
    return SP_RETURN_NOT_FOUND;
  }
  if (ConfigInfo->NumberOfAccessRanges == 0) {
    return SP_RETURN_BAD_CONFIG;
  }
  range = &(*ConfigInfo->AccessRanges)[0];
  ext->Registers = (PULONG)StorPortGetDeviceBase(DeviceExtension, ConfigInfo->AdapterInterfaceType,
                                                 ConfigInfo->SystemIoBusNumber, range->RangeStart,
                                                 range->RangeLength, !range->RangeInMemory);
  if (ext->Registers == NULL) {
    return SP_RETURN_ERROR;
  }
  ConfigInfo->MaximumTransferLength = 128 * 1024;
  ConfigInfo->NumberOfPhysicalBreaks = 32;
  ConfigInfo->AlignmentMask = 3;
  ConfigInfo->ScatterGather = TRUE;
  ConfigInfo->Master = TRUE;
  ConfigInfo->CachesData = TRUE;
  ConfigInfo->Dma64BitAddresses = SCSI_DMA64_MINIPORT_FULL64BIT_SUPPORTED;
  ConfigInfo->MaximumNumberOfTargets = 1;
  ConfigInfo->MaximumNumberOfLogicalUnits = 1;
  ConfigInfo->NumberOfBuses = 1;
  ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
  ConfigInfo->SrbType = SRB_TYPE_SCSI_REQUEST_BLOCK;
  ConfigInfo->AddressType = STOR_ADDRESS_TYPE_BTL8;
  if (ConfigInfo->InterruptMode == Latched) {
    ConfigInfo->HwMSInterruptRoutine = MsirigCheckMsiInterrupt;
    ConfigInfo->InterruptSynchronizationMode = InterruptSynchronizePerMessage;
  } else {
    ConfigInfo->HwMSInterruptRoutine = NULL;
    ConfigInfo->InterruptSynchronizationMode = InterruptSupportNone;
  }
  ext->SyncMode = ConfigInfo->InterruptSynchronizationMode;
  if (StorPortGetUncachedExtension(DeviceExtension, ConfigInfo, 2 * PAGE_SIZE) == NULL) {
    return SP_RETURN_ERROR;
  }
  return SP_RETURN_FOUND;
}

_Use_decl_annotations_ BOOLEAN MsirigCheckInitialize(PVOID DeviceExtension) {
  PCHECK_EXTENSION ext = (PCHECK_EXTENSION)DeviceExtension;
  ULONG n;

  /* storahci's message count loop. */
  for (n = 0; n < RTL_NUMBER_OF(ext->Messages); n++) {
    if (StorPortGetMSIInfo(DeviceExtension, n, &ext->Messages[n]) != STOR_STATUS_SUCCESS) {
      break;
    }
  }
  ext->MessageCount = n;
  StorPortInitializeDpc(DeviceExtension, &ext->Dpc, MsirigCheckDpc);
  return StorPortEnablePassiveInitialization(DeviceExtension, MsirigCheckPassiveInitialize);
}

_Use_decl_annotations_ BOOLEAN MsirigCheckPassiveInitialize(PVOID DeviceExtension) {
  UNREFERENCED_PARAMETER(DeviceExtension);
  return TRUE;
}

_Use_decl_annotations_ BOOLEAN MsirigCheckBuildIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb) {
  PCDB cdb = (PCDB)Srb->Cdb;
  ULONG lba;

  UNREFERENCED_PARAMETER(DeviceExtension);
  switch (cdb->CDB6GENERIC.OperationCode) {
    case SCSIOP_READ:
    case SCSIOP_WRITE:
      lba = ((ULONG)cdb->CDB10.LogicalBlockByte0 << 24) |
            ((ULONG)cdb->CDB10.LogicalBlockByte1 << 16) |
            ((ULONG)cdb->CDB10.LogicalBlockByte2 << 8) | cdb->CDB10.LogicalBlockByte3;
      return lba != MAXULONG;
    case SCSIOP_READ16:
      return cdb->READ16.ForceUnitAccess == 0 && cdb->CDB16.LogicalBlock[0] == 0;
    case SCSIOP_SERVICE_ACTION_IN16:
      return cdb->READ_CAPACITY16.ServiceAction == SERVICE_ACTION_READ_CAPACITY16;
    default:
      return TRUE;
  }
}

_Use_decl_annotations_ BOOLEAN MsirigCheckStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb) {
  STOR_LOCK_HANDLE lock;
  PSENSE_DATA sense = (PSENSE_DATA)Srb->SenseInfoBuffer;
  PINQUIRYDATA inquiry;
  PREAD_CAPACITY_DATA capacity;
  ULONG value;

  switch (Srb->Function) {
    case SRB_FUNCTION_EXECUTE_SCSI:
      if (Srb->Cdb[0] == SCSIOP_INQUIRY && Srb->DataTransferLength >= INQUIRYDATABUFFERSIZE) {
        inquiry = (PINQUIRYDATA)Srb->DataBuffer;
        inquiry->DeviceType = DIRECT_ACCESS_DEVICE;
        inquiry->Versions = 5;
        inquiry->ResponseDataFormat = 2;
        inquiry->CommandQueue = 1;
        inquiry->AdditionalLength = INQUIRYDATABUFFERSIZE - 5;
      } else if (Srb->Cdb[0] == SCSIOP_READ_CAPACITY) {
        capacity = (PREAD_CAPACITY_DATA)Srb->DataBuffer;
        value = 511;
        REVERSE_BYTES(&capacity->BytesPerBlock, &value);
        capacity->LogicalBlockAddress = 0;
      } else if (sense != NULL && Srb->SenseInfoBufferLength >= sizeof(SENSE_DATA)) {
        sense->ErrorCode = SCSI_SENSE_ERRORCODE_FIXED_CURRENT;
        sense->SenseKey = SCSI_SENSE_ILLEGAL_REQUEST;
        sense->AdditionalSenseCode = SCSI_ADSENSE_INVALID_CDB;
        sense->AdditionalSenseLength = sizeof(SENSE_DATA) - 8;
        Srb->ScsiStatus = SCSISTAT_CHECK_CONDITION;
        Srb->SrbStatus = SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID;
        break;
      }
      Srb->SrbStatus = SRB_STATUS_SUCCESS;
      break;
    case SRB_FUNCTION_RESET_BUS:
    case SRB_FUNCTION_RESET_DEVICE:
    case SRB_FUNCTION_RESET_LOGICAL_UNIT:
      StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &lock);
      StorPortWriteRegisterUlong(DeviceExtension, ((PCHECK_EXTENSION)DeviceExtension)->Registers,
                                 1);
      StorPortReleaseSpinLock(DeviceExtension, &lock);
      Srb->SrbStatus = SRB_STATUS_SUCCESS;
      break;
    default:
      Srb->SrbStatus = SRB_STATUS_INVALID_REQUEST;
      break;
  }
  NT_ASSERT(SRB_STATUS(Srb->SrbStatus) != SRB_STATUS_PENDING);
  StorPortNotification(RequestComplete, DeviceExtension, Srb);
  return TRUE;
}

_Use_decl_annotations_ BOOLEAN MsirigCheckInterrupt(PVOID DeviceExtension) {
  PCHECK_EXTENSION ext = (PCHECK_EXTENSION)DeviceExtension;
  ULONG status = StorPortReadRegisterUlong(DeviceExtension, ext->Registers + 1);

  if (status == 0) {
    return FALSE;
  }
  StorPortWriteRegisterUlong(DeviceExtension, ext->Registers + 1, status);
  StorPortIssueDpc(DeviceExtension, &ext->Dpc, NULL, NULL);
  return TRUE;
}

_Use_decl_annotations_ BOOLEAN MsirigCheckMsiInterrupt(PVOID HwDeviceExtension, ULONG MessageId) {
  PCHECK_EXTENSION ext = (PCHECK_EXTENSION)HwDeviceExtension;
  ULONG oldIrql = 0;
  BOOLEAN shared = (ext->SyncMode == InterruptSynchronizePerMessage);

  if (MessageId >= ext->MessageCount) {
    return FALSE;
  }
  if (shared) {
    StorPortAcquireMSISpinLock(HwDeviceExtension, 0, &oldIrql);
  }
  StorPortWriteRegisterUlong(HwDeviceExtension, ext->Registers + 2 + MessageId, 0);
  if (shared) {
    StorPortReleaseMSISpinLock(HwDeviceExtension, 0, oldIrql);
  }
  return TRUE;
}

_Use_decl_annotations_ BOOLEAN MsirigCheckResetBus(PVOID DeviceExtension, ULONG PathId) {
  StorPortCompleteRequest(DeviceExtension, (UCHAR)PathId, SP_UNTAGGED, SP_UNTAGGED,
                          SRB_STATUS_BUS_RESET);
  return TRUE;
}

_Use_decl_annotations_ SCSI_ADAPTER_CONTROL_STATUS MsirigCheckAdapterControl(
    PVOID DeviceExtension, SCSI_ADAPTER_CONTROL_TYPE ControlType, PVOID Parameters) {
  PSCSI_SUPPORTED_CONTROL_TYPE_LIST list;
  ULONG i;

  UNREFERENCED_PARAMETER(DeviceExtension);
  switch (ControlType) {
    case ScsiQuerySupportedControlTypes:
      list = (PSCSI_SUPPORTED_CONTROL_TYPE_LIST)Parameters;
      for (i = 0; i < list->MaxControlType; i++) {
        list->SupportedTypeList[i] = (i == ScsiStopAdapter || i == ScsiRestartAdapter);
      }
      return ScsiAdapterControlSuccess;
    case ScsiStopAdapter:
    case ScsiRestartAdapter:
      return ScsiAdapterControlSuccess;
    default:
      return ScsiAdapterControlUnsuccessful;
  }
}

_Use_decl_annotations_ SCSI_UNIT_CONTROL_STATUS MsirigCheckUnitControl(
    PVOID DeviceExtension, SCSI_UNIT_CONTROL_TYPE ControlType, PVOID Parameters) {
  UNREFERENCED_PARAMETER(DeviceExtension);
  UNREFERENCED_PARAMETER(Parameters);
  return ControlType == ScsiQuerySupportedUnitControlTypes ? ScsiUnitControlSuccess
                                                           : ScsiUnitControlUnsuccessful;
}

_Use_decl_annotations_ VOID MsirigCheckDpc(PSTOR_DPC Dpc, PVOID HwDeviceExtension,
                                           PVOID SystemArgument1, PVOID SystemArgument2) {
  STOR_LOCK_HANDLE lock;

  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  StorPortAcquireSpinLock(HwDeviceExtension, DpcLock, Dpc, &lock);
  StorPortReleaseSpinLock(HwDeviceExtension, &lock);
  StorPortSynchronizeAccess(HwDeviceExtension, MsirigCheckSynchronized, NULL);
  StorPortNotification(RequestTimerCall, HwDeviceExtension, MsirigCheckTimer, (ULONG)1000);
}

_Use_decl_annotations_ VOID MsirigCheckTimer(PVOID DeviceExtension) {
  StorPortNotification(NextRequest, DeviceExtension);
}

_Use_decl_annotations_ BOOLEAN MsirigCheckSynchronized(PVOID HwDeviceExtension, PVOID Context) {
  UNREFERENCED_PARAMETER(HwDeviceExtension);
  return Context == NULL;
}

_Use_decl_annotations_ VOID MsirigCheckFreeAdapterResources(PVOID DeviceExtension) {
  UNREFERENCED_PARAMETER(DeviceExtension);
}

/* Calls every FORCEINLINE wrapper and a spread of exported routines, so each is type-checked. */
VOID MsirigCheckUseEveryWrapper(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb) {
  PVOID buffer = NULL;
  PVOID mdl = NULL;
  PVOID objects[3];
  ULONG oldIrql = 0;
  ULONG length = 0;
  MESSAGE_INTERRUPT_INFORMATION info;
  PERF_CONFIGURATION_DATA perf;
  STARTIO_PERFORMANCE_PARAMETERS startIo;
  PROCESSOR_NUMBER processor;
  KAFFINITY affinity;
  LARGE_INTEGER frequency;
  LARGE_INTEGER counter;
  PVOID worker = NULL;
  PVOID timer = NULL;
  STOR_PHYSICAL_ADDRESS pa;
  PSTOR_SCATTER_GATHER_LIST sgl;
  UCHAR sgBuffer[256];
  STOR_DPC dpc;
  STOR_LOCK_HANDLE lock;
  ULONG status = STOR_STATUS_SUCCESS;

  status |= StorPortAllocatePool(DeviceExtension, 4096, 0x6d697267 /* 'mirg' */, &buffer);
  status |= StorPortFreePool(DeviceExtension, buffer);
  status |= StorPortGetSystemAddress(DeviceExtension, Srb, &buffer);
  status |= StorPortGetOriginalMdl(DeviceExtension, Srb, &mdl);
  status |= StorPortGetDeviceObjects(DeviceExtension, &objects[0], &objects[1], &objects[2]);
  status |= StorPortBuildScatterGatherList(DeviceExtension, mdl, buffer, 512, NULL, NULL, TRUE,
                                           sgBuffer, sizeof(sgBuffer));
  status |=
      StorPortPutScatterGatherList(DeviceExtension, (PSTOR_SCATTER_GATHER_LIST)sgBuffer, TRUE);
  status |= StorPortAcquireMSISpinLock(DeviceExtension, 1, &oldIrql);
  status |= StorPortReleaseMSISpinLock(DeviceExtension, 1, oldIrql);
  status |= StorPortGetMSIInfo(DeviceExtension, 0, &info);
  perf.Version = STOR_PERF_VERSION;
  perf.Size = sizeof(perf);
  status |= StorPortInitializePerfOpts(DeviceExtension, TRUE, &perf);
  startIo.Version = STOR_PERF_VERSION;
  startIo.Size = sizeof(startIo);
  status |= StorPortGetStartIoPerfParams(DeviceExtension, Srb, &startIo);
  status |= StorPortGetCurrentProcessorNumber(DeviceExtension, &processor);
  status |= StorPortGetGroupAffinity(DeviceExtension, processor.Group, &affinity);
  status |= StorPortQueryPerformanceCounter(DeviceExtension, &frequency, &counter);
  status |= StorPortInitializeWorker(DeviceExtension, &worker);
  status |= StorPortQueueWorkItem(DeviceExtension, NULL, worker, NULL);
  status |= StorPortFreeWorker(DeviceExtension, worker);
  status |= StorPortInitializeTimer(DeviceExtension, &timer);
  status |= StorPortRequestTimer(DeviceExtension, timer, NULL, NULL, 1000, 0);
  status |= StorPortFreeTimer(DeviceExtension, timer);

  StorPortInitializeDpc(DeviceExtension, &dpc, MsirigCheckDpc);
  (void)StorPortIssueDpc(DeviceExtension, &dpc, NULL, NULL);
  (void)StorPortEnablePassiveInitialization(DeviceExtension, MsirigCheckPassiveInitialize);
  StorPortAcquireSpinLock(DeviceExtension, StartIoLock, NULL, &lock);
  StorPortReleaseSpinLock(DeviceExtension, &lock);

  pa = StorPortGetPhysicalAddress(DeviceExtension, Srb, Srb->DataBuffer, &length);
  buffer = StorPortGetVirtualAddress(DeviceExtension, pa);
  sgl = StorPortGetScatterGatherList(DeviceExtension, Srb);
  if (sgl != NULL && sgl->NumberOfElements > 0) {
    length =
        sgl->List[0].Length + StorPortConvertPhysicalAddressToUlong(sgl->List[0].PhysicalAddress);
  }
  pa = StorPortConvertUlongToPhysicalAddress((ULONG_PTR)length);
  StorPortMoveMemory(sgBuffer, &pa, sizeof(pa));
  StorPortCopyMemory(sgBuffer, &pa, sizeof(pa));
  StorPortStallExecution(10);
  StorPortQuerySystemTime(&counter);
  (void)StorPortBusy(DeviceExtension, 1);
  (void)StorPortReady(DeviceExtension);
  (void)StorPortPause(DeviceExtension, 1);
  (void)StorPortResume(DeviceExtension);
  (void)StorPortDeviceBusy(DeviceExtension, 0, 0, 0, 1);
  (void)StorPortDeviceReady(DeviceExtension, 0, 0, 0);
  (void)StorPortGetLogicalUnit(DeviceExtension, Srb->PathId, Srb->TargetId, Srb->Lun);
  (void)StorPortSetBusDataByOffset(DeviceExtension, PCIConfiguration, 0, 0, sgBuffer, 4, 2);
  StorPortFreeDeviceBase(DeviceExtension, buffer);
  StorPortLogError(DeviceExtension, Srb, 0, 0, 0, SP_INTERNAL_ADAPTER_ERROR, status);
  StorPortDebugPrint(0, "status %x\n", status);
  StorPortNotification(BusChangeDetected, DeviceExtension, 0);
  StorPortNotification(QueryTickCount, DeviceExtension, &counter);
  (void)StorPortReadRegisterUchar(DeviceExtension, (PUCHAR)buffer);
  (void)StorPortReadRegisterUshort(DeviceExtension, (PUSHORT)buffer);
  (void)StorPortReadRegisterUlong64(DeviceExtension, (PULONG64)buffer);
  StorPortWriteRegisterUchar(DeviceExtension, (PUCHAR)buffer, 1);
  StorPortWriteRegisterUshort(DeviceExtension, (PUSHORT)buffer, 1);
  StorPortWriteRegisterUlong64(DeviceExtension, (PULONG64)buffer, 1);
  StorPortReadRegisterBufferUlong(DeviceExtension, (PULONG)buffer, (PULONG)sgBuffer, 4);
  StorPortWriteRegisterBufferUlong(DeviceExtension, (PULONG)buffer, (PULONG)sgBuffer, 4);
  (void)StorPortReadPortUlong(DeviceExtension, (PULONG)buffer);
  StorPortWritePortUlong(DeviceExtension, (PULONG)buffer, 1);
  NT_VERIFY(status == STOR_STATUS_SUCCESS);
  NT_ASSERT(BYTES_TO_PAGES(4097) == 2);
  NT_ASSERT(ADDRESS_AND_SIZE_TO_SPAN_PAGES((PVOID)0xfff, 2) == 2);
  NT_ASSERT(CONTAINING_RECORD(&((PCHECK_EXTENSION)DeviceExtension)->Dpc, CHECK_EXTENSION, Dpc) ==
            DeviceExtension);
}
