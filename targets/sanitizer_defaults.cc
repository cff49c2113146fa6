// Sanitizer defaults linked into every fuzz target and replay binary, so that a fuzzing run, a
// cluster run and a replay behave the same: every finding stops the process, and the engine
// saves the input that caused it. Without halt_on_error, TSan lets libFuzzer run on after a race
// report and save the wrong input as the reproducer (DESIGN.md), unless the target stops itself
// at the end of the input (the executor's targets under an engine: __tsan_default_options).
// The environment (ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS) still overrides any of these.
// report_signal_unsafe=0: libFuzzer's deadly-signal handler allocates; with halt_on_error, TSan
// would die on that report inside the handler, before libFuzzer writes the crash input (seen:
// the run hung and kept nothing).
// quarantine_size_mb=16 (ASan's default is 256): the quarantine of freed memory was most of a
// fuzzing process's resident memory, and it grows with the run (schedule_fuzz from its seeds,
// peak RSS after 120 s: 244 MB with 64, 167 MB with 32, 146 MB with 16; after 3000 runs: 433 MB
// with 256; after 40,000 runs: 198 MB with 32, 159 MB with 16; bench/RESULTS.md). One execution
// frees about half a megabyte on average, and the port keeps what the miniport may still wrongly
// touch (completed SRBs, freed pool, the uncached extension) poisoned or allocated until the run
// ends, so a use after free within a run is reported as before.
//
// Compiled without coverage instrumentation (targets/CMakeLists.txt): this file is the rig's,
// not the code under test.

#include <cstddef>
#include <cstdint>

extern "C" {

__attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "abort_on_error=1:halt_on_error=1:quarantine_size_mb=16";
}

__attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

// A target that plays scenarios under a fuzzing engine stops itself after a race report, at the
// end of the input's run (fuzz/src/executor_run.cc, __tsan_on_report: dying inside the report
// could hang libFuzzer's crash callback), so TSan must not halt there. Every other target and
// every replay binary halts in the report. Both symbols are weak: present or not at link time.
int LLVMFuzzerRunDriver(int* argc, char*** argv, int (*callback)(const uint8_t*, size_t))
    __attribute__((weak));
extern const int msirig_executor_stops_after_tsan_report __attribute__((weak));

__attribute__((used, visibility("default"))) const char* __tsan_default_options() {
  if (&msirig_executor_stops_after_tsan_report != nullptr && &LLVMFuzzerRunDriver != nullptr)
    return "halt_on_error=0:abort_on_error=1:report_signal_unsafe=0:second_deadlock_stack=1";
  return "halt_on_error=1:abort_on_error=1:report_signal_unsafe=0:second_deadlock_stack=1";
}

}  // extern "C"

#if defined(MSIRIG_TSAN_BUILD)
// With -fsanitize=fuzzer,thread, clang-14 instruments SanitizerCoverage's own counter updates,
// so two virtual CPUs (fibers) running the same ISR "race" on a counter. Those bytes belong to
// the engine: mark the whole counter section benign (DESIGN.md, facts for the executor). The
// section exists only in libFuzzer builds; the weak bounds are null elsewhere.
extern "C" {
void AnnotateBenignRaceSized(const char* file, int line, const volatile void* address, long size,
                             const char* description);
extern __attribute__((weak)) char __start___sancov_cntrs[];
extern __attribute__((weak)) char __stop___sancov_cntrs[];
}

namespace {

__attribute__((constructor)) void MarkCoverageCountersBenign() {
  const char* begin = __start___sancov_cntrs;
  const char* end = __stop___sancov_cntrs;
  if (begin == nullptr || end <= begin) return;
  AnnotateBenignRaceSized(__FILE__, __LINE__, begin, end - begin,
                          "SanitizerCoverage inline 8-bit counters");
}

}  // namespace
#endif  // MSIRIG_TSAN_BUILD
