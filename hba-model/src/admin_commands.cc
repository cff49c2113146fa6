// Controller: the Admin command set (NVMe 1.4 chapter 5).
#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "controller.h"
#include "prp.h"

namespace msirig::hba {
namespace {

using nvme::MakeStatus;

constexpr uint16_t kSuccess = 0;
constexpr uint16_t InvalidField() { return MakeStatus(0, nvme::sc::kInvalidField, true); }
constexpr uint16_t Specific(uint8_t sc) { return MakeStatus(1, sc, true); }

// ASCII fields are space padded, not NUL terminated (NVMe 1.4 5.15.2.1: SN, MN, FR).
void PutAscii(char* field, size_t size, std::string_view text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text.data(), std::min(size, text.size()));
}

constexpr uint8_t kAsyncEventLimit = 3;  // AERL, 0's based

}  // namespace

void Controller::ExecuteAdmin(const nvme::SubmissionEntry& sqe) {
  uint32_t dw0 = 0;
  uint16_t status = kSuccess;
  // NVMe 1.4 4.2: fused operations and SGLs (PSDT != 0) are not supported by this controller.
  if (sqe.flags != 0) {
    Complete(0, sqe.cid, InvalidField(), 0);
    return;
  }
  switch (sqe.opcode) {
    case nvme::admin::kDeleteIoSq:  // 5.6
      status = DeleteIoSq(sqe);
      break;
    case nvme::admin::kCreateIoSq:  // 5.4
      status = CreateIoSq(sqe);
      break;
    case nvme::admin::kGetLogPage:  // 5.14
      status = GetLogPage(sqe);
      break;
    case nvme::admin::kDeleteIoCq:  // 5.5
      status = DeleteIoCq(sqe);
      break;
    case nvme::admin::kCreateIoCq:  // 5.3
      status = CreateIoCq(sqe);
      break;
    case nvme::admin::kIdentify:  // 5.15
      status = Identify(sqe);
      break;
    case nvme::admin::kAbort:  // 5.1: "command not aborted" (DW0 bit 0 set) is always allowed
      dw0 = 1;
      break;
    case nvme::admin::kSetFeatures:  // 5.21
      status = SetFeatures(sqe, &dw0);
      break;
    case nvme::admin::kGetFeatures:  // 5.13
      status = GetFeatures(sqe, &dw0);
      break;
    case nvme::admin::kAsyncEventRequest:  // 5.2: held; this model never raises an event
      if (held_async_events_.size() <= kAsyncEventLimit) {
        held_async_events_.push_back(sqe.cid);
        return;
      }
      status = Specific(0x05);  // Asynchronous Event Request Limit Exceeded
      break;
    default:
      status = MakeStatus(0, nvme::sc::kInvalidOpcode, true);
      break;
  }
  Complete(0, sqe.cid, status, dw0);
}

bool Controller::InterruptVectorValid(uint32_t vector) const {
  if (pci_.has_msix()) return vector < pci_.msix_table_size();
  if (pci_.has_msi()) return vector < pci_.msi_capable_count();
  return vector == 0;  // NVMe 1.4 7.5.1: pin-based interrupts use vector 0 only
}

// NVMe 1.4 5.3 Create I/O Completion Queue.
uint16_t Controller::CreateIoCq(const nvme::SubmissionEntry& sqe) {
  const uint32_t qid = sqe.cdw10 & 0xFFFF;
  const uint32_t entries = (sqe.cdw10 >> 16) + 1;
  const bool contiguous = sqe.cdw11 & 1;
  const bool interrupts = sqe.cdw11 & 2;
  const uint32_t vector = sqe.cdw11 >> 16;
  if (((regs_.cc >> nvme::cc::kIocqesShift) & 0xF) != 4) {
    // 3.1.5: CC.IOCQES must be 4 (16 bytes). Departure: checked here rather than at enable.
    Event("ub_iocqes_not_set", regs_.cc);
    return InvalidField();
  }
  if (qid == 0 || qid > cqs_allocated_ || qid > max_qid() || cqs_[qid].exists) {
    return Specific(nvme::sc::kInvalidQueueIdentifier);
  }
  if (entries < 2 || entries > config_.max_queue_entries) {
    return Specific(nvme::sc::kInvalidQueueSize);
  }
  if (!contiguous) return InvalidField();  // CAP.CQR=1
  if (sqe.prp1 & (page_size() - 1)) return MakeStatus(0, nvme::sc::kPrpOffsetInvalid, true);
  if (interrupts && !InterruptVectorValid(vector)) {
    return Specific(nvme::sc::kInvalidInterruptVector);
  }
  CompletionQueue cq;
  cq.exists = true;
  cq.base = sqe.prp1;
  cq.size = entries;
  cq.interrupts_enabled = interrupts;
  cq.vector = static_cast<uint16_t>(vector);
  cqs_[qid] = cq;
  io_queue_created_ = true;
  return kSuccess;
}

