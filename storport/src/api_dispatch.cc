// The exported StorPort entry points that dispatch: StorPortInitialize, StorPortNotification,
// StorPortExtendedFunction (storport.h's inline wrappers call the last two), plus the small
// routines that need no state of their own.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "asan_poison.h"
#include "deferred.h"
#include "msi.h"
#include "port_state.h"
#include "queue_gate.h"
#include "requests.h"
#include "spinlocks.h"
#include "tsan_scope.h"

using msirig::sp::Adapter;
using msirig::sp::CurrentPortState;
using msirig::sp::PortState;
using msirig::sp::Rule;

namespace {

// What StorPortInitialize returns for an HW_INITIALIZATION_DATA it cannot use (ntstatus.h).
constexpr ULONG kStatusRevisionMismatch = 0xC0000059;

// Storport needs Vista for every extended function (StorPortExtendedFunction appeared then), so
// before Vista they all answer NOT_IMPLEMENTED: SPEC 2 step 1 falls out of the dispatcher.
bool ExtendedFunctionExists(PortState& s, STORPORT_FUNCTION_CODE code) {
  if (s.os_version < msirig::sp::OsVersion::kVista) return false;
  switch (code) {
    case ExtFunctionAllocatePool:
    case ExtFunctionFreePool:
    case ExtFunctionAcquireMSISpinLock:
    case ExtFunctionReleaseMSISpinLock:
    case ExtFunctionGetMessageInterruptInformation:
      return true;
    default:
      return false;
  }
}

// The miniport's interrupt configuration follows from these answers (a fallback to line-based
// on NOT_IMPLEMENTED or INVALID_DEVICE_REQUEST): the trace says what each call returned.
void TraceMsiInfoResult(PortState& s, ULONG message_id, ULONG status) {
  s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "StorPortGetMSIInfo",
              message_id, status);
}

ULONG AllocatePool(PortState& s, PVOID extension, ULONG bytes, ULONG tag, PVOID* buffer) {
  Adapter* a = s.FindAdapter(extension, "StorPortAllocatePool");
  if (a == nullptr || buffer == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  s.EnterRoutine("StorPortAllocatePool", a, DISPATCH_LEVEL);
  ++s.pool_calls;
  const uint32_t fail_from = a->platform.faults.pool_fail_from_call;
  // A block larger than the platform's allocation limit fails as nonpaged pool exhaustion does
  // (StorPortAllocatePool page: STOR_STATUS_INSUFFICIENT_RESOURCES), never as a rig crash.
  if ((fail_from != 0 && s.pool_calls >= fail_from) || bytes == 0 ||
      bytes > a->platform.allocation_limit_bytes) {
    *buffer = nullptr;
    return STOR_STATUS_INSUFFICIENT_RESOURCES;
  }
  auto* block = new uint8_t[size_t{bytes} + PortState::kPoolGuardBytes];
  std::memset(block, 0xCD, bytes);  // pool is not zeroed
  msirig::sp::PoisonGuard(block + bytes, PortState::kPoolGuardBytes);
  s.pool[block] = PortState::PoolBlock{bytes, ++s.pool_blocks};
  s.memory.Map(block, bytes);
  *buffer = block;
  return STOR_STATUS_SUCCESS;
}

ULONG FreePool(PortState& s, PVOID extension, PVOID buffer) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortFreePool", DISPATCH_LEVEL);
  if (a == nullptr) return STOR_STATUS_INVALID_PARAMETER;
  auto it = s.pool.find(buffer);
  if (it == s.pool.end()) {
    s.Violate(Rule::kPoolFree, a,
              "StorPortFreePool(" + s.Describe(buffer) + "): not an outstanding pool block");
    return STOR_STATUS_INVALID_PARAMETER;
  }
  s.memory.Unmap(buffer);
  // Kept until the run ends, poisoned: a use after free or a second free is reported the same
  // way in every build, as no later block gets the address.
  msirig::sp::PoisonRetired(buffer, it->second.size);
  s.freed_pool.insert(*it);
  s.pool.erase(it);
  return STOR_STATUS_SUCCESS;
}

}  // namespace

