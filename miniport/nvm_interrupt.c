/*
 * nvm_interrupt.c - interrupts and the one completion path. An ISR drains the completion
 * queues bound to its message (phase tags, NVMe 1.4 4.6) into their done lists and hands them
 * to the queue's DPC, which completes the requests at DISPATCH_LEVEL; HwTimer polls for
 * interrupts that never came. Every completion reaches Storport through NvmCompleteDoneList.
 */
#include "nvm_miniport.h"

_Use_decl_annotations_
VOID NvmQueueDone(PNVM_QUEUE Queue, PSCSI_REQUEST_BLOCK Srb, UCHAR SrbStatus) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  if (SrbStatus != 0) {
    Srb->SrbStatus = SrbStatus;
  }
  extension->Next = NULL;
  if (Queue->DoneTail == NULL) {
    Queue->DoneHead = Srb;
  } else {
    ((PNVM_SRB_EXTENSION)Queue->DoneTail->SrbExtension)->Next = Srb;
  }
  Queue->DoneTail = Srb;
}

/* The next part of a transfer longer than MDTS (NvmBuildReadWrite), on the slot the last part
 * completed on, under the same queue lock: a new CID (a late completion of the last part no
 * longer matches), the SQ entry and the doorbell. The slot had one command in flight, so the SQ
 * has room, as for HwStartIo. */
static VOID NvmSubmitNextPart(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PNVM_QUEUE Queue,
                              _In_ ULONG Slot, _In_ PSCSI_REQUEST_BLOCK Srb) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  ULONG generation = Queue->NextGeneration++;

  Srb->SrbStatus = SRB_STATUS_PENDING;
  NvmPreparePart(Adapter, Srb);
  extension->Cid = (USHORT)(((generation << NVM_CID_SLOT_BITS) | Slot) & 0xFFFF);
  extension->Command.Cid = extension->Cid;
  NvmPlacePrp2(Queue, Slot, extension);
  Queue->SlotCid[Slot] = extension->Cid;
  NvmCopyMemory(&Queue->Sq[Queue->SqTail], &extension->Command, sizeof(NVME_COMMAND));
  Queue->SqTail = (USHORT)((Queue->SqTail + 1) % Queue->Depth);
  StorPortWriteRegisterUlong(Adapter, Queue->SqDoorbell, Queue->SqTail);
}

/* Caller holds the queue's lock. Consumes every new entry, at most one pass of the ring, and
 * returns TRUE when there was any. An entry whose CID does not name a live command (late after
 * a reset, duplicated, corrupted) is consumed and dropped: its request, if any, is recovered by
 * the timeout and reset path rather than completed twice or as another request. */
_Use_decl_annotations_
BOOLEAN NvmDrainCompletionQueue(PNVM_ADAPTER_EXTENSION Adapter, PNVM_QUEUE Queue) {
  volatile NVME_COMPLETION* entry;
  PSCSI_REQUEST_BLOCK srb;
  USHORT status;
  USHORT cid;
  ULONG dw0;
  ULONG slot;
  ULONG consumed = 0;

  if (!Queue->Created) {
    return FALSE;
  }
  while (consumed < Queue->Depth) {
    entry = &Queue->Cq[Queue->CqHead];
    status = entry->Status;
    if (NVME_CQE_PHASE(status) != Queue->Phase) {
      break;
    }
    cid = entry->Cid;
    dw0 = entry->Dw0;
    consumed++;
    Queue->CqHead++;
    if (Queue->CqHead >= Queue->Depth) {
      Queue->CqHead = 0;
      Queue->Phase ^= 1; /* 4.6: the phase inverts on every pass */
    }
    if (Queue->QueueId == 0) {
      if (Adapter->Admin.Busy && cid == Adapter->Admin.Cid) {
        Adapter->Admin.Status = status;
        Adapter->Admin.Dw0 = dw0;
        Adapter->Admin.Busy = FALSE;
        Adapter->Admin.Done = TRUE;
      }
      continue;
    }
    /* Each CQ serves exactly one SQ here, so the CID alone names the command; SQID is not
     * needed to find it (and a corrupted SQID does not strand a good completion). */
    slot = cid & NVM_CID_SLOT_MASK;
    if (slot >= (ULONG)(Queue->Depth - 1) || Queue->Slots[slot] == NULL ||
        Queue->SlotCid[slot] != cid) {
      continue;
    }
    srb = Queue->Slots[slot];
    NvmTranslateStatus(srb, status);
    if (srb->SrbStatus == SRB_STATUS_SUCCESS &&
        ((PNVM_SRB_EXTENSION)srb->SrbExtension)->BlocksLeft > 0) {
      if (Adapter->State == NvmStateRunning) {
        NvmSubmitNextPart(Adapter, Queue, slot, srb);
      } else {
        /* A reset, stop or removal is reaping the queues: no new command goes to a controller
         * about to be disabled, and the unfinished request stays in its slot for that path to
         * fail (NvmAbortOutstanding), as every request still outstanding there is. */
        srb->SrbStatus = SRB_STATUS_PENDING;
      }
      continue;
    }
    Queue->Slots[slot] = NULL;
    Queue->Outstanding--;
    NvmQueueDone(Queue, srb, 0);
  }
  if (consumed > 0) {
    StorPortWriteRegisterUlong(Adapter, Queue->CqDoorbell, Queue->CqHead);
  }
  return consumed > 0;
}

