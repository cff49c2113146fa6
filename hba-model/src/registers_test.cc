// Tests of the controller registers (NVMe 1.4 3.1) and the enable, reset and shutdown
// handshakes (NVMe 1.4 7.6).
#include <gtest/gtest.h>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::TestDriver;

class RegistersTest : public ::testing::Test {
 protected:
  void Make(DeviceConfig config = {}) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_, config.doorbell_stride_shift);
    drv_->PciInit(Irq::kMsix);
  }
  uint64_t Read(uint32_t offset, unsigned size) { return dev_->MmioRead(0, offset, size); }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(RegistersTest, CapReportsTheConfiguredController) {
  DeviceConfig config;
  config.max_queue_entries = 256;
  config.doorbell_stride_shift = 2;
  config.timeout_500ms = 7;
  Make(config);
  const uint64_t cap = Read(nvme::kRegCap, 8);
  EXPECT_EQ(cap & 0xFFFF, 255u);       // MQES
  EXPECT_TRUE(cap & nvme::cap::kCqr);  // contiguous queues required
  EXPECT_EQ((cap >> 24) & 0xFF, 7u);   // TO
  EXPECT_EQ((cap >> 32) & 0xF, 2u);    // DSTRD
  EXPECT_TRUE(cap & nvme::cap::kCssNvm);
  EXPECT_EQ((cap >> 48) & 0xF, 0u);  // MPSMIN 4 KiB
  EXPECT_EQ((cap >> 52) & 0xF, 4u);  // MPSMAX 64 KiB
  EXPECT_EQ(Read(nvme::kRegCap, 4), static_cast<uint32_t>(cap));
  EXPECT_EQ(Read(nvme::kRegCap + 4, 4), cap >> 32);
}

TEST_F(RegistersTest, VersionIs14) {
  Make();
  EXPECT_EQ(Read(nvme::kRegVs, 4), 0x00010400u);
}

TEST_F(RegistersTest, ReadOnlyRegistersIgnoreWritesAndSaySo) {
  Make();
  const uint64_t cap = Read(nvme::kRegCap, 8);
  dev_->MmioWrite(0, nvme::kRegCap, 8, 0);
  dev_->MmioWrite(0, nvme::kRegVs, 4, 0);
  dev_->MmioWrite(0, nvme::kRegCsts, 4, 1);
  EXPECT_EQ(Read(nvme::kRegCap, 8), cap);
  EXPECT_EQ(Read(nvme::kRegCsts, 4), 0u);
  EXPECT_EQ(host_.CountEvents("ub_write_read_only_register"), 4u);
}

TEST_F(RegistersTest, AdminQueueRegistersKeepReservedBitsZero) {
  Make();
  dev_->MmioWrite(0, nvme::kRegAqa, 4, 0xFFFFFFFF);
  EXPECT_EQ(Read(nvme::kRegAqa, 4), 0x0FFF0FFFu);
  dev_->MmioWrite(0, nvme::kRegAsq, 8, 0x123456789ABCDEFFull);
  EXPECT_EQ(Read(nvme::kRegAsq, 8), 0x123456789ABCD000ull);
  dev_->MmioWrite(0, nvme::kRegAcq, 4, 0xFFFFFFFF);
  dev_->MmioWrite(0, nvme::kRegAcq + 4, 4, 0x1);
  EXPECT_EQ(Read(nvme::kRegAcq, 8), 0x1FFFFF000ull);
}

TEST_F(RegistersTest, ControllerConfigurationKeepsWritableFields) {
  Make();
  dev_->MmioWrite(0, nvme::kRegCc, 4, 0xFFFFFFFE);
  EXPECT_EQ(Read(nvme::kRegCc, 4), 0x00FFFFF0u);
  dev_->MmioWrite(0, nvme::kRegCc + 2, 1, 0x00);  // byte write merges
  EXPECT_EQ(Read(nvme::kRegCc, 4), 0x0000FFF0u);
}

