// Device access: StorPortGetDeviceBase windows, register and port I/O routed to the device
// model through the bus interface, and PCI configuration space.
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "port_state.h"
#include "tsan_scope.h"

using msirig::sp::Adapter;
using msirig::sp::CurrentPortState;
using msirig::sp::PortState;
using msirig::sp::RegisterMapping;
using msirig::sp::Rule;

namespace {

// The addresses StorPortGetDeviceBase hands out lie in one reserved, inaccessible window, so a
// miniport that dereferences a register pointer instead of calling StorPortRead/Write* faults
// (a finding) rather than reading host memory. Reserved once per process, reused by every port.
constexpr uintptr_t kSlotBytes = uintptr_t{16} << 20;
constexpr size_t kSlots = 64;

uintptr_t ReserveRegisterWindow() {
  void* p = mmap(nullptr, kSlotBytes * kSlots, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    std::fputs("msirig: rig error: cannot reserve the register window\n", stderr);
    std::abort();
  }
  return reinterpret_cast<uintptr_t>(p);
}

// Reserved when the program starts, not at the first register access: a function-local static
// would be initialized inside the first run, under a guard that ThreadSanitizer sees as a
// release on whichever virtual CPU got there first, and that first run would then not play as
// every later one does (executor_run.cc, StartTsanFresh).
const uintptr_t g_register_window = ReserveRegisterWindow();

uintptr_t RegisterWindow() { return g_register_window; }

MSIRIG_PLUMBING const RegisterMapping* Decode(PortState& s, const void* address, unsigned size,
                                              const char* routine, uint64_t* offset,
                                              msirig::sp::PreemptKind kind) {
  const auto va = reinterpret_cast<uintptr_t>(address);
  for (const RegisterMapping& m : s.mappings) {
    if (va >= m.virtual_base && va - m.virtual_base + size <= m.length) {
      *offset = va - m.virtual_base;
      s.trace.Add(msirig::sp::Event::kRoutine, s.CpuIndex(), s.Cpu().irql, routine, m.bar, *offset);
      s.scheduler->PreemptionPoint(kind);
      return &m;
    }
  }
  s.Violate(Rule::kRegisterUnmapped, nullptr,
            std::string(routine) + "(" + s.Describe(address) + ", " + std::to_string(size) +
                " bytes): no device base maps that address");
  return nullptr;
}

MSIRIG_PLUMBING uint64_t Read(const void* address, unsigned size, const char* routine) {
  PortState& s = CurrentPortState();
  uint64_t offset = 0;
  const RegisterMapping* m =
      Decode(s, address, size, routine, &offset, msirig::sp::PreemptKind::kRegisterRead);
  const uint64_t all_ones = size == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * size)) - 1);
  if (m == nullptr || m->adapter->device == nullptr) return all_ones;
  return m->adapter->device->MmioRead(m->bar, offset, size) & all_ones;
}

MSIRIG_PLUMBING void Write(const void* address, unsigned size, uint64_t value,
                           const char* routine) {
  PortState& s = CurrentPortState();
  uint64_t offset = 0;
  const RegisterMapping* m =
      Decode(s, address, size, routine, &offset, msirig::sp::PreemptKind::kRegisterWrite);
  if (m == nullptr || m->adapter->device == nullptr) return;
  m->adapter->device->MmioWrite(m->bar, offset, size, value);
}

// The buffer routines: Count transfers at the one register or port, one element each.
template <typename T>
void ReadBuffer(const T* at, T* buffer, ULONG count, const char* routine) {
  for (ULONG i = 0; i < count; ++i) buffer[i] = static_cast<T>(Read(at, sizeof(T), routine));
}
template <typename T>
void WriteBuffer(T* at, const T* buffer, ULONG count, const char* routine) {
  for (ULONG i = 0; i < count; ++i) Write(at, sizeof(T), buffer[i], routine);
}

}  // namespace

