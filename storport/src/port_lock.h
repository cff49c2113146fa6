// PortLock: what makes the port driver safe for real OS threads (the executor's stress mode).
// Recursive per thread, because a StorPort routine may run a miniport callback (a DPC when the
// IRQL drops, a nested ISR) that calls StorPort again; released completely around every
// miniport callback, which runs truly concurrently with the other CPUs. Its synchronization is
// hidden from ThreadSanitizer: a rig lock handed between threads would order the miniport's
// accesses and hide its races (DESIGN.md, the real-threads fact). Only the modeled Storport
// locks order them.
#ifndef MSIRIG_STORPORT_SRC_PORT_LOCK_H_
#define MSIRIG_STORPORT_SRC_PORT_LOCK_H_

#include <atomic>
#include <mutex>
#include <thread>

namespace msirig::sp {

class PortLock {
 public:
  void Lock();
  void Unlock();
  // Releases every level this thread holds and says how many; Reacquire takes them back.
  int ReleaseAll();
  void Reacquire(int depth);

 private:
  std::mutex mutex_;
  std::atomic<std::thread::id> owner_{};
  int depth_ = 0;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_PORT_LOCK_H_
