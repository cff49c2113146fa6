// Which sanitizers this translation unit is built with, and their interfaces.
#ifndef MSIRIG_FUZZ_SRC_SANITIZER_HOOKS_H_
#define MSIRIG_FUZZ_SRC_SANITIZER_HOOKS_H_

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSIRIG_HAS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define MSIRIG_HAS_TSAN 1
#endif
#endif

#ifndef MSIRIG_HAS_ASAN
#define MSIRIG_HAS_ASAN 0
#endif
#ifndef MSIRIG_HAS_TSAN
#if defined(MSIRIG_TSAN_BUILD) && MSIRIG_TSAN_BUILD
#define MSIRIG_HAS_TSAN 1  // uninstrumented rig code in a TSan build still switches fibers
#else
#define MSIRIG_HAS_TSAN 0
#endif
#endif

#if MSIRIG_HAS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if MSIRIG_HAS_TSAN
#include <sanitizer/tsan_interface.h>
#endif

// The executor's bookkeeping is touched by every fiber: it stays out of TSan's view, which is
// for the miniport's accesses only (DESIGN.md, facts for the executor).
#define MSIRIG_NO_TSAN __attribute__((no_sanitize("thread")))

// The scheduling plumbing that runs at every preemption point (which CPU is current, counting
// down to a suspension) stays out of SanitizerCoverage and UBSan's vptr check: it takes the same
// branches in every run, so it gives the fuzzer no signal, and both cost more than its work
// (storport/src/plumbing.h says the same for the port driver).
#ifndef MSIRIG_PLUMBING
#define MSIRIG_PLUMBING __attribute__((no_sanitize("coverage", "vptr")))
#endif

#endif  // MSIRIG_FUZZ_SRC_SANITIZER_HOOKS_H_
