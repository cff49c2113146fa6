// Trace (see trace.h).
#include "trace.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <utility>

#include "plumbing.h"
#include "tsan_scope.h"

namespace msirig::sp {
namespace {

// One multiply-xorshift step per 64-bit word: cheap, and the same on every machine.
MSIRIG_PLUMBING uint64_t Mix(uint64_t hash, uint64_t value) {
  hash ^= value;
  hash *= 0x9E3779B97F4A7C15ull;
  return hash ^ (hash >> 29);
}

}  // namespace

const char* EventName(Event event) {
  switch (event) {
    case Event::kCallbackEnter:
      return "enter";
    case Event::kCallbackExit:
      return "exit";
    case Event::kRoutine:
      return "call";
    case Event::kLockAcquire:
      return "acquire";
    case Event::kLockRelease:
      return "release";
    case Event::kInterruptSignal:
      return "signal";
    case Event::kInterruptDeliver:
      return "isr";
    case Event::kDpcQueue:
      return "dpc-queue";
    case Event::kDpcRun:
      return "dpc-run";
    case Event::kRequestSubmit:
      return "submit";
    case Event::kRequestComplete:
      return "complete";
    case Event::kDeviceEvent:
      return "device";
    case Event::kRegisterRead:
      return "read";
    case Event::kRegisterWrite:
      return "write";
    case Event::kTimer:
      return "timer";
    case Event::kViolation:
      return "violation";
  }
  return "?";
}

MSIRIG_PLUMBING void Trace::Add(Event event, uint32_t cpu, uint8_t irql, std::string_view name,
                                uint64_t a, uint64_t b) {
  ring_[count_ % kKept] = Entry{count_, event, static_cast<uint8_t>(cpu), irql, name, a, b};
  ++count_;
  uint64_t h = Mix(hash_, static_cast<uint64_t>(event) | (uint64_t{cpu} << 8) |
                              (uint64_t{irql} << 16) | (uint64_t{name.size()} << 24));
  // The name, eight bytes at a time, each group read as a big-endian word, then the last
  // 0-7 bytes likewise (a zero word when there are none).
  size_t i = 0;
  for (; i + 8 <= name.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, name.data() + i, sizeof word);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    h = Mix(h, word);
  }
  uint64_t word = 0;
  for (; i < name.size(); ++i) word = (word << 8) | static_cast<uint8_t>(name[i]);
  h = Mix(h, word);
  h = Mix(h, a);
  hash_ = Mix(h, b);
  if (recorder_ != nullptr) recorder_->Event(count_ - 1, cpu, irql, EventName(event), name, a, b);
}

std::string Trace::Tail(size_t n) const {
  std::string out;
  const uint64_t first = count_ > n ? count_ - n : 0;
  const uint64_t oldest_kept = count_ > kKept ? count_ - kKept : 0;
  char line[256];
  for (uint64_t seq = first < oldest_kept ? oldest_kept : first; seq < count_; ++seq) {
    const Entry& e = ring_[seq % kKept];
    std::snprintf(line, sizeof line,
                  "  #%-6" PRIu64 " cpu%u irql%-2u %-9s %.*s 0x%" PRIx64 " 0x%" PRIx64 "\n", e.seq,
                  e.cpu, e.irql, EventName(e.event), static_cast<int>(e.name.size()), e.name.data(),
                  e.a, e.b);
    out += line;
  }
  return out;
}

}  // namespace msirig::sp

// --- TraceRecorder (msirig/storport/trace_recorder.h) ---

