// Platform configuration: normalization, validation, defaults (see msirig/storport/platform.h).
#include "msirig/storport/platform.h"

#include <algorithm>
#include <bit>

namespace msirig::sp {
namespace {

bool KnownOs(OsVersion os) {
  switch (os) {
    case OsVersion::kServer2003:
    case OsVersion::kVista:
    case OsVersion::kWin7:
    case OsVersion::kWin8:
    case OsVersion::kWin10:
      return true;
  }
  return false;
}

uint32_t MaxMessages(InterruptKind kind) {
  switch (kind) {
    case InterruptKind::kLineBased:
      return 0;
    case InterruptKind::kMsi:
      return kMaxMsiMessages;
    case InterruptKind::kMsiX:
      return kMaxMsiXMessages;
  }
  return 0;
}

}  // namespace

PlatformConfig Normalize(PlatformConfig config) {
  if (!KnownOs(config.os_version)) config.os_version = OsVersion::kWin10;
  if (config.interrupt_kind != InterruptKind::kMsi && config.interrupt_kind != InterruptKind::kMsiX)
    config.interrupt_kind = InterruptKind::kLineBased;
  // No MSI before Vista (SPEC 2: the MSI routines arrived with Vista).
  if (config.os_version < OsVersion::kVista) config.interrupt_kind = InterruptKind::kLineBased;
  const uint32_t max = MaxMessages(config.interrupt_kind);
  config.messages_requested = std::clamp<uint32_t>(config.messages_requested, max ? 1 : 0, max);
  if (config.messages_granted > 0) {
    // A grant the platform cannot give becomes exactly one message (SPEC 2).
    const bool fits = config.messages_granted <= config.messages_requested;
    const bool msi_shape = config.interrupt_kind != InterruptKind::kMsi ||
                           std::has_single_bit(config.messages_granted);
    if (!fits || !msi_shape) config.messages_granted = 1;
  }
  if (max == 0) config.messages_granted = 0;
  if (config.message_contents.size() > config.messages_granted)
    config.message_contents.resize(config.messages_granted);
  config.cpu_count = std::clamp<uint32_t>(config.cpu_count, 1, kMaxCpus);
  // A C string: no embedded NUL, bounded like a registry value the rig would pass.
  config.driver_parameter = config.driver_parameter.substr(0, config.driver_parameter.find('\0'));
  if (config.driver_parameter.size() > kMaxDriverParameterLength)
    config.driver_parameter.resize(kMaxDriverParameterLength);
  config.allocation_limit_bytes = std::clamp<uint64_t>(
      config.allocation_limit_bytes, kMinAllocationLimitBytes, kMaxAllocationLimitBytes);
  return config;
}

std::string Validate(const PlatformConfig& config) {
  if (!KnownOs(config.os_version)) return "os_version: not a known Windows version";
  if (config.interrupt_kind != InterruptKind::kLineBased &&
      config.interrupt_kind != InterruptKind::kMsi && config.interrupt_kind != InterruptKind::kMsiX)
    return "interrupt_kind: expected line, msi or msix";
  if (config.os_version < OsVersion::kVista && config.interrupt_kind != InterruptKind::kLineBased)
    return "interrupt_kind: MSI and MSI-X need Vista or later";
  const uint32_t max = MaxMessages(config.interrupt_kind);
  if (max == 0 && (config.messages_requested != 0 || config.messages_granted != 0))
    return "messages_requested/messages_granted: line-based interrupts have no messages";
  if (max != 0 && (config.messages_requested < 1 || config.messages_requested > max))
    return "messages_requested: must be 1.." + std::to_string(max);
  if (config.messages_granted > config.messages_requested)
    return "messages_granted: more than messages_requested";
  if (config.interrupt_kind == InterruptKind::kMsi && config.messages_granted != 0 &&
      !std::has_single_bit(config.messages_granted))
    return "messages_granted: MSI grants 1, 2, 4, 8, 16 or 32 messages";
  if (config.message_contents.size() > config.messages_granted)
    return "message_contents: more entries than granted messages";
  if (config.cpu_count < 1 || config.cpu_count > kMaxCpus)
    return "cpu_count: must be 1.." + std::to_string(kMaxCpus);
  if (config.driver_parameter.find('\0') != std::string::npos)
    return "driver_parameter: contains a NUL byte";
  if (config.driver_parameter.size() > kMaxDriverParameterLength)
    return "driver_parameter: longer than " + std::to_string(kMaxDriverParameterLength) + " bytes";
  if (config.allocation_limit_bytes < kMinAllocationLimitBytes ||
      config.allocation_limit_bytes > kMaxAllocationLimitBytes)
    return "allocation_limit_bytes: must be " + std::to_string(kMinAllocationLimitBytes) + ".." +
           std::to_string(kMaxAllocationLimitBytes);
  return {};
}

MessageContents DefaultMessageContents(uint32_t id) {
  MessageContents contents;
  contents.message_address = 0xFEE00000u;
  contents.interrupt_vector = 0x60u + id;
  contents.message_data = contents.interrupt_vector;
  contents.interrupt_level = MessageDirql(id);
  contents.interrupt_mode = 1;  // Latched
  return contents;
}

uint8_t MessageDirql(uint32_t id) { return static_cast<uint8_t>(kLineDirql + id % 7); }

}  // namespace msirig::sp
