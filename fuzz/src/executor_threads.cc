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
        for (const Step& step : per_cpu[cpu]) {
          // Probes check the contract on the fibers; stress is about the miniport.
          const bool probe = step.kind == StepKind::kGetMsiInfo ||
                             step.kind == StepKind::kAcquireMsiLock ||
                             step.kind == StepKind::kReleaseMsiLock;
          if (probe) continue;
          Act(step);
          // Completions are checked as they arrive, as on the fibers: a request submitted
          // later must not make one that already completed look racy.
          requests_.CheckArrived(*port_, adapter_);
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
  }
  threads_ = false;
  port_->SetRealThreads(false);
}

}  // namespace msirig::fuzz
