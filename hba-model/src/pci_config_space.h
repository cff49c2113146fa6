// PciConfigSpace: the function's 4 KiB configuration space (PCI Local Bus 3.0 chapter 6, PCIe
// 4.0 chapter 7) as bytes plus a per-byte write mask, in the manner of QEMU's pci.c. It holds
// layout and storage only; the controller decides what a write means (see config_access.cc).
#ifndef MSIRIG_HBA_SRC_PCI_CONFIG_SPACE_H_
#define MSIRIG_HBA_SRC_PCI_CONFIG_SPACE_H_

#include <array>
#include <cstdint>

#include "msirig/hba/device_config.h"

namespace msirig::hba {

// Standard header offsets (PCI 3.0 6.1, type 0 header).
namespace pcicfg {
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevision = 0x08;
inline constexpr uint16_t kClassCode = 0x09;  // prog-if, subclass, base class
inline constexpr uint16_t kHeaderType = 0x0E;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kSubsystemVendorId = 0x2C;
inline constexpr uint16_t kCapabilitiesPointer = 0x34;
inline constexpr uint16_t kInterruptLine = 0x3C;
inline constexpr uint16_t kInterruptPin = 0x3D;

// PCI 3.0 6.2.2 Command register bits.
inline constexpr uint16_t kCommandMemorySpace = 1u << 1;
inline constexpr uint16_t kCommandBusMaster = 1u << 2;
inline constexpr uint16_t kCommandIntxDisable = 1u << 10;
// PCI 3.0 6.2.3 Status register bits.
inline constexpr uint16_t kStatusInterrupt = 1u << 3;
inline constexpr uint16_t kStatusCapList = 1u << 4;

// Capability placement (documented choice) and IDs (PCI 3.0 Appendix H).
inline constexpr uint16_t kPmCap = 0x40;
inline constexpr uint16_t kMsiCap = 0x50;
inline constexpr uint16_t kMsixCap = 0x70;
inline constexpr uint16_t kPcieCap = 0x80;
inline constexpr uint8_t kCapIdPm = 0x01;
inline constexpr uint8_t kCapIdMsi = 0x05;
inline constexpr uint8_t kCapIdPcie = 0x10;
inline constexpr uint8_t kCapIdMsix = 0x11;

// PCI 3.0 6.8.1 MSI capability, 64-bit with per-vector masking.
inline constexpr uint16_t kMsiControl = 0x02;
inline constexpr uint16_t kMsiAddressLow = 0x04;
inline constexpr uint16_t kMsiAddressHigh = 0x08;
inline constexpr uint16_t kMsiData = 0x0C;
inline constexpr uint16_t kMsiMask = 0x10;
inline constexpr uint16_t kMsiPending = 0x14;
inline constexpr uint16_t kMsiControlEnable = 1u << 0;
inline constexpr uint16_t kMsiControl64Bit = 1u << 7;
inline constexpr uint16_t kMsiControlPerVectorMask = 1u << 8;

// PCI 3.0 6.8.2 MSI-X capability.
inline constexpr uint16_t kMsixControl = 0x02;
inline constexpr uint16_t kMsixTable = 0x04;
inline constexpr uint16_t kMsixPba = 0x08;
inline constexpr uint16_t kMsixControlFunctionMask = 1u << 14;
inline constexpr uint16_t kMsixControlEnable = 1u << 15;
}  // namespace pcicfg

class PciConfigSpace {
 public:
  static constexpr uint16_t kSize = 4096;

  explicit PciConfigSpace(const DeviceConfig& config);

  // Raw access; out-of-range bytes read as zero and are not written.
  uint32_t Read(uint16_t offset, unsigned size) const;
  void Write(uint16_t offset, unsigned size, uint32_t value);  // honours the write mask
  uint8_t Byte(uint16_t offset) const { return bytes_[offset]; }
  uint16_t Word(uint16_t offset) const { return static_cast<uint16_t>(Read(offset, 2)); }
  uint32_t Dword(uint16_t offset) const { return Read(offset, 4); }
  void SetWordRaw(uint16_t offset, uint16_t value);  // ignores the write mask (device side)
  void SetDwordRaw(uint16_t offset, uint32_t value);

  uint64_t bar0_size() const { return bar0_size_; }
  uint64_t msix_bar_size() const { return msix_bar_size_; }

  // Command register.
  bool memory_enabled() const;
  bool bus_master_enabled() const;
  bool intx_disabled() const;
  void SetIntxStatus(bool asserted);

  // MSI (present only when has_msi).
  bool has_msi() const { return has_msi_; }
  bool msi_enabled() const;
  uint32_t msi_capable_count() const;  // Multiple Message Capable, as a count
  uint32_t msi_enabled_count() const;  // Multiple Message Enable, as a count (clamped)
  uint8_t msi_mme_field() const;
  void ClampMsiMme();
  uint64_t msi_address() const;
  uint16_t msi_data() const;
  bool msi_masked(uint32_t message) const;
  bool msi_pending(uint32_t message) const;
  void SetMsiPending(uint32_t message, bool pending);

  // MSI-X (present only when has_msix).
  bool has_msix() const { return has_msix_; }
  bool msix_enabled() const;
  bool msix_function_masked() const;
  uint32_t msix_table_size() const { return msix_table_size_; }

 private:
  void AddCapability(uint16_t offset, uint8_t id, uint16_t* prev_next);

  std::array<uint8_t, kSize> bytes_{};
  std::array<uint8_t, kSize> wmask_{};
  bool has_msi_ = false;
  bool has_msix_ = false;
  uint32_t msix_table_size_ = 0;
  uint64_t bar0_size_ = 0;
  uint64_t msix_bar_size_ = 0;
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_SRC_PCI_CONFIG_SPACE_H_
