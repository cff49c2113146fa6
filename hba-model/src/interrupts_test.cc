// Tests of interrupt delivery: MSI-X table, mask and PBA; MSI multiple message with per-vector
// masking; INTx with INTMS/INTMC; coalescing (NVMe 1.4 7.5, 5.21.1.8; PCI 3.0 6.8).
#include <gtest/gtest.h>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::kMsiAddress;
using testing::kMsiDataBase;
using testing::TestDriver;

class InterruptTest : public ::testing::Test {
 protected:
  void Make(Irq irq, DeviceConfig config = {}, uint32_t msi_mme_log2 = 0) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(irq, msi_mme_log2);
    ASSERT_TRUE(drv_->Enable());
  }
  // Submits a Flush on SQ `qid` and runs the device; the CQ is left unconsumed.
  void Flush(uint16_t qid) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::io::kFlush;
    sqe.nsid = 1;
    drv_->Submit(qid, sqe);
    dev_->RunUntilIdle();
  }
  void MaskMsix(uint32_t vector, bool masked) {
    dev_->MmioWrite(kMsixBar, vector * 16ull + 12, 4, masked ? 1 : 0);
  }
  uint64_t Pba() { return dev_->MmioRead(kMsixBar, kMsixPbaOffset, 8); }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(InterruptTest, MsixSendsEachCompletionQueueOnItsVector) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 3));
  ASSERT_TRUE(drv_->CreatePair(2, 16, 7));
  host_.msis.clear();
  Flush(2);
  Flush(1);
  ASSERT_EQ(host_.msis.size(), 2u);
  EXPECT_EQ(host_.msis[0].vector, 7u);
  EXPECT_EQ(host_.msis[0].address, kMsiAddress);
  EXPECT_EQ(host_.msis[0].data, kMsiDataBase + 7);
  EXPECT_EQ(host_.msis[1].vector, 3u);
  EXPECT_EQ(dev_->Counters().interrupts_sent, 6u);  // and four admin completions on vector 0
}

TEST_F(InterruptTest, MsixTableReadsBackAndStartsMasked) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  dev.ConfigWrite(0x04, 2, 0x6);
  EXPECT_EQ(dev.MmioRead(kMsixBar, 12, 4), 1u);  // PCI 3.0 6.8.2.9: masked after reset
  dev.MmioWrite(kMsixBar, 16, 8, 0x00000001FEE01003ull);
  dev.MmioWrite(kMsixBar, 24, 4, 0x1234);
  EXPECT_EQ(dev.MmioRead(kMsixBar, 16, 8), 0x00000001FEE01000ull);  // low 2 bits reserved
  EXPECT_EQ(dev.MmioRead(kMsixBar, 24, 4), 0x1234u);
  dev.MmioWrite(kMsixBar, kMsixPbaOffset, 8, ~0ull);
  EXPECT_EQ(dev.MmioRead(kMsixBar, kMsixPbaOffset, 8), 0u);
  EXPECT_TRUE(host.HasEvent("ub_msix_pba_write"));
}

TEST_F(InterruptTest, MaskedMsixVectorSetsItsPendingBitAndFiresOnUnmask) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 2));
  host_.msis.clear();
  MaskMsix(2, true);
  Flush(1);
  EXPECT_EQ(host_.CountMsis(2), 0u);
  EXPECT_EQ(Pba(), 1u << 2);
  MaskMsix(2, false);
  EXPECT_EQ(host_.CountMsis(2), 0u);  // sent by the device's next step, not inside the write
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(2), 1u);
  EXPECT_EQ(Pba(), 0u);
}

TEST_F(InterruptTest, MsixFunctionMaskHoldsEveryVector) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  host_.msis.clear();
  dev_->ConfigWrite(0x72, 2, 0xC000);  // enable + function mask
  Flush(1);
  EXPECT_TRUE(host_.msis.empty());
  EXPECT_EQ(Pba(), 1u << 1);
  dev_->ConfigWrite(0x72, 2, 0x8000);
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(1), 1u);
}

