/*
 * nvm_pnp.c - adapter control (stop, restart, surprise removal), bus reset after a timeout,
 * controller fatal status and a device that has gone away. Every routine here runs with every
 * queue lock held (HwAdapterControl stop/restart: InterruptLock; HwResetBus and HwTimer in half
 * duplex: StartIoLock and InterruptLock), so it touches the queues directly; the requests it
 * finishes go through the same done lists and DPCs as normal completions, exactly once. The
 * exceptions run at PASSIVE_LEVEL with no lock: the surprise-removal notice, which takes
 * InterruptLock itself, and HwUnitControl, which touches no adapter state.
 */
#include "nvm_miniport.h"

/* Finishes every command the controller still owns with SrbStatus. Its slot's CID is retired
 * with it, so a completion that turns up later (7.3.2 says none should; a faulty device may)
 * matches nothing. */
_Use_decl_annotations_
VOID NvmAbortOutstanding(PNVM_ADAPTER_EXTENSION Adapter, UCHAR SrbStatus) {
  PNVM_QUEUE queue;
  PSCSI_REQUEST_BLOCK srb;
  ULONG q;
  ULONG slot;

  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    queue = &Adapter->Queues[q];
    for (slot = 0; slot < NVM_IO_QUEUE_DEPTH; slot++) {
      srb = queue->Slots[slot];
      if (srb == NULL) {
        continue;
      }
      queue->Slots[slot] = NULL;
      srb->ScsiStatus = SCSISTAT_GOOD;
      srb->DataTransferLength = 0;
      NvmQueueDone(queue, srb, SrbStatus);
    }
    queue->Outstanding = 0;
  }
}

static VOID NvmReapAll(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  ULONG q;
  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    (VOID)NvmDrainCompletionQueue(Adapter, &Adapter->Queues[q]);
  }
}

static VOID NvmHandOffAll(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  ULONG q;
  for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
    NvmHandOff(Adapter, &Adapter->Queues[q]);
  }
}

static VOID NvmForgetQueues(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  ULONG q;
  for (q = 0; q <= NVM_MAX_IO_QUEUES; q++) {
    Adapter->Queues[q].Created = FALSE;
  }
}

/* The device reads all ones: completions already in host memory still count, everything else
 * fails with SRB_STATUS_NO_HBA, and nothing touches the device again. */
_Use_decl_annotations_
BOOLEAN NvmDeviceGone(PNVM_ADAPTER_EXTENSION Adapter) {
  NvmReapAll(Adapter);
  NvmAbortOutstanding(Adapter, SRB_STATUS_NO_HBA);
  Adapter->State = NvmStateRemoved;
  NvmHandOffAll(Adapter);
  NvmForgetQueues(Adapter);
  return TRUE;
}

static BOOLEAN NvmRegistersGone(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  return NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS)) ==
         NVME_REGISTER_GONE;
}

/* 7.3.2 controller reset: take what completed, fail the rest with SRB_STATUS_BUS_RESET (the
 * class driver retries it), CC.EN 1 -> 0 -> 1, recreate the I/O queues on the same messages.
 * Covers timeouts (lost completions, stale phase tags) and CSTS.CFS. */
_Use_decl_annotations_
BOOLEAN NvmResetController(PNVM_ADAPTER_EXTENSION Adapter) {
  BOOLEAN ok;

  if (NvmRegistersGone(Adapter)) {
    return NvmDeviceGone(Adapter);
  }
#if defined(MSIRIG_BUG_RESET_COMPLETES_OWNED)
  /* ZOO: a controller without fatal status is "reset" by failing its requests, which it still
   * owns and completes later; their slots still name them. */
  if ((NvmReadRegister(Adapter, FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS)) & NVME_CSTS_CFS) ==
      0) {
    ULONG q;
    ULONG slot;
    for (q = 1; q <= NVM_MAX_IO_QUEUES; q++) {
      for (slot = 0; slot < NVM_IO_QUEUE_DEPTH; slot++) {
        if (Adapter->Queues[q].Slots[slot] != NULL) {
          NvmQueueDone(&Adapter->Queues[q], Adapter->Queues[q].Slots[slot], SRB_STATUS_BUS_RESET);
        }
      }
    }
    NvmHandOffAll(Adapter);
    return TRUE;
  }
