/*
 * nvm_miniport.h - msirig's NVMe Storport miniport: the adapter extension, the per-request SRB
 * extension, the queue pairs, and the routines shared by the files of this driver.
 *
 *   nvm_entry.c      DriverEntry, HwFindAdapter, HwInitialize, passive initialization, parameters
 *   nvm_controller.c controller enable/disable/shutdown, admin queue, I/O queue creation
 *   nvm_io.c         HwBuildIo, HwStartIo, SCSI -> NVMe translation, emulated SCSI commands
 *   nvm_interrupt.c  HwMSInterruptRoutine, HwInterrupt, completion queue drain, DPC, HwTimer,
 *                    the one completion path
 *   nvm_pnp.c        HwAdapterControl, HwResetBus, surprise removal, fatal status
 *   nvm_util.c       the queue lock pair, registers, memory helpers
 *
 * Locking (SPEC.md 3). Every queue pair is guarded by "its queue lock", which NvmAcquireQueueLock
 * chooses by mode: the MSI lock of the queue's message in InterruptSynchronizePerMessage, and
 * InterruptLock in InterruptSynchronizeAll and on line-based interrupts. Storport already holds
 * that lock in the ISR of the queue's message, and holds every queue lock (InterruptLock) in
 * HwInitialize, HwTimer and HwResetBus (half duplex) and HwAdapterControl stop/restart: those
 * paths touch queues directly. Adapter-wide state (State, the queue table) changes only while
 * every queue lock is held, so any one queue lock is enough to read it.
 */
#ifndef NVM_MINIPORT_H_
#define NVM_MINIPORT_H_

#include <storport.h>

#include "nvme_hw.h"


/* Queue geometry. The CID is (generation << NVM_CID_SLOT_BITS) | slot, so a late, duplicated
 * or corrupted completion names a slot whose generation has moved on and is dropped. */
#define NVM_MAX_IO_QUEUES 16
#define NVM_ADMIN_QUEUE_DEPTH 32
#define NVM_IO_QUEUE_DEPTH 64
#define NVM_CID_SLOT_BITS 6
#define NVM_CID_SLOT_MASK ((1U << NVM_CID_SLOT_BITS) - 1)
#define NVM_IO_SLOTS (NVM_IO_QUEUE_DEPTH - 1) /* a full SQ keeps one entry empty (4.1) */
C_ASSERT(NVM_IO_QUEUE_DEPTH <= (1U << NVM_CID_SLOT_BITS));

/* Transfers: 128 KiB, any buffer offset, so at most 33 pages: PRP1 plus a 32-entry list. */
#define NVM_MAX_TRANSFER_BYTES (128UL * 1024)
#define NVM_MAX_PRPS (NVM_MAX_TRANSFER_BYTES / NVME_PAGE_SIZE + 1)
#define NVM_PRP_LIST_BYTES 256 /* 32 entries: a slot's list never crosses a page */
C_ASSERT((NVM_MAX_PRPS - 1) * sizeof(ULONG64) <= NVM_PRP_LIST_BYTES);

/* Messages beyond this are never bound to a queue (their ISR claims nothing). */
#define NVM_MAX_MESSAGES 64

/* Polling: every bounded wait stalls in steps of NVM_POLL_US. */
#define NVM_POLL_US 10
#define NVM_ADMIN_TIMEOUT_US 2000000UL
#define NVM_TIMER_US 500000UL /* lost-interrupt and health poll while I/O is outstanding */

typedef enum _NVM_ADAPTER_STATE {
  NvmStateInitializing = 0,
  NvmStateRunning,
  NvmStateResetting,
  NvmStateStopped,
  NvmStateRemoved,
  NvmStateFailed
} NVM_ADAPTER_STATE;

typedef enum _NVM_SYNC_MODE { NvmSyncPerMessage = 0, NvmSyncAll } NVM_SYNC_MODE;

/* Per request, in the SRB extension. */
typedef struct _NVM_SRB_EXTENSION {
  NVME_COMMAND Command;               /* built by HwBuildIo; CID and PRP2 set at submission */
  struct _SCSI_REQUEST_BLOCK* Next;   /* done-list link */
  ULONG PrpCount;                     /* entries in Prps for the command being sent */
  ULONG64 Prps[NVM_MAX_PRPS];         /* the whole transfer's pages, Prps[0] being PRP1 */
  USHORT QueueIndex;
  USHORT Cid;
  /* A transfer longer than the controller's MDTS goes as several commands, one after the
   * other on the same slot (NvmSubmitNextPart): what is left after the one in flight. */
  ULONG BlocksLeft;
  ULONG BytesSent;    /* bytes of the transfer in the commands already sent */
  ULONG PartFirstPrp; /* the entry of Prps that holds the sent command's first byte */
  ULONG64 NextLba;
} NVM_SRB_EXTENSION, *PNVM_SRB_EXTENSION;

