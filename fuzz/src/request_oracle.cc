// RequestOracle (see request_oracle.h).
#include "request_oracle.h"

#include <algorithm>
#include <cstdio>

#include "sanitizer_hooks.h"
#include "tsan_scope.h"

namespace msirig::fuzz {
namespace {

constexpr uint32_t kMaxBlocks = 64;  // below any miniport's MaximumTransferLength of 32 KiB+
constexpr uint32_t kVpdBufferBytes = 255;  // a VPD page's buffer: any page of up to 251 bytes

void PutBigEndian(UCHAR* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<UCHAR>(value >> (8 * (bytes - 1 - i)));
}

struct StatusName {
  UCHAR status;
  const char* name;
};

// The SRB status values srb.h defines (storport_srb.h), by name for findings.
constexpr StatusName kStatusNames[] = {
    {SRB_STATUS_PENDING, "SRB_STATUS_PENDING"},
    {SRB_STATUS_SUCCESS, "SRB_STATUS_SUCCESS"},
    {SRB_STATUS_ABORTED, "SRB_STATUS_ABORTED"},
    {SRB_STATUS_ABORT_FAILED, "SRB_STATUS_ABORT_FAILED"},
    {SRB_STATUS_ERROR, "SRB_STATUS_ERROR"},
    {SRB_STATUS_BUSY, "SRB_STATUS_BUSY"},
    {SRB_STATUS_INVALID_REQUEST, "SRB_STATUS_INVALID_REQUEST"},
    {SRB_STATUS_INVALID_PATH_ID, "SRB_STATUS_INVALID_PATH_ID"},
    {SRB_STATUS_NO_DEVICE, "SRB_STATUS_NO_DEVICE"},
    {SRB_STATUS_TIMEOUT, "SRB_STATUS_TIMEOUT"},
    {SRB_STATUS_SELECTION_TIMEOUT, "SRB_STATUS_SELECTION_TIMEOUT"},
    {SRB_STATUS_COMMAND_TIMEOUT, "SRB_STATUS_COMMAND_TIMEOUT"},
    {SRB_STATUS_MESSAGE_REJECTED, "SRB_STATUS_MESSAGE_REJECTED"},
    {SRB_STATUS_BUS_RESET, "SRB_STATUS_BUS_RESET"},
    {SRB_STATUS_PARITY_ERROR, "SRB_STATUS_PARITY_ERROR"},
    {SRB_STATUS_REQUEST_SENSE_FAILED, "SRB_STATUS_REQUEST_SENSE_FAILED"},
    {SRB_STATUS_NO_HBA, "SRB_STATUS_NO_HBA"},
    {SRB_STATUS_DATA_OVERRUN, "SRB_STATUS_DATA_OVERRUN"},
    {SRB_STATUS_UNEXPECTED_BUS_FREE, "SRB_STATUS_UNEXPECTED_BUS_FREE"},
    {SRB_STATUS_PHASE_SEQUENCE_FAILURE, "SRB_STATUS_PHASE_SEQUENCE_FAILURE"},
    {SRB_STATUS_BAD_SRB_BLOCK_LENGTH, "SRB_STATUS_BAD_SRB_BLOCK_LENGTH"},
    {SRB_STATUS_REQUEST_FLUSHED, "SRB_STATUS_REQUEST_FLUSHED"},
    {SRB_STATUS_INVALID_LUN, "SRB_STATUS_INVALID_LUN"},
    {SRB_STATUS_INVALID_TARGET_ID, "SRB_STATUS_INVALID_TARGET_ID"},
    {SRB_STATUS_BAD_FUNCTION, "SRB_STATUS_BAD_FUNCTION"},
    {SRB_STATUS_ERROR_RECOVERY, "SRB_STATUS_ERROR_RECOVERY"},
    {SRB_STATUS_NOT_POWERED, "SRB_STATUS_NOT_POWERED"},
    {SRB_STATUS_LINK_DOWN, "SRB_STATUS_LINK_DOWN"},
    {SRB_STATUS_INTERNAL_ERROR, "SRB_STATUS_INTERNAL_ERROR"},
};

const char* StatusNameOf(UCHAR status) {
  for (const StatusName& s : kStatusNames) {
    if (s.status == status) return s.name;
  }
  return nullptr;
}

bool IsInformational(StepKind kind) {
  return kind == StepKind::kInquiry || kind == StepKind::kReadCapacity ||
         kind == StepKind::kReportLuns;
}

// Decision (SPEC 4: "every request completed exactly once, with the right status"): the SRB
// status a request of the scenario may complete with (the flag bits AUTOSENSE_VALID and
// QUEUE_FROZEN aside).
//  - SUCCESS, always. PENDING is no completion status at all (rule SrbStatusPending).
//  - BUSY, always: the target is busy and Storport retries the request ("Error Handling in SCSI
//    Miniport Drivers": SRB_STATUS_BUSY, "TID busy"); a full queue is no fault.
//  - An informational command (INQUIRY, READ CAPACITY, REPORT LUNS) may also end with
//    DATA_OVERRUN (the same page: "also returned for underruns"), INVALID_REQUEST or ERROR (a
//    CHECK CONDITION): a target may reject a command or page it does not implement.
//  - The reads, writes and flushes the oracle builds are valid (LBAs inside the namespace; RangeOf)
//    unless longer than the adapter's MaximumTransferLength (a request Storport would never
//    send, and the miniport may reject: it may fail), so any other status means they failed.
//    That is allowed only once something in the run explains a failure (ExplainFailures): a device
//    fault plan or a platform fault; a bus reset, the scenario's or Storport's own after a
//    timeout (HW_RESET_BUS page: the miniport completes the SRBs it holds, with
//    SRB_STATUS_BUS_RESET if necessary); a stop or restart; a surprise removal (what is left
//    fails with NO_DEVICE or NO_HBA). Which failure status is then not judged: the pages give
//    the miniport the choice.
//  - A value srb.h does not define is never a status.
bool StatusAllowed(StepKind kind, UCHAR srb_status, bool failures_explained) {
  const UCHAR status = SRB_STATUS(srb_status);
  if (StatusNameOf(status) == nullptr || status == SRB_STATUS_PENDING) return false;
  if (status == SRB_STATUS_SUCCESS || status == SRB_STATUS_BUSY) return true;
  if (IsInformational(kind) && (status == SRB_STATUS_DATA_OVERRUN ||
                                status == SRB_STATUS_INVALID_REQUEST || status == SRB_STATUS_ERROR))
    return true;
  return failures_explained;
}

}  // namespace

void RequestOracle::Reset(uint32_t block_bytes, uint64_t namespace_blocks) {
  block_bytes_ = block_bytes == 0 ? 512 : block_bytes;
  namespace_blocks_ = std::max<uint64_t>(namespace_blocks, 1);
  in_flight_.clear();
  shadow_.clear();
  checked_ = 0;
  failures_explained_ = false;
}

namespace {

// The pattern's bytes 8*group .. 8*group+7 of block `lba`, byte i of them in bits 8*i.
MSIRIG_PLUMBING uint64_t PatternWord(uint32_t pattern, uint64_t lba, uint32_t group) {
  uint64_t x = (uint64_t{pattern} << 32) ^ (lba * 0x9E3779B97F4A7C15ull) ^ group;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return x;
}

// Writes bytes [0, count) of block `lba` with `pattern` into `out`. The data of every write step,
// and the reads checked against it, go through here: kept out of coverage (rig data, the same
// branches for every block) and computed a word at a time.
MSIRIG_PLUMBING void FillPattern(uint32_t pattern, uint64_t lba, uint8_t* out, uint32_t count) {
  for (uint32_t group = 0; group * 8 < count; ++group) {
    const uint64_t word = PatternWord(pattern, lba, group);
    for (uint32_t i = 0; i < 8 && group * 8 + i < count; ++i)
      out[group * 8 + i] = static_cast<uint8_t>(word >> (8 * i));
  }
}

// The first byte of `data` (`count` bytes of block `lba`) that differs from what the block
// should hold (the pattern, or zeros when `pattern` < 0); `count` when none does.
MSIRIG_PLUMBING uint32_t FirstMismatch(const uint8_t* data, uint32_t count, int64_t pattern,
                                       uint64_t lba) {
  for (uint32_t group = 0; group * 8 < count; ++group) {
    const uint64_t word = pattern < 0 ? 0 : PatternWord(static_cast<uint32_t>(pattern), lba, group);
    for (uint32_t i = 0; i < 8 && group * 8 + i < count; ++i) {
      if (data[group * 8 + i] != static_cast<uint8_t>(word >> (8 * i))) return group * 8 + i;
    }
  }
  return count;
}

}  // namespace

uint8_t RequestOracle::PatternByte(uint32_t pattern, uint64_t lba, uint32_t index) {
  return static_cast<uint8_t>(PatternWord(pattern, lba, index / 8) >> (8 * (index % 8)));
}

RequestOracle::Range RequestOracle::RangeOf(const Step& step) const {
  Range range;
  range.lba = step.a % namespace_blocks_;
  range.blocks = static_cast<uint32_t>(std::min<uint64_t>(
      {std::max<uint32_t>(step.b, 1), kMaxBlocks, namespace_blocks_ - range.lba}));
  return range;
}

std::optional<sp::RequestSpec> RequestOracle::Build(const Step& step) const {
  sp::RequestSpec spec;
  switch (step.kind) {
    case StepKind::kRead:
    case StepKind::kWrite: {
      const Range range = RangeOf(step);
      const bool write = step.kind == StepKind::kWrite;
      spec.cdb[0] = write ? SCSIOP_WRITE : SCSIOP_READ;
      PutBigEndian(&spec.cdb[2], range.lba, 4);
      PutBigEndian(&spec.cdb[7], range.blocks, 2);
      spec.cdb_length = 10;
      spec.srb_flags = write ? SRB_FLAGS_DATA_OUT : SRB_FLAGS_DATA_IN;
      spec.data.assign(size_t{range.blocks} * block_bytes_, 0);
      if (write) {
        for (uint32_t block = 0; block < range.blocks; ++block)
          FillPattern(step.c, range.lba + block, &spec.data[size_t{block} * block_bytes_],
                      block_bytes_);
      }
      return spec;
    }
    case StepKind::kFlush:
      spec.cdb[0] = SCSIOP_SYNCHRONIZE_CACHE;
      spec.cdb_length = 10;
      return spec;
    case StepKind::kInquiry: {
      // SPC-4 6.6: EVPD is bit 0 of byte 1, the page code byte 2, ALLOCATION LENGTH bytes 3-4.
      const bool evpd = step.a != 0;
      const uint32_t buffer = evpd ? kVpdBufferBytes : INQUIRYDATABUFFERSIZE;
      spec.cdb[0] = SCSIOP_INQUIRY;
      spec.cdb[1] = evpd ? 0x01 : 0x00;
      spec.cdb[2] = evpd ? static_cast<UCHAR>(step.b) : 0;
      PutBigEndian(&spec.cdb[3], step.c != 0 ? (step.c & 0xFFFF) : buffer, 2);
      spec.cdb_length = 6;
      spec.srb_flags = SRB_FLAGS_DATA_IN;
      spec.data.assign(buffer, 0);
      return spec;
    }
    case StepKind::kReadCapacity:
      spec.cdb[0] = SCSIOP_READ_CAPACITY;
      spec.cdb_length = 10;
      spec.srb_flags = SRB_FLAGS_DATA_IN;
      spec.data.assign(8, 0);
      return spec;
    case StepKind::kReportLuns:
      spec.cdb[0] = SCSIOP_REPORT_LUNS;
      PutBigEndian(&spec.cdb[6], 16, 4);
      spec.cdb_length = 12;
      spec.srb_flags = SRB_FLAGS_DATA_IN;
      spec.data.assign(16, 0);
      return spec;
    default:
      return std::nullopt;
  }
}

void RequestOracle::Submitted(uint64_t tag, const Step& step, uint64_t max_transfer_bytes) {
  InFlight request;
  request.kind = step.kind;
  if (step.kind != StepKind::kRead && step.kind != StepKind::kWrite) {
    in_flight_[tag] = request;  // its status is judged; it touches no block (empty range)
    return;
  }
  request.write = step.kind == StepKind::kWrite;
  request.range = RangeOf(step);
  request.pattern = step.c;
  request.oversized = uint64_t{request.range.blocks} * block_bytes_ > max_transfer_bytes;
  for (auto& [other_tag, other] : in_flight_) {
    if (!other.range.Overlaps(request.range)) continue;
    if (other.write || request.write) {
      request.tainted = true;
      other.tainted = true;
    }
  }
  in_flight_[tag] = request;
}

RequestOracle::Problem RequestOracle::Check(const std::vector<sp::CompletedRequest>& completed) {
  for (; checked_ < completed.size(); ++checked_) {
    const sp::CompletedRequest& done = completed[checked_];
    auto it = in_flight_.find(done.tag);
    if (it == in_flight_.end()) continue;
    const InFlight request = it->second;
    in_flight_.erase(it);
    if (!StatusAllowed(request.kind, done.srb_status, failures_explained_ || request.oversized)) {
      const char* name = StatusNameOf(SRB_STATUS(done.srb_status));
      Problem problem;
      problem.rule = sp::Rule::kRequestStatus;
      char what[192];
      std::snprintf(what, sizeof what, "%s request tag %llu completed with SrbStatus 0x%02x (%s)%s",
                    std::string(InfoOf(request.kind).text).c_str(),
                    static_cast<unsigned long long>(done.tag), done.srb_status,
                    name != nullptr ? name : "not an SRB status",
                    name != nullptr ? ", and nothing in the run explains a failure" : "");
      problem.what = what;
      // The place: the request's kind and the status's name (or that it is none), no tag.
      problem.place = std::string(InfoOf(request.kind).text) + " request, " +
                      (name != nullptr ? name : "undefined status");
      return problem;
    }
    if (IsInformational(request.kind) || request.kind == StepKind::kFlush) continue;
    const bool success = SRB_STATUS(done.srb_status) == SRB_STATUS_SUCCESS;
    if (request.write) {
      const int64_t value = success && !request.tainted ? int64_t{request.pattern} : -1;
      for (uint32_t block = 0; block < request.range.blocks; ++block)
        shadow_[request.range.lba + block] = value;
      continue;
    }
    if (!success || request.tainted) continue;
    for (uint32_t block = 0; block < request.range.blocks; ++block) {
      const uint64_t lba = request.range.lba + block;
      auto known = shadow_.find(lba);
      if (known != shadow_.end() && known->second < 0) continue;
      const size_t start = size_t{block} * block_bytes_;
      if (start >= done.data.size()) break;
      const uint32_t count =
          static_cast<uint32_t>(std::min<size_t>(block_bytes_, done.data.size() - start));
      const int64_t pattern = known == shadow_.end() ? -1 : known->second;
      const uint32_t i = FirstMismatch(&done.data[start], count, pattern, lba);
      if (i < count) {
        const uint8_t expected =
            pattern < 0 ? 0 : PatternByte(static_cast<uint32_t>(pattern), lba, i);
        Problem problem;
        problem.place =
            known == shadow_.end() ? "read of a block never written" : "read of a written block";
        problem.place += done.data[start + i] == 0 ? ", zeros returned" : ", other data returned";
        char what[192];
        std::snprintf(what, sizeof what,
                      "read tag %llu: block %llu byte %u is 0x%02x, the last write left 0x%02x",
                      static_cast<unsigned long long>(done.tag),
                      static_cast<unsigned long long>(lba), i, done.data[start + i], expected);
        problem.what = what;
        return problem;
      }
    }
  }
  return {};
}

void RequestOracle::CheckArrived(sp::Port& port, uint32_t adapter) {
  sp::Port::Serialized serialized(port);
  sp::TsanIgnoreScope bookkeeping;
  const size_t first = checked_;
  const Problem problem = Check(port.Completed(adapter));
  if (!problem.what.empty())
    port.verifier().Report(problem.rule, problem.what, "executor oracle", problem.place);
  port.ReleaseCompletedData(adapter, first, checked_);  // judged: nothing reads their data again
}

}  // namespace msirig::fuzz
