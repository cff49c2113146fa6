// Tests of the Admin command set (NVMe 1.4 chapter 5).
#include <gtest/gtest.h>

#include <cstring>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::ScOf;
using testing::SctOf;
using testing::StatusOf;
using testing::TestDriver;

class AdminTest : public ::testing::Test {
 protected:
  void Make(DeviceConfig config = {}) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(Irq::kMsix);
    ASSERT_TRUE(drv_->Enable());
  }
  void SetUp() override { Make(); }

  nvme::CompletionEntry Admin(nvme::SubmissionEntry sqe) {
    auto cqe = drv_->Admin(sqe);
    EXPECT_TRUE(cqe.has_value());
    return cqe.value_or(nvme::CompletionEntry{});
  }
  nvme::CompletionEntry Identify(uint8_t cns, uint32_t nsid, uint64_t buffer) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::admin::kIdentify;
    sqe.nsid = nsid;
    sqe.prp1 = buffer;
    sqe.cdw10 = cns;
    return Admin(sqe);
  }
  nvme::CompletionEntry Features(uint8_t opcode, uint8_t fid, uint32_t cdw11) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = opcode;
    sqe.cdw10 = fid;
    sqe.cdw11 = cdw11;
    return Admin(sqe);
  }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(AdminTest, IdentifyControllerFillsTheFieldsADriverReads) {
  const uint64_t buffer = drv_->Alloc(4096);
  const auto cqe = Identify(nvme::cns::kController, 0, buffer);
  ASSERT_EQ(StatusOf(cqe), 0u);
  EXPECT_EQ(cqe.sq_id, 0u);
  nvme::IdentifyController id;
  std::memcpy(&id, drv_->Mem(buffer, 4096), sizeof(id));
  EXPECT_EQ(id.vid, 0x1B36u);
  EXPECT_EQ(std::string(id.sn, 11), "MSIRIG-0001");
  EXPECT_EQ(id.sn[19], ' ');
  EXPECT_EQ(std::string(id.fr, 3), "1.0");
  EXPECT_EQ(id.mdts, 5u);
  EXPECT_EQ(id.sqes, 0x66u);
  EXPECT_EQ(id.cqes, 0x44u);
  EXPECT_EQ(id.nn, 1u);
  EXPECT_EQ(id.ver, 0x00010400u);
}

TEST_F(AdminTest, IdentifyNamespaceReportsSizeAndFormat) {
  DeviceConfig config;
  config.namespaces = {{1000, 512}, {64, 4096}};
  Make(config);
  const uint64_t buffer = drv_->Alloc(4096);
  ASSERT_EQ(StatusOf(Identify(nvme::cns::kNamespace, 2, buffer)), 0u);
  nvme::IdentifyNamespace id;
  std::memcpy(&id, drv_->Mem(buffer, 4096), sizeof(id));
  EXPECT_EQ(id.nsze, 64u);
  EXPECT_EQ(id.ncap, 64u);
  EXPECT_EQ(id.nuse, 64u);
  EXPECT_EQ(id.nlbaf, 1u);
  EXPECT_EQ(id.flbas & 0xF, 1u);
  EXPECT_EQ(id.lbaf[id.flbas & 0xF].lbads, 12u);
  EXPECT_EQ(id.lbaf[0].lbads, 9u);
  EXPECT_EQ(ScOf(Identify(nvme::cns::kNamespace, 3, buffer)), nvme::sc::kInvalidNamespace);
  EXPECT_EQ(ScOf(Identify(nvme::cns::kNamespace, 0, buffer)), nvme::sc::kInvalidNamespace);
}

TEST_F(AdminTest, IdentifyActiveNamespaceListAndUnknownCns) {
  DeviceConfig config;
  config.namespaces = {{8, 512}, {8, 512}, {8, 512}};
  Make(config);
  const uint64_t buffer = drv_->Alloc(4096);
  ASSERT_EQ(StatusOf(Identify(nvme::cns::kActiveNamespaceList, 1, buffer)), 0u);
  uint32_t ids[3];
  std::memcpy(ids, drv_->Mem(buffer, 12), 12);
  EXPECT_EQ(ids[0], 2u);
  EXPECT_EQ(ids[1], 3u);
  EXPECT_EQ(ids[2], 0u);
  EXPECT_EQ(ScOf(Identify(0x55, 0, buffer)), nvme::sc::kInvalidField);
}

