// Executor::Impl: the executor's state, shared by executor.cc (CPUs and scheduling),
// executor_run.cc (one run: setup, steps, drain, oracles) and request_oracle.cc.
#ifndef MSIRIG_FUZZ_SRC_EXECUTOR_IMPL_H_
#define MSIRIG_FUZZ_SRC_EXECUTOR_IMPL_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "fiber.h"
#include "msirig/fuzz/executor.h"
#include "msirig/hba/nvme_device.h"
#include "request_oracle.h"
#include "sanitizer_hooks.h"

namespace msirig::fuzz {

inline constexpr bool kTsanBuild = MSIRIG_HAS_TSAN;

// In ExecutorOptions::reproduce_command, replaced by the input being replayed.
inline constexpr std::string_view kInputPlaceholder = "{input}";
// The input file the replay driver runs now ("" under a fuzzing engine).
const std::string& CurrentInput();

class Executor::Impl final : public sp::Scheduler {
 public:
  explicit Impl(ExecutorOptions options);
  ~Impl() override;

  ExecutionResult Run(const Scenario& scenario);
  // The scenario as text, the wait cycle, the last events and the reproduce command: what a
  // finding prints after its own lines (the verifier's, a sanitizer's, a contract probe's).
  std::string FindingContext();
  // While playing, a sanitizer report prints FindingContext (executor_run.cc).
  void SetPlaying(bool playing);

  // sp::Scheduler, called on the virtual CPUs' fibers.
  uint32_t CurrentCpu() const override;
  void PreemptionPoint(sp::PreemptKind kind) override;
  bool Spin(uint32_t owner, const int32_t* lock_owner) override;
  void Stalled(uint64_t microseconds) override;
  std::string WaitCycle() const override;

 private:
  static constexpr uint32_t kMain = std::numeric_limits<uint32_t>::max();
  // Device steps: at most so many, and no more than so many in a row that move no command
  // (StepDevice), per stall of a CPU and per round of the drain.
  static constexpr int kStallDeviceSteps = 64;
  static constexpr int kStallIdleSteps = 8;
  static constexpr int kDrainRounds = 256;
  static constexpr int kDrainRoundSteps = 4096;
  static constexpr int kDrainIdleSteps = 64;

  enum class State : uint8_t { kIdle, kRunning, kSuspended, kSpinning };
  struct Cpu {
    std::unique_ptr<Fiber> fiber;
    State state = State::kIdle;
    uint32_t countdown = 0;  // preemption points left before the CPU suspends; 0 = never
    uint32_t waits_for = 0;  // the CPU holding the lock it spins on
    const int32_t* waiting_on = nullptr;  // that lock's owner field (null: not a lock)
    bool give_up = false;                 // its wait can never end
    std::vector<uint32_t> nested;         // interrupts to take where it is suspended
    bool taking_nested = false;           // running one of them right now
    sp::PreemptKind suspended_at = sp::PreemptKind::kStorPortCall;
    std::vector<std::string_view> suspended_in;  // its miniport routines when it suspended
  };

  Cpu& CpuAt(uint32_t index);
  // ThreadSanitizer only: gives the run a state of TSan's that no earlier run shaped
  // (executor_run.cc).
  void StartTsanFresh();
  // On a CPU fiber: back to the main fiber, until the CPU is driven again.
  void ToMain();
  void Suspend(sp::PreemptKind kind);
  // At a miniport routine's entry: counts the windows it opens (WindowMarks).
  void NoteWindows();
  // On the main fiber: run CPU `index` until it suspends or its work is done, resolving its
  // lock waits by running the holders.
  void Drive(uint32_t index);
  enum class Wait : uint8_t { kResolved, kParked, kDeadlock };
  Wait ResolveWait(uint32_t index);
  // "cpuN waits for <lock> held by cpuM", for the wait cycle of a Deadlock.
  std::string WaitOf(uint32_t index) const;
  std::string LockName(const int32_t* owner_field) const;
  // Whether CPU `index` still waits for something the CPU it names holds.
  bool StillBlocked(uint32_t index) const;
  // Lets a suspended CPU run its work to the end.
  void Finish(uint32_t index);
  // Runs `body` on CPU `index` (after its earlier work), suspending at the `preempt`-th point.
  void RunOn(uint32_t index, uint16_t preempt, std::function<void()> body);
  void InterruptOn(uint32_t index, uint16_t preempt, uint32_t message);
  // A resume step: a suspended CPU runs on to its `preempt`-th next point (0: to its end).
  void ResumeOn(uint32_t index, uint16_t preempt);
  // With a trace recorder: what the CPU about to run starts, for a `mark` line ("" without
  // one). Steps reach RunOn/InterruptOn in scenario order, then the drain (executor.cc).
  std::string StepLabel();

  // executor_run.cc
  void Play(const Step& step);
  // What a step does, on the current CPU (a fiber's or, in stress mode, a thread's).
  void Act(const Step& step);
  // Stress mode: the steps of each CPU on an OS thread of its own (executor_threads.cc).
  void PlayOnThreads(const std::vector<Step>& steps);
  void Probe(const Step& step);
  // Release probes (steps.def `args`): hold another message's MSI lock first, or this one's.
  static constexpr uint32_t kReleaseOtherFirst = 8;
  static constexpr uint32_t kReleaseSameFirst = 16;
  // Whether the trace since event `since` has this CPU's verifier verdict `rule` (a probe's
  // calls are traced, not reported).
  bool TracedViolation(uint64_t since, sp::Rule rule) const;
  // Something in the run may now fail requests (RequestOracle::ExplainFailures), from any CPU.
  void ExplainFailures();
  void Drain();
  bool StepDevice(int max_steps, int max_idle);
  void CheckOracles();
  void CheckResourcesSettled();    // the port's own accounting, once the run drained
  std::string DeviceView() const;  // where the device stands, for end-of-run findings
  void AdvanceTime(uint32_t cpu, uint64_t nanoseconds);

  ExecutorOptions options_;
  Fiber main_;
  std::vector<Cpu> cpus_;
  uint32_t current_ = kMain;
  bool threads_ = false;  // stress mode, while the worker threads run
  std::vector<uint32_t> resolving_;
  std::string wait_cycle_;
  // ThreadSanitizer edges of a run as a whole: its setup happens before any of its work, and all
  // of its work before its result. Main acquires the CPUs' history only when the run is over,
  // so these never order two virtual CPUs' accesses within a run.
  char run_start_ = 0;
  char run_end_ = 0;
  size_t deadlocks_ = 0;
  WindowMarks marks_;
  size_t next_marked_step_ = 0;                   // the scenario step StepLabel names next
  std::vector<std::string_view> callback_stack_;  // NoteWindows' scratch, kept to not allocate

  // One run.
  Scenario scenario_;
  std::unique_ptr<sp::Port> port_;
  std::unique_ptr<hba::NvmeDevice> device_;
  uint32_t adapter_ = 0;
  bool started_ = false;
  RequestOracle requests_;
};

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SRC_EXECUTOR_IMPL_H_
