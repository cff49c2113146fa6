// Controller: doorbells, command fetch with round-robin arbitration, and completion posting
// (NVMe 1.4 4.1 Submission and Completion Queues, 4.6 Completion Queue Entry, round-robin "Command
// Arbitration").
#include <algorithm>

#include "controller.h"

namespace msirig::hba {

// NVMe 1.4 3.1.24 SQyTDBL / 3.1.25 CQyHDBL.
void Controller::WriteDoorbell(uint64_t offset, uint32_t value, uint32_t byte_mask) {
  const uint64_t stride = 4ull << config_.doorbell_stride_shift;
  const uint64_t relative = offset - nvme::kDoorbellBase;
  if (relative % stride != 0) {
    Event("ub_doorbell_reserved_offset", offset, value);
    return;
  }
  const uint64_t index = relative / stride;
  const uint64_t qid = index / 2;
  const bool is_cq = index & 1;
  if (byte_mask != 0xF) Event("ub_doorbell_partial_write", offset, byte_mask);
  value &= 0xFFFF;  // bits 31:16 reserved
  if (!enabled_ || !ready()) {
    Event("ub_doorbell_before_ready", index, value);
    return;
  }
  if (fatal()) {
    Event("ub_doorbell_while_fatal", index, value);
    return;
  }
  if (is_cq) {
    if (qid > max_qid() || !cqs_[qid].exists) {
      Event("ub_doorbell_nonexistent_queue", index, value);
      return;
    }
    CompletionQueue& cq = cqs_[qid];
    if (value >= cq.size) {
      Event("ub_cq_head_out_of_range", qid, value);
      return;
    }
    // NVMe 1.4 4.1: the head may only move over entries the controller has posted. Writing a
    // value beyond the tail is an invalid doorbell write (an asynchronous event in the spec;
    // this model has no AER support, so it records the event and ignores the write).
    const uint32_t advance = (value + cq.size - cq.head) % cq.size;
    const uint32_t posted = (cq.tail + cq.size - cq.head) % cq.size;
    if (advance > posted) {
      Event("ub_cq_head_beyond_tail", qid, value);
      return;
    }
    // Departure (the spec is silent): no message is re-sent when entries remain unconsumed.
    cq.head = value;
    cq.full_reported = false;
    ClearConsumedInterruptStatus();
    return;
  }
  if (qid > max_qid() || !sqs_[qid].exists) {
    Event("ub_doorbell_nonexistent_queue", index, value);
    return;
  }
  SubmissionQueue& sq = sqs_[qid];
  if (value >= sq.size) {
    Event("ub_sq_tail_out_of_range", qid, value);
    return;
  }
  if (shutdown_) Event("ub_doorbell_after_shutdown", qid, value);
  counters_.commands_submitted += (value + sq.size - sq.tail) % sq.size;
  sq.tail = value;
}

// Asked at every device step, and a stalling CPU steps the device: a plain loop, kept out of
// SanitizerCoverage (its answer shows in FetchAndExecute's coverage; its per-queue comparisons
// were a tenth of a polling miniport's run).
__attribute__((no_sanitize("coverage"))) bool Controller::HasFetchableWork() const {
  if (!enabled_ || !ready() || fatal() || shutdown_) return false;
  for (const SubmissionQueue& sq : sqs_) {
    if (sq.exists && sq.head != sq.tail) return true;
  }
  return false;
}

bool Controller::FetchAndExecute() {
  if (!HasFetchableWork()) return false;
  const uint32_t count = static_cast<uint32_t>(sqs_.size());
  uint32_t qid = 0;
  for (uint32_t i = 0; i < count; ++i) {
    qid = (next_sq_ + i) % count;
    if (sqs_[qid].exists && sqs_[qid].head != sqs_[qid].tail) break;
  }
  next_sq_ = (qid + 1) % count;
  SubmissionQueue& sq = sqs_[qid];
  nvme::SubmissionEntry sqe{};
  const uint64_t address = sq.base + static_cast<uint64_t>(sq.head) * sizeof(sqe);
  if (!DmaRead(address, &sqe, sizeof(sqe))) {
    // Departure (implementation specific in the spec): the command cannot even be identified,
    // so no completion can report it: Controller Fatal Status, NVMe 1.4 9.5.
    SetFatal("ub_dma_unmapped_sq_entry", qid, address);
    return true;
  }
  sq.head = (sq.head + 1) % sq.size;
  ++counters_.commands_fetched;
  if (qid == 0) {
    ExecuteAdmin(sqe);
  } else {
    ExecuteIo(static_cast<uint16_t>(qid), sqe);
  }
  return true;
}

void Controller::Complete(uint16_t sqid, uint16_t cid, uint16_t status, uint32_t dw0) {
  PendingCompletion pc;
  pc.cqid = sqs_[sqid].cqid;
  pc.entry.dw0 = dw0;
  pc.entry.sq_head = static_cast<uint16_t>(sqs_[sqid].head);
  pc.entry.sq_id = sqid;
  pc.entry.cid = cid;
  pc.entry.status = status & 0xFFFE;
  completions_.push_back(pc);
}

bool Controller::PostOneCompletion() {
  if (completions_.empty() || fatal() || !enabled_) return false;
  const uint32_t window = faults_.out_of_order_window_commands;
  // Out-of-order fault: hold completions until the window is full or nothing else can run.
  if (window > 1 && completions_.size() < window && HasFetchableWork()) return false;
  std::vector<size_t> order;
  const size_t limit = window > 1 ? std::min<size_t>(window, completions_.size()) : 1;
  for (size_t i = limit; i-- > 0;) order.push_back(i);
  for (size_t i = limit; i < completions_.size(); ++i) order.push_back(i);
  for (size_t index : order) {
    PendingCompletion pc = completions_[index];
    if (pc.cqid > max_qid() || !cqs_[pc.cqid].exists) {
      completions_.erase(completions_.begin() + static_cast<ptrdiff_t>(index));
      ++counters_.completions_discarded;
      Event("completion_queue_missing", pc.cqid, pc.entry.cid);
      return true;
    }
    CompletionQueue& cq = cqs_[pc.cqid];
    // NVMe 1.4 4.1: a queue is full when the tail is one behind the head; the controller
    // waits for the host to free an entry.
    if ((cq.tail + 1) % cq.size == cq.head) {
      if (!cq.full_reported) {
        cq.full_reported = true;
        Event("cq_full_stall", pc.cqid, pc.entry.cid);
      }
      continue;
    }
    completions_.erase(completions_.begin() + static_cast<ptrdiff_t>(index));
    if (!pc.fault_applied && ApplyCompletionFaults(&pc)) return true;  // deferred
    if (index != 0) {
      Event("fault_completion_reordered", (uint64_t{pc.entry.sq_id} << 16) | pc.entry.cid, index);
    }
    WriteCompletionEntry(cq, pc.cqid, pc);
    return true;
  }
  return false;
}

bool Controller::WriteCompletionEntry(CompletionQueue& cq, uint16_t cqid,
                                      const PendingCompletion& pc) {
  nvme::CompletionEntry entry = pc.entry;
  if (entry.sq_id <= max_qid() && sqs_[entry.sq_id].exists) {
    entry.sq_head = static_cast<uint16_t>(sqs_[entry.sq_id].head);
  }
  const bool phase = cq.phase != pc.corrupt_phase;
  entry.status = static_cast<uint16_t>((entry.status & 0xFFFE) | (phase ? 1 : 0));
  const uint64_t address = cq.base + static_cast<uint64_t>(cq.tail) * sizeof(entry);
  if (!DmaWrite(address, &entry, sizeof(entry))) {
    SetFatal("ub_dma_unmapped_cq_entry", cqid, address);
    return false;
  }
  if (cq.wrong_phase.size() != cq.size) cq.wrong_phase.assign(cq.size, false);
  cq.wrong_phase[cq.tail] = pc.corrupt_phase;
  cq.tail = (cq.tail + 1) % cq.size;
  if (cq.tail == 0) cq.phase = !cq.phase;  // NVMe 1.4 4.6: the phase inverts on each wrap
  ++counters_.commands_completed;
  NoteCompletionPosted(cqid, cq);
  return true;
}

}  // namespace msirig::hba
