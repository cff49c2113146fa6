// PortState: everything the emulated port driver knows, shared by the files of storport/src.
// Not a public header: the rig uses msirig/storport/port.h; the miniport uses storport.h.
#ifndef MSIRIG_STORPORT_SRC_PORT_STATE_H_
#define MSIRIG_STORPORT_SRC_PORT_STATE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "msirig/storport/port.h"
#include "pci_enumeration.h"
#include "phys_memory.h"
#include "plumbing.h"
#include "port_lock.h"
#include "reused_buffer.h"
#include "trace.h"
#include "tsan_scope.h"

namespace msirig::sp {

// Virtual time `length` ns after `from`, saturated at 2^64 - 1: the clock never wraps, not even
// when the drain waits out StorPortPauses of ULONG seconds (each about 2^62 ns).
inline uint64_t NsAfter(uint64_t from, uint64_t length) {
  return length > UINT64_MAX - from ? UINT64_MAX : from + length;
}

// A logical unit's key: path, target and lun, as StorPortGetLogicalUnit and StorPortDeviceBusy
// name it.
inline uint32_t LuKey(UCHAR path_id, UCHAR target_id, UCHAR lun) {
  return (uint32_t{path_id} << 16) | (uint32_t{target_id} << 8) | lun;
}
// Whether unit `lu` (LuKey) is one that path, target and lun name, SP_UNTAGGED standing for any
// (StorPortCompleteRequest).
inline bool LuMatches(uint32_t lu, UCHAR path_id, UCHAR target_id, UCHAR lun) {
  return (path_id == SP_UNTAGGED || (lu >> 16) == path_id) &&
         (target_id == SP_UNTAGGED || ((lu >> 8) & 0xFF) == target_id) &&
         (lun == SP_UNTAGGED || (lu & 0xFF) == lun);
}

// The miniport routine a virtual CPU is running, innermost last (SPEC 3, lock table of the
// StorPortAcquireSpinLock page).
enum class Callback : uint8_t {
  kNone,
  kDriverEntry,
  kFindAdapter,
  kInitialize,
  kPassiveInitialize,
  kBuildIo,
  kStartIo,
  kInterrupt,    // HwInterrupt (line-based)
  kMsInterrupt,  // HwMSInterruptRoutine
  kDpc,
  kTimer,
  kResetBus,
  kAdapterControl,
  kUnitControl,
  kSynchronizedAccess,  // the routine given to StorPortSynchronizeAccess
};
const char* CallbackName(Callback callback);

// A modeled spin lock: which virtual CPU holds it. Acquire and release are also annotated for
// ThreadSanitizer so that the accesses it orders are ordered for TSan too (DESIGN.md decision 2).
struct ModeledLock {
  int32_t owner = -1;
};

enum class LockClass : uint8_t { kDpc, kStartIo, kInterrupt, kMsi };
const char* LockClassName(LockClass lock_class);  // "StartIoLock", "MSI lock", ...
enum class AcquiredVia : uint8_t { kPort, kSpinLockApi, kMsiLockApi, kSynchronizeAccess };

struct Adapter;

// One acquisition: one STOR_SPINLOCK or MSI lock, which may be several modeled locks
// (InterruptLock in per-message mode is every message lock, in ascending order).
struct Acquisition {
  Adapter* adapter = nullptr;
  LockClass lock_class = LockClass::kInterrupt;
  AcquiredVia via = AcquiredVia::kPort;
  uint32_t message = 0;          // LockClass::kMsi
  const void* handle = nullptr;  // the STOR_LOCK_HANDLE of a StorPortAcquireSpinLock
  uint8_t old_irql = 0;
  ModeledLock* locks = nullptr;  // contiguous
  uint32_t lock_count = 0;
};

struct Frame {
  Callback callback = Callback::kNone;
  Adapter* adapter = nullptr;
  uint32_t message = kLineInterrupt;
  uint8_t irql_before = 0;   // the CPU's IRQL before the port entered the callback
  uint8_t entry_irql = 0;    // the IRQL the callback runs at
  size_t held_base = 0;      // CpuState::held size before the port took the entry locks
  size_t held_at_entry = 0;  // ... and after: the first lock the callback takes itself
  int port_lock_depth = 0;   // real threads: the port lock levels released for the callback
  int rig_depth = 0;         // the CPU's RigEntry levels, put aside while the callback runs
};

// Locks the port driver takes before calling a callback (StorPortAcquireSpinLock page).
enum EntryLock : uint8_t {
  kEntryNone = 0,
  kEntryStartIo = 1,
  kEntryInterrupt = 2,  // InterruptLock: every message lock in per-message mode
  kEntryMessage = 4,    // the lock of Frame::message (its ISR's lock for the mode)
};

struct QueuedDpc {
  Adapter* adapter;
  PSTOR_DPC dpc;
};

struct CpuState {
  uint8_t irql = PASSIVE_LEVEL;
  bool draining_dpcs = false;
  int rig_depth = 0;  // RigEntry levels open on this CPU (each hides the port from TSan)
  // The rig itself calls StorPort routines with any arguments on this CPU (a probe): its calls
  // outside miniport routines are checked by the rig, not reported.
  bool probing = false;
  std::vector<Acquisition> held;
  std::vector<Frame> frames;
  std::vector<QueuedDpc> dpcs;  // FIFO; a vector, as an empty deque allocates
};

struct DpcRecord {
  PHW_DPC_ROUTINE routine = nullptr;
  ModeledLock lock;  // the DpcLock of this STOR_DPC
  bool queued = false;
  PVOID argument1 = nullptr;
  PVOID argument2 = nullptr;
};

// Storport's per-logical-unit queue (Storport Queue Management page: "all requests are queued in
// the port driver in per-logical-unit queues").
struct LuQueue {
  uint32_t busy_completions = 0;  // StorPortDeviceBusy: that unit's completions awaited (0: ready)
  uint64_t paused_until_ns = 0;   // StorPortPauseDevice (0: not paused)
  uint32_t depth = 0;             // StorPortSetDeviceQueueDepth (0: DefaultLuDepth)
  // Nothing to remember: the unit's entry can go (PortState::LuHolds' fast path needs none).
  bool AtDefaults() const { return busy_completions == 0 && paused_until_ns == 0 && depth == 0; }
};
// The same page: without extended SRBs a logical unit has at most 255 outstanding requests.
constexpr uint32_t kMaxLuDepth = 255;
// A unit's depth before StorPortSetDeviceQueueDepth, from what HwFindAdapter left in the
// adapter's configuration. The current StorPortSetDeviceQueueDepth page says only "the default
// value"; its 2014 edition spells it out: InitialLunQueueDepth when non-zero, else MaxIOsPerLun
// when non-zero, else 250 for a virtual miniport (VirtualDevice) and 20 for a physical one;
// at most 255 unless the device supports extended SRBs, which the port does not model.
inline uint32_t DefaultLuDepth(const PORT_CONFIGURATION_INFORMATION& config) {
  const ULONG depth = config.InitialLunQueueDepth != 0 ? config.InitialLunQueueDepth
                      : config.MaxIOsPerLun != 0       ? config.MaxIOsPerLun
                      : config.VirtualDevice           ? 250
                                                       : 20;
  return depth < kMaxLuDepth ? depth : kMaxLuDepth;
}

struct RequestRecord {
  uint64_t tag = 0;
  std::unique_ptr<SCSI_REQUEST_BLOCK> srb;
  std::unique_ptr<uint8_t[]> data;
  size_t data_length = 0;
  std::unique_ptr<uint8_t[]> srb_extension;
  std::unique_ptr<uint8_t[]> sense;
  std::vector<uint8_t> sg_list;  // STOR_SCATTER_GATHER_LIST built on demand
  size_t srb_extension_size = 0;
  bool with_miniport = false;
  uint64_t timer_start_ns = 0;  // when its TimeOutValue started counting
  uint32_t busy_retries = 0;    // times the miniport completed it SRB_STATUS_BUSY (queue_gate.cc)
  uint32_t lu = 0;              // LuKey of the unit it was sent to (the miniport may edit the SRB)
  // Storport's own locks order a BUSY completion before the retry's HwBuildIo, on whichever CPU
  // runs it: released where the miniport completes the request BUSY, acquired before it starts
  // again (TSan builds; queue_gate.cc).
  char retry_sync = 0;
};

// The HostBus an adapter's device model talks to.
class AdapterBus final : public hba::HostBus {
 public:
  AdapterBus(PortState* port, Adapter* adapter) : port_(port), adapter_(adapter) {}
  bool DmaRead(uint64_t address, void* destination, size_t length) override;
  bool DmaWrite(uint64_t address, const void* source, size_t length) override;
  void SignalMsi(uint32_t vector, uint64_t address, uint32_t data) override;
  void SetIntx(bool asserted) override;
  void DeviceEvent(std::string_view name, uint64_t arg0, uint64_t arg1) override;