extern "C" {

ULONG StorPortInitialize(PVOID Argument1, PVOID Argument2,
                         struct _HW_INITIALIZATION_DATA* HwInitializationData, PVOID HwContext) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "StorPortInitialize");
  if (HwInitializationData == nullptr ||
      HwInitializationData->HwInitializationDataSize < sizeof(HW_INITIALIZATION_DATA) ||
      HwInitializationData->HwFindAdapter == nullptr ||
      HwInitializationData->HwInitialize == nullptr || HwInitializationData->HwStartIo == nullptr) {
    return kStatusRevisionMismatch;
  }
  (void)Argument1;
  (void)Argument2;
  s.init_data = *HwInitializationData;
  s.hw_context = HwContext;
  s.registered = true;
  return STATUS_SUCCESS;
}

VOID StorPortNotification(SCSI_NOTIFICATION_TYPE NotificationType, PVOID HwDeviceExtension, ...) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  va_list ap;
  va_start(ap, HwDeviceExtension);
  switch (NotificationType) {
    case RequestComplete:
      msirig::sp::CompleteRequest(s, HwDeviceExtension, va_arg(ap, PSCSI_REQUEST_BLOCK));
      break;
    case RequestTimerCall: {
      auto timer = va_arg(ap, PHW_TIMER);
      const ULONG microseconds = va_arg(ap, ULONG);
      msirig::sp::RequestTimer(s, HwDeviceExtension, timer, microseconds);
      break;
    }
    case EnablePassiveInitialization: {
      auto routine = va_arg(ap, PHW_PASSIVE_INITIALIZE_ROUTINE);
      LONG* succeeded = va_arg(ap, LONG*);
      const BOOLEAN ok = msirig::sp::EnablePassiveInitialization(s, HwDeviceExtension, routine);
      if (succeeded != nullptr) *succeeded = ok;
      break;
    }
    case InitializeDpc: {
      auto dpc = va_arg(ap, PSTOR_DPC);
      auto routine = va_arg(ap, PHW_DPC_ROUTINE);
      msirig::sp::InitializeDpc(s, HwDeviceExtension, dpc, routine);
      break;
    }
    case IssueDpc: {
      auto dpc = va_arg(ap, PSTOR_DPC);
      PVOID argument1 = va_arg(ap, PVOID);
      PVOID argument2 = va_arg(ap, PVOID);
      LONG* succeeded = va_arg(ap, LONG*);
      const BOOLEAN ok = msirig::sp::IssueDpc(s, HwDeviceExtension, dpc, argument1, argument2);
      if (succeeded != nullptr) *succeeded = ok;
      break;
    }
    case AcquireSpinLock: {
      // An enum passed through `...` arrives as int.
      const auto type = static_cast<STOR_SPINLOCK>(va_arg(ap, int));
      PVOID context = va_arg(ap, PVOID);
      auto handle = va_arg(ap, PSTOR_LOCK_HANDLE);
      msirig::sp::AcquireSpinLock(s, HwDeviceExtension, type, context, handle);
      break;
    }
    case ReleaseSpinLock:
      msirig::sp::ReleaseSpinLock(s, HwDeviceExtension, va_arg(ap, PSTOR_LOCK_HANDLE));
      break;
    default: {
      // NextRequest, NextLuRequest, ResetDetected, BusChangeDetected and the rest only inform
      // the port driver; the emulation starts every request at once and needs none of them.
      s.EnterAdapterRoutine(HwDeviceExtension, "StorPortNotification", HIGH_LEVEL);
      break;
    }
  }
  va_end(ap);
}

