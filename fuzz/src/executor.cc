// Executor: virtual CPUs as fibers, preemption, lock waits and deadlocks, the drain, and the
// end-of-run oracles (see msirig/fuzz/executor.h).
#include "msirig/fuzz/executor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "executor_impl.h"
#include "msirig/fuzz/scenario_text.h"
#include "msirig/hba/nvme_device.h"
#include "port_state.h"
#include "tsan_scope.h"

namespace msirig::fuzz {

Executor::Executor(ExecutorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Executor::~Executor() = default;
ExecutionResult Executor::Run(const Scenario& scenario) { return impl_->Run(scenario); }

Executor::Impl::Impl(ExecutorOptions options) : options_(std::move(options)) {
  // Suspended fibers hold references into this table: it never reallocates.
  cpus_.reserve(sp::kMaxCpus);
}

Executor::Impl::~Impl() = default;

Executor::Impl::Cpu& Executor::Impl::CpuAt(uint32_t index) {
  if (index >= sp::kMaxCpus) {
    std::fprintf(stderr, "msirig: rig error: virtual CPU %u (at most %u)\n", index, sp::kMaxCpus);
    std::abort();
  }
  while (cpus_.size() <= index) {
    cpus_.emplace_back();
    cpus_.back().fiber = std::make_unique<Fiber>(options_.stack_bytes);
  }
  return cpus_[index];
}

// --- sp::Scheduler: called on the virtual CPUs' fibers ---

namespace {

// Stress mode: the virtual CPU of this OS thread.
thread_local uint32_t t_thread_cpu = 0;

}  // namespace

void SetThreadCpu(uint32_t cpu) { t_thread_cpu = cpu; }

MSIRIG_PLUMBING uint32_t Executor::Impl::CurrentCpu() const {
  if (threads_) return t_thread_cpu;
  return current_ == kMain ? 0 : current_;
}

MSIRIG_PLUMBING void Executor::Impl::PreemptionPoint(sp::PreemptKind kind) {
  if (current_ == kMain || threads_) return;
  if (kind == sp::PreemptKind::kCallbackEntry) NoteWindows();
  Cpu& cpu = cpus_[current_];
  if (cpu.countdown > 0 && --cpu.countdown == 0) Suspend(kind);
}

namespace {

bool IsIsr(std::string_view routine) {
  return routine == "HwMSInterruptRoutine" || routine == "HwInterrupt";
}

bool Inside(const std::vector<std::string_view>& routines, std::string_view routine) {
  return std::find(routines.begin(), routines.end(), routine) != routines.end();
}

}  // namespace

void Executor::Impl::NoteWindows() {
  std::vector<std::string_view>& stack = callback_stack_;
  port_->Callbacks(current_, stack);
  if (stack.empty()) return;
  const std::string_view routine = stack.back();
  if (IsIsr(routine)) {
    if (std::any_of(stack.begin(), stack.end() - 1, IsIsr)) ++marks_.isr_nested_in_isr;
    for (uint32_t i = 0; i < cpus_.size(); ++i) {
      const Cpu& cpu = cpus_[i];
      const bool waiting = i == current_ ? cpu.taking_nested : cpu.state == State::kSuspended;
      if (waiting && cpu.suspended_at == sp::PreemptKind::kRegisterWrite &&
          Inside(cpu.suspended_in, "HwStartIo")) {
        ++marks_.isr_before_doorbell;
        break;
      }
    }
  } else if (routine == "HwDpcRoutine") {
    for (uint32_t i = 0; i < cpus_.size(); ++i) {
      if (i != current_ && cpus_[i].state == State::kSuspended && !cpus_[i].suspended_in.empty()) {
        ++marks_.dpc_beside_callback;
        break;
      }
    }
  } else if (routine == "HwResetBus") {
    // The scenario's reset, or Storport's own after a timeout: requests may fail from here on.
    requests_.ExplainFailures();
    if (device_ && device_->CommandsInFlight() > 0) ++marks_.reset_with_device_work;
  }
}

bool Executor::Impl::Spin(uint32_t owner, const int32_t* lock_owner) {
  if (current_ == kMain || threads_) return false;  // with threads the port spins for real
  Cpu& cpu = cpus_[current_];
  cpu.waits_for = owner;
  cpu.waiting_on = lock_owner;
  cpu.give_up = false;
  cpu.state = State::kSpinning;
  ToMain();
  return !cpu.give_up;
}

MSIRIG_PLUMBING void Executor::Impl::Stalled(uint64_t) {
  // A stalling CPU lets the device work: a miniport polling CSTS.RDY or an admin completion
  // with StorPortStallExecution must see it happen. Bounded, so a polling loop ends.
  if (!device_) return;
  device_->AdvanceTime(port_->NowNanoseconds());
  StepDevice(kStallDeviceSteps, kStallIdleSteps);
}

void Executor::Impl::ToMain() {
  const uint32_t self = current_;
  Fiber::Switch(*cpus_[self].fiber, main_);
  current_ = self;
  cpus_[self].state = State::kRunning;
}

void Executor::Impl::Suspend(sp::PreemptKind kind) {
  Cpu& cpu = cpus_[current_];
  cpu.suspended_at = kind;
  cpu.suspended_in = port_->Callbacks(current_);
  cpu.state = State::kSuspended;
  ToMain();
  // Resumed, perhaps to take an interrupt right here (an interrupt step for this CPU).
  while (!cpu.nested.empty()) {
    const uint32_t message = cpu.nested.front();
    cpu.nested.erase(cpu.nested.begin());
    cpu.taking_nested = true;
    port_->DeliverInterrupt(adapter_, message);
    cpu.taking_nested = false;
    cpu.state = State::kSuspended;
    ToMain();
  }
  cpu.suspended_in.clear();
}

// --- the main fiber: driving CPUs ---

void Executor::Impl::Drive(uint32_t index) {
  Cpu& cpu = CpuAt(index);
  for (;;) {
    current_ = index;
    cpu.state = State::kRunning;
    Fiber::Switch(main_, *cpu.fiber);
    current_ = kMain;
    if (cpu.fiber->idle()) {
      cpu.state = State::kIdle;
      return;
    }
    if (cpu.state == State::kSuspended) return;
    if (cpu.state != State::kSpinning) continue;
    const Wait wait = ResolveWait(index);
    if (wait == Wait::kDeadlock) cpu.give_up = true;
    if (wait == Wait::kParked) return;  // it spins on; a CPU it waits behind runs first
  }
}

std::string Executor::Impl::LockName(const int32_t* owner_field) const {
  for (const auto& adapter : port_->state().adapters) {
    const sp::Adapter& a = *adapter;
    if (owner_field == &a.interrupt_lock.owner) return "InterruptLock";
    if (owner_field == &a.startio_lock.owner) return "StartIoLock";
    for (size_t m = 0; m < a.message_locks.size(); ++m) {
      if (owner_field == &a.message_locks[m].owner) return "MSI lock " + std::to_string(m);
    }
    for (const auto& [handle, record] : a.dpcs) {
      if (owner_field == &record.lock.owner) return "a DpcLock";
    }
  }
  return "a lock";
}

std::string Executor::Impl::WaitOf(uint32_t index) const {
  const Cpu& cpu = cpus_[index];
  if (cpu.waiting_on == nullptr)  // waits for the adapter's routines to return, not a lock
    return "cpu" + std::to_string(index) + " waits for a routine running on cpu" +
           std::to_string(cpu.waits_for);
  return "cpu" + std::to_string(index) + " waits for " + LockName(cpu.waiting_on) + " held by cpu" +
         std::to_string(cpu.waits_for);
}

std::string Executor::Impl::WaitCycle() const { return wait_cycle_; }

bool Executor::Impl::StillBlocked(uint32_t index) const {
  const Cpu& cpu = cpus_[index];
  if (cpu.state != State::kSpinning) return false;
  if (cpu.waiting_on == nullptr) return true;  // waits for routines, not a lock
  return *cpu.waiting_on == static_cast<int32_t>(cpu.waits_for);
}

Executor::Impl::Wait Executor::Impl::ResolveWait(uint32_t index) {
  const uint32_t owner = cpus_[index].waits_for;
  const auto on_chain = std::find(resolving_.begin(), resolving_.end(), owner);
  if (owner == index || on_chain != resolving_.end()) {
    // A cycle only if every CPU on it still waits for a lock the next one holds; if one of them
    // could go on now, this CPU waits (parked) while the drive returns to it.
    for (auto it = on_chain; it != resolving_.end(); ++it) {
      if (!StillBlocked(*it)) return Wait::kParked;
    }
    std::string description;
    for (auto it = on_chain; it != resolving_.end(); ++it) description += WaitOf(*it) + ", ";
    wait_cycle_ = description + WaitOf(index);
    ++deadlocks_;
    return Wait::kDeadlock;
  }
  if (owner >= cpus_.size() || cpus_[owner].state == State::kIdle) {
    // Nothing runs on the holder's CPU: nothing can ever release the lock.
    wait_cycle_ = WaitOf(index) + ", which runs nothing";
    ++deadlocks_;
    return Wait::kDeadlock;
  }
  resolving_.push_back(index);
  cpus_[owner].countdown = 0;  // the holder runs on until it lets go
  Drive(owner);
  resolving_.pop_back();
  return Wait::kResolved;
}

void Executor::Impl::Finish(uint32_t index) {
  Cpu& cpu = CpuAt(index);
  if (cpu.state == State::kIdle) return;
  cpu.countdown = 0;
  cpu.nested.clear();
  Drive(index);
}

void Executor::Impl::RunOn(uint32_t index, uint16_t preempt, std::function<void()> body) {
  Finish(index);
  Cpu& cpu = CpuAt(index);
  std::string label = StepLabel();
  // The body enters the port only through its entry points, which hide the port's own work
  // from TSan and show it the miniport's callbacks; only the run's start and end are edges.
  cpu.fiber->Start(
      [self = this, index, label = std::move(label), body = std::move(body)] {
#if MSIRIG_HAS_TSAN
        __tsan_acquire(&self->run_start_);  // the scenario was set up before the run
        // TSan reports name the fiber ("Thread T2 'cpu1'"): `show` locates racing accesses.
        char name[16];
        std::snprintf(name, sizeof name, "cpu%u", index);
        __tsan_set_fiber_name(__tsan_get_current_fiber(), name);
#else
        (void)index;
#endif
        if (!label.empty()) self->port_->trace_recorder()->Mark(index, label);
        body();
#if MSIRIG_HAS_TSAN
        __tsan_release(&self->run_end_);  // the run ends after all of its work
#endif
      },
      &main_);
  cpu.countdown = preempt;
  Drive(index);
}

void Executor::Impl::InterruptOn(uint32_t index, uint16_t preempt, uint32_t message) {
  Cpu& cpu = CpuAt(index);
  if (cpu.state == State::kSuspended) {
    // Interrupts preempt: it runs nested where the CPU waits, which then waits on.
    cpu.nested.push_back(message);
    if (const std::string label = StepLabel(); !label.empty())
      port_->trace_recorder()->Mark(index, label);
    Drive(index);
    return;
  }
  RunOn(index, preempt, [this, message] { port_->DeliverInterrupt(adapter_, message); });
}

void Executor::Impl::ResumeOn(uint32_t index, uint16_t preempt) {
  Cpu& cpu = CpuAt(index);
  if (const std::string label = StepLabel(); !label.empty())
    port_->trace_recorder()->Mark(index, label);
  if (cpu.state != State::kSuspended) return;  // nothing to resume: nothing happens
  cpu.countdown = preempt;
  Drive(index);
}

std::string Executor::Impl::StepLabel() {
  if (!port_) return "";
  if (options_.trace_recorder != nullptr && port_->trace_recorder() == nullptr)
    port_->RecordTrace(options_.trace_recorder);
  sp::TraceRecorder* recorder = port_->trace_recorder();
  if (recorder == nullptr) return "";
  if (port_->TraceEvents() == 0) {  // the run's first work: setup, before any step
    next_marked_step_ = 0;
    return "setup";
  }
  // Play() runs every step but device progress on a CPU, in order, through RunOn/InterruptOn.
  auto text_of = [this](size_t i) {
    Scenario one;
    one.steps = {scenario_.steps[i]};
    std::string text = ToText(one);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return "step " + std::to_string(i) + ": " + text.substr(text.rfind('\n') + 1);
  };
  while (next_marked_step_ < scenario_.steps.size() &&
         scenario_.steps[next_marked_step_].kind == StepKind::kDeviceProgress) {
    // It ran already, on no CPU, just before the step that follows it.
    recorder->Mark(scenario_.steps[next_marked_step_].cpu, text_of(next_marked_step_));
    ++next_marked_step_;
  }
  if (next_marked_step_ < scenario_.steps.size()) return text_of(next_marked_step_++);
  return "drain";
}

}  // namespace msirig::fuzz
