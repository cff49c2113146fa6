// Storport's queue in front of the miniport: StorPortBusy / StorPortReady, StorPortPause /
// StorPortResume, and the retry of requests the miniport completes with SRB_STATUS_BUSY.
//
// What the pages say: StorPortBusy "notifies the port driver that the adapter is currently busy":
// Storport holds new requests until the adapter "has completed enough outstanding requests"
// (RequestsToComplete; more than are outstanding means all of them); StorPortReady ends that.
// StorPortPause holds "all requests to the adapter ... until the time-out expires or the device
// resumes" (Timeout in seconds); StorPortResume ends it. A request completed with
// SRB_STATUS_BUSY is resubmitted to HwStartIo "later" (Return from HwScsiStartIo page; the
// Storport miniport routines page: Storport miniports complete overloads the same way).
// Decisions where the pages are silent: "later" is the next time the miniport completes another
// request, or at once when it holds none (nothing else would free it); after kBusyRetries
// resubmissions the next BUSY completes to the class driver, whose retry it then is (storage
// class driver's RetryRequest page: the port driver retries busy errors, then fails them).
// Each logical unit has its own queue behind the adapter's (Storport Queue Management page):
// StorPortDeviceBusy holds that unit's new requests "until the logical unit's queue has been
// drained to a sufficient level" (RequestsToComplete of that unit's; more than are outstanding
// means all of them) and StorPortDeviceReady ends it; StorPortPauseDevice / StorPortResumeDevice
// pause it as StorPortPause does the adapter; and a unit never has more requests with the
// miniport than its queue depth (StorPortSetDeviceQueueDepth; DefaultLuDepth, from the adapter's
// configuration, until then; at most 255). Requests to other
// units pass. Decision: a restart ends a unit's busy and pause, as the adapter's; its depth stays
// (the unit outlives the adapter's stop).
// Held requests start, in submission order, from the port's own DPC on the CPU that opened the
// gate: never from inside the miniport routine that completed or called StorPortReady.
#include "queue_gate.h"

#include <algorithm>
#include <iterator>

#include "port_state.h"

