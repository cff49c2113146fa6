// Scenario text form: round trip, the grammar, and an error naming the line for every mistake.
#include "msirig/fuzz/scenario_text.h"

#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <string>

#include "msirig/fuzz/scenario_codec.h"
#include "scenario_test_util.h"

namespace msirig::fuzz {
namespace {

std::string ErrorOf(std::string_view text) {
  Scenario s;
  std::string error;
  EXPECT_FALSE(ParseText(text, &s, &error)) << text;
  return error;
}

Scenario Parsed(std::string_view text) {
  Scenario s;
  std::string error;
  EXPECT_TRUE(ParseText(text, &s, &error)) << error;
  return s;
}

TEST(ScenarioText, RoundTripsRandomScenarios) {
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    const Scenario s = testing::RandomScenario(rng);
    const std::string text = ToText(s);
    Scenario back;
    std::string error;
    ASSERT_TRUE(ParseText(text, &back, &error)) << error << "\n" << text;
    ASSERT_TRUE(back == s) << text;
  }
}

TEST(ScenarioText, RoundTripsScenariosDecodedFromRandomBytes) {
  std::mt19937 rng(12);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> bytes(rng() % 200);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng() % 4 ? rng() : 'F' + rng() % 21);
    const Scenario s = Decode(bytes.data(), bytes.size());
    Scenario back;
    std::string error;
    ASSERT_TRUE(ParseText(ToText(s), &back, &error)) << error << "\n" << ToText(s);
    ASSERT_TRUE(back == s) << ToText(s);
  }
}

TEST(ScenarioText, AnswersEveryDamagedTextWithAScenarioOrAnErrorNamingALine) {
  std::mt19937 rng(13);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = ToText(testing::RandomScenario(rng));
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !text.empty(); --edits) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1 + rng() % 3);
          break;
        case 1:
          text.insert(at, 1, "=\"#x0 \n\\"[rng() % 9]);
          break;
        default:
          text[at] = static_cast<char>(rng());
      }
    }
    Scenario s;
    std::string error;
    if (ParseText(text, &s, &error)) {
      ASSERT_TRUE(Normalize(s) == s) << text;
      ++accepted;
    } else {
      ASSERT_EQ(error.rfind("line ", 0), 0u) << error;
      ASSERT_NE(error.find(": expected "), std::string::npos) << error;
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(ScenarioText, PrintsTheDefaultScenarioAsOnePlatformLine) {
  EXPECT_EQ(ToText(Normalize(Scenario{})),
            "platform os=win10 interrupts=msix requested=8 granted=8 cpus=2\n");
}

TEST(ScenarioText, ParsesTheDocumentedExample) {
  const Scenario s = Parsed(R"(# two CPUs, three of eight messages granted
platform os=win10 interrupts=msix requested=8 granted=3 cpus=2 parameter="SyncMode=PerMessage;IoQueues=4"
platform-fault pool_fail_from_call=5

message 2 data=0x41 vector=0x70   # the others keep their defaults
controller msix_vectors=16 max_queue_entries=64 has_msi=0
namespace blocks=1024 block_size=4096
namespace
fault drop_interrupt_every_n=3 delay_interrupt_every_n=2 delay_interrupt_ns=5000
write cpu=0 lba=8 blocks=2 pattern=0x5a preempt=3
interrupt cpu=1 message=2
flush a=7
)");
  EXPECT_EQ(s.platform.messages_granted, 3u);
  EXPECT_EQ(s.platform.driver_parameter, "SyncMode=PerMessage;IoQueues=4");
  EXPECT_EQ(s.platform.faults.pool_fail_from_call, 5u);
  ASSERT_EQ(s.platform.message_contents.size(), 3u);
  EXPECT_EQ(s.platform.message_contents[0], sp::DefaultMessageContents(0));
  EXPECT_EQ(s.platform.message_contents[2].message_data, 0x41u);
  EXPECT_EQ(s.platform.message_contents[2].interrupt_vector, 0x70u);
  EXPECT_EQ(s.device.max_queue_entries, 64u);
  EXPECT_FALSE(s.device.has_msi);
  ASSERT_EQ(s.device.namespaces.size(), 2u);
  EXPECT_EQ(s.device.namespaces[0].block_size_bytes, 4096u);
  EXPECT_EQ(s.device.namespaces[1].size_blocks, hba::NamespaceConfig{}.size_blocks);
  EXPECT_EQ(s.faults.delay_interrupt_ns, 5000u);
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0], (Step{StepKind::kWrite, 0, 3, 8, 2, 0x5a}));
  EXPECT_EQ(s.steps[1], (Step{StepKind::kInterrupt, 1, 0, 2, 0, 0}));
  EXPECT_EQ(s.steps[2], (Step{StepKind::kFlush, 0, 0, 7, 0, 0}));
  EXPECT_TRUE(Normalize(s) == s);
}

