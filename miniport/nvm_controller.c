/*
 * nvm_controller.c - controller bring-up and shutdown (NVMe 1.4 7.6), the admin queue, and the
 * I/O queue pairs bound to the granted messages.
 */
#include "nvm_miniport.h"

/* StorPortStallExecution: "The given value must be less than a full millisecond." */
#define NVM_READY_POLL_US 999
/* An admin command is polled every 100 us for its first millisecond, in which a working
 * controller completes it, then at the longest stall allowed: a command that never completes
 * costs about 2,000 polls of the 2 s timeout instead of 20,000. */
#define NVM_ADMIN_POLL_US 100
#define NVM_ADMIN_POLL_SLOW_US 999
#define NVM_ADMIN_FAST_POLLING_US 1000
#define NVM_READY_TIMEOUT_MAX_US 30000000UL

typedef struct _NVM_ADMIN_CONTEXT {
  PNVME_COMMAND Command;
} NVM_ADMIN_CONTEXT, *PNVM_ADMIN_CONTEXT;

static STOR_SYNCHRONIZED_ACCESS NvmSyncAdminSubmit;
static STOR_SYNCHRONIZED_ACCESS NvmSyncAdminPoll;
static STOR_SYNCHRONIZED_ACCESS NvmSyncAdminAbandon;
static STOR_SYNCHRONIZED_ACCESS NvmSyncMarkCreated;

/* The uncached extension, page by page (its physical base is page aligned): admin SQ, admin CQ,
 * identify buffer, then per I/O queue: SQ page, CQ page, PRP list pages. */
#define NVM_IO_QUEUE_PAGES (2 + (NVM_IO_QUEUE_DEPTH * NVM_PRP_LIST_BYTES) / NVME_PAGE_SIZE)
#define NVM_UNCACHED_PAGES (3 + NVM_MAX_IO_QUEUES * NVM_IO_QUEUE_PAGES)
C_ASSERT(NVM_IO_QUEUE_DEPTH * sizeof(NVME_COMMAND) <= NVME_PAGE_SIZE);
C_ASSERT(NVM_ADMIN_QUEUE_DEPTH * sizeof(NVME_COMMAND) <= NVME_PAGE_SIZE);

static PUCHAR NvmPage(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Page,
                      _Out_ PSTOR_PHYSICAL_ADDRESS Physical) {
  Physical->QuadPart = Adapter->UncachedPhysical.QuadPart + (LONGLONG)Page * NVME_PAGE_SIZE;
  return Adapter->Uncached + (ULONG_PTR)Page * NVME_PAGE_SIZE;
}

_Use_decl_annotations_
BOOLEAN NvmCarveUncachedExtension(PNVM_ADAPTER_EXTENSION Adapter,
                                  PPORT_CONFIGURATION_INFORMATION ConfigInfo) {
  ULONG length = 0;
  ULONG q;
  ULONG page;
  PNVM_QUEUE queue;

  /* HwFindAdapter is the only place this may be called (StorPortGetUncachedExtension page). */
  Adapter->UncachedLength = NVM_UNCACHED_PAGES * NVME_PAGE_SIZE;
  Adapter->Uncached = (PUCHAR)StorPortGetUncachedExtension(Adapter, ConfigInfo, Adapter->UncachedLength);
  if (Adapter->Uncached == NULL) {
    return FALSE;
  }
  Adapter->UncachedPhysical =
      StorPortGetPhysicalAddress(Adapter, NULL, Adapter->Uncached, &length);
  if (length < Adapter->UncachedLength ||
      (Adapter->UncachedPhysical.QuadPart & (LONGLONG)NVME_PAGE_MASK) != 0) {
    return FALSE; /* queues must be physically contiguous and page aligned (PC = 1) */
  }
  queue = &Adapter->Queues[0];
  queue->QueueId = 0;
  queue->Depth = NVM_ADMIN_QUEUE_DEPTH;
  queue->Sq = (PNVME_COMMAND)NvmPage(Adapter, 0, &queue->SqPhysical);
  queue->Cq = (PNVME_COMPLETION)NvmPage(Adapter, 1, &queue->CqPhysical);
  Adapter->IdentifyBuffer = NvmPage(Adapter, 2, &Adapter->IdentifyPhysical);
  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    queue = &Adapter->Queues[q];
    page = 3 + (q - 1) * NVM_IO_QUEUE_PAGES;
    queue->QueueId = (USHORT)q;
    queue->Depth = (USHORT)NvmMin(NVM_IO_QUEUE_DEPTH, Adapter->MaxQueueEntries);
    queue->Sq = (PNVME_COMMAND)NvmPage(Adapter, page, &queue->SqPhysical);
    queue->Cq = (PNVME_COMPLETION)NvmPage(Adapter, page + 1, &queue->CqPhysical);
    queue->PrpLists = NvmPage(Adapter, page + 2, &queue->PrpListsPhysical);
  }
  for (q = 0; q <= NVM_MAX_IO_QUEUES; q++) {
    queue = &Adapter->Queues[q];
    queue->SqDoorbell =
        (PULONG)(Adapter->Registers + NVME_SQ_TAIL_DOORBELL(q, Adapter->DoorbellStride));
    queue->CqDoorbell =
        (PULONG)(Adapter->Registers + NVME_CQ_HEAD_DOORBELL(q, Adapter->DoorbellStride));
  }
  return TRUE;
}

