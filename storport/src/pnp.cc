// PnP and error recovery: HwAdapterControl stop and restart, HwResetBus, request timeouts, and
// surprise removal (HW_ADAPTER_CONTROL and StorPortAcquireSpinLock pages; SPEC 5 lifecycle).
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "port_state.h"
#include "requests.h"

namespace msirig::sp {

bool PortState::AdapterControl(Adapter& a, SCSI_ADAPTER_CONTROL_TYPE type) {
  if (init_data.HwAdapterControl == nullptr || type < 0 || type >= ScsiAdapterControlMax ||
      a.supported_controls.size() <= static_cast<size_t>(type) || !a.supported_controls[type])
    return false;
  if (type == ScsiAdapterSurpriseRemoval) {
    // Decision: PASSIVE_LEVEL with no lock held. The pages give this type no IRQL; Storport
    // makes the call while it handles IRP_MN_SURPRISE_REMOVAL, which the PnP manager sends at
    // PASSIVE_LEVEL (IRP_MN_SURPRISE_REMOVAL page), as it does the units' ScsiUnitSurpriseRemoval.
    trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "HwAdapterControl", type);
    EnterCallback(Callback::kAdapterControl, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
  } else {
    // ScsiStopAdapter and ScsiRestartAdapter: DIRQL, InterruptLock held (HW_ADAPTER_CONTROL).
    EnterCallback(Callback::kAdapterControl, &a, kLineInterrupt, a.sync_irql, kEntryInterrupt);
  }
  const SCSI_ADAPTER_CONTROL_STATUS status =
      init_data.HwAdapterControl(a.extension.get(), type, nullptr);
  LeaveCallback();
  return status == ScsiAdapterControlSuccess;
}

void PortState::ResetBus(Adapter& a) {
  if (init_data.HwResetBus == nullptr) return;
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "HwResetBus", a.id);
  // StartIo and, in half duplex, Interrupt are held (StorPortAcquireSpinLock page).
  const bool half_duplex = a.config_info.SynchronizationModel == StorSynchronizeHalfDuplex;
  const uint8_t irql = std::max<uint8_t>(half_duplex ? a.sync_irql : DISPATCH_LEVEL, Cpu().irql);
  EnterCallback(Callback::kResetBus, &a, kLineInterrupt, irql,
                half_duplex ? (kEntryStartIo | kEntryInterrupt) : kEntryStartIo);
  init_data.HwResetBus(a.extension.get(), 0);
  LeaveCallback();
  // Storport restarts the timers of whatever is still outstanding after a reset.
  for (auto& [key, record] : a.requests) record.timer_start_ns = now_ns;
}

void PortState::CheckTimeouts() {
  for (auto& adapter : adapters) {
    Adapter& a = *adapter;
    if (a.state != AdapterState::kRunning) continue;
    bool expired = false;
    for (const auto& [key, record] : a.requests) {
      const uint64_t limit_ns = uint64_t{key->TimeOutValue} * 1'000'000'000ull;
      expired |= record.with_miniport && now_ns - record.timer_start_ns >= limit_ns &&
                 key->TimeOutValue != 0;
    }
    if (expired) {
      trace.Add(Event::kTimer, CpuIndex(), Cpu().irql, "request-timeout", a.id);
      ResetBus(a);
    }
  }
}

void Port::ResetBus(uint32_t adapter) {
  RigEntry rig(*state_);
  Adapter& a = state_->AdapterAt(adapter);
  if (a.state == AdapterState::kRunning) state_->ResetBus(a);
}

namespace {

// Quiesce bounds (decision, SPEC 5 lifecycle). Storport's own wait has no bound (the PnP stop
// waits for the I/O); the emulation stops waiting after this many rounds in all, or this many
// virtual seconds without progress (a request that never completes has timed out and
// HwResetBus has run by then), and then does not stop the adapter.
constexpr int kQuiesceRounds = 4096;
constexpr int kQuiesceIdleSeconds = 64;
constexpr uint64_t kQuiesceStallMicroseconds = 100;

bool MiniportHoldsRequests(const Adapter& a) {
  for (const auto& [key, record] : a.requests) {
    if (record.with_miniport) return true;
  }
  return false;
}

bool DpcsQueuedFor(const PortState& s, const Adapter& a) {
  for (const CpuState& cpu : s.cpus) {
    for (const QueuedDpc& q : cpu.dpcs) {
      if (q.adapter == &a) return true;
    }
  }
  return false;
}

}  // namespace

