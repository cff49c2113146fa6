// Request flow: the class-driver side builds an SRB, Storport calls HwBuildIo then HwStartIo,
// the miniport completes it exactly once (SPEC 4; SDV StorPortBuildIo, StorPortStatusPending).
#include "requests.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "asan_poison.h"
#include "port_state.h"
#include "tsan_scope.h"

namespace msirig::sp {
namespace {

// Storport does not zero SRB extensions; a recognizable pattern makes reliance on it visible.
constexpr uint8_t kSrbExtensionFill = 0xCD;

}  // namespace

void RetireRequest(PortState& s, Adapter& a, RequestRecord& record, UCHAR srb_status) {
  TsanIgnoreScope rig_side;  // the class driver takes the buffer back
  SCSI_REQUEST_BLOCK& srb = *record.srb;
  CompletedRequest done;
  done.tag = record.tag;
  done.srb_status = srb_status;
  done.scsi_status = srb.ScsiStatus;
  done.data_transfer_length = srb.DataTransferLength;
  done.data.assign(record.data.get(), record.data.get() + record.data_length);
  s.trace.Add(Event::kRequestComplete, s.CpuIndex(), s.Cpu().irql, "srb", record.tag, srb_status);
  s.memory.Unmap(record.data.get());
  s.memory.Unmap(record.srb_extension.get());
  s.memory.Unmap(record.sense.get());
  a.completed.push_back(std::move(done));
  const SCSI_REQUEST_BLOCK* key = record.srb.get();
  // The SRB and its buffers stay allocated until the run ends, poisoned: a miniport touching
  // them later is a use-after-poison report, and no later request gets the same address.
  PoisonRetired(record.srb.get(), sizeof(SCSI_REQUEST_BLOCK));
  PoisonRetired(record.data.get(), std::max<size_t>(record.data_length, 1));
  ReleaseRetiredPages(record.data.get(), record.data_length);
  PoisonRetired(record.srb_extension.get(), std::max<size_t>(record.srb_extension_size, 1));
  PoisonRetired(record.sense.get(), SENSE_BUFFER_SIZE);
  a.retired[key] = a.graveyard.size();
  a.graveyard.push_back(std::move(record));
  a.requests.erase(key);
}

uint64_t Port::SubmitRequest(uint32_t adapter, const RequestSpec& spec) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  Adapter& a = s.AdapterAt(adapter);
  auto ignore = std::make_unique<TsanIgnoreScope>();  // the class driver builds the request
  RequestRecord record;
  record.tag = a.next_tag++;
  record.srb = std::make_unique<SCSI_REQUEST_BLOCK>();
  record.data_length = spec.data.size();
  record.lu = LuKey(0, spec.target_id, spec.lun);
  record.data.reset(new uint8_t[std::max<size_t>(record.data_length, 1)]);
  std::copy(spec.data.begin(), spec.data.end(), record.data.get());
  const size_t extension_size = s.init_data.SrbExtensionSize;
  record.srb_extension_size = extension_size;
  record.srb_extension.reset(new uint8_t[std::max<size_t>(extension_size, 1)]);
  std::memset(record.srb_extension.get(), kSrbExtensionFill, std::max<size_t>(extension_size, 1));
  record.sense.reset(new uint8_t[SENSE_BUFFER_SIZE]());
  if (record.data_length > 0) s.memory.Map(record.data.get(), record.data_length);
  if (extension_size > 0) s.memory.Map(record.srb_extension.get(), extension_size);
  s.memory.Map(record.sense.get(), SENSE_BUFFER_SIZE);

  SCSI_REQUEST_BLOCK& srb = *record.srb;
  srb.Length = sizeof(SCSI_REQUEST_BLOCK);
  srb.Function = spec.function;
  srb.SrbStatus = SRB_STATUS_PENDING;
  srb.PathId = 0;
  srb.TargetId = spec.target_id;
  srb.Lun = spec.lun;
  srb.QueueTag = SP_UNTAGGED;
  srb.QueueAction = SRB_SIMPLE_TAG_REQUEST;
  srb.CdbLength = std::min<UCHAR>(spec.cdb_length, 16);
  srb.SenseInfoBufferLength = SENSE_BUFFER_SIZE;
  srb.SrbFlags = spec.srb_flags;
  srb.DataTransferLength = static_cast<ULONG>(record.data_length);
  srb.TimeOutValue = spec.timeout_seconds;
  srb.DataBuffer = record.data_length > 0 ? record.data.get() : nullptr;
  srb.SenseInfoBuffer = record.sense.get();
  srb.OriginalRequest = &a;  // opaque to the miniport
  srb.SrbExtension = extension_size > 0 ? record.srb_extension.get() : nullptr;
  std::memcpy(srb.Cdb, spec.cdb, sizeof srb.Cdb);

