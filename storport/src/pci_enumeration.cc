// What the OS's PCI bus driver does for an adapter before and after Storport calls the miniport:
// BAR sizing and assignment (PCI Local Bus 3.0 section 6.2.5.1), capability discovery, and MSI /
// MSI-X programming for the granted messages (PCI 3.0 section 6.8).
#include "pci_enumeration.h"

#include <algorithm>
#include <bit>

namespace msirig::sp {
namespace {

constexpr uint16_t kCommand = 0x04;
constexpr uint16_t kStatus = 0x06;
constexpr uint16_t kBar0 = 0x10;
constexpr uint16_t kCapabilitiesPointer = 0x34;
constexpr uint16_t kCommandIoSpace = 1u << 0;
constexpr uint16_t kCommandMemorySpace = 1u << 1;
constexpr uint16_t kCommandBusMaster = 1u << 2;
constexpr uint16_t kCommandInterruptDisable = 1u << 10;
constexpr uint16_t kStatusCapabilitiesList = 1u << 4;
constexpr uint8_t kCapabilityMsi = 0x05;
constexpr uint8_t kCapabilityMsiX = 0x11;

// Where the platform puts BARs: memory above 3 GiB, I/O ports from 0xC000.
constexpr uint64_t kMemoryWindow = 0xC0000000ull;
constexpr uint64_t kIoWindow = 0xC000;

uint16_t FindCapability(hba::PciFunction& device, uint8_t id) {
  if ((device.ConfigRead(kStatus, 2) & kStatusCapabilitiesList) == 0) return 0;
  uint16_t pointer = device.ConfigRead(kCapabilitiesPointer, 1) & 0xFC;
  for (int hops = 0; pointer != 0 && hops < 48; ++hops) {  // 48: a list cannot be longer
    if ((device.ConfigRead(pointer, 1) & 0xFF) == id) return pointer;
    pointer = device.ConfigRead(pointer + 1, 1) & 0xFC;
  }
  return 0;
}

}  // namespace

std::vector<PciBar> AssignBars(hba::PciFunction& device) {
  std::vector<PciBar> bars;
  uint64_t next_memory = kMemoryWindow;
  uint64_t next_io = kIoWindow;
  uint16_t command = kCommandBusMaster;
  for (unsigned index = 0; index < 6; ++index) {
    const uint16_t offset = kBar0 + 4 * index;
    const uint32_t original = device.ConfigRead(offset, 4);
    device.ConfigWrite(offset, 4, 0xFFFFFFFFu);
    const uint32_t probe = device.ConfigRead(offset, 4);
    if (probe == 0 || probe == 0xFFFFFFFFu) {
      device.ConfigWrite(offset, 4, original);
      continue;
    }
    PciBar bar;
    bar.index = index;
    if (probe & 1u) {  // I/O space BAR
      bar.io_space = true;
      bar.size = (~(probe & ~3u) + 1u) & 0xFFFFu;
      if (bar.size == 0) continue;
      next_io = (next_io + bar.size - 1) / bar.size * bar.size;
      bar.address = next_io;
      next_io += bar.size;
      device.ConfigWrite(offset, 4, static_cast<uint32_t>(bar.address));
      command |= kCommandIoSpace;
    } else {
      const bool is64 = ((probe >> 1) & 3u) == 2u;
      uint64_t mask = probe & ~0xFull;
      if (is64 && index < 5) {
        device.ConfigWrite(offset + 4, 4, 0xFFFFFFFFu);
        mask |= uint64_t{device.ConfigRead(offset + 4, 4)} << 32;
      } else {
        mask |= 0xFFFFFFFF00000000ull;
      }
      bar.size = ~mask + 1;
      if (bar.size == 0 || !std::has_single_bit(bar.size)) continue;
      next_memory = (next_memory + bar.size - 1) / bar.size * bar.size;
      bar.address = next_memory;
      next_memory += bar.size;
      device.ConfigWrite(offset, 4, static_cast<uint32_t>(bar.address));
      if (is64 && index < 5)
        device.ConfigWrite(offset + 4, 4, static_cast<uint32_t>(bar.address >> 32));
      command |= kCommandMemorySpace;
      if (is64) ++index;  // the upper half is the next BAR register
    }
    bars.push_back(bar);
  }
  const uint32_t current = device.ConfigRead(kCommand, 2);
  device.ConfigWrite(kCommand, 2, (current & ~0x7u) | command);
  return bars;
}

uint32_t MessageCapacity(hba::PciFunction& device, InterruptKind kind) {
  if (kind == InterruptKind::kMsiX) {
    const uint16_t cap = FindCapability(device, kCapabilityMsiX);
    if (cap == 0) return 0;
    return (device.ConfigRead(cap + 2, 2) & 0x7FFu) + 1;  // Table Size is N-1
  }
  if (kind == InterruptKind::kMsi) {
    const uint16_t cap = FindCapability(device, kCapabilityMsi);
    if (cap == 0) return 0;
    return 1u << ((device.ConfigRead(cap + 2, 2) >> 1) & 7u);  // Multiple Message Capable
  }
  return 0;
}

void ProgramMessages(hba::PciFunction& device, const std::vector<PciBar>& bars, InterruptKind kind,
                     const std::vector<MessageContents>& messages) {
  const uint16_t command = device.ConfigRead(kCommand, 2);
  device.ConfigWrite(kCommand, 2, command | kCommandInterruptDisable);
  const auto count = static_cast<uint32_t>(messages.size());
  if (kind == InterruptKind::kMsiX) {
    const uint16_t cap = FindCapability(device, kCapabilityMsiX);
    if (cap == 0) return;
    const uint32_t table = device.ConfigRead(cap + 4, 4);
    const unsigned bir = table & 7u;
    const uint64_t table_offset = table & ~7u;
    const bool bar_present =
        std::any_of(bars.begin(), bars.end(), [&](const PciBar& b) { return b.index == bir; });
    const uint16_t control = device.ConfigRead(cap + 2, 2);
    // Enable with Function Mask set while the table is written, then clear it (PCI 3.0 6.8.2.3).
    device.ConfigWrite(cap + 2, 2, control | 0xC000u);
    if (bar_present) {
      for (uint32_t i = 0; i < count; ++i) {
        const uint64_t entry = table_offset + 16ull * i;
        device.MmioWrite(bir, entry + 0, 4, messages[i].message_address & 0xFFFFFFFFu);
        device.MmioWrite(bir, entry + 4, 4, messages[i].message_address >> 32);
        device.MmioWrite(bir, entry + 8, 4, messages[i].message_data);
        device.MmioWrite(bir, entry + 12, 4, 0);  // Vector Control: unmasked (connected)
      }
    }
    device.ConfigWrite(cap + 2, 2, (control | 0x8000u) & ~0x4000u);
    return;
  }
  if (kind == InterruptKind::kMsi) {
    const uint16_t cap = FindCapability(device, kCapabilityMsi);
    if (cap == 0 || count == 0) return;
    const uint16_t control = device.ConfigRead(cap + 2, 2);
    const bool is64 = control & (1u << 7);
    const bool per_vector_mask = control & (1u << 8);
    device.ConfigWrite(cap + 4, 4, messages[0].message_address & 0xFFFFFFFCu);
    uint16_t data_offset = cap + 8;
    if (is64) {
      device.ConfigWrite(cap + 8, 4, messages[0].message_address >> 32);
      data_offset = cap + 12;
    }
    device.ConfigWrite(data_offset, 2, messages[0].message_data & 0xFFFFu);
    if (per_vector_mask) device.ConfigWrite(data_offset + 4, 4, 0);  // Mask Bits: all unmasked
    const auto enable_log2 = static_cast<uint16_t>(std::countr_zero(count));
    device.ConfigWrite(cap + 2, 2, (control & ~0x70u) | (enable_log2 << 4) | 1u);
  }
}

void EnableIntx(hba::PciFunction& device) {
  const uint16_t command = device.ConfigRead(kCommand, 2);
  device.ConfigWrite(kCommand, 2, command & ~kCommandInterruptDisable);
}

}  // namespace msirig::sp
