// PciConfigSpace: type 0 header, BARs, and the PM, MSI, MSI-X and PCIe capabilities.
#include "pci_config_space.h"

#include <algorithm>
#include <bit>

#include "msirig/hba/nvme_device.h"
#include "msirig/hba/nvme_spec.h"

namespace msirig::hba {
namespace {

uint64_t RoundUpPow2(uint64_t v) { return std::bit_ceil(v); }

// Largest power of two <= v, at least 1, at most 32 (PCI 3.0 6.8.1.3: MMC encodes 1..32).
uint32_t MsiCountFloor(uint32_t v) {
  v = std::clamp<uint32_t>(v, 1, 32);
  return std::bit_floor(v);
}

}  // namespace

using namespace pcicfg;

PciConfigSpace::PciConfigSpace(const DeviceConfig& config) {
  has_msi_ = config.has_msi;
  has_msix_ = config.has_msix;
  msix_table_size_ = has_msix_ ? std::clamp<uint32_t>(config.msix_vectors, 1, 2048) : 0;

  // PCI 3.0 6.2.1 identification; class code 01h/08h/02h = mass storage, NVM, NVMe.
  SetWordRaw(kVendorId, config.pci_vendor_id);
  SetWordRaw(kVendorId + 2, config.pci_device_id);
  bytes_[kRevision] = config.pci_revision;
  bytes_[kClassCode] = 0x02;
  bytes_[kClassCode + 1] = 0x08;
  bytes_[kClassCode + 2] = 0x01;
  bytes_[kHeaderType] = 0x00;
  SetWordRaw(kSubsystemVendorId, config.pci_subsystem_vendor_id);
  SetWordRaw(kSubsystemVendorId + 2, config.pci_subsystem_id);
  bytes_[kInterruptPin] = 0x01;  // INTA#
  wmask_[kInterruptLine] = 0xFF;
  wmask_[0x0C] = 0xFF;  // Cache Line Size
  // PCI 3.0 6.2.2 Command: Memory Space, Bus Master, Parity, SERR#, Interrupt Disable.
  SetWordRaw(kStatus, kStatusCapList);
  wmask_[kCommand] = 0x46;
  wmask_[kCommand + 1] = 0x05;

  // PCI 3.0 6.2.5.1 BARs: BAR0/1 a 64-bit non-prefetchable memory BAR for the NVMe registers and
  // doorbells (NVMe 1.4 2.1.10/2.1.11 MLBAR/MUBAR); BAR4/5 the same for the MSI-X table and PBA.
  const uint64_t doorbell_end = nvme::kDoorbellBase + (2ull * (config.io_queue_pairs_max + 1)) *
                                                          (4ull << config.doorbell_stride_shift);
  bar0_size_ = std::max<uint64_t>(0x4000, RoundUpPow2(doorbell_end));
  auto set_bar64 = [&](uint16_t offset, uint64_t size) {
    SetDwordRaw(offset, 0x4);  // memory, 64-bit, not prefetchable
    const uint32_t low_mask = static_cast<uint32_t>(~(size - 1)) & 0xFFFFFFF0u;
    for (int i = 0; i < 4; ++i) {
      wmask_[offset + i] = static_cast<uint8_t>(low_mask >> (8 * i));
      wmask_[offset + 4 + i] = 0xFF;
    }
  };
  set_bar64(kBar0, bar0_size_);
  if (has_msix_) {
    msix_bar_size_ = RoundUpPow2(kMsixPbaOffset + 2048 / 8);
    set_bar64(kBar0 + 0x10, msix_bar_size_);
  }

  // Capability list (PCI 3.0 6.7).
  uint16_t prev_next = kCapabilitiesPointer;
  // PCI PM 1.2 3.2: PMC version 3 (1.2), PMCSR PowerState writable, No_Soft_Reset set.
  AddCapability(kPmCap, kCapIdPm, &prev_next);
  SetWordRaw(kPmCap + 2, 0x0003);
  SetWordRaw(kPmCap + 4, 0x0008);
  wmask_[kPmCap + 4] = 0x03;
  if (has_msi_) {
    AddCapability(kMsiCap, kCapIdMsi, &prev_next);
    const uint32_t capable = MsiCountFloor(config.msi_messages);
    const uint16_t mmc = static_cast<uint16_t>(std::countr_zero(capable));
    SetWordRaw(kMsiCap + kMsiControl, kMsiControl64Bit | kMsiControlPerVectorMask | (mmc << 1));
    wmask_[kMsiCap + kMsiControl] = 0x71;  // MSI Enable, Multiple Message Enable
    for (int i = 0; i < 4; ++i) {
      wmask_[kMsiCap + kMsiAddressLow + i] = i == 0 ? 0xFC : 0xFF;
      wmask_[kMsiCap + kMsiAddressHigh + i] = 0xFF;
    }
    wmask_[kMsiCap + kMsiData] = 0xFF;
    wmask_[kMsiCap + kMsiData + 1] = 0xFF;
    const uint32_t mask_bits = capable == 32 ? 0xFFFFFFFFu : ((1u << capable) - 1);
    for (int i = 0; i < 4; ++i) {
      wmask_[kMsiCap + kMsiMask + i] = static_cast<uint8_t>(mask_bits >> (8 * i));
    }
  }
  if (has_msix_) {
    AddCapability(kMsixCap, kCapIdMsix, &prev_next);
    SetWordRaw(kMsixCap + kMsixControl, static_cast<uint16_t>(msix_table_size_ - 1));
    wmask_[kMsixCap + kMsixControl + 1] = 0xC0;  // MSI-X Enable, Function Mask
    SetDwordRaw(kMsixCap + kMsixTable, 0 | kMsixBar);
    SetDwordRaw(kMsixCap + kMsixPba, static_cast<uint32_t>(kMsixPbaOffset) | kMsixBar);
  }
  // PCIe 4.0 7.5.3: capability version 2, Endpoint; Device Control writable.
  AddCapability(kPcieCap, kCapIdPcie, &prev_next);
  SetWordRaw(kPcieCap + 2, 0x0002);
  wmask_[kPcieCap + 8] = 0xFF;
  wmask_[kPcieCap + 9] = 0x7F;
  // PCIe 4.0 7.6.3: no extended capabilities: the header at 100h is all zero.
}

void PciConfigSpace::AddCapability(uint16_t offset, uint8_t id, uint16_t* prev_next) {
  bytes_[*prev_next] = static_cast<uint8_t>(offset);
  bytes_[offset] = id;
  bytes_[offset + 1] = 0;
  *prev_next = offset + 1;
}

uint32_t PciConfigSpace::Read(uint16_t offset, unsigned size) const {
  uint32_t value = 0;
  for (unsigned i = 0; i < size && i < 4; ++i) {
    const uint32_t at = offset + i;
    if (at < kSize) value |= static_cast<uint32_t>(bytes_[at]) << (8 * i);
  }
  return value;
}

void PciConfigSpace::Write(uint16_t offset, unsigned size, uint32_t value) {
  for (unsigned i = 0; i < size && i < 4; ++i) {
    const uint32_t at = offset + i;
    if (at >= kSize) break;
    const uint8_t byte = static_cast<uint8_t>(value >> (8 * i));
    bytes_[at] = static_cast<uint8_t>((bytes_[at] & ~wmask_[at]) | (byte & wmask_[at]));
  }
}

void PciConfigSpace::SetWordRaw(uint16_t offset, uint16_t value) {
  bytes_[offset] = static_cast<uint8_t>(value);
  bytes_[offset + 1] = static_cast<uint8_t>(value >> 8);
}

void PciConfigSpace::SetDwordRaw(uint16_t offset, uint32_t value) {
  SetWordRaw(offset, static_cast<uint16_t>(value));
  SetWordRaw(offset + 2, static_cast<uint16_t>(value >> 16));
}

bool PciConfigSpace::memory_enabled() const { return Word(kCommand) & kCommandMemorySpace; }
bool PciConfigSpace::bus_master_enabled() const { return Word(kCommand) & kCommandBusMaster; }
bool PciConfigSpace::intx_disabled() const { return Word(kCommand) & kCommandIntxDisable; }

void PciConfigSpace::SetIntxStatus(bool asserted) {
  uint16_t status = Word(kStatus);
  status = asserted ? (status | kStatusInterrupt) : (status & ~kStatusInterrupt);
  SetWordRaw(kStatus, status);
}

bool PciConfigSpace::msi_enabled() const {
  return has_msi_ && (Word(kMsiCap + kMsiControl) & kMsiControlEnable);
}

uint32_t PciConfigSpace::msi_capable_count() const {
  return 1u << ((Word(kMsiCap + kMsiControl) >> 1) & 7);
}

uint8_t PciConfigSpace::msi_mme_field() const { return (Word(kMsiCap + kMsiControl) >> 4) & 7; }

uint32_t PciConfigSpace::msi_enabled_count() const {
  return std::min(1u << msi_mme_field(), msi_capable_count());
}

void PciConfigSpace::ClampMsiMme() {
  const uint16_t control = Word(kMsiCap + kMsiControl);
  const uint16_t mme = static_cast<uint16_t>(std::countr_zero(msi_enabled_count()));
  SetWordRaw(kMsiCap + kMsiControl, static_cast<uint16_t>((control & ~0x70) | (mme << 4)));
}

uint64_t PciConfigSpace::msi_address() const {
  return Dword(kMsiCap + kMsiAddressLow) |
         (static_cast<uint64_t>(Dword(kMsiCap + kMsiAddressHigh)) << 32);
}

uint16_t PciConfigSpace::msi_data() const { return Word(kMsiCap + kMsiData); }

bool PciConfigSpace::msi_masked(uint32_t message) const {
  return message < 32 && ((Dword(kMsiCap + kMsiMask) >> message) & 1);
}

bool PciConfigSpace::msi_pending(uint32_t message) const {
  return message < 32 && ((Dword(kMsiCap + kMsiPending) >> message) & 1);
}

void PciConfigSpace::SetMsiPending(uint32_t message, bool pending) {
  if (message >= 32) return;
  uint32_t bits = Dword(kMsiCap + kMsiPending);
  bits = pending ? (bits | (1u << message)) : (bits & ~(1u << message));
  SetDwordRaw(kMsiCap + kMsiPending, bits);
}

bool PciConfigSpace::msix_enabled() const {
  return has_msix_ && (Word(kMsixCap + kMsixControl) & kMsixControlEnable);
}

bool PciConfigSpace::msix_function_masked() const {
  return Word(kMsixCap + kMsixControl) & kMsixControlFunctionMask;
}

}  // namespace msirig::hba
