// The emulated platform an adapter starts on: OS version, interrupt resources, MSI message
// contents, CPUs, and the platform faults a scenario can switch on (DESIGN.md decision 5).
#ifndef MSIRIG_STORPORT_PLATFORM_H_
#define MSIRIG_STORPORT_PLATFORM_H_

#include <cstdint>
#include <string>
#include <vector>

namespace msirig::sp {

// Windows versions as _WIN32_WINNT values. Before Vista, StorPortExtendedFunction does not exist
// (every extended function answers STOR_STATUS_NOT_IMPLEMENTED) and there is no MSI.
enum class OsVersion : uint16_t {
  kServer2003 = 0x0502,
  kVista = 0x0600,
  kWin7 = 0x0601,
  kWin8 = 0x0602,
  kWin10 = 0x0A00,
};

enum class InterruptKind : uint8_t {
  kLineBased = 0,  // INTx, or no MSI capability on the HBA
  kMsi = 1,        // 1, 2, 4, 8, 16 or 32 messages
  kMsiX = 2,       // up to 2048 messages
};

// What StorPortGetMSIInfo reports for one granted message besides its MessageId. Any values are
// allowed: the contents are fuzzed, and a miniport must not depend on them beyond the spec.
struct MessageContents {
  uint32_t message_data = 0;
  uint64_t message_address = 0;
  uint32_t interrupt_vector = 0;
  uint32_t interrupt_level = 0;
  uint32_t interrupt_mode = 1;  // KINTERRUPT_MODE; MSI and MSI-X are Latched (1)

  bool operator==(const MessageContents&) const = default;
};

struct PlatformFaults {
  // The n-th StorPortAllocatePool call of the run (1-based) and every later one fail with
  // STOR_STATUS_INSUFFICIENT_RESOURCES; 0 = none fails.
  uint32_t pool_fail_from_call = 0;
  // StorPortGetUncachedExtension returns NULL.
  bool uncached_extension_fails = false;
  // StorPortEnablePassiveInitialization returns FALSE ("the OS does not support DPCs"), so the
  // passive routine never runs and no DPC gets initialized.
  bool passive_init_unsupported = false;

  bool operator==(const PlatformFaults&) const = default;
};

inline constexpr uint64_t kDefaultAllocationLimitBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMinAllocationLimitBytes = 4096;
inline constexpr uint64_t kMaxAllocationLimitBytes = uint64_t{1} << 30;

struct PlatformConfig {
  OsVersion os_version = OsVersion::kWin10;
  InterruptKind interrupt_kind = InterruptKind::kMsiX;
  // Messages the device and the INF ask for, and messages the platform grants. Granting fewer
  // than requested is the "fewer messages granted" platform fault; 0 granted means line-based.
  uint32_t messages_requested = 8;
  uint32_t messages_granted = 8;
  // Contents per granted message; messages without an entry get DefaultMessageContents().
  std::vector<MessageContents> message_contents;
  uint32_t cpu_count = 2;
  // The adapter's registry DriverParameter string, which Storport hands to HwFindAdapter as
  // ArgumentString: how a scenario sets a miniport's adapter parameters ("SyncMode=All;...").
  std::string driver_parameter;
  // Decision (SPEC 5): the largest single block the platform's memory manager gives a miniport.
  // Larger requests fail the way Storport fails them, never as a rig crash: StorPortAllocatePool
  // answers STOR_STATUS_INSUFFICIENT_RESOURCES, StorPortGetUncachedExtension NULL, and a device,
  // LU or SRB extension size in HW_INITIALIZATION_DATA above it fails the adapter's start (the
  // port cannot allocate the extension, so HwFindAdapter is never called). Not a scenario field
  // yet: scenarios use the default.
  uint64_t allocation_limit_bytes = kDefaultAllocationLimitBytes;
  PlatformFaults faults;

  bool operator==(const PlatformConfig&) const = default;
};

inline constexpr uint32_t kMaxMsiMessages = 32;
inline constexpr uint32_t kMaxMsiXMessages = 2048;
inline constexpr uint32_t kMaxCpus = 64;
inline constexpr size_t kMaxDriverParameterLength = 255;

// Makes any config one the platform could really produce (used by byte decoders, so that every
// input is a valid scenario): clamps counts; an MSI grant is a power of two; a grant that the
// platform cannot give becomes exactly one message (SPEC 2); pre-Vista or line-based means 0.
PlatformConfig Normalize(PlatformConfig config);

// Empty when `config` is already what Normalize would return; otherwise says what is wrong, naming
// the field (for hand-written scenarios and CLI input).
std::string Validate(const PlatformConfig& config);

// Contents the platform reports for message `id` when the scenario gives none: a plausible x64
// local-APIC message (address 0xFEE00000, data = vector).
MessageContents DefaultMessageContents(uint32_t id);

// Decision (SPEC 3): the emulated DIRQL of message `id`. Distinct for the first messages, so an
// ISR of a higher message can nest inside a lower one on one CPU, and so OldIrql values differ.
uint8_t MessageDirql(uint32_t id);
inline constexpr uint8_t kLineDirql = 5;

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_PLATFORM_H_
