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

// A verifier report as an ASan replay binary prints it: the violation line, the rule, the
// place, then the stack from __sanitizer_print_stack_trace (verifier.cc), then the context.
constexpr char kViolationReport[] =
    "replay: x (25 bytes)\n"
    "msirig: violation MSILockMessageId: StorPortAcquireMSISpinLock(message 3) with 2 messages "
    "granted (adapter 0, message none, callback HwStartIo, cpu 1, irql 2)\n"
    "msirig: rule MSILockMessageId [SPEC 3 (decision)]: MSI spin lock message id not below ...\n"
    "msirig: place: HwStartIo\n"
    "msirig: stack of the violation:\n"
    "    #0 0x55d0a1 in __sanitizer_print_stack_trace (/b/asan/targets/schedule_fuzz_replay+0x1)\n"
    "    #1 0x55d0a2 in msirig::sp::Verifier::Report(msirig::sp::Rule, std::basic_string_view<"
    "char, std::char_traits<char> >) %ROOT%/storport/src/verifier.cc:60:3\n"
    "    #2 0x55d0a3 in msirig::sp::PortState::Violate(msirig::sp::Rule, msirig::sp::Adapter*, "
    "std::string const&) %ROOT%/storport/src/port.cc:148:12\n"
    "    #3 0x55d0a4 in msirig::sp::AcquireMsiLock(msirig::sp::PortState&, void*, unsigned "
    "long, unsigned long*) %ROOT%/storport/src/msi.cc:103:7\n"
    "    #4 0x55d0a5 in StorPortExtendedFunction %ROOT%/storport/src/api_dispatch.cc:200:14\n"
    "    #5 0x55d0a6 in StorPortAcquireMSISpinLock %ROOT%/storport/include/storport.h:900:10\n"
    "    #6 0x55d0a6 in NvmAcquireQueueLock %ROOT%/miniport/nvm_util.c:24:5\n"
    "    #7 0x55d0a7 in NvmSubmitCommand %ROOT%/miniport/nvm_io.c:400:3\n"
    "    #8 0x55d0a8 in NvmHwStartIo %ROOT%/miniport/nvm_io.c:430:3\n"
    "    #9 0x55d0a9 in NvmHwBuildIoHelper %ROOT%/miniport/nvm_io.c:300:3\n"
    "    #10 0x55d0b0 in msirig::sp::PortState::StartRequest(msirig::sp::Adapter&, "
    "_SCSI_REQUEST_BLOCK const*) %ROOT%/storport/src/requests.cc:196:5\n"
    "    #11 0x55d0b1 in msirig::fuzz::Executor::Impl::Act(msirig::fuzz::Step const&) "
    "%ROOT%/fuzz/src/executor_run.cc:120:5\n"
    "    #12 0x55d0b2 in msirig::fuzz::Fiber::Entry(boost::context::detail::transfer_t) "
    "%ROOT%/fuzz/src/fiber.cc:40:3\n"
    "    #13 0x55d0b3 in make_fcontext (/b/asan/targets/schedule_fuzz_replay+0x9)\n"
    "\n"
    "msirig: scenario:\n"
    "platform os=win10 interrupts=msix requested=4 granted=2 cpus=2\n"
    "==77== ERROR: libFuzzer: deadly signal\n"
    "    #0 0x1 in __sanitizer_print_stack_trace (/b/x+0x1)\n"
    "    #1 0x2 in SomethingElse %ROOT%/miniport/other.c:1:1\n";

std::string WithRoot(std::string text, const std::string& root) {
  for (size_t at; (at = text.find("%ROOT%")) != std::string::npos;) text.replace(at, 6, root);
  return text;
}

TEST(SignatureTest, VerifierRuleAndTheDriversTopThreeFrames) {
  // The port's frames (verifier, dispatch, the storport.h inline wrapper, the request path)
  // and the executor's go; the driver's first three stay, inlined ones included.
  EXPECT_EQ(SignatureOf(WithRoot(kViolationReport, "/work/wt")),
            "msirig: violation MSILockMessageId in NvmAcquireQueueLock / NvmSubmitCommand / "
            "NvmHwStartIo");
}

