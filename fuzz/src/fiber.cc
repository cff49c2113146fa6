// Fiber (see fiber.h).
#include "fiber.h"

#include <boost/context/detail/fcontext.hpp>
#include <cstdio>
#include <cstdlib>

#include "sanitizer_hooks.h"

namespace msirig::fuzz {

namespace ctx = boost::context::detail;

// What a switch hands to the fiber it resumes: who switched, and to whom.
struct FiberAccess {
  struct Transfer {
    Fiber* from;
    Fiber* to;
  };

  // Called on the resumed side of every switch, in the resumed fiber.
  MSIRIG_NO_TSAN static void Arrived(const ctx::transfer_t& arrival, Fiber* self) {
    auto* transfer = static_cast<Transfer*>(arrival.data);
    transfer->from->context_ = arrival.fctx;
#if MSIRIG_HAS_ASAN
    // The finishing side learns the bounds of the stack it came from: that is how the thread's
    // own fiber, which has no stack of ours, gets its bounds for the switches back to it.
    __sanitizer_finish_switch_fiber(self->asan_fake_stack_, &transfer->from->asan_bottom_,
                                    &transfer->from->asan_size_);
#else
    (void)self;
#endif
  }

  MSIRIG_NO_TSAN static void Entry(ctx::transfer_t arrival) {
    Fiber* self = static_cast<Transfer*>(arrival.data)->to;
    Arrived(arrival, self);
    self->Loop();
  }
};

Fiber::Fiber() {
#if MSIRIG_HAS_TSAN
  tsan_fiber_ = __tsan_get_current_fiber();
#endif
}

Fiber::Fiber(size_t stack_bytes) : stack_(new char[stack_bytes]) {
  asan_bottom_ = stack_.get();
  asan_size_ = stack_bytes;
  context_ = ctx::make_fcontext(stack_.get() + stack_bytes, stack_bytes, &FiberAccess::Entry);
#if MSIRIG_HAS_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
  owns_tsan_fiber_ = true;
#endif
}

Fiber::~Fiber() {
#if MSIRIG_HAS_TSAN
  if (owns_tsan_fiber_) __tsan_destroy_fiber(tsan_fiber_);
#endif
}

void Fiber::Start(std::function<void()> body, Fiber* return_to) {
  if (stack_ == nullptr || !idle() || !body) {
    std::fputs("msirig: rig error: Fiber::Start needs an idle fiber of its own and a body\n",
               stderr);
    std::abort();
  }
  body_ = std::move(body);
  busy_ = true;
  return_to_ = return_to;
}

MSIRIG_NO_TSAN void Fiber::Switch(Fiber& from, Fiber& to) {
#if MSIRIG_HAS_ASAN
  __sanitizer_start_switch_fiber(&from.asan_fake_stack_, to.asan_bottom_, to.asan_size_);
#endif
#if MSIRIG_HAS_TSAN
  // No synchronization, not even on a fiber's first entry or its return: a switch between
  // virtual CPUs must not order their memory accesses.
  __tsan_switch_to_fiber(to.tsan_fiber_, __tsan_switch_to_fiber_no_sync);
#endif
  FiberAccess::Transfer transfer{&from, &to};
  const ctx::transfer_t arrival = ctx::jump_fcontext(to.context_, &transfer);
  FiberAccess::Arrived(arrival, &from);
}

MSIRIG_NO_TSAN void Fiber::Loop() {
  for (;;) {
    {
      std::function<void()> body = std::move(body_);
      body();
    }
    busy_ = false;
    Switch(*this, *return_to_);
  }
}

}  // namespace msirig::fuzz
