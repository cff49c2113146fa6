// Interrupt connection and dispatch per synchronization mode (SPEC 3), and the HostBus through
// which the device model signals interrupts and does DMA.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "port_state.h"
#include "tsan_scope.h"

namespace msirig::sp {

void PortState::ConnectInterrupts(Adapter& a) {
  const PORT_CONFIGURATION_INFORMATION& c = a.config_info;
  a.sync_mode = c.InterruptSynchronizationMode;
  a.ms_isr = c.HwMSInterruptRoutine;
  // Messages are used only when some were granted and the miniport installed an MSI routine;
  // otherwise Storport connects HwInterrupt to the line (SPEC 3).
  a.message_mode = a.granted > 0 && a.ms_isr != nullptr;
  a.messages = a.message_mode ? a.granted : 0;
  a.message_locks.assign(a.messages, ModeledLock{});
  a.pending.assign(std::max<uint32_t>(a.granted, 1), 0);
  // InterruptLock's IRQL is the highest DIRQL of the connected interrupts (the synchronize IRQL
  // IoConnectInterruptEx uses when one spin lock covers several messages).
  a.sync_irql = kLineDirql;
  for (uint32_t m = 0; m < a.messages; ++m) a.sync_irql = std::max(a.sync_irql, MessageDirql(m));
  if (a.device == nullptr) return;
  if (a.message_mode) {
    std::vector<MessageContents> programmed(a.contents.begin(), a.contents.begin() + a.messages);
    ProgramMessages(*a.device, a.bars, a.platform.interrupt_kind, programmed);
  } else {
    EnableIntx(*a.device);
  }
}

Delivery PortState::Deliver(Adapter& a, uint32_t message) {
  if (a.state != AdapterState::kInitializing && a.state != AdapterState::kRunning)
    return Delivery::kNotConnected;
  CpuState& cpu = Cpu();
  const bool line = message == kLineInterrupt;
  uint8_t irql = kLineDirql;
  ModeledLock* lock = &a.interrupt_lock;
  if (line) {
    if (a.message_mode || init_data.HwInterrupt == nullptr) return Delivery::kNotConnected;
  } else {
    if (!a.message_mode || message >= a.messages) return Delivery::kNotConnected;
    if (!a.pending[message]) return Delivery::kNotPending;
    if (a.sync_mode == InterruptSynchronizePerMessage) {
      irql = MessageDirql(message);
      lock = &a.message_locks[message];
    } else {
      irql = a.sync_irql;
    }
  }
  if (cpu.irql >= irql || lock->owner == static_cast<int32_t>(CpuIndex()))
    return Delivery::kIrqlTooHigh;
  if (lock->owner != -1 && scheduler == &own_scheduler) return Delivery::kWouldSpin;

  if (!line) a.pending[message] = 0;  // the APIC moves it from requested to in service
  trace.Add(Event::kInterruptDeliver, CpuIndex(), cpu.irql, line ? "line" : "message", message);
  BOOLEAN claimed;
  if (line) {
    EnterCallback(Callback::kInterrupt, &a, kLineInterrupt, irql, kEntryMessage);
    // Sampled once the ISR holds its lock (entry may wait), and kept if the device raises the
    // line while it runs: a claim is spurious only if the line never was up meanwhile.
    a.line_seen = a.line_level || (a.device != nullptr && a.device->InterruptCausePending());
    claimed = init_data.HwInterrupt(a.extension.get());
  } else {
    EnterCallback(Callback::kMsInterrupt, &a, message, irql, kEntryMessage);
    claimed = a.ms_isr(a.extension.get(), message);
  }
  // Judged before the IRQL drops: leaving the callback lowers it, and the DPCs the ISR queued
  // then run (and may consume the very cause the ISR claimed for).
  if (line && claimed && !a.line_seen && a.device != nullptr) {
    a.line_seen = a.device->InterruptCausePending();  // work it just found and left
  }
  if (line && claimed && !a.line_seen) {
    Violate(Rule::kIsrSpuriousClaim, &a,
            "HwInterrupt returned TRUE for a shared-line interrupt its device did not raise");
  }
  // The claim is recorded, not judged, for a message: HwMSInterruptRoutine "returns TRUE if it
  // determines that the HBA generated the MSI" (HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE page), and
  // a message is delivered here only when its device signaled it; signals coalesce into one call
  // (KMESSAGE_SERVICE_ROUTINE page), so work already taken by an earlier call, a DPC or a poll
  // leaves nothing to find. Unlike a shared line, a message has no other owner whose interrupt
  // a wrong TRUE would steal, so IsrSpuriousClaim stays the line's rule.
  trace.Add(Event::kInterruptDeliver, CpuIndex(), Cpu().irql, claimed ? "claimed" : "unclaimed",
            message);
  ++(claimed ? a.claims.claimed : a.claims.unclaimed);
  LeaveCallback();
  return Delivery::kDelivered;
}

void Port::SignalMessage(uint32_t adapter, uint32_t message) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(adapter);
  s.trace.Add(Event::kInterruptSignal, s.CpuIndex(), s.Cpu().irql, "message", message);
  if (message < a.pending.size() && a.granted > 0) a.pending[message] = 1;
}

