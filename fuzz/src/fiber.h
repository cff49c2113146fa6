// Fiber: one virtual CPU's stack, switched in user space (Boost.Context fcontext, about 30 ns)
// and announced to the sanitizers: ASan's fiber-switch annotations keep its stack bookkeeping
// right, and ThreadSanitizer sees each fiber as a thread of its own, switched with no
// synchronization, so only the modeled locks order memory between virtual CPUs (DESIGN.md
// decision 2 and its measured facts).
#ifndef MSIRIG_FUZZ_SRC_FIBER_H_
#define MSIRIG_FUZZ_SRC_FIBER_H_

#include <cstddef>
#include <functional>
#include <memory>

namespace msirig::fuzz {

class Fiber {
 public:
  // The fiber of the calling OS thread (it runs on the thread's own stack).
  Fiber();
  // A fiber with a stack of its own, idle until Start().
  explicit Fiber(size_t stack_bytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Gives `body` to this idle fiber. It runs when the fiber is switched to; when it returns, the
  // fiber switches to `return_to` and is idle again (and can be started again: fibers are
  // pooled, as creating them per input costs milliseconds under the sanitizers).
  void Start(std::function<void()> body, Fiber* return_to);
  bool idle() const { return !busy_; }

  // Suspends `from`, which must be the running fiber, and runs `to`.
  static void Switch(Fiber& from, Fiber& to);

 private:
  friend struct FiberAccess;
  [[noreturn]] void Loop();

  void* context_ = nullptr;  // boost::context::detail::fcontext_t while suspended
  std::unique_ptr<char[]> stack_;
  [[maybe_unused]] const void* asan_bottom_ = nullptr;  // bounds ASan is told on a switch here
  [[maybe_unused]] size_t asan_size_ = 0;
  [[maybe_unused]] void* asan_fake_stack_ = nullptr;  // used in ASan builds
  [[maybe_unused]] void* tsan_fiber_ = nullptr;       // used in TSan builds
  [[maybe_unused]] bool owns_tsan_fiber_ = false;
  std::function<void()> body_;
  bool busy_ = false;  // from Start() until its body returns
  Fiber* return_to_ = nullptr;
};

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SRC_FIBER_H_