ULONG StorPortExtendedFunction(STORPORT_FUNCTION_CODE FunctionCode, PVOID HwDeviceExtension, ...) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "StorPortExtendedFunction",
              static_cast<uint64_t>(FunctionCode));
  va_list ap;
  va_start(ap, HwDeviceExtension);
  if (!ExtendedFunctionExists(s, FunctionCode)) {
    // SPEC 2: a failed StorPortGetMSIInfo leaves its output poisoned, NOT_IMPLEMENTED included.
    if (FunctionCode == ExtFunctionGetMessageInterruptInformation) {
      const ULONG message_id = va_arg(ap, ULONG);
      msirig::sp::PoisonMsiInfo(va_arg(ap, PMESSAGE_INTERRUPT_INFORMATION));
      TraceMsiInfoResult(s, message_id, STOR_STATUS_NOT_IMPLEMENTED);
    }
    va_end(ap);
    return STOR_STATUS_NOT_IMPLEMENTED;
  }
  s.scheduler->PreemptionPoint(msirig::sp::PreemptKind::kStorPortCall);
  ULONG status = STOR_STATUS_NOT_IMPLEMENTED;
  switch (FunctionCode) {
    case ExtFunctionAllocatePool: {
      const ULONG bytes = va_arg(ap, ULONG);
      const ULONG tag = va_arg(ap, ULONG);
      PVOID* buffer = va_arg(ap, PVOID*);
      status = AllocatePool(s, HwDeviceExtension, bytes, tag, buffer);
      break;
    }
    case ExtFunctionFreePool:
      status = FreePool(s, HwDeviceExtension, va_arg(ap, PVOID));
      break;
    case ExtFunctionAcquireMSISpinLock: {
      const ULONG message_id = va_arg(ap, ULONG);
      PULONG old_irql = va_arg(ap, PULONG);
      status = msirig::sp::AcquireMsiLock(s, HwDeviceExtension, message_id, old_irql);
      break;
    }
    case ExtFunctionReleaseMSISpinLock: {
      const ULONG message_id = va_arg(ap, ULONG);
      const ULONG old_irql = va_arg(ap, ULONG);
      status = msirig::sp::ReleaseMsiLock(s, HwDeviceExtension, message_id, old_irql);
      break;
    }
    case ExtFunctionGetMessageInterruptInformation: {
      const ULONG message_id = va_arg(ap, ULONG);
      auto info = va_arg(ap, PMESSAGE_INTERRUPT_INFORMATION);
      status = msirig::sp::GetMsiInfo(s, HwDeviceExtension, message_id, info);
      TraceMsiInfoResult(s, message_id, status);
      break;
    }
    default:
      break;
  }
  va_end(ap);
  return status;
}

BOOLEAN StorPortSynchronizeAccess(PVOID HwDeviceExtension,
                                  PSTOR_SYNCHRONIZED_ACCESS SynchronizedAccessRoutine,
                                  PVOID Context) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::SynchronizeAccess(CurrentPortState(), HwDeviceExtension,
                                       SynchronizedAccessRoutine, Context);
}

VOID StorPortCompleteRequest(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun,
                             UCHAR SrbStatus) {
  MSIRIG_RIG_ENTRY();
  msirig::sp::CompleteAllRequests(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun,
                                  SrbStatus);
}

PSTOR_SCATTER_GATHER_LIST StorPortGetScatterGatherList(PVOID HwDeviceExtension,
                                                       PSCSI_REQUEST_BLOCK Srb) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::ScatterGatherList(CurrentPortState(), HwDeviceExtension, Srb);
}

MSIRIG_PLUMBING VOID StorPortStallExecution(ULONG Delay) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "StorPortStallExecution",
              Delay);
  if (Delay >= 1000) {
    char what[96];
    std::snprintf(what, sizeof what, "StorPortStallExecution(%u): at most 999 microseconds", Delay);
    s.Violate(Rule::kStallExecutionDelay, nullptr, what);
  }
  s.now_ns = msirig::sp::NsAfter(s.now_ns, uint64_t{Delay} * 1000);
  s.scheduler->Stalled(Delay);
  s.scheduler->PreemptionPoint(msirig::sp::PreemptKind::kStorPortCall);
}

VOID StorPortQuerySystemTime(PLARGE_INTEGER CurrentTime) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  // 100-ns units since 1601; the emulated boot is at 2020-01-01 00:00 UTC.
  constexpr LONGLONG kBoot = 132223104000000000LL;
  if (CurrentTime != nullptr) CurrentTime->QuadPart = kBoot + static_cast<LONGLONG>(s.now_ns / 100);
}

VOID StorPortMoveMemory(PVOID WriteBuffer, PVOID ReadBuffer, ULONG Length) {
  {
    MSIRIG_RIG_ENTRY();  // the port's own part (there must be a port), hidden from TSan
  }
  // The copy itself is the caller's: outside the port's ignore scope, so ThreadSanitizer sees
  // the miniport's reads and writes through it (memmove's interceptor checks both ranges).
  std::memmove(WriteBuffer, ReadBuffer, Length);
}