TEST(SignatureTest, VerifierSignatureIsTheSameAcrossCheckoutsAddressesAndValues) {
  std::string other = WithRoot(kViolationReport, "/home/ci/src/msirig");
  for (size_t at; (at = other.find("0x55d0")) != std::string::npos;) other.replace(at, 6, "0x7f11");
  other.replace(other.find("message 3"), 9, "message 7");
  other.replace(other.find("cpu 1"), 5, "cpu 0");
  other.replace(other.find("nvm_util.c:24:5"), 15, "nvm_util.c:31:9");
  EXPECT_EQ(SignatureOf(WithRoot(kViolationReport, "/work/wt")), SignatureOf(other));
}

TEST(SignatureTest, TwoBugsOfOneRuleInDifferentDriverCodeDiffer) {
  // The same rule reached from the driver's initialization instead of its StartIo path.
  std::string other = WithRoot(kViolationReport, "/r");
  other.replace(other.find("NvmSubmitCommand"), 16, "NvmCreateIoQueues");
  other.replace(other.find("NvmHwStartIo"), 12, "NvmHwPassiveInitialize");
  EXPECT_NE(SignatureOf(WithRoot(kViolationReport, "/r")), SignatureOf(other));
  EXPECT_EQ(SignatureOf(other),
            "msirig: violation MSILockMessageId in NvmAcquireQueueLock / NvmCreateIoQueues / "
            "NvmHwPassiveInitialize");
}

TEST(SignatureTest, VerifierStackAsThreadSanitizerPrintsIt) {
  const std::string report =
      "msirig: violation StorPortMSILock: StorPortAcquireMSISpinLock(message 0) with "
      "InterruptSynchronizationMode 1 (adapter 0, message none, callback HwStartIo, cpu 1, irql 2)\n"
      "msirig: rule StorPortMSILock [SPEC 3; SDV StorPortMSILock]: ...\n"
      "msirig: place: HwStartIo\n"
      "msirig: stack of the violation:\n"
      "    #0 __sanitizer_print_stack_trace <null> (replay+0xd1f2e)\n"
      "    #1 msirig::sp::Verifier::Report(msirig::sp::Rule, std::basic_string_view<char, "
      "std::char_traits<char> >) /x/storport/src/verifier.cc:70:47 (replay+0x1f6a2e)\n"
      "    #2 StorPortAcquireMSISpinLock /x/storport/include/storport.h:900:10 (replay+0x1f6a2f)\n"
      "    #3 msirig::targets::(anonymous namespace)::PlantedStartIo(void*, "
      "_SCSI_REQUEST_BLOCK*) /x/targets/planted_msi_lock_fuzz.cc:31:9 (replay+0x1f6a30)\n"
      "    #4 msirig::sp::(anonymous namespace)::StartIo(void*, _SCSI_REQUEST_BLOCK*) "
      "/x/storport/src/scripted_miniport.cc:90:3 (replay+0x1f6a31)\n"
      "    #5 msirig::fuzz::Fiber::Entry() /x/fuzz/src/fiber.cc:10:3 (replay+0x6f00)\n"
      "\n";
  EXPECT_EQ(SignatureOf(report),
            "msirig: violation StorPortMSILock in msirig::targets::PlantedStartIo");
}

