// Tests of the NVM command set, PRPs and the queue mechanics (NVMe 1.4 4.1, 4.3, 4.6, 6).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "../testing/test_driver.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;
using testing::Irq;
using testing::ScOf;
using testing::StatusOf;
using testing::TestDriver;

class IoTest : public ::testing::Test {
 protected:
  void Make(DeviceConfig config = {}, uint32_t entries = 64) {
    dev_ = std::make_unique<NvmeDevice>(config, host_);
    drv_ = std::make_unique<TestDriver>(*dev_, host_);
    drv_->PciInit(Irq::kMsix);
    ASSERT_TRUE(drv_->Enable());
    ASSERT_TRUE(drv_->CreatePair(1, entries, 1));
  }
  void SetUp() override { Make(); }

  nvme::CompletionEntry Io(const nvme::SubmissionEntry& sqe) {
    auto cqe = drv_->Run(1, sqe, 1);
    EXPECT_TRUE(cqe.has_value());
    return cqe.value_or(nvme::CompletionEntry{});
  }
  void Fill(uint64_t address, uint64_t length, uint8_t seed) {
    uint8_t* p = drv_->Mem(address, length);
    for (uint64_t i = 0; i < length; ++i) p[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 9));
  }
  // Builds a PRP list for a page-aligned buffer of `pages` pages; returns PRP2.
  uint64_t PrpList(uint64_t buffer, uint32_t pages) {
    const uint64_t list = drv_->Alloc(4096);
    for (uint32_t i = 1; i < pages; ++i) {
      const uint64_t entry = buffer + i * 4096ull;
      std::memcpy(drv_->Mem(list + (i - 1) * 8, 8), &entry, 8);
    }
    return list;
  }

  FakeHost host_;
  std::unique_ptr<NvmeDevice> dev_;
  std::unique_ptr<TestDriver> drv_;
};

TEST_F(IoTest, WrittenDataReadsBack) {
  const uint64_t out = drv_->Alloc(4096);
  const uint64_t in = drv_->Alloc(4096);
  Fill(out, 4096, 3);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(true, 1, 100, 8, out, 0))), 0u);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 100, 8, in, 0))), 0u);
  EXPECT_EQ(std::memcmp(drv_->Mem(out, 4096), drv_->Mem(in, 4096), 4096), 0);
  // Unwritten blocks read as zeros; a partial overlap reads both.
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 96, 8, in, 0))), 0u);
  EXPECT_EQ(drv_->Mem(in)[0], 0);
  EXPECT_EQ(std::memcmp(drv_->Mem(in + 2048, 2048), drv_->Mem(out, 2048), 2048), 0);
}

TEST_F(IoTest, TwoPageTransferWithOffsetUsesPrp2AsData) {
  const uint64_t out = drv_->Alloc(8192);
  const uint64_t in = drv_->Alloc(8192);
  Fill(out + 0x200, 4096, 9);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(true, 1, 7, 8, out + 0x200, out + 0x1000))),
            0u);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 7, 8, in + 0x200, in + 0x1000))),
            0u);
  EXPECT_EQ(std::memcmp(drv_->Mem(out + 0x200, 4096), drv_->Mem(in + 0x200, 4096), 4096), 0);
}

TEST_F(IoTest, PrpListTransfer) {
  const uint32_t pages = 16;
  const uint64_t out = drv_->Alloc(pages * 4096ull);
  const uint64_t in = drv_->Alloc(pages * 4096ull);
  Fill(out, pages * 4096ull, 1);
  const uint32_t blocks = pages * 8;
  EXPECT_EQ(
      StatusOf(Io(TestDriver::ReadWriteCommand(true, 1, 1000, blocks, out, PrpList(out, pages)))),
      0u);
  EXPECT_EQ(
      StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 1000, blocks, in, PrpList(in, pages)))),
      0u);
  EXPECT_EQ(
      std::memcmp(drv_->Mem(out, pages * 4096ull), drv_->Mem(in, pages * 4096ull), pages * 4096ull),
      0);
}

