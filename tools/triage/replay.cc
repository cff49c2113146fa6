// Subprocess replay (see replay.h).
#include "replay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "signature.h"

namespace msirig::triage {

RunResult RunCommand(const std::vector<std::string>& argv, int timeout_seconds) {
  RunResult result;
  int pipe_fds[2];
  if (argv.empty() || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = "cannot create a pipe";
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("cannot fork: ") + std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    const std::string message =
        "msirig_triage: cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, message.data(), message.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here: no race with the child's own call
  ::close(pipe_fds[1]);
  result.started = true;
  // A timeout is the only use of a clock here, and it never decides a signature but "timeout".
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  constexpr size_t kMaxOutput = 8 << 20;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd fd = {pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output: every writer is gone
    if (result.output.size() < kMaxOutput) result.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string SignatureOfRun(const RunResult& run) {
  if (run.timed_out) return "timeout";
  std::string signature = SignatureOf(run.output);
  if (!signature.empty()) return signature;
  if (run.signal != 0) return "crash without a report (signal " + std::to_string(run.signal) + ")";
  if (run.exit_code != 0)
    return "crash without a report (exit status " + std::to_string(run.exit_code) + ")";
  return {};
}

}  // namespace msirig::triage