 private:
  // The host bytes of a DMA transfer, or null after reporting DmaUnmapped.
  uint8_t* DmaTarget(uint64_t address, size_t length, const char* verb);

  PortState* port_;
  Adapter* adapter_;
};

struct Adapter {
  uint32_t id = 0;
  PlatformConfig platform;  // normalized
  AdapterState state = AdapterState::kCreated;
  // Storport finishes starting, stopping or restarting an adapter before it calls the miniport
  // for anything else: released at the end of each transition, acquired at every callback.
  // An ISR that runs during initialization acquires nothing yet, so its races stay visible.
  char lifecycle_sync = 0;
  AdapterBus bus;
  hba::PciFunction* device = nullptr;
  std::vector<PciBar> bars;
  // The interrupt resources the platform assigned before HwFindAdapter: messages granted (0 =
  // line-based) and what StorPortGetMSIInfo reports for each.
  uint32_t granted = 0;
  std::vector<MessageContents> contents;

  // The device extension the miniport sees, allocated at its exact size so ASan catches overruns.
  std::unique_ptr<uint8_t[]> extension;
  size_t extension_size = 0;
  PORT_CONFIGURATION_INFORMATION config_info{};
  std::vector<ACCESS_RANGE> access_ranges;
  bool find_adapter_returned = false;