TEST_F(IoTest, PrpListChainsToANextListPage) {
  // A list that starts at the last two qwords of its page: one data entry, then a chain.
  const uint32_t pages = 4;
  const uint64_t out = drv_->Alloc(pages * 4096ull);
  Fill(out, pages * 4096ull, 5);
  const uint64_t list1 = drv_->Alloc(4096) + 4096 - 16;
  const uint64_t list2 = drv_->Alloc(4096);
  const uint64_t e0 = out + 4096, chain = list2, e1 = out + 8192, e2 = out + 12288;
  std::memcpy(drv_->Mem(list1, 8), &e0, 8);
  std::memcpy(drv_->Mem(list1 + 8, 8), &chain, 8);
  std::memcpy(drv_->Mem(list2, 8), &e1, 8);
  std::memcpy(drv_->Mem(list2 + 8, 8), &e2, 8);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(true, 1, 0, pages * 8, out, list1))), 0u);
  const uint64_t in = drv_->Alloc(pages * 4096ull);
  EXPECT_EQ(
      StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 0, pages * 8, in, PrpList(in, pages)))),
      0u);
  EXPECT_EQ(
      std::memcmp(drv_->Mem(out, pages * 4096ull), drv_->Mem(in, pages * 4096ull), pages * 4096ull),
      0);
}

TEST_F(IoTest, FourKibLbaFormat) {
  DeviceConfig config;
  config.namespaces = {{1024, 4096}};
  Make(config);
  const uint64_t out = drv_->Alloc(8192);
  const uint64_t in = drv_->Alloc(8192);
  Fill(out, 8192, 11);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(true, 1, 1023, 1, out, 0))), 0u);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 1023, 1, in, 0))), 0u);
  EXPECT_EQ(std::memcmp(drv_->Mem(out, 4096), drv_->Mem(in, 4096), 4096), 0);
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, 1023, 2, in, in + 4096))),
            nvme::sc::kLbaOutOfRange);
}

TEST_F(IoTest, NamespacesAreSeparate) {
  DeviceConfig config;
  config.namespaces = {{64, 512}, {64, 512}};
  Make(config);
  const uint64_t out = drv_->Alloc(4096);
  const uint64_t in = drv_->Alloc(4096);
  Fill(out, 512, 77);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(true, 2, 0, 1, out, 0))), 0u);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 1, 0, 1, in, 0))), 0u);
  EXPECT_EQ(drv_->Mem(in)[0], 0);
  EXPECT_EQ(StatusOf(Io(TestDriver::ReadWriteCommand(false, 2, 0, 1, in, 0))), 0u);
  EXPECT_EQ(drv_->Mem(in)[0], 77);
}

TEST_F(IoTest, FlushSucceedsForOneOrAllNamespaces) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  EXPECT_EQ(StatusOf(Io(sqe)), 0u);
  sqe.nsid = 0xFFFFFFFF;
  EXPECT_EQ(StatusOf(Io(sqe)), 0u);
  sqe.nsid = 2;
  EXPECT_EQ(ScOf(Io(sqe)), nvme::sc::kInvalidNamespace);
}

TEST_F(IoTest, CommandErrors) {
  const uint64_t buffer = drv_->Alloc(4096);
  const uint64_t nsze = DeviceConfig{}.namespaces[0].size_blocks;
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, nsze, 1, buffer, 0))),
            nvme::sc::kLbaOutOfRange);
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, ~0ull, 2, buffer, 0))),
            nvme::sc::kLbaOutOfRange);
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 0, 0, 1, buffer, 0))),
            nvme::sc::kInvalidNamespace);
  // MDTS 5: 128 KiB is the most one command moves.
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, 0, 257, buffer, buffer))),
            nvme::sc::kInvalidField);
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, 0, 1, buffer + 1, 0))),
            nvme::sc::kPrpOffsetInvalid);
  EXPECT_EQ(ScOf(Io(TestDriver::ReadWriteCommand(false, 1, 0, 16, buffer, buffer + 0x10))),
            nvme::sc::kPrpOffsetInvalid);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = 0x55;
  sqe.nsid = 1;
  EXPECT_EQ(ScOf(Io(sqe)), nvme::sc::kInvalidOpcode);
  EXPECT_TRUE(host_.HasEvent("ub_prp_offset_invalid"));
}

