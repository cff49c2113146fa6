// Memory the miniport sees: uncached extension, physical addresses, logical-unit extensions.
#include <algorithm>
#include <cstdio>
#include <new>

#include "port_state.h"
#include "tsan_scope.h"

using msirig::sp::Adapter;
using msirig::sp::Callback;
using msirig::sp::CurrentPortState;
using msirig::sp::PortState;
using msirig::sp::ReusedBuffer;
using msirig::sp::Rule;

extern "C" {

PVOID StorPortGetUncachedExtension(PVOID HwDeviceExtension,
                                   struct _PORT_CONFIGURATION_INFORMATION* ConfigInfo,
                                   ULONG NumberOfBytes) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  Adapter* a =
      s.EnterAdapterRoutine(HwDeviceExtension, "StorPortGetUncachedExtension", PASSIVE_LEVEL);
  if (a == nullptr) return nullptr;
  // "A miniport driver can call StorPortGetUncachedExtension only from HwStorFindAdapter."
  if (s.CurrentCallback() != Callback::kFindAdapter) {
    s.Violate(Rule::kCallContext, a,
              std::string("StorPortGetUncachedExtension from ") +
                  CallbackName(s.CurrentCallback()) + ", not HwFindAdapter");
    return nullptr;
  }
  // Above the platform's allocation limit: NULL, as when the common buffer cannot be allocated.
  if (a->platform.faults.uncached_extension_fails || NumberOfBytes == 0 ||
      NumberOfBytes > a->platform.allocation_limit_bytes)
    return nullptr;
  if (a->uncached != nullptr) {
    return NumberOfBytes <= a->uncached_size ? a->uncached.get() : nullptr;
  }
  a->uncached = ReusedBuffer::Zeroed(NumberOfBytes);
  a->uncached_size = NumberOfBytes;
  s.memory.Map(a->uncached.get(), NumberOfBytes);
  return a->uncached.get();
}

STOR_PHYSICAL_ADDRESS StorPortGetPhysicalAddress(PVOID HwDeviceExtension, PSCSI_REQUEST_BLOCK Srb,
                                                 PVOID VirtualAddress, ULONG* Length) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  STOR_PHYSICAL_ADDRESS result;
  result.QuadPart = 0;
  Adapter* a = s.EnterAdapterRoutine(HwDeviceExtension, "StorPortGetPhysicalAddress", HIGH_LEVEL);
  if (a == nullptr) return result;
  uint64_t physical = 0;
  size_t remaining = 0;
  if (!s.memory.ToPhysical(VirtualAddress, &physical, &remaining)) {
    s.Violate(Rule::kPhysicalAddressUnknown, a,
              "StorPortGetPhysicalAddress(" + s.Describe(VirtualAddress) + ")");
    if (Length != nullptr) *Length = 0;
    return result;
  }
  result.QuadPart = static_cast<LONGLONG>(physical);
  if (Length != nullptr) *Length = static_cast<ULONG>(std::min<size_t>(remaining, 0xFFFFFFFFu));
  return result;
}

PVOID StorPortGetVirtualAddress(PVOID HwDeviceExtension, STOR_PHYSICAL_ADDRESS PhysicalAddress) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  return s.memory.ToHost(static_cast<uint64_t>(PhysicalAddress.QuadPart), 1);
}

PVOID StorPortGetLogicalUnit(PVOID HwDeviceExtension, UCHAR PathId, UCHAR TargetId, UCHAR Lun) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  Adapter* a = s.FindAdapter(HwDeviceExtension, "StorPortGetLogicalUnit");
  if (a == nullptr || s.init_data.SpecificLuExtensionSize == 0) return nullptr;
  auto& extension = a->lu_extensions[msirig::sp::LuKey(PathId, TargetId, Lun)];
  if (!extension) extension.reset(new uint8_t[s.init_data.SpecificLuExtensionSize]());
  return extension.get();
}

}  // extern "C"
