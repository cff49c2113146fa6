// NvmeDevice: an emulated NVMe 1.4 PCIe controller behind the PciFunction bus interface, with
// device-side fault injection. It knows nothing of Storport.
//
// How a platform drives it:
//   HostBus& bus = ...;                          // DMA, MSI, INTx, event sink
//   NvmeDevice dev(DeviceConfig{...}, bus);      // powered on, CC.EN=0
//   dev.SetFaultPlan(FaultPlan{...});            // optional, any time
//   dev.ConfigRead/ConfigWrite(...)              // BAR sizing, Command register, MSI/MSI-X caps
//   dev.MmioRead/MmioWrite(bar, offset, ...)     // BAR 0: NVMe registers + doorbells;
//                                                // BAR 4: MSI-X table at 0, PBA at kMsixPbaOffset
//   while (dev.Step()) {}                        // one unit of device work per call
//   if (auto t = dev.NextDeadlineNs()) dev.AdvanceTime(*t);  // virtual time
//   dev.RunUntilIdle();                          // both of the above until nothing is left
//
// Register and config accesses take effect at once (a doorbell write records the new tail).
// All other work happens inside Step(): fetching and executing one command, posting one
// completion entry, or sending the interrupts of one vector. Messages (MSI/MSI-X) are only ever
// sent from Step(), never from inside an access, so the platform is never re-entered; the INTx
// level is a wire and follows register writes at once (SetIntx may be called from an access).
// Nothing happens on its own: no threads, no clock, no randomness.
//
// Like a real function, the device decodes its BARs only with Command.MSE set and masters DMA
// only with Command.BME set (PCI 3.0 6.2.2): the platform's bus driver sets both (0x0006).
// Every tolerated misuse and every injected fault is a HostBus::DeviceEvent whose name is listed
// in device_events.def.
#ifndef MSIRIG_HBA_NVME_DEVICE_H_
#define MSIRIG_HBA_NVME_DEVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "msirig/hba/device_config.h"
#include "msirig/hba/fault_plan.h"
#include "msirig/hba/pci_bus.h"

namespace msirig::hba {

class Controller;

// BAR layout (documented choice): BAR0/1 is the 64-bit NVMe register BAR; BAR4/5 is a 64-bit
// BAR holding the MSI-X table at offset 0 and the PBA at kMsixPbaOffset (present only with
// MSI-X). QEMU puts both in BAR0; a separate BAR keeps the doorbell range free of any stride.
inline constexpr unsigned kRegisterBar = 0;
inline constexpr unsigned kMsixBar = 4;
inline constexpr uint64_t kMsixPbaOffset = 0x8000;  // after a table of 2048 x 16 bytes

// A completion queue holding entries the host has not consumed (its head doorbell is behind the
// device's tail): an interrupt cause left unserviced when it has interrupts enabled.
struct UnconsumedCompletions {
  uint16_t cqid;
  uint16_t vector;
  bool interrupts_enabled;
  uint32_t entries;
  // The fault plan dropped or misrouted the last message of the line the queue's vector reaches
  // the host on (MSI-X entry, aliased MSI message, pin) and no message went out on that line
  // since: no interrupt-driven driver can know these entries are there (a lost MSI is not
  // re-sent).
  bool notification_lost = false;
};

struct DeviceCounters {
  uint64_t steps = 0;                  // Step() calls
  uint64_t commands_submitted = 0;     // entries the host's SQ tail doorbell writes made available
  uint64_t commands_fetched = 0;       // submission entries the device consumed
  uint64_t commands_completed = 0;     // completion entries posted (including corrupted ones)
  uint64_t completions_discarded = 0;  // executed commands whose completion was never posted
  uint64_t interrupts_sent = 0;        // MSI/MSI-X messages handed to SignalMsi
  uint64_t intx_assertions = 0;        // INTx low->high transitions
  uint64_t events = 0;                 // DeviceEvent calls
};

class NvmeDevice final : public PciFunction {
 public:
  NvmeDevice(const DeviceConfig& config, HostBus& bus);
  ~NvmeDevice() override;
  NvmeDevice(const NvmeDevice&) = delete;
  NvmeDevice& operator=(const NvmeDevice&) = delete;

  // PciFunction.
  uint32_t ConfigRead(uint16_t offset, unsigned size) override;
  void ConfigWrite(uint16_t offset, unsigned size, uint32_t value) override;
  uint64_t MmioRead(unsigned bar, uint64_t offset, unsigned size) override;
  void MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value) override;
  // A completion queue with interrupts enabled holds entries the host has not consumed.
  bool InterruptCausePending() const override;

  // Replaces the fault plan; counters restart from zero.
  void SetFaultPlan(const FaultPlan& plan);

  // One unit of pending device work. Returns false when the device had nothing it could do now
  // (idle, or waiting on virtual time or on the host, e.g. a full completion queue).
  bool Step();
  // Moves virtual time forward (never back) and makes due work runnable.
  void AdvanceTime(uint64_t now_ns);
  uint64_t NowNs() const;
  // The earliest virtual time at which timed work (ready latency, delayed interrupts, late
  // completions, coalescing timeouts) becomes due; nullopt when none is scheduled.
  std::optional<uint64_t> NextDeadlineNs() const;
  // Steps until idle, advancing time to each next deadline, at most max_steps Step() calls.
  // Returns the number of Step() calls that did work.
  uint64_t RunUntilIdle(uint64_t max_steps = 1'000'000);

  // End-of-run introspection for the oracles: per completion queue, the entries a driver can
  // see as new and has not consumed (from its head up to the first entry posted with a
  // corrupted phase tag, which no driver can tell from an old one).
  std::vector<UnconsumedCompletions> UnconsumedCompletionQueues() const;
  const DeviceCounters& Counters() const;
  // Commands the device has fetched but not yet posted a completion for, excluding held
  // Asynchronous Event Requests (NVMe 1.4 5.2: they may stay outstanding forever; this model
  // never raises an asynchronous event).
  uint64_t CommandsInFlight() const;
  bool Ready() const;    // CSTS.RDY
  bool Fatal() const;    // CSTS.CFS
  bool Removed() const;  // surprise removal took effect
  bool IntxAsserted() const;

 private:
  std::unique_ptr<Controller> controller_;
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_NVME_DEVICE_H_