typedef struct _NVM_QUEUE {
  USHORT QueueId;        /* 0: admin */
  USHORT Depth;
  ULONG MessageId;       /* the message its CQ interrupts on (0 when line-based) */
  BOOLEAN Created;       /* the controller has this queue pair */
  UCHAR Phase;           /* the phase tag expected at CqHead (4.6) */
  USHORT SqTail;
  USHORT CqHead;
  USHORT NextGeneration;
  ULONG Outstanding;
  PNVME_COMMAND Sq;
  STOR_PHYSICAL_ADDRESS SqPhysical;
  PNVME_COMPLETION Cq;
  STOR_PHYSICAL_ADDRESS CqPhysical;
  PUCHAR PrpLists;       /* NVM_PRP_LIST_BYTES per slot */
  STOR_PHYSICAL_ADDRESS PrpListsPhysical;
  PULONG SqDoorbell;
  PULONG CqDoorbell;
  PSCSI_REQUEST_BLOCK Slots[NVM_IO_QUEUE_DEPTH];
  USHORT SlotCid[NVM_IO_QUEUE_DEPTH];
  PSCSI_REQUEST_BLOCK DoneHead; /* completed by the ISR, not yet handed to Storport */
  PSCSI_REQUEST_BLOCK DoneTail;
  STOR_DPC Dpc;
} NVM_QUEUE, *PNVM_QUEUE;

/* The one admin command in flight (admin commands are issued one at a time). */
typedef struct _NVM_ADMIN_STATE {
  BOOLEAN Busy;
  BOOLEAN Done;
  USHORT Cid;
  USHORT NextCid;
  USHORT Status;
  ULONG Dw0;
} NVM_ADMIN_STATE;

typedef struct _NVM_ADAPTER_EXTENSION {
  /* Set in HwFindAdapter, constant afterwards. */
  PUCHAR Registers;
  ULONG RegisterLength;
  ULONG64 Cap;
  ULONG DoorbellStride;
  ULONG ReadyTimeoutUs;
  ULONG MaxQueueEntries;
  ULONG MaxTransferBytes; /* one command's limit: Identify Controller MDTS, at most ours */
  NVM_SYNC_MODE SyncMode;
  ULONG IoQueuesRequested;
  BOOLEAN MessageSignaled; /* ConfigInfo->InterruptMode was Latched */
  PUCHAR Uncached;
  STOR_PHYSICAL_ADDRESS UncachedPhysical;
  ULONG UncachedLength;
  PUCHAR IdentifyBuffer;
  STOR_PHYSICAL_ADDRESS IdentifyPhysical;

  /* Set in HwInitialize. */
  ULONG MessageCount;   /* granted messages in use; 0 = line-based */
  BOOLEAN UseMsiLocks;  /* per-message mode with messages connected */

  /* Set during initialization, before the first request. */
  BOOLEAN DpcsReady;
  ULONG IoQueueCount;
  ULONG64 NamespaceBlocks;
  ULONG BlockSize;
  BOOLEAN VolatileWriteCache;
  UCHAR Serial[20];
  UCHAR Model[40];
  UCHAR Firmware[8];

  /* Guarded by every queue lock (written with all of them held). */
  NVM_ADAPTER_STATE State;
  NVM_ADMIN_STATE Admin;
  BOOLEAN SurpriseRemoved; /* ScsiAdapterSurpriseRemoval came: the stop that follows is no
                            * orderly shutdown */

  /* Guarded by StartIoLock. */
  ULONG NextQueue;
  BOOLEAN TimerArmed;
#if defined(MSIRIG_BUG_REQUEST_ID_UNLOCKED)
  ULONG NextRequestId; /* ZOO: advanced in HwBuildIo, which holds no lock */
#endif
#if defined(MSIRIG_BUG_MESSAGE_ID_UNBOUNDED)
  PULONG MessageHits; /* ZOO: interrupts per message, IoQueueCount + 1 entries (pool) */
#endif

  NVM_QUEUE Queues[NVM_MAX_IO_QUEUES + 1]; /* [0] admin */
} NVM_ADAPTER_EXTENSION, *PNVM_ADAPTER_EXTENSION;

