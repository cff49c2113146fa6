// NamespaceStore: the data of one NVM namespace, sparse (NVMe 1.4 6.1), so a 1 GiB namespace
// costs nothing until written. Unwritten blocks read as zeros (NVMe 1.4 6.7.1.1 allows any value
// for unwritten LBAs with DLFEAT 0; zeros keep tests exact).
#ifndef MSIRIG_HBA_SRC_NAMESPACE_STORE_H_
#define MSIRIG_HBA_SRC_NAMESPACE_STORE_H_

#include <cstdint>
#include <map>
#include <vector>

namespace msirig::hba {

class NamespaceStore {
 public:
  NamespaceStore(uint64_t size_blocks, uint32_t block_size_bytes);

  uint64_t size_blocks() const { return size_blocks_; }
  uint32_t block_size_bytes() const { return block_size_bytes_; }
  uint8_t lba_format_index() const { return block_size_bytes_ == 4096 ? 1 : 0; }
  uint64_t blocks_written() const { return blocks_.size(); }

  // The caller has checked the range against size_blocks().
  void Read(uint64_t lba, uint64_t count, uint8_t* destination) const;
  void Write(uint64_t lba, uint64_t count, const uint8_t* source);

 private:
  uint64_t size_blocks_;
  uint32_t block_size_bytes_;
  std::map<uint64_t, std::vector<uint8_t>> blocks_;
};

}  // namespace msirig::hba

#endif  // MSIRIG_HBA_SRC_NAMESPACE_STORE_H_
