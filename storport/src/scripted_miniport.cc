// ScriptedMiniport (see scripted_miniport.h).
#include "scripted_miniport.h"

namespace msirig::sp {

ScriptedMiniport* ScriptedMiniport::current = nullptr;

namespace {

ScriptedMiniport& Mp() { return *ScriptedMiniport::current; }

BOOLEAN MsIsr(PVOID extension, ULONG message) {
  return Mp().ms_isr ? Mp().ms_isr(extension, message) : TRUE;
}

ULONG FindAdapter(PVOID extension, PVOID context, PVOID bus, PCHAR argument,
                  PPORT_CONFIGURATION_INFORMATION config, PBOOLEAN again) {
  Mp().argument_string = argument != nullptr ? argument : "";
  if (Mp().install_msi_routine && config->InterruptMode == Latched)
    config->HwMSInterruptRoutine = MsIsr;
  config->InterruptSynchronizationMode = Mp().sync_mode;
  if (Mp().find_adapter) Mp().find_adapter(extension, config);
  return SP_RETURN_FOUND;
}

BOOLEAN PassiveInitialize(PVOID extension) { return Mp().passive_initialize(extension); }

BOOLEAN Initialize(PVOID extension) {
  if (Mp().passive_initialize) StorPortEnablePassiveInitialization(extension, PassiveInitialize);
  return Mp().initialize ? Mp().initialize(extension) : TRUE;
}

BOOLEAN Interrupt(PVOID extension) { return Mp().isr ? Mp().isr(extension) : TRUE; }

BOOLEAN BuildIo(PVOID extension, PSCSI_REQUEST_BLOCK srb) { return Mp().build_io(extension, srb); }

BOOLEAN StartIo(PVOID extension, PSCSI_REQUEST_BLOCK srb) {
  if (Mp().start_io) return Mp().start_io(extension, srb);
  srb->SrbStatus = SRB_STATUS_SUCCESS;
  StorPortNotification(RequestComplete, extension, srb);
  return TRUE;
}

BOOLEAN ResetBus(PVOID extension, ULONG path_id) {
  return Mp().reset_bus ? Mp().reset_bus(extension) : TRUE;
}

SCSI_ADAPTER_CONTROL_STATUS AdapterControl(PVOID extension, SCSI_ADAPTER_CONTROL_TYPE type,
                                           PVOID parameters) {
  if (type == ScsiQuerySupportedControlTypes) {
    auto* list = static_cast<PSCSI_SUPPORTED_CONTROL_TYPE_LIST>(parameters);
    for (ULONG t = 0; t < list->MaxControlType; ++t) {
      list->SupportedTypeList[t] =
          t == ScsiQuerySupportedControlTypes || t == ScsiStopAdapter ||
          (t == ScsiRestartAdapter && Mp().supports_restart) ||
          (t == ScsiAdapterSurpriseRemoval && Mp().supports_surprise_removal);
    }
    return ScsiAdapterControlSuccess;
  }
  return Mp().adapter_control ? Mp().adapter_control(extension, type) : ScsiAdapterControlSuccess;
}

SCSI_UNIT_CONTROL_STATUS UnitControl(PVOID extension, SCSI_UNIT_CONTROL_TYPE type,
                                     PVOID parameters) {
  return Mp().unit_control(extension, type, parameters);
}

}  // namespace

extern "C" VOID ScriptedDpcRoutine(PSTOR_DPC dpc, PVOID extension, PVOID argument1,
                                   PVOID argument2) {
  if (Mp().dpc) Mp().dpc(dpc, extension, argument1, argument2);
}

ULONG ScriptedDriverEntry(PVOID driver_object, PVOID registry_path) {
  HW_INITIALIZATION_DATA init = {};
  init.HwInitializationDataSize = sizeof(HW_INITIALIZATION_DATA);
  init.AdapterInterfaceType = PCIBus;
  init.HwInitialize = Initialize;
  init.HwStartIo = StartIo;
  init.HwInterrupt = Interrupt;
  init.HwFindAdapter = FindAdapter;
  init.HwResetBus = ResetBus;
  init.HwAdapterControl = AdapterControl;
  init.HwUnitControl = Mp().unit_control ? UnitControl : nullptr;
  init.HwBuildIo = Mp().build_io ? BuildIo : nullptr;
  init.DeviceExtensionSize = Mp().extension_size;
  init.SrbExtensionSize = Mp().srb_extension_size;
  init.NumberOfAccessRanges = 1;
  init.MapBuffers = STOR_MAP_NON_READ_WRITE_BUFFERS;
  init.TaggedQueuing = TRUE;
  init.AutoRequestSense = TRUE;
  init.MultipleRequestPerLu = TRUE;
  return StorPortInitialize(driver_object, registry_path, &init, nullptr);
}

ScriptedRig::ScriptedRig(PlatformConfig platform, PortOptions options)
    : platform_(std::move(platform)), port_(std::make_unique<Port>(options)) {
  ScriptedMiniport::current = &miniport_;
}

ScriptedRig::~ScriptedRig() { ScriptedMiniport::current = nullptr; }

bool ScriptedRig::Start() {
  port_->LoadMiniport(ScriptedDriverEntry);
  adapter_ = port_->CreateAdapter(platform_);
  return port_->StartAdapter(adapter_, nullptr);
}

void ScriptedRig::OnCpu(uint32_t cpu, const std::function<void()>& body) {
  InlineScheduler* scheduler = port_->inline_scheduler();
  const uint32_t previous = scheduler->CurrentCpu();
  scheduler->SetCurrentCpu(cpu);
  body();
  scheduler->SetCurrentCpu(previous);
}

std::string ScriptedRig::Violations() const {
  std::string all;
  for (const Violation& v : port_->verifier().violations()) all += v.line + "\n";
  return all;
}

}  // namespace msirig::sp
