// Tests of guest misuse: each is a named "ub_*" event, the device carries on as the spec says,
// and nothing the driver does aborts the model.
#include <gtest/gtest.h>

#include <cstring>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::ScOf;
using testing::TestDriver;

class MisuseTest : public ::testing::Test {
 protected:
  void Make(DeviceConfig config = {}, bool enable = true) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(Irq::kMsix);
    if (enable) {
      ASSERT_TRUE(drv_->Enable());
      ASSERT_TRUE(drv_->CreatePair(1, 8, 1));
    }
  }
  void SetUp() override { Make(); }
  nvme::SubmissionEntry FlushCommand() {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::io::kFlush;
    sqe.nsid = 1;
    return sqe;
  }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(MisuseTest, DoorbellBeforeReadyIsIgnored) {
  DeviceConfig config;
  config.ready_latency_ns = 1000;
  Make(config, false);
  drv_->Write32(nvme::SqTailDoorbell(0, 0), 1);  // not even enabled
  drv_->Write32(nvme::kRegAqa, 0x00070007);
  dev_->MmioWrite(0, nvme::kRegAsq, 8, drv_->Alloc(4096));
  dev_->MmioWrite(0, nvme::kRegAcq, 8, drv_->Alloc(4096));
  drv_->Write32(nvme::kRegCc, 0x00460001);
  drv_->Write32(nvme::SqTailDoorbell(0, 0), 1);  // enabled, not ready
  EXPECT_EQ(host_.CountEvents("ub_doorbell_before_ready"), 2u);
  dev_->RunUntilIdle();
  EXPECT_TRUE(dev_->Ready());
  EXPECT_EQ(dev_->Counters().commands_fetched, 0u);
}

TEST_F(MisuseTest, EnableAgainBeforeNotReady) {
  DeviceConfig config;
  config.ready_latency_ns = 1000;
  Make(config, false);
  ASSERT_TRUE(drv_->Enable());
  drv_->Write32(nvme::kRegCc, 0x00460000);
  drv_->Write32(nvme::kRegCc, 0x00460001);  // RDY still 1
  EXPECT_TRUE(host_.HasEvent("ub_enable_before_not_ready"));
  dev_->RunUntilIdle();
  EXPECT_TRUE(dev_->Ready());
}

TEST_F(MisuseTest, DoorbellsOfQueuesThatDoNotExist) {
  drv_->Write32(nvme::SqTailDoorbell(5, 0), 1);
  drv_->Write32(nvme::CqHeadDoorbell(5, 0), 1);
  drv_->Write32(nvme::SqTailDoorbell(16, 0), 1);  // last doorbell inside BAR0
  EXPECT_EQ(host_.CountEvents("ub_doorbell_nonexistent_queue"), 3u);
  EXPECT_EQ(dev_->RunUntilIdle(), 0u);
}

TEST_F(MisuseTest, DoorbellValuesOutOfRange) {
  drv_->Write32(nvme::SqTailDoorbell(1, 0), 8);  // queue of 8 entries
  EXPECT_TRUE(host_.HasEvent("ub_sq_tail_out_of_range"));
  drv_->Write32(nvme::CqHeadDoorbell(1, 0), 9);
  EXPECT_TRUE(host_.HasEvent("ub_cq_head_out_of_range"));
  drv_->Write32(nvme::CqHeadDoorbell(1, 0), 3);  // nothing posted yet
  EXPECT_TRUE(host_.HasEvent("ub_cq_head_beyond_tail"));
  // The queue still works.
  EXPECT_TRUE(drv_->Run(1, FlushCommand(), 1).has_value());
}

TEST_F(MisuseTest, PartialDoorbellWrite) {
  drv_->Submit(1, FlushCommand(), false);
  dev_->MmioWrite(0, nvme::SqTailDoorbell(1, 0), 2, 1);
  EXPECT_TRUE(host_.HasEvent("ub_doorbell_partial_write"));
  dev_->RunUntilIdle();
  EXPECT_TRUE(drv_->Reap(1).has_value());
}

TEST_F(MisuseTest, UnmappedSubmissionQueueIsControllerFatal) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kCreateIoSq;
  sqe.prp1 = 0x7000000000ull;  // unmapped queue memory
  sqe.cdw10 = (7u << 16) | 2;
  sqe.cdw11 = (1u << 16) | 1;
  ASSERT_TRUE(drv_->Admin(sqe).has_value());
  drv_->Write32(nvme::SqTailDoorbell(2, 0), 1);
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("ub_dma_unmapped_sq_entry"));
  EXPECT_TRUE(dev_->Fatal());
}

TEST_F(MisuseTest, UnmappedCompletionQueueIsControllerFatal) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kCreateIoCq;
  sqe.prp1 = 0x7000000000ull;
  sqe.cdw10 = (7u << 16) | 2;
  sqe.cdw11 = 1;
  ASSERT_TRUE(drv_->Admin(sqe).has_value());
  ASSERT_EQ(drv_->CreateSq(2, 8, 2), 0u);
  drv_->Submit(2, FlushCommand());
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("ub_dma_unmapped_cq_entry"));
  EXPECT_TRUE(dev_->Fatal());
}

