// FakeHost: a HostBus for tests and the device-only fuzz target. It maps a few regions of
// emulated physical memory for DMA and records every message, INTx change and device event.
#ifndef MSIRIG_HBA_TESTING_FAKE_HOST_H_
#define MSIRIG_HBA_TESTING_FAKE_HOST_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "msirig/hba/pci_bus.h"

namespace msirig::hba::testing {

// Tests define this to check each event name against device_events.def; the fuzz target does
// not need it (weak: absent means no check).
void CheckListedEvent(std::string_view name) __attribute__((weak));

struct MsiRecord {
  uint32_t vector;
  uint64_t address;
  uint32_t data;
};

struct EventRecord {
  std::string name;
  uint64_t arg0;
  uint64_t arg1;
};

class FakeHost : public HostBus {
 public:
  // Maps [address, address + size) for DMA, zero filled.
  void Map(uint64_t address, uint64_t size) { regions_[address].assign(size, 0); }
  void UnmapAll() { regions_.clear(); }

  // The bytes of [address, address + length) when all of it is mapped, else nullptr.
  uint8_t* At(uint64_t address, uint64_t length) {
    auto it = regions_.upper_bound(address);
    if (it == regions_.begin()) return nullptr;
    --it;
    const uint64_t offset = address - it->first;
    if (offset > it->second.size() || length > it->second.size() - offset) return nullptr;
    return it->second.data() + offset;
  }

  bool DmaRead(uint64_t address, void* destination, size_t length) override {
    uint8_t* p = At(address, length);
    if (p == nullptr) return false;
    if (length != 0) std::memcpy(destination, p, length);
    return true;
  }
  bool DmaWrite(uint64_t address, const void* source, size_t length) override {
    uint8_t* p = At(address, length);
    if (p == nullptr) return false;
    if (length != 0) std::memcpy(p, source, length);
    return true;
  }
  void SignalMsi(uint32_t vector, uint64_t address, uint32_t data) override {
    msis.push_back({vector, address, data});
  }
  void SetIntx(bool asserted) override {
    intx = asserted;
    ++intx_changes;
  }
  void DeviceEvent(std::string_view name, uint64_t arg0, uint64_t arg1) override {
    if (CheckListedEvent != nullptr) CheckListedEvent(name);
    ++event_count;
    if (record_events) events.push_back({std::string(name), arg0, arg1});
  }

  size_t CountEvents(std::string_view name) const {
    size_t n = 0;
    for (const EventRecord& e : events) n += e.name == name;
    return n;
  }
  bool HasEvent(std::string_view name) const { return CountEvents(name) != 0; }
  const EventRecord* FindEvent(std::string_view name) const {
    for (const EventRecord& e : events) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
  size_t CountMsis(uint32_t vector) const {
    size_t n = 0;
    for (const MsiRecord& m : msis) n += m.vector == vector;
    return n;
  }

  bool record_events = true;  // the fuzz target only counts them unless asked to print
  uint64_t event_count = 0;
  std::vector<MsiRecord> msis;
  std::vector<EventRecord> events;
  bool intx = false;
  uint64_t intx_changes = 0;

 private:
  std::map<uint64_t, std::vector<uint8_t>> regions_;
};

}  // namespace msirig::hba::testing

#endif  // MSIRIG_HBA_TESTING_FAKE_HOST_H_
