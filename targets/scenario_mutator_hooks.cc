// The engine hooks of every scenario-based target: libFuzzer mutates and crosses over decoded
// scenarios (steps, windows, configuration; scenario_mutator.h) instead of raw bytes. The
// AFL++ driver and the replay binaries ignore these functions.
//
// MSIRIG_PLAIN_MUTATOR=1 in the environment turns them into plain byte-level libFuzzer (its own
// mutators through LLVMFuzzerMutate, no custom crossover): the baseline the benchmark
// (bench/run) compares the structure-aware mutator with, on the same binary.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "msirig/fuzz/scenario_mutator.h"

// Weak: the replay and AFL++ builds link this file without libFuzzer.
extern "C" __attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t* data, size_t size,
                                                         size_t max_size);

namespace {

bool PlainMutator() {
  static const bool plain = [] {
    const char* value = std::getenv("MSIRIG_PLAIN_MUTATOR");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return plain;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  if (PlainMutator() && LLVMFuzzerMutate != nullptr) return LLVMFuzzerMutate(data, size, max_size);
  return msirig::fuzz::MutateScenario(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  // Plain mode: no crossover of our own; LLVMFuzzerMutate already includes libFuzzer's.
  if (PlainMutator()) return 0;
  return msirig::fuzz::CrossOverScenarios(data1, size1, data2, size2, out, max_out_size, seed);
}