TEST(SignatureTest, VerifierWithoutDriverFramesUsesItsPlace) {
  // An end-of-run oracle: the stack is the rig's alone.
  const std::string report =
      "msirig: violation RequestsOutstanding: 2 request(s) never completed (first: tag 7) "
      "(adapter 0, message none, callback none, cpu 0, irql 0)\n"
      "msirig: rule RequestsOutstanding [SPEC 4]: requests still outstanding when the run ended\n"
      "msirig: place: write request, adapter running, device idle\n"
      "msirig: stack of the violation:\n"
      "    #0 0x1 in __sanitizer_print_stack_trace (/b/x+0x1)\n"
      "    #1 0x2 in msirig::sp::Port::CheckEndOfRun(std::basic_string_view<char, "
      "std::char_traits<char> >) /r/storport/src/deferred.cc:190:9\n"
      "    #2 0x3 in msirig::fuzz::Executor::Impl::CheckOracles() /r/fuzz/src/executor_run.cc:293:3\n"
      "    #3 0x4 in msirig::targets::Play(msirig::fuzz::Scenario const&) "
      "/r/targets/executor_target.cc:40:3\n"
      "    #4 0x5 in LLVMFuzzerTestOneInput /r/targets/schedule_fuzz.cc:20:3\n"
      "    #5 0x6 in main /r/fuzz/replay_main.cc:80:5\n"
      "    #6 0x7 in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x2718a)\n"
      "\n";
  EXPECT_EQ(SignatureOf(report),
            "msirig: violation RequestsOutstanding at write request, adapter running, device idle");
  // Another lost request: another signature; the tag and count never matter.
  std::string other = report;
  other.replace(other.find("device idle"), 11, "device holds a command");
  EXPECT_NE(SignatureOf(report), SignatureOf(other));
  std::string same = report;
  same.replace(same.find("2 request(s)"), 12, "5 request(s)");
  same.replace(same.find("tag 7"), 5, "tag 9");
  EXPECT_EQ(SignatureOf(report), SignatureOf(same));
}

TEST(SignatureTest, VerifierWithoutStackOrPlaceIsTheRuleAlone) {
  EXPECT_EQ(SignatureOf("msirig: violation StorPortMSILock: at 0x6020000001\n"),
            "msirig: violation StorPortMSILock");
  EXPECT_EQ(SignatureOf("msirig: violation StorPortMSILock: at 0x6020000001\n"),
            SignatureOf("msirig: violation StorPortMSILock: at 0x7fff0000\n"));
  // No stack (a build without a sanitizer runtime), a place: the place.
  EXPECT_EQ(SignatureOf("msirig: violation LockHeldOnReturn: x\nmsirig: rule ...\n"
                        "msirig: place: HwStartIo returned holding StartIoLock\n"),
            "msirig: violation LockHeldOnReturn at HwStartIo returned holding StartIoLock");
}

