// Executor: plays one Scenario against the port driver, the HBA model and a miniport, on
// virtual CPUs that are fibers of one OS thread (DESIGN.md decisions 1-3).
//
// How a scenario plays:
//  - CPU 0 loads the miniport (DriverEntry) and starts the adapter; then the steps run in order.
//  - A step runs on its CPU's fiber. Every StorPort call, register access, lock operation and
//    callback entry or exit is a preemption point; a step whose `preempt` is n suspends its CPU
//    at its n-th point, and the following steps run while it waits there. A later step for that
//    CPU first lets it finish, except an interrupt step, which runs nested at the suspension
//    point: an ISR between a queue write and its doorbell. A step on another CPU overlaps it.
//  - A CPU that spins on a lock another CPU holds is parked; the holder runs until it releases
//    it. A state where every CPU in a chain waits for the next is a Deadlock, reported with the
//    wait cycle.
//  - Virtual time moves only by steps and stalls; the device works only in device steps, stalls
//    and the final drain. No wall clock, no global RNG: the same scenario gives the same trace.
//  - At the end the executor resumes every suspended CPU, then drains: device progress, pending
//    interrupts delivered to CPU 0, DPCs, timers, until nothing changes. Then the end-of-run
//    oracles: every request completed exactly once, reads returning what was written, no lock
//    held, every CPU at PASSIVE_LEVEL, no completion queue left holding entries.
#ifndef MSIRIG_FUZZ_EXECUTOR_H_
#define MSIRIG_FUZZ_EXECUTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "msirig/fuzz/scenario.h"
#include "msirig/storport/port.h"

namespace msirig::fuzz {

struct ExecutorOptions {
  // The miniport's DriverEntry (each miniport binary has its own).
  sp::DriverEntryRoutine driver_entry = nullptr;
  // kAbort: a finding prints its report and aborts (fuzzing, replay). kRecord: it is collected
  // in the result (tests).
  sp::VerifierMode verifier_mode = sp::VerifierMode::kAbort;
  size_t stack_bytes = 256 * 1024;
  // Printed in a finding report as the command that reproduces it ("" = none). "{input}" in it
  // stands for the input: the file the replay driver runs (msirig_set_current_input), else
  // where the fuzzing engine saves it. Every finding prints it: the verifier's, a sanitizer's
  // (their report hooks, while a scenario plays) and a contract probe's.
  std::string reproduce_command;
  // Stress mode, the complement for ThreadSanitizer (DESIGN.md decision 2): after the adapter
  // starts, each virtual CPU's steps run on an OS thread of its own, truly concurrently, the
  // port driver behind its port lock and the modeled locks as real spin locks; preemption points
  // are ignored. Not deterministic: what it finds, the fibers replay. The drain and the oracles
  // then run as usual.
  bool real_threads = false;
  // Record every event of every run, and which step each virtual CPU starts when (`mark`
  // lines), into this recorder (not owned; null: none, or the process's, see
  // msirig/storport/trace_recorder.h). `tools/msirig show` draws the chart from it.
  sp::TraceRecorder* trace_recorder = nullptr;
};

// Coverage marks: how often a run reached the interleavings that break real miniports (SPEC 5,
// DESIGN.md decision 3). Tests assert that their scenarios hit them.
struct WindowMarks {
  // An ISR ran while HwStartIo waited at a register write (a doorbell) on some CPU, its own
  // (nested) or another (overlapping).
  uint32_t isr_before_doorbell = 0;
  // A message ISR ran nested inside another ISR on one CPU.
  uint32_t isr_nested_in_isr = 0;
  // A DPC ran while another CPU was suspended inside a miniport routine.
  uint32_t dpc_beside_callback = 0;
  // HwResetBus ran while the device held commands it had fetched and not yet completed.
  uint32_t reset_with_device_work = 0;
};

struct ExecutionResult {
  // False when the miniport failed the start (HwFindAdapter or HwInitialize failed; legitimate,
  // a finding only where a verifier rule says so): then no step ran, and a recorded trace says
  // "adapter start failed".
  bool adapter_started = false;
  std::vector<sp::Violation> violations;  // kRecord mode
  uint64_t trace_hash = 0;
  uint64_t trace_events = 0;
  size_t requests_completed = 0;
  size_t deadlocks = 0;
  WindowMarks marks;
};

class Executor {
 public:
  explicit Executor(ExecutorOptions options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Plays `scenario` (normalized first). Fibers are reused from run to run.
  ExecutionResult Run(const Scenario& scenario);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_EXECUTOR_H_
