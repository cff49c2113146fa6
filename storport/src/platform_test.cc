// Platform configuration: what the platform can really grant (SPEC 2), and errors that name
// the field.
#include "msirig/storport/platform.h"

#include <gtest/gtest.h>

namespace msirig::sp {
namespace {

TEST(PlatformNormalize, AnMsiGrantIsAPowerOfTwoNoLargerThanTheRequest) {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kMsi;
  p.messages_requested = 16;
  for (uint32_t granted : {1u, 2u, 4u, 8u, 16u}) {
    p.messages_granted = granted;
    EXPECT_EQ(Normalize(p).messages_granted, granted);
    EXPECT_EQ(Validate(Normalize(p)), "");
  }
  for (uint32_t granted : {3u, 5u, 17u, 32u, 1000u}) {
    p.messages_granted = granted;
    EXPECT_EQ(Normalize(p).messages_granted, 1u) << granted;  // exactly one (SPEC 2)
  }
}

TEST(PlatformNormalize, MsiXGrantsAnyCountUpTo2048) {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kMsiX;
  p.messages_requested = 5000;
  p.messages_granted = 3;
  const PlatformConfig n = Normalize(p);
  EXPECT_EQ(n.messages_requested, kMaxMsiXMessages);
  EXPECT_EQ(n.messages_granted, 3u);
}

TEST(PlatformNormalize, PreVistaAndLineBasedHaveNoMessages) {
  PlatformConfig p;
  p.os_version = OsVersion::kServer2003;
  p.interrupt_kind = InterruptKind::kMsiX;
  EXPECT_EQ(Normalize(p).interrupt_kind, InterruptKind::kLineBased);
  EXPECT_EQ(Normalize(p).messages_granted, 0u);
  p.os_version = OsVersion::kWin10;
  p.interrupt_kind = InterruptKind::kLineBased;
  EXPECT_EQ(Normalize(p).messages_requested, 0u);
}

TEST(PlatformNormalize, AnyBytesBecomeAValidPlatform) {
  PlatformConfig p;
  p.os_version = static_cast<OsVersion>(0x1234);
  p.interrupt_kind = static_cast<InterruptKind>(9);
  p.messages_requested = 0xFFFFFFFF;
  p.messages_granted = 0xFFFFFFFF;
  p.cpu_count = 0;
  p.message_contents.resize(5);
  EXPECT_EQ(Validate(Normalize(p)), "");
}

TEST(PlatformValidate, NamesTheFieldThatIsWrong) {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kMsi;
  p.messages_requested = 8;
  p.messages_granted = 3;
  EXPECT_EQ(Validate(p), "messages_granted: MSI grants 1, 2, 4, 8, 16 or 32 messages");
  p.messages_granted = 16;
  EXPECT_EQ(Validate(p), "messages_granted: more than messages_requested");
  p.messages_granted = 8;
  p.cpu_count = 0;
  EXPECT_EQ(Validate(p), "cpu_count: must be 1..64");
}

TEST(MessageDirql, DiffersForTheFirstMessagesAndStaysADeviceIrql) {
  for (uint32_t id = 0; id < 2048; ++id) {
    EXPECT_GE(MessageDirql(id), 3);
    EXPECT_LT(MessageDirql(id), 13);  // below CLOCK_LEVEL on x64
  }
  for (uint32_t id = 1; id < 7; ++id) EXPECT_NE(MessageDirql(id), MessageDirql(id - 1));
}

}  // namespace
}  // namespace msirig::sp