TEST_F(RegistersTest, EnableSetsReadyAfterTheConfiguredLatency) {
  DeviceConfig config;
  config.ready_latency_ns = 5000;
  Make(config);
  drv_->Write32(nvme::kRegAqa, 0x000F000F);
  dev_->MmioWrite(0, nvme::kRegAsq, 8, drv_->Alloc(4096));
  dev_->MmioWrite(0, nvme::kRegAcq, 8, drv_->Alloc(4096));
  drv_->Write32(nvme::kRegCc, 0x00460001);
  EXPECT_EQ(Read(nvme::kRegCsts, 4) & 1, 0u);
  ASSERT_EQ(dev_->NextDeadlineNs(), 5000u);
  dev_->AdvanceTime(4999);
  EXPECT_EQ(Read(nvme::kRegCsts, 4) & 1, 0u);
  dev_->AdvanceTime(5000);
  EXPECT_EQ(Read(nvme::kRegCsts, 4) & 1, 1u);
  // Reset: RDY follows CC.EN to 0 after the same latency.
  drv_->Write32(nvme::kRegCc, 0x00460000);
  EXPECT_EQ(Read(nvme::kRegCsts, 4) & 1, 1u);
  dev_->AdvanceTime(10000);
  EXPECT_EQ(Read(nvme::kRegCsts, 4) & 1, 0u);
}

TEST_F(RegistersTest, AQuickResetCancelsThePendingReadyTransition) {
  DeviceConfig config;
  config.ready_latency_ns = 1000;
  Make(config);
  drv_->Write32(nvme::kRegAqa, 0x000F000F);
  dev_->MmioWrite(0, nvme::kRegAsq, 8, drv_->Alloc(4096));
  dev_->MmioWrite(0, nvme::kRegAcq, 8, drv_->Alloc(4096));
  drv_->Write32(nvme::kRegCc, 0x00460001);
  dev_->AdvanceTime(500);
  drv_->Write32(nvme::kRegCc, 0x00460000);
  dev_->AdvanceTime(600);
  drv_->Write32(nvme::kRegCc, 0x00460001);
  dev_->AdvanceTime(1000);  // the first enable's timer is stale
  EXPECT_FALSE(dev_->Ready());
  dev_->AdvanceTime(1599);
  EXPECT_FALSE(dev_->Ready());
  dev_->AdvanceTime(1600);
  EXPECT_TRUE(dev_->Ready());
  dev_->AdvanceTime(10);  // time never goes back
  EXPECT_EQ(dev_->NowNs(), 1600u);
}

TEST_F(RegistersTest, ResetDeletesIoQueuesAndReenableStartsClean) {
  Make();
  ASSERT_TRUE(drv_->Enable());
  ASSERT_TRUE(drv_->CreatePair(1, 16, 1));
  drv_->Write32(nvme::kRegCc, 0x00460000);
  EXPECT_FALSE(dev_->Ready());
  ASSERT_TRUE(drv_->Enable());
  // Queue 1 no longer exists: its doorbell is a misuse event.
  drv_->Write32(nvme::SqTailDoorbell(1, 0), 1);
  EXPECT_TRUE(host_.HasEvent("ub_doorbell_nonexistent_queue"));
}

TEST_F(RegistersTest, ShutdownNotificationCompletesAfterLatency) {
  DeviceConfig config;
  config.shutdown_latency_ns = 100;
  Make(config);
  ASSERT_TRUE(drv_->Enable());
  drv_->Write32(nvme::kRegCc, drv_->Read32(nvme::kRegCc) | (1u << 14));
  EXPECT_EQ((Read(nvme::kRegCsts, 4) >> 2) & 3, 1u);  // occurring
  dev_->RunUntilIdle();
  EXPECT_EQ((Read(nvme::kRegCsts, 4) >> 2) & 3, 2u);  // complete
  // After shutdown the controller fetches nothing.
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kGetFeatures;
  sqe.cdw10 = nvme::feature::kNumberOfQueues;
  EXPECT_FALSE(drv_->Run(0, sqe, 0).has_value());
  EXPECT_TRUE(host_.HasEvent("ub_doorbell_after_shutdown"));
}