typedef struct _NVM_LOCK {
  BOOLEAN Msi;
  ULONG MessageId;
  ULONG OldIrql;
  STOR_LOCK_HANDLE Handle;
} NVM_LOCK, *PNVM_LOCK;

/* Storport callbacks, by role type. */
sp_DRIVER_INITIALIZE DriverEntry;
HW_FIND_ADAPTER NvmHwFindAdapter;
HW_INITIALIZE NvmHwInitialize;
HW_PASSIVE_INITIALIZE_ROUTINE NvmHwPassiveInitialize;
HW_BUILDIO NvmHwBuildIo;
HW_STARTIO NvmHwStartIo;
HW_INTERRUPT NvmHwInterrupt;
HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE NvmHwMSInterruptRoutine;
HW_DPC_ROUTINE NvmCompletionDpc;
HW_TIMER NvmHwTimer;
HW_RESET_BUS NvmHwResetBus;
HW_ADAPTER_CONTROL NvmHwAdapterControl;
HW_UNIT_CONTROL NvmHwUnitControl;

/* nvm_util.c */
VOID NvmAcquireQueueLock(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PNVM_QUEUE Queue,
                         _Out_ PNVM_LOCK Lock);
VOID NvmReleaseQueueLock(_In_ PNVM_ADAPTER_EXTENSION Adapter, _Inout_ PNVM_LOCK Lock);
ULONG NvmReadRegister(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Offset);
ULONG64 NvmReadRegister64(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Offset);
VOID NvmWriteRegister(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Offset, _In_ ULONG Value);
VOID NvmWriteRegister64(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG Offset,
                        _In_ ULONG64 Value);
VOID NvmZeroMemory(_Out_writes_bytes_(Length) PVOID Buffer, _In_ ULONG Length);
VOID NvmCopyMemory(_Out_writes_bytes_(Length) PVOID Destination,
                   _In_reads_bytes_(Length) const VOID* Source, _In_ ULONG Length);
ULONG NvmMin(_In_ ULONG A, _In_ ULONG B);

/* nvm_controller.c */
BOOLEAN NvmCarveUncachedExtension(_In_ PNVM_ADAPTER_EXTENSION Adapter,
                                  _In_ PPORT_CONFIGURATION_INFORMATION ConfigInfo);
BOOLEAN NvmEnableController(_In_ PNVM_ADAPTER_EXTENSION Adapter);
BOOLEAN NvmDisableController(_In_ PNVM_ADAPTER_EXTENSION Adapter);
VOID NvmShutdownController(_In_ PNVM_ADAPTER_EXTENSION Adapter);
BOOLEAN NvmCreateIoQueues(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ BOOLEAN LocksHeld,
                          _In_ BOOLEAN Identify);
VOID NvmResetQueueState(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PNVM_QUEUE Queue);
ULONG NvmMessageForQueue(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ ULONG QueueIndex);

/* nvm_interrupt.c */
BOOLEAN NvmDrainCompletionQueue(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PNVM_QUEUE Queue);
VOID NvmQueueDone(_In_ PNVM_QUEUE Queue, _In_ PSCSI_REQUEST_BLOCK Srb, _In_ UCHAR SrbStatus);
VOID NvmHandOff(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PNVM_QUEUE Queue);
VOID NvmCompleteDoneList(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK List);
VOID NvmArmTimer(_In_ PNVM_ADAPTER_EXTENSION Adapter);

/* nvm_io.c */
VOID NvmSetSense(_In_ PSCSI_REQUEST_BLOCK Srb, _In_ UCHAR SenseKey, _In_ UCHAR Asc);
VOID NvmTranslateStatus(_In_ PSCSI_REQUEST_BLOCK Srb, _In_ USHORT Status);
VOID NvmPreparePart(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb);
VOID NvmPlacePrp2(_In_ PNVM_QUEUE Queue, _In_ ULONG Slot, _Inout_ PNVM_SRB_EXTENSION Extension);

/* nvm_pnp.c: with every queue lock held. */
VOID NvmAbortOutstanding(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ UCHAR SrbStatus);
BOOLEAN NvmResetController(_In_ PNVM_ADAPTER_EXTENSION Adapter);
BOOLEAN NvmDeviceGone(_In_ PNVM_ADAPTER_EXTENSION Adapter);

#endif /* NVM_MINIPORT_H_ */
