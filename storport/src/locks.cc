// Modeled spin locks and IRQL (SPEC 3), and the callback frames that take the port driver's
// entry locks and check the callback's balance on return (SPEC 4).
//
// This is the port's bookkeeping around every callback and lock operation, so most of it is
// MSIRIG_PLUMBING (plumbing.h): its branches follow the callback kind and the synchronization
// mode, which the miniport's own coverage already shows, and the ones that report a violation
// end the run. Lock contention keeps its edges (WaitForLock).
#include <cstdio>
#include <string>
#include <thread>

#include "port_state.h"
#include "tsan_scope.h"

namespace msirig::sp {
namespace {

// The modeled locks order memory for ThreadSanitizer exactly as a real lock would (DESIGN.md
// decision 2): fibers switch with no synchronization, so only these edges order their accesses.
void AnnotateAcquire(ModeledLock* lock) {
#if MSIRIG_TSAN_BUILD
  __tsan_acquire(lock);
#else
  (void)lock;
#endif
}

void AnnotateRelease(ModeledLock* lock) {
#if MSIRIG_TSAN_BUILD
  __tsan_release(lock);
#else
  (void)lock;
#endif
}

}  // namespace

const char* LockClassName(LockClass lock_class) {
  switch (lock_class) {
    case LockClass::kDpc:
      return "DpcLock";
    case LockClass::kStartIo:
      return "StartIoLock";
    case LockClass::kInterrupt:
      return "InterruptLock";
    case LockClass::kMsi:
      return "MSI lock";
  }
  return "?";
}

MSIRIG_PLUMBING ModeledLock* PortState::InterruptLocks(Adapter& adapter, uint32_t* count) {
  if (adapter.message_mode && adapter.sync_mode == InterruptSynchronizePerMessage &&
      !adapter.message_locks.empty()) {
    *count = static_cast<uint32_t>(adapter.message_locks.size());
    return adapter.message_locks.data();
  }
  *count = 1;
  return &adapter.interrupt_lock;
}

bool PortState::SpinOnRealThreads(uint64_t spins) {
  if (spins > kRealThreadSpinLimit) return false;
  // Let the other thread, the one that can end the wait, take the port lock meanwhile.
  const int depth = lock.ReleaseAll();
  std::this_thread::yield();
  lock.Reacquire(depth);
  return true;
}

MSIRIG_PLUMBING void PortState::SetIrql(uint8_t irql) {
  CpuState& cpu = Cpu();
  const uint8_t before = cpu.irql;
  cpu.irql = irql;
  if (run_dpcs_when_irql_drops && before >= DISPATCH_LEVEL && irql < DISPATCH_LEVEL &&
      !cpu.dpcs.empty() && !cpu.draining_dpcs) {
    DrainDpcs();
  }
}

MSIRIG_PLUMBING void PortState::RaiseIrql(uint8_t irql) {
  if (irql > Cpu().irql) SetIrql(irql);
}

// Instrumented, unlike the bookkeeping around it: a CPU waiting for a lock another holds is an
// interleaving the fuzzer should know it reached.
bool PortState::WaitForLock(ModeledLock& lock) {
  for (uint64_t spins = 0; lock.owner != -1; ++spins) {
    if (real_threads) {
      if (!SpinOnRealThreads(spins)) return false;
      continue;
    }
    if (!scheduler->Spin(static_cast<uint32_t>(lock.owner), &lock.owner)) return false;
  }
  return true;
}

MSIRIG_PLUMBING void PortState::AcquireLocks(Acquisition acquisition) {
  const auto me = static_cast<int32_t>(CpuIndex());
  for (uint32_t i = 0; i < acquisition.lock_count; ++i) {
    ModeledLock& lock = acquisition.locks[i];
    if (lock.owner == me) {
      char what[160];
      std::snprintf(what, sizeof what, "%s acquired by cpu %d, which already holds it",
                    LockClassName(acquisition.lock_class), me);
      // Keep going as if nothing was taken: undo this acquisition's earlier locks.
      for (uint32_t j = 0; j < i; ++j) {
        acquisition.locks[j].owner = -1;
        AnnotateRelease(&acquisition.locks[j]);
      }
      acquisition.lock_count = 0;
      Violate(Rule::kSpinLockReacquire, acquisition.adapter, what);
      break;
    }
    if (lock.owner != -1 && !WaitForLock(lock)) {
      char what[160];
      std::snprintf(what, sizeof what, "cpu %d waits for %s held by cpu %d, and no cpu can run", me,
                    LockClassName(acquisition.lock_class), lock.owner);
      for (uint32_t j = 0; j < i; ++j) {
        acquisition.locks[j].owner = -1;
        AnnotateRelease(&acquisition.locks[j]);
      }
      acquisition.lock_count = 0;
      std::string text = what;
      if (const std::string cycle = scheduler->WaitCycle(); !cycle.empty())
        text += " (wait cycle: " + cycle + ")";
      Violate(Rule::kDeadlock, acquisition.adapter, text);
      break;
    }
    lock.owner = me;
    AnnotateAcquire(&lock);
  }
  Cpu().held.push_back(acquisition);
  trace.Add(Event::kLockAcquire, CpuIndex(), Cpu().irql, LockClassName(acquisition.lock_class),
            acquisition.message, static_cast<uint64_t>(acquisition.via));
  scheduler->PreemptionPoint(PreemptKind::kLockAcquired);
}

MSIRIG_PLUMBING void PortState::ReleaseAt(size_t index, uint8_t irql_after) {
  CpuState& cpu = Cpu();
  const Acquisition acquisition = cpu.held[index];
  for (uint32_t i = acquisition.lock_count; i > 0; --i) {
    ModeledLock& lock = acquisition.locks[i - 1];
    AnnotateRelease(&lock);
    lock.owner = -1;
  }
  cpu.held.erase(cpu.held.begin() + static_cast<std::ptrdiff_t>(index));
  trace.Add(Event::kLockRelease, CpuIndex(), cpu.irql, LockClassName(acquisition.lock_class),
            acquisition.message, static_cast<uint64_t>(acquisition.via));
  SetIrql(irql_after);
  scheduler->PreemptionPoint(PreemptKind::kLockReleased);
}

MSIRIG_PLUMBING void PortState::EnterCallback(Callback callback, Adapter* adapter, uint32_t message,
                                              uint8_t irql, uint8_t entry_locks) {
  CpuState& cpu = Cpu();
  Frame frame;
  frame.callback = callback;
  frame.adapter = adapter;
  frame.message = message;
  frame.irql_before = cpu.irql;
  frame.held_base = cpu.held.size();
  cpu.frames.push_back(frame);
  if (adapter != nullptr) TsanAcquire(&adapter->lifecycle_sync);
  // Windows raises to the callback's IRQL before it takes the lock (KeAcquireInterruptSpinLock,
  // KiInterruptDispatch): a CPU spinning on an interrupt lock is already at DIRQL.
  if (irql > cpu.irql) SetIrql(irql);
  if (adapter != nullptr) {
    if (entry_locks & kEntryStartIo) {
      AcquireLocks(Acquisition{adapter, LockClass::kStartIo, AcquiredVia::kPort, 0, nullptr,
                               frame.irql_before, &adapter->startio_lock, 1});
    }
    if (entry_locks & kEntryInterrupt) {
      uint32_t count = 0;
      ModeledLock* locks = InterruptLocks(*adapter, &count);
      AcquireLocks(Acquisition{adapter, LockClass::kInterrupt, AcquiredVia::kPort, 0, nullptr,
                               frame.irql_before, locks, count});
    }
    if (entry_locks & kEntryMessage) {
      const bool per_message = adapter->sync_mode == InterruptSynchronizePerMessage &&
                               message < adapter->message_locks.size();
      ModeledLock* lock = per_message ? &adapter->message_locks[message] : &adapter->interrupt_lock;
      AcquireLocks(Acquisition{adapter, per_message ? LockClass::kMsi : LockClass::kInterrupt,
                               AcquiredVia::kPort, message, nullptr, frame.irql_before, lock, 1});
    }
  }
  Frame& top = cpu.frames.back();
  top.held_at_entry = cpu.held.size();
  top.entry_irql = cpu.irql;
  trace.Add(Event::kCallbackEnter, CpuIndex(), cpu.irql, CallbackName(callback), message);
  scheduler->PreemptionPoint(PreemptKind::kCallbackEntry);
  if (real_threads) cpu.frames.back().port_lock_depth = lock.ReleaseAll();
  if (tsan_sees_only_miniport) {
    // However deep in the port this callback starts (an ISR nested at a preemption point is
    // inside a StorPort routine), TSan sees all of it; LeaveCallback hides the port again.
    Frame& frame = cpu.frames.back();
    frame.rig_depth = cpu.rig_depth;
    for (int i = 0; i < frame.rig_depth; ++i) TsanShowMiniport();
    cpu.rig_depth = 0;
  }
}

MSIRIG_PLUMBING void PortState::LeaveCallback() {
  CpuState& cpu = Cpu();  // the same CPU for the whole call (a fiber is one virtual CPU)
  if (tsan_sees_only_miniport) {
    const int depth = cpu.frames.back().rig_depth;
    for (int i = 0; i < depth; ++i) TsanHideAgain();
    cpu.rig_depth = depth;
  }
  if (real_threads) lock.Reacquire(cpu.frames.back().port_lock_depth);
  const Frame frame = cpu.frames.back();
  if (cpu.held.size() > frame.held_at_entry) {
    char what[160];
    std::snprintf(what, sizeof what, "%s returned holding %zu lock(s) it acquired (first: %s)",
                  CallbackName(frame.callback), cpu.held.size() - frame.held_at_entry,
                  LockClassName(cpu.held[frame.held_at_entry].lock_class));
    Violate(Rule::kLockHeldOnReturn, frame.adapter, what,
            std::string(CallbackName(frame.callback)) + " returned holding " +
                LockClassName(cpu.held[frame.held_at_entry].lock_class));
    while (cpu.held.size() > frame.held_at_entry) ReleaseAt(cpu.held.size() - 1, frame.entry_irql);
  }
  if (cpu.irql != frame.entry_irql) {
    char what[160];
    std::snprintf(what, sizeof what, "%s entered at IRQL %u returned at IRQL %u",
                  CallbackName(frame.callback), frame.entry_irql, cpu.irql);
    Violate(Rule::kIrqlOnReturn, frame.adapter, what,
            std::string(CallbackName(frame.callback)) +
                (cpu.irql > frame.entry_irql ? " returned above" : " returned below") +
                " its IRQL");
    cpu.irql = frame.entry_irql;
  }
  trace.Add(Event::kCallbackExit, CpuIndex(), cpu.irql, CallbackName(frame.callback),
            frame.message);
  // Release the port driver's entry locks, innermost first, then leave the callback's IRQL.
  while (cpu.held.size() > frame.held_base) {
    const Acquisition& acquisition = cpu.held.back();
    for (uint32_t i = acquisition.lock_count; i > 0; --i) {
      AnnotateRelease(&acquisition.locks[i - 1]);
      acquisition.locks[i - 1].owner = -1;
    }
    cpu.held.pop_back();
  }
  cpu.frames.pop_back();
  SetIrql(frame.irql_before);
  scheduler->PreemptionPoint(PreemptKind::kCallbackExit);
}

}  // namespace msirig::sp
