// Controller: PCI configuration space accesses and what they change (PCI 3.0 6.2, 6.8).
#include "controller.h"

namespace msirig::hba {
namespace {

uint32_t AllOnes(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

bool ValidConfigAccess(uint16_t offset, unsigned size) {
  return (size == 1 || size == 2 || size == 4) && offset + size <= PciConfigSpace::kSize;
}

}  // namespace

uint32_t Controller::ConfigRead(uint16_t offset, unsigned size) {
  // Surprise removal: reads complete as Unsupported Request and the root complex returns all
  // ones (PCIe 4.0 2.3.2 and the platform's master-abort behaviour).
  if (removed_) return AllOnes(size >= 4 ? 4 : size);
  if (!ValidConfigAccess(offset, size)) {
    Event("ub_config_bad_access", offset, size);
    return AllOnes(size >= 4 ? 4 : size);
  }
  return pci_.Read(offset, size);
}

void Controller::ConfigWrite(uint16_t offset, unsigned size, uint32_t value) {
  if (removed_) return;
  if (!ValidConfigAccess(offset, size)) {
    Event("ub_config_bad_access", offset, size);
    return;
  }
  pci_.Write(offset, size, value);
  if (pci_.has_msi()) {
    // PCI 3.0 6.8.1.3: software must not enable more messages than the function is capable of;
    // the result is undefined. The model grants the capable count and says so.
    const uint32_t capable_log2 = (pci_.Word(pcicfg::kMsiCap + pcicfg::kMsiControl) >> 1) & 7;
    if (pci_.msi_mme_field() > capable_log2) {
      Event("ub_msi_mme_exceeds_mmc", pci_.msi_mme_field(), capable_log2);
      pci_.ClampMsiMme();
    }
  }
  // PCI 3.0 6.8: software must not enable MSI and MSI-X at once; this model then uses MSI-X.
  if (pci_.msi_enabled() && pci_.msix_enabled() &&
      offset <= pcicfg::kMsixCap + pcicfg::kMsixControl + 1) {
    Event("ub_msi_and_msix_enabled");
  }
  // An unmask (MSI mask bits, MSI-X Function Mask) or a mode change may release pending
  // messages, and the INTx pin follows Interrupt Disable and the MSI enables.
  RequestReleaseCheck();
  UpdateIntx();
}

}  // namespace msirig::hba