TEST_F(AdminTest, IdentifyIntoABufferSpanningTwoPagesUsesPrp2) {
  const uint64_t page = drv_->Alloc(8192);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kIdentify;
  sqe.prp1 = page + 0x800;
  sqe.prp2 = page + 0x1000;
  sqe.cdw10 = nvme::cns::kController;
  ASSERT_EQ(StatusOf(Admin(sqe)), 0u);
  EXPECT_EQ(drv_->Mem(page + 0x800)[0], 0x36);
  EXPECT_EQ(drv_->Mem(page + 0x800 + 512)[0], 0x66);  // SQES lands in the second page
}

TEST_F(AdminTest, CreateAndDeleteIoQueues) {
  EXPECT_EQ(drv_->CreateCq(1, 64, 1), 0u);
  EXPECT_EQ(drv_->CreateSq(1, 64, 1), 0u);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kDeleteIoCq;
  sqe.cdw10 = 1;
  auto cqe = Admin(sqe);  // refused: SQ 1 still uses it
  EXPECT_EQ(SctOf(cqe), 1u);
  EXPECT_EQ(ScOf(cqe), nvme::sc::kInvalidQueueDeletion);
  sqe.opcode = nvme::admin::kDeleteIoSq;
  EXPECT_EQ(StatusOf(Admin(sqe)), 0u);
  sqe.opcode = nvme::admin::kDeleteIoCq;
  EXPECT_EQ(StatusOf(Admin(sqe)), 0u);
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidQueueIdentifier);
  sqe.opcode = nvme::admin::kDeleteIoSq;
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidQueueIdentifier);
}

TEST_F(AdminTest, CreateQueueErrors) {
  EXPECT_EQ(drv_->CreateCq(0, 16, 0), testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));
  EXPECT_EQ(drv_->CreateCq(17, 16, 0), testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));
  EXPECT_EQ(drv_->CreateCq(1, 1, 0), testing::CmdSpecific(nvme::sc::kInvalidQueueSize));
  EXPECT_EQ(drv_->CreateCq(1, 2048, 0),
            testing::CmdSpecific(nvme::sc::kInvalidQueueSize));  // MQES+1 = 1024
  EXPECT_EQ(drv_->CreateCq(1, 16, 16), testing::CmdSpecific(nvme::sc::kInvalidInterruptVector));
  EXPECT_EQ(drv_->CreateSq(1, 16, 1), testing::CmdSpecific(nvme::sc::kCompletionQueueInvalid));
  EXPECT_EQ(drv_->CreateCq(1, 16, 15), 0u);
  EXPECT_EQ(drv_->CreateCq(1, 16, 15), testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));
  EXPECT_EQ(drv_->CreateSq(1, 4096, 1), testing::CmdSpecific(nvme::sc::kInvalidQueueSize));
  EXPECT_EQ(drv_->CreateSq(1, 16, 1), 0u);
  EXPECT_EQ(drv_->CreateSq(1, 16, 1), testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));
  // Non-contiguous queues are refused (CAP.CQR).
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kCreateIoCq;
  sqe.prp1 = drv_->Alloc(4096);
  sqe.cdw10 = (15u << 16) | 2;
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidField);
  sqe.cdw11 = 1;
  sqe.prp1 += 8;  // not page aligned
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kPrpOffsetInvalid);
}

TEST_F(AdminTest, InterruptVectorLimitFollowsMsiWhenThereIsNoMsix) {
  DeviceConfig config;
  config.has_msix = false;
  config.msi_messages = 4;
  Make(config);
  EXPECT_EQ(drv_->CreateCq(1, 16, 4), testing::CmdSpecific(nvme::sc::kInvalidInterruptVector));
  EXPECT_EQ(drv_->CreateCq(1, 16, 3), 0u);
  config.has_msi = false;
  Make(config);
  EXPECT_EQ(drv_->CreateCq(1, 16, 1), testing::CmdSpecific(nvme::sc::kInvalidInterruptVector));
  EXPECT_EQ(drv_->CreateCq(1, 16, 0), 0u);
}

TEST_F(AdminTest, NumberOfQueuesIsGrantedOnceBeforeQueuesExist) {
  auto cqe = Features(nvme::admin::kSetFeatures, nvme::feature::kNumberOfQueues, 0x00FF00FF);
  ASSERT_EQ(StatusOf(cqe), 0u);
  EXPECT_EQ(cqe.dw0, 0x000F000Fu);  // capped at 16 pairs
  cqe = Features(nvme::admin::kSetFeatures, nvme::feature::kNumberOfQueues, 0x00010002);
  EXPECT_EQ(cqe.dw0, 0x00010002u);
  cqe = Features(nvme::admin::kGetFeatures, nvme::feature::kNumberOfQueues, 0);
  EXPECT_EQ(cqe.dw0, 0x00010002u);
  EXPECT_EQ(drv_->CreateCq(3, 16, 1),
            testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));  // 2 CQs granted
  EXPECT_EQ(drv_->CreateCq(2, 16, 1), 0u);
  EXPECT_EQ(drv_->CreateSq(3, 16, 2), 0u);
  EXPECT_EQ(drv_->CreateSq(4, 16, 2), testing::CmdSpecific(nvme::sc::kInvalidQueueIdentifier));
  cqe = Features(nvme::admin::kSetFeatures, nvme::feature::kNumberOfQueues, 0);
  EXPECT_EQ(ScOf(cqe), nvme::sc::kCommandSequenceError);
  cqe = Features(nvme::admin::kSetFeatures, nvme::feature::kNumberOfQueues, 0xFFFF);
  EXPECT_EQ(ScOf(cqe), nvme::sc::kInvalidField);
}