  // Interrupts as connected after HwFindAdapter.
  bool message_mode = false;  // HwMSInterruptRoutine connected with `messages` messages
  uint32_t messages = 0;
  INTERRUPT_SYNCHRONIZATION_MODE sync_mode = InterruptSupportNone;
  PHW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE ms_isr = nullptr;
  uint8_t sync_irql = kLineDirql;  // the IRQL of InterruptLock
  ModeledLock interrupt_lock;      // line-based and InterruptSynchronizeAll
  std::vector<ModeledLock> message_locks;
  std::vector<uint8_t> pending;  // per message: signaled, not yet delivered
  bool line_level = false;
  bool line_seen = false;  // asserted at some point since the current HwInterrupt started
  InterruptClaims claims;  // what the ISRs returned, line and messages
  bool removing = false;   // surprise removal under way: no new I/O reaches the miniport
  ModeledLock startio_lock;

  // HwAdapterControl types the miniport said it supports (ScsiQuerySupportedControlTypes).
  std::vector<BOOLEAN> supported_controls;
  // HwUnitControl types the miniport said it supports (ScsiQuerySupportedUnitControlTypes).
  std::vector<BOOLEAN> supported_unit_controls;
  // The logical units Storport has tried to start (LuKey), in that order, and whether
  // ScsiUnitStart succeeded (unit_control.cc).
  std::vector<std::pair<uint32_t, bool>> units;

  // Deferred work.
  PHW_PASSIVE_INITIALIZE_ROUTINE passive_routine = nullptr;
  std::map<const void*, DpcRecord> dpcs;
  PHW_TIMER timer = nullptr;
  uint64_t timer_due_ns = 0;

  // Memory.
  ReusedBuffer uncached;
  size_t uncached_size = 0;
  std::map<uint32_t, std::unique_ptr<uint8_t[]>> lu_extensions;  // by path/target/lun