// "At the time the port driver calls HwScsiAdapterControl to stop the HBA, it ensures that there
// are no uncompleted requests" (HwScsiAdapterControl page; Storport keeps that contract for
// HwStorAdapterControl): Storport pauses the adapter's queue, holding new requests, and waits
// for what the miniport holds. Meanwhile this CPU, at PASSIVE_LEVEL, takes the adapter's
// interrupts and runs its DPCs as any CPU would, the device works (Scheduler::Stalled), and
// virtual time passes, so a request that never completes times out and HwResetBus runs. DPCs of
// the adapter queued before the stop run before it (decision: the stop waits for them as
// KeFlushQueuedDpcs would), so none runs into a stopped adapter.
bool PortState::Quiesce(Adapter& a) {
  a.quiescing = true;
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "quiesce", a.id);
  int idle = 0;
  int busy = 0;  // rounds with interrupts delivered but no request completed
  for (int round = 0; round < kQuiesceRounds; ++round) {
    WaitForAdapterRoutines(a);
    if (Cpu().irql < DISPATCH_LEVEL) DrainDpcs();
    if (a.state != AdapterState::kRunning || a.removing) return false;
    if (!MiniportHoldsRequests(a) && !DpcsQueuedFor(*this, a)) return true;
    const size_t completed = a.completed.size();
    scheduler->Stalled(kQuiesceStallMicroseconds);
    bool delivered = false;
    for (uint32_t m = 0; m < a.messages && m < a.pending.size(); ++m) {
      if (a.pending[m]) delivered |= Deliver(a, m) == Delivery::kDelivered;
    }
    if (!a.message_mode && a.line_level)
      delivered |= Deliver(a, kLineInterrupt) == Delivery::kDelivered;
    if (a.completed.size() != completed) {
      idle = 0;
      busy = 0;
      continue;
    }
    // Interrupts without a request completing (a storm, a device that never completes): time
    // passes all the same, a second every few rounds, so the stuck request times out and
    // HwResetBus runs, as on a machine where the storm takes real time (the executor's Drain
    // does the same).
    if (delivered && ++busy % 4 != 0) continue;
    if (++idle > kQuiesceIdleSeconds) break;
    now_ns = NsAfter(now_ns, 1'000'000'000ull);
    FireDueTimers();
    CheckTimeouts();
  }
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "quiesce-timed-out", a.id);
  return false;
}

void PortState::StartHeld(Adapter& a) {
  a.quiescing = false;
  ResumeIo(a);
}

bool Port::StopAdapter(uint32_t adapter) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(adapter);
  if (a.state != AdapterState::kRunning || a.quiescing || a.removing) return false;
  if (a.supported_controls.size() <= ScsiStopAdapter || !a.supported_controls[ScsiStopAdapter])
    return false;
  // The stop does not happen while I/O stays outstanding: the adapter goes on running.
  if (!s.Quiesce(a) || !s.AdapterControl(a, ScsiStopAdapter)) {
    s.StartHeld(a);
    return false;
  }
  a.quiescing = false;
  a.state = AdapterState::kStopped;
  TsanRelease(&a.lifecycle_sync);
  return true;
}

namespace {

// A restart that fails leaves a failed adapter, whose new requests Storport fails without the
// miniport (requests.cc SubmitRequest). Decision: the requests Storport held across the stop
// fail the same way, with SRB_STATUS_NO_DEVICE, in the order they came; none is left behind
// unreported.
void FailHeld(PortState& s, Adapter& a) {
  const std::vector<const SCSI_REQUEST_BLOCK*> held = std::move(a.held);
  a.held.clear();
  for (const SCSI_REQUEST_BLOCK* key : held) {
    auto it = a.requests.find(key);
    if (it == a.requests.end()) continue;
    it->second.srb->SrbStatus = SRB_STATUS_NO_DEVICE;
    RetireRequest(s, a, it->second, SRB_STATUS_NO_DEVICE);
  }
}

}  // namespace

bool Port::RestartAdapter(uint32_t adapter) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(adapter);
  // PnP serializes a device's state changes: no restart while a surprise removal is under way
  // (another CPU may be inside one of its miniport calls, which let this CPU run).
  if (a.state != AdapterState::kStopped || a.removing) return false;
  a.state = AdapterState::kInitializing;
  if (a.supported_controls.size() > ScsiRestartAdapter &&
      a.supported_controls[ScsiRestartAdapter]) {
    if (!s.AdapterControl(a, ScsiRestartAdapter)) {
      a.state = AdapterState::kFailed;
      FailHeld(s, a);
      return false;
    }
  } else {
    // Without ScsiRestartAdapter, Storport starts the adapter over: HwFindAdapter, HwInitialize.
    BOOLEAN again = FALSE;
    std::vector<char> argument(a.platform.driver_parameter.begin(),
                               a.platform.driver_parameter.end());
    argument.push_back('\0');
    a.state = AdapterState::kFindAdapter;
    s.EnterCallback(Callback::kFindAdapter, &a, kLineInterrupt, PASSIVE_LEVEL, kEntryNone);
    const ULONG found = reinterpret_cast<PHW_FIND_ADAPTER>(s.init_data.HwFindAdapter)(
        a.extension.get(), s.hw_context, nullptr, argument.data(), &a.config_info, &again);
    s.LeaveCallback();
    if (found != SP_RETURN_FOUND || !s.InitializeAdapter(a)) {
      a.state = AdapterState::kFailed;
      FailHeld(s, a);
      return false;
    }
  }
  a.state = AdapterState::kRunning;
  TsanRelease(&a.lifecycle_sync);
  // Decision: busy and pause do not outlive a stop; the miniport initialized the adapter anew.
  a.busy = false;
  a.busy_completions = 0;
  a.busy_retry_waits = false;
  for (auto unit = a.lus.begin(); unit != a.lus.end();) {
    unit->second.busy_completions = unit->second.paused_until_ns = 0;
    unit = unit->second.AtDefaults() ? a.lus.erase(unit) : std::next(unit);
  }
  a.paused_until_ns = 0;
  // The requests Storport held while the adapter was stopped, in submission order.
  s.StartHeld(a);
  return true;
}