  const uint64_t tag = record.tag;
  SCSI_REQUEST_BLOCK* key = record.srb.get();
  record.timer_start_ns = s.now_ns;
  a.requests.emplace(key, std::move(record));
  ignore.reset();  // what follows is the miniport's
  if (spec.on_accepted) spec.on_accepted(tag);
  s.trace.Add(Event::kRequestSubmit, s.CpuIndex(), s.Cpu().irql, "srb", tag, spec.cdb[0]);
  s.scheduler->PreemptionPoint(PreemptKind::kStorPortCall);
  // The adapter may have changed meanwhile (another CPU removed it, which already failed this
  // request): look again.
  if (a.requests.count(key) == 0) return tag;
  if (a.state == AdapterState::kRunning && !a.removing && !a.quiescing) {
    s.StartUnitFor(a, a.requests.at(key).lu, *key);  // HwUnitControl(ScsiUnitStart), once
    // The miniport ran: another CPU may have removed the adapter, which failed this request,
    // or stopped it. Both are looked at again below.
    if (a.requests.count(key) == 0) return tag;
  }
  if (a.state == AdapterState::kRunning && !a.removing && !a.quiescing) {
    if (s.GateOpen(a) && a.held.empty() && !s.LuHolds(a, key)) {
      s.StartRequest(a, key);
    } else {
      a.held.push_back(key);  // behind what the queue gate holds (queue_gate.cc)
      s.KickQueue(a);
    }
  } else if ((a.state == AdapterState::kStopped || a.quiescing) && !a.removing) {
    // Storport holds I/O while the adapter stops or is stopped, and starts it after the
    // restart (or when the stop does not happen).
    a.held.push_back(key);
  } else {
    // A removed, failed or departing adapter: Storport fails it without the miniport.
    RetireRequest(s, a, a.requests.at(key), SRB_STATUS_NO_DEVICE);
  }
  return tag;
}

void CompleteRequest(PortState& s, PVOID extension, PSCSI_REQUEST_BLOCK srb) {
  Adapter* a =
      s.EnterAdapterRoutine(extension, "StorPortNotification(RequestComplete)", HIGH_LEVEL);
  if (a == nullptr) return;
  auto it = a->requests.find(srb);
  char what[160];
  if (it == a->requests.end() || !it->second.with_miniport) {
    auto retired = a->retired.find(srb);
    if (retired != a->retired.end()) {
      std::snprintf(what, sizeof what, "SRB tag %llu completed again after it was completed",
                    static_cast<unsigned long long>(a->graveyard[retired->second].tag));
      s.Violate(Rule::kSrbDoubleCompletion, a, what);
    } else {
      s.Violate(Rule::kSrbNotOwned, a,
                s.Describe(srb) + " completed but never given to the miniport");
    }
    return;
  }
  const UCHAR status = it->second.srb->SrbStatus;
  if (SRB_STATUS(status) == SRB_STATUS_PENDING) {
    std::snprintf(what, sizeof what, "SRB tag %llu completed with SRB_STATUS_PENDING",
                  static_cast<unsigned long long>(it->second.tag));
    s.Violate(Rule::kSrbStatusPending, a, what);
  }
  if (SRB_STATUS(status) == SRB_STATUS_BUSY && s.RequeueBusy(*a, it->second)) return;
  const uint32_t lu = it->second.lu;
  RetireRequest(s, *a, it->second, status);
  s.OnCompleted(*a, lu);
}

void CompleteAllRequests(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                         UCHAR srb_status) {
  // Allowed at DIRQL: in half duplex HwResetBus runs holding the interrupt lock and completes
  // what is outstanding with it (storahci does).
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortCompleteRequest", HIGH_LEVEL);
  if (a == nullptr) return;
  std::vector<const SCSI_REQUEST_BLOCK*> matching;
  for (auto& [key, record] : a->requests) {
    // The unit it was sent to, not what the miniport may have written into the SRB since.
    if (LuMatches(record.lu, path_id, target_id, lun) && record.with_miniport) {
      matching.push_back(key);
    }
  }
  // In submission order, so the trace does not depend on heap addresses.
  std::sort(matching.begin(), matching.end(),
            [&](auto* x, auto* y) { return a->requests.at(x).tag < a->requests.at(y).tag; });
  for (const SCSI_REQUEST_BLOCK* key : matching) {
    RequestRecord& record = a->requests.at(key);
    record.srb->SrbStatus = srb_status;
    const uint32_t lu = record.lu;
    RetireRequest(s, *a, record, srb_status);
    s.OnCompleted(*a, lu);
  }
}

