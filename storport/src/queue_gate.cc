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
// Held requests start, in submission order, from the port's own DPC on the CPU that opened the
// gate: never from inside the miniport routine that completed or called StorPortReady.
#include "queue_gate.h"

#include <algorithm>

#include "port_state.h"

namespace msirig::sp {
namespace {

constexpr uint32_t kBusyRetries = 8;

size_t WithMiniport(const Adapter& a) {
  size_t n = 0;
  for (const auto& [key, record] : a.requests) n += record.with_miniport ? 1 : 0;
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

}  // namespace

bool PortState::GateOpen(const Adapter& a) const {
  return !a.busy && !a.busy_retry_waits && a.paused_until_ns == 0;
}

void PortState::KickQueue(Adapter& a) {
  if (a.held.empty() || !GateOpen(a) || a.port_dpc_queued) return;
  a.port_dpc_queued = true;
  Cpu().dpcs.push_back(QueuedDpc{&a, nullptr});
  if (run_dpcs_when_irql_drops && Cpu().irql < DISPATCH_LEVEL && !Cpu().draining_dpcs) {
    DrainDpcs();
  }
}

void PortState::ResumeIo(Adapter& a) {
  a.port_dpc_queued = false;
  if (a.state != AdapterState::kRunning || a.removing || a.quiescing) return;
  while (!a.held.empty() && GateOpen(a)) {
    const SCSI_REQUEST_BLOCK* key = a.held.front();
    a.held.erase(a.held.begin());
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
  KickQueue(a);
  return true;
}

void PortState::OnCompleted(Adapter& a) {
  a.busy_retry_waits = false;
  if (a.busy && (a.busy_completions == 0 || --a.busy_completions == 0 || WithMiniport(a) == 0)) {
    a.busy = false;
  }
  KickQueue(a);
}

void PortState::ExpirePause(Adapter& a) {
  if (a.paused_until_ns == 0 || a.paused_until_ns > now_ns) return;
  a.paused_until_ns = 0;
  trace.Add(Event::kTimer, CpuIndex(), Cpu().irql, "pause-expired", a.id);
  KickQueue(a);
}

BOOLEAN AdapterBusy(PortState& s, PVOID extension, ULONG requests_to_complete) {
  Adapter* a = s.FindAdapter(extension, "StorPortBusy");
  if (a == nullptr) return FALSE;
  s.EnterRoutine("StorPortBusy", a, HIGH_LEVEL);
  const size_t outstanding = WithMiniport(*a);
  // Busy with nothing to complete would never end: Storport resumes at once (the page: more
  // than are outstanding means all of them, here none).
  if (outstanding == 0 || requests_to_complete == 0) return TRUE;
  a->busy = true;
  a->busy_completions = static_cast<uint32_t>(std::min<size_t>(requests_to_complete, outstanding));
  return TRUE;
}

BOOLEAN AdapterReady(PortState& s, PVOID extension) {
  Adapter* a = s.FindAdapter(extension, "StorPortReady");
  if (a == nullptr) return FALSE;
  s.EnterRoutine("StorPortReady", a, HIGH_LEVEL);
  a->busy = false;
  a->busy_completions = 0;
  s.KickQueue(*a);
  return TRUE;
}

BOOLEAN AdapterPause(PortState& s, PVOID extension, ULONG timeout_seconds) {
  Adapter* a = s.FindAdapter(extension, "StorPortPause");
  if (a == nullptr) return FALSE;
  s.EnterRoutine("StorPortPause", a, HIGH_LEVEL);
  if (timeout_seconds == 0) return TRUE;  // paused for no time
  a->paused_until_ns = NsAfter(s.now_ns, uint64_t{timeout_seconds} * 1'000'000'000ull);
  return TRUE;
}

BOOLEAN AdapterResume(PortState& s, PVOID extension) {
  Adapter* a = s.FindAdapter(extension, "StorPortResume");
  if (a == nullptr) return FALSE;
  s.EnterRoutine("StorPortResume", a, HIGH_LEVEL);
  a->paused_until_ns = 0;
  s.KickQueue(*a);
  return TRUE;
}

}  // namespace msirig::sp