  // Requests: keyed by the SRB the miniport sees.
  std::map<const SCSI_REQUEST_BLOCK*, RequestRecord> requests;
  std::vector<CompletedRequest> completed;
  // Completed requests, kept alive (and poisoned where ASan is on) until the run ends, so no
  // address is ever reused within a run: a late or double completion is reported the same way
  // in every build, whatever the allocator. By SRB; the value indexes `graveyard`.
  std::map<const SCSI_REQUEST_BLOCK*, size_t> retired;
  std::vector<RequestRecord> graveyard;
  // Submitted while stopped or stopping, or held by the queue gate, in submission order.
  std::vector<const SCSI_REQUEST_BLOCK*> held;
  // The queue gate (queue_gate.cc): StorPortBusy, StorPortPause, a BUSY retry waiting for the
  // miniport to complete something else; and whether the port's DPC that starts held requests
  // is queued.
  bool busy = false;
  uint32_t busy_completions = 0;
  bool busy_retry_waits = false;
  uint64_t paused_until_ns = 0;  // 0: not paused
  // Each logical unit's own queue (queue_gate.cc), by LuKey: only that unit's requests wait on
  // it; the adapter's gate stays open for the others. No entry: a unit at its defaults.
  std::map<uint32_t, LuQueue> lus;
  bool port_dpc_queued = false;
  // A stop is under way: Storport holds new requests while what the miniport has completes.
  bool quiescing = false;
  uint64_t next_tag = 1;

  Adapter(PortState* port, uint32_t adapter_id) : id(adapter_id), bus(port, this) {}
};

// A StorPortGetDeviceBase mapping: a window of addresses that fault when dereferenced, which the
// register routines decode back into (adapter, BAR, offset).
struct RegisterMapping {
  Adapter* adapter;
  unsigned bar;
  uint64_t bus_address;  // where the BAR was assigned
  uint64_t length;
  bool io_space;
  uintptr_t virtual_base;
};

struct PortState {
  explicit PortState(PortOptions options);
  ~PortState();

  Verifier verifier;
  InlineScheduler own_scheduler;
  Scheduler* scheduler;
  Trace trace;
  PhysicalMemory memory;
  uint64_t now_ns = 0;
  bool run_dpcs_when_irql_drops;
  bool tsan_sees_only_miniport;
  // Real OS threads run the virtual CPUs (the executor's stress mode): the port lock is taken
  // by every entry point and released around every miniport callback.
  bool real_threads = false;
  PortLock lock;

  OsVersion os_version = OsVersion::kWin10;  // the machine's: the first adapter's platform

  // The miniport, as StorPortInitialize registered it.
  bool registered = false;
  HW_INITIALIZATION_DATA init_data{};
  PVOID hw_context = nullptr;

  std::vector<std::unique_ptr<Adapter>> adapters;
  std::vector<CpuState> cpus;
  std::vector<RegisterMapping> mappings;
  struct PoolBlock {
    size_t size = 0;
    uint32_t number = 0;  // 1-based, in allocation order: how messages name the block
  };
  // Every pool block is followed by this much memory of its own allocation, poisoned where ASan
  // is on: Driver Verifier's special pool puts a block against a guard page, so that an overrun
  // faults at once. Without it ASan reports an overrun only if it lands in a redzone, and a far
  // one (a message id indexing a small table: up to 2048 entries of 4 bytes) lands in whatever
  // the heap put next, so whether a run reports it depended on the runs before it.
  static constexpr size_t kPoolGuardBytes = 8192;
  std::map<const void*, PoolBlock> pool;  // outstanding StorPortAllocatePool blocks
  // Freed blocks, kept (poisoned where ASan is on) until the run ends, like retired SRBs.
  std::map<const void*, PoolBlock> freed_pool;
  uint32_t pool_calls = 0;
  uint32_t pool_blocks = 0;

  // --- helpers shared by the files of storport/src ---
  MSIRIG_PLUMBING CpuState& Cpu() { return cpus[scheduler->CurrentCpu()]; }
  MSIRIG_PLUMBING uint32_t CpuIndex() const { return scheduler->CurrentCpu(); }
  MSIRIG_PLUMBING const Frame* CurrentFrame() {
    auto& f = Cpu().frames;
    return f.empty() ? nullptr : &f.back();
  }
  MSIRIG_PLUMBING Callback CurrentCallback() {
    const Frame* f = CurrentFrame();
    return f ? f->callback : Callback::kNone;
  }
  bool InIsr();

