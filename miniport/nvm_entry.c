/*
 * nvm_entry.c - DriverEntry, HwFindAdapter, HwInitialize and the passive initialization
 * routine, and the adapter parameters Storport passes from the registry (DriverParameter).
 */
#include "nvm_miniport.h"

#define NVM_DEFAULT_IO_QUEUES 4

static STOR_SYNCHRONIZED_ACCESS NvmSyncDpcsReady;

/* --- adapter parameters: "SyncMode=PerMessage|All;IoQueues=N" ------------------------------ */

static UCHAR NvmLower(_In_ UCHAR c) { return (c >= 'A' && c <= 'Z') ? (UCHAR)(c + ('a' - 'A')) : c; }

/* TRUE when [Text, Text + Length) equals the lowercase literal Word, ignoring case. */
static BOOLEAN NvmTokenIs(_In_reads_(Length) const CHAR* Text, _In_ ULONG Length,
                          _In_z_ const CHAR* Word) {
  ULONG i;
  for (i = 0; i < Length; i++) {
    if (Word[i] == '\0' || NvmLower((UCHAR)Text[i]) != (UCHAR)Word[i]) {
      return FALSE;
    }
  }
  return Word[Length] == '\0';
}

static BOOLEAN NvmIsSeparator(_In_ CHAR c) { return c == ';' || c == ',' || c == ' ' || c == '\t'; }

static VOID NvmParseParameter(_In_ PNVM_ADAPTER_EXTENSION Adapter,
                              _In_reads_(KeyLength) const CHAR* Key, _In_ ULONG KeyLength,
                              _In_reads_(ValueLength) const CHAR* Value, _In_ ULONG ValueLength) {
  ULONG number = 0;
  ULONG i;

  if (NvmTokenIs(Key, KeyLength, "syncmode")) {
    if (NvmTokenIs(Value, ValueLength, "permessage")) {
      Adapter->SyncMode = NvmSyncPerMessage;
    } else if (NvmTokenIs(Value, ValueLength, "all")) {
      Adapter->SyncMode = NvmSyncAll;
    }
  } else if (NvmTokenIs(Key, KeyLength, "ioqueues")) {
    for (i = 0; i < ValueLength && i < 6; i++) {
      if (Value[i] < '0' || Value[i] > '9') {
        return;
      }
      number = number * 10 + (ULONG)(Value[i] - '0');
    }
    if (number >= 1) {
      Adapter->IoQueuesRequested = NvmMin(number, NVM_MAX_IO_QUEUES);
    }
  }
}

static VOID NvmParseArgumentString(_In_ PNVM_ADAPTER_EXTENSION Adapter,
                                   _In_opt_z_ const CHAR* Arguments) {
  ULONG i = 0;
  ULONG key;
  ULONG keyEnd;
  ULONG value;

  if (Arguments == NULL) {
    return;
  }
  /* Storport limits DriverParameter; never walk further than a sane bound. */
  while (Arguments[i] != '\0' && i < 1024) {
    while (Arguments[i] != '\0' && NvmIsSeparator(Arguments[i])) {
      i++;
    }
    key = i;
    while (Arguments[i] != '\0' && Arguments[i] != '=' && !NvmIsSeparator(Arguments[i])) {
      i++;
    }
    keyEnd = i;
    if (Arguments[i] != '=') {
      continue;
    }
    i++;
    value = i;
    while (Arguments[i] != '\0' && !NvmIsSeparator(Arguments[i])) {
      i++;
    }
    NvmParseParameter(Adapter, &Arguments[key], keyEnd - key, &Arguments[value], i - value);
  }
}

/* --- DriverEntry ----------------------------------------------------------------------- */

