#include "signature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace msirig::triage {
namespace {

bool ReadTestFile(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  text->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return static_cast<bool>(in) || in.eof();
}

TEST(SignatureTest, VerifierRuleIdOnly) {
  EXPECT_EQ(SignatureOf("replay: x (25 bytes)\n"
                        "msirig: violation StorPortMSILock: StorPortAcquireMSISpinLock(message 0) "
                        "with mode 1 (adapter 0x7ffd1234, cpu 1)\nmsirig: rule ...\n"),
            "msirig: violation StorPortMSILock");
  // Pointers and values in the message do not matter.
  EXPECT_EQ(SignatureOf("msirig: violation StorPortMSILock: at 0x6020000001\n"),
            SignatureOf("msirig: violation StorPortMSILock: at 0x7fff0000\n"));
}

TEST(SignatureTest, ContractMismatchRoutineOnly) {
  EXPECT_EQ(SignatureOf("msirig: contract mismatch: StorPortAcquireMSISpinLock(message 1, args 0) "
                        "returned 0x1, documented 0x0\n"),
            "msirig: contract mismatch: StorPortAcquireMSISpinLock");
}

TEST(SignatureTest, CleanOutputHasNone) {
  EXPECT_EQ(SignatureOf("replay: a (3 bytes)\nreplay: 1 input(s), no finding\n"), "");
  EXPECT_EQ(SignatureOf(""), "");
}

constexpr char kAsanReport[] =
    "=================================================================\n"
    "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc "
    "0x55d0 bp 0x7ffc sp 0x7ff0\n"
    "READ of size 4 at 0x602000000010 thread T0\n"
    "    #0 0x55d0a1 in __interceptor_memcpy (/b/asan/targets/schedule_fuzz_replay+0x1234)\n"
    "    #1 0x55d0a2 in std::vector<int>::at(unsigned long) "
    "/usr/include/c++/12/bits/stl_vector.h:1126:2\n"
    "    #2 0x55d0a3 in msirig::sp::Port::Trace(int) %ROOT%/storport/src/trace.cc:40:3\n"
    "    #3 0x55d0a4 in NvmeBuildIo(void*, _SCSI_REQUEST_BLOCK*) %ROOT%/miniport/src/io.c:88:7\n"
    "    #4 0x55d0a5 in msirig::sp::(anonymous namespace)::CallBuildIo(msirig::sp::Adapter&) const "
    "%ROOT%/storport/src/requests.cc:120:9\n"
    "    #5 0x55d0a6 in msirig::fuzz::Executor::Impl::Act(msirig::fuzz::Step const&) "
    "%ROOT%/fuzz/src/executor_run.cc:300:5\n"
    "    #6 0x55d0a7 in msirig::sp::Port::SubmitRequest(int) %ROOT%/storport/src/requests.cc:60:3\n"
    "    #7 0x55d0a8 in msirig::sp::Port::Deeper() %ROOT%/storport/src/requests.cc:70:3\n"
    "    #8 0x55d0a9 in LLVMFuzzerTestOneInput %ROOT%/targets/schedule_fuzz.cc:20:3\n"
    "\n"
    "0x602000000010 is located 0 bytes inside of 16-byte region\n"
    "freed by thread T0 here:\n"
    "    #0 0x55d0b0 in free\n"
    "    #1 0x55d0b1 in msirig::sp::Port::SurpriseRemove() %ROOT%/storport/src/pnp.cc:10:1\n"
    "\n"
    "SUMMARY: AddressSanitizer: heap-use-after-free %ROOT%/miniport/src/io.c:88:7 in NvmeBuildIo\n";

std::string WithRoot(std::string text, const std::string& root) {
  for (size_t at; (at = text.find("%ROOT%")) != std::string::npos;) text.replace(at, 6, root);
  return text;
}

TEST(SignatureTest, SanitizerTypeAndTopThreeProjectFrames) {
  EXPECT_EQ(SignatureOf(WithRoot(kAsanReport, "/work/wt-triage")),
            "AddressSanitizer: heap-use-after-free in NvmeBuildIo / msirig::sp::CallBuildIo / "
            "msirig::sp::Port::SubmitRequest");
}

TEST(SignatureTest, SameAcrossCheckoutsAndAddresses) {
  std::string other = WithRoot(kAsanReport, "/home/ci/src/msirig");
  for (size_t at; (at = other.find("0x55d0")) != std::string::npos;) other.replace(at, 6, "0x7f11");
  EXPECT_EQ(SignatureOf(WithRoot(kAsanReport, "/work/wt-triage")), SignatureOf(other));
}

TEST(SignatureTest, DifferentBugsDifferentSignatures) {
  std::string other = WithRoot(kAsanReport, "/r");
  other.replace(other.find("NvmeBuildIo(void*"), 11, "NvmeStartIo");
  EXPECT_NE(SignatureOf(WithRoot(kAsanReport, "/r")), SignatureOf(other));
}

TEST(SignatureTest, ThreadSanitizerDataRace) {
  const std::string report =
      "==================\n"
      "WARNING: ThreadSanitizer: data race (pid=99)\n"
      "  Write of size 4 at 0x7b0400000010 by thread T2:\n"
      "    #0 NvmeIsr(void*, unsigned long) /x/miniport/src/isr.c:50:10 (replay+0x4f00)\n"
      "    #1 msirig::sp::Port::RunIsr(int) /x/storport/src/interrupts.cc:90:3 (replay+0x5f00)\n"
      "    #2 msirig::fuzz::Fiber::Entry() /x/fuzz/src/fiber.cc:10:3 (replay+0x6f00)\n"
      "\n"
      "  Previous read of size 4 at 0x7b0400000010 by thread T1:\n"
      "    #0 NvmeStartIo /x/miniport/src/io.c:5:1 (replay+0x1)\n";
  EXPECT_EQ(SignatureOf(report),
            "ThreadSanitizer: data race in NvmeIsr / msirig::sp::Port::RunIsr");
}

TEST(SignatureTest, UbsanDropsValues) {
  const std::string a =
      "/x/miniport/src/io.c:12:5: runtime error: index 5 out of bounds for type 'int [4]'\n"
      "    #0 0x1 in NvmeStartIo /x/miniport/src/io.c:12:5\n";
  const std::string b =
      "/x/miniport/src/io.c:12:5: runtime error: index 9 out of bounds for type 'int [4]'\n"
      "    #0 0x2 in NvmeStartIo /x/miniport/src/io.c:12:5\n";
  EXPECT_EQ(SignatureOf(a),
            "UndefinedBehaviorSanitizer: index out of bounds for type in NvmeStartIo");
  EXPECT_EQ(SignatureOf(a), SignatureOf(b));
}

TEST(SignatureTest, FirstFindingWins) {
  EXPECT_EQ(SignatureOf("msirig: violation IsrSpuriousClaim: x\n==1==ERROR: AddressSanitizer: "
                        "SEGV on unknown address\n"),
            "msirig: violation IsrSpuriousClaim");
  EXPECT_EQ(SignatureOf("==1==ERROR: AddressSanitizer: SEGV on unknown address 0x0 (pc 0x1)\n"),
            "AddressSanitizer: SEGV");
}

TEST(FrameTest, ParsesAsanTsanAndUnsymbolized) {
  Frame f;
  ASSERT_TRUE(
      ParseFrame("    #12 0xdead in ns::A<int>::B(int) const /r/storport/src/x.cc:1:2", &f));
  EXPECT_EQ(f.function, "ns::A<int>::B");
  EXPECT_EQ(f.file, "storport/src/x.cc");
  ASSERT_TRUE(ParseFrame("#0 Foo /r/hba-model/src/y.cc:3 (bin+0x10)", &f));
  EXPECT_EQ(f.function, "Foo");
  EXPECT_EQ(f.file, "hba-model/src/y.cc");
  ASSERT_TRUE(ParseFrame("#0 Isr() /r/miniport/u.cc:6:15 (race+0xd4458) (BuildId: a3512dd1)", &f));
  EXPECT_EQ(f.function, "Isr");
  EXPECT_EQ(f.file, "miniport/u.cc");
  ASSERT_TRUE(ParseFrame("#0 0x55 in operator delete(void*) (/b/x+0xdf7dd) (BuildId: 26ad)", &f));
  EXPECT_EQ(f.function, "operator delete");
  EXPECT_EQ(f.file, "");
  ASSERT_TRUE(ParseFrame("#1 0x1 in malloc (/usr/lib/libasan.so+0x99)", &f));
  EXPECT_EQ(f.function, "malloc");
  EXPECT_EQ(f.file, "");
  EXPECT_FALSE(ParseFrame("SUMMARY: AddressSanitizer: x", &f));
}

TEST(FrameTest, InfrastructureIsDropped) {
  EXPECT_TRUE(IsInfrastructure({"X", "fuzz/src/executor_run.cc"}));
  EXPECT_TRUE(IsInfrastructure({"LLVMFuzzerTestOneInput", "targets/planted_msi_lock_fuzz.cc"}));
  EXPECT_FALSE(IsInfrastructure({"PlantedStartIo", "targets/planted_msi_lock_fuzz.cc"}));
  EXPECT_FALSE(IsInfrastructure({"NvmeIsr", "miniport/src/isr.c"}));
}

}  // namespace
}  // namespace msirig::triage

namespace msirig::triage {
namespace {

// Real reports (clang-14, Debian bookworm) of a small program whose source sat in a folder
// named miniport/: a use after free and a data race between two threads.
std::string TestData(const char* name) {
  std::string text;
  EXPECT_TRUE(ReadTestFile(std::string(MSIRIG_TRIAGE_TESTDATA) + "/" + name, &text)) << name;
  return text;
}

TEST(RealReportTest, AddressSanitizer) {
  EXPECT_EQ(SignatureOf(TestData("asan_heap_use_after_free.log")),
            "AddressSanitizer: heap-use-after-free in drv::Complete / BuildIo / main");
}

TEST(RealReportTest, ThreadSanitizer) {
  EXPECT_EQ(SignatureOf(TestData("tsan_data_race.log")), "ThreadSanitizer: data race in Isr");
}

}  // namespace
}  // namespace msirig::triage