  // The live adapter whose device extension is `extension`; null (after reporting NotAnAdapter
  // unless `report` is false) when there is none.
  Adapter* FindAdapter(const void* extension, const char* routine, bool report = true);
  Adapter& AdapterAt(uint32_t id) const;

  // Reports a violation with the current adapter, message, callback and CPU as its place.
  // `place` is the signature's discriminator when no frame of the miniport is on the stack
  // (Verifier::Report); empty: the name of the callback the CPU is in, or "no callback".
  void Violate(Rule rule, Adapter* adapter, const std::string& what,
               const std::string& place = {});
  // A preemption point at the start of StorPort routine `routine`, with its IRQL limit checked.
  void EnterRoutine(const char* routine, Adapter* adapter, uint8_t max_irql);
  // The start of a routine whose first argument is a device extension: the adapter
  // (FindAdapter: null, and a NotAnAdapter finding, when there is none), then EnterRoutine.
  // Routines that must check another argument before entering call the two themselves.
  Adapter* EnterAdapterRoutine(const void* extension, const char* routine, uint8_t max_irql);

  // Locks (locks.cc). Acquire spins through the scheduler while another CPU holds a lock.
  void AcquireLocks(Acquisition acquisition);
  // Until `lock` is free (through the scheduler, or spinning on real threads); false when no
  // CPU can ever free it.
  bool WaitForLock(ModeledLock& lock);
  // Releases the acquisition at `index` of the current CPU's held list, restoring its OldIrql.
  void ReleaseAt(size_t index, uint8_t irql_after);
  ModeledLock* InterruptLocks(Adapter& adapter, uint32_t* count);
  void RaiseIrql(uint8_t irql);
  // Real threads: one step of a spin-wait (for a modeled lock, or for other CPUs' routines),
  // letting the thread that can end it take the port lock. False once the wait has lasted
  // kRealThreadSpinLimit steps: stress mode is the nondeterministic complement, and reports
  // what the fibers then replay.
  static constexpr uint64_t kRealThreadSpinLimit = 20'000'000;
  bool SpinOnRealThreads(uint64_t spins);
  void SetIrql(uint8_t irql);

  // Callback frames (callbacks.cc): entry locks per the lock table, IRQL, and the checks on return.
  void EnterCallback(Callback callback, Adapter* adapter, uint32_t message, uint8_t irql,
                     uint8_t entry_locks);
  void LeaveCallback();
  // Runs the DPCs queued on the current CPU; returns how many ran.
  size_t DrainDpcs();
  void FireDueTimers();