extern "C" {

PVOID StorPortGetDeviceBase(PVOID HwDeviceExtension, INTERFACE_TYPE BusType,
                            ULONG SystemIoBusNumber, STOR_PHYSICAL_ADDRESS IoAddress,
                            ULONG NumberOfBytes, BOOLEAN InIoSpace) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  Adapter* a = s.EnterAdapterRoutine(HwDeviceExtension, "StorPortGetDeviceBase", PASSIVE_LEVEL);
  if (a == nullptr) return nullptr;
  const auto start = static_cast<uint64_t>(IoAddress.QuadPart);
  for (const msirig::sp::PciBar& bar : a->bars) {
    if (start < bar.address || start - bar.address + NumberOfBytes > bar.size) continue;
    if (bar.io_space != (InIoSpace != FALSE)) continue;
    for (const RegisterMapping& m : s.mappings) {
      if (m.adapter == a && m.bar == bar.index)
        return reinterpret_cast<PVOID>(m.virtual_base + (start - bar.address));
    }
    if (s.mappings.size() >= kSlots || bar.size > kSlotBytes) return nullptr;
    const uintptr_t base = RegisterWindow() + kSlotBytes * s.mappings.size();
    s.mappings.push_back(RegisterMapping{a, bar.index, bar.address, bar.size, bar.io_space, base});
    return reinterpret_cast<PVOID>(base + (start - bar.address));
  }
  return nullptr;  // not one of the adapter's assigned ranges
}

VOID StorPortFreeDeviceBase(PVOID HwDeviceExtension, PVOID MappedAddress) { MSIRIG_RIG_ENTRY(); }

UCHAR StorPortReadRegisterUchar(PVOID h, PUCHAR r) {
  MSIRIG_RIG_ENTRY();
  return static_cast<UCHAR>(Read(r, 1, "StorPortReadRegisterUchar"));
}
USHORT StorPortReadRegisterUshort(PVOID h, PUSHORT r) {
  MSIRIG_RIG_ENTRY();
  return static_cast<USHORT>(Read(r, 2, "StorPortReadRegisterUshort"));
}
ULONG StorPortReadRegisterUlong(PVOID h, PULONG r) {
  MSIRIG_RIG_ENTRY();
  return static_cast<ULONG>(Read(r, 4, "StorPortReadRegisterUlong"));
}
ULONG64 StorPortReadRegisterUlong64(PVOID h, PULONG64 r) {
  MSIRIG_RIG_ENTRY();
  return Read(r, 8, "StorPortReadRegisterUlong64");
}
VOID StorPortWriteRegisterUchar(PVOID h, PUCHAR r, UCHAR v) {
  MSIRIG_RIG_ENTRY();
  Write(r, 1, v, "StorPortWriteRegisterUchar");
}
VOID StorPortWriteRegisterUshort(PVOID h, PUSHORT r, USHORT v) {
  MSIRIG_RIG_ENTRY();
  Write(r, 2, v, "StorPortWriteRegisterUshort");
}
VOID StorPortWriteRegisterUlong(PVOID h, PULONG r, ULONG v) {
  MSIRIG_RIG_ENTRY();
  Write(r, 4, v, "StorPortWriteRegisterUlong");
}
VOID StorPortWriteRegisterUlong64(PVOID h, PULONG64 r, ULONG64 v) {
  MSIRIG_RIG_ENTRY();
  Write(r, 8, v, "StorPortWriteRegisterUlong64");
}

VOID StorPortReadRegisterBufferUchar(PVOID h, PUCHAR r, PUCHAR b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadRegisterBufferUchar");
}
VOID StorPortReadRegisterBufferUshort(PVOID h, PUSHORT r, PUSHORT b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadRegisterBufferUshort");
}
VOID StorPortReadRegisterBufferUlong(PVOID h, PULONG r, PULONG b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadRegisterBufferUlong");
}
VOID StorPortWriteRegisterBufferUchar(PVOID h, PUCHAR r, PUCHAR b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWriteRegisterBufferUchar");
}
VOID StorPortWriteRegisterBufferUshort(PVOID h, PUSHORT r, PUSHORT b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWriteRegisterBufferUshort");
}
VOID StorPortWriteRegisterBufferUlong(PVOID h, PULONG r, PULONG b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWriteRegisterBufferUlong");
}