namespace msirig::sp {
namespace {

constexpr uint32_t kBusyRetries = 8;

size_t WithMiniport(const Adapter& a) {
  size_t n = 0;
  for (const auto& [key, record] : a.requests) n += record.with_miniport ? 1 : 0;
  return n;
}

size_t WithMiniportOn(const Adapter& a, uint32_t lu) {
  size_t n = 0;
  for (const auto& [key, record] : a.requests) n += record.with_miniport && record.lu == lu;
  return n;
}

// Storport's queue, in submission order (tags grow with submission).
void Hold(Adapter& a, const SCSI_REQUEST_BLOCK* key) {
  const uint64_t tag = a.requests.at(key).tag;
  auto at = std::find_if(a.held.begin(), a.held.end(), [&](const SCSI_REQUEST_BLOCK* other) {
    return a.requests.count(other) != 0 && a.requests.at(other).tag > tag;
  });
  a.held.insert(at, key);
}

// Ends one of a unit's holds (`hold`: its busy or its pause), dropping the unit's entry once it
// is back at its defaults, so that LuHolds keeps its fast path.
template <typename Field>
void EndUnitHold(Adapter& a, std::map<uint32_t, LuQueue>::iterator unit, Field LuQueue::*hold) {
  unit->second.*hold = 0;
  if (unit->second.AtDefaults()) a.lus.erase(unit);
}

// The same, for a unit found by its key; nothing when it has no entry (nothing held).
template <typename Field>
void EndUnitHold(Adapter& a, uint32_t lu, Field LuQueue::*hold) {
  auto unit = a.lus.find(lu);
  if (unit != a.lus.end()) EndUnitHold(a, unit, hold);
}

}  // namespace

bool PortState::GateOpen(const Adapter& a) const {
  return !a.busy && !a.busy_retry_waits && a.paused_until_ns == 0;
}

bool PortState::LuHolds(const Adapter& a, const SCSI_REQUEST_BLOCK* key) const {
  // Fast path: no unit has left its defaults, and none can have reached the default depth.
  const uint32_t default_depth = DefaultLuDepth(a.config_info);
  if (a.lus.empty() && a.requests.size() <= default_depth) return false;
  auto it = a.requests.find(key);
  if (it == a.requests.end()) return false;
  const uint32_t lu = it->second.lu;
  auto unit = a.lus.find(lu);
  uint32_t depth = default_depth;
  if (unit != a.lus.end()) {
    if (unit->second.busy_completions != 0 || unit->second.paused_until_ns != 0) return true;
    if (unit->second.depth != 0) depth = unit->second.depth;
  }
  return WithMiniportOn(a, lu) >= depth;
}

bool PortState::Gated(const Adapter& a, const SCSI_REQUEST_BLOCK* key) const {
  return !GateOpen(a) || LuHolds(a, key);
}

void PortState::KickQueue(Adapter& a) {
  if (a.held.empty() || !GateOpen(a) || a.port_dpc_queued) return;
  // Nothing to start while every held request waits for its unit (no DPC that would do nothing).
  if (std::all_of(a.held.begin(), a.held.end(), [&](auto* key) { return LuHolds(a, key); })) return;
  a.port_dpc_queued = true;
  Cpu().dpcs.push_back(QueuedDpc{&a, nullptr});
  if (run_dpcs_when_irql_drops && Cpu().irql < DISPATCH_LEVEL && !Cpu().draining_dpcs) {
    DrainDpcs();
  }
}

void PortState::ResumeIo(Adapter& a) {
  a.port_dpc_queued = false;
  if (a.state != AdapterState::kRunning || a.removing || a.quiescing) return;
  // One at a time, looking again each time: a started request's routines may close the gate
  // or make a unit busy.
  while (GateOpen(a)) {
    auto next =
        std::find_if(a.held.begin(), a.held.end(), [&](auto* key) { return !LuHolds(a, key); });
    if (next == a.held.end()) return;
    const SCSI_REQUEST_BLOCK* key = *next;
    a.held.erase(next);
    if (a.requests.count(key) != 0) StartRequest(a, key);
  }
}

bool PortState::RequeueBusy(Adapter& a, RequestRecord& record) {
  if (a.state != AdapterState::kRunning || a.removing || record.busy_retries >= kBusyRetries)
    return false;
  ++record.busy_retries;
  record.with_miniport = false;
  SCSI_REQUEST_BLOCK& srb = *record.srb;
  srb.SrbStatus = SRB_STATUS_PENDING;
  srb.ScsiStatus = 0;
  srb.DataTransferLength = static_cast<ULONG>(record.data_length);
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, "busy-retry", record.tag, record.busy_retries);
  TsanRelease(&record.retry_sync);  // the miniport is done with it until StartRequest
  Hold(a, record.srb.get());
  // Later: after the miniport completes something else, or now if it holds nothing.
  const size_t outstanding = WithMiniport(a);
  a.busy_retry_waits = outstanding > 0;
  if (outstanding == 0) a.busy = false;  // StorPortBusy: nothing left to wait for
  // StorPortDeviceBusy: the same for the unit.
  if (WithMiniportOn(a, record.lu) == 0) EndUnitHold(a, record.lu, &LuQueue::busy_completions);
  KickQueue(a);
  return true;
}

void PortState::OnCompleted(Adapter& a, uint32_t lu) {
  a.busy_retry_waits = false;
  if (a.busy && (a.busy_completions == 0 || --a.busy_completions == 0 || WithMiniport(a) == 0)) {
    a.busy = false;
  }
  auto unit = a.lus.find(lu);
  if (unit != a.lus.end() && unit->second.busy_completions != 0 &&
      (--unit->second.busy_completions == 0 || WithMiniportOn(a, lu) == 0)) {
    EndUnitHold(a, unit, &LuQueue::busy_completions);
  }
  KickQueue(a);
}