  // Adapter bring-up after HwFindAdapter: HwInitialize, the passive routine (lifecycle.cc).
  bool InitializeAdapter(Adapter& adapter);
  // Hands a submitted request to the miniport: HwBuildIo, then HwStartIo (requests.cc).
  void StartRequest(Adapter& adapter, const SCSI_REQUEST_BLOCK* key);
  // Waits until no other CPU is inside a routine of `adapter`: Storport lets the miniport's
  // routines in flight finish before it processes a removal (pnp.cc).
  void WaitForAdapterRoutines(Adapter& adapter);
  // Before ScsiStopAdapter: holds new requests and lets what the miniport holds complete, and
  // the adapter's queued DPCs run (pnp.cc). False when that did not happen within the bound.
  bool Quiesce(Adapter& adapter);
  // Ends a quiesce (or a stop): hands the held requests to the miniport, in submission order.
  void StartHeld(Adapter& adapter);
  // The queue gate (queue_gate.cc). Open: no StorPortBusy, StorPortPause or BUSY retry holds I/O.
  bool GateOpen(const Adapter& adapter) const;
  // The request's logical unit holds it back: StorPortDeviceBusy, StorPortPauseDevice, or the
  // unit's queue depth reached (false for a request no longer known).
  bool LuHolds(const Adapter& adapter, const SCSI_REQUEST_BLOCK* key) const;
  // The queue gate or its unit's queue keeps this held request from the miniport.
  bool Gated(const Adapter& adapter, const SCSI_REQUEST_BLOCK* key) const;
  // Queues the port's own DPC (a QueuedDpc with a null STOR_DPC) that runs ResumeIo.
  void KickQueue(Adapter& adapter);
  // Hands held requests to the miniport, in submission order, while the gate stays open (those
  // their unit holds stay held).
  void ResumeIo(Adapter& adapter);
  // A completion with SRB_STATUS_BUSY: true when the request went back to the queue, false when
  // it completes to the class driver.
  bool RequeueBusy(Adapter& adapter, RequestRecord& record);
  // After a request of logical unit `lu` (LuKey) completed: counts it against StorPortBusy and
  // StorPortDeviceBusy, and lets the queue move.
  void OnCompleted(Adapter& adapter, uint32_t lu);
  // StorPortPause's and StorPortPauseDevice's time-outs, when virtual time has reached them.
  void ExpirePause(Adapter& adapter);
  // PnP and error recovery (pnp.cc).
  bool AdapterControl(Adapter& adapter, SCSI_ADAPTER_CONTROL_TYPE type);
  void ResetBus(Adapter& adapter);
  void CheckTimeouts();
  // What a miniport's ScsiQuerySupportedControlTypes / ScsiQuerySupportedUnitControlTypes said,
  // one entry per type below `max_type` (all FALSE when `ask` returns false: the query failed).
  // `ask` gets a caller-allocated list of exactly `max_type` entries and runs in `callback` at
  // PASSIVE_LEVEL with no lock (lifecycle.cc).
  std::vector<BOOLEAN> AskSupportedTypes(
      Adapter& adapter, Callback callback, ULONG max_type,
      const std::function<bool(PSCSI_SUPPORTED_CONTROL_TYPE_LIST)>& ask);
  // HwUnitControl (unit_control.cc): the supported types, asked once after the adapter started;
  // a unit's start before the first request that is not a bus scan's; the removal of every
  // started unit when the adapter is surprise-removed.
  void QueryUnitControls(Adapter& adapter);
  void StartUnitFor(Adapter& adapter, uint32_t lu, const SCSI_REQUEST_BLOCK& srb);
  void RemoveUnits(Adapter& adapter, SCSI_UNIT_CONTROL_TYPE type);

  // Interrupts (interrupts.cc).
  Delivery Deliver(Adapter& adapter, uint32_t message);
  void ConnectInterrupts(Adapter& adapter);

  std::string Where(Adapter* adapter);
  // A stable name for an address, for violation texts (never the pointer value, which differs
  // between runs and builds): "adapter 0 device extension+0x10", "SRB tag 3", "pool block #2",
  // "NULL", or "an address the port never handed out" (describe.cc).
  std::string Describe(const void* address) const;
};

// The port behind the StorPort* entry points; aborts with a rig error when there is none.
PortState& CurrentPortState();

// The first statement of every StorPort entry point and of every rig-facing Port method a
// worker thread may call: the port's own work is hidden from TSan (which sees the miniport's
// accesses only) and, with real threads, done under the port lock.
class RigEntry {
 public:
  MSIRIG_PLUMBING RigEntry() : RigEntry(CurrentPortState()) {}
  MSIRIG_PLUMBING explicit RigEntry(PortState& s) : s_(s), cpu_(s.Cpu()), locked_(s.real_threads) {
    ++cpu_.rig_depth;
    if (locked_) s_.lock.Lock();
  }
  MSIRIG_PLUMBING ~RigEntry() {
    if (locked_) s_.lock.Unlock();
    --cpu_.rig_depth;
  }
  RigEntry(const RigEntry&) = delete;
  RigEntry& operator=(const RigEntry&) = delete;

 private:
  [[maybe_unused]] TsanIgnoreScope hidden_;
  PortState& s_;
  CpuState& cpu_;
  bool locked_;
};

#define MSIRIG_RIG_ENTRY() [[maybe_unused]] ::msirig::sp::RigEntry msirig_rig_entry

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_PORT_STATE_H_