/* Message binding: the admin queue on message 0; I/O queue i on its own message 1..n-1 when
 * there are enough, sharing them round robin when there are fewer (one message serves all when
 * only one was granted, and line-based uses "message" 0 for the bookkeeping). */
_Use_decl_annotations_
ULONG NvmMessageForQueue(PNVM_ADAPTER_EXTENSION Adapter, ULONG QueueIndex) {
  ULONG messages = NvmMin(Adapter->MessageCount, NVM_MAX_MESSAGES);
  if (QueueIndex == 0 || messages <= 1) {
    return 0;
  }
#if defined(MSIRIG_BUG_ONE_OR_MANY_MESSAGES)
  /* ZOO: one message, or one per queue; 2 .. queue count granted is not handled. */
  return QueueIndex;
#else
  return 1 + (QueueIndex - 1) % (messages - 1);
#endif
}

_Use_decl_annotations_
VOID NvmResetQueueState(PNVM_ADAPTER_EXTENSION Adapter, PNVM_QUEUE Queue) {
  ULONG slot;
  UNREFERENCED_PARAMETER(Adapter);
  Queue->Created = FALSE;
  Queue->SqTail = 0;
  Queue->CqHead = 0;
  Queue->Phase = 1; /* 4.6: entries of the first pass carry phase 1 */
  Queue->Outstanding = 0;
  for (slot = 0; slot < NVM_IO_QUEUE_DEPTH; slot++) {
    Queue->Slots[slot] = NULL;
  }
  /* Stale entries from before a reset must not look new to the phase check. */
  NvmZeroMemory(Queue->Cq, (ULONG)(Queue->Depth * sizeof(NVME_COMPLETION)));
}

/* Waits until (CSTS & Mask) == Value; FALSE on timeout, fatal status or a vanished device. */
static BOOLEAN NvmWaitStatus(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Mask,
                             _In_ ULONG Value, _In_ BOOLEAN FailOnFatal) {
  ULONG waited;
  ULONG csts;
  for (waited = 0; waited <= Adapter->ReadyTimeoutUs; waited += NVM_READY_POLL_US) {
    csts = NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS));
    if (csts == NVME_REGISTER_GONE) {
      return FALSE;
    }
    if ((csts & Mask) == Value) {
      return TRUE;
    }
    if (FailOnFatal && (csts & NVME_CSTS_CFS) != 0) {
      return FALSE;
    }
    StorPortStallExecution(NVM_READY_POLL_US);
  }
  return FALSE;
}

_Use_decl_annotations_
BOOLEAN NvmDisableController(PNVM_ADAPTER_EXTENSION Adapter) {
  ULONG cc = NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC));
  if (cc == NVME_REGISTER_GONE) {
    return FALSE;
  }
  if ((cc & NVME_CC_EN) != 0) {
    NvmWriteRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC), cc & ~NVME_CC_EN);
  }
  /* 7.6.2: a reset completes when CSTS.RDY reads 0 (CFS does not block it). */
  return NvmWaitStatus(Adapter, NVME_CSTS_RDY, 0, FALSE);
}