_Use_decl_annotations_
VOID NvmCompleteDoneList(PNVM_ADAPTER_EXTENSION Adapter, PSCSI_REQUEST_BLOCK List) {
  PSCSI_REQUEST_BLOCK next;
  while (List != NULL) {
    next = ((PNVM_SRB_EXTENSION)List->SrbExtension)->Next; /* the SRB is gone once completed */
    NT_ASSERT(List->SrbStatus != SRB_STATUS_PENDING);
    StorPortNotification(RequestComplete, Adapter, List);
    List = next;
  }
}

/* Caller holds the queue's lock. Normally the queue's DPC completes the requests; on an OS
 * without passive initialization there are no DPCs, and Storport accepts completion from the
 * interrupt routine. */
_Use_decl_annotations_
VOID NvmHandOff(PNVM_ADAPTER_EXTENSION Adapter, PNVM_QUEUE Queue) {
  PSCSI_REQUEST_BLOCK list;
  if (Queue->DoneHead == NULL || Queue->QueueId == 0) {
    return;
  }
  if (Adapter->DpcsReady) {
    (VOID)StorPortIssueDpc(Adapter, &Queue->Dpc, NULL, NULL);
    return;
  }
#if defined(MSIRIG_BUG_INTERRUPT_LOCK_IN_ISR)
  {
    /* ZOO: "completion takes the interrupt lock", here from inside the interrupt routine. */
    STOR_LOCK_HANDLE handle;
    StorPortAcquireSpinLock(Adapter, InterruptLock, NULL, &handle);
    list = Queue->DoneHead;
    Queue->DoneHead = NULL;
    Queue->DoneTail = NULL;
    StorPortReleaseSpinLock(Adapter, &handle);
  }
#else
  list = Queue->DoneHead;
  Queue->DoneHead = NULL;
  Queue->DoneTail = NULL;
#endif
  NvmCompleteDoneList(Adapter, list);
}

/* Drains the queues bound to MessageId (every queue for the line). Storport holds that
 * message's lock (or the interrupt lock), which is each of those queues' lock. */
static BOOLEAN NvmServiceQueues(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN Line,
                                _In_ ULONG MessageId) {
  BOOLEAN claimed = FALSE;
  PNVM_QUEUE queue;
  ULONG q;

  if (Adapter->State == NvmStateStopped || Adapter->State == NvmStateRemoved ||
      Adapter->State == NvmStateFailed) {
    return FALSE; /* SPEC.md 5: nothing is processed while stopped or gone */
  }
  for (q = 0; q <= NVM_MAX_IO_QUEUES; q++) {
    queue = &Adapter->Queues[q];
    if (!queue->Created || (!Line && queue->MessageId != MessageId)) {
      continue;
    }
    if (NvmDrainCompletionQueue(Adapter, queue)) {
      claimed = TRUE;
      NvmHandOff(Adapter, queue);
#if defined(MSIRIG_BUG_COMPLETION_AT_DIRQL)
      if (queue->Outstanding > 0) {
        /* ZOO: re-arms the lost-interrupt timer from the ISR, under StartIoLock (DISPATCH_LEVEL
         * work at DIRQL). */
        STOR_LOCK_HANDLE handle;
        StorPortAcquireSpinLock(Adapter, StartIoLock, NULL, &handle);
        NvmArmTimer(Adapter);
        StorPortReleaseSpinLock(Adapter, &handle);
      }
#endif
    }
  }
  return claimed;
}

_Use_decl_annotations_
BOOLEAN NvmHwMSInterruptRoutine(PVOID DeviceExtension, ULONG MessageId) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
#if defined(MSIRIG_BUG_MESSAGE_ID_UNBOUNDED)
  /* ZOO: per-message statistics in a table with one entry per queue, indexed by the message id
   * before any bound: a granted message that no queue uses writes past it. */
  if (adapter->MessageHits != NULL) {
    adapter->MessageHits[MessageId]++;
  }
