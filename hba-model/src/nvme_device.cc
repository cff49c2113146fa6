// NvmeDevice: the public face of Controller.
#include "msirig/hba/nvme_device.h"

#include "controller.h"

namespace msirig::hba {

NvmeDevice::NvmeDevice(const DeviceConfig& config, HostBus& bus)
    : controller_(std::make_unique<Controller>(config, bus)) {}
NvmeDevice::~NvmeDevice() = default;

uint32_t NvmeDevice::ConfigRead(uint16_t offset, unsigned size) {
  return controller_->ConfigRead(offset, size);
}
void NvmeDevice::ConfigWrite(uint16_t offset, unsigned size, uint32_t value) {
  controller_->ConfigWrite(offset, size, value);
}
uint64_t NvmeDevice::MmioRead(unsigned bar, uint64_t offset, unsigned size) {
  return controller_->MmioRead(bar, offset, size);
}
void NvmeDevice::MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value) {
  controller_->MmioWrite(bar, offset, size, value);
}
void NvmeDevice::SetFaultPlan(const FaultPlan& plan) { controller_->SetFaultPlan(plan); }
bool NvmeDevice::Step() { return controller_->Step(); }
void NvmeDevice::AdvanceTime(uint64_t now_ns) { controller_->AdvanceTime(now_ns); }
uint64_t NvmeDevice::NowNs() const { return controller_->now_ns(); }
std::optional<uint64_t> NvmeDevice::NextDeadlineNs() const { return controller_->NextDeadlineNs(); }

uint64_t NvmeDevice::RunUntilIdle(uint64_t max_steps) {
  uint64_t worked = 0;
  for (uint64_t calls = 0; calls < max_steps; ++calls) {
    if (controller_->Step()) {
      ++worked;
      continue;
    }
    const std::optional<uint64_t> next = controller_->NextDeadlineNs();
    if (!next || *next < controller_->now_ns()) break;
    controller_->AdvanceTime(*next);
  }
  return worked;
}

std::vector<UnconsumedCompletions> NvmeDevice::UnconsumedCompletionQueues() const {
  return controller_->UnconsumedCompletionQueues();
}
const DeviceCounters& NvmeDevice::Counters() const { return controller_->counters(); }
uint64_t NvmeDevice::CommandsInFlight() const { return controller_->CommandsInFlight(); }
bool NvmeDevice::Ready() const { return controller_->ready(); }
bool NvmeDevice::Fatal() const { return controller_->fatal(); }
bool NvmeDevice::Removed() const { return controller_->removed(); }
bool NvmeDevice::IntxAsserted() const { return controller_->intx_asserted(); }

bool NvmeDevice::InterruptCausePending() const {
  for (const UnconsumedCompletions& queue : UnconsumedCompletionQueues()) {
    if (queue.interrupts_enabled && queue.entries > 0) return true;
  }
  return false;
}

}  // namespace msirig::hba
