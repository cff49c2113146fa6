// Port: the emulated Storport port driver, as the rig (executor, tests, fuzz targets) drives it.
//
// The miniport talks to it through the C API of storport.h; the rig talks to it through this
// class. One Port exists at a time in a process (the StorPort* entry points find it through
// Port::Current()). Everything happens on "the current virtual CPU", which the Scheduler names.
#ifndef MSIRIG_STORPORT_PORT_H_
#define MSIRIG_STORPORT_PORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "msirig/hba/pci_bus.h"
#include "msirig/storport/platform.h"
#include "msirig/storport/scheduler.h"
#include "msirig/storport/trace_recorder.h"
#include "msirig/storport/verifier.h"
#include "storport.h"

namespace msirig::sp {

struct PortState;

using DriverEntryRoutine = ULONG (*)(PVOID driver_object, PVOID registry_path);

struct PortOptions {
  VerifierMode verifier_mode = VerifierMode::kRecord;
  // Not owned. Null: the port uses its own InlineScheduler (see inline_scheduler()).
  Scheduler* scheduler = nullptr;
  // Run a CPU's queued DPCs as soon as its IRQL drops below DISPATCH_LEVEL, as Windows does.
  // The executor turns this off to choose when DPCs run.
  bool run_dpcs_when_irql_drops = true;
  // Set by an executor that runs all rig code inside ThreadSanitizer ignore scopes: the port then
  // reopens TSan's view for exactly the miniport's callbacks.
  bool tsan_sees_only_miniport = false;
  // Every event also goes to this recorder (not owned; null: the process's, if one is set with
  // SetProcessTraceRecorder, else none). See msirig/storport/trace_recorder.h.
  TraceRecorder* trace_recorder = nullptr;
};

enum class AdapterState : uint8_t {
  kCreated,       // device node exists; the miniport has not seen it
  kFindAdapter,   // inside HwFindAdapter
  kInitializing,  // HwFindAdapter returned; HwInitialize or the passive routine running
  kRunning,
  kFailed,   // HwFindAdapter or HwInitialize failed; the adapter is gone
  kStopped,  // HwAdapterControl(ScsiStopAdapter) done
  kRemoved,
};

// What happened to an attempt to deliver an interrupt to the current CPU.
enum class Delivery : uint8_t {
  kDelivered,
  kNotPending,    // nothing signaled on that message (or the line is not asserted)
  kNotConnected,  // the adapter has no such message, or is not running with interrupts
  kIrqlTooHigh,   // the CPU's IRQL masks it (e.g. nesting in InterruptSynchronizeAll)
  kWouldSpin,     // another CPU holds the lock the ISR needs, and the scheduler cannot wait
};
const char* DeliveryName(Delivery delivery);

inline constexpr uint32_t kLineInterrupt = 0xFFFFFFFFu;  // "message" id of the INTx line

// What the miniport's interrupt routines returned, per adapter, over the run.
struct InterruptClaims {
  uint64_t claimed = 0;    // TRUE: "my device interrupted"
  uint64_t unclaimed = 0;  // FALSE
};

struct CompletedRequest {
  uint64_t tag = 0;  // the rig's id for the request, in submission order
  UCHAR srb_status = 0;
  UCHAR scsi_status = 0;
  ULONG data_transfer_length = 0;
  std::vector<uint8_t> data;  // the data buffer as it was at completion
};

struct RequestSpec {
  UCHAR function = SRB_FUNCTION_EXECUTE_SCSI;
  UCHAR cdb[16] = {};
  UCHAR cdb_length = 0;
  ULONG srb_flags = 0;
  std::vector<uint8_t> data;  // initial contents of the data buffer (its size is the length)
  ULONG timeout_seconds = 10;
  UCHAR target_id = 0;
  UCHAR lun = 0;
  // Called with the request's tag before the miniport sees it (so a checker knows it is in
  // flight however the submission is interleaved). Optional.
  std::function<void(uint64_t tag)> on_accepted;
};

class Port {
 public:
  explicit Port(PortOptions options = {});
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // The port the StorPort* entry points talk to; null when none exists.
  static Port* Current();

  // Calls the miniport's DriverEntry, which registers with StorPortInitialize. Returns what
  // DriverEntry returned.
  ULONG LoadMiniport(DriverEntryRoutine driver_entry);

  // PnP: a device node for one HBA on `config`'s platform. Returns the adapter id.
  uint32_t CreateAdapter(const PlatformConfig& config);
  // The bus the adapter's device model DMAs and interrupts through.
  hba::HostBus& HostBusOf(uint32_t adapter);
  // PnP start on the current CPU: enumerates `device` (may be null: no BARs, no config space),
  // calls HwFindAdapter, connects interrupts, HwInitialize, the passive routine. True when the
  // adapter is running.
  bool StartAdapter(uint32_t adapter, hba::PciFunction* device);

  AdapterState State(uint32_t adapter) const;
  void* DeviceExtension(uint32_t adapter) const;
  const PlatformConfig& Platform(uint32_t adapter) const;
  // Messages connected to HwMSInterruptRoutine; 0 when the adapter is on line-based interrupts.
  uint32_t ConnectedMessages(uint32_t adapter) const;
  // PORT_CONFIGURATION_INFORMATION.InterruptSynchronizationMode as HwFindAdapter left it.
  INTERRUPT_SYNCHRONIZATION_MODE SynchronizationMode(uint32_t adapter) const;

