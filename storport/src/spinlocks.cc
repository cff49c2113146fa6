// StorPortAcquireSpinLock / StorPortReleaseSpinLock / StorPortSynchronizeAccess (SPEC 3; the
// StorPortAcquireSpinLock page's tables of locks held on entry and locks each routine may take).
#include "spinlocks.h"

#include <cstdio>

#include "port_state.h"

namespace msirig::sp {
namespace {

bool ToLockClass(STOR_SPINLOCK type, LockClass* lock_class) {
  switch (type) {
    case DpcLock:
      *lock_class = LockClass::kDpc;
      return true;
    case StartIoLock:
      *lock_class = LockClass::kStartIo;
      return true;
    case InterruptLock:
      *lock_class = LockClass::kInterrupt;
      return true;
    default:
      return false;
  }
}

const char* SpinLockName(STOR_SPINLOCK type) {
  switch (type) {
    case DpcLock:
      return "DpcLock";
    case StartIoLock:
      return "StartIoLock";
    case InterruptLock:
      return "InterruptLock";
    default:
      return "an invalid STOR_SPINLOCK";
  }
}

// Which STOR_SPINLOCKs a routine may acquire ("Allowed spin locks" table). Code outside any
// callback is the rig's own and may take anything.
bool MayAcquire(Callback callback, LockClass lock_class, bool half_duplex) {
  switch (callback) {
    case Callback::kNone:
    case Callback::kBuildIo:
    case Callback::kDpc:
    case Callback::kAdapterControl:
    case Callback::kUnitControl:  // not in the table; PASSIVE_LEVEL, nothing held (decision)
      return true;
    case Callback::kStartIo:
      // StartIo itself only with concurrent channels, which the emulation does not offer.
      return lock_class != LockClass::kStartIo;
    case Callback::kTimer:
    case Callback::kResetBus:
      return !half_duplex && lock_class == LockClass::kInterrupt;
    case Callback::kDriverEntry:
    case Callback::kFindAdapter:
    case Callback::kInitialize:
    case Callback::kPassiveInitialize:
    case Callback::kInterrupt:
    case Callback::kMsInterrupt:
    case Callback::kSynchronizedAccess:
      return false;
  }
  return false;
}

}  // namespace

void AcquireSpinLock(PortState& s, PVOID extension, STOR_SPINLOCK type, PVOID context,
                     PSTOR_LOCK_HANDLE handle) {
  Adapter* a = s.FindAdapter(extension, "StorPortAcquireSpinLock");
  if (a == nullptr) return;
  char what[192];
  if (handle == nullptr) {
    std::snprintf(what, sizeof what, "StorPortAcquireSpinLock(%s) with a NULL LockHandle",
                  SpinLockName(type));
    s.Violate(Rule::kNullLockHandle, a, what);
    return;
  }
  LockClass lock_class;
  if (!ToLockClass(type, &lock_class)) {
    std::snprintf(what, sizeof what,
                  "StorPortAcquireSpinLock(%d): not DpcLock, StartIoLock or "
                  "InterruptLock",
                  static_cast<int>(type));
    s.Violate(Rule::kSpinLockNotAllowed, a, what);
    return;
  }
  const uint8_t target_irql = lock_class == LockClass::kInterrupt ? a->sync_irql : DISPATCH_LEVEL;
  s.EnterRoutine("StorPortAcquireSpinLock", a, target_irql);
  const Callback callback = s.CurrentCallback();
  const bool half_duplex = a->config_info.SynchronizationModel == StorSynchronizeHalfDuplex;
  if (!MayAcquire(callback, lock_class, half_duplex)) {
    std::snprintf(what, sizeof what, "%s acquired %s", CallbackName(callback), SpinLockName(type));
    s.Violate(Rule::kSpinLockNotAllowed, a, what);
  }
  CpuState& cpu = s.Cpu();
  if (lock_class != LockClass::kInterrupt) {
    for (const Acquisition& held : cpu.held) {
      if (held.lock_class == LockClass::kInterrupt || held.lock_class == LockClass::kMsi) {
        std::snprintf(what, sizeof what, "%s acquired while holding an interrupt-level lock",
                      SpinLockName(type));
        s.Violate(Rule::kStorPortSpinLock3, a, what);
        break;
      }
    }
  }
  Acquisition acquisition{a,       lock_class, AcquiredVia::kSpinLockApi, 0, handle, cpu.irql,
                          nullptr, 0};
  switch (lock_class) {
    case LockClass::kDpc: {
      auto it = a->dpcs.find(context);
      if (context == nullptr) {
        s.Violate(Rule::kNullDpc, a, "StorPortAcquireSpinLock(DpcLock) with a NULL LockContext");
      } else if (it == a->dpcs.end()) {
        s.Violate(Rule::kDpcNotInitialized, a,
                  "DpcLock for the STOR_DPC at " + s.Describe(context) +
                      ", which was never initialized");
      } else {
        acquisition.locks = &it->second.lock;
        acquisition.lock_count = 1;
      }
      break;
    }
    case LockClass::kStartIo:
      acquisition.locks = &a->startio_lock;
      acquisition.lock_count = 1;
      break;
    case LockClass::kInterrupt:
    case LockClass::kMsi:
      acquisition.locks = s.InterruptLocks(*a, &acquisition.lock_count);
      break;
  }
  handle->Lock = type;
  handle->Context.OldIrql = cpu.irql;
  s.RaiseIrql(target_irql);
  s.AcquireLocks(acquisition);
}

void ReleaseSpinLock(PortState& s, PVOID extension, PSTOR_LOCK_HANDLE handle) {
  Adapter* a = s.FindAdapter(extension, "StorPortReleaseSpinLock");
  if (a == nullptr) return;
  if (handle == nullptr) {
    s.Violate(Rule::kNullLockHandle, a, "StorPortReleaseSpinLock with a NULL LockHandle");
    return;
  }
  CpuState& cpu = s.Cpu();
  char what[160];
  for (size_t i = cpu.held.size(); i > 0; --i) {
    const Acquisition& held = cpu.held[i - 1];
    if (held.via != AcquiredVia::kSpinLockApi || held.handle != handle) continue;
    LockClass claimed;
    if (!ToLockClass(handle->Lock, &claimed) || claimed != held.lock_class) {
      std::snprintf(what, sizeof what, "lock handle acquired as one lock type released as %s",
                    SpinLockName(handle->Lock));
      s.Violate(Rule::kStorPortSpinLock4, a, what);
    }
    // Like KeReleaseInStackQueuedSpinLock: back to the OldIrql stored in the handle.
    const KIRQL restore = handle->Context.OldIrql;
    s.ReleaseAt(i - 1, restore > HIGH_LEVEL ? HIGH_LEVEL : restore);
    return;
  }
  for (size_t cpu_index = 0; cpu_index < s.cpus.size(); ++cpu_index) {
    for (const Acquisition& held : s.cpus[cpu_index].held) {
      if (held.handle == handle) {
        std::snprintf(what, sizeof what, "%s released on cpu %u but acquired on cpu %zu",
                      SpinLockName(handle->Lock), s.CpuIndex(), cpu_index);
        s.Violate(Rule::kStorPortSpinLock, a, what);
        return;
      }
    }
  }
  std::snprintf(what, sizeof what, "StorPortReleaseSpinLock(%s) of a handle no acquire returned",
                SpinLockName(handle->Lock));
  s.Violate(Rule::kStorPortSpinLock, a, what);
}

BOOLEAN SynchronizeAccess(PortState& s, PVOID extension, PSTOR_SYNCHRONIZED_ACCESS routine,
                          PVOID context) {
  Adapter* a = s.FindAdapter(extension, "StorPortSynchronizeAccess");
  if (a == nullptr || routine == nullptr) return FALSE;
  s.EnterRoutine("StorPortSynchronizeAccess", a, DISPATCH_LEVEL);
  // Like InterruptLock: every message lock, ascending, in per-message mode (SPEC 3).
  s.EnterCallback(Callback::kSynchronizedAccess, a, kLineInterrupt, a->sync_irql, kEntryInterrupt);
  const BOOLEAN result = routine(a->extension.get(), context);
  s.LeaveCallback();
  return result;
}

}  // namespace msirig::sp
