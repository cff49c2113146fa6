// TraceRecorder: the full event trace of runs, for `tools/msirig show` (tools/show/).
//
// The port driver always keeps a rolling hash of its events and the last few of them (Trace, in
// storport/src/trace.h). A recorder, when one is attached (PortOptions::trace_recorder, or the
// process-wide one a replay binary sets from MSIRIG_TRACE_OUT), also gets every event as one text
// line. Off by default; when off the port pays one null test per event.
//
// The format, one record per line, fields separated by tabs (names may hold spaces):
//   msirig-trace 1                              the first line
//   run     <n>                                 a port driver was created (runs count from 1)
//   mark    <cpu>   <text>                      the executor: what CPU <cpu> starts now (a step)
//   ev      <seq>   <cpu>  <irql>  <kind>  <name>  <a>  <b>    one event; a, b in hex (0x...)
// <kind> is the event's name in the finding report's "last events" (enter, exit, acquire,
// release, signal, isr, dpc-queue, dpc-run, submit, complete, device, call, timer, violation...).
#ifndef MSIRIG_STORPORT_TRACE_RECORDER_H_
#define MSIRIG_STORPORT_TRACE_RECORDER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace msirig::sp {

class TraceRecorder {
 public:
  TraceRecorder();
  void BeginRun();
  void Event(uint64_t seq, uint32_t cpu, uint8_t irql, std::string_view kind, std::string_view name,
             uint64_t a, uint64_t b);
  void Mark(uint32_t cpu, std::string_view text);
  const std::string& text() const { return text_; }
  uint64_t runs() const { return runs_; }

  // Writes the text to `path` through `path`.tmp and a rename, so a reader sees the old file or
  // the whole new one. Uses only open/write/close/rename: safe in a signal handler or a
  // sanitizer's death callback. False (errno set) when it could not.
  bool WriteTo(const char* path) const;

 private:
  std::string text_;
  uint64_t runs_ = 0;
};

// The recorder every Port created from now on records into, unless its PortOptions name one
// (null: none, the default).
void SetProcessTraceRecorder(TraceRecorder* recorder);
TraceRecorder* ProcessTraceRecorder();

}  // namespace msirig::sp

// For the engine-less replay driver (fuzz/replay_main.cc), which links no port driver of its own
// and so declares these weak: record every run of this process and write the trace to `path`
// when the process ends, however it ends (normal exit, a verifier abort, a sanitizer report).
// Returns false, with a message on stderr, when `path` is unusable.
extern "C" bool msirig_trace_record_to(const char* path);
// Writes the trace now (the replay driver calls it after the last input). Idempotent per state.
extern "C" bool msirig_trace_flush(void);

#endif  // MSIRIG_STORPORT_TRACE_RECORDER_H_