_Use_decl_annotations_
VOID NvmShutdownController(PNVM_ADAPTER_EXTENSION Adapter) {
  ULONG cc = NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC));
  if (cc == NVME_REGISTER_GONE || (cc & NVME_CC_EN) == 0) {
    return;
  }
  /* 7.6.2: normal shutdown notification, then wait for CSTS.SHST = complete. */
  NvmWriteRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC),
                   (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL);
  (VOID)NvmWaitStatus(Adapter, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_COMPLETE, TRUE);
}

/* 7.6.1 steps 1-7: disable, program the admin queue, enable, wait for CSTS.RDY. Every queue
 * lock must be held (or no interrupt can reach the adapter's queues). */
_Use_decl_annotations_
BOOLEAN NvmEnableController(PNVM_ADAPTER_EXTENSION Adapter) {
  PNVM_QUEUE admin = &Adapter->Queues[0];
  ULONG q;

  if (!NvmDisableController(Adapter)) {
    return FALSE;
  }
  for (q = 0; q <= NVM_MAX_IO_QUEUES; q++) {
    NvmResetQueueState(Adapter, &Adapter->Queues[q]);
  }
  Adapter->Admin.Busy = FALSE;
  Adapter->Admin.Done = FALSE;
  NvmWriteRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, AQA),
                   ((ULONG)(admin->Depth - 1) << 16) | (ULONG)(admin->Depth - 1));
  NvmWriteRegister64(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, ASQ),
                     (ULONG64)admin->SqPhysical.QuadPart);
  NvmWriteRegister64(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, ACQ),
                     (ULONG64)admin->CqPhysical.QuadPart);
  NvmWriteRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC),
                   NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS_4K | NVME_CC_AMS_RR |
                       NVME_CC_IOSQES | NVME_CC_IOCQES);
  if (!NvmWaitStatus(Adapter, NVME_CSTS_RDY, NVME_CSTS_RDY, TRUE)) {
    return FALSE;
  }
  admin->Created = TRUE;
  return TRUE;
}

/* --- admin commands, one at a time ------------------------------------------------------- */

_Use_decl_annotations_
static BOOLEAN NvmSyncAdminSubmit(PVOID HwDeviceExtension, PVOID Context) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)HwDeviceExtension;
  PNVM_ADMIN_CONTEXT context = (PNVM_ADMIN_CONTEXT)Context;
  PNVM_QUEUE admin = &adapter->Queues[0];

  if (adapter->Admin.Busy || !admin->Created) {
    return FALSE;
  }
  adapter->Admin.NextCid++;
  adapter->Admin.Cid = adapter->Admin.NextCid;
  adapter->Admin.Busy = TRUE;
  adapter->Admin.Done = FALSE;
  context->Command->Cid = adapter->Admin.Cid;
  NvmCopyMemory(&admin->Sq[admin->SqTail], context->Command, sizeof(NVME_COMMAND));
  admin->SqTail = (USHORT)((admin->SqTail + 1) % admin->Depth);
  StorPortWriteRegisterUlong(adapter, admin->SqDoorbell, admin->SqTail);
  return TRUE;
}

_Use_decl_annotations_
static BOOLEAN NvmSyncAdminPoll(PVOID HwDeviceExtension, PVOID Context) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)HwDeviceExtension;
  UNREFERENCED_PARAMETER(Context);
  (VOID)NvmDrainCompletionQueue(adapter, &adapter->Queues[0]);
  return adapter->Admin.Done;
}

_Use_decl_annotations_
static BOOLEAN NvmSyncAdminAbandon(PVOID HwDeviceExtension, PVOID Context) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)HwDeviceExtension;
  UNREFERENCED_PARAMETER(Context);
  adapter->Admin.Busy = FALSE; /* a late completion no longer matches */
  return TRUE;
}

/* Runs `Routine` holding every queue lock: directly when the caller already holds them
 * (HwInitialize, HwResetBus, HwAdapterControl stop/restart, HwTimer), else through
 * StorPortSynchronizeAccess (passive initialization may acquire no spin lock itself). */
static BOOLEAN NvmRunLocked(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN LocksHeld,
                            _In_ PSTOR_SYNCHRONIZED_ACCESS Routine, _In_opt_ PVOID Context) {
  if (LocksHeld) {
    return Routine(Adapter, Context);
  }
  return StorPortSynchronizeAccess(Adapter, Routine, Context);
}

