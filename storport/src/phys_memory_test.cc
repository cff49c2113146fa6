// PhysicalMemory: bus addresses in mapping order with a guard page between regions, lookups
// both ways, unmapping and mapping the same host buffer again (phys_memory.h).
#include "phys_memory.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace msirig::sp {
namespace {

TEST(PhysicalMemory, AddressesFollowMappingOrderWithAGuardPageBetweenRegions) {
  PhysicalMemory memory;
  std::array<uint8_t, 100> a{};
  std::array<uint8_t, 5000> b{};
  std::array<uint8_t, 1> c{};
  EXPECT_EQ(memory.Map(a.data(), a.size()), 0x10000000u);
  // a ends in its first page; the next page is the guard.
  EXPECT_EQ(memory.Map(b.data(), b.size(), 0x10), 0x10002010u);
  // b runs from 0x10002010 to 0x10003398: its pages end at 0x10004000, then the guard.
  EXPECT_EQ(memory.Map(c.data(), 0), 0x10005000u);
  EXPECT_EQ(memory.regions(), 3u);
}

TEST(PhysicalMemory, LookupsFindTheRegionEitherWayAndStopAtItsEnd) {
  PhysicalMemory memory;
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t length : {64, 4096, 300, 9000, 8}) buffers.emplace_back(length);
  std::vector<uint64_t> physical;
  // Mapped last to first, so host order and physical order differ.
  for (size_t i = buffers.size(); i-- > 0;) {
    physical.insert(physical.begin(), memory.Map(buffers[i].data(), buffers[i].size()));
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    const size_t length = buffers[i].size();
    uint64_t bus = 0;
    size_t remaining = 0;
    ASSERT_TRUE(memory.ToPhysical(buffers[i].data() + length - 1, &bus, &remaining)) << i;
    EXPECT_EQ(bus, physical[i] + length - 1);
    EXPECT_EQ(remaining, 1u);
    EXPECT_EQ(memory.ToHost(physical[i], length), buffers[i].data()) << i;
    EXPECT_EQ(memory.ToHost(physical[i] + 1, length - 1), buffers[i].data() + 1) << i;
    EXPECT_EQ(memory.ToHost(physical[i], length + 1), nullptr) << "runs past region " << i;
    EXPECT_EQ(memory.ToHost(physical[i] - 1, 1), nullptr) << "the guard before region " << i;
  }
  uint64_t bus = 0;
  size_t remaining = 0;
  const uint8_t outside = 0;
  EXPECT_FALSE(memory.ToPhysical(&outside, &bus, &remaining));
  EXPECT_EQ(memory.ToHost(0x1000, 1), nullptr);
}

TEST(PhysicalMemory, AnUnmappedRegionIsUnreachableAndItsNeighboursAreNot) {
  PhysicalMemory memory;
  std::array<uint8_t, 16> a{}, b{}, c{};
  const uint64_t pa = memory.Map(a.data(), a.size());
  const uint64_t pb = memory.Map(b.data(), b.size());
  const uint64_t pc = memory.Map(c.data(), c.size());
  EXPECT_TRUE(memory.Unmap(b.data()));
  EXPECT_FALSE(memory.Unmap(b.data())) << "twice";
  EXPECT_FALSE(memory.Unmap(a.data() + 1)) << "not a region's start";
  EXPECT_EQ(memory.ToHost(pb, 1), nullptr);
  uint64_t bus = 0;
  size_t remaining = 0;
  EXPECT_FALSE(memory.ToPhysical(b.data(), &bus, &remaining));
  EXPECT_EQ(memory.ToHost(pa, a.size()), a.data());
  EXPECT_EQ(memory.ToHost(pc, c.size()), c.data());
  EXPECT_EQ(memory.regions(), 2u);
}

TEST(PhysicalMemory, MappingABufferAgainReplacesItsRegion) {
  PhysicalMemory memory;
  std::array<uint8_t, 64> a{};
  const uint64_t first = memory.Map(a.data(), a.size());
  const uint64_t second = memory.Map(a.data(), 32);
  EXPECT_NE(first, second);
  EXPECT_EQ(memory.regions(), 1u);
  EXPECT_EQ(memory.ToHost(first, 1), nullptr) << "the old address is gone";
  EXPECT_EQ(memory.ToHost(second, 32), a.data());
  EXPECT_EQ(memory.ToHost(second, 33), nullptr) << "the new length holds";
  uint64_t bus = 0;
  size_t remaining = 0;
  ASSERT_TRUE(memory.ToPhysical(a.data(), &bus, &remaining));
  EXPECT_EQ(bus, second);
  EXPECT_EQ(remaining, 32u);
}

}  // namespace
}  // namespace msirig::sp
