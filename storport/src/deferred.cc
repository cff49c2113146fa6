// Deferred work: passive initialization, DPCs, the miniport timer, virtual time, and the
// end-of-run oracles.
#include "deferred.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "port_state.h"

namespace msirig::sp {
namespace {

// A request's kind in a finding's place: what it asked for, never its tag or LBA.
std::string RequestKind(const SCSI_REQUEST_BLOCK& srb) {
  char kind[32];
  if (srb.Function != SRB_FUNCTION_EXECUTE_SCSI) {
    std::snprintf(kind, sizeof kind, "SRB function 0x%02x", srb.Function);
    return kind;
  }
  switch (srb.Cdb[0]) {
    case SCSIOP_READ6:
    case SCSIOP_READ:
    case SCSIOP_READ12:
    case SCSIOP_READ16:
      return "read";
    case SCSIOP_WRITE6:
    case SCSIOP_WRITE:
    case SCSIOP_WRITE12:
    case SCSIOP_WRITE16:
      return "write";
    case SCSIOP_SYNCHRONIZE_CACHE:
    case SCSIOP_SYNCHRONIZE_CACHE16:
      return "flush";
  }
  std::snprintf(kind, sizeof kind, "SCSI op 0x%02x", srb.Cdb[0]);
  return kind;
}

const char* AdapterStateName(AdapterState state) {
  switch (state) {
    case AdapterState::kCreated:
      return "created";
    case AdapterState::kFindAdapter:
      return "in HwFindAdapter";
    case AdapterState::kInitializing:
      return "initializing";
    case AdapterState::kRunning:
      return "running";
    case AdapterState::kFailed:
      return "failed";
    case AdapterState::kStopped:
      return "stopped";
    case AdapterState::kRemoved:
      return "removed";
  }
  return "?";
}

}  // namespace

BOOLEAN EnablePassiveInitialization(PortState& s, PVOID extension,
                                    PHW_PASSIVE_INITIALIZE_ROUTINE routine) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortEnablePassiveInitialization", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  // "A miniport must call StorPortEnablePassiveInitialization only from within HwStorInitialize.
  // Otherwise it returns FALSE and the routine will not execute."
  if (s.CurrentCallback() != Callback::kInitialize) {
    s.Violate(Rule::kCallContext, a,
              std::string("StorPortEnablePassiveInitialization from ") +
                  CallbackName(s.CurrentCallback()) + ", not HwInitialize");
    return FALSE;
  }
  if (a->platform.faults.passive_init_unsupported || routine == nullptr) return FALSE;
  a->passive_routine = routine;
  return TRUE;
}

void InitializeDpc(PortState& s, PVOID extension, PSTOR_DPC dpc, PHW_DPC_ROUTINE routine) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortInitializeDpc", HIGH_LEVEL);
  if (a == nullptr) return;
  if (dpc == nullptr) {
    s.Violate(Rule::kNullDpc, a, "StorPortInitializeDpc with a NULL Dpc");
    return;
  }
  // "must be called during HBA initialization from within HwStorPassiveInitializeRoutine".
  if (s.CurrentCallback() != Callback::kPassiveInitialize) {
    s.Violate(Rule::kCallContext, a,
              std::string("StorPortInitializeDpc from ") + CallbackName(s.CurrentCallback()) +
                  ", not HwPassiveInitializeRoutine");
  }
  DpcRecord& record = a->dpcs[dpc];
  record.routine = routine;
  record.queued = false;
}

BOOLEAN IssueDpc(PortState& s, PVOID extension, PSTOR_DPC dpc, PVOID argument1, PVOID argument2) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortIssueDpc", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  if (dpc == nullptr) {
    s.Violate(Rule::kNullDpc, a, "StorPortIssueDpc with a NULL Dpc");
    return FALSE;
  }
  auto it = a->dpcs.find(dpc);
  if (it == a->dpcs.end() || it->second.routine == nullptr) {
    s.Violate(Rule::kDpcNotInitialized, a,
              "StorPortIssueDpc(" + s.Describe(dpc) + ") of a DPC never initialized");
    return FALSE;
  }
  // Like KeInsertQueueDpc: FALSE when already queued; queued on the current CPU.
  if (it->second.queued) return FALSE;
  it->second.queued = true;
  it->second.argument1 = argument1;
  it->second.argument2 = argument2;
  s.Cpu().dpcs.push_back(QueuedDpc{a, dpc});
  s.trace.Add(Event::kDpcQueue, s.CpuIndex(), s.Cpu().irql, "dpc", a->id);
  // Queued below DISPATCH_LEVEL (a passive routine, HwFindAdapter): the DPC interrupt the
  // insertion requests fires as soon as KeInsertQueueDpc lowers the IRQL again, so the DPC runs
  // before StorPortIssueDpc returns. At or above DISPATCH_LEVEL it waits for the IRQL to drop
  // below DISPATCH_LEVEL (PortState::SetIrql).
  if (s.run_dpcs_when_irql_drops && s.Cpu().irql < DISPATCH_LEVEL && !s.Cpu().draining_dpcs)
    s.DrainDpcs();
  return TRUE;
}

