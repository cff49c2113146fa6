// SCSI semantics through the whole stack: data integrity over LBAs and sizes, flush, inquiry,
// capacity, LUNs, errors; many requests in flight; interrupts on two CPUs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_world.h"
#include "msirig/storport/trace_recorder.h"

namespace msirig::e2e {
namespace {

uint32_t Be16(const std::vector<uint8_t>& d, size_t at) {
  return (uint32_t{d[at]} << 8) | d[at + 1];
}

uint32_t Be32(const std::vector<uint8_t>& d, size_t at) {
  return (uint32_t{d[at]} << 24) | (uint32_t{d[at + 1]} << 16) | (uint32_t{d[at + 2]} << 8) |
         d[at + 3];
}

class IoTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    WorldConfig config = DefaultConfig();
    config.platform.driver_parameter = GetParam();
    world_ = std::make_unique<E2eWorld>(config);
    ASSERT_TRUE(world_->Start()) << world_->EndOfRunFindings(0);
  }
  void TearDown() override {
    const std::string findings = world_->EndOfRunFindings(submitted_);
    EXPECT_TRUE(findings.empty()) << findings;
  }
  sp::CompletedRequest Execute(const sp::RequestSpec& spec) {
    ++submitted_;
    return world_->Execute(spec);
  }
  std::unique_ptr<E2eWorld> world_;
  uint64_t submitted_ = 0;
};

TEST_P(IoTest, ReadsReturnWhatWasWrittenOverSeveralLbasAndSizes) {
  const uint32_t bs = world_->block_size();
  const struct { uint64_t lba; uint32_t blocks; } extents[] = {
      {0, 1}, {1, 7}, {100, 8}, {1000, 64}, {4096, 255}, {8192, 256}, {65535, 1}};
  uint32_t seed = 1;
  for (const auto& e : extents) {
    EXPECT_EQ(Execute(cdb::Write16(e.lba, Pattern(e.lba, e.blocks, bs, seed), bs)).srb_status,
              SRB_STATUS_SUCCESS) << "lba " << e.lba;
    ++seed;
  }
  seed = 1;
  for (const auto& e : extents) {
    const auto done = Execute(cdb::Read16(e.lba, e.blocks, bs));
    EXPECT_EQ(done.srb_status, SRB_STATUS_SUCCESS);
    EXPECT_EQ(done.data, Pattern(e.lba, e.blocks, bs, seed)) << "lba " << e.lba;
    ++seed;
  }
  // A read of part of an extent, through READ(10).
  const auto part = Execute(cdb::Read10(1002, 4, bs));
  const auto whole = Pattern(1000, 64, bs, 4);
  EXPECT_EQ(part.data, std::vector<uint8_t>(whole.begin() + 2 * bs, whole.begin() + 6 * bs));
}

TEST_P(IoTest, ManyRequestsInFlightCompleteOnceEach) {
  const uint32_t bs = world_->block_size();
  std::vector<uint64_t> tags;
  for (uint32_t i = 0; i < 48; ++i) {
    tags.push_back(world_->Submit(cdb::Write10(i * 4, Pattern(i * 4, 4, bs, 9), bs)));
    ++submitted_;
  }
  ASSERT_TRUE(world_->RunUntilQuiet());
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr);
    EXPECT_EQ(world_->Completion(tag)->srb_status, SRB_STATUS_SUCCESS);
  }
  EXPECT_EQ(Execute(cdb::Read10(0, 192, bs)).data, Pattern(0, 192, bs, 9));
}

TEST_P(IoTest, InterruptsOnTwoCpusInterleavedWithSubmissions) {
  const uint32_t bs = world_->block_size();
  std::vector<uint64_t> tags;
  for (uint32_t round = 0; round < 8; ++round) {
    world_->SetCpu(round % 2);
    tags.push_back(world_->Submit(cdb::Write10(round * 8, Pattern(round * 8, 8, bs, round), bs)));
    ++submitted_;
    // The device posts the completion; the interrupt lands on the other CPU, where another
    // submission then races it.
    for (int i = 0; i < 3; ++i) world_->device().Step();
    world_->SetCpu((round + 1) % 2);
    world_->DeliverPending();
    tags.push_back(world_->Submit(cdb::Read10(round * 8, 8, bs)));
    ++submitted_;
    world_->port().RunDpcs();
  }
  world_->SetCpu(0);
  ASSERT_TRUE(world_->RunUntilQuiet());
  world_->SetCpu(1);
  ASSERT_TRUE(world_->RunUntilQuiet());
  world_->SetCpu(0);
  for (uint64_t tag : tags) {
    ASSERT_NE(world_->Completion(tag), nullptr) << "tag " << tag;
    EXPECT_EQ(world_->Completion(tag)->srb_status, SRB_STATUS_SUCCESS);
  }
  for (uint32_t round = 0; round < 8; ++round) {
    EXPECT_EQ(Execute(cdb::Read10(round * 8, 8, bs)).data, Pattern(round * 8, 8, bs, round));
  }
}

