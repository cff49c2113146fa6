// Emulated physical memory: which host buffers a device may reach by DMA, at which bus address.
//
// Physical addresses are handed out in mapping order, page-aligned plus an explicit in-page
// offset, never derived from host addresses: the same run gives the same addresses on every
// machine and under every sanitizer (DESIGN.md decision 1). An unmapped guard page separates
// regions, so a transfer that runs past the end of a buffer fails instead of landing next door.
#ifndef MSIRIG_STORPORT_SRC_PHYS_MEMORY_H_
#define MSIRIG_STORPORT_SRC_PHYS_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace msirig::sp {

inline constexpr uint64_t kPageSize = 4096;

class PhysicalMemory {
 public:
  // Maps [host, host + length) and returns the bus address of `host`, which is
  // page-aligned plus `page_offset` (< kPageSize).
  uint64_t Map(void* host, size_t length, uint32_t page_offset = 0);
  // Unmaps the region that starts at `host`; false when no region starts there.
  bool Unmap(const void* host);

  // The bus address of `host` and how many bytes of its region follow it; false when `host` is
  // in no mapped region.
  bool ToPhysical(const void* host, uint64_t* physical, size_t* remaining) const;
  // The host bytes behind [physical, physical + length) when one region holds all of them.
  uint8_t* ToHost(uint64_t physical, size_t length) const;

  size_t regions() const { return regions_.size(); }

 private:
  struct Region {
    uintptr_t host;
    size_t length;
    uint64_t physical;
  };
  // The live regions in mapping order, which is also bus-address order (addresses only grow):
  // one vector, not maps, since a request maps and unmaps three buffers and node allocations
  // were a measurable share of a scenario step under ASan (bench/RESULTS.md, stop 19); few
  // regions are live at once, so a host address is found by a linear scan. Nothing
  // here may depend on where the heap put a buffer: kept sorted by host address, the vector
  // moved a number of elements on insert and erase that did, each move an intercepted
  // memmove, i.e. an event in ThreadSanitizer's trace of the CPU's fiber, and that moved which
  // earlier access TSan's shadow kept, so a race found while fuzzing replayed alone to nothing
  // (measured: 4 findings of DOORBELL_OUTSIDE_LOCK in 12; miniport/zoo/README.md, "A TSan race
  // seen while fuzzing replays alone").
  std::vector<Region> regions_;
  uint64_t next_physical_ = 0x10000000;  // 256 MiB: below 4 GiB for 32-bit DMA engines
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_PHYS_MEMORY_H_
