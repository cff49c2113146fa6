// Controller: construction, Step/AdvanceTime scheduling, DMA gatekeeping and introspection.
#include "controller.h"

#include <algorithm>

namespace msirig::hba {
namespace {

constexpr uint32_t kMaxVectors = 2048;

DeviceConfig Sanitize(DeviceConfig config) {
  config.msix_vectors = std::clamp<uint32_t>(config.msix_vectors, 1, kMaxVectors);
  config.msi_messages = std::clamp<uint32_t>(config.msi_messages, 1, 32);
  config.max_queue_entries = std::clamp<uint32_t>(config.max_queue_entries, 2, 65536);
  config.doorbell_stride_shift = std::min<uint32_t>(config.doorbell_stride_shift, 8);
  config.io_queue_pairs_max = std::clamp<uint32_t>(config.io_queue_pairs_max, 1, 64);
  config.mdts_pages_log2 = std::min<uint8_t>(config.mdts_pages_log2, 10);
  if (config.namespaces.size() > 64) config.namespaces.resize(64);
  return config;
}

}  // namespace

Controller::Controller(const DeviceConfig& config, HostBus& bus)
    : config_(Sanitize(config)), bus_(bus), pci_(config_) {
  for (const NamespaceConfig& ns : config_.namespaces) {
    namespaces_.emplace_back(ns.size_blocks, ns.block_size_bytes);
  }
  sqs_.resize(config_.io_queue_pairs_max + 1);
  cqs_.resize(config_.io_queue_pairs_max + 1);
  sqs_allocated_ = cqs_allocated_ = config_.io_queue_pairs_max;
  coalescing_disabled_.assign(kMaxVectors, false);
  coalesce_count_.assign(kMaxVectors, 0);
  coalesce_armed_.assign(kMaxVectors, false);
  interrupt_requested_.assign(kMaxVectors, false);
  notification_lost_.assign(kMaxVectors, false);
  msix_table_.resize(pci_.msix_table_size());
  msix_pending_.assign(pci_.msix_table_size(), false);
  msi_held_.assign(32, false);
  msi_status_.assign(32, false);

  // NVMe 1.4 3.1.1 CAP: contiguous queues required, round robin only, NVM command set,
  // memory page sizes 4 KiB (MPSMIN 0) to 64 KiB (MPSMAX 4), no NVM subsystem reset.
  regs_.cap = (config_.max_queue_entries - 1) | nvme::cap::kCqr |
              (static_cast<uint64_t>(config_.timeout_500ms) << nvme::cap::kToShift) |
              (static_cast<uint64_t>(config_.doorbell_stride_shift) << nvme::cap::kDstrdShift) |
              nvme::cap::kCssNvm | (0ull << nvme::cap::kMpsminShift) |
              (4ull << nvme::cap::kMpsmaxShift);
  regs_.vs = 0x00010400;  // NVMe 1.4 3.1.2: MJR 1, MNR 4, TER 0
}

void Controller::Event(std::string_view name, uint64_t arg0, uint64_t arg1) {
  ++counters_.events;
  bus_.DeviceEvent(name, arg0, arg1);
}

void Controller::Schedule(uint64_t due_ns, TimedKind kind, uint32_t vector,
                          const PendingCompletion& completion) {
  timed_.push_back(TimedWork{due_ns, timed_sequence_++, kind, vector, completion});
}

void Controller::SetFaultPlan(const FaultPlan& plan) {
  faults_ = plan;
  plan_first_step_ = counters_.steps;  // "at_step" and "every_n_steps" count from here
  interrupt_count_ = 0;
  completion_count_ = 0;
  storm_remaining_ = 0;
}

uint64_t Controller::page_size() const {
  return 4096ull << ((regs_.cc >> nvme::cc::kMpsShift) & 0xF);
}

// PCI 3.0 6.2.2: a function may master the bus only with Bus Master Enable set.
bool Controller::DmaRead(uint64_t address, void* destination, size_t length) {
  if (!pci_.bus_master_enabled()) {
    Event("ub_dma_without_bus_master", address, length);
    return false;
  }
  return bus_.DmaRead(address, destination, length);
}

bool Controller::DmaWrite(uint64_t address, const void* source, size_t length) {
  if (!pci_.bus_master_enabled()) {
    Event("ub_dma_without_bus_master", address, length);
    return false;
  }
  return bus_.DmaWrite(address, source, length);
}

// One unit of work, in a fixed priority order: step-indexed faults, one interrupt delivery,
// one completion entry, one command (a storm's or spurious message goes out beside it). Interrupts first so a posted completion's message goes
// out before the next command is even fetched, as a real controller's would.
bool Controller::Step() {
  ++counters_.steps;
  if (removed_) return false;
  bool messaged = false;
  if (ApplyStepFaults(&messaged)) return true;
  if (removed_) return false;
  if (release_check_) {
    release_check_ = false;
    if (SendReleasable()) return true;
  }
  if (DeliverOneInterrupt()) return true;
  if (PostOneCompletion()) return true;
  if (FetchAndExecute()) return true;
  return messaged;
}

void Controller::AdvanceTime(uint64_t now_ns) {
  if (now_ns < now_ns_ || removed_) return;
  now_ns_ = now_ns;
  while (true) {
    auto due = timed_.end();
    for (auto it = timed_.begin(); it != timed_.end(); ++it) {
      if (it->due_ns > now_ns_) continue;
      if (due == timed_.end() || it->due_ns < due->due_ns ||
          (it->due_ns == due->due_ns && it->sequence < due->sequence)) {
        due = it;
      }
    }
    if (due == timed_.end()) return;
    const TimedWork work = *due;
    timed_.erase(due);
    RunTimed(work);
  }
}

void Controller::RunTimed(const TimedWork& work) {
  switch (work.kind) {
    case TimedKind::kReady:
      if (enabled_ && work.vector == enable_generation_) regs_.csts |= nvme::csts::kRdy;
      break;
    case TimedKind::kNotReady:
      if (!enabled_ && work.vector == enable_generation_) regs_.csts &= ~nvme::csts::kRdy;
      break;
    case TimedKind::kShutdownComplete:
      regs_.csts = (regs_.csts & ~nvme::csts::kShstMask) | nvme::csts::kShstComplete;
      break;
    case TimedKind::kInterrupt:
      RequestInterrupt(work.vector, /*raw=*/true);
      break;
    case TimedKind::kCompletion:
      completions_.push_back(work.completion);
      break;
    case TimedKind::kCoalesce:
      coalesce_armed_[work.vector] = false;
      if (coalesce_count_[work.vector] > 0) {
        coalesce_count_[work.vector] = 0;
        RequestInterrupt(work.vector, /*raw=*/false);
      }
      break;
  }
}

std::optional<uint64_t> Controller::NextDeadlineNs() const {
  std::optional<uint64_t> next;
  for (const TimedWork& work : timed_) {
    if (!next || work.due_ns < *next) next = work.due_ns;
  }
  return next;
}

// Bookkeeping for the end-of-run oracle only: out of line and out of SanitizerCoverage, so that
// it adds no edges that would steer a fuzzer (a fixed -seed run must stay the same run).
__attribute__((noinline, no_sanitize("coverage"))) void SetVectorFlag(std::vector<Flag>& flags,
                                                                      uint32_t vector,
                                                                      bool value) {
  if (vector < flags.size()) flags[vector] = value;
}
__attribute__((noinline, no_sanitize("coverage"))) bool VectorFlag(const std::vector<Flag>& flags,
                                                                   uint32_t vector) {
  return vector < flags.size() && flags[vector];
}

std::vector<UnconsumedCompletions> Controller::UnconsumedCompletionQueues() const {
  std::vector<UnconsumedCompletions> result;
  for (size_t qid = 0; qid < cqs_.size(); ++qid) {
    const CompletionQueue& cq = cqs_[qid];
    if (!cq.exists || cq.head == cq.tail) continue;
    // Only the entries a driver can see as new: from its head up to the first one posted with
    // the wrong phase tag.
    uint32_t visible = 0;
    for (uint32_t slot = cq.head % cq.size; slot != cq.tail; slot = (slot + 1) % cq.size) {
      if (slot < cq.wrong_phase.size() && cq.wrong_phase[slot]) break;
      ++visible;
    }
    if (visible == 0) continue;
    result.push_back({static_cast<uint16_t>(qid), cq.vector, cq.interrupts_enabled, visible,
                      VectorFlag(notification_lost_, LineOf(cq.vector))});
  }
  return result;
}

uint64_t Controller::CommandsInFlight() const {
  uint64_t in_flight = completions_.size();
  for (const TimedWork& work : timed_) {
    if (work.kind == TimedKind::kCompletion) ++in_flight;
  }
  return in_flight;
}

}  // namespace msirig::hba
