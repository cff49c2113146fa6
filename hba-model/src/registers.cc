// Controller: NVMe controller registers (NVMe 1.4 3.1) and the enable, reset and shutdown
// handshakes (NVMe 1.4 7.6.1, 7.6.2, 7.3).
#include <cstring>

#include "controller.h"

namespace msirig::hba {
namespace {

uint64_t AllOnes(unsigned size) { return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; }

uint32_t ByteMaskBits(uint32_t byte_mask) {
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    if (byte_mask & (1u << i)) bits |= 0xFFu << (8 * i);
  }
  return bits;
}

}  // namespace

uint64_t Controller::MmioRead(unsigned bar, uint64_t offset, unsigned size) {
  if (removed_) return AllOnes(size);  // surprise removal: every read is all ones
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    Event("ub_mmio_bad_size", offset, size);
    return AllOnes(8);
  }
  if (intx_spurious_) {  // a fault-made INTx pulse lasts until the host touches the device
    intx_spurious_ = false;
    UpdateIntx();
  }
  // PCI 3.0 6.2.2: without Memory Space Enable the function does not decode its BARs.
  if (!pci_.memory_enabled()) {
    Event("ub_mmio_memory_disabled", bar, offset);
    return AllOnes(size);
  }
  if (bar == kRegisterBar && offset + size <= pci_.bar0_size() && offset + size > offset) {
    // NVMe 1.4 3.1: registers are accessed at their natural alignment.
    if (offset % size != 0) Event("ub_mmio_misaligned", offset, size);
    return ReadRegisters(offset, size);
  }
  if (bar == kMsixBar && pci_.has_msix() && offset + size <= pci_.msix_bar_size() &&
      offset + size > offset) {
    return ReadMsixBar(offset, size);
  }
  Event("ub_mmio_outside_bars", bar, offset);
  return AllOnes(size);
}

void Controller::MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value) {
  if (removed_) return;
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    Event("ub_mmio_bad_size", offset, size);
    return;
  }
  if (intx_spurious_) {
    intx_spurious_ = false;
    UpdateIntx();
  }
  if (!pci_.memory_enabled()) {
    Event("ub_mmio_memory_disabled", bar, offset);
    return;
  }
  if (bar == kMsixBar && pci_.has_msix() && offset + size <= pci_.msix_bar_size() &&
      offset + size > offset) {
    WriteMsixBar(offset, size, value);
    return;
  }
  if (bar != kRegisterBar || offset + size > pci_.bar0_size() || offset + size <= offset) {
    Event("ub_mmio_outside_bars", bar, offset);
    return;
  }
  if (offset % size != 0) Event("ub_mmio_misaligned", offset, size);
  // Split into the dwords the access touches; a 64-bit write to ASQ/ACQ is two dword writes.
  for (uint64_t dword = offset & ~3ull; dword < offset + size; dword += 4) {
    uint32_t part = 0;
    uint32_t byte_mask = 0;
    for (unsigned i = 0; i < 4; ++i) {
      const uint64_t at = dword + i;
      if (at < offset || at >= offset + size) continue;
      part |= static_cast<uint32_t>((value >> (8 * (at - offset))) & 0xFF) << (8 * i);
      byte_mask |= 1u << i;
    }
    if (dword < nvme::kDoorbellBase) {
      WriteRegisterDword(static_cast<uint32_t>(dword), part, byte_mask);
    } else {
      WriteDoorbell(dword, part, byte_mask);
    }
    if (removed_) return;
  }
}

uint64_t Controller::ReadRegisters(uint64_t offset, unsigned size) const {
  uint8_t bytes[8] = {};
  const auto* file = reinterpret_cast<const uint8_t*>(&regs_);
  for (unsigned i = 0; i < size; ++i) {
    // NVMe 1.4 3.1.24/3.1.25: doorbells are write-only; this model reads them as zero.
    if (offset + i < sizeof(regs_)) bytes[i] = file[offset + i];
  }
  uint64_t value = 0;
  std::memcpy(&value, bytes, sizeof(value));
  return value & AllOnes(size);
}