TEST_F(InterruptTest, MsixPendingBitSurvivesDisableAndFiresAfterReenable) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  host_.msis.clear();
  MaskMsix(1, true);
  Flush(1);
  dev_->ConfigWrite(0x72, 2, 0);  // MSI-X off: nothing is sent, the PBA keeps the bit
  MaskMsix(1, false);
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.msis.empty());
  EXPECT_EQ(Pba(), 1u << 1);
  dev_->ConfigWrite(0x72, 2, 0x8000);
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_EQ(Pba(), 0u);
}

TEST_F(InterruptTest, MsiMultipleMessagePutsTheVectorInTheDataLowBits) {
  DeviceConfig config;
  config.has_msix = false;
  Make(Irq::kMsi, config, /*msi_mme_log2=*/2);  // 4 messages
  ASSERT_TRUE(drv_->CreatePair(1, 16, 3));
  ASSERT_TRUE(drv_->CreatePair(2, 16, 6));  // aliases onto message 2
  host_.msis.clear();
  Flush(1);
  Flush(2);
  ASSERT_EQ(host_.msis.size(), 2u);
  EXPECT_EQ(host_.msis[0].vector, 3u);
  EXPECT_EQ(host_.msis[0].data, kMsiDataBase | 3u);
  EXPECT_EQ(host_.msis[0].address, kMsiAddress);
  EXPECT_EQ(host_.msis[1].vector, 2u);
  EXPECT_EQ(host_.msis[1].data, kMsiDataBase | 2u);
}

TEST_F(InterruptTest, MsiSendsOneMessageUntilTheHostConsumesEveryEntry) {
  DeviceConfig config;
  config.has_msix = false;
  Make(Irq::kMsi, config, 1);  // 2 messages
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  host_.msis.clear();
  Flush(1);
  Flush(1);  // IS for message 1 is still set: no second message
  EXPECT_EQ(host_.CountMsis(1), 1u);
  ASSERT_TRUE(drv_->Reap(1).has_value());
  Flush(1);  // one entry still unconsumed
  EXPECT_EQ(host_.CountMsis(1), 1u);
  ASSERT_TRUE(drv_->Reap(1).has_value());
  ASSERT_TRUE(drv_->Reap(1).has_value());  // all consumed: IS clears
  Flush(1);
  EXPECT_EQ(host_.CountMsis(1), 2u);
}

TEST_F(InterruptTest, MsixSendsAMessagePerCompletionBatch) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  host_.msis.clear();
  Flush(1);
  Flush(1);
  EXPECT_EQ(host_.CountMsis(1), 2u);
}

TEST_F(InterruptTest, MsiPerVectorMaskSetsPendingAndFiresOnUnmask) {
  DeviceConfig config;
  config.has_msix = false;
  Make(Irq::kMsi, config, 2);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  host_.msis.clear();
  dev_->ConfigWrite(0x60, 4, 1u << 1);  // mask message 1
  Flush(1);
  EXPECT_TRUE(host_.msis.empty());
  EXPECT_EQ(dev_->ConfigRead(0x64, 4), 1u << 1);
  dev_->ConfigWrite(0x60, 4, 0);
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(1), 1u);
  EXPECT_EQ(dev_->ConfigRead(0x64, 4), 0u);
}

TEST_F(InterruptTest, MsiInterruptMaskSetHoldsTheMessageUntilMaskClear) {
  DeviceConfig config;
  config.has_msix = false;
  Make(Irq::kMsi, config, 0);  // single message
  ASSERT_TRUE(drv_->CreatePair(1, 16, 0));
  host_.msis.clear();
  drv_->Write32(nvme::kRegIntms, 1);
  Flush(1);
  EXPECT_TRUE(host_.msis.empty());
  drv_->Write32(nvme::kRegIntmc, 1);
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(0), 1u);
}

