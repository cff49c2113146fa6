// StorPortGetMSIInfo and the MSI spin locks: the heart of the contract (SPEC 2 and 3).
#include "msi.h"

#include <cstdio>
#include <cstring>

#include "port_state.h"

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define MSIRIG_MSAN 1
#endif
#endif

namespace msirig::sp {

// SPEC 2: on every non-success result the output is left unwritten; the rig makes reading it
// anyway visible: uninitialized for MSan, and a poison pattern elsewhere, so that a miniport
// using it gets an absurd message id, address and vector instead of plausible stale values.
void PoisonMsiInfo(PMESSAGE_INTERRUPT_INFORMATION info) {
  if (info == nullptr) return;
  std::memset(info, kMsiInfoPoisonByte, sizeof *info);
#ifdef MSIRIG_MSAN
  __msan_poison(info, sizeof *info);
#endif
}

ULONG GetMsiInfo(PortState& s, PVOID extension, ULONG message_id,
                 PMESSAGE_INTERRUPT_INFORMATION info) {
  // Step 1 (pre-Vista: NOT_IMPLEMENTED) is the dispatcher's: StorPortExtendedFunction, which
  // poisons the output too.
  // Step 2.
  if (extension == nullptr) {
    PoisonMsiInfo(info);
    return STOR_STATUS_INVALID_PARAMETER;
  }
  // Step 3: real Storport would use a bogus extension as its own; the rig reports it.
  Adapter* a = s.FindAdapter(extension, "StorPortGetMSIInfo");
  if (a == nullptr) {
    PoisonMsiInfo(info);
    return STOR_STATUS_INVALID_PARAMETER;
  }
  if (s.InIsr()) {
    char what[96];
    std::snprintf(what, sizeof what, "StorPortGetMSIInfo(message %u) from an interrupt routine",
                  message_id);
    s.Violate(Rule::kGetMSIInfoInIsr, a, what);
  }
  if (!a->find_adapter_returned) {
    char what[96];
    std::snprintf(what, sizeof what, "StorPortGetMSIInfo(message %u) before HwFindAdapter returned",
                  message_id);
    s.Violate(Rule::kGetMSIInfoBeforeFindAdapter, a, what);
  }
  // Step 4.
  if (info == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  // Step 5: line-based. Before HwFindAdapter returns, what is granted is all that is known.
  const uint32_t messages = a->find_adapter_returned ? a->messages : a->granted;
  if (messages == 0) {
    PoisonMsiInfo(info);
    return STOR_STATUS_INVALID_DEVICE_REQUEST;
  }
  // Step 6.
  if (message_id >= messages) {
    PoisonMsiInfo(info);
    return STOR_STATUS_INVALID_PARAMETER;
  }
  // Step 7: all six fields.
  const MessageContents& c = a->contents[message_id];
  info->MessageId = message_id;
  info->MessageData = c.message_data;
  info->MessageAddress.QuadPart = static_cast<LONGLONG>(c.message_address);
  info->InterruptVector = c.interrupt_vector;
  info->InterruptLevel = c.interrupt_level;
  // Any 32-bit value is allowed (the contents are fuzzed); a C miniport reads it as an int, but
  // in C++ an out-of-range enumerator is undefined, so the rig stores the bytes.
  static_assert(sizeof info->InterruptMode == sizeof c.interrupt_mode);
  std::memcpy(&info->InterruptMode, &c.interrupt_mode, sizeof c.interrupt_mode);
  return STOR_STATUS_SUCCESS;
}

ULONG AcquireMsiLock(PortState& s, PVOID extension, ULONG message_id, PULONG old_irql) {
  if (extension == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  Adapter* a = s.FindAdapter(extension, "StorPortAcquireMSISpinLock");
  if (a == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  char what[160];
  if (old_irql == nullptr) {
    std::snprintf(what, sizeof what, "StorPortAcquireMSISpinLock(message %u) with a NULL OldIrql",
                  message_id);
    s.Violate(Rule::kNullOldIrql, a, what);
    return STOR_STATUS_INVALID_PARAMETER;
  }
  const bool per_message = a->message_mode && a->sync_mode == InterruptSynchronizePerMessage;
  if (!per_message) {
    // SDV StorPortMSILock: only in InterruptSynchronizePerMessage mode.
    std::snprintf(what, sizeof what,
                  "StorPortAcquireMSISpinLock(message %u) with InterruptSynchronizationMode %d%s",
                  message_id, static_cast<int>(a->config_info.InterruptSynchronizationMode),
                  a->message_mode ? "" : " on line-based interrupts");
    s.Violate(Rule::kStorPortMSILock, a, what);
  } else if (message_id >= a->messages) {
    std::snprintf(what, sizeof what,
                  "StorPortAcquireMSISpinLock(message %u) with %u message(s) granted", message_id,
                  a->messages);
    s.Violate(Rule::kMSILockMessageId, a, what);
    return STOR_STATUS_INVALID_PARAMETER;
  }
  // Keep going: outside per-message mode it serializes with the interrupt lock (SPEC 3).
  CpuState& cpu = s.Cpu();
  const uint8_t before = cpu.irql;
  Acquisition acquisition{
      a, LockClass::kMsi, AcquiredVia::kMsiLockApi, message_id, nullptr, before, nullptr, 0};
  uint8_t irql;
  if (per_message) {
    acquisition.locks = &a->message_locks[message_id];
    acquisition.lock_count = 1;
    irql = MessageDirql(message_id);
  } else {
    acquisition.locks = s.InterruptLocks(*a, &acquisition.lock_count);
    irql = a->sync_irql;
  }
  s.RaiseIrql(irql);
  s.AcquireLocks(acquisition);
  *old_irql = before;
  return STOR_STATUS_SUCCESS;
}

ULONG ReleaseMsiLock(PortState& s, PVOID extension, ULONG message_id, ULONG old_irql) {
  if (extension == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  CpuState& cpu = s.Cpu();
  // A lock taken while the adapter was live may be given back after it went away.
  Adapter* a = s.FindAdapter(extension, "StorPortReleaseMSISpinLock", /*report=*/false);
  for (const Acquisition& held : cpu.held) {
    if (a == nullptr && held.adapter != nullptr && held.adapter->extension.get() == extension)
      a = held.adapter;
  }
  if (a == nullptr) a = s.FindAdapter(extension, "StorPortReleaseMSISpinLock");
  if (a == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  char what[160];
  for (size_t i = cpu.held.size(); i > 0; --i) {
    const Acquisition& held = cpu.held[i - 1];
    if (held.adapter != a || held.via != AcquiredVia::kMsiLockApi || held.message != message_id)
      continue;
    if (old_irql != held.old_irql) {
      std::snprintf(what, sizeof what,
                    "StorPortReleaseMSISpinLock(message %u, OldIrql %u); its acquire wrote %u",
                    message_id, old_irql, held.old_irql);
      s.Violate(Rule::kMSILockOldIrql, a, what);
    }
    // Like KeReleaseInterruptSpinLock, return to the IRQL the caller hands back: a wrong value
    // leaves the CPU at a wrong IRQL, which the callback's return check then reports too.
    s.ReleaseAt(i - 1, static_cast<uint8_t>(old_irql > HIGH_LEVEL ? HIGH_LEVEL : old_irql));
    return STOR_STATUS_SUCCESS;
  }
  // Not held through the MSI routines on this CPU: say which mismatch it is.
  for (const Acquisition& held : cpu.held) {
    if (held.adapter != a) continue;
    if (held.via == AcquiredVia::kMsiLockApi) {
      std::snprintf(what, sizeof what,
                    "StorPortReleaseMSISpinLock(message %u) while holding the MSI lock of "
                    "message %u",
                    message_id, held.message);
      s.Violate(Rule::kStorPortSpinLock4, a, what);
      return STOR_STATUS_SUCCESS;
    }
    if (held.via == AcquiredVia::kPort && held.lock_class == LockClass::kMsi &&
        held.message == message_id) {
      std::snprintf(what, sizeof what,
                    "StorPortReleaseMSISpinLock(message %u) of the lock Storport holds for its "
                    "interrupt routine",
                    message_id);
      s.Violate(Rule::kStorPortSpinLock4, a, what);
      return STOR_STATUS_SUCCESS;
    }
  }
  std::snprintf(what, sizeof what,
                "StorPortReleaseMSISpinLock(message %u) of a lock this CPU does not hold",
                message_id);
  s.Violate(Rule::kStorPortSpinLock, a, what);
  return STOR_STATUS_SUCCESS;
}

}  // namespace msirig::sp
