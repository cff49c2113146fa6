// One run of the executor: setup, the steps, the contract probes, the drain, the oracles.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "executor_impl.h"
#include "msirig/fuzz/scenario_text.h"
#include "port_state.h"
#include "scenario_fields.h"
#include "tsan_scope.h"

namespace msirig::fuzz {
namespace {

// What the documentation says the MSI routines return for a probe step's arguments (SPEC 2, 3);
// the rig's own calls are checked against it instead of being reported as misuse.
ULONG ExpectedGetMsiInfo(bool old_os, bool null_extension, bool foreign, bool null_output,
                         uint32_t connected, ULONG id) {
  if (old_os) return STOR_STATUS_NOT_IMPLEMENTED;
  if (null_extension || foreign || null_output) return STOR_STATUS_INVALID_PARAMETER;
  if (connected == 0) return STOR_STATUS_INVALID_DEVICE_REQUEST;
  return id < connected ? STOR_STATUS_SUCCESS : STOR_STATUS_INVALID_PARAMETER;
}

}  // namespace

#if MSIRIG_HAS_TSAN
extern bool g_tsan_reported;  // defined with __tsan_on_report, at the end of this file
void StopAfterTsanReport();
#endif

ExecutionResult Executor::Impl::Run(const Scenario& input) {
  sp::TsanIgnoreScope main_fiber;  // the main fiber runs only rig code and the device
  scenario_ = Normalize(input);
  device_.reset();
  port_.reset();
  deadlocks_ = 0;
  marks_ = WindowMarks{};
  wait_cycle_.clear();
  sp::PortOptions port_options;
  port_options.verifier_mode = options_.verifier_mode;
  port_options.scheduler = this;
  port_options.tsan_sees_only_miniport = kTsanBuild;
  port_ = std::make_unique<sp::Port>(port_options);
  port_->verifier().SetFindingContext([this](std::string& report) { report += FindingContext(); });
  adapter_ = port_->CreateAdapter(scenario_.platform);
  device_ = std::make_unique<hba::NvmeDevice>(scenario_.device, port_->HostBusOf(adapter_));
  if (scenario_.faults_during_init) device_->SetFaultPlan(scenario_.faults);
  const hba::NamespaceConfig& ns = scenario_.device.namespaces.front();
  requests_.Reset(ns.block_size_bytes, ns.size_blocks);
  // A device or platform fault may fail any request from the start (RequestOracle).
  if (!internal::FieldsEqual(scenario_, Scenario{}, internal::kFaultFields) ||
      !internal::FieldsEqual(scenario_.platform.faults, sp::PlatformFaults{},
                             internal::kPlatformFaultFields))
    requests_.ExplainFailures();

  started_ = false;
  SetPlaying(true);
#if MSIRIG_HAS_TSAN
  StartTsanFresh();
  __tsan_release(&run_start_);
#endif
  RunOn(0, 0, [this] {
    port_->LoadMiniport(options_.driver_entry);
    started_ = port_->StartAdapter(adapter_, device_.get());
  });
  if (started_) {
    // Armed now unless the scenario faults the initialization (Scenario::faults_during_init):
    // the plan's counters then count the scheduled work only, not the admin commands of the
    // start, which a fault there would keep the scheduled steps from ever running.
    if (!scenario_.faults_during_init) device_->SetFaultPlan(scenario_.faults);
    if (options_.real_threads) {
      PlayOnThreads(scenario_.steps);
    } else {
      for (const Step& step : scenario_.steps) Play(step);
    }
    Drain();
    CheckOracles();
  } else if (port_->trace_recorder() != nullptr) {
    // A failed start is the driver's right (HwFindAdapter or HwInitialize may fail it), not a
    // finding; it shows in ExecutionResult::adapter_started and, for `show`, here.
    port_->trace_recorder()->Mark(0, "adapter start failed: no step runs");
  }

#if MSIRIG_HAS_TSAN
  __tsan_acquire(&run_end_);
  if (g_tsan_reported) StopAfterTsanReport();
#endif
  ExecutionResult result;
  result.adapter_started = started_;
  result.violations = port_->verifier().violations();
  result.trace_hash = port_->TraceHash();
  result.trace_events = port_->TraceEvents();
  result.deadlocks = deadlocks_;
  result.marks = marks_;
  result.requests_completed = port_->Completed(adapter_).size();
  SetPlaying(false);
  // The device refers to the adapter's bus: it goes first.
  device_.reset();
  port_.reset();
  return result;
}

void Executor::Impl::AdvanceTime(uint32_t cpu, uint64_t nanoseconds) {
  RunOn(cpu, 0, [this, nanoseconds] { port_->AdvanceTime(nanoseconds); });
  device_->AdvanceTime(port_->NowNanoseconds());
}

void Executor::Impl::Act(const Step& step) {
  switch (step.kind) {
    case StepKind::kRead:
    case StepKind::kWrite:
    case StepKind::kFlush:
    case StepKind::kInquiry:
    case StepKind::kReadCapacity:
    case StepKind::kReportLuns: {
      std::optional<sp::RequestSpec> spec = requests_.Build(step);
      // The oracle learns of the request before the miniport sees it.
      spec->on_accepted = [this, &step](uint64_t tag) {
        sp::Port::Serialized serialized(*port_);
        sp::TsanIgnoreScope bookkeeping;  // shared by every CPU; not the miniport's
        const ULONG max_transfer =
            port_->state().AdapterAt(adapter_).config_info.MaximumTransferLength;
        requests_.Submitted(tag, step,
                            max_transfer == SP_UNINITIALIZED_VALUE ? ~uint64_t{0} : max_transfer);
      };
      port_->SubmitRequest(adapter_, *spec);
      break;
    }
    case StepKind::kInterrupt:
      port_->DeliverInterrupt(adapter_, step.a);
      break;
    case StepKind::kRunDpcs:
      port_->RunDpcs();
      break;
    case StepKind::kResetBus:
      ExplainFailures();
      port_->ResetBus(adapter_);
      break;
    case StepKind::kStopAdapter:
      ExplainFailures();
      port_->StopAdapter(adapter_);
      break;
    case StepKind::kRestartAdapter:
      ExplainFailures();
      port_->RestartAdapter(adapter_);
      break;
    case StepKind::kSurpriseRemove:
      ExplainFailures();
      port_->SurpriseRemove(adapter_);
      break;
    case StepKind::kDeviceProgress: {
      sp::Port::Serialized serialized(*port_);
      sp::TsanIgnoreScope device_side;
      for (uint32_t i = 0; i < std::clamp<uint32_t>(step.a, 1, 256) && device_->Step(); ++i) {
      }
      break;
    }
    case StepKind::kAdvanceTime: {
      // On real threads no callback entry is seen (NoteWindows), so a reset after a timeout
      // would go unnoticed: there any passing of time may explain a failure.
      if (threads_) ExplainFailures();
      port_->AdvanceTime(uint64_t{step.a} * 1000);
      sp::Port::Serialized serialized(*port_);
      sp::TsanIgnoreScope device_side;
      device_->AdvanceTime(port_->NowNanoseconds());
      break;
    }
    case StepKind::kGetMsiInfo:
    case StepKind::kAcquireMsiLock:
    case StepKind::kReleaseMsiLock:
      Probe(step);
      break;
    case StepKind::kResume:
      break;  // a scheduling step (Play); real threads have no preemption points
  }
}

void Executor::Impl::ExplainFailures() {
  sp::Port::Serialized serialized(*port_);
  sp::TsanIgnoreScope bookkeeping;  // shared by every CPU; not the miniport's
  requests_.ExplainFailures();
}

void Executor::Impl::Play(const Step& step) {
  switch (step.kind) {
    case StepKind::kDeviceProgress:
      Act(step);  // the device works on its own, on no CPU
      break;
    case StepKind::kInterrupt:
      InterruptOn(step.cpu, step.preempt, step.a);
      break;
    case StepKind::kResume:
      ResumeOn(step.cpu, step.preempt);
      break;
    default:
      RunOn(step.cpu, step.preempt, [this, step] { Act(step); });
      break;
  }
  requests_.CheckArrived(*port_, adapter_);
}

// The scenario itself calling the MSI routines, with any arguments: the port's answers are
// checked against the documentation, and what its verifier says of the rig's own calls is not
// a finding. An acquired MSI lock is held for the step (other CPUs' ISRs wait on it while the
// step is suspended) and released at its end. A release probe gives back a lock this CPU does
// not hold, one of another message, or the one it holds (steps.def `args`); the verifier's
// verdict on it (traced, not reported: SetProbing) must be the one its rules give.
void Executor::Impl::Probe(const Step& step) {
  {
    port_->SetProbing(true);
    char foreign[64] = {};
    const bool null_extension = step.b & 1;
    const bool use_foreign = (step.b & 2) && !null_extension;
    const bool null_output = step.b & 4;
    PVOID own_extension = port_->DeviceExtension(adapter_);
    PVOID extension = null_extension ? nullptr
                      : use_foreign  ? static_cast<PVOID>(foreign)
                                     : own_extension;
    const bool old_os = scenario_.platform.os_version < sp::OsVersion::kVista;
    const bool is_get = step.kind == StepKind::kGetMsiInfo;
    const bool is_release = step.kind == StepKind::kReleaseMsiLock;
    // Release probes: the MSI lock this CPU holds first (through its own extension), if any.
    bool pre_held = false;
    ULONG held_message = 0;
    ULONG held_old_irql = 0;
    if (is_release && (step.b & (kReleaseOtherFirst | kReleaseSameFirst)) != 0) {
      const uint32_t messages = std::max<uint32_t>(port_->ConnectedMessages(adapter_), 1);
      held_message = (step.b & kReleaseSameFirst) != 0 ? step.a : (step.a + 1) % messages;
      pre_held = StorPortAcquireMSISpinLock(own_extension, held_message, &held_old_irql) ==
                 STOR_STATUS_SUCCESS;
    }
    // The documented answer for the port's state now. The call itself is a preemption point,
    // so another CPU may stop, remove or restart the adapter while it runs: the port may answer
    // for the state before or after, and either is documented.
    auto documented = [&]() -> ULONG {
      // A removed or failed adapter's extension is no live adapter's: INVALID_PARAMETER.
      const sp::AdapterState state = port_->State(adapter_);
      const bool gone = state == sp::AdapterState::kRemoved || state == sp::AdapterState::kFailed;
      const uint32_t messages = port_->ConnectedMessages(adapter_);
      if (is_get)
        return ExpectedGetMsiInfo(old_os, null_extension, use_foreign || gone, null_output,
                                  messages, step.a);
      if (is_release) {
        // A lock taken while the adapter was live may be given back after it went away; a
        // release names no output and no range (SPEC 3: the verifier judges it instead).
        const bool bad = null_extension || use_foreign || (gone && !pre_held);
        return old_os ? STOR_STATUS_NOT_IMPLEMENTED
               : bad  ? STOR_STATUS_INVALID_PARAMETER
                      : STOR_STATUS_SUCCESS;
      }
      const bool per_message =
          messages > 0 && port_->SynchronizationMode(adapter_) == InterruptSynchronizePerMessage;
      // A NULL OldIrql is no place to write the IRQL to: INVALID_PARAMETER (the port's decision;
      // real Storport would fault), checked before the mode and the message id.
      return old_os                                                 ? STOR_STATUS_NOT_IMPLEMENTED
             : null_extension || use_foreign || gone || null_output ? STOR_STATUS_INVALID_PARAMETER
             : per_message && step.a >= messages                    ? STOR_STATUS_INVALID_PARAMETER
                                                                    : STOR_STATUS_SUCCESS;
    };
    const ULONG expected_before = documented();
    ULONG status = 0;
    ULONG expected = 0;
    const char* routine = "";
    std::string verdict;  // what the verifier's rules say of a release, where it differs
    if (is_get) {
      MESSAGE_INTERRUPT_INFORMATION info;
      std::memset(&info, 0, sizeof info);
      status = StorPortGetMSIInfo(extension, step.a, null_output ? nullptr : &info);
      expected = documented();
      routine = "StorPortGetMSIInfo";
    } else if (is_release) {
      const uint64_t since = port_->TraceEvents();
      status = StorPortReleaseMSISpinLock(extension, step.a, pre_held ? held_old_irql : 0);
      expected = documented();
      routine = "StorPortReleaseMSISpinLock";
      const bool own = !null_extension && !use_foreign && status == STOR_STATUS_SUCCESS;
      const bool matched = pre_held && held_message == step.a;
      // SPEC 4: a release of a lock this CPU does not hold (StorPortSpinLock), of another
      // message's than the one it holds (StorPortSpinLock4); a matched release, nothing.
      const sp::Rule rule = pre_held ? sp::Rule::kStorPortSpinLock4 : sp::Rule::kStorPortSpinLock;
      if (own && !matched && !TracedViolation(since, rule)) {
        verdict = ", not judged " + std::string(sp::RuleId(rule));
      } else if (own && matched && TracedViolation(since, sp::Rule::kStorPortSpinLock4)) {
        verdict = ", a matched release judged StorPortSpinLock4";
      }
      // What the release left held, given back properly.
      if (pre_held && !(own && matched))
        StorPortReleaseMSISpinLock(own_extension, held_message, held_old_irql);
    } else {
      ULONG old_irql = 0;
      status = StorPortAcquireMSISpinLock(extension, step.a, null_output ? nullptr : &old_irql);
      expected = documented();
      if (status == STOR_STATUS_SUCCESS) {
        PreemptionPoint(sp::PreemptKind::kStorPortCall);  // held here while suspended
        StorPortReleaseMSISpinLock(extension, step.a, old_irql);
      }
      routine = "StorPortAcquireMSISpinLock";
    }
    if (status == expected_before) expected = expected_before;
    port_->SetProbing(false);
    if (status != expected || !verdict.empty()) {
      char what[224];
      std::snprintf(what, sizeof what, "%s(message %u, args %u) returned 0x%x, documented 0x%x%s",
                    routine, step.a, step.b, status, expected, verdict.c_str());
      std::fprintf(stderr, "msirig: contract mismatch: %s\n%s", what, FindingContext().c_str());
      std::abort();
    }
  }
}

bool Executor::Impl::TracedViolation(uint64_t since, sp::Rule rule) const {
  sp::Port::Serialized serialized(*port_);  // on real threads, others trace meanwhile
  const uint64_t events = port_->TraceEvents() - since;
  const std::string tail = port_->TraceTail(static_cast<size_t>(std::min<uint64_t>(events, 64)));
  const std::string cpu = " cpu" + std::to_string(CurrentCpu()) + " ";
  const std::string needle = " violation " + std::string(sp::RuleId(rule)) + " ";
  size_t begin = 0;
  while (begin < tail.size()) {
    size_t end = tail.find('\n', begin);
    if (end == std::string::npos) end = tail.size();
    const std::string_view line(tail.data() + begin, end - begin);
    if (line.find(cpu) != std::string_view::npos && line.find(needle) != std::string_view::npos)
      return true;
    begin = end + 1;
  }
  return false;
}

void Executor::Impl::Drain() {
  for (uint32_t cpu = 0; cpu < cpus_.size(); ++cpu) Finish(cpu);
  const uint32_t messages = port_->ConnectedMessages(adapter_);
  uint64_t idle_rounds = 0;
  uint64_t busy_rounds = 0;  // rounds with device or interrupt work, but no request moving
  uint64_t last_outstanding = port_->Outstanding(adapter_);
  for (int round = 0; round < kDrainRounds; ++round) {
    bool progress = StepDevice(kDrainRoundSteps, kDrainIdleSteps);
    for (uint32_t m = 0; m < messages; ++m) {
      if (port_->Pending(adapter_, m)) {
        InterruptOn(0, 0, m);
        progress = true;
      }
    }
    if (messages == 0 && port_->Pending(adapter_, sp::kLineInterrupt) && round < kDrainRounds / 2) {
      InterruptOn(0, 0, sp::kLineInterrupt);
      progress = true;
    }
    // DPCs still queued on a CPU (each CPU runs its own queue, as Windows does).
    for (uint32_t cpu = 0; cpu < cpus_.size(); ++cpu) {
      if (port_->QueuedDpcs(cpu) == 0) continue;
      RunOn(cpu, 0, [this] { port_->RunDpcs(); });
      progress = true;
    }
    if (progress) {
      const uint64_t outstanding = port_->Outstanding(adapter_);
      if (outstanding == 0 || outstanding != last_outstanding) {
        last_outstanding = outstanding;
        idle_rounds = 0;
        busy_rounds = 0;
        continue;
      }
      // Busy without a request moving (an interrupt storm, a device that never completes):
      // time passes all the same, a second every few rounds, so that timeouts fire and the
      // miniport's reset runs, as on a machine where the storm takes real time.
      if (++busy_rounds % 4 == 0 && ++idle_rounds <= 64) AdvanceTime(0, 1'000'000'000ull);
      continue;
    }
    // Nothing moves: let virtual time pass, to the device's next deadline or the end of a
    // StorPortPause (or a held request's StorPortPauseDevice) that holds requests or, while
    // requests are still outstanding, a second at a time so that timeouts fire.
    std::optional<uint64_t> due = device_->NextDeadlineNs();
    if (!due) due = port_->PauseEndsNs(adapter_);
    if (due) {
      const uint64_t now = port_->NowNanoseconds();
      AdvanceTime(0, *due > now ? *due - now : 1);
      continue;
    }
    if (port_->Outstanding(adapter_) > 0 && ++idle_rounds <= 64) {
      AdvanceTime(0, 1'000'000'000ull);
      continue;
    }
    break;
  }
  requests_.CheckArrived(*port_, adapter_);
}

namespace {

MSIRIG_PLUMBING uint64_t CommandWork(const hba::DeviceCounters& counters) {
  return counters.commands_fetched + counters.commands_completed + counters.completions_discarded;
}

}  // namespace

// Up to max_steps steps of the device, but no more than max_idle in a row that move no command:
// messages (an interrupt storm's or a spurious one with no command work left beside it:
// ApplyStepFaults; one queued interrupt per vector) or a deferred completion put back in line.
// Under a storm most of them latch a message already pending; the stalls and drain rounds, not
// the steps, run the ISRs and let time pass. Without the bound a storm cost a million steps and
// more a run. With it the rest of a storm that outlasts the device's command work lasts more
// stalls and rounds, so more virtual time, than with 64 and 4096 steps (bench/RESULTS.md, stop
// 15); what is left in line goes at the next stall or round. Since stop 16 a storm's messages
// go out beside the command work, so the requests under it complete (tests/e2e/storm_test.cc).
MSIRIG_PLUMBING bool Executor::Impl::StepDevice(int max_steps, int max_idle) {
  bool progress = false;
  int idle = 0;
  for (int i = 0; i < max_steps; ++i) {
    const uint64_t work = CommandWork(device_->Counters());
    if (!device_->Step()) break;
    progress = true;
    idle = CommandWork(device_->Counters()) != work ? 0 : idle + 1;
    if (idle >= max_idle) break;
  }
  return progress;
}

// Where the device stands at the end of a run, for the place of a RequestsOutstanding finding:
// whether a lost request is still in the device, done but not consumed, or nowhere the device
// can see (Verifier::Report). Words only: no queue ids, counts or addresses.
std::string Executor::Impl::DeviceView() const {
  if (device_->Removed()) return "device removed";
  if (device_->Fatal()) return "device failed";
  if (device_->CommandsInFlight() > 0) return "device holds a command";
  for (const hba::UnconsumedCompletions& queue : device_->UnconsumedCompletionQueues()) {
    if (queue.entries > 0) return "completion not consumed";
  }
  return "device idle";
}

// Resource accounting (issue 5: "resource accounting balanced"). Most of it is judged where it
// happens or by the port's end-of-run check: a lock still held and an IRQL not back at PASSIVE
// (CheckEndOfRun: LockHeldOnReturn, IrqlOnReturn), a pool free of a block never allocated or
// freed twice (PoolFree, at the call). Pool still allocated is no finding: neither
// HwFreeAdapterResources nor a driver unload is modelled, so a miniport rightly keeps its pool
// (and its uncached extension, allocated once in HwFindAdapter) for the adapter's whole life.
// Left is what the port itself holds. A DPC still queued: the miniport cannot leave one (a
// queued DPC runs whenever its CPU's IRQL drops below DISPATCH_LEVEL, and the drain runs every
// CPU's queue), so it is the rig's own error, not a finding. A request held back for a running
// adapter: behind a gate the miniport left closed (StorPortBusy, or StorPortPause again and
// again; the drain waits for a pause to end) or by its unit's queue (StorPortDeviceBusy,
// StorPortPauseDevice, the unit's depth) it is the miniport's doing, and CheckEndOfRun reports
// it with the requests the miniport never completed (RequestsOutstanding, "held by Storport");
// otherwise the port's DPC would have started it: the rig's error.
void Executor::Impl::CheckResourcesSettled() {
  const sp::PortState& s = port_->state();
  const bool alive = port_->State(adapter_) != sp::AdapterState::kRemoved;
  for (uint32_t cpu = 0; cpu < s.cpus.size() && alive; ++cpu) {
    if (s.cpus[cpu].dpcs.empty()) continue;
    std::fprintf(stderr, "msirig: rig error: %zu DPC(s) still queued on cpu %u after the drain\n",
                 s.cpus[cpu].dpcs.size(), cpu);
    std::abort();
  }
  const sp::Adapter& a = s.AdapterAt(adapter_);
  if (a.state != sp::AdapterState::kRunning || a.removing) return;
  auto ungated_one = [&](const SCSI_REQUEST_BLOCK* key) { return !s.Gated(a, key); };
  const auto ungated = std::count_if(a.held.begin(), a.held.end(), ungated_one);
  if (ungated == 0) return;
  std::fprintf(stderr,
               "msirig: rig error: the port still holds %zu request(s) back for a running adapter "
               "whose gate is open and whose unit does not hold them\n",
               static_cast<size_t>(ungated));
  std::abort();
}

namespace {

// The queues whose driver was told of their entries: not those whose line's last message (the
// MSI-X entry, MSI message or pin the queue's vector reaches the host on) the fault plan dropped
// or misrouted, with no message on that line since (the device's doing, not the
// driver's: a late completion after a reset, with no request left to time out, is then
// stranded for good).
// Out of coverage, like the device's bookkeeping it reads (hba-model controller.cc).
MSIRIG_PLUMBING __attribute__((noinline)) std::vector<hba::UnconsumedCompletions> HeardOf(
    std::vector<hba::UnconsumedCompletions> queues) {
  std::vector<hba::UnconsumedCompletions> heard;
  for (const hba::UnconsumedCompletions& queue : queues) {
    if (!queue.notification_lost) heard.push_back(queue);
  }
  return heard;
}

}  // namespace

void Executor::Impl::CheckOracles() {
  port_->CheckEndOfRun(DeviceView());
  CheckResourcesSettled();
  if (port_->State(adapter_) != sp::AdapterState::kRunning || device_->Removed() ||
      device_->Fatal())
    return;
  for (const hba::UnconsumedCompletions& queue : HeardOf(device_->UnconsumedCompletionQueues())) {
    if (!queue.interrupts_enabled || queue.entries == 0) continue;
    char what[160];
    std::snprintf(what, sizeof what,
                  "completion queue %u (vector %u) still holds %u entries after the drain",
                  queue.cqid, queue.vector, queue.entries);
    // The place: which kind of queue, on which kind of interrupt; not the queue's or the
    // vector's number, which depend on the scenario around the bug.
    std::string place = queue.cqid == 0 ? "admin completion queue" : "I/O completion queue";
    place += port_->ConnectedMessages(adapter_) == 0 ? ", line-based interrupts"
                                                     : ", message-signaled interrupts";
    port_->verifier().Report(sp::Rule::kInterruptCauseUnserviced, what, "executor oracle", place);
  }
}

std::string Executor::Impl::FindingContext() {
  std::string context = "msirig: scenario:\n" + ToText(scenario_);
  if (!wait_cycle_.empty()) context += "msirig: wait cycle: " + wait_cycle_ + "\n";
  context += "msirig: last events:\n" + port_->TraceTail(24);
#if MSIRIG_HAS_ASAN
  // What the address ASan reported is to the port: a pool block's guard (an overrun, and how
  // far), a retired SRB or its buffers, a freed pool block, an extension (storport describe.cc).
  if (__asan_report_present() && __asan_get_report_address() != nullptr) {
    context += "msirig: the address ASan reported is " +
               port_->state().Describe(__asan_get_report_address()) + "\n";
  }
#endif
  if (!options_.reproduce_command.empty()) {
    std::string command = options_.reproduce_command;
    if (const size_t at = command.find(kInputPlaceholder); at != std::string::npos) {
      const std::string& input = CurrentInput();
      command.replace(at, kInputPlaceholder.size(),
                      !input.empty() ? input
                                     : "crash-<sha1>   (the input the engine saved: libFuzzer "
                                       "writes crash-<sha1 of the input> in its -artifact_prefix, "
                                       "by default the working directory; AFL++ in "
                                       "<output>/<instance>/crashes/)");
    }
    context += "msirig: reproduce: " + command + "\n";
  }
  return context;
}

// --- the context of findings the verifier does not report itself ---

namespace {

// The executor playing a scenario on this process now (one OS thread per execution), and the
// input file the replay driver runs (fuzz/replay_main.cc names it).
// (Executor::Impl is private to Executor: the executor is kept as its context function.)
std::string (*g_playing_context)(void* impl) = nullptr;
void* g_playing = nullptr;
std::string* g_current_input = nullptr;

void PrintPlayingContext() {
  if (g_playing == nullptr) return;
  void* playing = g_playing;
  g_playing = nullptr;  // once, even if the printing itself is reported
  const std::string context = g_playing_context(playing);
  std::fputs(context.c_str(), stderr);
  std::fflush(stderr);
}

#if MSIRIG_HAS_ASAN
// After ASan has printed its report, before it dies (asan_interface.h).
void AfterAsanReport(const char*) { PrintPlayingContext(); }
#endif

}  // namespace

#if MSIRIG_HAS_TSAN
// Whether ThreadSanitizer reports a race can depend on more than the accesses: each 8-byte
// granule of memory remembers at most 4 earlier accesses, and when all 4 are taken, the one a
// new access replaces is chosen by the position of the accessing thread's event trace (TSan v3,
// tsan_rtl_access.cpp, "Choose a random candidate slot"). That position moves with every event
// a fiber ever traced, in this run and in every earlier one: measured on the zoo's
// DOORBELL_OUTSIDE_LOCK, the same input reported its race or not depending on which input ran
// before it, and shifting one CPU's trace by two events alone turned the report on or off. So a
// finding found while fuzzing often did not replay alone (bench/RESULTS.md). Every run
// therefore starts from a state of TSan's that depends on nothing before it:
//  - the scenario's CPUs get their fibers now, not part-way through the run, where creating
//    one would hand it the main fiber's clock and a trace of a different start;
//  - the executor's containers that the CPUs' fibers fill start empty, with no capacity: TSan
//    traces an event for every intercepted call, so a malloc that an earlier run's larger
//    vector spared this run would move the trace too (measured: with everything else here in
//    place, the same input still reported or not by the input before it, until these went);
//  - __tsan_flush_memory resets all shadow memory, every sync object's clock, every slot's epoch
//    and every thread's trace (DoReset): each fiber starts a new trace part at its next event,
//    with a new clock. (Giving each CPU a new TSan fiber as well was tried: it changed nothing
//    measured, and msi_contents_fuzz under TSan made 187 executions a second instead of 823.)
// The rig's own lazily initialized state (a function-local static's guard is a release, which
// moves the trace) is initialized before the first run: api_registers.cc.
void Executor::Impl::StartTsanFresh() {
  const uint32_t cpus = std::max<uint32_t>(scenario_.platform.cpu_count, 1);
  CpuAt(std::min<uint32_t>(cpus, sp::kMaxCpus) - 1);
  for (Cpu& cpu : cpus_) {
    std::vector<uint32_t>().swap(cpu.nested);
    std::vector<std::string_view>().swap(cpu.suspended_in);
  }
  std::vector<uint32_t>().swap(resolving_);
  std::vector<std::string_view>().swap(callback_stack_);
  std::string().swap(wait_cycle_);
  __tsan_flush_memory();
}

bool g_tsan_reported = false;  // a ThreadSanitizer report under a fuzzing engine (below)

// The end of a run whose input ThreadSanitizer reported (see __tsan_on_report below).
void StopAfterTsanReport() {
  PrintPlayingContext();
  std::fputs("msirig: ThreadSanitizer reported during this input (above); stopping at the end of "
             "its run\n",
             stderr);
  std::fflush(stderr);
  std::abort();
}
#endif

const std::string& CurrentInput() {
  static const std::string none;
  return g_current_input != nullptr ? *g_current_input : none;
}

void Executor::Impl::SetPlaying(bool playing) {
#if MSIRIG_HAS_ASAN
  static const bool registered = [] {
    __asan_set_error_report_callback(AfterAsanReport);
    return true;
  }();
  (void)registered;
#endif
  g_playing_context = [](void* impl) { return static_cast<Impl*>(impl)->FindingContext(); };
  g_playing = playing ? this : nullptr;
}

}  // namespace msirig::fuzz

// The replay driver names the input it runs next (weak there: targets without an executor).
extern "C" void msirig_set_current_input(const char* path) {
  using msirig::fuzz::g_current_input;
  if (g_current_input == nullptr) g_current_input = new std::string;
  *g_current_input = path != nullptr ? path : "";
}

// UBSan calls this for each report, just before it prints it (and then dies when it does not
// recover; ubsan_monitor.h); ThreadSanitizer after each report it printed (tsan_rtl_report.cpp).
// Both are weak in the runtimes: these definitions replace them.
extern "C" void __ubsan_on_report() { msirig::fuzz::PrintPlayingContext(); }
#if MSIRIG_HAS_TSAN
// libFuzzer's entry point, present only when the engine is linked in.
extern "C" int LLVMFuzzerRunDriver(int* argc, char*** argv,
                                   int (*callback)(const uint8_t* data, size_t size))
    __attribute__((weak));
// ThreadSanitizer calls this inside its report, holding its report locks. If the process died
// there (halt_on_error), libFuzzer's crash callback would run in that same state, and any of its
// frees that needs a new part of TSan's trace waits forever for the report to end (seen twice:
// the zoo's DOORBELL_OUTSIDE_LOCK hung in TraceSwitchPart, once while the context below was
// built, once in libFuzzer's own DumpCurrentUnit, and kept no input). So under a fuzzing engine
// TSan does not halt (targets/sanitizer_defaults.cc reads the marker below): the report only
// sets a flag, the scenario plays on to its end, and the executor then prints the finding's
// context and aborts (StopAfterTsanReport), outside the report, with the same input still
// current: libFuzzer saves the right one. The replay binaries (no engine) halt in the report as
// before, after printing the context here.
extern "C" __attribute__((used, visibility("default"))) const int
    msirig_executor_stops_after_tsan_report = 1;
extern "C" void __tsan_on_report(void*) {
  if (&LLVMFuzzerRunDriver != nullptr) {
    msirig::fuzz::g_tsan_reported = true;
    return;
  }
  msirig::fuzz::PrintPlayingContext();
}
#endif

namespace msirig::fuzz {}  // namespace msirig::fuzz
