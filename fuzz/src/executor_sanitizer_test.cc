// Sanitizers under the executor: TSan races between virtual CPUs, ASan and UBSan with context.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "executor_test_util.h"
#include "msirig/fuzz/executor.h"
#include "sanitizer_hooks.h"

namespace msirig::fuzz {
namespace {

using testing::Harness;
using testing::MakeStep;
using testing::MsiXScenario;

// --- ThreadSanitizer sees the virtual CPUs as threads (tsan preset only) ---

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MSIRIG_TEST_TSAN 1
#endif
#endif

int g_shared_counter = 0;

// ISRs of messages 0 and 1, on CPUs 0 and 1, increment one counter; with `locked`, under the
// MSI lock of message 2, which orders them.
[[maybe_unused]] void TwoIsrsTouchOneCounter(bool locked, bool real_threads = false) {
  Harness h;
  h.miniport.start_io = testing::SignalMessages01AndComplete;
  h.miniport.ms_isr = [locked](PVOID ext, ULONG) {
    ULONG old_irql = 0;
    if (locked) StorPortAcquireMSISpinLock(ext, 2, &old_irql);
    ++g_shared_counter;
    if (locked) StorPortReleaseMSISpinLock(ext, 2, old_irql);
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInterrupt, 0, 0),
             MakeStep(StepKind::kInterrupt, 1, 1)};
  if (!real_threads) {
    h.executor.Run(s);
    return;
  }
  // On real threads both CPUs must have their messages pending before they start.
  h.miniport.initialize = [](PVOID) {
    sp::Port::Current()->SignalMessage(0, 0);
    sp::Port::Current()->SignalMessage(0, 1);
    return TRUE;
  };
  s.steps = {MakeStep(StepKind::kInterrupt, 0, 0), MakeStep(StepKind::kInterrupt, 1, 1)};
  ExecutorOptions options = Harness::Options();
  options.real_threads = true;
  Executor threaded(options);
  threaded.Run(s);
}

TEST(ExecutorTsanDeathTest, AnUnlockedCounterOfIsrsOnTwoCpusIsAReportedRaceOnEveryReplay) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  for (int replay = 0; replay < 2; ++replay)
    EXPECT_DEATH(TwoIsrsTouchOneCounter(false),
                 "ThreadSanitizer: data race(.|\n)*msirig: scenario:\nplatform (.|\n)*"
                 "msirig: last events:(.|\n)*msirig: reproduce: tools/msirig repro executor_test "
                 "crash-<sha1>");
#endif
}

TEST(ExecutorTsanDeathTest, TheSameCounterUnderAnMsiLockIsNotReported) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_EXIT(
      {
        TwoIsrsTouchOneCounter(true);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

TEST(ExecutorTsanDeathTest, OnRealThreadsTheUnlockedCounterIsReportedToo) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_DEATH(TwoIsrsTouchOneCounter(false, /*real_threads=*/true), "ThreadSanitizer: data race");
  EXPECT_EXIT(
      {
        TwoIsrsTouchOneCounter(true, /*real_threads=*/true);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
#endif
}

// Two ISRs on two CPUs copy into one buffer through StorPortMoveMemory, with no lock: the copy
// is the miniport's own access, so TSan reports the race (the port hides only its bookkeeping).
char g_shared_buffer[16];

[[maybe_unused]] void TwoIsrsMoveMemoryIntoOneBuffer() {
  Harness h;
  h.miniport.start_io = testing::SignalMessages01AndComplete;
  h.miniport.ms_isr = [](PVOID, ULONG message) {
    char local[sizeof g_shared_buffer];
    std::memset(local, static_cast<int>(message), sizeof local);
    StorPortMoveMemory(g_shared_buffer, local, sizeof local);
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kFlush, 0), MakeStep(StepKind::kInterrupt, 0, 0),
             MakeStep(StepKind::kInterrupt, 1, 1)};
  h.executor.Run(s);
}

TEST(ExecutorTsanDeathTest, CopiesThroughStorPortMoveMemoryAreTheMiniportsAccesses) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_DEATH(TwoIsrsMoveMemoryIntoOneBuffer(), "ThreadSanitizer: data race");
#endif
}

// CPU 1's request is completed BUSY while the miniport holds CPU 0's; the ISR on CPU 0 completes
// that one, and Storport's retry runs the BUSY request's HwBuildIo on CPU 0. Storport's own
// locks order the retry after the BUSY completion, so HwBuildIo's writes to the SRB extension on
// the two CPUs are no race; a write after the BUSY completion (`touch_after_busy`) is one. The
// script's own state is relaxed atomics: no race of its own, and no order between the CPUs.
std::atomic<PSCSI_REQUEST_BLOCK> g_held{nullptr};
std::atomic<bool> g_gave_busy{false};

[[maybe_unused]] void BusyOnOneCpuRetriedOnTheOther(bool touch_after_busy) {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  Harness h;
  g_held.store(nullptr, kRelaxed);
  g_gave_busy.store(false, kRelaxed);
  h.miniport.build_io = [](PVOID, PSCSI_REQUEST_BLOCK srb) {
    static_cast<volatile char*>(srb->SrbExtension)[0] = 1;
    return TRUE;
  };
  h.miniport.start_io = [touch_after_busy](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    const bool holding = g_held.load(kRelaxed) != nullptr;
    if (!holding && !g_gave_busy.load(kRelaxed)) {
      g_held.store(srb, kRelaxed);  // pending until the ISR of message 0
      sp::Port::Current()->SignalMessage(0, 0);
      return TRUE;
    }
    if (holding) g_gave_busy.store(true, kRelaxed);
    srb->SrbStatus = holding ? SRB_STATUS_BUSY : SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    if (touch_after_busy && holding) static_cast<volatile char*>(srb->SrbExtension)[0] = 2;
    return TRUE;
  };
  h.miniport.ms_isr = [](PVOID ext, ULONG) {
    PSCSI_REQUEST_BLOCK held = g_held.exchange(nullptr, kRelaxed);
    if (held == nullptr) return FALSE;
    held->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, held);
    return TRUE;
  };
  Scenario s = MsiXScenario(4);
  s.steps = {MakeStep(StepKind::kRead, 0, 0, 1), MakeStep(StepKind::kRead, 1, 8, 1),
             MakeStep(StepKind::kInterrupt, 0, 0)};
  const ExecutionResult result = h.executor.Run(s);
  std::fprintf(stderr, "completed %zu, busy given %d\n", result.requests_completed,
               g_gave_busy.load(kRelaxed) ? 1 : 0);
}