_Use_decl_annotations_
ULONG DriverEntry(PVOID DriverObject, PVOID RegistryPath) {
  HW_INITIALIZATION_DATA init;

  NvmZeroMemory(&init, sizeof(init));
  init.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
  init.AdapterInterfaceType = PCIBus;
  init.HwFindAdapter = NvmHwFindAdapter;
  init.HwInitialize = NvmHwInitialize;
  init.HwBuildIo = NvmHwBuildIo;
  init.HwStartIo = NvmHwStartIo;
  init.HwInterrupt = NvmHwInterrupt;
  init.HwResetBus = NvmHwResetBus;
  init.HwAdapterControl = NvmHwAdapterControl;
  init.HwUnitControl = NvmHwUnitControl;
  init.DeviceExtensionSize = sizeof(NVM_ADAPTER_EXTENSION);
  init.SpecificLuExtensionSize = 0;
  init.SrbExtensionSize = sizeof(NVM_SRB_EXTENSION);
  init.NumberOfAccessRanges = 2; /* BAR0 registers, BAR4 MSI-X table (the platform's) */
  init.MapBuffers = STOR_MAP_NON_READ_WRITE_BUFFERS;
  init.NeedPhysicalAddresses = TRUE;
  init.TaggedQueuing = TRUE;
  init.AutoRequestSense = TRUE;
  init.MultipleRequestPerLu = TRUE;
  init.SrbTypeFlags = SRB_TYPE_FLAG_SCSI_REQUEST_BLOCK;
  return StorPortInitialize(DriverObject, RegistryPath, &init, NULL);
}

/* --- HwFindAdapter --------------------------------------------------------------------- */

_Use_decl_annotations_
ULONG NvmHwFindAdapter(PVOID DeviceExtension, PVOID HwContext, PVOID BusInformation,
                       PCHAR ArgumentString, PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                       PBOOLEAN Reserved3) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  PACCESS_RANGE range;
  ULONG needed;

  UNREFERENCED_PARAMETER(HwContext);
  UNREFERENCED_PARAMETER(BusInformation);
  UNREFERENCED_PARAMETER(Reserved3);

  adapter->State = NvmStateInitializing;
  adapter->SyncMode = NvmSyncPerMessage;
  adapter->IoQueuesRequested = 0;
  NvmParseArgumentString(adapter, ArgumentString);

  if (ConfigInfo->NumberOfAccessRanges < 1 || ConfigInfo->AccessRanges == NULL) {
    return SP_RETURN_NOT_FOUND;
  }
  range = &(*ConfigInfo->AccessRanges)[0];
  if (!range->RangeInMemory || range->RangeLength < NVME_DOORBELL_BASE + 8) {
    return SP_RETURN_NOT_FOUND;
  }
  adapter->Registers = (PUCHAR)StorPortGetDeviceBase(
      adapter, ConfigInfo->AdapterInterfaceType, ConfigInfo->SystemIoBusNumber,
      range->RangeStart, range->RangeLength, FALSE);
  if (adapter->Registers == NULL) {
    return SP_RETURN_ERROR;
  }
  adapter->RegisterLength = range->RangeLength;

  /* 3.1.1: a controller we can drive: NVM command set, 4 KiB pages, doorbells inside BAR0. */
  adapter->Cap = NvmReadRegister64(adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CAP));
  if (adapter->Cap == ~(ULONG64)0 || !NVME_CAP_CSS_NVM(adapter->Cap) ||
      NVME_CAP_MPSMIN(adapter->Cap) != 0) {
    return SP_RETURN_NOT_FOUND;
  }
  adapter->DoorbellStride = NVME_CAP_DSTRD(adapter->Cap);
  adapter->MaxQueueEntries = NVME_CAP_MQES(adapter->Cap) + 1;
  if (adapter->MaxQueueEntries < NVM_ADMIN_QUEUE_DEPTH) {
    return SP_RETURN_NOT_FOUND;
  }
  adapter->ReadyTimeoutUs = NvmMin(NVME_CAP_TO(adapter->Cap) * 500000UL, 30000000UL);
  if (adapter->ReadyTimeoutUs == 0) {
    adapter->ReadyTimeoutUs = 500000UL;
  }
  needed = NVME_CQ_HEAD_DOORBELL(NVM_MAX_IO_QUEUES, adapter->DoorbellStride) + 4;
  if (needed > adapter->RegisterLength) {
    return SP_RETURN_BAD_CONFIG;
  }

  ConfigInfo->MaximumTransferLength = NVM_MAX_TRANSFER_BYTES;
  adapter->MaxTransferBytes = NVM_MAX_TRANSFER_BYTES; /* until Identify tells MDTS */
  ConfigInfo->NumberOfPhysicalBreaks = NVM_MAX_PRPS - 1;
  ConfigInfo->AlignmentMask = 0x3; /* 4.3: PRP entries are dword aligned */
  ConfigInfo->ScatterGather = TRUE;
  ConfigInfo->Master = TRUE;
  ConfigInfo->CachesData = TRUE;
  ConfigInfo->Dma32BitAddresses = TRUE;
  ConfigInfo->Dma64BitAddresses = SCSI_DMA64_MINIPORT_FULL64BIT_SUPPORTED;
  ConfigInfo->NumberOfBuses = 1;
  ConfigInfo->MaximumNumberOfTargets = 1;
  ConfigInfo->MaximumNumberOfLogicalUnits = 1;
  ConfigInfo->MapBuffers = STOR_MAP_NON_READ_WRITE_BUFFERS;
