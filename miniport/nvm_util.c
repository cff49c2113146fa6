/*
 * nvm_util.c - the queue lock pair (the one place that chooses between the MSI lock and
 * InterruptLock), register access and the few memory helpers a driver without libc needs.
 */
#include "nvm_miniport.h"

/* SPEC.md 3 / SDV StorPortMSILock: the MSI spin lock exists only in per-message mode; there it
 * is the lock of the message the queue's completions interrupt on, which is exactly the lock
 * Storport holds around that message's ISR. Otherwise InterruptLock is the ISR's lock. */
_Use_decl_annotations_
VOID NvmAcquireQueueLock(PNVM_ADAPTER_EXTENSION Adapter, PNVM_QUEUE Queue, PNVM_LOCK Lock) {
  if (Adapter->UseMsiLocks) {
    Lock->Msi = TRUE;
    Lock->MessageId = Queue->MessageId;
    Lock->OldIrql = 0;
    NT_ASSERT(Lock->MessageId < Adapter->MessageCount);
#if defined(MSIRIG_BUG_MSI_LOCK_QUEUE_ID)
    /* ZOO: assumes queue i interrupts on message i, false once queues share messages. */
    Lock->MessageId = Queue->QueueId;
#elif defined(MSIRIG_BUG_MSI_LOCK_MESSAGE_ZERO)
    /* ZOO: message 0's lock for every queue, while queue i interrupts on its own message. */
    Lock->MessageId = 0;
#endif
    StorPortAcquireMSISpinLock(Adapter, Lock->MessageId, &Lock->OldIrql);
  } else {
    Lock->Msi = FALSE;
    Lock->MessageId = 0;
    StorPortAcquireSpinLock(Adapter, InterruptLock, NULL, &Lock->Handle);
  }
}

_Use_decl_annotations_
VOID NvmReleaseQueueLock(PNVM_ADAPTER_EXTENSION Adapter, PNVM_LOCK Lock) {
  if (Lock->Msi) {
    StorPortReleaseMSISpinLock(Adapter, Lock->MessageId, Lock->OldIrql);
  } else {
    StorPortReleaseSpinLock(Adapter, &Lock->Handle);
  }
}

_Use_decl_annotations_
ULONG NvmReadRegister(PNVM_ADAPTER_EXTENSION Adapter, ULONG Offset) {
  return StorPortReadRegisterUlong(Adapter, (PULONG)(Adapter->Registers + Offset));
}

_Use_decl_annotations_
ULONG64 NvmReadRegister64(PNVM_ADAPTER_EXTENSION Adapter, ULONG Offset) {
  return StorPortReadRegisterUlong64(Adapter, (PULONG64)(Adapter->Registers + Offset));
}

_Use_decl_annotations_
VOID NvmWriteRegister(PNVM_ADAPTER_EXTENSION Adapter, ULONG Offset, ULONG Value) {
  StorPortWriteRegisterUlong(Adapter, (PULONG)(Adapter->Registers + Offset), Value);
}

_Use_decl_annotations_
VOID NvmWriteRegister64(PNVM_ADAPTER_EXTENSION Adapter, ULONG Offset, ULONG64 Value) {
  StorPortWriteRegisterUlong64(Adapter, (PULONG64)(Adapter->Registers + Offset), Value);
}

_Use_decl_annotations_
VOID NvmZeroMemory(PVOID Buffer, ULONG Length) {
  /* The compiler's memset where it has one (RtlZeroMemory is memset in the WDK too): this zeroes
   * every completion queue at each controller enable, and a volatile byte loop was a tenth of a
   * short fuzzing run under coverage instrumentation. */
#if defined(__clang__) || defined(__GNUC__)
  __builtin_memset(Buffer, 0, Length);
#else
  PUCHAR bytes = (PUCHAR)Buffer;
  ULONG i;
  for (i = 0; i < Length; i++) {
    bytes[i] = 0;
  }
#endif
}

_Use_decl_annotations_
VOID NvmCopyMemory(PVOID Destination, const VOID* Source, ULONG Length) {
  StorPortMoveMemory(Destination, (PVOID)Source, Length);
}

_Use_decl_annotations_
ULONG NvmMin(ULONG A, ULONG B) { return A < B ? A : B; }