TEST_P(IoTest, FlushSucceeds) {
  EXPECT_EQ(Execute(cdb::SynchronizeCache10()).srb_status, SRB_STATUS_SUCCESS);
}

TEST_P(IoTest, InquiryDescribesADirectAccessDevice) {
  const auto standard = Execute(cdb::Inquiry(false, 0, 96));
  ASSERT_EQ(standard.srb_status, SRB_STATUS_SUCCESS);
  ASSERT_GE(standard.data_transfer_length, 36u);
  EXPECT_EQ(standard.data[0] & 0x1F, DIRECT_ACCESS_DEVICE);
  EXPECT_GE(standard.data[4], 31);
  const auto pages = Execute(cdb::Inquiry(true, 0x00, 64));
  ASSERT_EQ(pages.srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(pages.data[1], 0x00);
  EXPECT_EQ(std::vector<uint8_t>(pages.data.begin() + 3, pages.data.begin() + 7),
            (std::vector<uint8_t>{3, 0x00, 0x80, 0x83}));
  const auto serial = Execute(cdb::Inquiry(true, 0x80, 64));
  ASSERT_EQ(serial.srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(serial.data[1], 0x80);
  // Device identification (SPC-4 7.8.6): one T10 vendor ID designator, ASCII, of the logical
  // unit: "NVMe    ", the model (40 bytes) and the serial number (20), space padded.
  const auto id = Execute(cdb::Inquiry(true, 0x83, 255));
  ASSERT_EQ(id.srb_status, SRB_STATUS_SUCCESS);
  ASSERT_EQ(id.data_transfer_length, 4u + 4u + 68u);
  EXPECT_EQ(id.data[1], 0x83);
  EXPECT_EQ(Be16(id.data, 2), 72u);
  EXPECT_EQ(id.data[4], 0x02) << "code set ASCII";
  EXPECT_EQ(id.data[5], 0x01) << "logical unit, T10 vendor ID";
  EXPECT_EQ(id.data[7], 68);
  const std::string designator(id.data.begin() + 8, id.data.begin() + 76);
  EXPECT_EQ(designator.substr(0, 8), "NVMe    ");
  EXPECT_EQ(designator.substr(8, 40),
            std::string("msirig emulated NVMe controller").append(9, ' '));
  EXPECT_EQ(designator.substr(48), std::string("MSIRIG-0001").append(9, ' '));
  // A short allocation length truncates.
  EXPECT_EQ(Execute(cdb::Inquiry(false, 0, 5)).data_transfer_length, 5u);
}

TEST_P(IoTest, ReadCapacityTenAndSixteenAgreeWithTheNamespace) {
  const auto ten = Execute(cdb::ReadCapacity10());
  ASSERT_EQ(ten.srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(Be32(ten.data, 0), (1u << 16) - 1);
  EXPECT_EQ(Be32(ten.data, 4), world_->block_size());
  const auto sixteen = Execute(cdb::ReadCapacity16(32));
  ASSERT_EQ(sixteen.srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(Be32(sixteen.data, 0), 0u);
  EXPECT_EQ(Be32(sixteen.data, 4), (1u << 16) - 1);
  EXPECT_EQ(Be32(sixteen.data, 8), world_->block_size());
}

TEST_P(IoTest, ReportLunsListsLunZero) {
  const auto luns = Execute(cdb::ReportLuns(64));
  ASSERT_EQ(luns.srb_status, SRB_STATUS_SUCCESS);
  EXPECT_EQ(Be32(luns.data, 0), 8u);
  EXPECT_EQ(std::vector<uint8_t>(luns.data.begin() + 8, luns.data.begin() + 16),
            std::vector<uint8_t>(8, 0));
}

TEST_P(IoTest, OutOfRangeAndUnknownCommandsFailWithCheckCondition) {
  const uint32_t bs = world_->block_size();
  const auto beyond = Execute(cdb::Read16(1u << 16, 1, bs));
  EXPECT_EQ(beyond.srb_status & 0x3F, SRB_STATUS_ERROR);
  EXPECT_EQ(beyond.scsi_status, SCSISTAT_CHECK_CONDITION);
  const auto unknown = Execute(cdb::Raw({0xC7, 0, 0, 0, 0, 0}, 0));
  EXPECT_NE(unknown.srb_status & 0x3F, SRB_STATUS_SUCCESS);
  sp::RequestSpec other_lun = cdb::Read10(0, 1, bs);
  other_lun.lun = 3;
  EXPECT_NE(Execute(other_lun).srb_status, SRB_STATUS_SUCCESS);
}

// More requests than one I/O queue has slots: the miniport completes the overflow with
// SRB_STATUS_BUSY, which Storport resubmits once slots free up (storport/src/queue_gate.cc),
// so every request succeeds and the data is all there.
TEST(BusyRetry, AFullQueuesOverflowIsResubmittedAndSucceeds) {
  WorldConfig config = DefaultConfig();
  config.platform.driver_parameter = "SyncMode=PerMessage;IoQueues=1";
  E2eWorld world(config);
  ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
  sp::TraceRecorder recorder;
  world.port().RecordTrace(&recorder);
  const uint32_t bs = world.block_size();
  constexpr uint32_t kRequests = 80;  // the queue has 63 slots (NVMe 4.1: one entry stays empty)
  std::vector<uint64_t> tags;
  for (uint32_t i = 0; i < kRequests; ++i)
    tags.push_back(world.Submit(cdb::Write10(i * 2, Pattern(i * 2, 2, bs, 11), bs)));
  ASSERT_TRUE(world.RunUntilQuiet());
  world.port().RecordTrace(nullptr);
  EXPECT_NE(recorder.text().find("\tbusy-retry\t"), std::string::npos)
      << "the queue never filled: the test does not test the retry";
  for (uint64_t tag : tags) {
    ASSERT_NE(world.Completion(tag), nullptr) << "tag " << tag;
    EXPECT_EQ(world.Completion(tag)->srb_status, SRB_STATUS_SUCCESS) << "tag " << tag;
  }
  EXPECT_EQ(world.Execute(cdb::Read10(0, kRequests * 2, bs)).data,
            Pattern(0, kRequests * 2, bs, 11));
  const std::string findings = world.EndOfRunFindings(kRequests + 1);
  EXPECT_TRUE(findings.empty()) << findings;
}

// A controller whose MDTS (Identify Controller) is smaller than the MaximumTransferLength the
// miniport gave Storport in HwFindAdapter, before it could ask: a command over MDTS is aborted
// with Invalid Field in Command (NVMe 1.4 5.15.2.1), so the miniport sends a longer request as
// several commands, one after the other on its slot. Every request succeeds only if it does
// (crashes/miniport_ignores_mdts: reads failed with SRB_STATUS_ERROR before), and the data of
// each part lands where it belongs, also with several split requests in flight at once.
TEST(Mdts, TransfersLongerThanMdtsGoAsSeveralCommands) {
  for (const char* parameters : {"SyncMode=PerMessage;IoQueues=2", "SyncMode=All;IoQueues=2"}) {
    SCOPED_TRACE(parameters);
    WorldConfig config = DefaultConfig();
    config.platform.driver_parameter = parameters;
    config.device.mdts_pages_log2 = 1;  // 8 KiB
    E2eWorld world(config);
    ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
    const uint32_t bs = world.block_size();
    const struct { uint64_t lba; uint32_t blocks; } extents[] = {
        {0, 16}, {16, 17}, {40, 256 * 512 / bs}, {600, 3}, {700, 100}};
    uint64_t requests = 0;
    uint32_t seed = 21;
    for (const auto& e : extents) {
      EXPECT_EQ(world.Execute(cdb::Write16(e.lba, Pattern(e.lba, e.blocks, bs, seed), bs))
                    .srb_status,
                SRB_STATUS_SUCCESS)
          << "write lba " << e.lba << " blocks " << e.blocks;
      ++requests;
      ++seed;
    }
    seed = 21;
    for (const auto& e : extents) {
      const auto done = world.Execute(cdb::Read16(e.lba, e.blocks, bs));
      ++requests;
      EXPECT_EQ(done.srb_status, SRB_STATUS_SUCCESS) << "read lba " << e.lba;
      EXPECT_EQ(done.data, Pattern(e.lba, e.blocks, bs, seed)) << "read lba " << e.lba;
      ++seed;
    }
    // Several split requests in flight at once, on both queues.
    std::vector<uint64_t> tags;
    for (uint32_t i = 0; i < 8; ++i) {
      const uint64_t lba = 1000 + i * 40;
      tags.push_back(world.Submit(cdb::Write10(lba, Pattern(lba, 40, bs, 31), bs)));
      ++requests;
    }
    ASSERT_TRUE(world.RunUntilQuiet());
    for (uint64_t tag : tags) {
      ASSERT_NE(world.Completion(tag), nullptr) << "tag " << tag;
      EXPECT_EQ(world.Completion(tag)->srb_status, SRB_STATUS_SUCCESS) << "tag " << tag;
    }
    // (In two reads: one request stays within the MaximumTransferLength Storport honours.)
    EXPECT_EQ(world.Execute(cdb::Read10(1000, 160, bs)).data, Pattern(1000, 160, bs, 31));
    EXPECT_EQ(world.Execute(cdb::Read10(1160, 160, bs)).data, Pattern(1160, 160, bs, 31));
    requests += 2;
    const std::string findings = world.EndOfRunFindings(requests);
    EXPECT_TRUE(findings.empty()) << findings;
  }
}

// A bus reset while split transfers are part-way: the reset reaps the queues before it fails
// what is outstanding, and a part that completes then must not send the next one to a
// controller about to be disabled; each request completes once, and I/O works afterwards.
TEST(Mdts, ABusResetPartWayThroughSplitTransfersCompletesEachOnce) {
  for (int rounds = 0; rounds < 6; ++rounds) {
    SCOPED_TRACE(rounds);
    WorldConfig config = DefaultConfig();
    config.platform.driver_parameter = "SyncMode=PerMessage;IoQueues=2";
    config.device.mdts_pages_log2 = 1;  // 8 KiB: 64 blocks of 512 bytes are 4 parts
    E2eWorld world(config);
    ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
    const uint32_t bs = world.block_size();
    const uint32_t blocks = 32 * 1024 / bs;
    std::vector<uint64_t> tags;
    for (uint32_t i = 0; i < 6; ++i) {
      const uint64_t lba = uint64_t{i} * blocks;
      tags.push_back(world.Submit(cdb::Write10(lba, Pattern(lba, blocks, bs, 41), bs)));
    }
    for (int r = 0; r < rounds; ++r) world.RunOnce();
    world.port().ResetBus(world.adapter());
    ASSERT_TRUE(world.RunUntilQuiet());
    for (uint64_t tag : tags) {
      ASSERT_NE(world.Completion(tag), nullptr) << "tag " << tag;
      const UCHAR status = world.Completion(tag)->srb_status;
      EXPECT_TRUE(status == SRB_STATUS_SUCCESS || status == SRB_STATUS_BUS_RESET)
          << "tag " << tag << " status " << int{status};
    }
    EXPECT_EQ(world.Execute(cdb::Write10(4000, Pattern(4000, blocks, bs, 42), bs)).srb_status,
              SRB_STATUS_SUCCESS);
    EXPECT_EQ(world.Execute(cdb::Read10(4000, blocks, bs)).data, Pattern(4000, blocks, bs, 42));
    const std::string findings = world.EndOfRunFindings(tags.size() + 2);
    EXPECT_TRUE(findings.empty()) << findings;
  }
}

INSTANTIATE_TEST_SUITE_P(SyncModes, IoTest,
                         testing::Values("SyncMode=PerMessage;IoQueues=4", "SyncMode=All;IoQueues=4"),
                         [](const testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "PerMessage" : "SynchronizeAll");
                         });

}  // namespace
}  // namespace msirig::e2e