TEST(ScenarioText, TheFaultLineSaysWhetherThePlanIsArmedBeforeInitialization) {
  const Scenario late = Parsed("fault corrupt_cid_every_n=3\n");
  EXPECT_FALSE(late.faults_during_init);
  const Scenario early = Parsed("fault corrupt_cid_every_n=3 during_init=1\n");
  EXPECT_TRUE(early.faults_during_init);
  EXPECT_EQ(early.faults.corrupt_cid_every_n, 3u);
  EXPECT_NE(ToText(early).find("fault corrupt_cid_every_n=3 during_init=1\n"), std::string::npos);
  EXPECT_TRUE(Parsed(ToText(early)) == early);
  EXPECT_FALSE(early == late);
  // The flag alone is a fault line too, and survives the binary form.
  Scenario only_flag = Normalize(Scenario{});
  only_flag.faults_during_init = true;
  EXPECT_NE(ToText(only_flag).find("fault during_init=1\n"), std::string::npos);
  EXPECT_TRUE(Decode(Encode(only_flag).data(), Encode(only_flag).size()) == only_flag);
  std::string error;
  Scenario ignored;
  EXPECT_FALSE(ParseText("fault during_init=2\n", &ignored, &error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
}

TEST(ScenarioText, FillsPlatformDefaultsThatFitTheOtherKeys) {
  EXPECT_EQ(Parsed("platform os=server2003").platform.interrupt_kind,
            sp::InterruptKind::kLineBased);
  EXPECT_EQ(Parsed("platform interrupts=line").platform.messages_requested, 0u);
  EXPECT_EQ(Parsed("platform interrupts=msi requested=6").platform.messages_granted, 4u);
  EXPECT_EQ(Parsed("platform requested=3").platform.messages_granted, 3u);
  EXPECT_EQ(Parsed("").steps.size(), 0u);
}

TEST(ScenarioText, RoundTripsAnyParameterBytes) {
  Scenario s = Normalize(Scenario{});
  for (int c = 1; c < 256; ++c) s.platform.driver_parameter += static_cast<char>(c);
  s.platform.driver_parameter.resize(sp::kMaxDriverParameterLength);
  EXPECT_TRUE(Parsed(ToText(s)) == s);
  s.platform.driver_parameter = "a\"b\\c#d e\n";
  EXPECT_TRUE(Parsed(ToText(s)) == s);
}

TEST(ScenarioText, NamesNoStepLikeAConfigurationLine) {
  for (int k = 0; k < kStepKindCount; ++k) {
    const std::string_view name = InfoOf(static_cast<StepKind>(k)).text;
    for (std::string_view keyword :
         {"platform", "platform-fault", "message", "controller", "namespace", "fault"}) {
      EXPECT_NE(name, keyword);
    }
  }
  EXPECT_EQ(Parsed("device steps=3").steps[0], (Step{StepKind::kDeviceProgress, 0, 0, 3, 0, 0}));
}

TEST(ScenarioText, AcceptsWindowsLineEndingsAndTabs) {
  const Scenario s = Parsed("platform\tcpus=4\r\nread\tcpu=3 lba=1\r\n");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].cpu, 3u);
}