void Controller::WriteRegisterDword(uint32_t offset, uint32_t value, uint32_t byte_mask) {
  const uint32_t bits = ByteMaskBits(byte_mask);
  auto merge = [&](uint32_t current) { return (current & ~bits) | (value & bits); };
  switch (offset) {
    case nvme::kRegIntms:  // NVMe 1.4 3.1.3 INTMS, write 1 to set
    case nvme::kRegIntmc:  // NVMe 1.4 3.1.4 INTMC, write 1 to clear
      // NVMe 1.4 3.1.3: the host shall not access INTMS/INTMC when MSI-X is in use.
      if (Mode() == IrqMode::kMsix) {
        Event("ub_intm_with_msix", offset, value);
        return;
      }
      WriteIntms(value & bits, offset == nvme::kRegIntms);
      return;
    case nvme::kRegCc:  // NVMe 1.4 3.1.5 CC
      WriteCc(merge(regs_.cc));
      return;
    case nvme::kRegAqa:  // NVMe 1.4 3.1.8 AQA: ACQS 27:16, ASQS 11:00
      regs_.aqa = merge(regs_.aqa) & 0x0FFF0FFF;
      return;
    case nvme::kRegAsq:  // NVMe 1.4 3.1.9 ASQ: bits 11:00 reserved
      regs_.asq =
          (regs_.asq & ~0xFFFFFFFFull) | (merge(static_cast<uint32_t>(regs_.asq)) & ~0xFFFu);
      return;
    case nvme::kRegAsq + 4:
      regs_.asq = (regs_.asq & 0xFFFFFFFFull) |
                  (static_cast<uint64_t>(merge(static_cast<uint32_t>(regs_.asq >> 32))) << 32);
      return;
    case nvme::kRegAcq:  // NVMe 1.4 3.1.10 ACQ: bits 11:00 reserved
      regs_.acq =
          (regs_.acq & ~0xFFFFFFFFull) | (merge(static_cast<uint32_t>(regs_.acq)) & ~0xFFFu);
      return;
    case nvme::kRegAcq + 4:
      regs_.acq = (regs_.acq & 0xFFFFFFFFull) |
                  (static_cast<uint64_t>(merge(static_cast<uint32_t>(regs_.acq >> 32))) << 32);
      return;
    case nvme::kRegCap:  // NVMe 1.4 3.1.1 CAP, read only
    case nvme::kRegCap + 4:
    case nvme::kRegVs:    // 3.1.2 VS, read only
    case nvme::kRegCsts:  // 3.1.6 CSTS, read only
      Event("ub_write_read_only_register", offset, value);
      return;
    default:  // NSSR (CAP.NSSRS=0), CMB, boot partitions, PMR: not implemented, reserved
      Event("ub_write_reserved_register", offset, value);
      return;
  }
}

void Controller::WriteCc(uint32_t value) {
  const uint32_t old = regs_.cc;
  value &= nvme::cc::kWritableMask;
  // NVMe 1.4 3.1.5: CSS, MPS and AMS shall only be changed while CC.EN is 0; the model keeps
  // the values it was enabled with.
  constexpr uint32_t kFrozenWhileEnabled = 0x3FF0;
  if ((old & nvme::cc::kEn) && (value & nvme::cc::kEn) && ((old ^ value) & kFrozenWhileEnabled)) {
    Event("ub_cc_changed_while_enabled", old, value);
    value = (value & ~kFrozenWhileEnabled) | (old & kFrozenWhileEnabled);
  }
  regs_.cc = value;
  if (!(old & nvme::cc::kEn) && (value & nvme::cc::kEn)) EnableController();
  if ((old & nvme::cc::kEn) && !(value & nvme::cc::kEn)) ResetController();
  // NVMe 1.4 7.6.2: a shutdown notification moves SHST to "occurring", then "complete".
  // Departure: from then on the controller fetches no further commands.
  const uint32_t shn = (value >> nvme::cc::kShnShift) & 3;
  const uint32_t old_shn = (old >> nvme::cc::kShnShift) & 3;
  if (shn != 0 && old_shn == 0) {
    shutdown_ = true;
    regs_.csts = (regs_.csts & ~nvme::csts::kShstMask) | nvme::csts::kShstOccurring;
    if (config_.shutdown_latency_ns == 0) {
      regs_.csts = (regs_.csts & ~nvme::csts::kShstMask) | nvme::csts::kShstComplete;
    } else {
      Schedule(now_ns_ + config_.shutdown_latency_ns, TimedKind::kShutdownComplete);
    }
  }
}

