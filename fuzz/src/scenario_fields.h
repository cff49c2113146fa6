// Scenario field tables: one visitor per configuration struct names every field with its text
// name, its valid range and how it prints. Equality, normalization, the binary codec, the text
// form and the mutator all walk these lists, so a field added to a config struct and to its
// visitor is compared, clamped, encoded, printed, parsed and mutated everywhere at once.
#ifndef MSIRIG_FUZZ_SRC_SCENARIO_FIELDS_H_
#define MSIRIG_FUZZ_SRC_SCENARIO_FIELDS_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "msirig/fuzz/scenario.h"

namespace msirig::fuzz::internal {

enum class Shape : uint8_t {
  kRange,       // any value in min..max
  kPowerOfTwo,  // a power of two in min..max (MSI Multiple Message Capable, PCI 3.0 6.8.1.3)
  kBlockSize,   // 512 or 4096: the model's two LBA formats (device_config.h)
};

struct FieldSpec {
  std::string_view name;  // the key in the text form
  uint64_t min;
  uint64_t max;
  bool hex = false;  // printed as 0x... in the text form
  Shape shape = Shape::kRange;
};

// Limits of our own where the model accepts anything but the rig should not go: virtual-time
// latencies stay far from uint64 wrap-around when the model adds them to "now"; namespaces
// stay non-empty and their byte size fits 64 bits; "a few" namespaces are enough to exercise
// namespace enumeration without slowing every run down.
inline constexpr uint64_t kMaxLatencyNs = uint64_t{1} << 40;  // about 18 minutes
inline constexpr uint64_t kMaxNamespaceBlocks = uint64_t{1} << 40;
inline constexpr size_t kMaxNamespaces = 4;
inline constexpr uint64_t kU8 = 0xFF;
inline constexpr uint64_t kU16 = 0xFFFF;
inline constexpr uint64_t kU32 = 0xFFFFFFFF;
inline constexpr uint64_t kU64 = ~uint64_t{0};

template <typename T>
uint64_t GetField(const T& field) {
  return static_cast<uint64_t>(field);
}

template <typename T>
void SetField(T& field, uint64_t value) {
  if constexpr (std::is_same_v<T, bool>) {
    field = value != 0;
  } else {
    field = static_cast<T>(value);
  }
}

inline bool InSpec(const FieldSpec& spec, uint64_t v) {
  if (v < spec.min || v > spec.max) return false;
  switch (spec.shape) {
    case Shape::kRange:
      return true;
    case Shape::kPowerOfTwo:
      return std::has_single_bit(v);
    case Shape::kBlockSize:
      return v == 512 || v == 4096;
  }
  return false;
}

// The nearest valid value (what Normalize does to a hand-built scenario).
inline uint64_t ClampToSpec(const FieldSpec& spec, uint64_t v) {
  if (spec.shape == Shape::kBlockSize) return v == 4096 ? 4096 : 512;
  v = v < spec.min ? spec.min : v > spec.max ? spec.max : v;
  if (spec.shape == Shape::kPowerOfTwo) v = std::bit_floor(v);
  return v;
}

// A valid value spread over the whole range (what the decoder does to arbitrary bytes, so that
// random inputs do not pile up at the bounds). Identity on valid values.
inline uint64_t FoldIntoSpec(const FieldSpec& spec, uint64_t v) {
  if (InSpec(spec, v)) return v;
  if (spec.shape == Shape::kBlockSize) return (v & 1) != 0 ? 4096 : 512;
  const uint64_t span = spec.max - spec.min;  // span + 1 cannot overflow: v was out of range
  v = spec.min + (v - spec.min) % (span + 1);
  if (spec.shape == Shape::kPowerOfTwo) v = std::bit_floor(v);
  return v;
}

// Visitors: visit(const FieldSpec&, field&) for every field, in the binary form's order (most
// often changed first, so that short inputs reach them).
template <typename Faults, typename Visit>
void VisitPlatformFaultFields(Faults& f, Visit&& visit) {
  visit(FieldSpec{"pool_fail_from_call", 0, kU32}, f.pool_fail_from_call);
  visit(FieldSpec{"uncached_extension_fails", 0, 1}, f.uncached_extension_fails);
  visit(FieldSpec{"passive_init_unsupported", 0, 1}, f.passive_init_unsupported);
}

template <typename Contents, typename Visit>
void VisitMessageFields(Contents& m, Visit&& visit) {
  visit(FieldSpec{"data", 0, kU32, true}, m.message_data);
  visit(FieldSpec{"address", 0, kU64, true}, m.message_address);
  visit(FieldSpec{"vector", 0, kU32, true}, m.interrupt_vector);
  visit(FieldSpec{"level", 0, kU32}, m.interrupt_level);
  visit(FieldSpec{"mode", 0, kU32}, m.interrupt_mode);
}

// Ranges from device_config.h and the model's own clamping (hba-model/src/controller.cc).
template <typename Device, typename Visit>
void VisitDeviceFields(Device& d, Visit&& visit) {
  visit(FieldSpec{"has_msix", 0, 1}, d.has_msix);
  visit(FieldSpec{"has_msi", 0, 1}, d.has_msi);
  visit(FieldSpec{"msix_vectors", 1, 2048}, d.msix_vectors);
  visit(FieldSpec{"msi_messages", 1, 32, false, Shape::kPowerOfTwo}, d.msi_messages);
  visit(FieldSpec{"max_queue_entries", 2, 65536}, d.max_queue_entries);
  visit(FieldSpec{"io_queue_pairs_max", 1, 64}, d.io_queue_pairs_max);
  visit(FieldSpec{"doorbell_stride_shift", 0, 8}, d.doorbell_stride_shift);
  visit(FieldSpec{"mdts_pages_log2", 0, 10}, d.mdts_pages_log2);
  visit(FieldSpec{"timeout_500ms", 0, kU8}, d.timeout_500ms);
  visit(FieldSpec{"ready_latency_ns", 0, kMaxLatencyNs}, d.ready_latency_ns);
  visit(FieldSpec{"shutdown_latency_ns", 0, kMaxLatencyNs}, d.shutdown_latency_ns);
  visit(FieldSpec{"pci_vendor_id", 0, kU16, true}, d.pci_vendor_id);
  visit(FieldSpec{"pci_device_id", 0, kU16, true}, d.pci_device_id);
  visit(FieldSpec{"pci_subsystem_vendor_id", 0, kU16, true}, d.pci_subsystem_vendor_id);
  visit(FieldSpec{"pci_subsystem_id", 0, kU16, true}, d.pci_subsystem_id);
  visit(FieldSpec{"pci_revision", 0, kU8, true}, d.pci_revision);
}

template <typename Namespace, typename Visit>
void VisitNamespaceFields(Namespace& n, Visit&& visit) {
  visit(FieldSpec{"blocks", 1, kMaxNamespaceBlocks}, n.size_blocks);
  visit(FieldSpec{"block_size", 512, 4096, false, Shape::kBlockSize}, n.block_size_bytes);
}

template <typename Plan, typename Visit>
void VisitFaultFields(Plan& p, Visit&& visit) {
  visit(FieldSpec{"drop_interrupt_every_n", 0, kU32}, p.drop_interrupt_every_n);
  visit(FieldSpec{"duplicate_interrupt_every_n", 0, kU32}, p.duplicate_interrupt_every_n);
  visit(FieldSpec{"misroute_interrupt_every_n", 0, kU32}, p.misroute_interrupt_every_n);
  visit(FieldSpec{"misroute_vector_xor", 0, kU32}, p.misroute_vector_xor);
  visit(FieldSpec{"delay_interrupt_every_n", 0, kU32}, p.delay_interrupt_every_n);
  visit(FieldSpec{"delay_interrupt_ns", 0, kMaxLatencyNs}, p.delay_interrupt_ns);
  visit(FieldSpec{"spurious_interrupt_every_n_steps", 0, kU32}, p.spurious_interrupt_every_n_steps);
  visit(FieldSpec{"spurious_interrupt_vector", 0, kU32}, p.spurious_interrupt_vector);
  visit(FieldSpec{"interrupt_storm_at_step", 0, kU64}, p.interrupt_storm_at_step);
  visit(FieldSpec{"interrupt_storm_count", 0, kU32}, p.interrupt_storm_count);
  visit(FieldSpec{"interrupt_storm_vector", 0, kU32}, p.interrupt_storm_vector);
  visit(FieldSpec{"late_completion_every_n", 0, kU32}, p.late_completion_every_n);
  visit(FieldSpec{"late_completion_ns", 0, kMaxLatencyNs}, p.late_completion_ns);
  visit(FieldSpec{"out_of_order_window_commands", 0, kU32}, p.out_of_order_window_commands);
  visit(FieldSpec{"corrupt_cid_every_n", 0, kU32}, p.corrupt_cid_every_n);
  visit(FieldSpec{"corrupt_sqid_every_n", 0, kU32}, p.corrupt_sqid_every_n);
  visit(FieldSpec{"corrupt_phase_every_n", 0, kU32}, p.corrupt_phase_every_n);
  visit(FieldSpec{"complete_after_reset", 0, 1}, p.complete_after_reset);
  visit(FieldSpec{"surprise_removal_at_step", 0, kU64}, p.surprise_removal_at_step);
  visit(FieldSpec{"fatal_status_at_step", 0, kU64}, p.fatal_status_at_step);
}

// The text form's `fault` line and the binary form's faults chunk: the device's FaultPlan, then
// when the executor arms it (appended last, so faults chunks written before it read it as 0).
template <typename S, typename Visit>
void VisitScenarioFaultFields(S& s, Visit&& visit) {
  VisitFaultFields(s.faults, visit);
  visit(FieldSpec{"during_init", 0, 1}, s.faults_during_init);
}

// The values of a config's fields in visitor order, without allocating (decoding runs once per
// fuzz input).
struct FieldValues {
  static constexpr size_t kCapacity = 32;  // more than any visitor above visits
  uint64_t values[kCapacity] = {};
  size_t count = 0;

