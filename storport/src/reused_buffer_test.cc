// ReusedBuffer, and what reusing it must not change: the uncached extension every run gets is
// zero and of the size asked for, however the last run left it.
#include "reused_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "asan_poison.h"  // MSIRIG_ASAN_BUILD
#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

bool AllZero(const uint8_t* bytes, size_t size) {
  return std::all_of(bytes, bytes + size, [](uint8_t b) { return b == 0; });
}

TEST(ReusedBuffer, ComesBackZeroedAtTheSizeAskedFor) {
  constexpr size_t kBytes = 3 * 4096 + 17;
  {
    ReusedBuffer buffer = ReusedBuffer::Zeroed(kBytes);
    ASSERT_TRUE(buffer);
    EXPECT_EQ(buffer.size(), kBytes);
    EXPECT_TRUE(AllZero(buffer.get(), kBytes));
    std::memset(buffer.get(), 0xAB, kBytes);  // what the next user must not see
  }
  ReusedBuffer again = ReusedBuffer::Zeroed(kBytes);
  EXPECT_EQ(again.size(), kBytes);
  EXPECT_TRUE(AllZero(again.get(), kBytes));  // reused (never under TSan) or new, it is zero
}

#if defined(MSIRIG_ASAN_BUILD)
TEST(ReusedBuffer, WaitsPoisonedSoAStalePointerIsStillReported) {
  constexpr size_t kBytes = 5 * 4096 + 3;
  uint8_t* stale = nullptr;
  {
    ReusedBuffer buffer = ReusedBuffer::Zeroed(kBytes);
    stale = buffer.get();
    EXPECT_FALSE(__asan_address_is_poisoned(stale));
  }
  EXPECT_TRUE(__asan_address_is_poisoned(stale));
  EXPECT_TRUE(__asan_address_is_poisoned(stale + kBytes - 1));
  ReusedBuffer again = ReusedBuffer::Zeroed(kBytes);
  EXPECT_FALSE(__asan_address_is_poisoned(again.get()));
  EXPECT_FALSE(__asan_address_is_poisoned(again.get() + kBytes - 1));
  EXPECT_TRUE(__asan_address_is_poisoned(again.get() + kBytes));  // the heap redzone is kept
}
#endif

TEST(ReusedBuffer, EveryRunsUncachedExtensionStartsZeroed) {
  constexpr ULONG kBytes = 64 * 1024;
  for (int run = 0; run < 3; ++run) {
    ScriptedRig rig(MsiX(2));
    bool zero = false;
    rig.miniport().find_adapter = [&](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
      auto* uncached = static_cast<uint8_t*>(StorPortGetUncachedExtension(ext, config, kBytes));
      ASSERT_NE(uncached, nullptr);
      zero = AllZero(uncached, kBytes);
      std::memset(uncached, 0x5A, kBytes);  // what the next run must not see
    };
    ASSERT_TRUE(rig.Start());
    EXPECT_TRUE(zero) << "run " << run;
  }
}

}  // namespace
}  // namespace msirig::sp
