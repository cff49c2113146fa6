// Trace: its hash is part of what a replay is compared by, so it stays the same function.
#include "trace.h"

#include <gtest/gtest.h>

namespace msirig::sp {
namespace {

TEST(Trace, TheHashOfAKnownSequenceIsTheOneTheRigHasAlwaysComputed) {
  // Names of 0 to 17 bytes cover the word-at-a-time hashing and its tail. The value was computed
  // with the byte-at-a-time hashing this replaced.
  Trace trace;
  const char* names[] = {"",         "isr",     "HwStartIo",        "StorPortStallExecution",
                         "12345678", "1234567", "123456789abcdefg", "123456789abcdefgh"};
  uint64_t i = 0;
  for (const char* name : names) {
    trace.Add(static_cast<Event>(i % 16), static_cast<uint32_t>(i % 3),
              static_cast<uint8_t>(i % 16), name, i * 0x1234567, ~i);
    ++i;
  }
  EXPECT_EQ(trace.count(), 8u);
  EXPECT_EQ(trace.hash(), 0x70506074faf2f4edull);
}

}  // namespace
}  // namespace msirig::sp
