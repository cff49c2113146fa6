// DeviceConfig: what kind of NVMe controller the model is (plain data, chosen by the scenario).
#ifndef MSIRIG_HBA_DEVICE_CONFIG_H_
#define MSIRIG_HBA_DEVICE_CONFIG_H_

#include <cstdint>
#include <vector>

namespace msirig::hba {

struct NamespaceConfig {
  uint64_t size_blocks = 1u << 21;  // NSZE = NCAP (default 1 GiB of 512-byte blocks)
  uint32_t block_size_bytes = 512;  // 512 or 4096: selects LBA format 0 or 1 (FLBAS)
};

struct DeviceConfig {
  // PCI identity (PCI 3.0 6.2.1). Defaults are QEMU's NVMe identity: it is an emulated device.
  uint16_t pci_vendor_id = 0x1B36;
  uint16_t pci_device_id = 0x0010;
  uint16_t pci_subsystem_vendor_id = 0x1AF4;
  uint16_t pci_subsystem_id = 0x1100;
  uint8_t pci_revision = 0x02;

  // Interrupt capabilities. msix_vectors is the MSI-X Table Size (1..2048); msi_messages is the
  // MSI Multiple Message Capable count (1, 2, 4, 8, 16 or 32; other values round down).
  bool has_msix = true;
  bool has_msi = true;
  uint32_t msix_vectors = 16;
  uint32_t msi_messages = 32;

  // Controller capabilities (NVMe 1.4 3.1.1 CAP). max_queue_entries is CAP.MQES + 1 (2..65536).
  uint32_t max_queue_entries = 1024;
  uint32_t doorbell_stride_shift = 0;  // CAP.DSTRD: stride is 4 << shift bytes (0..8 here)
  uint8_t timeout_500ms = 20;          // CAP.TO, in 500 ms units
  uint32_t io_queue_pairs_max = 16;    // Number of Queues feature upper bound (1..64)
  uint8_t mdts_pages_log2 = 5;         // Identify MDTS: 2^n 4 KiB pages per command (0 = none)

  // Virtual-time latencies of the enable/reset/shutdown handshakes (NVMe 1.4 7.6).
  uint64_t ready_latency_ns = 0;     // CC.EN 0->1 until CSTS.RDY=1 (and 1->0 until RDY=0)
  uint64_t shutdown_latency_ns = 0;  // CC.SHN until CSTS.SHST=complete

  std::vector<NamespaceConfig> namespaces = {NamespaceConfig{}};
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_DEVICE_CONFIG_H_
