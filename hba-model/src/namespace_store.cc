// NamespaceStore: sparse block storage.
#include "namespace_store.h"

#include <cstring>

namespace msirig::hba {

NamespaceStore::NamespaceStore(uint64_t size_blocks, uint32_t block_size_bytes)
    : size_blocks_(size_blocks), block_size_bytes_(block_size_bytes == 4096 ? 4096 : 512) {}

void NamespaceStore::Read(uint64_t lba, uint64_t count, uint8_t* destination) const {
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t* out = destination + i * block_size_bytes_;
    auto it = blocks_.find(lba + i);
    if (it == blocks_.end()) {
      std::memset(out, 0, block_size_bytes_);
    } else {
      std::memcpy(out, it->second.data(), block_size_bytes_);
    }
  }
}

void NamespaceStore::Write(uint64_t lba, uint64_t count, const uint8_t* source) {
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* in = source + i * block_size_bytes_;
    blocks_[lba + i].assign(in, in + block_size_bytes_);
  }
}

}  // namespace msirig::hba
