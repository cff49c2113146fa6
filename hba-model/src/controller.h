// Controller: the NVMe controller behind NvmeDevice. One class whose member functions are split by
// specification chapter into files:
//   config_access.cc  PCI config space accesses and their side effects (PCI 3.0 ch. 6)
//   registers.cc      controller registers, enable/reset/shutdown (NVMe 1.4 ch. 3, 7.6)
//   queues.cc         doorbells, command fetch, completion posting (NVMe 1.4 ch. 4)
//   admin_commands.cc Admin command set (NVMe 1.4 ch. 5)
//   io_commands.cc    NVM command set Read/Write/Flush (NVMe 1.4 ch. 6)
//   interrupts.cc     MSI-X table/PBA, MSI, INTx, coalescing (NVMe 1.4 7.5, PCI 3.0 6.8)
//   faults.cc         FaultPlan application
//   controller.cc     Step/AdvanceTime scheduling and introspection
#ifndef MSIRIG_HBA_SRC_CONTROLLER_H_
#define MSIRIG_HBA_SRC_CONTROLLER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "msirig/hba/device_config.h"
#include "msirig/hba/fault_plan.h"
#include "msirig/hba/nvme_device.h"
#include "msirig/hba/nvme_spec.h"
#include "msirig/hba/pci_bus.h"
#include "namespace_store.h"
#include "pci_config_space.h"

namespace msirig::hba {

// A per-vector or per-slot flag. Bytes, not std::vector<bool>: the device consults and resets
// thousands of them per execution (2048 per table), and bit-proxy iteration under coverage
// instrumentation was a visible share of a short fuzzing run; a byte vector fills with memset.
using Flag = uint8_t;
// Out of SanitizerCoverage (controller.cc): the oracle's bookkeeping, not the device's behaviour.
void SetVectorFlag(std::vector<Flag>& flags, uint32_t vector, bool value);
bool VectorFlag(const std::vector<Flag>& flags, uint32_t vector);

struct SubmissionQueue {
  bool exists = false;
  uint64_t base = 0;
  uint32_t size = 0;  // entries
  uint32_t head = 0;  // device's
  uint32_t tail = 0;  // host's, from the doorbell
  uint16_t cqid = 0;
};

struct CompletionQueue {
  bool exists = false;
  uint64_t base = 0;
  uint32_t size = 0;
  uint32_t head = 0;  // host's, from the doorbell
  uint32_t tail = 0;  // device's
  bool phase = true;  // NVMe 1.4 4.6: the phase tag of the current pass, 1 on creation
  bool interrupts_enabled = false;
  uint16_t vector = 0;
  bool full_reported = false;
  // Slots last written with the wrong phase tag (the corrupt_phase fault): a driver rightly
  // takes such an entry, and every one after it, for an old one (NVMe 1.4 4.6).
  std::vector<Flag> wrong_phase;
};

// A completion the device has produced but not yet written into its completion queue.
struct PendingCompletion {
  uint16_t cqid = 0;
  nvme::CompletionEntry entry{};  // phase tag is added at posting
  bool fault_applied = false;     // completion faults already considered
  bool corrupt_phase = false;     // post with the wrong phase tag (fault)
};

struct InterruptRequest {
  uint32_t vector = 0;
  // Raw requests (delayed or fault-made messages) are not subject to the interrupt faults again.
  bool raw = false;
};

enum class IrqMode { kNone, kIntx, kMsi, kMsix };

struct MsixEntry {
  uint64_t address = 0;
  uint32_t data = 0;
  uint32_t control = 1;  // PCI 3.0 6.8.2.9: Mask Bit set after reset
};

class Controller {
 public:
  Controller(const DeviceConfig& config, HostBus& bus);

  // PciFunction (config_access.cc, registers.cc, interrupts.cc).
  uint32_t ConfigRead(uint16_t offset, unsigned size);
  void ConfigWrite(uint16_t offset, unsigned size, uint32_t value);
  uint64_t MmioRead(unsigned bar, uint64_t offset, unsigned size);
  void MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value);