size_t PortState::DrainDpcs() {
  CpuState& cpu = Cpu();
  if (cpu.draining_dpcs) return 0;
  cpu.draining_dpcs = true;
  size_t ran = 0;
  while (!Cpu().dpcs.empty()) {
    const QueuedDpc queued = Cpu().dpcs.front();
    Cpu().dpcs.erase(Cpu().dpcs.begin());
    if (queued.dpc == nullptr) {  // the port's own (queue_gate.cc); NullDpc keeps it unambiguous
      ResumeIo(*queued.adapter);
      continue;
    }
    auto it = queued.adapter->dpcs.find(queued.dpc);
    if (it == queued.adapter->dpcs.end()) continue;
    DpcRecord& record = it->second;
    record.queued = false;
    trace.Add(Event::kDpcRun, CpuIndex(), Cpu().irql, "dpc", queued.adapter->id);
    const uint8_t irql = std::max<uint8_t>(Cpu().irql, DISPATCH_LEVEL);
    EnterCallback(Callback::kDpc, queued.adapter, kLineInterrupt, irql, kEntryNone);
    record.routine(queued.dpc, queued.adapter->extension.get(), record.argument1, record.argument2);
    LeaveCallback();
    ++ran;
  }
  Cpu().draining_dpcs = false;
  return ran;
}

void RequestTimer(PortState& s, PVOID extension, PHW_TIMER timer, ULONG microseconds) {
  Adapter* a =
      s.EnterAdapterRoutine(extension, "StorPortNotification(RequestTimerCall)", HIGH_LEVEL);
  if (a == nullptr) return;
  // A value of zero cancels the timer.
  a->timer = microseconds == 0 ? nullptr : timer;
  a->timer_due_ns = NsAfter(s.now_ns, uint64_t{microseconds} * 1000);
}

void PortState::FireDueTimers() {
  for (auto& adapter : adapters) {
    Adapter& a = *adapter;
    ExpirePause(a);
    if (a.timer == nullptr || a.timer_due_ns > now_ns || a.state != AdapterState::kRunning)
      continue;
    PHW_TIMER timer = a.timer;
    a.timer = nullptr;  // one-shot: the routine asks again
    trace.Add(Event::kTimer, CpuIndex(), Cpu().irql, "timer", a.id);
    // StartIo and, in half-duplex mode, Interrupt are held (StorPortAcquireSpinLock page).
    const bool half_duplex = a.config_info.SynchronizationModel == StorSynchronizeHalfDuplex;
    const uint8_t irql = half_duplex ? a.sync_irql : DISPATCH_LEVEL;
    EnterCallback(Callback::kTimer, &a, kLineInterrupt, std::max(irql, Cpu().irql),
                  half_duplex ? (kEntryStartIo | kEntryInterrupt) : kEntryStartIo);
    timer(a.extension.get());
    LeaveCallback();
  }
}

size_t Port::RunDpcs() {
  RigEntry rig(*state_);
  return state_->DrainDpcs();
}

size_t Port::QueuedDpcs(uint32_t cpu) const { return state_->cpus.at(cpu).dpcs.size(); }

void Port::AdvanceTime(uint64_t nanoseconds) {
  RigEntry rig(*state_);
  state_->now_ns = NsAfter(state_->now_ns, nanoseconds);
  state_->FireDueTimers();
  state_->CheckTimeouts();
}

void Port::CheckEndOfRun(std::string_view device_view) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  char what[192];
  for (auto& adapter : s.adapters) {
    // What the miniport was given, and what Storport still holds for a running adapter whose
    // gate the miniport left closed (StorPortBusy, StorPortPause, a BUSY retry waiting, or the
    // request's unit holding it: StorPortDeviceBusy, StorPortPauseDevice, its queue depth).
    // Requests Storport holds for a stopped adapter are the scenario's, not the miniport's;
    // held ones behind an open gate and not held by their unit would be the rig's error (the
    // executor's CheckResourcesSettled). The first is the miniport's oldest when it has any: a lost
    // request is the likelier cause than one Storport holds because of it.
    const bool running = adapter->state == AdapterState::kRunning && !adapter->removing;
    size_t owned = 0;
    const RequestRecord* first = nullptr;
    for (const auto& [key, record] : adapter->requests) {
      const bool gated =
          running && s.Gated(*adapter, key) &&
          std::find(adapter->held.begin(), adapter->held.end(), key) != adapter->held.end();
      if (!record.with_miniport && !gated) continue;
      ++owned;
      const bool earlier =
          first == nullptr || (record.with_miniport && !first->with_miniport) ||
          (record.with_miniport == first->with_miniport && record.tag < first->tag);
      if (earlier) first = &record;
    }
    if (owned == 0) continue;
    std::snprintf(what, sizeof what, "%zu request(s) never completed (first: tag %llu)", owned,
                  static_cast<unsigned long long>(first->tag));
    // The place: what kind of request was lost, in what adapter state, and where the device
    // (or Storport's queue) stands; never how many or which tag (they change with the
    // scenario around the bug).
    std::string place = RequestKind(*first->srb) + " request, adapter " +
                        AdapterStateName(adapter->state);
    if (!first->with_miniport) {
      place += ", held by Storport";
    } else if (!device_view.empty()) {
      place += ", " + std::string(device_view);
    }
    s.Violate(Rule::kRequestsOutstanding, adapter.get(), what, place);
  }
  for (size_t cpu = 0; cpu < s.cpus.size(); ++cpu) {
    const CpuState& state = s.cpus[cpu];
    if (!state.held.empty()) {
      std::snprintf(what, sizeof what, "cpu %zu still holds %zu lock(s) at the end of the run", cpu,
                    state.held.size());
      s.Violate(Rule::kLockHeldOnReturn, state.held.front().adapter, what,
                std::string("end of run, holding ") + LockClassName(state.held.front().lock_class));
    }
    if (state.irql != PASSIVE_LEVEL && state.frames.empty()) {
      std::snprintf(what, sizeof what, "cpu %zu ended the run at IRQL %u, not PASSIVE_LEVEL", cpu,
                    state.irql);
      s.Violate(Rule::kIrqlOnReturn, nullptr, what, "end of run");
    }
  }
}

}  // namespace msirig::sp
