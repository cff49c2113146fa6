// The executor's stress mode: each virtual CPU's steps on an OS thread of its own.
#include <thread>

#include "executor_impl.h"
#include "tsan_scope.h"

namespace msirig::fuzz {

void SetThreadCpu(uint32_t cpu);  // executor.cc

void Executor::Impl::PlayOnThreads(const std::vector<Step>& steps) {
  std::vector<std::vector<Step>> per_cpu(scenario_.platform.cpu_count);
  for (const Step& step : steps) per_cpu[step.cpu].push_back(step);
  port_->SetRealThreads(true);
  threads_ = true;
  {
    std::vector<std::thread> workers;
    for (uint32_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
      workers.emplace_back([this, cpu, &per_cpu] {
        SetThreadCpu(cpu);
        for (const Step& step : per_cpu[cpu]) PlayOnThisThread(step);
      });
    }
    for (std::thread& worker : workers) worker.join();
  }
  threads_ = false;
  port_->SetRealThreads(false);
}

void Executor::Impl::PlayOnThisThread(const Step& step) {
  switch (step.kind) {
    case StepKind::kRead:
    case StepKind::kWrite:
    case StepKind::kFlush:
    case StepKind::kInquiry:
    case StepKind::kReadCapacity:
    case StepKind::kReportLuns: {
      const std::optional<sp::RequestSpec> spec = requests_.Build(step);
      const uint64_t tag = port_->SubmitRequest(adapter_, *spec);
      sp::Port::Serialized serialized(*port_);
      sp::TsanIgnoreScope bookkeeping;
      requests_.Submitted(tag, step);
      break;
    }
    case StepKind::kDeviceProgress: {
      sp::Port::Serialized serialized(*port_);
      sp::TsanIgnoreScope device_side;
      for (uint32_t i = 0; i < std::clamp<uint32_t>(step.a, 1, 256) && device_->Step(); ++i) {
      }
      break;
    }
    case StepKind::kAdvanceTime: {
      port_->AdvanceTime(uint64_t{step.a} * 1000);
      sp::Port::Serialized serialized(*port_);
      sp::TsanIgnoreScope device_side;
      device_->AdvanceTime(port_->NowNanoseconds());
      break;
    }
    case StepKind::kInterrupt:
      port_->DeliverInterrupt(adapter_, step.a);
      break;
    case StepKind::kRunDpcs:
      port_->RunDpcs();
      break;
    case StepKind::kResetBus:
      port_->ResetBus(adapter_);
      break;
    case StepKind::kStopAdapter:
      port_->StopAdapter(adapter_);
      break;
    case StepKind::kRestartAdapter:
      port_->RestartAdapter(adapter_);
      break;
    case StepKind::kSurpriseRemove:
      port_->SurpriseRemove(adapter_);
      break;
    case StepKind::kGetMsiInfo:
    case StepKind::kAcquireMsiLock:
    case StepKind::kReleaseMsiLock:
      break;  // probes check the contract on the fibers; stress is about the miniport
  }
}

}  // namespace msirig::fuzz
