// The engine hooks of every scenario-based target: libFuzzer mutates and crosses over decoded
// scenarios (steps, windows, configuration; scenario_mutator.h) instead of raw bytes. The
// AFL++ driver and the replay binaries ignore these functions.
#include <cstddef>
#include <cstdint>

#include "msirig/fuzz/scenario_mutator.h"

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return msirig::fuzz::MutateScenario(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  return msirig::fuzz::CrossOverScenarios(data1, size1, data2, size2, out, max_out_size, seed);
}
