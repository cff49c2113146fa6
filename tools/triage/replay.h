// Replays one input in a subprocess (the target's replay binary), with a timeout, and reads
// the finding's signature from its output.
#ifndef MSIRIG_TOOLS_TRIAGE_REPLAY_H_
#define MSIRIG_TOOLS_TRIAGE_REPLAY_H_

#include <string>
#include <vector>

namespace msirig::triage {

struct RunResult {
  bool started = false;    // false: the program could not be run (error says why)
  bool timed_out = false;  // killed after the timeout
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it
  std::string output;      // stdout and stderr, interleaved (first 8 MiB)
  std::string error;
};

// Runs argv[0] with argv, stdin from /dev/null, in its own process group (killed whole on
// timeout).
RunResult RunCommand(const std::vector<std::string>& argv, int timeout_seconds);

// The signature of a run: SignatureOf its output; else "timeout", or "crash without a report
// (signal N | exit status N)" for a non-zero end without a recognizable report; "" when clean.
std::string SignatureOfRun(const RunResult& run);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_REPLAY_H_
