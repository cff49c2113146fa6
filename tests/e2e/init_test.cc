// Initialization on every interrupt configuration the platform can produce, in both
// synchronization modes, followed by I/O whose data must round-trip.
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <string>

#include "e2e_world.h"
#include "msirig/storport/trace_recorder.h"

namespace msirig::e2e {
namespace {

struct InitCase {
  const char* name;
  sp::OsVersion os;
  sp::InterruptKind kind;
  uint32_t granted;
  const char* parameters;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (pointers).
void PrintTo(const InitCase& c, std::ostream* os) {
  *os << c.name;
  if (c.parameters[0] != '\0') *os << " (" << c.parameters << ")";
}

std::string CaseName(const testing::TestParamInfo<InitCase>& info) { return info.param.name; }

class InitTest : public testing::TestWithParam<InitCase> {};

TEST_P(InitTest, StartsAndRoundTripsDataOnEveryQueueWithoutAFinding) {
  const InitCase& c = GetParam();
  WorldConfig config = DefaultConfig();
  config.platform.os_version = c.os;
  config.platform.interrupt_kind = c.kind;
  config.platform.messages_requested = 32;
  config.platform.messages_granted = c.granted;
  config.platform.driver_parameter = c.parameters;
  E2eWorld world(config);
  ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
  EXPECT_EQ(world.port().ConnectedMessages(world.adapter()),
            sp::Normalize(config.platform).messages_granted);

  // Enough requests to land on every I/O queue a driver may spread them over.
  const uint32_t bs = world.block_size();
  uint64_t submitted = 0;
  for (uint32_t i = 0; i < 12; ++i) {
    const auto done = world.Execute(cdb::Write10(i * 16, Pattern(i * 16, 8, bs, i), bs));
    ++submitted;
    EXPECT_EQ(done.srb_status & 0x3F, SRB_STATUS_SUCCESS) << "write " << i;
  }
  for (uint32_t i = 0; i < 12; ++i) {
    const auto done = world.Execute(cdb::Read10(i * 16, 8, bs));
    ++submitted;
    ASSERT_EQ(done.srb_status & 0x3F, SRB_STATUS_SUCCESS) << "read " << i;
    EXPECT_EQ(done.data, Pattern(i * 16, 8, bs, i)) << "read " << i;
  }
  const std::string findings = world.EndOfRunFindings(submitted);
  EXPECT_TRUE(findings.empty()) << findings;
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Messages, InitTest, testing::Values(
    InitCase{"MsiX0Granted", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 0, ""},
    InitCase{"MsiX1", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 1, ""},
    InitCase{"MsiX2", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 2, ""},
    InitCase{"MsiX3", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 3, "IoQueues=4"},
    InitCase{"MsiX4", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 4, ""},
    InitCase{"MsiX8", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 8, "IoQueues=7"},
    InitCase{"MsiX32", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 32, "IoQueues=16"},
    InitCase{"MsiX1SyncAll", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 1, "SyncMode=All"},
    InitCase{"MsiX3SyncAll", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 3, "SyncMode=All;IoQueues=4"},
    InitCase{"MsiX8SyncAll", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 8, "SyncMode=All"},
    InitCase{"MsiX32SyncAll", sp::OsVersion::kWin10, sp::InterruptKind::kMsiX, 32, "SyncMode=All;IoQueues=16"},
    InitCase{"Msi0Granted", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 0, ""},
    InitCase{"Msi1", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 1, ""},
    InitCase{"Msi2", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 2, ""},
    InitCase{"Msi3BecomesOne", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 3, ""},
    InitCase{"Msi4", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 4, "IoQueues=8"},
    InitCase{"Msi8", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 8, ""},
    InitCase{"Msi32", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 32, "IoQueues=16"},
    InitCase{"Msi8SyncAll", sp::OsVersion::kWin10, sp::InterruptKind::kMsi, 8, "SyncMode=All"},
    InitCase{"MsiUnavailableLineBased", sp::OsVersion::kWin10, sp::InterruptKind::kLineBased, 0, "IoQueues=3"},
    InitCase{"MsiNotImplementedPreVista", sp::OsVersion::kServer2003, sp::InterruptKind::kMsiX, 8, ""},
    InitCase{"Vista", sp::OsVersion::kVista, sp::InterruptKind::kMsi, 2, ""}),
    CaseName);
// clang-format on

// Issue 4: StorPortGetMSIInfo's NOT_IMPLEMENTED (before Vista) and INVALID_DEVICE_REQUEST (no
// MSI) make the miniport fall back to line-based interrupts. The port says LevelSensitive on
// both platforms, so the fallback only runs if the miniport asks anyway: the trace shows each
// answer (SPEC 2) and the adapter then serves I/O on the line.
struct FallbackCase {
  const char* name;
  sp::OsVersion os;
  sp::InterruptKind kind;
  ULONG status;
};

void PrintTo(const FallbackCase& c, std::ostream* os) { *os << c.name; }

class LineBasedFallbackTest : public testing::TestWithParam<FallbackCase> {};

TEST_P(LineBasedFallbackTest, TheMiniportAsksForMessagesAndFallsBackOnTheAnswer) {
  const FallbackCase& c = GetParam();
  WorldConfig config = DefaultConfig();
  config.platform.os_version = c.os;
  config.platform.interrupt_kind = c.kind;
  sp::TraceRecorder recorder;
  sp::SetProcessTraceRecorder(&recorder);
  E2eWorld world(config);
  sp::SetProcessTraceRecorder(nullptr);
  ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
  EXPECT_EQ(world.port().ConnectedMessages(world.adapter()), 0u);

  char answer[64];
  std::snprintf(answer, sizeof answer, "\tcall\tStorPortGetMSIInfo\t0x0\t0x%x\n", c.status);
  EXPECT_NE(recorder.text().find(answer), std::string::npos)
      << "no StorPortGetMSIInfo(message 0) answered 0x" << std::hex << c.status << " in\n"
      << recorder.text().substr(0, 4000);

  const uint32_t bs = world.block_size();
  EXPECT_EQ(world.Execute(cdb::Write10(40, Pattern(40, 8, bs, 5), bs)).srb_status & 0x3F,
            SRB_STATUS_SUCCESS);
  EXPECT_EQ(world.Execute(cdb::Read10(40, 8, bs)).data, Pattern(40, 8, bs, 5));
  const std::string findings = world.EndOfRunFindings(2);
  EXPECT_TRUE(findings.empty()) << findings;
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Platforms, LineBasedFallbackTest, testing::Values(
    FallbackCase{"PreVistaNotImplemented", sp::OsVersion::kServer2003, sp::InterruptKind::kMsiX, STOR_STATUS_NOT_IMPLEMENTED},
    FallbackCase{"LineBasedInvalidDeviceRequest", sp::OsVersion::kWin10, sp::InterruptKind::kLineBased, STOR_STATUS_INVALID_DEVICE_REQUEST}),
    [](const testing::TestParamInfo<FallbackCase>& info) { return std::string(info.param.name); });
// clang-format on

TEST(InitFaults, PassiveInitializationUnsupportedStillServesIoWithoutDpcs) {
  WorldConfig config = DefaultConfig();
  config.platform.faults.passive_init_unsupported = true;
  E2eWorld world(config);
  ASSERT_TRUE(world.Start()) << world.EndOfRunFindings(0);
  const uint32_t bs = world.block_size();
  EXPECT_EQ(world.Execute(cdb::Write10(7, Pattern(7, 4, bs, 3), bs)).srb_status,
            SRB_STATUS_SUCCESS);
  EXPECT_EQ(world.Execute(cdb::Read10(7, 4, bs)).data, Pattern(7, 4, bs, 3));
  const std::string findings = world.EndOfRunFindings(2);
  EXPECT_TRUE(findings.empty()) << findings;
}

TEST(InitFaults, UncachedExtensionFailureFailsTheStartCleanly) {
  WorldConfig config = DefaultConfig();
  config.platform.faults.uncached_extension_fails = true;
  E2eWorld world(config);
  EXPECT_FALSE(world.Start());
  const std::string findings = world.EndOfRunFindings(0);
  EXPECT_TRUE(findings.empty()) << findings;
}

}  // namespace
}  // namespace msirig::e2e
