// Finding signatures: one stable line per bug, read from a replay's output (stdout + stderr).
//
//   msirig: violation <RULE>               a Storport rule the verifier checks (rule id only)
//   msirig: contract mismatch: <ROUTINE>   the executor's probe got an undocumented answer
//   <Sanitizer>: <bug type> in f1 / f2 / f3
//                                          a sanitizer report: its bug type and the top three
//                                          frames inside the project, runtime, libc, libstdc++,
//                                          gtest, libFuzzer and rig-infrastructure frames
//                                          dropped (kInfrastructure), as ClusterFuzz's crash
//                                          state does; function names only, no lines, addresses
//                                          or offsets, so the line is the same across runs,
//                                          builds and machines.
//
// Message text after the rule id (pointers, values) never enters a signature.
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

// The project's top-level folders: a frame's file is inside the project when its path holds
// one of them as a directory ("/storport/..."), wherever the tree was checked out.
inline constexpr std::string_view kProjectFolders[] = {
    "storport", "hba-model", "miniport", "fuzz", "targets", "tests", "tools",
};

struct Frame {
  std::string function;  // as symbolized, parameters dropped (CleanFunction)
  std::string file;      // relative to the project root; "" outside the project
};

// Parses one stack-frame line of ASan/UBSan ("#3 0x55 in f(int) /src/a.cc:1:2") or TSan
// ("#0 f(int) /src/a.cc:1:2 (bin+0x12)"). False when the line is not a frame.
bool ParseFrame(std::string_view line, Frame* frame);

// "ns::Foo::Bar(int, char*) const" -> "ns::Foo::Bar"; "(anonymous namespace)::" and ABI tags go.
std::string CleanFunction(std::string_view function);

// The path relative to the project root, or "" when the file is not in the project.
std::string ProjectRelative(std::string_view path);

bool IsInfrastructure(const Frame& frame);

// The signature of the first finding in a replay's output, or "" when it shows none.
std::string SignatureOf(std::string_view output);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_SIGNATURE_H_