TEST(ExecutorTsanDeathTest, ABusyRetryOnAnotherCpuIsOrderedAfterTheBusyCompletion) {
#ifndef MSIRIG_TEST_TSAN
  GTEST_SKIP() << "ThreadSanitizer runs in the tsan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
  EXPECT_EXIT(
      {
        BusyOnOneCpuRetriedOnTheOther(false);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "completed 2, busy given 1");
  EXPECT_DEATH(BusyOnOneCpuRetriedOnTheOther(true), "ThreadSanitizer: data race");
#endif
}

extern "C" void msirig_set_current_input(const char* path);

// A sanitizer's report gets the context a verifier finding has: the scenario as text, the last
// events, and the command that reproduces it, naming the input the replay driver runs.
TEST(ExecutorAsanDeathTest, AUseAfterFreeInTheMiniportPrintsTheScenarioAndTheReproduceCommand) {
#if !MSIRIG_HAS_ASAN
  GTEST_SKIP() << "AddressSanitizer runs in the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto planted = [] {
    msirig_set_current_input("/tmp/inputs/crash-1234");
    Harness h;
    h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
      auto* freed = new int[4]{};
      delete[] freed;
      srb->SrbStatus = static_cast<UCHAR>(SRB_STATUS_SUCCESS + freed[1]);  // read after free
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    };
    Scenario s = MsiXScenario(2);
    s.steps = {MakeStep(StepKind::kWrite, 1, 8, 1, 0x5a)};
    h.executor.Run(s);
  };
  EXPECT_DEATH(planted(),
               "heap-use-after-free(.|\n)*msirig: scenario:\nplatform (.|\n)*"
               "write cpu=1 lba=8 blocks=1 pattern=0x5a\n(.|\n)*msirig: last events:(.|\n)*"
               "msirig: reproduce: tools/msirig repro executor_test /tmp/inputs/crash-1234\n");
#endif
}

// A pool block overrun far past ASan's own redzone (a message id indexing a small table) lands in
// the block's guard (PortState::kPoolGuardBytes), whatever the heap put next to it, and the
// report says which block and how far past its end.
TEST(ExecutorAsanDeathTest, AFarPoolOverrunIsReportedWithTheBlockAndTheDistance) {
#if !MSIRIG_HAS_ASAN
  GTEST_SKIP() << "AddressSanitizer runs in the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto planted = [] {
    Harness h;
    h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
      PVOID table = nullptr;
      StorPortAllocatePool(ext, 5 * sizeof(ULONG), 'tseT', &table);
      // Live blocks of the same size around it, where an unguarded overrun could land unseen.
      PVOID neighbours[8];
      for (PVOID& n : neighbours) StorPortAllocatePool(ext, 5 * sizeof(ULONG), 'tseT', &n);
      volatile ULONG hits = static_cast<PULONG>(table)[1000];  // 3980 bytes past the end
      srb->SrbStatus = static_cast<UCHAR>(SRB_STATUS_SUCCESS + (hits & 0));
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    };
    Scenario s = MsiXScenario(2);
    s.steps = {MakeStep(StepKind::kFlush, 0)};
    h.executor.Run(s);
  };
  EXPECT_DEATH(planted(),
               "AddressSanitizer: use-after-poison(.|\n)*msirig: the address ASan reported is "
               "pool block #1 \\(20 bytes\\), 3980 bytes past its end\n");
#endif
}

// UBSan too (its report hook; the asan preset builds with -fsanitize=undefined and no recovery).
// UBSan calls the hook just before it prints its report, so the context comes first.
TEST(ExecutorAsanDeathTest, UndefinedBehaviourInTheMiniportPrintsTheScenarioToo) {
#if !MSIRIG_HAS_ASAN
  GTEST_SKIP() << "UndefinedBehaviorSanitizer runs in the asan preset";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto planted = [] {
    msirig_set_current_input("/tmp/inputs/crash-5678");
    Harness h;
    h.miniport.start_io = [](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
      volatile int big = 0x7FFFFFFF;
      const int sum = big + static_cast<int>(srb->Cdb[0] != 0xFF);  // signed overflow
      srb->SrbStatus = static_cast<UCHAR>(sum == 0 ? SRB_STATUS_SUCCESS : SRB_STATUS_SUCCESS);
      StorPortNotification(RequestComplete, ext, srb);
      return TRUE;
    };
    Scenario s = MsiXScenario(2);
    s.steps = {MakeStep(StepKind::kFlush, 0)};
    h.executor.Run(s);
  };
  EXPECT_DEATH(planted(),
               "msirig: scenario:\nplatform (.|\n)*msirig: last events:\n  #(.|\n)*"
               "msirig: reproduce: tools/msirig repro executor_test /tmp/inputs/crash-5678\n"
               "(.|\n)*runtime error: signed integer overflow");
#endif
}

}  // namespace
}  // namespace msirig::fuzz
