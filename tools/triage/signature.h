// Finding signatures: one stable line per bug, read from a replay's output (stdout + stderr).
// Like ClusterFuzz's crash type + state (the top three frames after runtime, libc and
// test-framework frames are dropped): function names only, never lines, addresses, offsets,
// pointers or values, so the line is the same across runs, builds and machines.
//
//   msirig: violation <RULE> in f1 / f2 / f3
//       a Storport rule the verifier checks, raised while the driver under test was on the
//       stack: the rule id and the driver's top three frames of the stack the verifier prints
//       after its report (storport/include/msirig/storport/verifier.h). The driver's frames are
//       those with a source file outside the rig (storport/, hba-model/, fuzz/, tools/, bench/,
//       kInfrastructure) and outside the system; so the StorPort inline wrappers of storport.h
//       and the port's dispatch are dropped, and two bugs of one rule in different driver code
//       get different signatures. Inlined functions count as frames (the symbolizer reports
//       them), so inlining does not change the line; a tail call that removes a frame does.
//   msirig: violation <RULE> at <place>
//       a rule broken with no driver frame on the stack: end-of-run oracles (RequestsOutstanding
//       "at write request, adapter running, device idle", InterruptCauseUnserviced,
//       DataCorruption), checks made when a callback has returned (LockHeldOnReturn
//       "at HwStartIo returned holding StartIoLock", IrqlOnReturn, IsrSpuriousClaim), device
//       DMA, the rig's own probes: the place the verifier prints (`msirig: place: ...`), words
//       that tell such bugs apart without counts, tags or CPU numbers.
//   msirig: violation <RULE>
//       a report without stack or place (a build without a sanitizer runtime, an old log).
//   msirig: violation <RULE> (unsymbolized stack)
//       a stack without function names (symbolize=0): not comparable, said so.
//   msirig: contract mismatch: <ROUTINE>   the executor's probe got an undocumented answer
//   <Sanitizer>: <bug type> in f1 / f2 / f3
//       a sanitizer report: its bug type and the top three frames inside the project, runtime,
//       libc, libstdc++, gtest, libFuzzer and rig-infrastructure frames dropped
//       (kInfrastructure); the port driver's own frames count here (a rig bug is a finding).
//
// Signatures come from the sanitizer builds (asan, tsan, fuzz, fuzz-tsan, afl): they print the
// verifier's stack; release and coverage builds have no stack printer and give the rule alone.
#ifndef MSIRIG_TOOLS_TRIAGE_SIGNATURE_H_
#define MSIRIG_TOOLS_TRIAGE_SIGNATURE_H_

#include <string>
#include <string_view>
#include <vector>

namespace msirig::triage {

// Frames of these project files (prefix of the path relative to the source root) are the rig's
// machinery, not the code under test: the executor and its fibers, the replay driver, the fuzz
// target glue, and the port driver's entry-point dispatch, trace and verifier report paths.
// LLVMFuzzerTestOneInput is dropped wherever it is.
inline constexpr std::string_view kInfrastructure[] = {
    "fuzz/src/executor",
    "fuzz/src/fiber",
    "fuzz/src/sanitizer_hooks.h",
    "fuzz/replay_main.cc",
    "targets/executor_target.",
    "targets/sanitizer_defaults.cc",
    "targets/scenario_mutator_hooks.cc",
    "storport/src/api_dispatch.cc",
    "storport/src/trace.",
    "storport/src/verifier.cc",
};

// The rig's folders: for a verifier finding, frames there are not the driver under test's.
inline constexpr std::string_view kRig[] = {
    "storport/", "hba-model/", "fuzz/", "tools/", "bench/",
};

// The project's top-level folders: a frame's file is inside the project when its path holds
// one of them as a directory ("/storport/..."), wherever the tree was checked out.
inline constexpr std::string_view kProjectFolders[] = {
    "storport", "hba-model", "miniport", "fuzz", "targets", "tests", "tools",
};

struct Frame {
  std::string function;  // as symbolized, parameters dropped (CleanFunction)
  std::string file;      // relative to the project root; "" outside the project
  std::string path;      // the source file as printed; "" when the frame names none
};

// Parses one stack-frame line of ASan/UBSan ("#3 0x55 in f(int) /src/a.cc:1:2") or TSan
// ("#0 f(int) /src/a.cc:1:2 (bin+0x12)"). False when the line is not a frame.
bool ParseFrame(std::string_view line, Frame* frame);

// "ns::Foo::Bar(int, char*) const" -> "ns::Foo::Bar"; "(anonymous namespace)::" and ABI tags go.
std::string CleanFunction(std::string_view function);

// The path relative to the project root, or "" when the file is not in the project.
std::string ProjectRelative(std::string_view path);

bool IsInfrastructure(const Frame& frame);

// A frame of the driver under test, for verifier findings: symbolized with a source file that
// is neither the rig's (kRig, kInfrastructure) nor the system's (libc, libstdc++, sanitizer
// and libFuzzer runtimes). A miniport in a folder of its own ("Bring your own miniport")
// counts, wherever it is.
bool IsDriverFrame(const Frame& frame);

// The signature of the first finding in a replay's output, or "" when it shows none.
std::string SignatureOf(std::string_view output);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_SIGNATURE_H_