// NVMe 1.4 5.4 Create I/O Submission Queue.
uint16_t Controller::CreateIoSq(const nvme::SubmissionEntry& sqe) {
  const uint32_t qid = sqe.cdw10 & 0xFFFF;
  const uint32_t entries = (sqe.cdw10 >> 16) + 1;
  const bool contiguous = sqe.cdw11 & 1;
  const uint32_t cqid = sqe.cdw11 >> 16;
  if (((regs_.cc >> nvme::cc::kIosqesShift) & 0xF) != 6) {
    Event("ub_iosqes_not_set", regs_.cc);  // 3.1.5: CC.IOSQES must be 6 (64 bytes) by now
    return InvalidField();
  }
  if (cqid == 0 || cqid > max_qid() || !cqs_[cqid].exists) {
    return Specific(nvme::sc::kCompletionQueueInvalid);
  }
  if (qid == 0 || qid > sqs_allocated_ || qid > max_qid() || sqs_[qid].exists) {
    return Specific(nvme::sc::kInvalidQueueIdentifier);
  }
  if (entries < 2 || entries > config_.max_queue_entries) {
    return Specific(nvme::sc::kInvalidQueueSize);
  }
  if (!contiguous) return InvalidField();
  if (sqe.prp1 & (page_size() - 1)) return MakeStatus(0, nvme::sc::kPrpOffsetInvalid, true);
  sqs_[qid] = SubmissionQueue{true, sqe.prp1, entries, 0, 0, static_cast<uint16_t>(cqid)};
  io_queue_created_ = true;
  return kSuccess;
}

// NVMe 1.4 5.6 Delete I/O Submission Queue. Commands still in the queue are never fetched;
// commands already executed keep their completions.
uint16_t Controller::DeleteIoSq(const nvme::SubmissionEntry& sqe) {
  const uint32_t qid = sqe.cdw10 & 0xFFFF;
  if (qid == 0 || qid > max_qid() || !sqs_[qid].exists) {
    return Specific(nvme::sc::kInvalidQueueIdentifier);
  }
  sqs_[qid] = SubmissionQueue{};
  return kSuccess;
}

// NVMe 1.4 5.5 Delete I/O Completion Queue: refused while a submission queue still uses it.
uint16_t Controller::DeleteIoCq(const nvme::SubmissionEntry& sqe) {
  const uint32_t qid = sqe.cdw10 & 0xFFFF;
  if (qid == 0 || qid > max_qid() || !cqs_[qid].exists) {
    return Specific(nvme::sc::kInvalidQueueIdentifier);
  }
  for (const SubmissionQueue& sq : sqs_) {
    if (sq.exists && sq.cqid == qid) return Specific(nvme::sc::kInvalidQueueDeletion);
  }
  cqs_[qid] = CompletionQueue{};
  ClearConsumedInterruptStatus();
  return kSuccess;
}

