// Trace: the events of one run, as a rolling hash of all of them (two runs of one input must
// give the same hash, bit for bit) and the last few kept for the finding report; and, when a
// TraceRecorder is attached (msirig/storport/trace_recorder.h), every event as a line of text.
#ifndef MSIRIG_STORPORT_SRC_TRACE_H_
#define MSIRIG_STORPORT_SRC_TRACE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "msirig/storport/trace_recorder.h"

namespace msirig::sp {

enum class Event : uint8_t {
  kCallbackEnter,
  kCallbackExit,
  kRoutine,
  kLockAcquire,
  kLockRelease,
  kInterruptSignal,
  kInterruptDeliver,
  kDpcQueue,
  kDpcRun,
  kRequestSubmit,
  kRequestComplete,
  kDeviceEvent,
  kRegisterRead,
  kRegisterWrite,
  kTimer,
  kViolation,
};

class Trace {
 public:
  // `name` must outlive the trace (string literals, rule ids, device event names).
  void Add(Event event, uint32_t cpu, uint8_t irql, std::string_view name, uint64_t a = 0,
           uint64_t b = 0);
  uint64_t hash() const { return hash_; }
  uint64_t count() const { return count_; }
  // The last `n` events, one per line, oldest first.
  std::string Tail(size_t n) const;
  // Every event from now on also goes to `recorder` (null: none). Not owned.
  void set_recorder(TraceRecorder* recorder) { recorder_ = recorder; }
  TraceRecorder* recorder() const { return recorder_; }

 private:
  struct Entry {
    uint64_t seq;
    Event event;
    uint8_t cpu;
    uint8_t irql;
    std::string_view name;
    uint64_t a;
    uint64_t b;
  };
  static constexpr size_t kKept = 64;
  std::array<Entry, kKept> ring_{};
  uint64_t count_ = 0;
  uint64_t hash_ = 0x6D7369726967ull;  // "msirig"
  TraceRecorder* recorder_ = nullptr;
};

const char* EventName(Event event);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_TRACE_H_