void Port::SetLineLevel(uint32_t adapter, bool asserted) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  s.trace.Add(Event::kInterruptSignal, s.CpuIndex(), s.Cpu().irql, "line", asserted);
  s.AdapterAt(adapter).line_level = asserted;
  s.AdapterAt(adapter).line_seen |= asserted;
}

bool Port::Pending(uint32_t adapter, uint32_t message) const {
  RigEntry rig(*state_);
  const Adapter& a = state_->AdapterAt(adapter);
  if (message == kLineInterrupt) return a.line_level;
  return message < a.pending.size() && a.pending[message];
}

Delivery Port::DeliverInterrupt(uint32_t adapter, uint32_t message) {
  RigEntry rig(*state_);
  return state_->Deliver(state_->AdapterAt(adapter), message);
}

InterruptClaims Port::Claims(uint32_t adapter) const {
  RigEntry rig(*state_);
  return state_->AdapterAt(adapter).claims;
}

// --- the device's view of the platform ---

uint8_t* AdapterBus::DmaTarget(uint64_t address, size_t length, const char* verb) {
  uint8_t* host = port_->memory.ToHost(address, length);
  if (host == nullptr) {
    char what[128];
    std::snprintf(what, sizeof what, "device %s %zu bytes at bus address 0x%llx", verb, length,
                  static_cast<unsigned long long>(address));
    port_->Violate(Rule::kDmaUnmapped, adapter_, what, std::string("device DMA ") + verb);
  }
  return host;
}

bool AdapterBus::DmaRead(uint64_t address, void* destination, size_t length) {
  const uint8_t* host = DmaTarget(address, length, "read");
  TsanIgnoreScope device_side;
  if (host != nullptr) std::memcpy(destination, host, length);
  return host != nullptr;
}

bool AdapterBus::DmaWrite(uint64_t address, const void* source, size_t length) {
  uint8_t* host = DmaTarget(address, length, "wrote");
  TsanIgnoreScope device_side;
  if (host != nullptr) std::memcpy(host, source, length);
  return host != nullptr;
}

void AdapterBus::SignalMsi(uint32_t vector, uint64_t address, uint32_t data) {
  port_->trace.Add(Event::kInterruptSignal, port_->CpuIndex(), port_->Cpu().irql, "msi", vector,
                   data);
  if (vector < adapter_->pending.size() && adapter_->granted > 0) adapter_->pending[vector] = 1;
}

void AdapterBus::SetIntx(bool asserted) {
  port_->trace.Add(Event::kInterruptSignal, port_->CpuIndex(), port_->Cpu().irql, "intx", asserted);
  adapter_->line_level = asserted;
  adapter_->line_seen |= asserted;
}

void AdapterBus::DeviceEvent(std::string_view name, uint64_t arg0, uint64_t arg1) {
  port_->trace.Add(Event::kDeviceEvent, port_->CpuIndex(), port_->Cpu().irql, name, arg0, arg1);
}

}  // namespace msirig::sp