namespace msirig::sp {
namespace {

TraceRecorder* g_process_recorder = nullptr;

// Tabs and line ends would break the line format; names never hold them, but be sure.
void AppendField(std::string& out, std::string_view field) {
  for (char c : field) out += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
}

}  // namespace

TraceRecorder::TraceRecorder() : text_("msirig-trace 1\n") {}

// The recorder is rig bookkeeping that every virtual CPU appends to (and a death callback reads):
// its copies stay out of ThreadSanitizer's view, or they would be reported as races between CPUs.
void TraceRecorder::BeginRun() {
  TsanIgnoreScope hidden;
  text_ += "run\t" + std::to_string(++runs_) + "\n";
}

MSIRIG_PLUMBING void TraceRecorder::Event(uint64_t seq, uint32_t cpu, uint8_t irql,
                                          std::string_view kind, std::string_view name, uint64_t a,
                                          uint64_t b) {
  TsanIgnoreScope hidden;
  char head[64];
  std::snprintf(head, sizeof head, "ev\t%" PRIu64 "\t%u\t%u\t", seq, cpu, irql);
  text_ += head;
  AppendField(text_, kind);
  text_ += '\t';
  AppendField(text_, name);
  char tail[48];
  std::snprintf(tail, sizeof tail, "\t0x%" PRIx64 "\t0x%" PRIx64 "\n", a, b);
  text_ += tail;
}

void TraceRecorder::Mark(uint32_t cpu, std::string_view text) {
  TsanIgnoreScope hidden;
  text_ += "mark\t" + std::to_string(cpu) + "\t";
  AppendField(text_, text);
  text_ += '\n';
}

bool TraceRecorder::WriteTo(const char* path) const {
  TsanIgnoreScope hidden;
  char tmp[4096];
  const size_t length = std::strlen(path);
  if (length + 5 > sizeof tmp) {
    errno = ENAMETOOLONG;
    return false;
  }
  std::memcpy(tmp, path, length);
  std::memcpy(tmp + length, ".tmp", 5);
  const int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const char* data = text_.data();
  size_t left = text_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp);
      return false;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp, path) != 0) {
    ::unlink(tmp);
    return false;
  }
  return true;
}

void SetProcessTraceRecorder(TraceRecorder* recorder) { g_process_recorder = recorder; }
TraceRecorder* ProcessTraceRecorder() { return g_process_recorder; }

}  // namespace msirig::sp

// --- the replay driver's hooks: write the trace however the process ends ---

// Provided by the sanitizer runtimes; absent (null) in builds without one.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

char g_trace_path[4096];
msirig::sp::TraceRecorder* g_trace = nullptr;
struct sigaction g_previous_abort_action;

void FlushOnDeath() { msirig_trace_flush(); }

// abort(): a verifier finding, or a sanitizer's abort_on_error after its death callback (the
// second write is harmless). Writes, then lets the previous disposition (default: core) act.
void FlushOnAbort(int signal) {
  msirig_trace_flush();
  sigaction(SIGABRT, &g_previous_abort_action, nullptr);
  raise(signal);
}

}  // namespace

extern "C" bool msirig_trace_record_to(const char* path) {
  const size_t length = std::strlen(path);
  if (length == 0 || length + 5 > sizeof g_trace_path) {
    std::fprintf(stderr, "msirig: MSIRIG_TRACE_OUT: '%s' is not a usable file name\n", path);
    return false;
  }
  std::memcpy(g_trace_path, path, length + 1);
  static msirig::sp::TraceRecorder recorder;
  g_trace = &recorder;
  msirig::sp::SetProcessTraceRecorder(g_trace);
  if (!g_trace->WriteTo(g_trace_path)) {  // fail now, not at the end, on a bad directory
    std::fprintf(stderr, "msirig: MSIRIG_TRACE_OUT: cannot write %s: %s\n", path,
                 std::strerror(errno));
    return false;
  }
  struct sigaction action {};
  action.sa_handler = FlushOnAbort;
  sigemptyset(&action.sa_mask);
  sigaction(SIGABRT, &action, &g_previous_abort_action);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(FlushOnDeath);
  return true;
}

extern "C" bool msirig_trace_flush(void) {
  if (g_trace == nullptr) return false;
  return g_trace->WriteTo(g_trace_path);
}
