// Controller: applying the FaultPlan. Every fault that takes effect is a named event.
#include "controller.h"

namespace msirig::hba {

bool Controller::ApplyStepFaults(bool* messaged) {
  // The 1-based index of this Step() since the fault plan was set.
  const uint64_t step = counters_.steps - plan_first_step_;
  if (faults_.surprise_removal_at_step == step) {
    Event("fault_surprise_removal", step);
    removed_ = true;
    timed_.clear();
    interrupts_.clear();
    if (intx_level_) {
      intx_level_ = false;
      bus_.SetIntx(false);
    }
    return true;
  }
  if (faults_.fatal_status_at_step == step && !fatal()) {
    SetFatal("fault_controller_fatal", step, 0);
    return true;
  }
  const uint32_t vectors = VectorCount();
  if (faults_.interrupt_storm_at_step == step && faults_.interrupt_storm_count != 0) {
    storm_remaining_ = faults_.interrupt_storm_count;
    Event("fault_interrupt_storm", faults_.interrupt_storm_vector % vectors,
          faults_.interrupt_storm_count);
  }
  // A storm's or a spurious message goes out beside the step's other work, not instead of it:
  // the controller's command processing does not wait for its interrupt logic.
  if (storm_remaining_ > 0) {
    --storm_remaining_;
    SendVector(faults_.interrupt_storm_vector % vectors);
    *messaged = true;
  } else if (EveryN(step, faults_.spurious_interrupt_every_n_steps)) {
    const uint32_t vector = faults_.spurious_interrupt_vector % vectors;
    Event("fault_interrupt_spurious", vector, step);
    SendVector(vector);
    *messaged = true;
  }
  // Completions kept across a reset reappear once their queue exists again.
  if (!after_reset_.empty() && enabled_ && ready()) {
    for (auto it = after_reset_.begin(); it != after_reset_.end(); ++it) {
      if (it->cqid <= max_qid() && cqs_[it->cqid].exists) {
        Event("fault_completion_after_reset", it->cqid, it->entry.cid);
        completions_.push_back(*it);
        after_reset_.erase(it);
        return true;
      }
    }
  }
  return false;
}

bool Controller::ApplyInterruptFaults(uint32_t* vector, bool* duplicate) {
  const uint64_t n = ++interrupt_count_;
  if (EveryN(n, faults_.drop_interrupt_every_n)) {
    Event("fault_interrupt_dropped", *vector, n);
    SetVectorFlag(notification_lost_, LineOf(*vector), true);
    return true;
  }
  if (EveryN(n, faults_.delay_interrupt_every_n) && faults_.delay_interrupt_ns != 0) {
    const uint64_t due = now_ns_ + faults_.delay_interrupt_ns;
    Event("fault_interrupt_delayed", *vector, due);
    Schedule(due, TimedKind::kInterrupt, *vector);
    return true;
  }
  if (EveryN(n, faults_.misroute_interrupt_every_n)) {
    const uint32_t misrouted = (*vector ^ faults_.misroute_vector_xor) % VectorCount();
    Event("fault_interrupt_misrouted", *vector, misrouted);
    // Lost to its own line, as a dropped one is (sending on the new line clears that one's).
    SetVectorFlag(notification_lost_, LineOf(*vector), true);
    *vector = misrouted;
  }
  if (EveryN(n, faults_.duplicate_interrupt_every_n)) {
    Event("fault_interrupt_duplicated", *vector, n);
    *duplicate = true;
  }
  return false;
}

bool Controller::ApplyCompletionFaults(PendingCompletion* pc) {
  pc->fault_applied = true;
  const uint64_t n = ++completion_count_;
  nvme::CompletionEntry& entry = pc->entry;
  if (EveryN(n, faults_.late_completion_every_n) && faults_.late_completion_ns != 0) {
    const uint64_t due = now_ns_ + faults_.late_completion_ns;
    Event("fault_completion_late", (uint64_t{entry.sq_id} << 16) | entry.cid, due);
    Schedule(due, TimedKind::kCompletion, 0, *pc);
    return true;
  }
  if (EveryN(n, faults_.corrupt_cid_every_n)) {
    const uint16_t bad = static_cast<uint16_t>(~entry.cid);
    Event("fault_completion_bad_cid", entry.cid, bad);
    entry.cid = bad;
  }
  if (EveryN(n, faults_.corrupt_sqid_every_n)) {
    const uint16_t bad = static_cast<uint16_t>(~entry.sq_id);
    Event("fault_completion_bad_sqid", entry.sq_id, bad);
    entry.sq_id = bad;
  }
  if (EveryN(n, faults_.corrupt_phase_every_n)) {
    Event("fault_completion_bad_phase", pc->cqid, cqs_[pc->cqid].tail);
    pc->corrupt_phase = true;
  }
  return false;
}

}  // namespace msirig::hba
