// Controller: the NVM command set, Read, Write and Flush (NVMe 1.4 chapter 6).
#include <vector>

#include "controller.h"

namespace msirig::hba {

using nvme::MakeStatus;

void Controller::ExecuteIo(uint16_t sqid, const nvme::SubmissionEntry& sqe) {
  uint16_t status = 0;
  const uint32_t namespaces = static_cast<uint32_t>(namespaces_.size());
  if (sqe.flags != 0) {  // fused operations and SGLs are not supported
    status = MakeStatus(0, nvme::sc::kInvalidField, true);
  } else {
    switch (sqe.opcode) {
      case nvme::io::kFlush:  // Flush: data is durable at once; NSID FFFFFFFFh means all
        if (sqe.nsid != 0xFFFFFFFF && (sqe.nsid == 0 || sqe.nsid > namespaces)) {
          status = MakeStatus(0, nvme::sc::kInvalidNamespace, true);
        }
        break;
      case nvme::io::kWrite:
        status = ReadWrite(sqe, /*write=*/true);
        break;
      case nvme::io::kRead:
        status = ReadWrite(sqe, /*write=*/false);
        break;
      default:
        status = MakeStatus(0, nvme::sc::kInvalidOpcode, true);
        break;
    }
  }
  Complete(sqid, sqe.cid, status, 0);
}

uint16_t Controller::ReadWrite(const nvme::SubmissionEntry& sqe, bool write) {
  if (sqe.nsid == 0 || sqe.nsid > namespaces_.size()) {
    return MakeStatus(0, nvme::sc::kInvalidNamespace, true);
  }
  NamespaceStore& ns = namespaces_[sqe.nsid - 1];
  const uint64_t slba = sqe.cdw10 | (uint64_t{sqe.cdw11} << 32);  // CDW10-11 Starting LBA
  const uint64_t blocks = (sqe.cdw12 & 0xFFFF) + 1;               // CDW12 15:00 NLB, 0's based
  if (slba >= ns.size_blocks() || blocks > ns.size_blocks() - slba) {
    return MakeStatus(0, nvme::sc::kLbaOutOfRange, true);
  }
  const uint64_t bytes = blocks * ns.block_size_bytes();
  // NVMe 1.4 5.15.2.1 MDTS, in units of CAP.MPSMIN (4 KiB): larger transfers are invalid.
  if (config_.mdts_pages_log2 != 0 && bytes > (4096ull << config_.mdts_pages_log2)) {
    return MakeStatus(0, nvme::sc::kInvalidField, true);
  }
  std::vector<uint8_t> buffer(bytes);
  if (write) {
    const uint16_t status = TransferFromHost(sqe, buffer.data(), bytes);
    if (status == 0) ns.Write(slba, blocks, buffer.data());
    return status;
  }
  ns.Read(slba, blocks, buffer.data());
  return TransferToHost(sqe, buffer.data(), bytes);
}

}  // namespace msirig::hba