  // --- interrupts ---
  // The device signaled `message` (MSI/MSI-X are latched: repeated signals before delivery
  // coalesce), or set the INTx level.
  void SignalMessage(uint32_t adapter, uint32_t message);
  void SetLineLevel(uint32_t adapter, bool asserted);
  bool Pending(uint32_t adapter, uint32_t message) const;
  // Delivers `message` (or kLineInterrupt) to the current CPU if the mode and the CPU's state
  // allow it now, running the ISR to completion.
  Delivery DeliverInterrupt(uint32_t adapter, uint32_t message);
  // What the ISRs delivered so far returned (each delivery is also in the trace: an "isr" event
  // named "claimed" or "unclaimed" with the message id).
  InterruptClaims Claims(uint32_t adapter) const;

  // --- requests ---
  // Builds a request and hands it to the miniport on the current CPU (HwBuildIo, then HwStartIo
  // under the StartIo lock). Returns its tag. The first request for a unit that is not a bus
  // scan's (INQUIRY, REPORT LUNS) starts the unit first: HwUnitControl(ScsiUnitStart), when the
  // miniport supports it and the CPU is at PASSIVE_LEVEL (storport/src/unit_control.cc).
  uint64_t SubmitRequest(uint32_t adapter, const RequestSpec& spec);
  const std::vector<CompletedRequest>& Completed(uint32_t adapter) const;
  // Frees the data copies of completions [first, end) of Completed() (their `data` becomes
  // empty), for a checker that has read them: a run of hundreds of 256 KB transfers would
  // otherwise keep a copy of each until it ends, beside the request's own buffer.
  void ReleaseCompletedData(uint32_t adapter, size_t first, size_t end);
  size_t Outstanding(uint32_t adapter) const;
  // When the adapter's StorPortPause, or the StorPortPauseDevice of a unit it holds requests
  // for, first ends (virtual time), while it holds requests: the drain lets time pass to then,
  // so that they start. Nothing otherwise.
  std::optional<uint64_t> PauseEndsNs(uint32_t adapter) const;

  // --- PnP and error recovery, on the current CPU ---
  // HwResetBus, as Storport calls it when a request times out (AdvanceTime does that itself).
  void ResetBus(uint32_t adapter);
  // HwAdapterControl(ScsiStopAdapter); false when the miniport does not support it or failed.
  bool StopAdapter(uint32_t adapter);
  // HwAdapterControl(ScsiRestartAdapter), or HwFindAdapter + HwInitialize again when the
  // miniport does not support restart.
  bool RestartAdapter(uint32_t adapter);
  // Surprise removal (decision, SPEC 5 lifecycle): HwUnitControl(ScsiUnitSurpriseRemoval) for
  // every started unit, ScsiStopAdapter, then every request the miniport holds completes with
  // SRB_STATUS_NO_DEVICE, queued DPCs and the timer are dropped, HwUnitControl(ScsiUnitRemove)
  // for every started unit, and the device extension stops being a live adapter's. The device
  // model's own removal fault (all-ones reads) is the scenario's to switch on.
  void SurpriseRemove(uint32_t adapter);

  // --- deferred work and time ---
  // Runs the DPCs queued on the current CPU (each at DISPATCH_LEVEL). Returns how many ran.
  size_t RunDpcs();
  size_t QueuedDpcs(uint32_t cpu) const;
  // Advances virtual time; fires the miniport timer on the current CPU when due, and resets the
  // bus when a request has been outstanding longer than its TimeOutValue.
  void AdvanceTime(uint64_t nanoseconds);
  uint64_t NowNanoseconds() const;

  // End-of-run oracles: no request outstanding, no lock held, every CPU at PASSIVE_LEVEL.
  // `device_view` says where the device stands (the driver of the run's words, e.g. "device
  // idle"); it joins the request's kind in the place of a RequestsOutstanding finding, which
  // tells one lost request from another in its signature (Verifier::Report).
  void CheckEndOfRun(std::string_view device_view = {});

  // --- real threads (the executor's stress mode) ---
  // From now on virtual CPUs are OS threads (the scheduler's CurrentCpu answers per thread):
  // every entry point takes the port lock, released around miniport callbacks.
  void SetRealThreads(bool on);
  // Rig code that touches what the port touches (the device model) holds this meanwhile.
  class Serialized {
   public:
    explicit Serialized(Port& port);
    ~Serialized();
    Serialized(const Serialized&) = delete;
    Serialized& operator=(const Serialized&) = delete;

   private:
    PortState& state_;
    bool locked_;
  };

  // The rig itself calls StorPort routines with any arguments on the current CPU (on = true)
  // until SetProbing(false) there: what the verifier would say of those calls, outside miniport
  // routines, is not reported.
  void SetProbing(bool on);

  // --- inspection ---
  uint8_t Irql(uint32_t cpu) const;
  // The miniport routines CPU `cpu` is inside, outermost first ("HwStartIo", "HwDpcRoutine"...).
  std::vector<std::string_view> Callbacks(uint32_t cpu) const;
  // The same into `names` (cleared first), which keeps its capacity: for a caller that asks at
  // every callback entry and should not allocate each time.
  void Callbacks(uint32_t cpu, std::vector<std::string_view>& names) const;
  size_t LocksHeld(uint32_t cpu) const;
  // The rolling hash of every event so far, and the last `events` events as text.
  uint64_t TraceHash() const;
  uint64_t TraceEvents() const;
  std::string TraceTail(size_t events) const;
  // The recorder this port's events go to (null: none); RecordTrace attaches one from now on.
  TraceRecorder* trace_recorder() const;
  void RecordTrace(TraceRecorder* recorder);
  Verifier& verifier();
  Scheduler& scheduler();
  // The built-in scheduler when PortOptions::scheduler was null; otherwise null.
  InlineScheduler* inline_scheduler();

  PortState& state() { return *state_; }

 private:
  std::unique_ptr<PortState> state_;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_PORT_H_
