// The emulated OS's PCI bus driver: BAR assignment, MSI/MSI-X capability use, INTx enable.
#ifndef MSIRIG_STORPORT_SRC_PCI_ENUMERATION_H_
#define MSIRIG_STORPORT_SRC_PCI_ENUMERATION_H_

#include <cstdint>
#include <vector>

#include "msirig/hba/pci_bus.h"
#include "msirig/storport/platform.h"

namespace msirig::sp {

struct PciBar {
  unsigned index = 0;
  uint64_t address = 0;
  uint64_t size = 0;
  bool io_space = false;
};

// Sizes every BAR, assigns it an address, and enables memory/I/O decoding and bus mastering.
std::vector<PciBar> AssignBars(hba::PciFunction& device);
// How many messages the device's MSI or MSI-X capability offers; 0 when it has none.
uint32_t MessageCapacity(hba::PciFunction& device, InterruptKind kind);
// Programs and enables MSI or MSI-X for `messages` (their address and data), masks INTx.
void ProgramMessages(hba::PciFunction& device, const std::vector<PciBar>& bars, InterruptKind kind,
                     const std::vector<MessageContents>& messages);
// Line-based: clears the command register's Interrupt Disable bit.
void EnableIntx(hba::PciFunction& device);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_PCI_ENUMERATION_H_
