// Emulated physical memory (see phys_memory.h).
#include "phys_memory.h"

#include <algorithm>

namespace msirig::sp {

namespace {

// The region whose start is the greatest not above `address` in `regions`, sorted by `key`.
template <typename Key>
auto Containing(const std::vector<PhysicalMemory::Region>& regions, uint64_t address, Key key) {
  auto it =
      std::upper_bound(regions.begin(), regions.end(), address,
                       [&](uint64_t a, const PhysicalMemory::Region& r) { return a < key(r); });
  return it == regions.begin() ? regions.end() : std::prev(it);
}

uint64_t HostOf(const PhysicalMemory::Region& r) { return r.host; }
uint64_t PhysicalOf(const PhysicalMemory::Region& r) { return r.physical; }

}  // namespace

uint64_t PhysicalMemory::Map(void* host, size_t length, uint32_t page_offset) {
  page_offset %= kPageSize;
  const uint64_t physical = next_physical_ + page_offset;
  const uint64_t end = physical + (length == 0 ? 1 : length);
  next_physical_ = ((end + kPageSize - 1) / kPageSize) * kPageSize + kPageSize;  // guard page
  Unmap(host);  // mapped again: the new region replaces the old one
  const Region region{reinterpret_cast<uintptr_t>(host), length, physical};
  by_host_.insert(std::upper_bound(by_host_.begin(), by_host_.end(), region.host,
                                   [](uintptr_t h, const Region& r) { return h < r.host; }),
                  region);
  by_physical_.push_back(region);
  return physical;
}

bool PhysicalMemory::Unmap(const void* host) {
  const auto address = reinterpret_cast<uintptr_t>(host);
  auto it = std::lower_bound(by_host_.begin(), by_host_.end(), address,
                             [](const Region& r, uintptr_t h) { return r.host < h; });
  if (it == by_host_.end() || it->host != address) return false;
  auto physical = std::lower_bound(by_physical_.begin(), by_physical_.end(), it->physical,
                                   [](const Region& r, uint64_t p) { return r.physical < p; });
  by_physical_.erase(physical);
  by_host_.erase(it);
  return true;
}

bool PhysicalMemory::ToPhysical(const void* host, uint64_t* physical, size_t* remaining) const {
  const auto address = reinterpret_cast<uintptr_t>(host);
  auto it = Containing(by_host_, address, HostOf);
  if (it == by_host_.end()) return false;
  const uintptr_t offset = address - it->host;
  if (offset >= it->length) return false;
  *physical = it->physical + offset;
  *remaining = it->length - offset;
  return true;
}

uint8_t* PhysicalMemory::ToHost(uint64_t physical, size_t length) const {
  auto it = Containing(by_physical_, physical, PhysicalOf);
  if (it == by_physical_.end()) return nullptr;
  const uint64_t offset = physical - it->physical;
  if (offset > it->length || length > it->length - offset) return nullptr;
  return reinterpret_cast<uint8_t*>(it->host) + offset;
}

}  // namespace msirig::sp
