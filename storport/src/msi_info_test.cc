// StorPortGetMSIInfo: one test per documented result row and per precedence step (SPEC 2), on
// MSI, MSI-X and line-based adapters and on an emulated pre-Vista OS.
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>

#include "msi.h"
#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

PlatformConfig Platform(InterruptKind kind, uint32_t requested, uint32_t granted,
                        OsVersion os = OsVersion::kWin10) {
  PlatformConfig p;
  p.os_version = os;
  p.interrupt_kind = kind;
  p.messages_requested = requested;
  p.messages_granted = granted;
  return p;
}

bool IsPoisoned(const MESSAGE_INTERRUPT_INFORMATION& info) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(&info);
  for (size_t i = 0; i < sizeof info; ++i) {
    if (bytes[i] != kMsiInfoPoisonByte) return false;
  }
  return true;
}

MESSAGE_INTERRUPT_INFORMATION Fresh() {
  MESSAGE_INTERRUPT_INFORMATION info;
  std::memset(&info, 0, sizeof info);
  return info;
}

struct KindCase {
  const char* name;
  InterruptKind kind;
  uint32_t granted;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (a pointer).
void PrintTo(const KindCase& c, std::ostream* os) { *os << c.name; }

class GetMsiInfoOnMessages : public ::testing::TestWithParam<KindCase> {
 protected:
  // Created on first use: one port exists at a time, and some tests build their own.
  ScriptedRig& Rig() {
    if (!rig_) {
      rig_ = std::make_unique<ScriptedRig>(
          Platform(GetParam().kind, GetParam().granted, GetParam().granted));
    }
    return *rig_;
  }
  std::unique_ptr<ScriptedRig> rig_;
};

TEST_P(GetMsiInfoOnMessages, SuccessWritesAllSixFieldsOfEveryGrantedMessage) {
  PlatformConfig platform = Platform(GetParam().kind, GetParam().granted, GetParam().granted);
  for (uint32_t id = 0; id < GetParam().granted; ++id) {
    MessageContents c;
    c.message_data = 0x4000 + id;
    c.message_address = 0xFEE00000ull + (uint64_t{id} << 12) + (uint64_t{id} << 40);
    c.interrupt_vector = 0x90 + id;
    c.interrupt_level = 0x77 + id;
    c.interrupt_mode = id % 2;  // any value: contents are not interpreted
    platform.message_contents.push_back(c);
  }
  ScriptedRig rig(platform);
  ASSERT_TRUE(rig.Start());
  for (uint32_t id = 0; id < GetParam().granted; ++id) {
    MESSAGE_INTERRUPT_INFORMATION info = Fresh();
    ASSERT_EQ(StorPortGetMSIInfo(rig.extension(), id, &info), STOR_STATUS_SUCCESS);
    EXPECT_EQ(info.MessageId, id);
    EXPECT_EQ(info.MessageData, 0x4000 + id);
    EXPECT_EQ(static_cast<uint64_t>(info.MessageAddress.QuadPart),
              0xFEE00000ull + (uint64_t{id} << 12) + (uint64_t{id} << 40));
    EXPECT_EQ(info.InterruptVector, 0x90 + id);
    EXPECT_EQ(info.InterruptLevel, 0x77 + id);
    uint32_t mode;
    std::memcpy(&mode, &info.InterruptMode, sizeof mode);
    EXPECT_EQ(mode, id % 2);
  }
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST_P(GetMsiInfoOnMessages, TheCountingLoopFindsExactlyTheGrantedMessages) {
  ASSERT_TRUE(Rig().Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  ULONG n = 0;
  while (StorPortGetMSIInfo(Rig().extension(), n, &info) == STOR_STATUS_SUCCESS) ++n;
  EXPECT_EQ(n, GetParam().granted);
}

TEST_P(GetMsiInfoOnMessages, NullExtensionIsInvalidParameterAndLeavesTheOutputPoisoned) {
  ASSERT_TRUE(Rig().Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(nullptr, 0, &info), STOR_STATUS_INVALID_PARAMETER);
  EXPECT_TRUE(IsPoisoned(info));
  EXPECT_EQ(Rig().ViolationCount(), 0u);
}

TEST_P(GetMsiInfoOnMessages, NullOutputIsInvalidParameter) {
  ASSERT_TRUE(Rig().Start());
  EXPECT_EQ(StorPortGetMSIInfo(Rig().extension(), 0, nullptr), STOR_STATUS_INVALID_PARAMETER);
}

TEST_P(GetMsiInfoOnMessages, AMessageIdAtOrBeyondTheGrantIsInvalidParameter) {
  ASSERT_TRUE(Rig().Start());
  for (ULONG id : {GetParam().granted, GetParam().granted + 1, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    MESSAGE_INTERRUPT_INFORMATION info = Fresh();
    EXPECT_EQ(StorPortGetMSIInfo(Rig().extension(), id, &info), STOR_STATUS_INVALID_PARAMETER)
        << "message " << id;
    EXPECT_TRUE(IsPoisoned(info)) << "message " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, GetMsiInfoOnMessages,
                         ::testing::Values(KindCase{"Msi1", InterruptKind::kMsi, 1},
                                           KindCase{"Msi4", InterruptKind::kMsi, 4},
                                           KindCase{"Msi32", InterruptKind::kMsi, 32},
                                           KindCase{"MsiX1", InterruptKind::kMsiX, 1},
                                           KindCase{"MsiX3", InterruptKind::kMsiX, 3},
                                           KindCase{"MsiX64", InterruptKind::kMsiX, 64},
                                           KindCase{"MsiX2048", InterruptKind::kMsiX, 2048}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(GetMsiInfo, ALineBasedAdapterIsInvalidDeviceRequest) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 0, &info), STOR_STATUS_INVALID_DEVICE_REQUEST);
  EXPECT_TRUE(IsPoisoned(info));
}

TEST(GetMsiInfo, ZeroMessagesGrantedIsInvalidDeviceRequest) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 8, 0));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 0, &info), STOR_STATUS_INVALID_DEVICE_REQUEST);
}