TEST_F(MisuseTest, DmaWithoutBusMasterFails) {
  dev_->ConfigWrite(0x04, 2, 0x0002);  // memory only
  drv_->Submit(1, FlushCommand());
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("ub_dma_without_bus_master"));
  EXPECT_TRUE(dev_->Fatal());
}

TEST_F(MisuseTest, IoQueueEntrySizesMustBeSet) {
  Make({}, false);
  drv_->Write32(nvme::kRegAqa, 0x00070007);
  dev_->MmioWrite(0, nvme::kRegAsq, 8, drv_->Alloc(4096));
  dev_->MmioWrite(0, nvme::kRegAcq, 8, drv_->Alloc(4096));
  drv_->Write32(nvme::kRegCc, 1);  // IOSQES/IOCQES left 0
  dev_->RunUntilIdle();
  ASSERT_TRUE(dev_->Ready());
  // TestDriver::Enable was not used, so drive the admin queue by hand through a fresh driver.
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kCreateIoCq;
  sqe.prp1 = drv_->Alloc(4096);
  sqe.cdw10 = (7u << 16) | 1;
  sqe.cdw11 = 1;
  const uint64_t asq = dev_->MmioRead(0, nvme::kRegAsq, 8);
  std::memcpy(drv_->Mem(asq, 64), &sqe, 64);
  sqe.opcode = nvme::admin::kCreateIoSq;
  std::memcpy(drv_->Mem(asq + 64, 64), &sqe, 64);
  drv_->Write32(nvme::SqTailDoorbell(0, 0), 2);
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("ub_iocqes_not_set"));
  EXPECT_TRUE(host_.HasEvent("ub_iosqes_not_set"));
}

TEST_F(MisuseTest, MsiAndMsixTogether) {
  dev_->ConfigWrite(0x52, 2, 1);
  EXPECT_TRUE(host_.HasEvent("ub_msi_and_msix_enabled"));
  host_.msis.clear();
  EXPECT_TRUE(drv_->Run(1, FlushCommand(), 1).has_value());
  EXPECT_EQ(host_.CountMsis(1), 1u);  // MSI-X wins
}

TEST_F(MisuseTest, WritesBeyondTheMsixTable) {
  dev_->MmioWrite(kMsixBar, 16 * 16, 4, 1);  // after the 16-entry table
  EXPECT_TRUE(host_.HasEvent("ub_msix_reserved_write"));
  EXPECT_EQ(dev_->MmioRead(kMsixBar, 16 * 16, 4), 0u);
}

TEST_F(MisuseTest, HostilePrpLists) {
  const uint64_t buffer = drv_->Alloc(4 * 4096);
  auto cqe = drv_->Run(1, TestDriver::ReadWriteCommand(false, 1, 0, 24, buffer, buffer + 4), 1);
  EXPECT_EQ(ScOf(*cqe), nvme::sc::kPrpOffsetInvalid);
  EXPECT_TRUE(host_.HasEvent("ub_prp_list_misaligned"));
  // A list whose only slot is the last qword of its page can only chain: refused.
  const uint64_t list = drv_->Alloc(4096) + 4096 - 8;
  const uint64_t self = list - (4096 - 8);
  std::memcpy(drv_->Mem(list, 8), &self, 8);
  cqe = drv_->Run(1, TestDriver::ReadWriteCommand(false, 1, 0, 24, buffer, list), 1);
  EXPECT_EQ(ScOf(*cqe), nvme::sc::kPrpOffsetInvalid);
  EXPECT_TRUE(host_.HasEvent("ub_prp_list_degenerate"));
  // A PRP list entry with an offset.
  const uint64_t list2 = drv_->Alloc(4096);
  const uint64_t bad = buffer + 0x1010;
  std::memcpy(drv_->Mem(list2, 8), &bad, 8);
  cqe = drv_->Run(1, TestDriver::ReadWriteCommand(false, 1, 0, 24, buffer, list2), 1);
  EXPECT_EQ(ScOf(*cqe), nvme::sc::kPrpOffsetInvalid);
}

TEST_F(MisuseTest, CompletionForADeletedQueueIsDiscarded) {
  FaultPlan plan;
  plan.late_completion_every_n = 1;
  plan.late_completion_ns = 1000;
  dev_->SetFaultPlan(plan);
  drv_->Submit(1, FlushCommand());
  while (dev_->Step()) {
  }
  dev_->SetFaultPlan(FaultPlan{});
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kDeleteIoSq;
  sqe.cdw10 = 1;
  drv_->Submit(0, sqe);
  sqe.opcode = nvme::admin::kDeleteIoCq;
  drv_->Submit(0, sqe);
  while (dev_->Step()) {
  }
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("completion_queue_missing"));
  EXPECT_EQ(dev_->Counters().completions_discarded, 1u);
}

TEST_F(MisuseTest, HostileRegisterSequenceNeverAborts) {
  for (uint64_t offset = 0; offset < 0x1100; offset += 4) {
    dev_->MmioWrite(0, offset, 4, 0xFFFFFFFF);
    dev_->MmioRead(0, offset, 4);
  }
  dev_->RunUntilIdle();
  for (uint16_t offset = 0; offset < 0x100; offset += 4) dev_->ConfigWrite(offset, 4, ~0u);
  dev_->RunUntilIdle();
  SUCCEED();
}

}  // namespace
}  // namespace msirig::hba