TEST_F(InterruptTest, IntxAssertsOnCompletionAndDeassertsWhenConsumed) {
  DeviceConfig config;
  config.has_msix = false;
  config.has_msi = false;
  Make(Irq::kIntx, config);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 0));  // reaped: line low again
  EXPECT_FALSE(host_.intx);
  Flush(1);
  EXPECT_TRUE(host_.intx);
  EXPECT_TRUE(dev_->ConfigRead(0x06, 2) & 0x8);  // PCI Status: Interrupt Status
  drv_->Write32(nvme::kRegIntms, 1);
  EXPECT_FALSE(host_.intx);
  drv_->Write32(nvme::kRegIntmc, 1);
  EXPECT_TRUE(host_.intx);
  ASSERT_TRUE(drv_->Reap(1).has_value());
  EXPECT_FALSE(host_.intx);
  EXPECT_FALSE(dev_->ConfigRead(0x06, 2) & 0x8);
}

TEST_F(InterruptTest, IntxDisableKeepsThePinLow) {
  DeviceConfig config;
  config.has_msix = false;
  config.has_msi = false;
  Make(Irq::kNone, config);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 0));
  Flush(1);
  EXPECT_FALSE(host_.intx);
  EXPECT_EQ(dev_->Counters().intx_assertions, 0u);
  EXPECT_EQ(dev_->UnconsumedCompletionQueues().size(), 1u);
}

TEST_F(InterruptTest, QueueWithInterruptsDisabledSignalsNothing) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreateCq(1, 16, 1, /*interrupts=*/false) == 0);
  ASSERT_TRUE(drv_->CreateSq(1, 16, 1) == 0);
  host_.msis.clear();
  Flush(1);
  EXPECT_TRUE(host_.msis.empty());
  ASSERT_TRUE(drv_->Reap(1).has_value());
}

TEST_F(InterruptTest, CoalescingWaitsForTheThresholdOrTheTime) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  nvme::SubmissionEntry set{};
  set.opcode = nvme::admin::kSetFeatures;
  set.cdw10 = nvme::feature::kInterruptCoalescing;
  set.cdw11 = (2u << 8) | 2u;  // 200 us, 3 entries
  ASSERT_TRUE(drv_->Admin(set).has_value());
  host_.msis.clear();
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  for (int i = 0; i < 3; ++i) drv_->Submit(1, sqe);
  while (dev_->Step()) {
  }
  EXPECT_EQ(host_.CountMsis(1), 1u);  // threshold reached: one message for three entries
  drv_->Submit(1, sqe);
  while (dev_->Step()) {
  }
  EXPECT_EQ(host_.CountMsis(1), 1u);  // held by coalescing
  ASSERT_EQ(dev_->NextDeadlineNs(), 200'000u);
  dev_->AdvanceTime(200'000);
  dev_->RunUntilIdle();
  EXPECT_EQ(host_.CountMsis(1), 2u);
  // The admin queue is never coalesced (NVMe 1.4 5.21.1.8).
  host_.msis.clear();
  ASSERT_TRUE(drv_->Admin(set).has_value());
  EXPECT_EQ(host_.CountMsis(0), 1u);
}

TEST_F(InterruptTest, CoalescingDisabledPerVector) {
  Make(Irq::kMsix);
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  nvme::SubmissionEntry set{};
  set.opcode = nvme::admin::kSetFeatures;
  set.cdw10 = nvme::feature::kInterruptCoalescing;
  set.cdw11 = (2u << 8) | 9u;
  ASSERT_TRUE(drv_->Admin(set).has_value());
  set.cdw10 = nvme::feature::kInterruptVectorConfig;
  set.cdw11 = (1u << 16) | 1u;
  ASSERT_TRUE(drv_->Admin(set).has_value());
  host_.msis.clear();
  Flush(1);
  EXPECT_EQ(host_.CountMsis(1), 1u);
}

}  // namespace
}  // namespace msirig::hba
