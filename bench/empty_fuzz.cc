// Fuzz target: nothing. The benchmark's ceiling: executions per second of libFuzzer itself,
// built with the same sanitizers and instrumentation as the real targets (bench/run).
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
