// Tests of every FaultPlan knob: each takes effect deterministically and is a named event.
#include <gtest/gtest.h>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::TestDriver;

class FaultTest : public ::testing::Test {
 protected:
  void Make(Irq irq = Irq::kMsix, DeviceConfig config = {}) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(irq);
    ASSERT_TRUE(drv_->Enable());
    ASSERT_TRUE(drv_->CreatePair(1, 16, irq == Irq::kMsix ? 1 : 0));
    host_.msis.clear();
    host_.events.clear();
  }
  void SetUp() override { Make(); }
  uint16_t SubmitFlush(bool ring = true) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::io::kFlush;
    sqe.nsid = 1;
    return drv_->Submit(1, sqe, ring);
  }
  void Flush() {
    SubmitFlush();
    dev_->RunUntilIdle();
  }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(FaultTest, DroppedInterruptPostsTheCompletionSilently) {
  FaultPlan plan;
  plan.drop_interrupt_every_n = 2;
  dev_->SetFaultPlan(plan);
  Flush();
  Flush();
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_EQ(host_.CountEvents("fault_interrupt_dropped"), 1u);
  EXPECT_EQ(dev_->UnconsumedCompletionQueues().at(0).entries, 2u);
}

// The executor's InterruptCauseUnserviced oracle leaves such a queue alone: the driver was never
// told (found by a 10-minute schedule_fuzz run on the correct miniport: a completion after a
// reset whose message was dropped, with no request left to time out).
TEST_F(FaultTest, ADroppedLastMessageMarksTheQueueUntilTheNextMessage) {
  FaultPlan plan;
  plan.drop_interrupt_every_n = 2;
  dev_->SetFaultPlan(plan);
  Flush();  // message 1 sent
  EXPECT_FALSE(dev_->UnconsumedCompletionQueues().at(0).notification_lost);
  Flush();  // message 2 dropped
  EXPECT_TRUE(dev_->UnconsumedCompletionQueues().at(0).notification_lost);
  Flush();  // message 3 sent: the driver hears of all three entries
  EXPECT_EQ(host_.CountMsis(1), 2u);
  EXPECT_FALSE(dev_->UnconsumedCompletionQueues().at(0).notification_lost);
  EXPECT_EQ(dev_->UnconsumedCompletionQueues().at(0).entries, 3u);
}

TEST_F(FaultTest, DuplicatedInterruptArrivesTwice) {
  FaultPlan plan;
  plan.duplicate_interrupt_every_n = 1;
  dev_->SetFaultPlan(plan);
  Flush();
  EXPECT_EQ(host_.CountMsis(1), 2u);
  EXPECT_TRUE(host_.HasEvent("fault_interrupt_duplicated"));
}

TEST_F(FaultTest, MisroutedInterruptUsesAnotherVector) {
  FaultPlan plan;
  plan.misroute_interrupt_every_n = 1;
  plan.misroute_vector_xor = 5;
  dev_->SetFaultPlan(plan);
  Flush();
  EXPECT_EQ(host_.CountMsis(1), 0u);
  EXPECT_EQ(host_.CountMsis(4), 1u);
  const auto* event = host_.FindEvent("fault_interrupt_misrouted");
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->arg0, 1u);
  EXPECT_EQ(event->arg1, 4u);
  // Vector 1's queue never heard of its entry, as if the message had been dropped.
  EXPECT_TRUE(dev_->UnconsumedCompletionQueues().at(0).notification_lost);
}

TEST_F(FaultTest, AMessageMisroutedToItsOwnVectorIsNotLost) {
  FaultPlan plan;
  plan.misroute_interrupt_every_n = 1;
  plan.misroute_vector_xor = 0;
  dev_->SetFaultPlan(plan);
  Flush();
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_FALSE(dev_->UnconsumedCompletionQueues().at(0).notification_lost);
}

