// RequestOracle (see request_oracle.h).
#include "request_oracle.h"

#include <algorithm>
#include <cstdio>

#include "sanitizer_hooks.h"
#include "tsan_scope.h"

namespace msirig::fuzz {
namespace {

constexpr uint32_t kMaxBlocks = 64;  // below any miniport's MaximumTransferLength of 32 KiB+

void PutBigEndian(UCHAR* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<UCHAR>(value >> (8 * (bytes - 1 - i)));
}

}  // namespace

void RequestOracle::Reset(uint32_t block_bytes, uint64_t namespace_blocks) {
  block_bytes_ = block_bytes == 0 ? 512 : block_bytes;
  namespace_blocks_ = std::max<uint64_t>(namespace_blocks, 1);
  in_flight_.clear();
  shadow_.clear();
  checked_ = 0;
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
    case StepKind::kInquiry:
      spec.cdb[0] = SCSIOP_INQUIRY;
      spec.cdb[4] = INQUIRYDATABUFFERSIZE;
      spec.cdb_length = 6;
      spec.srb_flags = SRB_FLAGS_DATA_IN;
      spec.data.assign(INQUIRYDATABUFFERSIZE, 0);
      return spec;
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

void RequestOracle::Submitted(uint64_t tag, const Step& step) {
  if (step.kind != StepKind::kRead && step.kind != StepKind::kWrite) return;
  InFlight request;
  request.write = step.kind == StepKind::kWrite;
  request.range = RangeOf(step);
  request.pattern = step.c;
  for (auto& [other_tag, other] : in_flight_) {
    if (!other.range.Overlaps(request.range)) continue;
    if (other.write || request.write) {
      request.tainted = true;
      other.tainted = true;
    }
  }
  in_flight_[tag] = request;
}

std::string RequestOracle::Check(const std::vector<sp::CompletedRequest>& completed,
                                 std::string* place) {
  for (; checked_ < completed.size(); ++checked_) {
    const sp::CompletedRequest& done = completed[checked_];
    auto it = in_flight_.find(done.tag);
    if (it == in_flight_.end()) continue;
    const InFlight request = it->second;
    in_flight_.erase(it);
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
        if (place != nullptr) {
          *place = known == shadow_.end() ? "read of a block never written"
                                          : "read of a written block";
          *place += done.data[start + i] == 0 ? ", zeros returned" : ", other data returned";
        }
        char what[192];
        std::snprintf(what, sizeof what,
                      "read tag %llu: block %llu byte %u is 0x%02x, the last write left 0x%02x",
                      static_cast<unsigned long long>(done.tag),
                      static_cast<unsigned long long>(lba), i, done.data[start + i], expected);
        return what;
      }
    }
  }
  return {};
}

void RequestOracle::CheckArrived(sp::Port& port, uint32_t adapter) {
  sp::Port::Serialized serialized(port);
  sp::TsanIgnoreScope bookkeeping;
  std::string place;
  const std::string bad = Check(port.Completed(adapter), &place);
  if (!bad.empty())
    port.verifier().Report(sp::Rule::kDataCorruption, bad, "executor oracle", place);
}

}  // namespace msirig::fuzz
