// Scenario binary form: the bytes fuzzers mutate (DESIGN.md decision 7: every byte string is a
// valid scenario).
//
// Layout. The input is split on the separator "FUZZ" (QEMU's generic fuzzer does the same), so
// a deleted or inserted byte disturbs one chunk, never the chunks that follow:
//
//   platform-chunk ( "FUZZ" chunk )*
//
// Each chunk is a sequence of LEB128 varints read by a bounded reader that yields zeros past
// the chunk's end (an absent or truncated field reads as 0). Configuration fields are stored
// XOR their default value, so 0 means "default": an empty input is the default scenario, and
// encoders drop trailing zero bytes. Small enumerations are read as a varint modulo their
// count; every number is folded into its valid range, then the scenario is normalized.
//
//   platform-chunk (the bytes before the first separator):
//     os (index mod 5: win10 win8 win7 vista server2003)
//     interrupts (index mod 3: msix msi line)
//     messages_requested ^ 8, messages_granted ^ 8, cpu_count ^ 2,
//     pool_fail_from_call, uncached_extension_fails, passive_init_unsupported,
//     driver_parameter length, then one varint per character (low 8 bits)
//   chunk: tag (mod kChunkTagCount), then by tag:
//     0 .. 16                 a step of that kind (steps.def order): cpu (mod cpu_count),
//                             preempt (low 16 bits), a, b, c (low 32 bits)
//     kDeviceTag              DeviceConfig scalars in scenario_fields.h order, each ^ default;
//                             the first device chunk wins (a mutated step cannot replace it)
//     kNamespaceTag           one namespace: size_blocks ^ 2^21, block_size ^ 512; none at all
//                             means the default single namespace; at most 4 count
//     kFaultsTag              FaultPlan fields in scenario_fields.h order, each ^ default,
//                             then faults_during_init; the first one wins
//     kMessageTag             the next MessageContents entry: data, address, vector, level,
//                             mode, each ^ DefaultMessageContents(index)
//     kMessageTag+1 ..        a step of kind 17, 18, ... (kinds added after the configuration
//                             tags were fixed are numbered after them: old inputs keep decoding
//                             as they did)
//
// Encode emits the platform chunk, then device, namespace, faults and message chunks when they
// differ from the defaults, then one chunk per step. A chunk never contains the separator: the
// encoder rewrites a one-byte varint inside an accidental "FUZZ" as its two-byte form
// (x | 0x80, 0x00), which decodes to the same value.
#ifndef MSIRIG_FUZZ_SCENARIO_CODEC_H_
#define MSIRIG_FUZZ_SCENARIO_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "msirig/fuzz/scenario.h"

namespace msirig::fuzz {

inline constexpr std::string_view kChunkSeparator = "FUZZ";
// The step kinds that precede the configuration tags (Read .. ReleaseMsiLock).
inline constexpr uint32_t kStepKindsBeforeConfigTags = 17;
inline constexpr uint32_t kDeviceTag = kStepKindsBeforeConfigTags;
inline constexpr uint32_t kNamespaceTag = kStepKindsBeforeConfigTags + 1;
inline constexpr uint32_t kFaultsTag = kStepKindsBeforeConfigTags + 2;
inline constexpr uint32_t kMessageTag = kStepKindsBeforeConfigTags + 3;
inline constexpr uint32_t kChunkTagCount = kStepKindCount + 4;
static_assert(kStepKindCount >= static_cast<int>(kStepKindsBeforeConfigTags));

// A step kind's chunk tag, and the step kind of a tag (false for a configuration tag).
inline constexpr uint32_t TagOfStep(StepKind kind) {
  const auto k = static_cast<uint32_t>(kind);
  return k < kStepKindsBeforeConfigTags ? k : k + 4;
}
inline constexpr bool StepOfTag(uint32_t tag, StepKind* kind) {
  if (tag >= kDeviceTag && tag <= kMessageTag) return false;
  *kind = static_cast<StepKind>(tag < kStepKindsBeforeConfigTags ? tag : tag - 4);
  return true;
}

// Total: any bytes (data may be null when size is 0) give a valid, normalized scenario.
Scenario Decode(const uint8_t* data, size_t size);

// Decode(Encode(s)) == s for every normalized s.
std::vector<uint8_t> Encode(const Scenario& scenario);

// Encode, also giving where each step's chunk begins (at its separator), plus the total size
// last (steps.size() + 1 entries): the scenario cut to its first k steps encodes to exactly the
// first (*step_offsets)[k] bytes, so a caller with a size limit keeps the longest prefix that fits.
std::vector<uint8_t> Encode(const Scenario& scenario, std::vector<size_t>* step_offsets);

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SCENARIO_CODEC_H_