// NVMe 1.4 5.15 Identify.
uint16_t Controller::Identify(const nvme::SubmissionEntry& sqe) {
  const uint8_t cns = sqe.cdw10 & 0xFF;
  std::vector<uint8_t> data(4096, 0);
  const uint32_t namespaces = static_cast<uint32_t>(namespaces_.size());
  switch (cns) {
    case nvme::cns::kController: {
      nvme::IdentifyController id{};
      id.vid = config_.pci_vendor_id;
      id.ssvid = config_.pci_subsystem_vendor_id;
      PutAscii(id.sn, sizeof(id.sn), "MSIRIG-0001");
      PutAscii(id.mn, sizeof(id.mn), "msirig emulated NVMe controller");
      PutAscii(id.fr, sizeof(id.fr), "1.0");
      id.rab = 6;
      id.mdts = config_.mdts_pages_log2;
      id.ver = regs_.vs;
      id.acl = 3;
      id.aerl = kAsyncEventLimit;
      id.sqes = 0x66;  // required and maximum 64 bytes
      id.cqes = 0x44;  // 16 bytes
      id.nn = namespaces;
      id.vwc = 1;           // volatile write cache present: Flush is meaningful
      id.psd[0][0] = 0xC4;  // power state 0 maximum power 25.00 W (2500 centiwatts)
      id.psd[0][1] = 0x09;
      const std::string_view nqn = "nqn.2026-01.io.msirig:nvme:0001";
      std::memcpy(id.subnqn, nqn.data(), nqn.size());
      std::memcpy(data.data(), &id, sizeof(id));
      break;
    }
    case nvme::cns::kNamespace: {
      if (sqe.nsid == 0 || sqe.nsid > namespaces) {
        return MakeStatus(0, nvme::sc::kInvalidNamespace, true);
      }
      const NamespaceStore& ns = namespaces_[sqe.nsid - 1];
      nvme::IdentifyNamespace id{};
      id.nsze = id.ncap = id.nuse = ns.size_blocks();
      id.nlbaf = 1;  // two formats: 512 and 4096 bytes
      id.flbas = ns.lba_format_index();
      id.lbaf[0] = nvme::LbaFormat{0, 9, 0};
      id.lbaf[1] = nvme::LbaFormat{0, 12, 0};
      std::memcpy(data.data(), &id, sizeof(id));
      break;
    }
    case nvme::cns::kActiveNamespaceList: {
      if (sqe.nsid >= 0xFFFFFFFE) return MakeStatus(0, nvme::sc::kInvalidNamespace, true);
      size_t at = 0;
      for (uint32_t nsid = sqe.nsid + 1; nsid <= namespaces && at < 1024; ++nsid, ++at) {
        std::memcpy(data.data() + at * 4, &nsid, 4);
      }
      break;
    }
    default:
      return InvalidField();
  }
  return TransferToHost(sqe, data.data(), data.size());
}

// NVMe 1.4 5.14 Get Log Page: error information, SMART / health and firmware slot pages exist
// and hold nothing of note (composite temperature 310 K); other pages are invalid.
uint16_t Controller::GetLogPage(const nvme::SubmissionEntry& sqe) {
  const uint8_t lid = sqe.cdw10 & 0xFF;
  const uint64_t dwords = ((sqe.cdw10 >> 16) | (uint64_t{sqe.cdw11 & 0xFFFF} << 16)) + 1;
  if (lid < 1 || lid > 3) return InvalidField();
  const uint64_t length = std::min<uint64_t>(dwords * 4, 64 * 1024);
  std::vector<uint8_t> data(length, 0);
  if (lid == 2 && length >= 3) {
    data[1] = 310 & 0xFF;
    data[2] = 310 >> 8;
  }
  return TransferToHost(sqe, data.data(), data.size());
}

