// PCI bus interface: the only contact between an emulated device and the emulated host.
//
// The device side (hba-model/) implements PciFunction; the host side (storport/, the emulated
// platform: root complex, memory, interrupt controller) implements HostBus and hands it to the
// device. Neither side knows anything else of the other, so a device model runs under the port
// driver, under a test harness, or under a device-only fuzz target alike.
#ifndef MSIRIG_HBA_PCI_BUS_H_
#define MSIRIG_HBA_PCI_BUS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace msirig::hba {

// What the emulated platform offers a device.
class HostBus {
 public:
  virtual ~HostBus() = default;

  // Bus-master DMA into emulated physical memory. Returns false, transferring nothing, when any
  // byte of [address, address + length) is not mapped for DMA; the device then reports the
  // access as an event and behaves as the NVMe/PCIe specifications say for a failed transfer.
  virtual bool DmaRead(uint64_t address, void* destination, size_t length) = 0;
  virtual bool DmaWrite(uint64_t address, const void* source, size_t length) = 0;

  // A message-signaled interrupt: the memory write of `data` to `address` that MSI or MSI-X
  // makes, tagged with the vector it came from (MSI-X table entry, or MSI message number).
  // The platform routes by `vector`; address and data are what the device's table held.
  virtual void SignalMsi(uint32_t vector, uint64_t address, uint32_t data) = 0;

  // The level of the INTx pin (level-triggered, active while asserted).
  virtual void SetIntx(bool asserted) = 0;

  // A named device-side event for the trace: guest misuse the device tolerated, or an injected
  // fault taking effect. `name` is a stable identifier such as "ub_doorbell_before_ready".
  virtual void DeviceEvent(std::string_view name, uint64_t arg0, uint64_t arg1) = 0;
};

// What a PCI function offers the platform. Sizes are 1, 2, 4 or 8 bytes.
class PciFunction {
 public:
  virtual ~PciFunction() = default;

  // Configuration space (PCI Local Bus 3.0 chapter 6 / PCIe 4.0 chapter 7): the standard header,
  // BAR sizing by writing all-ones, and the capability list (MSI, MSI-X).
  virtual uint32_t ConfigRead(uint16_t offset, unsigned size) = 0;
  virtual void ConfigWrite(uint16_t offset, unsigned size, uint32_t value) = 0;

  // Memory-space access to a BAR, at an offset inside it.
  virtual uint64_t MmioRead(unsigned bar, uint64_t offset, unsigned size) = 0;
  virtual void MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value) = 0;

  // Whether the function has work an interrupt would be for, whether or not its interrupt is
  // masked (a driver that masks INTx in its ISR still finds it). A function that cannot tell
  // says true; the platform only calls a claim spurious when a function says false.
  virtual bool InterruptCausePending() const { return true; }
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_PCI_BUS_H_