// Under MSI aliasing (PCI 3.0 6.8.3.4) one message serves every vector that aliases onto it:
// two messages enabled, queue 1 on vector 3 and queue 2 on vector 1, both on message 1. What
// was lost is the message, so a message on any of the vectors tells the driver of both queues.
class MsiAliasingFaultTest : public FaultTest {
 protected:
  void SetUp() override {
    dev_ = std::make_unique<NvmeDevice>(DeviceConfig{}, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(Irq::kMsi, /*msi_mme_log2=*/1);
    ASSERT_TRUE(drv_->Enable());
    ASSERT_TRUE(drv_->CreatePair(1, 16, 3));
    ASSERT_TRUE(drv_->CreatePair(2, 16, 1));
    host_.msis.clear();
  }
  void FlushOn(uint16_t qid) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::io::kFlush;
    sqe.nsid = 1;
    drv_->Submit(qid, sqe);
    dev_->RunUntilIdle();
  }
  bool Lost(uint16_t cqid) {
    for (const UnconsumedCompletions& q : dev_->UnconsumedCompletionQueues())
      if (q.cqid == cqid) return q.notification_lost;
    ADD_FAILURE() << "completion queue " << cqid << " holds nothing";
    return false;
  }
};

TEST_F(MsiAliasingFaultTest, AMessageMisroutedOntoTheSameMessageIsNotLost) {
  FaultPlan plan;
  plan.misroute_interrupt_every_n = 1;
  plan.misroute_vector_xor = 2;  // vector 3 -> 1: message 1 either way
  dev_->SetFaultPlan(plan);
  FlushOn(1);
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_FALSE(Lost(1));
}

TEST_F(MsiAliasingFaultTest, AMessageOnAnAliasedVectorEndsTheLoss) {
  FaultPlan drop;
  drop.drop_interrupt_every_n = 1;
  dev_->SetFaultPlan(drop);
  FlushOn(1);  // vector 3's message dropped: message 1 never sent
  EXPECT_EQ(host_.CountMsis(1), 0u);
  EXPECT_TRUE(Lost(1));
  dev_->SetFaultPlan(FaultPlan{});
  FlushOn(2);  // vector 1's message: message 1, whose routine drains both queues
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_FALSE(Lost(1));
  EXPECT_FALSE(Lost(2));
}