TEST_F(AdminTest, InterruptCoalescingAndVectorConfigurationRoundTrip) {
  EXPECT_EQ(
      StatusOf(Features(nvme::admin::kSetFeatures, nvme::feature::kInterruptCoalescing, 0x0A03)),
      0u);
  EXPECT_EQ(Features(nvme::admin::kGetFeatures, nvme::feature::kInterruptCoalescing, 0).dw0,
            0x0A03u);
  EXPECT_EQ(
      StatusOf(Features(nvme::admin::kSetFeatures, nvme::feature::kInterruptVectorConfig, 0x10005)),
      0u);
  EXPECT_EQ(Features(nvme::admin::kGetFeatures, nvme::feature::kInterruptVectorConfig, 5).dw0,
            0x10005u);
  EXPECT_EQ(ScOf(Features(nvme::admin::kSetFeatures, nvme::feature::kInterruptVectorConfig, 999)),
            nvme::sc::kInvalidField);
  EXPECT_EQ(StatusOf(Features(nvme::admin::kSetFeatures, nvme::feature::kVolatileWriteCache, 1)),
            0u);
  EXPECT_EQ(Features(nvme::admin::kGetFeatures, nvme::feature::kVolatileWriteCache, 0).dw0, 1u);
  EXPECT_EQ(ScOf(Features(nvme::admin::kSetFeatures, 0x7F, 0)), nvme::sc::kInvalidField);
}

TEST_F(AdminTest, GetLogPageSmartAndUnknownPage) {
  const uint64_t buffer = drv_->Alloc(4096);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kGetLogPage;
  sqe.prp1 = buffer;
  sqe.cdw10 = (127u << 16) | 2;  // 512 bytes of SMART / health information
  ASSERT_EQ(StatusOf(Admin(sqe)), 0u);
  EXPECT_EQ(drv_->Mem(buffer + 1)[0] | (drv_->Mem(buffer + 2)[0] << 8), 310);
  sqe.cdw10 = 0xC0;
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidField);
}

TEST_F(AdminTest, AbortAsyncEventAndUnknownOpcode) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kAbort;
  auto cqe = Admin(sqe);
  EXPECT_EQ(StatusOf(cqe), 0u);
  EXPECT_EQ(cqe.dw0 & 1, 1u);  // not aborted
  sqe.opcode = nvme::admin::kAsyncEventRequest;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(drv_->Run(0, sqe, 0).has_value());  // held
  EXPECT_EQ(dev_->CommandsInFlight(), 0u);  // held AERs are not in flight
  cqe = Admin(sqe);                         // the fifth exceeds AERL
  EXPECT_EQ(SctOf(cqe), 1u);
  EXPECT_EQ(ScOf(cqe), 0x05u);
  sqe.opcode = 0x7E;
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidOpcode);
  sqe.opcode = nvme::admin::kAbort;
  sqe.flags = 0x40;  // SGL
  EXPECT_EQ(ScOf(Admin(sqe)), nvme::sc::kInvalidField);
}

TEST_F(AdminTest, CompletionsCarrySqHeadAndIdentifier) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::admin::kGetFeatures;
  sqe.cdw10 = nvme::feature::kNumberOfQueues;
  const uint16_t cid = drv_->Submit(0, sqe);
  dev_->RunUntilIdle();
  const auto cqe = drv_->Reap(0);
  ASSERT_TRUE(cqe.has_value());
  EXPECT_EQ(cqe->cid, cid);
  EXPECT_EQ(cqe->sq_id, 0u);
  EXPECT_EQ(cqe->sq_head, drv_->sq(0).tail);
  EXPECT_EQ(dev_->Counters().commands_completed, dev_->Counters().commands_fetched);
  EXPECT_EQ(dev_->Counters().commands_submitted, dev_->Counters().commands_fetched);
}

}  // namespace
}  // namespace msirig::hba
