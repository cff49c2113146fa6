// PRP walking (NVMe 1.4 4.3 Physical Region Page Entry and List): turns PRP1/PRP2 of a command
// into the host memory segments of its data buffer.
#ifndef MSIRIG_HBA_SRC_PRP_H_
#define MSIRIG_HBA_SRC_PRP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace msirig::hba {

struct DmaSegment {
  uint64_t address;
  uint64_t length;
};

struct PrpResult {
  uint16_t status = 0;  // nvme::MakeStatus(...); 0 on success
  // On failure, the event the controller reports ("ub_prp_offset_invalid", ...), and an argument.
  std::string_view event;
  uint64_t event_arg = 0;
  std::vector<DmaSegment> segments;
};

// A DMA read of host memory that can fail (unmapped memory, bus mastering off).
using DmaReader = std::function<bool(uint64_t address, void* destination, size_t length)>;

// Reads PRP list pages with `read_list`; page_size is the one CC.MPS selects. A zero length
// yields no segments.
PrpResult WalkPrps(uint64_t prp1, uint64_t prp2, uint64_t length, uint64_t page_size,
                   const DmaReader& read_list);

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_SRC_PRP_H_