#if defined(MSIRIG_BUG_TIMER_POLL_RACES_ISR)
  /* ZOO: full duplex "for throughput". Storport then no longer holds the interrupt lock around
   * HwTimer and HwResetBus; HwResetBus now takes it (nvm_pnp.c), but HwTimer still polls the
   * completion queues as if Storport held it. */
  ConfigInfo->SynchronizationModel = StorSynchronizeFullDuplex;
#else
  /* Half duplex: HwTimer and HwResetBus run holding the interrupt lock (every MSI lock in
   * per-message mode), which is what lets them poll and reset the completion queues. */
  ConfigInfo->SynchronizationModel = StorSynchronizeHalfDuplex;
#endif
  ConfigInfo->MaxNumberOfIO = NVM_MAX_IO_QUEUES * NVM_IO_SLOTS;
  /* Every I/O queue serves the one namespace. Unset, Storport would keep a physical miniport's
   * logical unit at 20 outstanding requests (StorPortSetDeviceQueueDepth's default). */
  ConfigInfo->MaxIOsPerLun = NVM_MAX_IO_QUEUES * NVM_IO_SLOTS;

  /* SPEC.md 3: Storport says Latched when it connects MSI/MSI-X; only then is there an MSI
   * routine, and the adapter parameter picks how its calls are synchronized. */
  adapter->MessageSignaled = ConfigInfo->InterruptMode == Latched;
  if (adapter->MessageSignaled) {
    ConfigInfo->HwMSInterruptRoutine = NvmHwMSInterruptRoutine;
    ConfigInfo->InterruptSynchronizationMode = adapter->SyncMode == NvmSyncAll
                                                   ? InterruptSynchronizeAll
                                                   : InterruptSynchronizePerMessage;
  } else {
    ConfigInfo->HwMSInterruptRoutine = NULL;
    ConfigInfo->InterruptSynchronizationMode = InterruptSupportNone;
  }

  if (!NvmCarveUncachedExtension(adapter, ConfigInfo)) {
    return SP_RETURN_ERROR;
  }
  return SP_RETURN_FOUND;
}

/* --- HwInitialize (DIRQL, interrupt lock held) ------------------------------------------ */

/* SPEC.md 2: count the granted messages. NOT_IMPLEMENTED (before Vista) and
 * INVALID_DEVICE_REQUEST (no MSI) mean line-based; the first INVALID_PARAMETER ends the count.
 * The structure is only looked at after SUCCESS. Asked whatever InterruptMode said, as storahci
 * does (it counts with StorPortGetMSIInfo unconditionally): the port's answer, not an inference
 * from ConfigInfo, decides; without an MSI routine installed no message is used even so. */