// Decision: StorPortGetSrb finds nothing. Its Storport page does not say what it returns, and
// the Storport implementations in public sources leave it unimplemented, returning NULL; a
// miniport that leans on ScsiPortGetSrb's lookup would fail on Windows, so it gets NULL here
// too, never a request the real port would not hand it.
PSCSI_REQUEST_BLOCK FindSrb(PortState& s, PVOID extension) {
  s.EnterAdapterRoutine(extension, "StorPortGetSrb", HIGH_LEVEL);
  return nullptr;
}

PSTOR_SCATTER_GATHER_LIST ScatterGatherList(PortState& s, PVOID extension,
                                            PSCSI_REQUEST_BLOCK srb) {
  Adapter* a = s.EnterAdapterRoutine(extension, "StorPortGetScatterGatherList", DISPATCH_LEVEL);
  if (a == nullptr) return nullptr;
  auto it = a->requests.find(srb);
  if (it == a->requests.end() || it->second.data_length == 0) return nullptr;
  RequestRecord& record = it->second;
  // The buffer is physically contiguous in the emulation: one element.
  record.sg_list.assign(sizeof(STOR_SCATTER_GATHER_LIST) + sizeof(STOR_SCATTER_GATHER_ELEMENT), 0);
  auto* list = reinterpret_cast<PSTOR_SCATTER_GATHER_LIST>(record.sg_list.data());
  uint64_t physical = 0;
  size_t remaining = 0;
  s.memory.ToPhysical(record.data.get(), &physical, &remaining);
  list->NumberOfElements = 1;
  list->List[0].PhysicalAddress.QuadPart = static_cast<LONGLONG>(physical);
  list->List[0].Length = static_cast<ULONG>(record.data_length);
  return list;
}

void PortState::StartRequest(Adapter& a, const SCSI_REQUEST_BLOCK* key) {
  auto* srb = const_cast<SCSI_REQUEST_BLOCK*>(key);
  auto it = a.requests.find(key);
  if (it == a.requests.end()) return;
  it->second.with_miniport = true;  // from HwBuildIo on, until it completes
  if (it->second.busy_retries > 0) TsanAcquire(&it->second.retry_sync);  // queue_gate.cc
  const uint8_t dispatch = std::max<uint8_t>(Cpu().irql, DISPATCH_LEVEL);
  BOOLEAN start = TRUE;
  if (init_data.HwBuildIo != nullptr) {
    EnterCallback(Callback::kBuildIo, &a, kLineInterrupt, dispatch, kEntryNone);
    start = init_data.HwBuildIo(a.extension.get(), srb);
    LeaveCallback();
  }
  // HwBuildIo returning FALSE means it completed the request itself.
  if (start && a.requests.count(key) != 0) {
    EnterCallback(Callback::kStartIo, &a, kLineInterrupt, dispatch, kEntryStartIo);
    init_data.HwStartIo(a.extension.get(), srb);
    LeaveCallback();
  }
}

const std::vector<CompletedRequest>& Port::Completed(uint32_t adapter) const {
  return state_->AdapterAt(adapter).completed;
}

void Port::ReleaseCompletedData(uint32_t adapter, size_t first, size_t end) {
  RigEntry rig(*state_);
  std::vector<CompletedRequest>& completed = state_->AdapterAt(adapter).completed;
  for (size_t i = first; i < end && i < completed.size(); ++i) {
    std::vector<uint8_t>().swap(completed[i].data);
  }
}

size_t Port::Outstanding(uint32_t adapter) const {
  return state_->AdapterAt(adapter).requests.size();
}

std::optional<uint64_t> Port::PauseEndsNs(uint32_t adapter) const {
  const Adapter& a = state_->AdapterAt(adapter);
  if (a.held.empty() || a.state != AdapterState::kRunning || a.removing || a.quiescing)
    return std::nullopt;
  // The first end still ahead: the adapter's pause, or that of a unit Storport holds requests for.
  std::optional<uint64_t> first;
  auto consider = [&](uint64_t end) {
    if (end > state_->now_ns && (!first || end < *first)) first = end;
  };
  consider(a.paused_until_ns);
  for (const SCSI_REQUEST_BLOCK* key : a.held) {
    auto record = a.requests.find(key);
    if (record == a.requests.end()) continue;
    auto unit = a.lus.find(record->second.lu);
    if (unit != a.lus.end()) consider(unit->second.paused_until_ns);
  }
  return first;
}

}  // namespace msirig::sp
