// PortState::Describe: stable names for addresses in violation texts. A pointer value differs
// between runs and builds (ASLR, allocators), so the same finding would print different text;
// the port names what it handed out instead, by adapter, SRB tag, pool block number and offset.
#include <algorithm>
#include <cstdio>
#include <string>

#include "port_state.h"

namespace msirig::sp {
namespace {

// `name`, plus "+0x<offset>" when `address` is inside [base, base + size) but not at base.
bool Within(const void* address, const void* base, size_t size, const std::string& name,
            std::string* out) {
  if (base == nullptr) return false;
  const auto a = reinterpret_cast<uintptr_t>(address);
  const auto b = reinterpret_cast<uintptr_t>(base);
  if (a < b || a - b >= std::max<size_t>(size, 1)) return false;
  *out = name;
  if (a != b) {
    char offset[32];
    std::snprintf(offset, sizeof offset, "+0x%zx", static_cast<size_t>(a - b));
    *out += offset;
  }
  return true;
}

std::string Tagged(const char* what, uint64_t tag, bool retired) {
  return std::string(what) + " tag " + std::to_string(tag) + (retired ? " (completed)" : "");
}

bool DescribeRequest(const void* address, const RequestRecord& r, bool retired, std::string* out) {
  return Within(address, r.srb.get(), sizeof(SCSI_REQUEST_BLOCK), Tagged("SRB", r.tag, retired),
                out) ||
         Within(address, r.data.get(), r.data_length,
                Tagged("data buffer of SRB", r.tag, retired), out) ||
         Within(address, r.srb_extension.get(), r.srb_extension_size,
                Tagged("SRB extension of SRB", r.tag, retired), out) ||
         Within(address, r.sense.get(), SENSE_BUFFER_SIZE,
                Tagged("sense buffer of SRB", r.tag, retired), out);
}

}  // namespace

std::string PortState::Describe(const void* address) const {
  if (address == nullptr) return "NULL";
  std::string out;
  for (const auto& adapter : adapters) {
    const Adapter& a = *adapter;
    const std::string name = "adapter " + std::to_string(a.id);
    if (Within(address, a.extension.get(), a.extension_size, name + " device extension", &out) ||
        Within(address, a.uncached.get(), a.uncached_size, name + " uncached extension", &out))
      return out;
    for (const auto& [key, lu] : a.lu_extensions) {
      char lu_name[64];
      std::snprintf(lu_name, sizeof lu_name, " LU extension %u/%u/%u", key >> 16,
                    (key >> 8) & 0xFF, key & 0xFF);
      if (Within(address, lu.get(), init_data.SpecificLuExtensionSize, name + lu_name, &out))
        return out;
    }
    for (const auto& [key, record] : a.requests) {
      if (DescribeRequest(address, record, false, &out)) return out;
    }
    for (const RequestRecord& record : a.graveyard) {
      if (DescribeRequest(address, record, true, &out)) return out;
    }
  }
  for (const auto* blocks : {&pool, &freed_pool}) {
    for (const auto& [block, info] : *blocks) {
      const std::string name = (blocks == &freed_pool ? "freed pool block #" : "pool block #") +
                               std::to_string(info.number);
      if (Within(address, block, info.size, name, &out)) return out;
      // Its guard (kPoolGuardBytes): an overrun, named by how far past the end it went.
      const auto* end = static_cast<const uint8_t*>(block) + info.size;
      if (Within(address, end, kPoolGuardBytes, "", &out)) {
        const auto past = static_cast<size_t>(static_cast<const uint8_t*>(address) - end);
        return name + " (" + std::to_string(info.size) + " bytes), " + std::to_string(past) +
               " bytes past its end";
      }
    }
  }
  for (const RegisterMapping& m : mappings) {
    if (Within(reinterpret_cast<const void*>(address), reinterpret_cast<const void*>(m.virtual_base),
               m.length,
               "adapter " + std::to_string(m.adapter->id) + " BAR" + std::to_string(m.bar) +
                   (m.io_space ? " (I/O)" : ""),
               &out))
      return out;
  }
  return "an address the port never handed out";
}

}  // namespace msirig::sp