TEST(SignatureTest, UnsymbolizedVerifierStackSaysSo) {
  EXPECT_EQ(SignatureOf("msirig: violation StorPortMSILock: x\nmsirig: place: HwStartIo\n"
                        "    #0 0x4f1a2e  (/b/schedule_fuzz+0x4f1a2e)\n"
                        "    #1 0x4f1a2f  (/b/schedule_fuzz+0x4f1a2f)\n\n"),
            "msirig: violation StorPortMSILock (unsymbolized stack)");
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

TEST(FrameTest, DriverFramesAreTheCodeUnderTests) {
  Frame f;
  ASSERT_TRUE(ParseFrame("#3 0x1 in NvmHwStartIo /r/miniport/nvm_io.c:430:3", &f));
  EXPECT_TRUE(IsDriverFrame(f));
  ASSERT_TRUE(ParseFrame("#3 0x1 in StorPortAcquireMSISpinLock /r/storport/include/storport.h:9",
                         &f));
  EXPECT_FALSE(IsDriverFrame(f));  // the port's inline wrapper
  ASSERT_TRUE(ParseFrame("#3 0x1 in msirig::hba::Controller::Step() /r/hba-model/src/c.cc:9:1", &f));
  EXPECT_FALSE(IsDriverFrame(f));
  // A miniport of its own folder (README "Bring your own miniport"), wherever it is.
  ASSERT_TRUE(ParseFrame("#3 0x1 in MyHwStartIo /src/msirig/mydrv/io.c:12:3", &f));
  EXPECT_TRUE(IsDriverFrame(f));
  // libc, libstdc++ and the runtimes are not.
  ASSERT_TRUE(ParseFrame("#1 0x1 in std::vector<int>::at(unsigned long) "
                         "/usr/include/c++/12/bits/stl_vector.h:1126:2", &f));
  EXPECT_FALSE(IsDriverFrame(f));
  ASSERT_TRUE(ParseFrame("#0 0x1 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, "
                         "unsigned long) /build/llvm-toolchain-14-x/compiler-rt/lib/fuzzer/"
                         "FuzzerLoop.cpp:611:15", &f));
  EXPECT_FALSE(IsDriverFrame(f));
  ASSERT_TRUE(ParseFrame("#0 0x1 in malloc (/usr/lib/libasan.so+0x99)", &f));
  EXPECT_FALSE(IsDriverFrame(f));
  // libc with its debug information (Debian's libc6-dbg), and Boost.Context's fiber entry.
  ASSERT_TRUE(ParseFrame("#20 0x7ffff7a45249 in __libc_start_call_main "
                         "csu/../sysdeps/nptl/libc_start_call_main.h:58:16", &f));
  EXPECT_FALSE(IsDriverFrame(f));
  ASSERT_TRUE(ParseFrame("#13 0x55ad77bd01be in trampoline make_x86_64_sysv_elf_gas.o", &f));
  EXPECT_FALSE(IsDriverFrame(f));
}

TEST(FrameTest, InfrastructureIsDropped) {
  EXPECT_TRUE(IsInfrastructure({"X", "fuzz/src/executor_run.cc", ""}));
  EXPECT_TRUE(IsInfrastructure({"LLVMFuzzerTestOneInput", "targets/planted_msi_lock_fuzz.cc", ""}));
  EXPECT_FALSE(IsInfrastructure({"PlantedStartIo", "targets/planted_msi_lock_fuzz.cc", ""}));
  EXPECT_FALSE(IsInfrastructure({"NvmeIsr", "miniport/src/isr.c", ""}));
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

namespace msirig::triage {
namespace {

// Real verifier reports (clang-14, Debian bookworm; the verifier's part of each replay's
// output, build ids dropped): the planted bug of planted_msi_lock_fuzz under ASan and TSan,
// and bugs of the zoo (miniport/zoo/bugs.def) found by tests/zoo.
TEST(RealVerifierReportTest, TheSameBugHasOneSignatureUnderAsanAndTsan) {
  EXPECT_EQ(SignatureOf(TestData("planted_msi_lock_asan.log")),
            "msirig: violation StorPortMSILock in msirig::targets::PlantedStartIo");
  EXPECT_EQ(SignatureOf(TestData("planted_msi_lock_tsan.log")),
            SignatureOf(TestData("planted_msi_lock_asan.log")));
}

TEST(RealVerifierReportTest, TwoBugsOfOneRuleInDifferentDriverCodeDiffer) {
  // Both broke StorPortMSILock (an MSI lock in synchronize-all mode), and both were the rule
  // id alone before: the planted StartIo of a scripted miniport, and the zoo's
  // MSI_LOCK_SYNC_ALL in the NVMe miniport's HwStartIo.
  const std::string planted = SignatureOf(TestData("planted_msi_lock_asan.log"));
  const std::string zoo = SignatureOf(TestData("zoo_msi_lock_sync_all.log"));
  EXPECT_EQ(zoo, "msirig: violation StorPortMSILock in NvmHwStartIo");
  EXPECT_NE(planted, zoo);
}

TEST(RealVerifierReportTest, TwoBugsThatBreakOneRuleAtOneSiteShareItsSignature) {
  // MSI_LOCK_QUEUE_ID (the lock of the queue's id) and MSI_INFO_AFTER_FAILURE (a message count
  // read from a failed StorPortGetMSIInfo) both make NvmHwStartIo take an MSI lock above the
  // granted messages, through the same call (NvmAcquireQueueLock, a tail call here): the stack
  // at the violation is the same, and so is a crash-site signature (ClusterFuzz's too). They are
  // found by different targets (schedule_fuzz, msi_contents_fuzz), which the store keys apart.
  EXPECT_EQ(SignatureOf(TestData("zoo_msi_lock_queue_id.log")),
            "msirig: violation MSILockMessageId in NvmHwStartIo");
  EXPECT_EQ(SignatureOf(TestData("zoo_msi_info_after_failure.log")),
            SignatureOf(TestData("zoo_msi_lock_queue_id.log")));
}

TEST(RealVerifierReportTest, DeviceDmaWithoutDriverFramesHasItsPlace) {
  // RESET_COMPLETES_OWNED: the device writes a buffer already given back, in a drain step of the
  // executor; the stack below main is libc's (its own debug information), not the driver's.
  EXPECT_EQ(SignatureOf(TestData("zoo_reset_completes_owned.log")),
            "msirig: violation DmaUnmapped at device DMA read");
}

}  // namespace
}  // namespace msirig::triage
