// The message interrupt routine's claims, through the real miniport (issue 4:
// "HwMSInterruptRoutine(m) claims only its own causes ... unknown or unmapped messages return FALSE
// without side effects").
#include <gtest/gtest.h>

#include <string>

#include "e2e_world.h"
#include "msirig/storport/trace_recorder.h"

namespace msirig::e2e {
namespace {

// The recorded events from the delivery of `message` to the end of its ISR, as text.
std::string IsrEvents(const std::string& trace, uint32_t message, size_t from) {
  const std::string enter = "\tisr\tmessage\t0x" + std::to_string(message) + "\t";
  const size_t start = trace.find(enter, from);
  if (start == std::string::npos) return "";
  const size_t end = trace.find("\texit\t", start);
  return trace.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class MessageClaimTest : public testing::Test {
 protected:
  // Eight messages, two I/O queues: the admin queue on message 0, the I/O queues on 1 and 2,
  // and messages 3..7 granted but bound to no queue.
  void SetUp() override {
    WorldConfig config = DefaultConfig();
    config.platform.interrupt_kind = sp::InterruptKind::kMsiX;
    config.platform.messages_granted = 8;
    config.platform.driver_parameter = "SyncMode=PerMessage;IoQueues=2";
    world_ = std::make_unique<E2eWorld>(config);
    ASSERT_TRUE(world_->Start()) << world_->EndOfRunFindings(0);
    ASSERT_EQ(world_->port().ConnectedMessages(world_->adapter()), 8u);
    ASSERT_TRUE(world_->RunUntilQuiet());
    world_->port().RecordTrace(&recorder_);
  }
  void TearDown() override {
    if (world_) world_->port().RecordTrace(nullptr);
  }

  // Signals `message` as the device would, delivers it, and checks the ISR said FALSE and did
  // nothing but read: no register write, no completion, no DPC.
  void ExpectUnclaimedWithoutSideEffects(uint32_t message) {
    sp::Port& port = world_->port();
    const uint32_t adapter = world_->adapter();
    const sp::InterruptClaims before = port.Claims(adapter);
    const size_t completed = port.Completed(adapter).size();
    const size_t from = recorder_.text().size();
    port.SignalMessage(adapter, message);
    ASSERT_EQ(port.DeliverInterrupt(adapter, message), sp::Delivery::kDelivered) << message;
    const sp::InterruptClaims after = port.Claims(adapter);
    EXPECT_EQ(after.unclaimed, before.unclaimed + 1) << "message " << message << " was claimed";
    EXPECT_EQ(after.claimed, before.claimed) << "message " << message;
    EXPECT_EQ(port.Completed(adapter).size(), completed) << "message " << message;
    EXPECT_EQ(port.QueuedDpcs(0), 0u) << "message " << message;
    const std::string events = IsrEvents(recorder_.text(), message, from);
    ASSERT_FALSE(events.empty()) << "no delivery of message " << message << " in the trace";
    EXPECT_EQ(events.find("StorPortWriteRegister"), std::string::npos) << events;
    EXPECT_EQ(events.find("\tcomplete\t"), std::string::npos) << events;
    EXPECT_NE(events.find("\tisr\tunclaimed\t0x" + std::to_string(message)), std::string::npos)
        << events;
  }

  sp::TraceRecorder recorder_;
  std::unique_ptr<E2eWorld> world_;
};

TEST_F(MessageClaimTest, AGrantedMessageBoundToNoQueueIsNotClaimed) {
  for (uint32_t message = 3; message < 8; ++message) ExpectUnclaimedWithoutSideEffects(message);
  const std::string findings = world_->EndOfRunFindings(0);
  EXPECT_TRUE(findings.empty()) << findings;
}

TEST_F(MessageClaimTest, AQueuesMessageWithNothingPostedIsNotClaimed) {
  for (uint32_t message = 0; message < 3; ++message) ExpectUnclaimedWithoutSideEffects(message);
  const std::string findings = world_->EndOfRunFindings(0);
  EXPECT_TRUE(findings.empty()) << findings;
}

TEST_F(MessageClaimTest, AMessageWithACompletionBehindItIsClaimed) {
  const uint32_t bs = world_->block_size();
  const sp::InterruptClaims before = world_->port().Claims(world_->adapter());
  EXPECT_EQ(world_->Execute(cdb::Write10(8, Pattern(8, 2, bs, 1), bs)).srb_status & 0x3F,
            SRB_STATUS_SUCCESS);
  EXPECT_GT(world_->port().Claims(world_->adapter()).claimed, before.claimed);
  EXPECT_NE(recorder_.text().find("\tisr\tclaimed\t"), std::string::npos);
  const std::string findings = world_->EndOfRunFindings(1);
  EXPECT_TRUE(findings.empty()) << findings;
}

}  // namespace
}  // namespace msirig::e2e