TEST_F(RegistersTest, InvalidEnableNeverBecomesReady) {
  Make();
  drv_->Write32(nvme::kRegAqa, 0);  // one-entry admin queues
  drv_->Write32(nvme::kRegCc, 0x00460001);
  dev_->RunUntilIdle();
  EXPECT_FALSE(dev_->Ready());
  EXPECT_TRUE(host_.HasEvent("ub_enable_invalid_config"));
}

TEST_F(RegistersTest, CcFieldsAreFrozenWhileEnabled) {
  Make();
  ASSERT_TRUE(drv_->Enable());
  drv_->Write32(nvme::kRegCc, drv_->Read32(nvme::kRegCc) | (1u << 7));  // MPS 8 KiB
  EXPECT_EQ((drv_->Read32(nvme::kRegCc) >> 7) & 0xF, 0u);
  EXPECT_TRUE(host_.HasEvent("ub_cc_changed_while_enabled"));
}

TEST_F(RegistersTest, InterruptMaskSetAndClearReadTheSameMask) {
  Make();
  dev_->ConfigWrite(0x72, 2, 0);  // leave MSI-X: INTMS is for INTx/MSI
  drv_->Write32(nvme::kRegIntms, 0x5);
  EXPECT_EQ(drv_->Read32(nvme::kRegIntms), 0x5u);
  EXPECT_EQ(drv_->Read32(nvme::kRegIntmc), 0x5u);
  drv_->Write32(nvme::kRegIntmc, 0x1);
  EXPECT_EQ(drv_->Read32(nvme::kRegIntms), 0x4u);
}

TEST_F(RegistersTest, InterruptMaskRegistersAreOffLimitsUnderMsix) {
  Make();
  drv_->Write32(nvme::kRegIntms, 1);
  EXPECT_EQ(drv_->Read32(nvme::kRegIntms), 0u);
  EXPECT_TRUE(host_.HasEvent("ub_intm_with_msix"));
}

TEST_F(RegistersTest, DoorbellsHonourTheStride) {
  DeviceConfig config;
  config.doorbell_stride_shift = 3;  // 32-byte stride
  Make(config);
  ASSERT_TRUE(drv_->Enable());
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kGetFeatures;
  sqe.cdw10 = nvme::feature::kNumberOfQueues;
  const auto cqe = drv_->Run(0, sqe, 0);  // rings at 1000h and 1020h
  ASSERT_TRUE(cqe.has_value());
  EXPECT_EQ(testing::StatusOf(*cqe), 0u);
  drv_->Write32(0x1004, 1);  // between doorbells
  EXPECT_TRUE(host_.HasEvent("ub_doorbell_reserved_offset"));
  EXPECT_EQ(drv_->Read32(0x1000), 0u);  // doorbells read as zero
}

TEST_F(RegistersTest, ReservedRegistersReadZeroAndWritesAreReported) {
  Make();
  EXPECT_EQ(Read(0x40, 4), 0u);
  drv_->Write32(0x40, 1);
  drv_->Write32(nvme::kRegNssr, 0x4E564D65);
  EXPECT_EQ(host_.CountEvents("ub_write_reserved_register"), 2u);
}

TEST_F(RegistersTest, MemoryDecodeOffReadsAllOnes) {
  Make();
  dev_->ConfigWrite(0x04, 2, 0);
  EXPECT_EQ(Read(nvme::kRegVs, 4), 0xFFFFFFFFu);
  EXPECT_TRUE(host_.HasEvent("ub_mmio_memory_disabled"));
}

TEST_F(RegistersTest, AccessesOutsideTheBarsAreReported) {
  Make();
  EXPECT_EQ(dev_->MmioRead(0, 1ull << 40, 4), 0xFFFFFFFFu);
  dev_->MmioWrite(2, 0, 4, 0);
  EXPECT_EQ(dev_->MmioRead(0, 0x14, 3), ~0ull);
  EXPECT_EQ(host_.CountEvents("ub_mmio_outside_bars"), 2u);
  EXPECT_TRUE(host_.HasEvent("ub_mmio_bad_size"));
  Read(0x15, 4);
  EXPECT_TRUE(host_.HasEvent("ub_mmio_misaligned"));
}

}  // namespace
}  // namespace msirig::hba