void PortState::ExpirePause(Adapter& a) {
  bool expired = false;
  if (a.paused_until_ns != 0 && a.paused_until_ns <= now_ns) {
    a.paused_until_ns = 0;
    trace.Add(Event::kTimer, CpuIndex(), Cpu().irql, "pause-expired", a.id);
    expired = true;
  }
  for (auto unit = a.lus.begin(); unit != a.lus.end();) {
    auto next = std::next(unit);
    if (unit->second.paused_until_ns != 0 && unit->second.paused_until_ns <= now_ns) {
      trace.Add(Event::kTimer, CpuIndex(), Cpu().irql, "device-pause-expired", unit->first);
      expired = true;
      EndUnitHold(a, unit, &LuQueue::paused_until_ns);
    }
    unit = next;
  }
  if (expired) KickQueue(a);
}

BOOLEAN AdapterBusy(PortState& s, PVOID extension, ULONG requests_to_complete) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortBusy", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  const size_t outstanding = WithMiniport(*a);
  // Busy with nothing to complete would never end: Storport resumes at once (the page: more
  // than are outstanding means all of them, here none).
  if (outstanding == 0 || requests_to_complete == 0) return TRUE;
  a->busy = true;
  a->busy_completions = static_cast<uint32_t>(std::min<size_t>(requests_to_complete, outstanding));
  return TRUE;
}

BOOLEAN AdapterReady(PortState& s, PVOID extension) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortReady", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  a->busy = false;
  a->busy_completions = 0;
  s.KickQueue(*a);
  return TRUE;
}

BOOLEAN DeviceBusy(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                   ULONG requests_to_complete) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortDeviceBusy", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  const uint32_t lu = LuKey(path_id, target_id, lun);
  const size_t outstanding = WithMiniportOn(*a, lu);
  // As StorPortBusy: with nothing of that unit's to complete, the unit is ready at once.
  if (outstanding == 0 || requests_to_complete == 0) return TRUE;
  a->lus[lu].busy_completions =
      static_cast<uint32_t>(std::min<size_t>(requests_to_complete, outstanding));
  return TRUE;
}

BOOLEAN DeviceReady(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortDeviceReady", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  EndUnitHold(*a, LuKey(path_id, target_id, lun), &LuQueue::busy_completions);
  s.KickQueue(*a);
  return TRUE;
}

BOOLEAN DevicePause(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                    ULONG timeout_seconds) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortPauseDevice", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  if (timeout_seconds == 0) return TRUE;  // paused for no time
  a->lus[LuKey(path_id, target_id, lun)].paused_until_ns =
      NsAfter(s.now_ns, uint64_t{timeout_seconds} * 1'000'000'000ull);
  return TRUE;
}

BOOLEAN DeviceResume(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortResumeDevice", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  EndUnitHold(*a, LuKey(path_id, target_id, lun), &LuQueue::paused_until_ns);
  s.KickQueue(*a);
  return TRUE;
}

BOOLEAN DeviceQueueDepth(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                         ULONG depth) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortSetDeviceQueueDepth", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  // The page: Depth "is always > 0"; without extended SRBs a unit holds at most 255.
  if (depth == 0) return FALSE;
  auto unit = a->lus.try_emplace(LuKey(path_id, target_id, lun)).first;
  unit->second.depth = std::min<ULONG>(depth, kMaxLuDepth);
  s.KickQueue(*a);  // a deeper queue may let held requests go
  return TRUE;
}

BOOLEAN AdapterPause(PortState& s, PVOID extension, ULONG timeout_seconds) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortPause", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  if (timeout_seconds == 0) return TRUE;  // paused for no time
  a->paused_until_ns = NsAfter(s.now_ns, uint64_t{timeout_seconds} * 1'000'000'000ull);
  return TRUE;
}

BOOLEAN AdapterResume(PortState& s, PVOID extension) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortResume", HIGH_LEVEL);
  if (a == nullptr) return FALSE;
  a->paused_until_ns = 0;
  s.KickQueue(*a);
  return TRUE;
}

}  // namespace msirig::sp