/* Issues one admin command and polls for it (the ISR of the admin message may reap it first;
 * both do so under the admin queue's lock). Returns the 4.6.1 status without the phase bit, or
 * 0xFFFF when it never completed. */
static USHORT NvmAdminCommand(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN LocksHeld,
                              _Inout_ PNVME_COMMAND Command, _Out_opt_ PULONG Dw0) {
  NVM_ADMIN_CONTEXT context;
  ULONG waited;
  ULONG stall = NVM_ADMIN_POLL_US;
  ULONG csts;

  context.Command = Command;
  if (!NvmRunLocked(Adapter, LocksHeld, NvmSyncAdminSubmit, &context)) {
    return 0xFFFF;
  }
  for (waited = 0; waited < NVM_ADMIN_TIMEOUT_US; waited += stall) {
    if (NvmRunLocked(Adapter, LocksHeld, NvmSyncAdminPoll, NULL)) {
      if (Dw0 != NULL) {
        *Dw0 = Adapter->Admin.Dw0;
      }
      return (USHORT)(Adapter->Admin.Status & 0xFFFE);
    }
    csts = NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS));
    if (csts == NVME_REGISTER_GONE || (csts & NVME_CSTS_CFS) != 0) {
      break;
    }
    stall = waited < NVM_ADMIN_FAST_POLLING_US ? NVM_ADMIN_POLL_US : NVM_ADMIN_POLL_SLOW_US;
    StorPortStallExecution(stall);
  }
  (VOID)NvmRunLocked(Adapter, LocksHeld, NvmSyncAdminAbandon, NULL);
  return 0xFFFF;
}

static USHORT NvmIdentify(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN LocksHeld,
                          _In_ ULONG Cns, _In_ ULONG Nsid) {
  NVME_COMMAND command;
  NvmZeroMemory(&command, sizeof(command));
  command.Opcode = NVME_ADMIN_IDENTIFY;
  command.Nsid = Nsid;
  command.Prp1 = (ULONG64)Adapter->IdentifyPhysical.QuadPart; /* one page: no PRP2 */
  command.Cdw10 = Cns;
  return NvmAdminCommand(Adapter, LocksHeld, &command, NULL);
}

static BOOLEAN NvmReadIdentifyData(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN LocksHeld) {
  PUCHAR data = Adapter->IdentifyBuffer;
  ULONG mdts;
  ULONG lbaf;
  ULONG lbads;
  ULONG i;

  if (NvmIdentify(Adapter, LocksHeld, NVME_CNS_CONTROLLER, 0) != 0) {
    return FALSE;
  }
  NvmCopyMemory(Adapter->Serial, data + NVME_IDCTRL_SN, sizeof(Adapter->Serial));
  NvmCopyMemory(Adapter->Model, data + NVME_IDCTRL_MN, sizeof(Adapter->Model));
  NvmCopyMemory(Adapter->Firmware, data + NVME_IDCTRL_FR, sizeof(Adapter->Firmware));
  Adapter->VolatileWriteCache = (data[NVME_IDCTRL_VWC] & 1) != 0;
  /* 5.15.2.1 MDTS: the largest transfer of one command, a power of two in units of CAP.MPSMIN
   * (4 KiB here: HwFindAdapter takes no other); 0 is no limit. A command over it is aborted with
   * Invalid Field in Command, and Storport's MaximumTransferLength was fixed in HwFindAdapter,
   * before the controller could be asked: longer requests go as several commands. */
  mdts = data[NVME_IDCTRL_MDTS];
  Adapter->MaxTransferBytes = mdts == 0 || mdts >= 16
                                  ? NVM_MAX_TRANSFER_BYTES
                                  : NvmMin(NVM_MAX_TRANSFER_BYTES, NVME_PAGE_SIZE << mdts);

  if (NvmIdentify(Adapter, LocksHeld, NVME_CNS_NAMESPACE, 1) != 0) {
    return FALSE;
  }
  Adapter->NamespaceBlocks = 0;
  for (i = 0; i < 8; i++) {
    Adapter->NamespaceBlocks |= (ULONG64)data[NVME_IDNS_NSZE + i] << (8 * i);
  }
  lbaf = data[NVME_IDNS_FLBAS] & 0xF;
  lbads = data[NVME_IDNS_LBAF + lbaf * 4 + 2];
  /* A hostile or broken identify page: accept only 512 B .. 4 KiB sectors. */
  if (lbads < 9 || lbads > 12 || Adapter->NamespaceBlocks == 0) {
    return FALSE;
  }
  Adapter->BlockSize = 1UL << lbads;
  return TRUE;
}

