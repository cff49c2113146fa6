// TestDriver: a minimal NVMe host for tests: plays the PCI bus driver (BARs, command register,
// MSI/MSI-X programming) and a polled NVMe driver (admin and I/O queues, PRPs) over a FakeHost.
#ifndef MSIRIG_HBA_TESTING_TEST_DRIVER_H_
#define MSIRIG_HBA_TESTING_TEST_DRIVER_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "fake_host.h"
#include "msirig/hba/nvme_device.h"
#include "msirig/hba/nvme_spec.h"

namespace msirig::hba::testing {

enum class Irq { kNone, kIntx, kMsi, kMsix };

inline constexpr uint64_t kMemoryBase = 0x10000000;
inline constexpr uint64_t kMemorySize = 32ull << 20;
inline constexpr uint64_t kMsiAddress = 0xFEE00000;
inline constexpr uint32_t kMsiDataBase = 0x4000;

struct Queue {
  uint64_t base = 0;
  uint32_t entries = 0;
  uint32_t tail = 0;  // SQ: host's tail; CQ: unused
  uint32_t head = 0;  // CQ: host's head
  bool phase = true;
};

// (SCT << 8) | SC of a completion: 0 is success.
inline uint16_t SctSc(const nvme::CompletionEntry& cqe) {
  return static_cast<uint16_t>((nvme::StatusCodeType(cqe.status) << 8) |
                               nvme::StatusCode(cqe.status));
}
// A command specific status (SCT 1) in SctSc form.
constexpr uint16_t CmdSpecific(uint8_t sc) { return static_cast<uint16_t>(0x100 | sc); }

class TestDriver {
 public:
  TestDriver(NvmeDevice& device, FakeHost& host, uint32_t doorbell_stride_shift = 0)
      : device_(device), host_(host), dstrd_(doorbell_stride_shift) {
    host_.Map(kMemoryBase, kMemorySize);
  }

  // The PCI bus driver's part: memory decode, bus mastering, and the interrupt mode.
  void PciInit(Irq irq, uint32_t msi_mme_log2 = 0, uint32_t msix_vectors_to_unmask = 64) {
    device_.ConfigWrite(0x04, 2, 0x0006);  // Memory Space, Bus Master
    if (irq == Irq::kMsix) {
      for (uint32_t v = 0; v < msix_vectors_to_unmask; ++v) {
        const uint64_t entry = v * 16ull;
        device_.MmioWrite(kMsixBar, entry, 4, kMsiAddress);
        device_.MmioWrite(kMsixBar, entry + 4, 4, 0);
        device_.MmioWrite(kMsixBar, entry + 8, 4, kMsiDataBase + v);
        device_.MmioWrite(kMsixBar, entry + 12, 4, 0);  // unmask
      }
      device_.ConfigWrite(0x72, 2, 0x8000);  // MSI-X Enable
    } else if (irq == Irq::kMsi) {
      device_.ConfigWrite(0x54, 4, kMsiAddress);
      device_.ConfigWrite(0x58, 4, 0);
      device_.ConfigWrite(0x5C, 2, kMsiDataBase);
      device_.ConfigWrite(0x52, 2, static_cast<uint16_t>(0x0001 | (msi_mme_log2 << 4)));
    } else if (irq == Irq::kNone) {
      device_.ConfigWrite(0x04, 2, 0x0406);  // Interrupt Disable
    }
  }

  uint64_t Alloc(uint64_t bytes, uint64_t align = 4096) {
    next_ = (next_ + align - 1) & ~(align - 1);
    const uint64_t address = next_;
    next_ += bytes;
    return address;
  }
  uint8_t* Mem(uint64_t address, uint64_t length = 1) { return host_.At(address, length); }

  uint32_t Read32(uint32_t offset) {
    return static_cast<uint32_t>(device_.MmioRead(kRegisterBar, offset, 4));
  }
  void Write32(uint32_t offset, uint32_t value) {
    device_.MmioWrite(kRegisterBar, offset, 4, value);
  }

  // NVMe 1.4 7.6.1 initialization up to CSTS.RDY; queues of `admin_entries` entries.
  bool Enable(uint32_t admin_entries = 32, uint32_t mps = 0) {
    asq_ = Queue{Alloc(admin_entries * 64ull), admin_entries};
    acq_ = Queue{Alloc(admin_entries * 16ull), admin_entries};
    Write32(nvme::kRegAqa, ((admin_entries - 1) << 16) | (admin_entries - 1));
    device_.MmioWrite(kRegisterBar, nvme::kRegAsq, 8, asq_.base);
    device_.MmioWrite(kRegisterBar, nvme::kRegAcq, 8, acq_.base);
    Write32(nvme::kRegCc, nvme::cc::kEn | (mps << nvme::cc::kMpsShift) |
                              (6u << nvme::cc::kIosqesShift) | (4u << nvme::cc::kIocqesShift));
    device_.RunUntilIdle();
    return Read32(nvme::kRegCsts) & nvme::csts::kRdy;
  }

  Queue& sq(uint16_t qid) { return qid == 0 ? asq_ : io_sqs_.at(qid); }
  Queue& cq(uint16_t qid) { return qid == 0 ? acq_ : io_cqs_.at(qid); }