#endif
  Adapter->State = NvmStateResetting;
  NvmReapAll(Adapter);
  NvmAbortOutstanding(Adapter, SRB_STATUS_BUS_RESET);
  ok = NvmEnableController(Adapter) && NvmCreateIoQueues(Adapter, TRUE, FALSE);
  if (!ok) {
    if (NvmRegistersGone(Adapter)) {
      return NvmDeviceGone(Adapter);
    }
    /* Given up: disabled (7.6.2), so that no late completion, interrupt or DMA of the
     * abandoned commands follows into queues no routine services any more. */
    (VOID)NvmDisableController(Adapter);
    NvmForgetQueues(Adapter);
    Adapter->State = NvmStateFailed;
  }
  NvmHandOffAll(Adapter);
  return ok;
}

/* Storport calls this when a request timed out (or on SRB_FUNCTION_RESET_BUS). */
_Use_decl_annotations_
BOOLEAN NvmHwResetBus(PVOID DeviceExtension, ULONG PathId) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  BOOLEAN reset = TRUE;
#if defined(MSIRIG_BUG_TIMER_POLL_RACES_ISR)
  /* ZOO: the full-duplex switch (nvm_entry.c) audited the reset path, which now takes the
   * interrupt lock itself, and forgot the timer. */
  STOR_LOCK_HANDLE lock;
  StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &lock);
#endif
  UNREFERENCED_PARAMETER(PathId);

  switch (adapter->State) {
    case NvmStateRunning:
    case NvmStateFailed:
      reset = NvmResetController(adapter);
      break;
    default:
      /* Stopped or removed: nothing is with the controller. Initializing: no I/O yet. */
      NvmAbortOutstanding(adapter, SRB_STATUS_BUS_RESET);
      NvmHandOffAll(adapter);
      break;
  }
#if defined(MSIRIG_BUG_TIMER_POLL_RACES_ISR)
  StorPortReleaseSpinLock(DeviceExtension, &lock);
#endif
  return reset;
}

static VOID NvmStopAdapter(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  if (Adapter->State == NvmStateRemoved) {
    return;
  }
  if (NvmRegistersGone(Adapter)) {
    (VOID)NvmDeviceGone(Adapter);
    return;
  }
  NvmReapAll(Adapter);
  /* A surprise-removed adapter's requests are not retried: the unit is gone with it. */
  NvmAbortOutstanding(Adapter,
                      Adapter->SurpriseRemoved ? SRB_STATUS_NO_DEVICE : SRB_STATUS_BUS_RESET);
  Adapter->State = NvmStateStopped;
  /* 7.6.2: shutdown notification, then disable, so no interrupt or DMA follows. The notice is
   * for an orderly shutdown (the controller flushes its volatile write cache and waits to be
   * powered off); a surprise-removed controller is only disabled, and its shutdown is not
   * waited for. */
  if (!Adapter->SurpriseRemoved) {
    NvmShutdownController(Adapter);
  }
  (VOID)NvmDisableController(Adapter);
  NvmForgetQueues(Adapter);
  NvmHandOffAll(Adapter);
}

static BOOLEAN NvmRestartAdapter(_In_ PNVM_ADAPTER_EXTENSION Adapter) {
  if (Adapter->State != NvmStateStopped) {
    return Adapter->State == NvmStateRunning;
  }
  if (NvmEnableController(Adapter) && NvmCreateIoQueues(Adapter, TRUE, FALSE)) {
    return TRUE;
  }
  if (NvmRegistersGone(Adapter)) {
    (VOID)NvmDeviceGone(Adapter);
  } else {
    (VOID)NvmDisableController(Adapter); /* as a failed reset: nothing follows */
    NvmForgetQueues(Adapter);
    Adapter->State = NvmStateFailed;
  }
  return FALSE;
}

