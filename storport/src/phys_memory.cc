// Emulated physical memory (see phys_memory.h).
#include "phys_memory.h"

namespace msirig::sp {

uint64_t PhysicalMemory::Map(void* host, size_t length, uint32_t page_offset) {
  page_offset %= kPageSize;
  const uint64_t physical = next_physical_ + page_offset;
  const uint64_t end = physical + (length == 0 ? 1 : length);
  next_physical_ = ((end + kPageSize - 1) / kPageSize) * kPageSize + kPageSize;  // guard page
  auto* bytes = static_cast<uint8_t*>(host);
  by_host_[reinterpret_cast<uintptr_t>(host)] = Region{bytes, length, physical};
  by_physical_[physical] = reinterpret_cast<uintptr_t>(host);
  return physical;
}

bool PhysicalMemory::Unmap(const void* host) {
  auto it = by_host_.find(reinterpret_cast<uintptr_t>(host));
  if (it == by_host_.end()) return false;
  by_physical_.erase(it->second.physical);
  by_host_.erase(it);
  return true;
}

bool PhysicalMemory::ToPhysical(const void* host, uint64_t* physical, size_t* remaining) const {
  const auto address = reinterpret_cast<uintptr_t>(host);
  auto it = by_host_.upper_bound(address);
  if (it == by_host_.begin()) return false;
  --it;
  const Region& region = it->second;
  const uintptr_t offset = address - it->first;
  if (offset >= region.length) return false;
  *physical = region.physical + offset;
  *remaining = region.length - offset;
  return true;
}

uint8_t* PhysicalMemory::ToHost(uint64_t physical, size_t length) const {
  auto it = by_physical_.upper_bound(physical);
  if (it == by_physical_.begin()) return nullptr;
  --it;
  const Region& region = by_host_.at(it->second);
  const uint64_t offset = physical - region.physical;
  if (offset > region.length || length > region.length - offset) return nullptr;
  return region.host + offset;
}

}  // namespace msirig::sp