VOID StorPortDebugPrint(ULONG DebugPrintLevel, PCCHAR DebugMessage, ...) {
  MSIRIG_RIG_ENTRY();
  (void)DebugPrintLevel;
  (void)DebugMessage;
}

VOID StorPortLogError(PVOID HwDeviceExtension, PSCSI_REQUEST_BLOCK Srb, UCHAR PathId,
                      UCHAR TargetId, UCHAR Lun, ULONG ErrorCode, ULONG UniqueId) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "StorPortLogError",
              ErrorCode, UniqueId);
}

STOR_PHYSICAL_ADDRESS StorPortConvertUlongToPhysicalAddress(ULONG_PTR UlongAddress) {
  MSIRIG_RIG_ENTRY();
  STOR_PHYSICAL_ADDRESS address;
  address.QuadPart = static_cast<LONGLONG>(UlongAddress);
  return address;
}

ULONG64 StorPortConvertPhysicalAddressToUlong64(STOR_PHYSICAL_ADDRESS Address) {
  MSIRIG_RIG_ENTRY();
  return static_cast<ULONG64>(Address.QuadPart);
}

STOR_PHYSICAL_ADDRESS StorPortConvertUlong64ToPhysicalAddress(ULONG64 UlongAddress) {
  MSIRIG_RIG_ENTRY();
  STOR_PHYSICAL_ADDRESS address;
  address.QuadPart = static_cast<LONGLONG>(UlongAddress);
  return address;
}

// Obsolete; "for compatibility with older versions of Windows, this routine always returns
// TRUE" (StorPortValidateRange page).
BOOLEAN StorPortValidateRange(PVOID HwDeviceExtension, INTERFACE_TYPE BusType,
                              ULONG SystemIoBusNumber, STOR_PHYSICAL_ADDRESS IoAddress,
                              ULONG NumberOfBytes, BOOLEAN InIoSpace) {
  MSIRIG_RIG_ENTRY();
  return TRUE;
}

PSCSI_REQUEST_BLOCK StorPortGetSrb(PVOID DeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun,
                                   LONG QueueTag) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::FindSrb(CurrentPortState(), DeviceExtension);
}

BOOLEAN StorPortBusy(PVOID HwDeviceExtension, ULONG RequestsToComplete) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::AdapterBusy(CurrentPortState(), HwDeviceExtension, RequestsToComplete);
}
BOOLEAN StorPortReady(PVOID HwDeviceExtension) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::AdapterReady(CurrentPortState(), HwDeviceExtension);
}
BOOLEAN StorPortPause(PVOID HwDeviceExtension, ULONG TimeOut) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::AdapterPause(CurrentPortState(), HwDeviceExtension, TimeOut);
}
BOOLEAN StorPortResume(PVOID HwDeviceExtension) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::AdapterResume(CurrentPortState(), HwDeviceExtension);
}
BOOLEAN StorPortDeviceBusy(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun,
                           ULONG RequestsToComplete) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::DeviceBusy(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun,
                                RequestsToComplete);
}
BOOLEAN StorPortDeviceReady(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::DeviceReady(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun);
}
BOOLEAN StorPortPauseDevice(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun,
                            ULONG Timeout) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::DevicePause(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun,
                                 Timeout);
}
BOOLEAN StorPortResumeDevice(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::DeviceResume(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun);
}
BOOLEAN StorPortSetDeviceQueueDepth(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId,
                                    UCHAR Lun, ULONG Depth) {
  MSIRIG_RIG_ENTRY();
  return msirig::sp::DeviceQueueDepth(CurrentPortState(), HwDeviceExtension, PathId, TargetId, Lun,
                                      Depth);
}

VOID MsirigNtAssertFailed(const char* Expression, const char* File, ULONG Line) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  char what[256];
  std::snprintf(what, sizeof what, "NT_ASSERT(%s) failed at %s:%u", Expression, File, Line);
  s.Violate(Rule::kMiniportAssertion, nullptr, what);
}

}  // extern "C"
