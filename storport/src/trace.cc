// Trace (see trace.h).
#include "trace.h"

#include <cinttypes>
#include <cstdio>
#include <utility>

namespace msirig::sp {
namespace {

// The trace is the rig's bookkeeping, not code under test: its hashing stays out of the
// fuzzer's coverage (it would only add features and cost on every event).
#define MSIRIG_NO_COVERAGE __attribute__((no_sanitize("coverage")))

// One multiply-xorshift step per 64-bit word: cheap, and the same on every machine.
MSIRIG_NO_COVERAGE uint64_t Mix(uint64_t hash, uint64_t value) {
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

MSIRIG_NO_COVERAGE void Trace::Add(Event event, uint32_t cpu, uint8_t irql, std::string_view name,
                                   uint64_t a, uint64_t b) {
  ring_[count_ % kKept] = Entry{count_, event, static_cast<uint8_t>(cpu), irql, name, a, b};
  ++count_;
  uint64_t h = Mix(hash_, static_cast<uint64_t>(event) | (uint64_t{cpu} << 8) |
                              (uint64_t{irql} << 16) | (uint64_t{name.size()} << 24));
  uint64_t word = 0;  // the name, eight bytes at a time
  for (size_t i = 0; i < name.size(); ++i) {
    word = (word << 8) | static_cast<uint8_t>(name[i]);
    if (i % 8 == 7) h = Mix(h, std::exchange(word, 0));
  }
  h = Mix(h, word);
  h = Mix(h, a);
  hash_ = Mix(h, b);
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