  // Writes the entry at the SQ tail and rings the doorbell; returns the command id.
  uint16_t Submit(uint16_t qid, nvme::SubmissionEntry sqe, bool ring = true) {
    Queue& q = sq(qid);
    sqe.cid = next_cid_++;
    std::memcpy(Mem(q.base + q.tail * 64ull, 64), &sqe, 64);
    q.tail = (q.tail + 1) % q.entries;
    if (ring) RingSq(qid);
    return sqe.cid;
  }
  void RingSq(uint16_t qid) {
    device_.MmioWrite(kRegisterBar, nvme::SqTailDoorbell(qid, dstrd_), 4, sq(qid).tail);
  }

  // The next new completion entry of a CQ (by phase tag), consumed, head doorbell rung.
  std::optional<nvme::CompletionEntry> Reap(uint16_t qid, bool ring = true) {
    Queue& q = cq(qid);
    nvme::CompletionEntry entry;
    std::memcpy(&entry, Mem(q.base + q.head * 16ull, 16), 16);
    if ((entry.status & 1) != (q.phase ? 1 : 0)) return std::nullopt;
    q.head = (q.head + 1) % q.entries;
    if (q.head == 0) q.phase = !q.phase;
    if (ring) RingCq(qid);
    return entry;
  }
  void RingCq(uint16_t qid) {
    device_.MmioWrite(kRegisterBar, nvme::CqHeadDoorbell(qid, dstrd_), 4, cq(qid).head);
  }

  // Submits, runs the device until idle, and reaps one completion from `cqid`.
  std::optional<nvme::CompletionEntry> Run(uint16_t sqid, const nvme::SubmissionEntry& sqe,
                                           uint16_t cqid) {
    Submit(sqid, sqe);
    device_.RunUntilIdle();
    return Reap(cqid);
  }
  std::optional<nvme::CompletionEntry> Admin(const nvme::SubmissionEntry& sqe) {
    return Run(0, sqe, 0);
  }

  uint16_t CreateCq(uint16_t qid, uint32_t entries, uint16_t vector, bool interrupts = true) {
    const uint64_t base = Alloc(entries * 16ull);
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::admin::kCreateIoCq;
    sqe.prp1 = base;
    sqe.cdw10 = ((entries - 1) << 16) | qid;
    sqe.cdw11 = (uint32_t{vector} << 16) | (interrupts ? 2u : 0u) | 1u;
    const auto cqe = Admin(sqe);
    if (!cqe) return 0xFFFF;
    if ((cqe->status & 0xFFFE) == 0) io_cqs_[qid] = Queue{base, entries};
    return SctSc(*cqe);
  }
  uint16_t CreateSq(uint16_t qid, uint32_t entries, uint16_t cqid) {
    const uint64_t base = Alloc(entries * 64ull);
    nvme::SubmissionEntry sqe{};
    sqe.opcode = nvme::admin::kCreateIoSq;
    sqe.prp1 = base;
    sqe.cdw10 = ((entries - 1) << 16) | qid;
    sqe.cdw11 = (uint32_t{cqid} << 16) | 1u;
    const auto cqe = Admin(sqe);
    if (!cqe) return 0xFFFF;
    if ((cqe->status & 0xFFFE) == 0) io_sqs_[qid] = Queue{base, entries};
    return SctSc(*cqe);
  }
  bool CreatePair(uint16_t qid, uint32_t entries, uint16_t vector, bool interrupts = true) {
    return CreateCq(qid, entries, vector, interrupts) == 0 && CreateSq(qid, entries, qid) == 0;
  }

  static nvme::SubmissionEntry ReadWriteCommand(bool write, uint32_t nsid, uint64_t lba,
                                                uint32_t blocks, uint64_t prp1, uint64_t prp2) {
    nvme::SubmissionEntry sqe{};
    sqe.opcode = write ? nvme::io::kWrite : nvme::io::kRead;
    sqe.nsid = nsid;
    sqe.prp1 = prp1;
    sqe.prp2 = prp2;
    sqe.cdw10 = static_cast<uint32_t>(lba);
    sqe.cdw11 = static_cast<uint32_t>(lba >> 32);
    sqe.cdw12 = blocks - 1;
    return sqe;
  }

 private:
  NvmeDevice& device_;
  FakeHost& host_;
  uint32_t dstrd_;
  uint64_t next_ = kMemoryBase;
  uint16_t next_cid_ = 1;
  Queue asq_;
  Queue acq_;
  std::map<uint16_t, Queue> io_sqs_;
  std::map<uint16_t, Queue> io_cqs_;
};

inline uint16_t StatusOf(const nvme::CompletionEntry& cqe) { return cqe.status & 0xFFFE; }
inline uint8_t ScOf(const nvme::CompletionEntry& cqe) { return nvme::StatusCode(cqe.status); }
inline uint8_t SctOf(const nvme::CompletionEntry& cqe) { return nvme::StatusCodeType(cqe.status); }

}  // namespace msirig::hba::testing

#endif  // MSIRIG_HBA_TESTING_TEST_DRIVER_H_