  // Scheduling (controller.cc).
  void SetFaultPlan(const FaultPlan& plan);
  bool Step();
  void AdvanceTime(uint64_t now_ns);
  uint64_t now_ns() const { return now_ns_; }
  std::optional<uint64_t> NextDeadlineNs() const;
  std::vector<UnconsumedCompletions> UnconsumedCompletionQueues() const;
  const DeviceCounters& counters() const { return counters_; }
  uint64_t CommandsInFlight() const;
  bool ready() const { return regs_.csts & nvme::csts::kRdy; }
  bool fatal() const { return regs_.csts & nvme::csts::kCfs; }
  bool removed() const { return removed_; }
  bool intx_asserted() const { return intx_level_; }

 private:
  enum class TimedKind { kReady, kNotReady, kShutdownComplete, kInterrupt, kCompletion, kCoalesce };
  struct TimedWork {
    uint64_t due_ns;
    uint64_t sequence;  // ties broken by scheduling order
    TimedKind kind;
    uint32_t vector;
    PendingCompletion completion;
  };

  // controller.cc
  void Event(std::string_view name, uint64_t arg0 = 0, uint64_t arg1 = 0);
  void Schedule(uint64_t due_ns, TimedKind kind, uint32_t vector = 0,
                const PendingCompletion& completion = {});
  void RunTimed(const TimedWork& work);
  bool DmaRead(uint64_t address, void* destination, size_t length);
  bool DmaWrite(uint64_t address, const void* source, size_t length);
  uint64_t page_size() const;
  uint32_t max_qid() const { return static_cast<uint32_t>(sqs_.size() - 1); }

  // registers.cc
  uint64_t ReadRegisters(uint64_t offset, unsigned size) const;
  void WriteRegisterDword(uint32_t offset, uint32_t value, uint32_t byte_mask);
  void WriteCc(uint32_t value);
  void EnableController();
  void ResetController();
  void SetFatal(std::string_view why, uint64_t arg0, uint64_t arg1);

  // queues.cc
  void WriteDoorbell(uint64_t offset, uint32_t value, uint32_t byte_mask);
  bool FetchAndExecute();
  bool PostOneCompletion();
  bool HasFetchableWork() const;
  void Complete(uint16_t sqid, uint16_t cid, uint16_t status, uint32_t dw0);
  bool WriteCompletionEntry(CompletionQueue& cq, uint16_t cqid, const PendingCompletion& pc);

  // admin_commands.cc
  void ExecuteAdmin(const nvme::SubmissionEntry& sqe);
  uint16_t CreateIoCq(const nvme::SubmissionEntry& sqe);
  uint16_t CreateIoSq(const nvme::SubmissionEntry& sqe);
  uint16_t DeleteIoSq(const nvme::SubmissionEntry& sqe);
  uint16_t DeleteIoCq(const nvme::SubmissionEntry& sqe);
  uint16_t Identify(const nvme::SubmissionEntry& sqe);
  uint16_t GetLogPage(const nvme::SubmissionEntry& sqe);
  uint16_t SetFeatures(const nvme::SubmissionEntry& sqe, uint32_t* dw0);
  uint16_t GetFeatures(const nvme::SubmissionEntry& sqe, uint32_t* dw0);
  bool InterruptVectorValid(uint32_t vector) const;
  // Copies `length` bytes to or from the command's PRP buffer; returns a status.
  uint16_t TransferToHost(const nvme::SubmissionEntry& sqe, const void* data, uint64_t length);
  uint16_t TransferFromHost(const nvme::SubmissionEntry& sqe, void* data, uint64_t length);

  // io_commands.cc
  void ExecuteIo(uint16_t sqid, const nvme::SubmissionEntry& sqe);
  uint16_t ReadWrite(const nvme::SubmissionEntry& sqe, bool write);

  // interrupts.cc
  IrqMode Mode() const;
  uint32_t VectorCount() const;
  // The line an interrupt vector reaches the host on: the MSI-X entry, the MSI message it
  // aliases to, or the one pin. Keys notification_lost_ (out of SanitizerCoverage, like it).
  uint32_t LineOf(uint32_t vector) const;
  uint64_t ReadMsixBar(uint64_t offset, unsigned size) const;
  void WriteMsixBar(uint64_t offset, unsigned size, uint64_t value);
  void NoteCompletionPosted(uint16_t cqid, const CompletionQueue& cq);
  void RequestInterrupt(uint32_t vector, bool raw);
  bool DeliverOneInterrupt();
  // `cause`: a completion's message, subject to the MSI interrupt status (IS) edge rule;
  // fault-made, delayed, duplicated and released messages pass false.
  void SendVector(uint32_t vector, bool cause = false);
  void ClearConsumedInterruptStatus();
  bool SendReleasable();  // messages pending or held that an unmask has released
  void RequestReleaseCheck() { release_check_ = true; }
  void UpdateIntx();
  void WriteIntms(uint32_t bits, bool set);