void PortState::WaitForAdapterRoutines(Adapter& a) {
  const uint32_t me = CpuIndex();
  for (uint64_t spins = 0;; ++spins) {
    int32_t busy = -1;
    for (uint32_t cpu = 0; cpu < cpus.size() && busy < 0; ++cpu) {
      if (cpu == me) continue;
      for (const Frame& frame : cpus[cpu].frames) {
        if (frame.adapter == &a) busy = static_cast<int32_t>(cpu);
      }
    }
    if (busy < 0) return;
    if (real_threads) {
      if (!SpinOnRealThreads(spins)) return;
      continue;
    }
    if (!scheduler->Spin(static_cast<uint32_t>(busy), nullptr)) return;  // cannot wait (inline)
  }
}

void Port::SurpriseRemove(uint32_t adapter) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(adapter);
  // Once: a removal already under way on another CPU (inside one of the miniport's calls) is
  // not started again.
  if (a.state == AdapterState::kRemoved || a.state == AdapterState::kFailed || a.removing) return;
  s.trace.Add(Event::kRoutine, s.CpuIndex(), s.Cpu().irql, "surprise-removal", a.id);
  // Unlike a stop, a surprise removal does not wait for I/O: the device is gone, and what the
  // miniport holds is failed below (the case the lifecycle target exists for). A stop that is
  // quiescing on another CPU sees `removing` and gives up.
  a.removing = true;  // from here on new requests fail without the miniport
  s.WaitForAdapterRoutines(a);
  s.RemoveUnits(a, ScsiUnitSurpriseRemoval);  // the units first, as PnP removes children first
  // Then the adapter's own notice, ScsiAdapterSurpriseRemoval ("Notifies the miniport that the
  // unit has been surprise-removed", Parameters NULL: SCSI_ADAPTER_CONTROL_TYPE page), before
  // the stop. Decisions: only on Windows 10 (the page dates no version for it, and its value
  // comes after ScsiAdapterFilterResourceRequirements, a Windows 8.1 type; msirig models no
  // 8.1), only from PASSIVE_LEVEL (as the units' calls), and only to an adapter that started.
  if (s.os_version >= OsVersion::kWin10 && s.Cpu().irql == PASSIVE_LEVEL &&
      (a.state == AdapterState::kRunning || a.state == AdapterState::kStopped)) {
    s.AdapterControl(a, ScsiAdapterSurpriseRemoval);
  }
  // Decision: Storport stops the adapter, then fails what the miniport still holds with
  // SRB_STATUS_NO_DEVICE; from then on the extension is no live adapter's.
  if (a.state == AdapterState::kRunning) s.AdapterControl(a, ScsiStopAdapter);
  // ScsiStopAdapter may have let other CPUs in (it waits for the interrupt lock): wait again.
  s.WaitForAdapterRoutines(a);
  a.held.clear();  // the miniport's and the ones Storport held fail alike
  std::vector<std::pair<uint64_t, const SCSI_REQUEST_BLOCK*>> held;
  for (const auto& [key, record] : a.requests) held.emplace_back(record.tag, key);
  std::sort(held.begin(), held.end());
  for (const auto& [tag, key] : held) {
    RequestRecord& record = a.requests.at(key);
    record.srb->SrbStatus = SRB_STATUS_NO_DEVICE;
    RetireRequest(s, a, record, SRB_STATUS_NO_DEVICE);
  }
  // Removal flushes the adapter's deferred work: queued DPCs and the timer never run.
  for (CpuState& cpu : s.cpus) {
    std::erase_if(cpu.dpcs, [&](const QueuedDpc& q) { return q.adapter == &a; });
  }
  for (auto& [dpc, record] : a.dpcs) record.queued = false;
  a.timer = nullptr;
  s.RemoveUnits(a, ScsiUnitRemove);
  a.state = AdapterState::kRemoved;
}

}  // namespace msirig::sp
