// Emulated physical memory (see phys_memory.h).
#include "phys_memory.h"

#include <algorithm>

namespace msirig::sp {

uint64_t PhysicalMemory::Map(void* host, size_t length, uint32_t page_offset) {
  page_offset %= kPageSize;
  const uint64_t physical = next_physical_ + page_offset;
  const uint64_t end = physical + (length == 0 ? 1 : length);
  next_physical_ = ((end + kPageSize - 1) / kPageSize) * kPageSize + kPageSize;  // guard page
  Unmap(host);  // mapped again: the new region replaces the old one
  regions_.push_back(Region{reinterpret_cast<uintptr_t>(host), length, physical});
  return physical;
}

bool PhysicalMemory::Unmap(const void* host) {
  const auto address = reinterpret_cast<uintptr_t>(host);
  auto it = std::find_if(regions_.begin(), regions_.end(),
                         [&](const Region& r) { return r.host == address; });
  if (it == regions_.end()) return false;
  regions_.erase(it);
  return true;
}

bool PhysicalMemory::ToPhysical(const void* host, uint64_t* physical, size_t* remaining) const {
  const auto address = reinterpret_cast<uintptr_t>(host);
  for (const Region& r : regions_) {
    if (address < r.host || address - r.host >= r.length) continue;
    *physical = r.physical + (address - r.host);
    *remaining = r.length - (address - r.host);
    return true;
  }
  return false;
}

uint8_t* PhysicalMemory::ToHost(uint64_t physical, size_t length) const {
  // The last region starting at or below `physical`.
  auto it = std::upper_bound(regions_.begin(), regions_.end(), physical,
                             [](uint64_t p, const Region& r) { return p < r.physical; });
  if (it == regions_.begin()) return nullptr;
  --it;
  const uint64_t offset = physical - it->physical;
  if (offset > it->length || length > it->length - offset) return nullptr;
  return reinterpret_cast<uint8_t*>(it->host) + offset;
}

}  // namespace msirig::sp