  // faults.cc
  // The step's faults: true when one took the whole step (removal, fatal status, a completion
  // back after a reset); *messaged when a storm's or spurious message went out beside it.
  bool ApplyStepFaults(bool* messaged);
  bool ApplyInterruptFaults(uint32_t* vector, bool* duplicate);
  bool ApplyCompletionFaults(PendingCompletion* pc);
  static bool EveryN(uint64_t count, uint32_t n) { return n != 0 && count % n == 0; }

  DeviceConfig config_;
  HostBus& bus_;
  PciConfigSpace pci_;
  nvme::ControllerRegisters regs_{};
  FaultPlan faults_{};
  DeviceCounters counters_{};
  uint64_t plan_first_step_ = 0;  // counters_.steps when the fault plan was set

  std::vector<NamespaceStore> namespaces_;
  std::vector<SubmissionQueue> sqs_;  // index = qid, 0 = admin
  std::vector<CompletionQueue> cqs_;
  uint32_t next_sq_ =
      0;  // round-robin arbitration cursor (NVMe 1.4 4.x "Command Arbitration": round robin)
  uint32_t sqs_allocated_ = 0;  // Number of Queues feature (NVMe 1.4 5.21.1.7)
  uint32_t cqs_allocated_ = 0;
  bool io_queue_created_ = false;
  uint32_t coalescing_ = 0;                // Interrupt Coalescing feature value (5.21.1.8)
  std::vector<Flag> coalescing_disabled_;  // Interrupt Vector Configuration CD (5.21.1.9)
  std::vector<uint32_t> coalesce_count_;   // per vector: entries posted since the last message
  std::vector<Flag> coalesce_armed_;
  uint32_t features_[16] = {};  // other simple features, by FID
  std::vector<uint16_t> held_async_events_;

  std::deque<PendingCompletion> completions_;   // produced, not yet posted
  std::vector<PendingCompletion> after_reset_;  // kept across a reset by the fault plan
  std::deque<InterruptRequest> interrupts_;
  std::vector<Flag> interrupt_requested_;  // per vector: a non-raw request is queued
  // Per line (LineOf): the fault plan dropped or misrouted its last message, and none was sent
  // on it since, so the driver was never told of what the queues behind it hold
  // (UnconsumedCompletions::notification_lost). Per line, not per vector: under MSI aliasing
  // one message serves several vectors' queues, and a message on any of them tells the driver.
  std::vector<Flag> notification_lost_;
  std::vector<TimedWork> timed_;
  uint64_t timed_sequence_ = 0;
  uint64_t now_ns_ = 0;

  std::vector<MsixEntry> msix_table_;
  std::vector<Flag> msix_pending_;
  std::vector<Flag> msi_status_;  // MSI per-message IS (NVMe 1.4 7.5): set when a message is sent
  std::vector<Flag> msi_held_;    // MSI message masked by INTMS when it was due (NVMe 1.4 7.5)
  bool intx_cause_ = false;       // NVMe 1.4 7.5 IS: set on delivery, cleared when all consumed
  bool intx_spurious_ = false;    // a fault-made INTx pulse, held until the next host access
  bool intx_level_ = false;
  bool release_check_ = false;  // an unmask happened: Step sends what it released

  bool enabled_ = false;   // CC.EN as the controller has acted on it
  bool shutdown_ = false;  // CC.SHN acted on: no more commands are processed
  bool removed_ = false;
  uint32_t enable_generation_ = 0;  // tags ready/not-ready timers of one CC.EN transition

  // Fault counters (faults.cc).
  uint64_t interrupt_count_ = 0;
  uint64_t completion_count_ = 0;
  uint32_t storm_remaining_ = 0;
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_SRC_CONTROLLER_H_