_Use_decl_annotations_
SCSI_ADAPTER_CONTROL_STATUS NvmHwAdapterControl(PVOID DeviceExtension,
                                                SCSI_ADAPTER_CONTROL_TYPE ControlType,
                                                PVOID Parameters) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  PSCSI_SUPPORTED_CONTROL_TYPE_LIST list;
  STOR_LOCK_HANDLE lock;
  ULONG type;

  switch (ControlType) {
    case ScsiQuerySupportedControlTypes:
      list = (PSCSI_SUPPORTED_CONTROL_TYPE_LIST)Parameters;
      if (list == NULL) {
        return ScsiAdapterControlUnsuccessful;
      }
      for (type = 0; type < list->MaxControlType; type++) {
        list->SupportedTypeList[type] =
            type == ScsiQuerySupportedControlTypes || type == ScsiStopAdapter ||
            type == ScsiRestartAdapter || type == ScsiAdapterSurpriseRemoval;
      }
      return ScsiAdapterControlSuccess;
    case ScsiAdapterSurpriseRemoval:
      /* Windows 10 (SCSI_ADAPTER_CONTROL_TYPE page), before Storport stops the adapter. No lock
       * is held here (msirig's port: PASSIVE_LEVEL), and the stop path reads the flag holding
       * InterruptLock, so it is written under that lock, which in per-message mode takes every
       * message lock (SPEC.md 3). */
      StorPortAcquireSpinLock(DeviceExtension, InterruptLock, NULL, &lock);
      adapter->SurpriseRemoved = TRUE;
      StorPortReleaseSpinLock(DeviceExtension, &lock);
      return ScsiAdapterControlSuccess;
    case ScsiStopAdapter: /* DIRQL, InterruptLock held */
      NvmStopAdapter(adapter);
      return ScsiAdapterControlSuccess;
    case ScsiRestartAdapter: /* DIRQL, InterruptLock held */
      return NvmRestartAdapter(adapter) ? ScsiAdapterControlSuccess
                                        : ScsiAdapterControlUnsuccessful;
    default:
      return ScsiAdapterControlUnsuccessful;
  }
}

/* HwUnitControl (Windows 8 and later; HW_UNIT_CONTROL page), every type at PASSIVE_LEVEL with no
 * lock held. The miniport exposes one unit, namespace 1 at path 0, target 0, LUN 0, and keeps
 * no per-unit state: a start only checks the address, and a removal has nothing to free (what
 * the miniport holds of a removed adapter, Storport fails). It reads no adapter state, so a
 * unit control on one CPU never races the I/O path on another. */
_Use_decl_annotations_
SCSI_UNIT_CONTROL_STATUS NvmHwUnitControl(PVOID DeviceExtension, SCSI_UNIT_CONTROL_TYPE ControlType,
                                          PVOID Parameters) {
  PSCSI_SUPPORTED_CONTROL_TYPE_LIST list;
  PSTOR_ADDR_BTL8 address;
  ULONG type;

  UNREFERENCED_PARAMETER(DeviceExtension);
  switch (ControlType) {
    case ScsiQuerySupportedUnitControlTypes:
      list = (PSCSI_SUPPORTED_CONTROL_TYPE_LIST)Parameters;
      if (list == NULL) {
        return ScsiUnitControlUnsuccessful;
      }
      /* Never past SupportedTypeList[MaxControlType - 1] (SCSI_SUPPORTED_CONTROL_TYPE_LIST). */
      for (type = 0; type < list->MaxControlType; type++) {
        list->SupportedTypeList[type] =
            type == ScsiQuerySupportedUnitControlTypes || type == ScsiUnitStart ||
            type == ScsiUnitSurpriseRemoval || type == ScsiUnitRemove;
      }
      return ScsiUnitControlSuccess;
    case ScsiUnitStart:
      address = (PSTOR_ADDR_BTL8)Parameters;
      if (address == NULL || address->Type != STOR_ADDRESS_TYPE_BTL8 ||
          address->AddressLength < STOR_ADDR_BTL8_ADDRESS_LENGTH) {
        return ScsiUnitControlUnsuccessful;
      }
      return address->Path == 0 && address->Target == 0 && address->Lun == 0
                 ? ScsiUnitControlSuccess
                 : ScsiUnitControlUnsuccessful;
    case ScsiUnitSurpriseRemoval:
    case ScsiUnitRemove:
      return ScsiUnitControlSuccess;
    default:
      return ScsiUnitControlUnsuccessful;
  }
}