static ULONG NvmCountMessages(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  MESSAGE_INTERRUPT_INFORMATION info;
  ULONG count = 0;
  ULONG status;

  for (;;) {
    status = StorPortGetMSIInfo(Adapter, count, &info);
    if (status == STOR_STATUS_NOT_IMPLEMENTED || status == STOR_STATUS_INVALID_DEVICE_REQUEST) {
      return 0; /* no MSI on this OS or this HBA: line-based */
    }
    if (status != STOR_STATUS_SUCCESS || !Adapter->MessageSignaled) {
      break;
    }
    if (info.MessageId != count) {
      break; /* not the contiguous numbering the port promises: stop trusting the rest */
    }
    count++;
    if (count >= NVM_MAX_MESSAGES) {
      break; /* more than any queue layout binds */
    }
  }
#if defined(MSIRIG_BUG_MSI_INFO_AFTER_FAILURE)
  /* ZOO: the count taken from the last call's structure, which failed and was not written. */
  if (count > 0) {
    count = info.MessageId + 1;
  }
#endif
  return count;
}

_Use_decl_annotations_
BOOLEAN NvmHwInitialize(PVOID DeviceExtension) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  ULONG q;

  adapter->MessageCount = NvmCountMessages(adapter);
#if defined(MSIRIG_BUG_MSI_LOCK_SYNC_ALL)
  /* ZOO: MSI locks whenever messages are connected, also in InterruptSynchronizeAll. */
  adapter->UseMsiLocks = adapter->MessageCount > 0;
#else
  adapter->UseMsiLocks = adapter->MessageCount > 0 && adapter->SyncMode == NvmSyncPerMessage;
#endif
  if (adapter->IoQueuesRequested == 0) {
    adapter->IoQueuesRequested = adapter->MessageCount > 1
                                     ? NvmMin(adapter->MessageCount - 1, NVM_DEFAULT_IO_QUEUES)
                                     : NVM_DEFAULT_IO_QUEUES;
  }
  for (q = 0; q <= NVM_MAX_IO_QUEUES; q++) {
    adapter->Queues[q].MessageId = NvmMessageForQueue(adapter, q);
  }
  if (!NvmEnableController(adapter)) {
    adapter->State = NvmStateFailed;
    return FALSE;
  }
#if defined(MSIRIG_BUG_DPC_BEFORE_INIT)
  /* ZOO: DPCs marked usable before StorPortInitializeDpc ran (and on an OS without passive
   * initialization, where it never does). */
  adapter->DpcsReady = TRUE;
#endif
  if (StorPortEnablePassiveInitialization(adapter, NvmHwPassiveInitialize)) {
    return TRUE;
  }
  /* No passive initialization means no DPCs on this OS: bring the queues up here, holding the
   * interrupt lock, and complete requests from the interrupt routines. */
#if !defined(MSIRIG_BUG_DPC_BEFORE_INIT)
  adapter->DpcsReady = FALSE;
#endif
  if (!NvmCreateIoQueues(adapter, TRUE, TRUE)) {
    adapter->State = NvmStateFailed;
    return FALSE;
  }
  return TRUE;
}

_Use_decl_annotations_
static BOOLEAN NvmSyncDpcsReady(PVOID HwDeviceExtension, PVOID Context) {
  UNREFERENCED_PARAMETER(Context);
  ((PNVM_ADAPTER_EXTENSION)HwDeviceExtension)->DpcsReady = TRUE;
  return TRUE;
}

/* PASSIVE_LEVEL, no lock: DPCs (only possible here), then identify and the I/O queues. */
_Use_decl_annotations_
BOOLEAN NvmHwPassiveInitialize(PVOID DeviceExtension) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  ULONG q;

  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    StorPortInitializeDpc(adapter, &adapter->Queues[q].Dpc, NvmCompletionDpc);
  }
  (VOID)StorPortSynchronizeAccess(adapter, NvmSyncDpcsReady, NULL);
  if (!NvmCreateIoQueues(adapter, FALSE, TRUE)) {
    return FALSE;
  }
#if defined(MSIRIG_BUG_MESSAGE_ID_UNBOUNDED)
  {
    /* ZOO: one counter per message "in use", i.e. per queue (the admin queue's included). */
    PVOID hits = NULL;
    if (StorPortAllocatePool(adapter, (adapter->IoQueueCount + 1) * sizeof(ULONG), 'hMvN',
                             &hits) == STOR_STATUS_SUCCESS) {
      NvmZeroMemory(hits, (adapter->IoQueueCount + 1) * sizeof(ULONG));
      adapter->MessageHits = (PULONG)hits;
    }
  }
#endif
  return TRUE;
}
