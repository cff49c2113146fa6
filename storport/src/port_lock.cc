// PortLock (see port_lock.h).
#include "port_lock.h"

#include "tsan_scope.h"

#if MSIRIG_TSAN_BUILD
extern "C" {
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
}
#define MSIRIG_IGNORE_SYNC_BEGIN() AnnotateIgnoreSyncBegin(__FILE__, __LINE__)
#define MSIRIG_IGNORE_SYNC_END() AnnotateIgnoreSyncEnd(__FILE__, __LINE__)
#else
#define MSIRIG_IGNORE_SYNC_BEGIN()
#define MSIRIG_IGNORE_SYNC_END()
#endif

namespace msirig::sp {

void PortLock::Lock() {
  const std::thread::id me = std::this_thread::get_id();
  if (owner_.load(std::memory_order_relaxed) == me) {
    ++depth_;
    return;
  }
  MSIRIG_IGNORE_SYNC_BEGIN();
  mutex_.lock();
  MSIRIG_IGNORE_SYNC_END();
  owner_.store(me, std::memory_order_relaxed);
  depth_ = 1;
}

void PortLock::Unlock() {
  if (--depth_ > 0) return;
  owner_.store(std::thread::id(), std::memory_order_relaxed);
  MSIRIG_IGNORE_SYNC_BEGIN();
  mutex_.unlock();
  MSIRIG_IGNORE_SYNC_END();
}

int PortLock::ReleaseAll() {
  if (owner_.load(std::memory_order_relaxed) != std::this_thread::get_id()) return 0;
  const int depth = depth_;
  depth_ = 1;
  Unlock();
  return depth;
}

void PortLock::Reacquire(int depth) {
  if (depth == 0) return;
  Lock();
  depth_ = depth;
}

}  // namespace msirig::sp