UCHAR StorPortReadPortUchar(PVOID h, PUCHAR p) {
  MSIRIG_RIG_ENTRY();
  return static_cast<UCHAR>(Read(p, 1, "StorPortReadPortUchar"));
}
USHORT StorPortReadPortUshort(PVOID h, PUSHORT p) {
  MSIRIG_RIG_ENTRY();
  return static_cast<USHORT>(Read(p, 2, "StorPortReadPortUshort"));
}
ULONG StorPortReadPortUlong(PVOID h, PULONG p) {
  MSIRIG_RIG_ENTRY();
  return static_cast<ULONG>(Read(p, 4, "StorPortReadPortUlong"));
}
VOID StorPortWritePortUchar(PVOID h, PUCHAR p, UCHAR v) {
  MSIRIG_RIG_ENTRY();
  Write(p, 1, v, "StorPortWritePortUchar");
}
VOID StorPortWritePortUshort(PVOID h, PUSHORT p, USHORT v) {
  MSIRIG_RIG_ENTRY();
  Write(p, 2, v, "StorPortWritePortUshort");
}
VOID StorPortWritePortUlong(PVOID h, PULONG p, ULONG v) {
  MSIRIG_RIG_ENTRY();
  Write(p, 4, v, "StorPortWritePortUlong");
}

VOID StorPortReadPortBufferUchar(PVOID h, PUCHAR r, PUCHAR b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadPortBufferUchar");
}
VOID StorPortReadPortBufferUshort(PVOID h, PUSHORT r, PUSHORT b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadPortBufferUshort");
}
VOID StorPortReadPortBufferUlong(PVOID h, PULONG r, PULONG b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  ReadBuffer(r, b, n, "StorPortReadPortBufferUlong");
}
VOID StorPortWritePortBufferUchar(PVOID h, PUCHAR r, PUCHAR b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWritePortBufferUchar");
}
VOID StorPortWritePortBufferUshort(PVOID h, PUSHORT r, PUSHORT b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWritePortBufferUshort");
}
VOID StorPortWritePortBufferUlong(PVOID h, PULONG r, PULONG b, ULONG n) {
  MSIRIG_RIG_ENTRY();
  WriteBuffer(r, b, n, "StorPortWritePortBufferUlong");
}

ULONG StorPortGetBusData(PVOID DeviceExtension, ULONG BusDataType, ULONG SystemIoBusNumber,
                         ULONG SlotNumber, PVOID Buffer, ULONG Length) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  Adapter* a = s.FindAdapter(DeviceExtension, "StorPortGetBusData");
  if (a == nullptr || Buffer == nullptr) return 0;
  s.EnterRoutine("StorPortGetBusData", a, HIGH_LEVEL);
  if (BusDataType != PCIConfiguration || a->device == nullptr) return 0;
  const ULONG n = Length > 256 ? 256 : Length;
  auto* bytes = static_cast<uint8_t*>(Buffer);
  for (ULONG i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(a->device->ConfigRead(i, 1));
  return n;
}

ULONG StorPortSetBusDataByOffset(PVOID DeviceExtension, ULONG BusDataType, ULONG SystemIoBusNumber,
                                 ULONG SlotNumber, PVOID Buffer, ULONG Offset, ULONG Length) {
  MSIRIG_RIG_ENTRY();
  PortState& s = CurrentPortState();
  Adapter* a = s.FindAdapter(DeviceExtension, "StorPortSetBusDataByOffset");
  if (a == nullptr || Buffer == nullptr) return 0;
  s.EnterRoutine("StorPortSetBusDataByOffset", a, HIGH_LEVEL);
  if (BusDataType != PCIConfiguration || a->device == nullptr || Offset >= 256) return 0;
  const ULONG n = Length > 256 - Offset ? 256 - Offset : Length;
  const auto* bytes = static_cast<const uint8_t*>(Buffer);
  for (ULONG i = 0; i < n; ++i)
    a->device->ConfigWrite(static_cast<uint16_t>(Offset + i), 1, bytes[i]);
  return n;
}

}  // extern "C"