void Controller::EnableController() {
  // NVMe 1.4 7.6.1: the host waits for CSTS.RDY=0 before setting CC.EN again.
  if (regs_.csts & nvme::csts::kRdy) Event("ub_enable_before_not_ready", regs_.cc);
  const uint32_t cc = regs_.cc;
  const uint32_t mps = (cc >> nvme::cc::kMpsShift) & 0xF;
  const uint32_t asqs = (regs_.aqa & 0xFFF) + 1;
  const uint32_t acqs = ((regs_.aqa >> 16) & 0xFFF) + 1;
  const uint64_t page = 4096ull << mps;
  const bool valid = ((cc >> nvme::cc::kCssShift) & 7) == 0 && mps <= 4 &&
                     ((cc >> nvme::cc::kAmsShift) & 7) == 0 && asqs >= 2 && acqs >= 2 &&
                     asqs <= config_.max_queue_entries && acqs <= config_.max_queue_entries &&
                     (regs_.asq & (page - 1)) == 0 && (regs_.acq & (page - 1)) == 0;
  if (!valid) {
    // Departure (undefined in the spec): the model never becomes ready; the host times out.
    Event("ub_enable_invalid_config", cc, regs_.aqa);
    return;
  }
  enabled_ = true;
  shutdown_ = false;
  regs_.csts &= ~(nvme::csts::kShstMask | nvme::csts::kCfs);
  sqs_[0] = SubmissionQueue{true, regs_.asq, asqs, 0, 0, 0};
  CompletionQueue acq;
  acq.exists = true;
  acq.base = regs_.acq;
  acq.size = acqs;
  acq.interrupts_enabled = true;  // NVMe 1.4 7.5: the admin CQ always uses vector 0
  acq.vector = 0;
  cqs_[0] = acq;
  ++enable_generation_;
  if (config_.ready_latency_ns == 0) {
    regs_.csts |= nvme::csts::kRdy;
  } else {
    Schedule(now_ns_ + config_.ready_latency_ns, TimedKind::kReady, enable_generation_);
  }
}

// NVMe 1.4 7.3.2 Controller Level Reset via CC.EN 1->0: all queues deleted, outstanding commands
// abandoned without completions, registers other than AQA/ASQ/ACQ/CC back to defaults.
void Controller::ResetController() {
  enabled_ = false;
  shutdown_ = false;
  auto keep_or_discard = [&](const PendingCompletion& pc) {
    if (faults_.complete_after_reset) {
      PendingCompletion kept = pc;
      kept.fault_applied = true;
      after_reset_.push_back(kept);
    } else {
      ++counters_.completions_discarded;
    }
  };
  for (const PendingCompletion& pc : completions_) keep_or_discard(pc);
  completions_.clear();
  std::vector<TimedWork> kept_timers;
  for (const TimedWork& work : timed_) {
    if (work.kind == TimedKind::kCompletion) {
      keep_or_discard(work.completion);
    } else if (work.kind == TimedKind::kInterrupt || work.kind == TimedKind::kShutdownComplete) {
      kept_timers.push_back(work);  // a delayed message is already on its way
    }
  }
  timed_ = std::move(kept_timers);
  counters_.completions_discarded += held_async_events_.size();
  held_async_events_.clear();
  interrupts_.clear();
  interrupt_requested_.assign(interrupt_requested_.size(), false);
  notification_lost_.assign(notification_lost_.size(), false);
  for (auto& sq : sqs_) sq = SubmissionQueue{};
  for (auto& cq : cqs_) cq = CompletionQueue{};
  next_sq_ = 0;
  sqs_allocated_ = cqs_allocated_ = config_.io_queue_pairs_max;
  io_queue_created_ = false;
  coalescing_ = 0;
  coalescing_disabled_.assign(coalescing_disabled_.size(), false);
  coalesce_count_.assign(coalesce_count_.size(), 0);
  coalesce_armed_.assign(coalesce_armed_.size(), false);
  for (uint32_t& f : features_) f = 0;
  regs_.intms = regs_.intmc = 0;
  msi_held_.assign(msi_held_.size(), false);
  msi_status_.assign(msi_status_.size(), false);
  intx_cause_ = false;
  UpdateIntx();
  // Departure: a reset also clears CSTS.CFS (the host's only way out of a fatal state here).
  regs_.csts &= ~(nvme::csts::kCfs | nvme::csts::kShstMask);
  ++enable_generation_;
  if (config_.ready_latency_ns == 0) {
    regs_.csts &= ~nvme::csts::kRdy;
  } else {
    Schedule(now_ns_ + config_.ready_latency_ns, TimedKind::kNotReady, enable_generation_);
  }
}

// NVMe 1.4 9.5: a fatal condition the controller cannot report in a completion queue.
void Controller::SetFatal(std::string_view why, uint64_t arg0, uint64_t arg1) {
  regs_.csts |= nvme::csts::kCfs;
  Event(why, arg0, arg1);
}

}  // namespace msirig::hba