  uint64_t operator[](size_t i) const { return i < count ? values[i] : 0; }
};

template <typename T, typename VisitFn>
FieldValues ValuesOf(const T& config, VisitFn visit_fields) {
  FieldValues out;
  visit_fields(config, [&](const FieldSpec&, const auto& f) {
    if (out.count < FieldValues::kCapacity) out.values[out.count++] = GetField(f);
  });
  return out;
}

// Field-by-field equality over one visitor (the config structs have no operator==).
template <typename T, typename VisitFn>
bool FieldsEqual(const T& x, const T& y, VisitFn visit_fields) {
  const FieldValues a = ValuesOf(x, visit_fields);
  const FieldValues b = ValuesOf(y, visit_fields);
  return a.count == b.count && std::equal(a.values, a.values + a.count, b.values);
}

// Scenario-wide lists used by more than one form.
inline constexpr std::string_view kOsNames[] = {"win10", "win8", "win7", "vista", "server2003"};
inline constexpr sp::OsVersion kOsValues[] = {sp::OsVersion::kWin10, sp::OsVersion::kWin8,
                                              sp::OsVersion::kWin7, sp::OsVersion::kVista,
                                              sp::OsVersion::kServer2003};
inline constexpr std::string_view kInterruptNames[] = {"msix", "msi", "line"};
inline constexpr sp::InterruptKind kInterruptValues[] = {
    sp::InterruptKind::kMsiX, sp::InterruptKind::kMsi, sp::InterruptKind::kLineBased};

inline uint32_t MaxMessages(sp::InterruptKind kind) {
  switch (kind) {
    case sp::InterruptKind::kMsi:
      return sp::kMaxMsiMessages;
    case sp::InterruptKind::kMsiX:
      return sp::kMaxMsiXMessages;
    case sp::InterruptKind::kLineBased:
      return 0;
  }
  return 0;
}

// Each table as a value, for the helpers that walk any one of them (codec, text form).
inline constexpr auto kDeviceFields = [](auto& d, auto&& v) { VisitDeviceFields(d, v); };
inline constexpr auto kNamespaceFields = [](auto& n, auto&& v) { VisitNamespaceFields(n, v); };
// Over a whole Scenario: its FaultPlan and faults_during_init.
inline constexpr auto kFaultFields = [](auto& s, auto&& v) { VisitScenarioFaultFields(s, v); };
inline constexpr auto kMessageFields = [](auto& m, auto&& v) { VisitMessageFields(m, v); };
inline constexpr auto kPlatformFaultFields = [](auto& f, auto&& v) {
  VisitPlatformFaultFields(f, v);
};

}  // namespace msirig::fuzz::internal

#endif  // MSIRIG_FUZZ_SRC_SCENARIO_FIELDS_H_
