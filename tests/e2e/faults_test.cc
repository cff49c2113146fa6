// Every device fault kind of the HBA model's FaultPlan, survived: the fault fires (its device
// event is in the trace), each request completes exactly once, the verifier records nothing,
// and a read that succeeds returns what a successful write put there; only where the write
// failed may it return what was there before (a failed write may still have landed).
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>

#include "e2e_world.h"
#include "msirig/storport/trace_recorder.h"

namespace msirig::e2e {
namespace {

struct FaultCase {
  const char* name;
  hba::FaultPlan plan;
  const char* event;  // the device event the fault fires with (hba-model/src/faults.cc)
  sp::InterruptKind kind = sp::InterruptKind::kMsiX;
  uint32_t granted = 8;
};

hba::FaultPlan Plan(void (*set)(hba::FaultPlan&)) {
  hba::FaultPlan plan;
  set(plan);
  return plan;
}

std::vector<FaultCase> Cases() {
  std::vector<FaultCase> cases = {
      {"DroppedInterrupts", Plan([](hba::FaultPlan& p) { p.drop_interrupt_every_n = 2; }),
       "fault_interrupt_dropped"},
      {"DuplicatedInterrupts", Plan([](hba::FaultPlan& p) { p.duplicate_interrupt_every_n = 2; }),
       "fault_interrupt_duplicated"},
      {"MisroutedInterrupts", Plan([](hba::FaultPlan& p) { p.misroute_interrupt_every_n = 2; }),
       "fault_interrupt_misrouted"},
      {"DelayedInterrupts", Plan([](hba::FaultPlan& p) {
         p.delay_interrupt_every_n = 2;
         p.delay_interrupt_ns = 3'000'000;
       }),
       "fault_interrupt_delayed"},
      {"SpuriousInterrupts", Plan([](hba::FaultPlan& p) {
         p.spurious_interrupt_every_n_steps = 3;
         p.spurious_interrupt_vector = 2;
       }),
       "fault_interrupt_spurious"},
      {"InterruptStorm", Plan([](hba::FaultPlan& p) {
         p.interrupt_storm_at_step = 5;
         p.interrupt_storm_count = 64;
         p.interrupt_storm_vector = 1;
       }),
       "fault_interrupt_storm"},
      {"LateCompletions", Plan([](hba::FaultPlan& p) {
         p.late_completion_every_n = 3;
         p.late_completion_ns = 2'000'000'000;
       }),
       "fault_completion_late"},
      {"CompletionsLaterThanTheTimeoutAndAfterReset", Plan([](hba::FaultPlan& p) {
         p.late_completion_every_n = 4;
         p.late_completion_ns = 30'000'000'000;
         p.complete_after_reset = true;
       }),
       "fault_completion_late"},
      {"OutOfOrderCompletions", Plan([](hba::FaultPlan& p) { p.out_of_order_window_commands = 4; }),
       "fault_completion_reordered"},
      {"CorruptCommandIds", Plan([](hba::FaultPlan& p) { p.corrupt_cid_every_n = 3; }),
       "fault_completion_bad_cid"},
      {"CorruptSqIds", Plan([](hba::FaultPlan& p) { p.corrupt_sqid_every_n = 3; }),
       "fault_completion_bad_sqid"},
      {"StalePhaseTags", Plan([](hba::FaultPlan& p) { p.corrupt_phase_every_n = 5; }),
       "fault_completion_bad_phase"},
      {"SurpriseRemoval", Plan([](hba::FaultPlan& p) { p.surprise_removal_at_step = 12; }),
       "fault_surprise_removal"},
      {"ControllerFatal", Plan([](hba::FaultPlan& p) { p.fatal_status_at_step = 12; }),
       "fault_controller_fatal"},
  };
  const size_t base = cases.size();
  for (size_t i = 0; i < base; ++i) {
    FaultCase one = cases[i];
    one.granted = 1;
    cases.push_back(one);
    FaultCase msi = cases[i];
    msi.kind = sp::InterruptKind::kMsi;
    msi.granted = 4;
    cases.push_back(msi);
  }
  return cases;
}

struct FaultParam {
  FaultCase fault;
  const char* parameters;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (pointers).
void PrintTo(const FaultParam& p, std::ostream* os) {
  *os << p.fault.name << " (" << p.parameters << ")";
}

std::vector<FaultParam> Params() {
  std::vector<FaultParam> params;
  for (const FaultCase& c : Cases()) {
    params.push_back({c, "SyncMode=PerMessage;IoQueues=4"});
    params.push_back({c, "SyncMode=All;IoQueues=4"});
  }
  return params;
}

std::string ParamName(const testing::TestParamInfo<FaultParam>& info) {
  const FaultParam& p = info.param;
  return std::string(p.fault.name) +
         (p.fault.kind == sp::InterruptKind::kMsi ? "_Msi" : "_MsiX") +
         std::to_string(p.fault.granted) +
         (std::string(p.parameters).find("All") != std::string::npos ? "_SyncAll" : "_PerMessage");
}

class FaultTest : public testing::TestWithParam<FaultParam> {};

TEST_P(FaultTest, SurvivedWithEveryRequestCompletedOnceAndNoFinding) {
  const FaultParam& p = GetParam();
  WorldConfig config = DefaultConfig();
  config.platform.interrupt_kind = p.fault.kind;
  config.platform.messages_granted = p.fault.granted;
  config.platform.driver_parameter = p.parameters;
  E2eWorld world(config);
  ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
  // After start, so the faults hit I/O ("at_step" knobs count from SetFaultPlan).
  sp::TraceRecorder recorder;
  world.port().RecordTrace(&recorder);
  world.device().SetFaultPlan(p.fault.plan);
  const uint32_t bs = world.block_size();

  constexpr uint32_t kExtents = 24;
  std::map<uint64_t, uint32_t> write_of_tag;
  uint64_t submitted = 0;
  for (uint32_t batch = 0; batch < kExtents / 4; ++batch) {
    for (uint32_t i = batch * 4; i < batch * 4 + 4; ++i) {
      write_of_tag[world.Submit(cdb::Write10(i * 8, Pattern(i * 8, 8, bs, i + 1), bs))] = i;
      ++submitted;
    }
    world.RunUntilQuiet();
  }
  world.RecoverFor(90);
  std::vector<uint64_t> reads;
  for (uint32_t i = 0; i < kExtents; ++i) {
    reads.push_back(world.Submit(cdb::Read10(i * 8, 8, bs)));
    ++submitted;
  }
  world.RecoverFor(90);

  world.port().RecordTrace(nullptr);
  EXPECT_NE(recorder.text().find(std::string("\tdevice\t") + p.fault.event + "\t"),
            std::string::npos)
      << "the fault never fired: no device event " << p.fault.event;

  std::map<uint32_t, UCHAR> write_status;  // by extent
  for (const auto& [tag, index] : write_of_tag) {
    const sp::CompletedRequest* write = world.Completion(tag);
    ASSERT_NE(write, nullptr) << "write " << index;
    EXPECT_NE(write->srb_status, SRB_STATUS_PENDING);
    write_status[index] = write->srb_status;
  }
  for (uint32_t i = 0; i < kExtents; ++i) {
    const sp::CompletedRequest* read = world.Completion(reads[i]);
    ASSERT_NE(read, nullptr) << "read " << i;
    if (read->srb_status != SRB_STATUS_SUCCESS) continue;
    const auto written = Pattern(i * 8, 8, bs, i + 1);
    if (write_status[i] == SRB_STATUS_SUCCESS) {
      EXPECT_TRUE(read->data == written) << "extent " << i << ": its write succeeded, the read "
                                         << "returned other data";
      continue;
    }
    const bool old_data = read->data == std::vector<uint8_t>(written.size(), 0);
    EXPECT_TRUE(read->data == written || old_data)
        << "extent " << i << ": its write failed (0x" << std::hex << int{write_status[i]}
        << "), the read returned neither the old nor the new data";
  }
  const std::string findings = world.EndOfRunFindings(submitted);
  EXPECT_TRUE(findings.empty()) << findings;
}

INSTANTIATE_TEST_SUITE_P(DeviceFaults, FaultTest, testing::ValuesIn(Params()), ParamName);

}  // namespace
}  // namespace msirig::e2e