TEST_F(IoTest, UnmappedDataBufferIsADataTransferErrorAndAnEvent) {
  const uint64_t unmapped = 0x7000000000ull;
  auto cqe = Io(TestDriver::ReadWriteCommand(false, 1, 0, 1, unmapped, 0));
  EXPECT_EQ(ScOf(cqe), nvme::sc::kDataTransferError);
  const auto* event = host_.FindEvent("ub_dma_unmapped_data");
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->arg0, unmapped);
  cqe = Io(TestDriver::ReadWriteCommand(true, 1, 0, 24, drv_->Alloc(4096), unmapped));
  EXPECT_EQ(ScOf(cqe), nvme::sc::kDataTransferError);
  EXPECT_TRUE(host_.HasEvent("ub_dma_unmapped_prp_list"));
  EXPECT_FALSE(dev_->Fatal());
}

TEST_F(IoTest, PhaseTagInvertsOnEveryWrap) {
  Make(DeviceConfig{}, 4);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  for (int i = 0; i < 10; ++i) {
    const bool expected_phase = ((i / 4) % 2) == 0;
    drv_->Submit(1, sqe);
    dev_->RunUntilIdle();
    nvme::CompletionEntry raw;
    std::memcpy(&raw, drv_->Mem(drv_->cq(1).base + (i % 4) * 16, 16), 16);
    EXPECT_EQ(raw.status & 1, expected_phase ? 1 : 0) << i;
    ASSERT_TRUE(drv_->Reap(1).has_value()) << i;
  }
}

TEST_F(IoTest, FullCompletionQueueStallsUntilTheHostFreesAnEntry) {
  Make(DeviceConfig{}, 4);
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  for (int i = 0; i < 3; ++i) drv_->Submit(1, sqe);
  dev_->RunUntilIdle();
  // Three entries fill a 4-entry CQ (one slot always stays free); a fourth must wait.
  drv_->Submit(1, sqe);
  dev_->RunUntilIdle();
  EXPECT_TRUE(host_.HasEvent("cq_full_stall"));
  EXPECT_EQ(dev_->Counters().commands_completed, 2u + 3u);  // 2 admin + 3 flush
  EXPECT_EQ(dev_->CommandsInFlight(), 1u);
  ASSERT_TRUE(drv_->Reap(1).has_value());
  dev_->RunUntilIdle();
  EXPECT_EQ(dev_->CommandsInFlight(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(drv_->Reap(1).has_value());
  EXPECT_FALSE(drv_->Reap(1).has_value());
}

TEST_F(IoTest, QueuesAreServedRoundRobin) {
  ASSERT_TRUE(drv_->CreatePair(2, 16, 2));
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  drv_->Submit(1, sqe);
  drv_->Submit(1, sqe);
  drv_->Submit(2, sqe);
  dev_->RunUntilIdle();
  EXPECT_TRUE(drv_->Reap(1).has_value());
  EXPECT_TRUE(drv_->Reap(1).has_value());
  EXPECT_TRUE(drv_->Reap(2).has_value());
  EXPECT_TRUE(dev_->UnconsumedCompletionQueues().empty());
}

TEST_F(IoTest, IntrospectionReportsUnconsumedCompletions) {
  nvme::SubmissionEntry sqe{};
  sqe.opcode = nvme::io::kFlush;
  sqe.nsid = 1;
  drv_->Submit(1, sqe);
  drv_->Submit(1, sqe);
  dev_->RunUntilIdle();
  const auto pending = dev_->UnconsumedCompletionQueues();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].cqid, 1u);
  EXPECT_EQ(pending[0].vector, 1u);
  EXPECT_TRUE(pending[0].interrupts_enabled);
  EXPECT_EQ(pending[0].entries, 2u);
}

}  // namespace
}  // namespace msirig::hba
