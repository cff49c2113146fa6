// RequestOracle: builds the SCSI requests of a scenario's steps and checks what comes back:
// a read that completed with success must return what the last successful write left there
// (blocks never written read as zeros), unless a write to the same blocks was in flight while
// it ran, or two writes raced for them (then the device's order decides, and nothing is known).
// Every request must also complete with a status the run allows (StatusAllowed in
// request_oracle.cc): success, or a failure only once something in the run explains one.
#ifndef MSIRIG_FUZZ_SRC_REQUEST_ORACLE_H_
#define MSIRIG_FUZZ_SRC_REQUEST_ORACLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "msirig/fuzz/scenario.h"
#include "msirig/storport/port.h"

namespace msirig::fuzz {

class RequestOracle {
 public:
  void Reset(uint32_t block_bytes, uint64_t namespace_blocks);

  // The request a request step sends; nullopt for steps that are not requests.
  std::optional<sp::RequestSpec> Build(const Step& step) const;
  // After the port accepted the request built from `step` under `tag`. `max_transfer_bytes` is
  // the adapter's MaximumTransferLength: a longer request is invalid for it (may fail).
  void Submitted(uint64_t tag, const Step& step, uint64_t max_transfer_bytes);
  // From now on a request may fail: something in the run may make one fail (a device or
  // platform fault, a reset, a stop, a restart, a removal, a timeout's reset). Never undone.
  void ExplainFailures() { failures_explained_ = true; }
  bool failures_explained() const { return failures_explained_; }

  // What was wrong with a completion: which rule, what happened, and the finding's
  // discriminator (Verifier::Report).
  struct Problem {
    sp::Rule rule = sp::Rule::kDataCorruption;
    std::string what;   // "" when nothing was wrong
    std::string place;  // words only: the request's kind, the status's name, the block's history
  };
  // Checks the completions after the ones already seen; returns the first bad one's problem.
  Problem Check(const std::vector<sp::CompletedRequest>& completed);
  // Checks what `adapter` completed since the last check and reports a bad completion to the
  // port's verifier (DataCorruption, RequestStatus). Safe on any virtual CPU's thread in stress
  // mode: the completion record and this oracle's state are read under the port lock
  // (Port::Serialized), hidden from ThreadSanitizer (the rig's bookkeeping, not the miniport's).
  void CheckArrived(sp::Port& port, uint32_t adapter);

  // The bytes a write with `pattern` puts in byte `index` of block `lba`.
  static uint8_t PatternByte(uint32_t pattern, uint64_t lba, uint32_t index);

 private:
  struct Range {
    uint64_t lba = 0;
    uint32_t blocks = 0;
    bool Overlaps(const Range& other) const {
      return lba < other.lba + other.blocks && other.lba < lba + blocks;
    }
  };
  struct InFlight {
    StepKind kind = StepKind::kRead;
    bool write = false;
    bool oversized = false;  // longer than the adapter's MaximumTransferLength
    Range range;
    uint32_t pattern = 0;
    bool tainted = false;  // a read that overlapped a write, or a write that raced another
  };
  Range RangeOf(const Step& step) const;

  uint32_t block_bytes_ = 512;
  uint64_t namespace_blocks_ = 1;
  std::map<uint64_t, InFlight> in_flight_;  // by tag
  std::map<uint64_t, int64_t> shadow_;      // lba -> pattern written; -1 = unknown
  size_t checked_ = 0;
  bool failures_explained_ = false;
};

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SRC_REQUEST_ORACLE_H_
