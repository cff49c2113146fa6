// ScriptedMiniport: a miniport whose callbacks are C++ functions a test sets, for testing the
// port driver one behaviour at a time. It registers through DriverEntry -> StorPortInitialize
// and reaches the port only through storport.h, exactly as a real miniport does.
#ifndef MSIRIG_STORPORT_SRC_SCRIPTED_MINIPORT_H_
#define MSIRIG_STORPORT_SRC_SCRIPTED_MINIPORT_H_

#include <functional>
#include <memory>
#include <string>

#include "msirig/storport/port.h"
#include "storport.h"

namespace msirig::sp {

struct ScriptedMiniport {
  // What HwFindAdapter does besides its defaults (HwMSInterruptRoutine installed when
  // `install_msi_routine` and the interrupt mode is Latched; `sync_mode` set).
  std::function<void(PVOID, PPORT_CONFIGURATION_INFORMATION)> find_adapter;
  std::function<BOOLEAN(PVOID)> initialize;          // default: TRUE
  std::function<BOOLEAN(PVOID)> passive_initialize;  // enabled from HwInitialize when set
  std::function<BOOLEAN(PVOID, ULONG)> ms_isr;       // default: TRUE
  std::function<BOOLEAN(PVOID)> isr;                 // default: TRUE
  std::function<BOOLEAN(PVOID, PSCSI_REQUEST_BLOCK)> build_io;  // default: none installed
  std::function<BOOLEAN(PVOID, PSCSI_REQUEST_BLOCK)> start_io;  // default: complete SUCCESS
  std::function<void(PVOID)> timer;
  std::function<BOOLEAN(PVOID)> reset_bus;  // default: TRUE
  // Default: supports ScsiStopAdapter and ScsiRestartAdapter and succeeds.
  std::function<SCSI_ADAPTER_CONTROL_STATUS(PVOID, SCSI_ADAPTER_CONTROL_TYPE)> adapter_control;
  bool supports_restart = true;
  bool supports_surprise_removal = false;  // ScsiAdapterSurpriseRemoval
  // HwUnitControl, installed only when set: every call, the support query included (Parameters
  // as Storport passed them).
  std::function<SCSI_UNIT_CONTROL_STATUS(PVOID, SCSI_UNIT_CONTROL_TYPE, PVOID)> unit_control;
  std::string argument_string;  // what the last HwFindAdapter got as ArgumentString
  std::function<void(PSTOR_DPC, PVOID, PVOID, PVOID)> dpc;

  INTERRUPT_SYNCHRONIZATION_MODE sync_mode = InterruptSynchronizePerMessage;
  bool install_msi_routine = true;
  ULONG extension_size = 256;
  ULONG srb_extension_size = 64;

  // The miniport the static trampolines call; set by Install().
  static ScriptedMiniport* current;
};

// The scripted miniport's DriverEntry.
ULONG ScriptedDriverEntry(PVOID driver_object, PVOID registry_path);
// The DPC routine that forwards to ScriptedMiniport::dpc.
extern "C" VOID ScriptedDpcRoutine(PSTOR_DPC dpc, PVOID extension, PVOID argument1,
                                   PVOID argument2);

// One port, one scripted miniport, one adapter: what most port-driver tests need.
// A platform granting `granted` MSI-X messages, all it requested (0: none granted, so the
// adapter falls back to its line interrupt).
inline PlatformConfig MsiX(uint32_t granted) {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kMsiX;
  p.messages_requested = granted;
  p.messages_granted = granted;
  return p;
}

class ScriptedRig {
 public:
  explicit ScriptedRig(PlatformConfig platform, PortOptions options = {});
  ~ScriptedRig();

  ScriptedMiniport& miniport() { return miniport_; }
  Port& port() { return *port_; }
  uint32_t adapter() const { return adapter_; }
  PVOID extension() { return port_->DeviceExtension(adapter_); }

  // DriverEntry, then PnP start of the adapter (no device model).
  bool Start();
  // Runs `body` as if on virtual CPU `cpu` (InlineScheduler), then returns to the previous CPU.
  void OnCpu(uint32_t cpu, const std::function<void()>& body);
  // Whether the verifier recorded a violation of `rule`.
  bool Saw(Rule rule) { return port_->verifier().Saw(rule); }
  size_t ViolationCount() { return port_->verifier().violations().size(); }
  std::string Violations() const;

 private:
  PlatformConfig platform_;
  ScriptedMiniport miniport_;
  std::unique_ptr<Port> port_;
  uint32_t adapter_ = 0;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_SCRIPTED_MINIPORT_H_
