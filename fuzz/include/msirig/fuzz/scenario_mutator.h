// Scenario mutator: structure-aware mutation and crossover of binary-form scenarios, for a fuzz
// target's LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver (the library defines neither:
//
//   extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* d, size_t n, size_t max, unsigned seed) {
//     return msirig::fuzz::MutateScenario(d, n, max, seed);
//   }
//
// and likewise for crossover).
//
// A mutation decodes the input, applies one to three operations, normalizes and re-encodes:
//   steps: insert a new step, delete, duplicate, swap, move; change a step's kind, cpu,
//     preempt point or one argument (interesting values: 0, 1, the granted message count and
//     its neighbours, namespace size boundaries, 0xFFFFFFFF, ...);
//   windows (DESIGN.md decision 3): preempt a step early and run an interrupt, DPCs or a reset
//     on another CPU before it resumes; nest a second message's ISR inside a preempted one;
//   configuration: one platform field (os, interrupts, requested, granted, cpus, parameter,
//     platform faults), one device, namespace, fault-plan or message-contents field, or add or
//     remove a namespace or message-contents entry.
// One call in ten hands the bytes to LLVMFuzzerMutate instead, when the engine provides
// it, so byte-level mutation still happens. Output that exceeds max_size loses steps from the
// end until it fits (any bytes decode, so a plain cut is the last resort).
//
// Deterministic: every choice comes from `seed` (std::minstd_rand); no global state, no clock.
#ifndef MSIRIG_FUZZ_SCENARIO_MUTATOR_H_
#define MSIRIG_FUZZ_SCENARIO_MUTATOR_H_

#include <cstddef>
#include <cstdint>

namespace msirig::fuzz {

// Mutates data[0, size) in place into at most max_size bytes; returns the new size.
size_t MutateScenario(uint8_t* data, size_t size, size_t max_size, unsigned seed);

// Writes a combination of the scenarios a and b to out (at most max_out bytes); returns its size.
size_t CrossOverScenarios(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                          uint8_t* out, size_t max_out, unsigned seed);

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SCENARIO_MUTATOR_H_
