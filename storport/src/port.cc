// Port: construction, the current port, context for violations, and the rig-facing API.
#include "msirig/storport/port.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "asan_poison.h"
#include "port_state.h"

namespace msirig::sp {
namespace {

Port* g_current_port = nullptr;

}  // namespace

const char* DeliveryName(Delivery delivery) {
  switch (delivery) {
    case Delivery::kDelivered:
      return "delivered";
    case Delivery::kNotPending:
      return "not-pending";
    case Delivery::kNotConnected:
      return "not-connected";
    case Delivery::kIrqlTooHigh:
      return "irql-too-high";
    case Delivery::kWouldSpin:
      return "would-spin";
  }
  return "?";
}

const char* CallbackName(Callback callback) {
  switch (callback) {
    case Callback::kNone:
      return "none";
    case Callback::kDriverEntry:
      return "DriverEntry";
    case Callback::kFindAdapter:
      return "HwFindAdapter";
    case Callback::kInitialize:
      return "HwInitialize";
    case Callback::kPassiveInitialize:
      return "HwPassiveInitializeRoutine";
    case Callback::kBuildIo:
      return "HwBuildIo";
    case Callback::kStartIo:
      return "HwStartIo";
    case Callback::kInterrupt:
      return "HwInterrupt";
    case Callback::kMsInterrupt:
      return "HwMSInterruptRoutine";
    case Callback::kDpc:
      return "HwDpcRoutine";
    case Callback::kTimer:
      return "HwTimer";
    case Callback::kResetBus:
      return "HwResetBus";
    case Callback::kAdapterControl:
      return "HwAdapterControl";
    case Callback::kUnitControl:
      return "HwUnitControl";
    case Callback::kSynchronizedAccess:
      return "StorPortSynchronizeAccess routine";
  }
  return "?";
}

PortState::PortState(PortOptions options)
    : verifier(options.verifier_mode),
      scheduler(options.scheduler ? options.scheduler : &own_scheduler),
      run_dpcs_when_irql_drops(options.run_dpcs_when_irql_drops),
      tsan_sees_only_miniport(options.tsan_sees_only_miniport) {
  cpus.resize(kMaxCpus);
}

PortState::~PortState() {
  // A miniport may keep pool until it unloads, which the model has none of: free what is left.
  for (const auto* blocks : {&pool, &freed_pool}) {
    for (const auto& [block, info] : *blocks) {
      UnpoisonRetired(block, info.size + kPoolGuardBytes);
      delete[] static_cast<const uint8_t*>(block);
    }
  }
  for (const auto& adapter : adapters) {
    for (const RequestRecord& r : adapter->graveyard) {
      UnpoisonRetired(r.srb.get(), sizeof(SCSI_REQUEST_BLOCK));
      UnpoisonRetired(r.data.get(), std::max<size_t>(r.data_length, 1));
      UnpoisonRetired(r.srb_extension.get(), std::max<size_t>(r.srb_extension_size, 1));
      UnpoisonRetired(r.sense.get(), SENSE_BUFFER_SIZE);
    }
  }
}

MSIRIG_PLUMBING PortState& CurrentPortState() {
  if (g_current_port == nullptr) {
    std::fputs("msirig: rig error: a StorPort routine was called with no emulated port driver\n",
               stderr);
    std::abort();
  }
  return g_current_port->state();
}

bool PortState::InIsr() {
  for (const Frame& frame : Cpu().frames) {
    if (frame.callback == Callback::kInterrupt || frame.callback == Callback::kMsInterrupt)
      return true;
  }
  return false;
}

Adapter& PortState::AdapterAt(uint32_t id) const {
  if (id >= adapters.size()) {
    std::fprintf(stderr, "msirig: rig error: no adapter %u (there are %zu)\n", id, adapters.size());
    std::abort();
  }
  return *adapters[id];
}

Adapter* PortState::FindAdapter(const void* extension, const char* routine, bool report) {
  for (auto& adapter : adapters) {
    if (adapter->extension.get() == extension && extension != nullptr &&
        adapter->state != AdapterState::kRemoved && adapter->state != AdapterState::kFailed)
      return adapter.get();
  }
  if (report) {
    Violate(Rule::kNotAnAdapter, nullptr,
            std::string(routine) + ": HwDeviceExtension " + Describe(extension) +
                " is not a live adapter's");
  }
  return nullptr;
}

std::string PortState::Where(Adapter* adapter) {
  const Frame* frame = CurrentFrame();
  if (adapter == nullptr && frame != nullptr) adapter = frame->adapter;
  char where[160];
  char message[16] = "none";
  if (frame != nullptr && frame->message != kLineInterrupt)
    std::snprintf(message, sizeof message, "%u", frame->message);
  std::snprintf(where, sizeof where, "adapter %d, message %s, callback %s, cpu %u, irql %u",
                adapter ? static_cast<int>(adapter->id) : -1, message,
                CallbackName(frame ? frame->callback : Callback::kNone), CpuIndex(), Cpu().irql);
  return where;
}

void PortState::Violate(Rule rule, Adapter* adapter, const std::string& what,
                       const std::string& place) {
  trace.Add(Event::kViolation, CpuIndex(), Cpu().irql, RuleId(rule));
  if (Cpu().probing && CurrentFrame() == nullptr) return;
  const Frame* frame = CurrentFrame();
  verifier.Report(rule, what, Where(adapter),
                  !place.empty()       ? place
                  : frame != nullptr ? CallbackName(frame->callback)
                                     : "no callback");
}

MSIRIG_PLUMBING void PortState::EnterRoutine(const char* routine, Adapter* adapter,
                                             uint8_t max_irql) {
  trace.Add(Event::kRoutine, CpuIndex(), Cpu().irql, routine);
  if (Cpu().irql > max_irql) {
    char what[160];
    std::snprintf(what, sizeof what, "%s called at IRQL %u; it allows at most %u", routine,
                  Cpu().irql, max_irql);
    Violate(Rule::kStorPortIrql, adapter, what);
  }
  scheduler->PreemptionPoint(PreemptKind::kStorPortCall);
}

Adapter* PortState::EnterAdapterRoutine(const void* extension, const char* routine,
                                        uint8_t max_irql) {
  Adapter* a = FindAdapter(extension, routine);
  if (a != nullptr) EnterRoutine(routine, a, max_irql);
  return a;
}

// --- Port ---

Port::Port(PortOptions options) : state_(std::make_unique<PortState>(options)) {
  if (g_current_port != nullptr) {
    std::fputs("msirig: rig error: two emulated port drivers at once\n", stderr);
    std::abort();
  }
  g_current_port = this;
  RecordTrace(options.trace_recorder != nullptr ? options.trace_recorder : ProcessTraceRecorder());
}

Port::~Port() { g_current_port = nullptr; }

Port* Port::Current() { return g_current_port; }

void Port::SetRealThreads(bool on) { state_->real_threads = on; }
void Port::SetProbing(bool on) { state_->Cpu().probing = on; }

Port::Serialized::Serialized(Port& port) : state_(port.state()), locked_(state_.real_threads) {
  if (locked_) state_.lock.Lock();
}

Port::Serialized::~Serialized() {
  if (locked_) state_.lock.Unlock();
}

ULONG Port::LoadMiniport(DriverEntryRoutine driver_entry) {
  RigEntry rig(*state_);
  PortState& s = *state_;
  s.EnterCallback(Callback::kDriverEntry, nullptr, kLineInterrupt, PASSIVE_LEVEL, 0);
  // The driver object and registry path are opaque to a Storport miniport: it only passes them
  // on to StorPortInitialize.
  static char driver_object[64];
  static char registry_path[64];
  ULONG status = driver_entry(driver_object, registry_path);
  s.LeaveCallback();
  return status;
}

uint32_t Port::CreateAdapter(const PlatformConfig& config) {
  PortState& s = *state_;
  const auto id = static_cast<uint32_t>(s.adapters.size());
  auto adapter = std::make_unique<Adapter>(&s, id);
  adapter->platform = Normalize(config);
  if (s.adapters.empty()) s.os_version = adapter->platform.os_version;
  s.adapters.push_back(std::move(adapter));
  return id;
}

hba::HostBus& Port::HostBusOf(uint32_t adapter) { return state_->AdapterAt(adapter).bus; }
AdapterState Port::State(uint32_t adapter) const { return state_->AdapterAt(adapter).state; }
void* Port::DeviceExtension(uint32_t adapter) const {
  return state_->AdapterAt(adapter).extension.get();
}
const PlatformConfig& Port::Platform(uint32_t adapter) const {
  return state_->AdapterAt(adapter).platform;
}
uint32_t Port::ConnectedMessages(uint32_t adapter) const {
  const Adapter& a = state_->AdapterAt(adapter);
  return a.message_mode ? a.messages : 0;
}
INTERRUPT_SYNCHRONIZATION_MODE Port::SynchronizationMode(uint32_t adapter) const {
  // What the interrupts were connected with; before that, what HwFindAdapter has set so far.
  const Adapter& a = state_->AdapterAt(adapter);
  return a.find_adapter_returned ? a.sync_mode : a.config_info.InterruptSynchronizationMode;
}

uint8_t Port::Irql(uint32_t cpu) const { return state_->cpus.at(cpu).irql; }
std::vector<std::string_view> Port::Callbacks(uint32_t cpu) const {
  std::vector<std::string_view> names;
  Callbacks(cpu, names);
  return names;
}
MSIRIG_PLUMBING void Port::Callbacks(uint32_t cpu, std::vector<std::string_view>& names) const {
  names.clear();
  for (const Frame& frame : state_->cpus.at(cpu).frames)
    names.push_back(CallbackName(frame.callback));
}
size_t Port::LocksHeld(uint32_t cpu) const { return state_->cpus.at(cpu).held.size(); }
Verifier& Port::verifier() { return state_->verifier; }
Scheduler& Port::scheduler() { return *state_->scheduler; }
InlineScheduler* Port::inline_scheduler() {
  return state_->scheduler == &state_->own_scheduler ? &state_->own_scheduler : nullptr;
}
uint64_t Port::NowNanoseconds() const { return state_->now_ns; }
uint64_t Port::TraceHash() const { return state_->trace.hash(); }
uint64_t Port::TraceEvents() const { return state_->trace.count(); }
std::string Port::TraceTail(size_t events) const { return state_->trace.Tail(events); }
TraceRecorder* Port::trace_recorder() const { return state_->trace.recorder(); }
void Port::RecordTrace(TraceRecorder* recorder) {
  if (recorder != nullptr && recorder != state_->trace.recorder()) recorder->BeginRun();
  state_->trace.set_recorder(recorder);
}

}  // namespace msirig::sp
