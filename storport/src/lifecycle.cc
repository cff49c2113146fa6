// Adapter start: resources, HwFindAdapter, interrupt connection, HwInitialize, passive routine.
#include <algorithm>
#include <cstddef>

#include "port_state.h"

namespace msirig::sp {
namespace {

constexpr uint32_t kMaxAccessRanges = 8;

// The interrupt resources of an adapter on its platform, limited by what the device offers.
void AssignInterruptResources(Adapter& a) {
  PlatformConfig& p = a.platform;
  InterruptKind kind = p.interrupt_kind;
  uint32_t granted = p.messages_granted;
  if (a.device != nullptr && kind != InterruptKind::kLineBased) {
    const uint32_t capacity = MessageCapacity(*a.device, kind);
    if (capacity == 0) {
      kind = InterruptKind::kLineBased;  // the HBA lacks that capability
      granted = 0;
    } else if (granted > capacity) {
      granted = 1;  // the platform cannot give what was asked: exactly one (SPEC 2)
    }
  }
  a.granted = kind == InterruptKind::kLineBased ? 0 : granted;
  a.contents.clear();
  for (uint32_t id = 0; id < a.granted; ++id) {
    a.contents.push_back(id < p.message_contents.size() ? p.message_contents[id]
                                                        : DefaultMessageContents(id));
  }
  if (a.granted == 0) p.interrupt_kind = InterruptKind::kLineBased;
}

void FillConfigInfo(PortState& s, Adapter& a) {
  PORT_CONFIGURATION_INFORMATION& c = a.config_info;
  c = PORT_CONFIGURATION_INFORMATION{};
  c.Length = sizeof(PORT_CONFIGURATION_INFORMATION);
  c.SystemIoBusNumber = 0;
  c.AdapterInterfaceType = s.init_data.AdapterInterfaceType;
  c.BusInterruptLevel = kLineDirql;
  c.BusInterruptVector = 0x50;
  // Storport sets Latched for MSI/MSI-X and LevelSensitive for line-based (SPEC 3; storahci).
  c.InterruptMode = a.granted > 0 ? Latched : LevelSensitive;
  c.MaximumTransferLength = SP_UNINITIALIZED_VALUE;
  c.NumberOfPhysicalBreaks = SP_UNINITIALIZED_VALUE;
  c.DmaChannel = SP_UNINITIALIZED_VALUE;
  c.DmaPort = SP_UNINITIALIZED_VALUE;
  c.NumberOfAccessRanges = std::min<ULONG>(s.init_data.NumberOfAccessRanges, kMaxAccessRanges);
  a.access_ranges.assign(std::max<ULONG>(c.NumberOfAccessRanges, 1), ACCESS_RANGE{});
  for (size_t i = 0; i < a.bars.size() && i < c.NumberOfAccessRanges; ++i) {
    a.access_ranges[i].RangeStart.QuadPart = static_cast<LONGLONG>(a.bars[i].address);
    a.access_ranges[i].RangeLength = static_cast<ULONG>(a.bars[i].size);
    a.access_ranges[i].RangeInMemory = a.bars[i].io_space ? FALSE : TRUE;
  }
  c.AccessRanges = reinterpret_cast<decltype(c.AccessRanges)>(a.access_ranges.data());
  c.NumberOfBuses = 1;
  c.MaximumNumberOfTargets = 1;
  c.MaximumNumberOfLogicalUnits = 1;
  c.Master = TRUE;
  c.DeviceExtensionSize = s.init_data.DeviceExtensionSize;
  c.SpecificLuExtensionSize = s.init_data.SpecificLuExtensionSize;
  c.SrbExtensionSize = s.init_data.SrbExtensionSize;
  c.SynchronizationModel = StorSynchronizeHalfDuplex;
  c.HwMSInterruptRoutine = nullptr;
  c.InterruptSynchronizationMode = InterruptSupportNone;
}

}  // namespace

bool Port::StartAdapter(uint32_t id, hba::PciFunction* device) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(id);
  if (!s.registered || a.state != AdapterState::kCreated) {
    a.state = AdapterState::kFailed;
    return false;
  }
  // Storport allocates the device extension (and sizes the LU and SRB extensions) from
  // HW_INITIALIZATION_DATA before HwFindAdapter: one it cannot allocate fails the start.
  const uint64_t limit = a.platform.allocation_limit_bytes;
  if (s.init_data.DeviceExtensionSize > limit || s.init_data.SpecificLuExtensionSize > limit ||
      s.init_data.SrbExtensionSize > limit) {
    s.trace.Add(Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "extension-allocation-failed", a.id);
    a.state = AdapterState::kFailed;
    return false;
  }
  a.device = device;
  if (device != nullptr) a.bars = AssignBars(*device);
  AssignInterruptResources(a);
  a.extension_size = s.init_data.DeviceExtensionSize;
  a.extension.reset(new uint8_t[std::max<size_t>(a.extension_size, 1)]());
  FillConfigInfo(s, a);

