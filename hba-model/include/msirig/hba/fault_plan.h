// FaultPlan: device-side faults as data (DESIGN.md decision 5). Every knob is a deterministic
// counter or step index, never randomness; zero disables a knob. Each fault, when it takes
// effect, is reported through HostBus::DeviceEvent under the name given beside it.
//
// Counting conventions:
//  - "every_n" knobs count a stream of events from 1 and fire on the n-th, 2n-th, ...: interrupt
//    messages the device is about to send (one per vector per Step), or completion entries it is
//    about to post.
//  - "at_step" knobs fire during the Step() call with that 1-based index, counted from the
//    SetFaultPlan call (the first Step() after it is 1); so do "every_n_steps" knobs.
//  - Vectors named by the plan are taken modulo the number of vectors of the interrupt mode in
//    use (MSI-X table size, MSI messages enabled, 1 for INTx): a device cannot signal others.
//    Fault-made messages (spurious, storm, duplicate, delayed) ignore the MSI IS edge rule.
#ifndef MSIRIG_HBA_FAULT_PLAN_H_
#define MSIRIG_HBA_FAULT_PLAN_H_

#include <cstdint>

namespace msirig::hba {

struct FaultPlan {
  // Interrupts (counted over interrupt messages the device sends, per Step).
  uint32_t drop_interrupt_every_n = 0;       // "fault_interrupt_dropped" (vector, count)
  uint32_t duplicate_interrupt_every_n = 0;  // "fault_interrupt_duplicated" (vector, count)
  uint32_t misroute_interrupt_every_n = 0;   // "fault_interrupt_misrouted" (vector, new vector)
  uint32_t misroute_vector_xor = 1;          //   new vector = (vector ^ xor) mod vector count
  uint32_t delay_interrupt_every_n = 0;      // "fault_interrupt_delayed" (vector, due time)
  uint64_t delay_interrupt_ns = 0;           //   how long a delayed interrupt waits
  // A message on spurious_interrupt_vector every n-th Step with no completion behind it. Like a
  // storm's, it goes out beside the Step's command work, not instead of it.
  uint32_t spurious_interrupt_every_n_steps = 0;  // "fault_interrupt_spurious" (vector, step)
  uint32_t spurious_interrupt_vector = 0;
  // Interrupt storm: from this step on, one message per Step on the storm vector, count times.
  uint64_t interrupt_storm_at_step = 0;  // "fault_interrupt_storm" (vector, count)
  uint32_t interrupt_storm_count = 0;
  uint32_t interrupt_storm_vector = 0;

  // Completions (counted over completion entries the device is about to post).
  uint32_t late_completion_every_n = 0;  // "fault_completion_late" (sqid<<16|cid, due time)
  uint64_t late_completion_ns = 0;
  // Hold completions until this many are ready (or the device has nothing else to do), then
  // post them newest first: "fault_completion_reordered" (count, 0).
  uint32_t out_of_order_window_commands = 0;
  uint32_t corrupt_cid_every_n = 0;    // "fault_completion_bad_cid" (real cid, posted cid)
  uint32_t corrupt_sqid_every_n = 0;   // "fault_completion_bad_sqid" (real sqid, posted sqid)
  uint32_t corrupt_phase_every_n = 0;  // "fault_completion_bad_phase" (cqid, slot)
  // Completions the device had not posted when the host reset it (CC.EN 1->0) are kept and
  // posted once the host recreates a completion queue with the same id after re-enabling:
  // "fault_completion_after_reset" (cqid, cid). Without this knob they are discarded, as the
  // spec says (NVMe 1.4 7.3.2: a reset aborts outstanding commands without completions).
  bool complete_after_reset = false;

  // Controller state.
  uint64_t surprise_removal_at_step = 0;  // "fault_surprise_removal": all-ones reads from then on
  uint64_t fatal_status_at_step = 0;      // "fault_controller_fatal": CSTS.CFS=1, processing stops
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_FAULT_PLAN_H_