TEST(ScenarioText, LeavesTheOutputUntouchedOnError) {
  Scenario s;
  s.steps.push_back(Step{StepKind::kStopAdapter, 1, 0, 0, 0, 0});
  const Scenario before = s;
  std::string error;
  EXPECT_FALSE(ParseText("read lba=1\nread lba=x\n", &s, &error));
  EXPECT_TRUE(s == before);
}

struct Malformed {
  const char* text;
  const char* error;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (pointers).
void PrintTo(const Malformed& m, std::ostream* os) { *os << '"' << m.text << '"'; }

class ScenarioTextError : public ::testing::TestWithParam<Malformed> {};

TEST_P(ScenarioTextError, NamesTheLineTheTokenAndWhatWasExpected) {
  EXPECT_EQ(ErrorOf(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    EveryMistake, ScenarioTextError,
    ::testing::Values(
        Malformed{"read lba=1\nread blocks=x", "line 2: 'blocks=x': expected a number"},
        Malformed{"\n\nwirte lba=1",
                  "line 3: 'wirte': expected platform, platform-fault, message, controller, "
                  "namespace, fault or a step: read, write, flush, inquiry, read-capacity, "
                  "report-luns, device, time, interrupt, dpcs, reset, stop, restart, remove, "
                  "get-msi-info, acquire-msi-lock, release-msi-lock or resume"},
        Malformed{"lba=1",
                  "line 1: 'lba=1': expected platform, platform-fault, message, controller, "
                  "namespace, fault or a step: read, write, flush, inquiry, "
                  "read-capacity, report-luns, device, time, interrupt, dpcs, reset, "
                  "stop, restart, remove, get-msi-info, acquire-msi-lock, "
                  "release-msi-lock or resume"},
        Malformed{"read lbx=1", "line 1: 'lbx=1': expected one of cpu, preempt, lba, blocks or c"},
        Malformed{"read lba", "line 1: 'lba': expected key=value"},
        Malformed{"read lba=1 lba=2", "line 1: 'lba=2': expected each key once per line"},
        Malformed{"read lba=0x", "line 1: 'lba=0x': expected a number"},
        Malformed{"read lba=-1", "line 1: 'lba=-1': expected a number"},
        Malformed{"read lba=4294967296",
                  "line 1: 'lba=4294967296': expected a number in 0..4294967295"},
        Malformed{"read lba=99999999999999999999999",
                  "line 1: 'lba=99999999999999999999999': expected a number"},
        Malformed{"read preempt=65536", "line 1: 'preempt=65536': expected a number in 0..65535"},
        Malformed{"read cpu=64", "line 1: 'cpu=64': expected a number in 0..63"},
        Malformed{"platform cpus=2\nread cpu=2",
                  "line 2: 'cpu=2': expected a cpu below cpus=2 (platform)"},
        Malformed{"read cpu=3\nplatform cpus=2",
                  "line 1: 'cpu=3': expected a cpu below cpus=2 (platform)"},
        Malformed{"platform os=win11",
                  "line 1: 'os=win11': expected win10, win8, win7, vista or server2003"},
        Malformed{"platform interrupts=msi-x",
                  "line 1: 'interrupts=msi-x': expected msix, msi or line"},
        Malformed{"platform os=server2003 interrupts=msi",
                  "line 1: 'interrupts=msi': expected interrupts=line: MSI needs Vista or later"},
        Malformed{"platform interrupts=line requested=2",
                  "line 1: 'requested=2': expected 0 for interrupts=line"},
        Malformed{"platform interrupts=msi requested=33",
                  "line 1: 'requested=33': expected a number in 1..32 for interrupts=msi"},
        Malformed{"platform requested=0",
                  "line 1: 'requested=0': expected a number in 1..2048 for interrupts=msix"},
        Malformed{"platform requested=4 granted=5",
                  "line 1: 'granted=5': expected at most requested=4"},
        Malformed{"platform interrupts=msi requested=8 granted=3",
                  "line 1: 'granted=3': expected 0, 1, 2, 4, 8, 16 or 32 for interrupts=msi"},
        Malformed{"platform cpus=0", "line 1: 'cpus=0': expected a number in 1..64"},
        Malformed{"platform bogus=1",
                  "line 1: 'bogus=1': expected one of os, interrupts, requested, granted, cpus or "
                  "parameter"},
        Malformed{"platform\nplatform",
                  "line 2: 'platform': expected one platform line (the first is line 1)"},
        Malformed{"controller\n# note\ncontroller",
                  "line 3: 'controller': expected one controller line (the first is line 1)"},
        Malformed{"platform parameter=\"abc", "line 1: 'parameter=\"abc': expected a closing '\"'"},
        Malformed{"platform parameter=\"a\"b",
                  "line 1: 'parameter=\"a\"b': expected a space after the closing '\"'"},
        Malformed{
            "platform parameter=\"\\q\"",
            "line 1: 'parameter=\"\\q\"': expected an escape \\\\, \\\", \\n, \\r, \\t or \\xHH"},
        Malformed{
            "platform parameter=\"\\x00\"",
            "line 1: 'parameter=\"\\x00\"': expected no NUL byte (the parameter is a C string)"},
        Malformed{"platform parameter=a\"b\"",
                  "line 1: 'parameter=a\"b\"': expected '\"' only around a whole value"},
        Malformed{"platform parameter=a\"b", "line 1: 'parameter=a\"b': expected a closing '\"'"},
        Malformed{"platform-fault uncached_extension_fails=2",
                  "line 1: 'uncached_extension_fails=2': expected 0 or 1"},
        Malformed{"controller msix_vectors=0",
                  "line 1: 'msix_vectors=0': expected a number in 1..2048"},
        Malformed{"controller msi_messages=3",
                  "line 1: 'msi_messages=3': expected a power of two in 1..32"},
        Malformed{
            "controller msix=16",
            "line 1: 'msix=16': expected one of has_msix, has_msi, msix_vectors, msi_messages, "
            "max_queue_entries, io_queue_pairs_max, doorbell_stride_shift, mdts_pages_log2, "
            "timeout_500ms, ready_latency_ns, shutdown_latency_ns, pci_vendor_id, "
            "pci_device_id, pci_subsystem_vendor_id, pci_subsystem_id or pci_revision"},
        Malformed{"namespace block_size=1024", "line 1: 'block_size=1024': expected 512 or 4096"},
        Malformed{"namespace blocks=0",
                  "line 1: 'blocks=0': expected a number in 1..1099511627776"},
        Malformed{"namespace\nnamespace\nnamespace\nnamespace\nnamespace",
                  "line 5: 'namespace': expected at most 4 namespace lines"},
        Malformed{
            "fault delay_interrupt_ns=0x10000000001",
            "line 1: 'delay_interrupt_ns=0x10000000001': expected a number in 0..1099511627776"},
        Malformed{"fault\nfault", "line 2: 'fault': expected one fault line (the first is line 1)"},
        Malformed{"message", "line 1: 'message': expected a message id"},
        Malformed{"message data=1", "line 1: 'data=1': expected a message id"},
        Malformed{"message two", "line 1: 'two': expected a message id (a number)"},
        Malformed{"message 3\nmessage 1",
                  "line 2: '1': expected a message id above 3 (ids increase)"},
        Malformed{"message 2048", "line 1: '2048': expected a message id below 2048"},
        Malformed{"platform requested=4 granted=2\nmessage 1\nmessage 2 data=1",
                  "line 3: '2': expected a message id below granted=2"},
        Malformed{"message 0 colour=1",
                  "line 1: 'colour=1': expected one of data, address, vector, level or mode"},
        Malformed{"flush b=1 pattern=2",
                  "line 1: 'pattern=2': expected one of cpu, preempt, a, b or c"}));

}  // namespace
}  // namespace msirig::fuzz