  a.state = AdapterState::kFindAdapter;
  BOOLEAN again = FALSE;
  std::vector<char> argument_string(a.platform.driver_parameter.begin(),
                                    a.platform.driver_parameter.end());
  argument_string.push_back('\0');
  auto find_adapter = reinterpret_cast<PHW_FIND_ADAPTER>(s.init_data.HwFindAdapter);
  s.EnterCallback(Callback::kFindAdapter, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
  const ULONG found = find_adapter(a.extension.get(), s.hw_context, nullptr, argument_string.data(),
                                   &a.config_info, &again);
  s.LeaveCallback();
  a.find_adapter_returned = true;
  if (found != SP_RETURN_FOUND) {
    a.state = AdapterState::kFailed;
    return false;
  }

  s.ConnectInterrupts(a);
  if (!s.InitializeAdapter(a)) return false;
  // "Storport calls HwStorAdapterControl with ScsiQuerySupportedControlTypes after the HBA
  // has been initialized but before the first I/O" (HW_ADAPTER_CONTROL page).
  a.supported_controls.assign(ScsiAdapterControlMax, FALSE);
  if (s.init_data.HwAdapterControl != nullptr) {
    a.supported_controls =
        s.AskSupportedTypes(a, Callback::kAdapterControl, ScsiAdapterControlMax, [&](auto list) {
          // Its status is not looked at: the list says what is supported.
          s.init_data.HwAdapterControl(a.extension.get(), ScsiQuerySupportedControlTypes, list);
          return true;
        });
  }
  s.QueryUnitControls(a);
  a.state = AdapterState::kRunning;
  TsanRelease(&a.lifecycle_sync);
  return true;
}

std::vector<BOOLEAN> PortState::AskSupportedTypes(
    Adapter& a, Callback callback, ULONG max_type,
    const std::function<bool(PSCSI_SUPPORTED_CONTROL_TYPE_LIST)>& ask) {
  // Caller-allocated, exactly `max_type` entries, all FALSE: the miniport "must not set any
  // element beyond SupportedTypeList[MaxControlType - 1]" (SCSI_SUPPORTED_CONTROL_TYPE_LIST
  // page), and under ASan a write past it is a heap-buffer-overflow.
  std::vector<uint8_t> buffer(offsetof(SCSI_SUPPORTED_CONTROL_TYPE_LIST, SupportedTypeList) +
                              max_type);
  auto* list = reinterpret_cast<PSCSI_SUPPORTED_CONTROL_TYPE_LIST>(buffer.data());
  list->MaxControlType = max_type;
  EnterCallback(callback, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
  const bool answered = ask(list);
  LeaveCallback();
  std::vector<BOOLEAN> supported(max_type, FALSE);
  if (answered) std::copy_n(list->SupportedTypeList, max_type, supported.begin());
  return supported;
}

bool PortState::InitializeAdapter(Adapter& a) {
  a.state = AdapterState::kInitializing;
  a.passive_routine = nullptr;
  // HwInitialize runs at DIRQL holding the interrupt lock (StorPortAcquireSpinLock page).
  EnterCallback(Callback::kInitialize, &a, kLineInterrupt, a.sync_irql, kEntryInterrupt);
  const BOOLEAN initialized = init_data.HwInitialize(a.extension.get());
  LeaveCallback();
  if (!initialized) {
    a.state = AdapterState::kFailed;
    return false;
  }
  if (a.passive_routine != nullptr) {
    EnterCallback(Callback::kPassiveInitialize, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
    const BOOLEAN passive_ok = a.passive_routine(a.extension.get());
    LeaveCallback();
    if (!passive_ok) {
      a.state = AdapterState::kFailed;
      return false;
    }
  }
  return true;
}

}  // namespace msirig::sp