typedef struct _NVM_MARK_CONTEXT {
  PNVM_QUEUE Queue;
  NVM_ADAPTER_STATE State;
} NVM_MARK_CONTEXT, *PNVM_MARK_CONTEXT;

_Use_decl_annotations_
static BOOLEAN NvmSyncMarkCreated(PVOID HwDeviceExtension, PVOID Context) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)HwDeviceExtension;
  PNVM_MARK_CONTEXT context = (PNVM_MARK_CONTEXT)Context;
  if (context->Queue != NULL) {
    context->Queue->Created = TRUE;
  } else {
    adapter->State = context->State;
  }
  return TRUE;
}

/* 7.6.1 steps 8-9: identify, Number of Queues, then a CQ and an SQ per I/O queue, each CQ
 * interrupting on its queue's message. Leaves State = Running on success. */
_Use_decl_annotations_
BOOLEAN NvmCreateIoQueues(PNVM_ADAPTER_EXTENSION Adapter, BOOLEAN LocksHeld, BOOLEAN Identify) {
  NVME_COMMAND command;
  NVM_MARK_CONTEXT mark;
  PNVM_QUEUE queue;
  ULONG dw0 = 0;
  ULONG wanted;
  ULONG granted;
  ULONG q;

  if (Identify && !NvmReadIdentifyData(Adapter, LocksHeld)) {
    return FALSE;
  }
  wanted = Identify ? Adapter->IoQueuesRequested : Adapter->IoQueueCount;
  NvmZeroMemory(&command, sizeof(command));
  command.Opcode = NVME_ADMIN_SET_FEATURES;
  command.Cdw10 = NVME_FEATURE_NUMBER_OF_QUEUES;
  command.Cdw11 = ((wanted - 1) << 16) | (wanted - 1);
  if (NvmAdminCommand(Adapter, LocksHeld, &command, &dw0) != 0) {
    return FALSE;
  }
  /* 5.21.1.7: NSQA 15:00 and NCQA 31:16, both 0's based; never trust them past our table. */
  granted = NvmMin((dw0 & 0xFFFF) + 1, ((dw0 >> 16) & 0xFFFF) + 1);
  if (Identify) {
    Adapter->IoQueueCount = NvmMin(wanted, NvmMin(granted, NVM_MAX_IO_QUEUES));
  } else if (granted < Adapter->IoQueueCount) {
    return FALSE; /* a restart must come back with the queues requests are spread over */
  }

  for (q = 1; q <= Adapter->IoQueueCount; q++) {
    queue = &Adapter->Queues[q];
    NvmZeroMemory(&command, sizeof(command));
    command.Opcode = NVME_ADMIN_CREATE_IO_CQ;
    command.Prp1 = (ULONG64)queue->CqPhysical.QuadPart;
    command.Cdw10 = ((ULONG)(queue->Depth - 1) << 16) | q;
    command.Cdw11 = (queue->MessageId << 16) | NVME_CREATE_CQ_IEN | NVME_CREATE_CQ_PC;
    if (NvmAdminCommand(Adapter, LocksHeld, &command, NULL) != 0) {
      return FALSE;
    }
    NvmZeroMemory(&command, sizeof(command));
    command.Opcode = NVME_ADMIN_CREATE_IO_SQ;
    command.Prp1 = (ULONG64)queue->SqPhysical.QuadPart;
    command.Cdw10 = ((ULONG)(queue->Depth - 1) << 16) | q;
    command.Cdw11 = (q << 16) | NVME_CREATE_SQ_PC;
    if (NvmAdminCommand(Adapter, LocksHeld, &command, NULL) != 0) {
      return FALSE;
    }
    mark.Queue = queue;
    mark.State = NvmStateRunning;
    (VOID)NvmRunLocked(Adapter, LocksHeld, NvmSyncMarkCreated, &mark);
  }
  mark.Queue = NULL;
  mark.State = NvmStateRunning;
  (VOID)NvmRunLocked(Adapter, LocksHeld, NvmSyncMarkCreated, &mark);
  return TRUE;
}

