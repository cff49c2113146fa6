// PRP walking, NVMe 1.4 4.3.
#include "prp.h"

#include <algorithm>

#include "msirig/hba/nvme_spec.h"

namespace msirig::hba {

PrpResult WalkPrps(uint64_t prp1, uint64_t prp2, uint64_t length, uint64_t page_size,
                   const DmaReader& read_list) {
  PrpResult result;
  if (length == 0) return result;
  auto fail = [&](uint8_t sc, std::string_view event, uint64_t arg) {
    result.status = nvme::MakeStatus(0, sc, true);
    result.event = event;
    result.event_arg = arg;
    result.segments.clear();
    return result;
  };
  // 4.3: PRP1 may carry an offset into its page, which shall be dword aligned.
  if (prp1 & 3) return fail(nvme::sc::kPrpOffsetInvalid, "ub_prp_offset_invalid", prp1);
  const uint64_t first = std::min(length, page_size - (prp1 & (page_size - 1)));
  result.segments.push_back({prp1, first});
  uint64_t remaining = length - first;
  if (remaining == 0) return result;
  if (remaining <= page_size) {
    // PRP2 is the second (and last) data page: offset 0.
    if (prp2 & (page_size - 1)) {
      return fail(nvme::sc::kPrpOffsetInvalid, "ub_prp_offset_invalid", prp2);
    }
    result.segments.push_back({prp2, remaining});
    return result;
  }
  // PRP2 points to a PRP list, qword aligned, possibly with an offset; the last entry of a full
  // list page chains to the next list page when more entries remain.
  if (prp2 & 7) return fail(nvme::sc::kPrpOffsetInvalid, "ub_prp_list_misaligned", prp2);
  uint64_t list = prp2;
  while (remaining > 0) {
    const uint64_t slots = (page_size - (list & (page_size - 1))) / 8;
    const uint64_t needed = (remaining + page_size - 1) / page_size;
    const uint64_t take = needed > slots ? slots : needed;
    std::vector<uint64_t> entries(take);
    if (!read_list(list, entries.data(), take * 8)) {
      return fail(nvme::sc::kDataTransferError, "ub_dma_unmapped_prp_list", list);
    }
    for (uint64_t i = 0; i < take; ++i) {
      const bool chain = needed > slots && i == take - 1;
      if (entries[i] & (page_size - 1)) {
        return fail(nvme::sc::kPrpOffsetInvalid, "ub_prp_offset_invalid", entries[i]);
      }
      if (chain) {
        list = entries[i];
        break;
      }
      const uint64_t n = std::min(remaining, page_size);
      result.segments.push_back({entries[i], n});
      remaining -= n;
    }
    // Departure: a list page with room for one entry only could hold nothing but a chain pointer
    // and make no progress; refusing it guarantees every list page consumes a data page, so a
    // hostile chain of list pages cannot loop forever.
    if (slots == 1 && needed > 1) {
      return fail(nvme::sc::kPrpOffsetInvalid, "ub_prp_list_degenerate", list);
    }
  }
  return result;
}

}  // namespace msirig::hba
