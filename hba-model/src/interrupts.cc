// Controller: interrupt logic. NVMe 1.4 7.5 (pin-based, MSI single and multiple message, MSI-X,
// coalescing) over PCI 3.0 6.8 (MSI with per-vector masking, MSI-X table and PBA).
#include <cstring>

#include "controller.h"

namespace msirig::hba {
namespace {

constexpr uint64_t kCoalescingTimeUnitNs = 100'000;  // NVMe 1.4 5.21.1.8: 100 microseconds

}  // namespace

IrqMode Controller::Mode() const {
  if (pci_.msix_enabled()) return IrqMode::kMsix;
  if (pci_.msi_enabled()) return IrqMode::kMsi;
  if (!pci_.intx_disabled()) return IrqMode::kIntx;
  return IrqMode::kNone;  // polled: nothing is signalled
}

uint32_t Controller::VectorCount() const {
  switch (Mode()) {
    case IrqMode::kMsix:
      return pci_.msix_table_size();
    case IrqMode::kMsi:
      return pci_.msi_enabled_count();
    default:
      return 1;
  }
}

__attribute__((noinline, no_sanitize("coverage"))) uint32_t Controller::LineOf(
    uint32_t vector) const {
  switch (Mode()) {
    case IrqMode::kMsix:
      return vector;
    case IrqMode::kMsi:
      return vector & (pci_.msi_enabled_count() - 1);  // as SendVector aliases it
    default:
      return 0;  // one pin (or nothing) for every vector
  }
}

// PCI 3.0 6.8.2.6-6.8.2.10: table entries of 16 bytes (address low/high, data, vector
// control) at offset 0; the PBA, one bit per entry in qwords, at kMsixPbaOffset.
uint64_t Controller::ReadMsixBar(uint64_t offset, unsigned size) const {
  uint64_t value = 0;
  for (unsigned i = 0; i < size; ++i) {
    const uint64_t at = offset + i;
    uint8_t byte = 0;
    if (at < msix_table_.size() * 16) {
      const MsixEntry& entry = msix_table_[at / 16];
      uint32_t field = 0;
      switch ((at % 16) / 4) {
        case 0:
          field = static_cast<uint32_t>(entry.address);
          break;
        case 1:
          field = static_cast<uint32_t>(entry.address >> 32);
          break;
        case 2:
          field = entry.data;
          break;
        case 3:
          field = entry.control;
          break;
      }
      byte = static_cast<uint8_t>(field >> (8 * (at % 4)));
    } else if (at >= kMsixPbaOffset && (at - kMsixPbaOffset) * 8 < msix_pending_.size()) {
      const uint64_t first = (at - kMsixPbaOffset) * 8;
      for (uint64_t bit = 0; bit < 8 && first + bit < msix_pending_.size(); ++bit) {
        if (msix_pending_[first + bit]) byte |= static_cast<uint8_t>(1u << bit);
      }
    }
    value |= static_cast<uint64_t>(byte) << (8 * i);
  }
  return value;
}

void Controller::WriteMsixBar(uint64_t offset, unsigned size, uint64_t value) {
  bool unmasked = false;
  for (unsigned i = 0; i < size; ++i) {
    const uint64_t at = offset + i;
    const uint8_t byte = static_cast<uint8_t>(value >> (8 * i));
    if (at >= msix_table_.size() * 16) {
      // PCI 3.0 6.8.2.10: the PBA is read only; the rest of the BAR is reserved.
      Event(at >= kMsixPbaOffset ? "ub_msix_pba_write" : "ub_msix_reserved_write", at, byte);
      return;
    }
    MsixEntry& entry = msix_table_[at / 16];
    const unsigned shift = 8 * (at % 4);
    const uint32_t keep = ~(0xFFu << shift);
    const uint32_t put = static_cast<uint32_t>(byte) << shift;
    switch ((at % 16) / 4) {
      case 0: {
        // Message Address bits 1:0 are reserved (dword aligned).
        const uint32_t low = (static_cast<uint32_t>(entry.address) & keep) | put;
        entry.address = (entry.address & ~0xFFFFFFFFull) | (low & ~3u);
        break;
      }
      case 1: {
        const uint32_t high = (static_cast<uint32_t>(entry.address >> 32) & keep) | put;
        entry.address = (entry.address & 0xFFFFFFFFull) | (static_cast<uint64_t>(high) << 32);
        break;
      }
      case 2:
        entry.data = (entry.data & keep) | put;
        break;
      case 3: {
        const uint32_t before = entry.control;
        entry.control = ((entry.control & keep) | put) & 1;  // only the Mask Bit exists
        if ((before & 1) && !(entry.control & 1)) unmasked = true;
        break;
      }
    }
  }
  // PCI 3.0 6.8.2.9: unmasking a vector whose pending bit is set sends the message.
  if (unmasked) RequestReleaseCheck();
}

void Controller::NoteCompletionPosted(uint16_t cqid, const CompletionQueue& cq) {
  if (!cq.interrupts_enabled) return;
  const uint32_t vector = cq.vector;
  const uint32_t threshold = (coalescing_ & 0xFF) + 1;
  const uint32_t time = (coalescing_ >> 8) & 0xFF;
  // NVMe 1.4 5.21.1.8: coalescing applies to I/O completion queues only, and a zero time
  // means no delay; 5.21.1.9 lets the host exempt a vector (CD).
  if (cqid != 0 && time != 0 && !coalescing_disabled_[vector]) {
    if (++coalesce_count_[vector] >= threshold) {
      coalesce_count_[vector] = 0;
      RequestInterrupt(vector, /*raw=*/false);
    } else if (!coalesce_armed_[vector]) {
      coalesce_armed_[vector] = true;
      Schedule(now_ns_ + time * kCoalescingTimeUnitNs, TimedKind::kCoalesce, vector);
    }
    return;
  }
  RequestInterrupt(vector, /*raw=*/false);
}

void Controller::RequestInterrupt(uint32_t vector, bool raw) {
  if (!raw) {
    if (vector >= interrupt_requested_.size() || interrupt_requested_[vector]) return;
    interrupt_requested_[vector] = true;  // one message per vector per delivery (aggregation)
  }
  interrupts_.push_back(InterruptRequest{vector, raw});
}

bool Controller::DeliverOneInterrupt() {
  if (interrupts_.empty()) return false;
  const InterruptRequest request = interrupts_.front();
  interrupts_.pop_front();
  uint32_t vector = request.vector;
  if (request.raw) {
    SendVector(vector);
    return true;
  }
  interrupt_requested_[vector] = false;
  bool duplicate = false;
  if (ApplyInterruptFaults(&vector, &duplicate)) return true;  // dropped or delayed
  SendVector(vector, /*cause=*/true);
  if (duplicate) SendVector(vector);
  return true;
}

void Controller::SendVector(uint32_t vector, bool cause) {
  // Any message on the line (even a spurious one) runs the routine that drains its queues.
  SetVectorFlag(notification_lost_, LineOf(vector), false);
  switch (Mode()) {
    case IrqMode::kMsix: {
      if (vector >= msix_table_.size()) {
        Event("interrupt_vector_out_of_range", vector, msix_table_.size());
        return;
      }
      const MsixEntry& entry = msix_table_[vector];
      if (pci_.msix_function_masked() || (entry.control & 1)) {
        // PCI 3.0 6.8.2.9: held in the PBA until unmasked. Departure (allowed by PCIe): the
        // pending bit is never cleared because the cause went away.
        msix_pending_[vector] = true;
        return;
      }
      msix_pending_[vector] = false;
      ++counters_.interrupts_sent;
      bus_.SignalMsi(vector, entry.address, entry.data);
      return;
    }
    case IrqMode::kMsi: {
      // PCI 3.0 6.8.1.3/6.8.3.4: with fewer messages enabled than the device would use, the
      // function aliases its vectors onto the enabled ones (here: vector mod enabled count)
      // and puts the message number in the low bits of Message Data.
      const uint32_t enabled = pci_.msi_enabled_count();
      const uint32_t message = vector & (enabled - 1);
      // NVMe 1.4 7.5: with MSI a message is the IS bit's 0->1 edge; while IS stays set (the
      // host has not consumed every entry of the queues on that message) no new one is sent.
      if (cause) {
        if (msi_status_[message]) return;
        msi_status_[message] = true;
      }
      if ((regs_.intms >> message) & 1) {
        msi_held_[message] = true;  // NVMe 1.4 7.5: masked by INTMS, sent on INTMC
        return;
      }
      if (pci_.msi_masked(message)) {
        pci_.SetMsiPending(message, true);  // PCI 3.0 6.8.1.8: Pending Bits
        return;
      }
      pci_.SetMsiPending(message, false);
      const uint32_t data = (pci_.msi_data() & ~(enabled - 1)) | message;
      ++counters_.interrupts_sent;
      bus_.SignalMsi(message, pci_.msi_address(), data);
      return;
    }
    case IrqMode::kIntx: {
      // NVMe 1.4 7.5 (pin-based): the pin reflects IS (set here, cleared when the host consumed
      // every entry) unless INTMS masks it. A message without any posted entry behind it (a fault)
      // becomes a pulse that lasts until the host next accesses the device.
      bool cause = false;
      for (const CompletionQueue& cq : cqs_) {
        if (cq.exists && cq.interrupts_enabled && cq.head != cq.tail) cause = true;
      }
      if (cause) {
        intx_cause_ = true;
      } else {
        intx_spurious_ = true;
      }
      UpdateIntx();
      return;
    }
    case IrqMode::kNone:
      return;
  }
}

bool Controller::SendReleasable() {
  bool sent = false;
  const IrqMode mode = Mode();
  if (mode == IrqMode::kMsix && !pci_.msix_function_masked()) {
    for (uint32_t v = 0; v < msix_table_.size(); ++v) {
      if (msix_pending_[v] && !(msix_table_[v].control & 1)) {
        SendVector(v);
        sent = true;
      }
    }
  } else if (mode == IrqMode::kMsi) {
    const uint32_t enabled = pci_.msi_enabled_count();
    for (uint32_t m = 0; m < enabled; ++m) {
      const bool intms = (regs_.intms >> m) & 1;
      if (msi_held_[m] && !intms) {
        msi_held_[m] = false;
        SendVector(m);
        sent = true;
      } else if (pci_.msi_pending(m) && !pci_.msi_masked(m) && !intms) {
        SendVector(m);
        sent = true;
      }
    }
  }
  return sent;
}

void Controller::UpdateIntx() {
  const bool level = Mode() == IrqMode::kIntx && !removed_ &&
                     ((intx_cause_ && !(regs_.intms & 1)) || intx_spurious_);
  if (level == intx_level_) return;
  intx_level_ = level;
  if (level) ++counters_.intx_assertions;
  pci_.SetIntxStatus(level);
  bus_.SetIntx(level);
}

// Called when a CQ head doorbell moves: IS bits whose queues are all consumed clear (NVMe 1.4
// 7.5), and a message INTMS held for them is no longer due.
void Controller::ClearConsumedInterruptStatus() {
  bool any_cause = false;
  // One bit per MSI message (at most 32, PCI 3.0 6.8.1.3): called at every CQ head doorbell,
  // so no allocation here.
  uint64_t busy = 0;
  const uint32_t enabled = pci_.has_msi() ? pci_.msi_enabled_count() : 1;
  for (const CompletionQueue& cq : cqs_) {
    if (!cq.exists || !cq.interrupts_enabled || cq.head == cq.tail) continue;
    any_cause = true;
    busy |= uint64_t{1} << ((cq.vector & (enabled - 1)) % 64);
  }
  for (size_t m = 0; m < msi_status_.size() && m < 64; ++m) {
    if ((busy & (uint64_t{1} << m)) == 0) msi_status_[m] = msi_held_[m] = false;
  }
  if (!any_cause) intx_cause_ = false;
  UpdateIntx();
}

// NVMe 1.4 3.1.3/3.1.4: INTMS sets mask bits, INTMC clears them; both read the current mask.
void Controller::WriteIntms(uint32_t bits, bool set) {
  regs_.intms = set ? (regs_.intms | bits) : (regs_.intms & ~bits);
  regs_.intmc = regs_.intms;
  UpdateIntx();
  if (!set) RequestReleaseCheck();
}

}  // namespace msirig::hba
