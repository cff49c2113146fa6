// E2eWorld: one emulated machine for end-to-end tests: the port driver, an NVMe device on the
// adapter's bus, and the miniport under test (its DriverEntry), driven deterministically on
// one OS thread. Scenarios speak SCSI (CDBs in, data and status out), so they hold for any NVMe
// Storport miniport built with msirig_miniport().
#ifndef MSIRIG_TESTS_E2E_E2E_WORLD_H_
#define MSIRIG_TESTS_E2E_E2E_WORLD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "msirig/hba/device_config.h"
#include "msirig/hba/fault_plan.h"
#include "msirig/hba/nvme_device.h"
#include "msirig/storport/platform.h"
#include "msirig/storport/port.h"
#include "msirig/storport/scheduler.h"

extern "C" ULONG DriverEntry(PVOID driver_object, PVOID registry_path);

namespace msirig::e2e {

// Runs everything on the caller's stack like InlineScheduler, and lets the device make progress
// while the miniport stalls (StorPortStallExecution), as real hardware does meanwhile.
class StallingScheduler final : public sp::Scheduler {
 public:
  uint32_t CurrentCpu() const override { return cpu_; }
  void SetCurrentCpu(uint32_t cpu) { cpu_ = cpu; }
  void PreemptionPoint(sp::PreemptKind) override {}
  bool Spin(uint32_t, const int32_t*) override { return false; }
  void Stalled(uint64_t microseconds) override;
  void Attach(sp::Port* port, hba::NvmeDevice* device) {
    port_ = port;
    device_ = device;
  }

 private:
  uint32_t cpu_ = 0;
  sp::Port* port_ = nullptr;
  hba::NvmeDevice* device_ = nullptr;
};

// CDBs, as a class driver builds them.
namespace cdb {
sp::RequestSpec Read10(uint32_t lba, uint16_t blocks, uint32_t block_size);
sp::RequestSpec Write10(uint32_t lba, const std::vector<uint8_t>& data, uint32_t block_size);
sp::RequestSpec Read16(uint64_t lba, uint32_t blocks, uint32_t block_size);
sp::RequestSpec Write16(uint64_t lba, const std::vector<uint8_t>& data, uint32_t block_size);
sp::RequestSpec SynchronizeCache10();
sp::RequestSpec Inquiry(bool evpd, uint8_t page, uint16_t allocation);
sp::RequestSpec ReadCapacity10();
sp::RequestSpec ReadCapacity16(uint32_t allocation);
sp::RequestSpec ReportLuns(uint32_t allocation);
sp::RequestSpec Raw(std::vector<uint8_t> bytes, uint32_t data_in_length);
}  // namespace cdb

// A deterministic pattern for `blocks` blocks starting at `lba`, tagged by `seed`.
std::vector<uint8_t> Pattern(uint64_t lba, uint32_t blocks, uint32_t block_size, uint32_t seed);

struct WorldConfig {
  sp::PlatformConfig platform;
  hba::DeviceConfig device;
  hba::FaultPlan faults;
};

// A device that can be granted up to 64 MSI-X and 32 MSI messages.
WorldConfig DefaultConfig();

class E2eWorld {
 public:
  explicit E2eWorld(const WorldConfig& config);
  ~E2eWorld();

  // DriverEntry, PnP start; true when the adapter runs.
  bool Start();

  sp::Port& port() { return *port_; }
  hba::NvmeDevice& device() { return *device_; }
  uint32_t adapter() const { return adapter_; }
  uint32_t block_size() const { return config_.device.namespaces[0].block_size_bytes; }
  void SetCpu(uint32_t cpu) { scheduler_.SetCurrentCpu(cpu); }

  uint64_t Submit(const sp::RequestSpec& spec) { return port_->SubmitRequest(adapter_, spec); }

  // Device steps, pending interrupts delivered on the current CPU, DPCs, device deadlines,
  // until nothing is left to do. False when it did not settle within `max_rounds`.
  bool RunUntilQuiet(int max_rounds = 20000);
  // One round of the above without advancing time. Returns whether anything happened.
  bool RunOnce();
  // Delivers whatever is pending on the current CPU. Returns how many ISRs ran.
  int DeliverPending();
  // Advances virtual time (miniport timer, request timeouts) and runs until quiet, repeatedly,
  // until no request is outstanding or `seconds` have passed.
  void RecoverFor(uint32_t seconds);

  // The completion of `tag`, or null while it is outstanding.
  const sp::CompletedRequest* Completion(uint64_t tag) const;
  // Submits, runs until quiet, returns the completion (fails the test if none).
  sp::CompletedRequest Execute(const sp::RequestSpec& spec);

  // Every tag completed once, nothing outstanding, CheckEndOfRun; returns violations as text
  // (empty when clean).
  std::string EndOfRunFindings(uint64_t submitted);

 private:
  WorldConfig config_;
  StallingScheduler scheduler_;
  std::unique_ptr<sp::Port> port_;
  std::unique_ptr<hba::NvmeDevice> device_;
  uint32_t adapter_ = 0;
};

}  // namespace msirig::e2e

#endif  // MSIRIG_TESTS_E2E_E2E_WORLD_H_
