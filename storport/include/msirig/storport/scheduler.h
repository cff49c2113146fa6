// The scheduling hook: how the port driver hands control to whoever decides interleavings.
//
// The port driver never decides which virtual CPU runs next. At every preemption point (each
// StorPort call, register access, lock operation, callback entry and exit) it calls the hook;
// when a CPU must spin on a lock another CPU holds, it asks the hook to run something else.
// The executor (fuzz/) implements this with fibers; InlineScheduler below runs everything on the
// caller's stack, one CPU at a time, which is what unit tests and the API-contract target need.
#ifndef MSIRIG_STORPORT_SCHEDULER_H_
#define MSIRIG_STORPORT_SCHEDULER_H_

#include <cstdint>
#include <string>

namespace msirig::sp {

enum class PreemptKind : uint8_t {
  kStorPortCall,
  kRegisterRead,
  kRegisterWrite,
  kLockAcquired,
  kLockReleased,
  kCallbackEntry,
  kCallbackExit,
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // The virtual CPU whose code is running now.
  virtual uint32_t CurrentCpu() const = 0;

  // A point where the current CPU may be preempted: the scheduler may switch to another CPU,
  // deliver an interrupt to this one, or let the device make progress, then return.
  virtual void PreemptionPoint(PreemptKind kind) = 0;

  // The current CPU spins on a lock that CPU `owner` holds; `lock_owner` is the lock's owner
  // field (-1 when free), which the scheduler may watch. Returns after letting other CPUs run,
  // so the caller can look again; returns false when the wait can never end (the port then
  // reports a Deadlock; the scheduler may have described the wait cycle).
  virtual bool Spin(uint32_t owner, const int32_t* lock_owner) = 0;
  // After a Spin that returned false: the wait cycle, which CPU waits for which lock held by
  // which CPU ("" when the scheduler does not know it). The Deadlock violation's text names it.
  virtual std::string WaitCycle() const { return {}; }

  // Virtual time advanced by a stall of the current CPU (StorPortStallExecution).
  virtual void Stalled(uint64_t microseconds) {}
};

// Runs on the caller's stack. The current CPU is whatever the caller set; work "on another CPU"
// (an ISR delivered to CPU 1 while CPU 0 is inside HwStartIo) runs to completion at the point it
// is started, which is one valid interleaving. It cannot wait for a lock, so Spin() fails.
class InlineScheduler final : public Scheduler {
 public:
  uint32_t CurrentCpu() const override { return cpu_; }
  void SetCurrentCpu(uint32_t cpu) { cpu_ = cpu; }
  void PreemptionPoint(PreemptKind) override { ++preemption_points_; }
  bool Spin(uint32_t, const int32_t*) override { return false; }
  uint64_t preemption_points() const { return preemption_points_; }

 private:
  uint32_t cpu_ = 0;
  uint64_t preemption_points_ = 0;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SCHEDULER_H_