// NVMe 1.4 5.21 Set Features.
uint16_t Controller::SetFeatures(const nvme::SubmissionEntry& sqe, uint32_t* dw0) {
  const uint8_t fid = sqe.cdw10 & 0xFF;
  switch (fid) {
    case nvme::feature::kNumberOfQueues: {  // 5.21.1.7
      const uint32_t nsqr = sqe.cdw11 & 0xFFFF;
      const uint32_t ncqr = sqe.cdw11 >> 16;
      if (nsqr == 0xFFFF || ncqr == 0xFFFF) return InvalidField();
      // Only before the first I/O queue is created; afterwards it is a sequence error.
      if (io_queue_created_) return MakeStatus(0, nvme::sc::kCommandSequenceError, true);
      sqs_allocated_ = std::min(nsqr + 1, config_.io_queue_pairs_max);
      cqs_allocated_ = std::min(ncqr + 1, config_.io_queue_pairs_max);
      *dw0 = ((cqs_allocated_ - 1) << 16) | (sqs_allocated_ - 1);
      return kSuccess;
    }
    case nvme::feature::kInterruptCoalescing:  // 5.21.1.8: TIME 15:08 (100 us), THR 07:00
      coalescing_ = sqe.cdw11 & 0xFFFF;
      return kSuccess;
    case nvme::feature::kInterruptVectorConfig: {  // 5.21.1.9: IV 15:00, CD 16
      const uint32_t vector = sqe.cdw11 & 0xFFFF;
      if (!InterruptVectorValid(vector)) return InvalidField();
      coalescing_disabled_[vector] = (sqe.cdw11 >> 16) & 1;
      return kSuccess;
    }
    case nvme::feature::kArbitration:
    case nvme::feature::kPowerManagement:
    case nvme::feature::kTemperatureThreshold:
    case nvme::feature::kErrorRecovery:
    case nvme::feature::kVolatileWriteCache:
    case nvme::feature::kWriteAtomicity:
    case nvme::feature::kAsyncEventConfig:
      features_[fid] = sqe.cdw11;
      return kSuccess;
    default:
      return InvalidField();
  }
}

// NVMe 1.4 5.13 Get Features (the current value whatever SEL asks: no saved values exist).
uint16_t Controller::GetFeatures(const nvme::SubmissionEntry& sqe, uint32_t* dw0) {
  const uint8_t fid = sqe.cdw10 & 0xFF;
  switch (fid) {
    case nvme::feature::kNumberOfQueues:
      *dw0 = ((cqs_allocated_ - 1) << 16) | (sqs_allocated_ - 1);
      return kSuccess;
    case nvme::feature::kInterruptCoalescing:
      *dw0 = coalescing_;
      return kSuccess;
    case nvme::feature::kInterruptVectorConfig: {
      const uint32_t vector = sqe.cdw11 & 0xFFFF;
      if (!InterruptVectorValid(vector)) return InvalidField();
      *dw0 = vector | (coalescing_disabled_[vector] ? 1u << 16 : 0);
      return kSuccess;
    }
    case nvme::feature::kArbitration:
    case nvme::feature::kPowerManagement:
    case nvme::feature::kTemperatureThreshold:
    case nvme::feature::kErrorRecovery:
    case nvme::feature::kVolatileWriteCache:
    case nvme::feature::kWriteAtomicity:
    case nvme::feature::kAsyncEventConfig:
      *dw0 = features_[fid];
      return kSuccess;
    default:
      return InvalidField();
  }
}

uint16_t Controller::TransferToHost(const nvme::SubmissionEntry& sqe, const void* data,
                                    uint64_t length) {
  const PrpResult prps =
      WalkPrps(sqe.prp1, sqe.prp2, length, page_size(),
               [this](uint64_t a, void* d, size_t n) { return DmaRead(a, d, n); });
  if (prps.status != 0) {
    Event(prps.event, prps.event_arg, sqe.cid);
    return prps.status;
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (const DmaSegment& segment : prps.segments) {
    if (!DmaWrite(segment.address, bytes, segment.length)) {
      Event("ub_dma_unmapped_data", segment.address, segment.length);
      return MakeStatus(0, nvme::sc::kDataTransferError, true);
    }
    bytes += segment.length;
  }
  return kSuccess;
}

uint16_t Controller::TransferFromHost(const nvme::SubmissionEntry& sqe, void* data,
                                      uint64_t length) {
  const PrpResult prps =
      WalkPrps(sqe.prp1, sqe.prp2, length, page_size(),
               [this](uint64_t a, void* d, size_t n) { return DmaRead(a, d, n); });
  if (prps.status != 0) {
    Event(prps.event, prps.event_arg, sqe.cid);
    return prps.status;
  }
  auto* bytes = static_cast<uint8_t*>(data);
  for (const DmaSegment& segment : prps.segments) {
    if (!DmaRead(segment.address, bytes, segment.length)) {
      Event("ub_dma_unmapped_data", segment.address, segment.length);
      return MakeStatus(0, nvme::sc::kDataTransferError, true);
    }
    bytes += segment.length;
  }
  return kSuccess;
}

}  // namespace msirig::hba