TEST_F(FaultTest, DelayedInterruptArrivesAfterVirtualTime) {
  FaultPlan plan;
  plan.delay_interrupt_every_n = 1;
  plan.delay_interrupt_ns = 50'000;
  dev_->SetFaultPlan(plan);
  SubmitFlush();
  while (dev_->Step()) {
  }
  EXPECT_EQ(host_.CountMsis(1), 0u);
  EXPECT_TRUE(host_.HasEvent("fault_interrupt_delayed"));
  ASSERT_EQ(dev_->NextDeadlineNs(), 50'000u);
  dev_->AdvanceTime(50'000);
  while (dev_->Step()) {
  }
  EXPECT_EQ(host_.CountMsis(1), 1u);
}

TEST_F(FaultTest, SpuriousInterruptHasNoCompletionBehindIt) {
  FaultPlan plan;
  plan.spurious_interrupt_every_n_steps = 3;
  plan.spurious_interrupt_vector = 2;
  dev_->SetFaultPlan(plan);
  for (int i = 0; i < 6; ++i) dev_->Step();
  EXPECT_EQ(host_.CountMsis(2), 2u);
  EXPECT_EQ(host_.CountEvents("fault_interrupt_spurious"), 2u);
  EXPECT_TRUE(dev_->UnconsumedCompletionQueues().empty());
}

TEST_F(FaultTest, SpuriousIntxIsAPulseUntilTheNextAccess) {
  DeviceConfig config;
  config.has_msi = config.has_msix = false;
  Make(Irq::kIntx, config);
  FaultPlan plan;
  plan.spurious_interrupt_every_n_steps = 1;
  dev_->SetFaultPlan(plan);
  dev_->Step();
  EXPECT_TRUE(host_.intx);
  drv_->Read32(nvme::kRegCsts);
  EXPECT_FALSE(host_.intx);
}

TEST_F(FaultTest, SpuriousMsiMessageIgnoresTheInterruptStatus) {
  DeviceConfig config;
  config.has_msix = false;
  Make(Irq::kMsi, config);
  FaultPlan plan;
  plan.spurious_interrupt_every_n_steps = 1;
  plan.spurious_interrupt_vector = 5;  // one message enabled: aliases onto message 0
  dev_->SetFaultPlan(plan);
  dev_->Step();
  dev_->Step();
  EXPECT_EQ(host_.CountMsis(0), 2u);
}

TEST_F(FaultTest, InterruptStormSendsOneMessagePerStep) {
  FaultPlan plan;
  plan.interrupt_storm_at_step = 1;
  plan.interrupt_storm_count = 100;
  plan.interrupt_storm_vector = 3;
  dev_->SetFaultPlan(plan);
  EXPECT_EQ(dev_->RunUntilIdle(), 100u);
  EXPECT_EQ(host_.CountMsis(3), 100u);
  EXPECT_EQ(host_.CountEvents("fault_interrupt_storm"), 1u);
}

TEST_F(FaultTest, LateCompletionIsPostedAfterVirtualTime) {
  FaultPlan plan;
  plan.late_completion_every_n = 1;
  plan.late_completion_ns = 1'000'000;
  dev_->SetFaultPlan(plan);
  SubmitFlush();
  while (dev_->Step()) {
  }
  EXPECT_FALSE(drv_->Reap(1).has_value());
  EXPECT_EQ(dev_->CommandsInFlight(), 1u);
  EXPECT_TRUE(host_.HasEvent("fault_completion_late"));
  dev_->RunUntilIdle();
  EXPECT_EQ(dev_->NowNs(), 1'000'000u);
  EXPECT_TRUE(drv_->Reap(1).has_value());
  EXPECT_EQ(dev_->CommandsInFlight(), 0u);
}

TEST_F(FaultTest, OutOfOrderWindowPostsNewestFirst) {
  FaultPlan plan;
  plan.out_of_order_window_commands = 3;
  dev_->SetFaultPlan(plan);
  const uint16_t a = SubmitFlush(false);
  const uint16_t b = SubmitFlush(false);
  const uint16_t c = SubmitFlush();
  dev_->RunUntilIdle();
  EXPECT_EQ(drv_->Reap(1)->cid, c);
  EXPECT_EQ(drv_->Reap(1)->cid, b);
  EXPECT_EQ(drv_->Reap(1)->cid, a);
  EXPECT_EQ(host_.CountEvents("fault_completion_reordered"), 2u);
}

TEST_F(FaultTest, CorruptCommandIdentifier) {
  FaultPlan plan;
  plan.corrupt_cid_every_n = 1;
  dev_->SetFaultPlan(plan);
  const uint16_t cid = SubmitFlush();
  dev_->RunUntilIdle();
  EXPECT_EQ(drv_->Reap(1)->cid, static_cast<uint16_t>(~cid));
  EXPECT_TRUE(host_.HasEvent("fault_completion_bad_cid"));
}

TEST_F(FaultTest, CorruptSubmissionQueueIdentifier) {
  FaultPlan plan;
  plan.corrupt_sqid_every_n = 1;
  dev_->SetFaultPlan(plan);
  Flush();
  EXPECT_EQ(drv_->Reap(1)->sq_id, 0xFFFEu);
  EXPECT_TRUE(host_.HasEvent("fault_completion_bad_sqid"));
}

TEST_F(FaultTest, CorruptPhaseHidesTheEntryFromTheHost) {
  FaultPlan plan;
  plan.corrupt_phase_every_n = 1;
  dev_->SetFaultPlan(plan);
  Flush();
  EXPECT_FALSE(drv_->Reap(1).has_value());
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_TRUE(host_.HasEvent("fault_completion_bad_phase"));
  // The host cannot see it, so it is not an entry left unserviced.
  EXPECT_TRUE(dev_->UnconsumedCompletionQueues().empty());
}

TEST_F(FaultTest, EntriesBehindACorruptPhaseAreNotCountedAsUnconsumed) {
  FaultPlan plan;
  plan.corrupt_phase_every_n = 2;  // the second completion gets the wrong phase tag
  dev_->SetFaultPlan(plan);
  Flush();
  Flush();
  Flush();
  // The first is visible; the second looks old, and hides the third behind it.
  ASSERT_EQ(dev_->UnconsumedCompletionQueues().size(), 1u);
  EXPECT_EQ(dev_->UnconsumedCompletionQueues().at(0).entries, 1u);
}

TEST_F(FaultTest, SurpriseRemovalReadsAllOnes) {
  FaultPlan plan;
  plan.surprise_removal_at_step = 1;
  dev_->SetFaultPlan(plan);
  EXPECT_TRUE(dev_->Step());
  EXPECT_TRUE(dev_->Removed());
  EXPECT_EQ(drv_->Read32(nvme::kRegCsts), 0xFFFFFFFFu);
  EXPECT_EQ(dev_->MmioRead(0, 0, 8), ~0ull);
  EXPECT_EQ(dev_->ConfigRead(0, 4), 0xFFFFFFFFu);
  EXPECT_EQ(dev_->ConfigRead(0, 2), 0xFFFFu);
  SubmitFlush();
  EXPECT_EQ(dev_->RunUntilIdle(), 0u);
  EXPECT_TRUE(host_.HasEvent("fault_surprise_removal"));
}

TEST_F(FaultTest, ControllerFatalStatusStopsProcessingUntilReset) {
  FaultPlan plan;
  plan.fatal_status_at_step = 1;
  dev_->SetFaultPlan(plan);
  dev_->Step();
  EXPECT_TRUE(drv_->Read32(nvme::kRegCsts) & nvme::csts::kCfs);
  SubmitFlush();
  dev_->RunUntilIdle();
  EXPECT_FALSE(drv_->Reap(1).has_value());
  EXPECT_TRUE(host_.HasEvent("fault_controller_fatal"));
  EXPECT_TRUE(host_.HasEvent("ub_doorbell_while_fatal"));
  drv_->Write32(nvme::kRegCc, 0x00460000);
  EXPECT_FALSE(drv_->Read32(nvme::kRegCsts) & nvme::csts::kCfs);
  EXPECT_TRUE(drv_->Enable());
}

TEST_F(FaultTest, CompletionAfterResetLandsInTheRecreatedQueue) {
  FaultPlan plan;
  plan.complete_after_reset = true;
  dev_->SetFaultPlan(plan);
  const uint16_t cid = SubmitFlush();
  ASSERT_TRUE(dev_->Step());  // fetched and executed, not yet posted
  EXPECT_EQ(dev_->CommandsInFlight(), 1u);
  drv_->Write32(nvme::kRegCc, 0x00460000);
  ASSERT_TRUE(drv_->Enable());
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  dev_->RunUntilIdle();
  const auto cqe = drv_->Reap(1);
  ASSERT_TRUE(cqe.has_value());
  EXPECT_EQ(cqe->cid, cid);
  EXPECT_TRUE(host_.HasEvent("fault_completion_after_reset"));
}

TEST_F(FaultTest, WithoutTheKnobAResetDiscardsUnpostedCompletions) {
  SubmitFlush();
  ASSERT_TRUE(dev_->Step());
  drv_->Write32(nvme::kRegCc, 0x00460000);
  EXPECT_EQ(dev_->Counters().completions_discarded, 1u);
  EXPECT_EQ(dev_->CommandsInFlight(), 0u);
}

TEST_F(FaultTest, SameFaultPlanGivesTheSameTrace) {
  auto run = [](std::vector<testing::EventRecord>* events, std::vector<testing::MsiRecord>* msis) {
    FakeHost host;
    NvmeDevice dev(DeviceConfig{}, host);
    TestDriver drv(dev, host);
    drv.PciInit(Irq::kMsix);
    drv.Enable();
    drv.CreatePair(1, 8, 1);
    FaultPlan plan;
    plan.drop_interrupt_every_n = 3;
    plan.duplicate_interrupt_every_n = 2;
    plan.corrupt_cid_every_n = 4;
    plan.out_of_order_window_commands = 2;
    plan.spurious_interrupt_every_n_steps = 7;
    dev.SetFaultPlan(plan);
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::io::kFlush;
    sqe.nsid = 1;
    for (int i = 0; i < 20; ++i) {
      drv.Submit(1, sqe);
      dev.RunUntilIdle();
      while (drv.Reap(1)) {
      }
    }
    *events = host.events;
    *msis = host.msis;
  };
  std::vector<testing::EventRecord> e1, e2;
  std::vector<testing::MsiRecord> m1, m2;
  run(&e1, &m1);
  run(&e2, &m2);
  ASSERT_EQ(e1.size(), e2.size());
  for (size_t i = 0; i < e1.size(); ++i) EXPECT_EQ(e1[i].name, e2[i].name);
  ASSERT_EQ(m1.size(), m2.size());
  EXPECT_FALSE(e1.empty());
}

}  // namespace
}  // namespace msirig::hba