#endif
  /* A message no queue is bound to (more granted than used, or not one of ours). */
  if (MessageId >= adapter->MessageCount) {
    return FALSE;
  }
  return NvmServiceQueues(adapter, FALSE, MessageId);
}

_Use_decl_annotations_
BOOLEAN NvmHwInterrupt(PVOID DeviceExtension) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  if (adapter->MessageCount != 0) {
    return FALSE; /* message-signaled: the line is not ours */
  }
  if (NvmServiceQueues(adapter, TRUE, 0)) {
    return TRUE;
  }
  /* Nothing posted: the line may be shared, so do not claim it. A register read is how the
   * host acknowledges a pin-based interrupt with no completion behind it (7.5.1). */
#if defined(MSIRIG_BUG_STATUS_EQUALS)
  /* ZOO: "the line is ours while the controller reports exactly RDY": a status register tested
   * with == instead of the interrupt's own cause, so a shared line is claimed. */
  if (adapter->State == NvmStateRunning || adapter->State == NvmStateInitializing) {
    return NvmReadRegister(adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS)) ==
           NVME_CSTS_RDY;
  }
#else
  if (adapter->State == NvmStateRunning || adapter->State == NvmStateInitializing) {
    (VOID)NvmReadRegister(adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS));
  }
#endif
  return FALSE;
}

/* DISPATCH_LEVEL, no lock held on entry. */
_Use_decl_annotations_
VOID NvmCompletionDpc(PSTOR_DPC Dpc, PVOID HwDeviceExtension, PVOID SystemArgument1,
                      PVOID SystemArgument2) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)HwDeviceExtension;
  PNVM_QUEUE queue = CONTAINING_RECORD(Dpc, NVM_QUEUE, Dpc);
  PSCSI_REQUEST_BLOCK list;
#if !defined(MSIRIG_BUG_DPC_LOCK_FOR_ISR_DATA)
  NVM_LOCK lock;
#endif
  ULONG_PTR index;

  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  index = (ULONG_PTR)(queue - adapter->Queues);
  if (index == 0 || index > NVM_MAX_IO_QUEUES) {
    return;
  }
#if defined(MSIRIG_BUG_DPC_LOCK_FOR_ISR_DATA)
  {
    /* ZOO: DpcLock "protects" the done list, which the ISR appends to at DIRQL. */
    STOR_LOCK_HANDLE handle;
    StorPortAcquireSpinLock(adapter, DpcLock, Dpc, &handle);
    list = queue->DoneHead;
    queue->DoneHead = NULL;
    queue->DoneTail = NULL;
    StorPortReleaseSpinLock(adapter, &handle);
  }
#else
  NvmAcquireQueueLock(adapter, queue, &lock);
  list = queue->DoneHead;
  queue->DoneHead = NULL;
  queue->DoneTail = NULL;
  NvmReleaseQueueLock(adapter, &lock);
#endif
  NvmCompleteDoneList(adapter, list);
}

/* Caller holds StartIoLock. */
_Use_decl_annotations_
VOID NvmArmTimer(PNVM_ADAPTER_EXTENSION Adapter) {
  if (!Adapter->TimerArmed) {
    Adapter->TimerArmed = TRUE;
    StorPortNotification(RequestTimerCall, Adapter, NvmHwTimer, NVM_TIMER_US);
  }
}

/* Half duplex: StartIoLock and every queue lock are held. A lost, masked or misrouted interrupt
 * leaves entries in a CQ; the poll completes them. A controller that reports fatal status is
 * reset; one that reads all ones is gone. */
_Use_decl_annotations_
VOID NvmHwTimer(PVOID DeviceExtension) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  ULONG outstanding = 0;
  ULONG csts;
  ULONG q;

  adapter->TimerArmed = FALSE;
  if (adapter->State != NvmStateRunning) {
    return;
  }
  csts = NvmReadRegister(adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS));
  if (csts == NVME_REGISTER_GONE) {
    (VOID)NvmDeviceGone(adapter);
    return;
  }
  if ((csts & NVME_CSTS_CFS) != 0) {
    (VOID)NvmResetController(adapter);
    return;
  }
  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    if (NvmDrainCompletionQueue(adapter, &adapter->Queues[q])) {
      NvmHandOff(adapter, &adapter->Queues[q]);
    }
    outstanding += adapter->Queues[q].Outstanding;
  }
  if (outstanding > 0) {
    NvmArmTimer(adapter);
  }
}