TEST(GetMsiInfo, AMiniportWithoutAnMsiRoutineIsOnLineBasedInterrupts) {
  ScriptedRig rig(Platform(InterruptKind::kMsi, 4, 4));
  rig.miniport().install_msi_routine = false;
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 0, &info), STOR_STATUS_INVALID_DEVICE_REQUEST);
  EXPECT_EQ(rig.port().ConnectedMessages(rig.adapter()), 0u);
}

TEST(GetMsiInfo, BeforeVistaItIsNotImplementedWhateverTheArguments) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0, OsVersion::kServer2003));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 0, &info), STOR_STATUS_NOT_IMPLEMENTED);
  // SPEC 2: the output of every failure is left unwritten and poisoned, this one included.
  EXPECT_TRUE(IsPoisoned(info));
  EXPECT_EQ(StorPortGetMSIInfo(nullptr, 0, nullptr), STOR_STATUS_NOT_IMPLEMENTED);
  info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(nullptr, 0, &info), STOR_STATUS_NOT_IMPLEMENTED);
  EXPECT_TRUE(IsPoisoned(info));
  info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 5000, &info), STOR_STATUS_NOT_IMPLEMENTED);
  EXPECT_TRUE(IsPoisoned(info));
}

TEST(GetMsiInfo, AnMsiXPlatformBeforeVistaIsLineBased) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 8, 8, OsVersion::kServer2003));
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(rig.port().Platform(rig.adapter()).interrupt_kind, InterruptKind::kLineBased);
  EXPECT_EQ(rig.port().ConnectedMessages(rig.adapter()), 0u);
}

// --- precedence (SPEC 2): each step wins over every later one ---

TEST(GetMsiInfoPrecedence, Step1OldOsBeatsANullExtension) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0, OsVersion::kServer2003));
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(StorPortGetMSIInfo(nullptr, 0, nullptr), STOR_STATUS_NOT_IMPLEMENTED);
}

TEST(GetMsiInfoPrecedence, Step2NullExtensionBeatsLineBasedAndBadIds) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(nullptr, 99, &info), STOR_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(rig.ViolationCount(), 0u);
}

TEST(GetMsiInfoPrecedence, Step3AForeignExtensionIsAViolationBeforeAnyOtherCheck) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0));
  ASSERT_TRUE(rig.Start());
  char not_an_extension[64];
  EXPECT_EQ(StorPortGetMSIInfo(not_an_extension, 0, nullptr), STOR_STATUS_INVALID_PARAMETER);
  EXPECT_TRUE(rig.Saw(Rule::kNotAnAdapter)) << rig.Violations();
}

TEST(GetMsiInfoPrecedence, Step4NullOutputBeatsLineBased) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0));
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 0, nullptr), STOR_STATUS_INVALID_PARAMETER);
}

TEST(GetMsiInfoPrecedence, Step5LineBasedBeatsABadMessageId) {
  ScriptedRig rig(Platform(InterruptKind::kLineBased, 0, 0));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 99, &info), STOR_STATUS_INVALID_DEVICE_REQUEST);
}

TEST(GetMsiInfoPrecedence, Step6ABadMessageIdOnMessagesIsInvalidParameter) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 4, 4));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 4, &info), STOR_STATUS_INVALID_PARAMETER);
}

TEST(GetMsiInfoPrecedence, Step7OtherwiseSuccess) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 4, 4));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 3, &info), STOR_STATUS_SUCCESS);
  EXPECT_EQ(info.MessageId, 3u);
}

// --- grants ---

TEST(GetMsiInfoGrants, FewerGrantedThanRequestedReportsOnlyTheGrant) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 8, 3));
  ASSERT_TRUE(rig.Start());
  MESSAGE_INTERRUPT_INFORMATION info = Fresh();
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 2, &info), STOR_STATUS_SUCCESS);
  EXPECT_EQ(StorPortGetMSIInfo(rig.extension(), 3, &info), STOR_STATUS_INVALID_PARAMETER);
}

TEST(GetMsiInfoGrants, AnMsiGrantThatIsNoPowerOfTwoBecomesOneMessage) {
  ScriptedRig rig(Platform(InterruptKind::kMsi, 8, 3));
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(rig.port().ConnectedMessages(rig.adapter()), 1u);
}

TEST(GetMsiInfoGrants, CallsFromHwInitializeAndThePassiveRoutineAreClean) {
  ScriptedRig rig(Platform(InterruptKind::kMsiX, 2, 2));
  ULONG from_initialize = 0xFFFF;
  ULONG from_passive = 0xFFFF;
  rig.miniport().initialize = [&](PVOID ext) {
    MESSAGE_INTERRUPT_INFORMATION info;
    from_initialize = StorPortGetMSIInfo(ext, 1, &info);
    return TRUE;
  };
  rig.miniport().passive_initialize = [&](PVOID ext) {
    MESSAGE_INTERRUPT_INFORMATION info;
    from_passive = StorPortGetMSIInfo(ext, 0, &info);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  EXPECT_EQ(from_initialize, STOR_STATUS_SUCCESS);
  EXPECT_EQ(from_passive, STOR_STATUS_SUCCESS);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

}  // namespace
}  // namespace msirig::sp
