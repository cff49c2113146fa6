// NVMe base specification 1.4 data layouts the device model and its tests share: the controller
// register file (chapter 3), submission and completion queue entries (chapter 4), status codes,
// opcodes, and the Identify data structures (chapter 5). Every layout is checked at compile time.
#ifndef MSIRIG_HBA_NVME_SPEC_H_
#define MSIRIG_HBA_NVME_SPEC_H_

#include <cstddef>
#include <cstdint>

namespace msirig::hba::nvme {

// NVMe 1.4 3.1 Controller registers, in specification order. The model keeps its
// register state in this struct; MMIO reads copy bytes out of it.
struct ControllerRegisters {
  uint64_t cap;     // 00h CAP    3.1.1  Controller Capabilities (RO)
  uint32_t vs;      // 08h VS     3.1.2  Version (RO)
  uint32_t intms;   // 0Ch INTMS  3.1.3  Interrupt Mask Set (RW1S)
  uint32_t intmc;   // 10h INTMC  3.1.4  Interrupt Mask Clear (RW1C)
  uint32_t cc;      // 14h CC     3.1.5  Controller Configuration (RW)
  uint32_t rsvd18;  // 18h        Reserved
  uint32_t csts;    // 1Ch CSTS   3.1.6  Controller Status (RO)
  uint32_t nssr;    // 20h NSSR   3.1.7  NVM Subsystem Reset (optional, not supported: reads 0)
  uint32_t aqa;     // 24h AQA    3.1.8  Admin Queue Attributes (RW)
  uint64_t asq;     // 28h ASQ    3.1.9  Admin Submission Queue Base Address (RW)
  uint64_t acq;     // 30h ACQ    3.1.10 Admin Completion Queue Base Address (RW)
  uint32_t cmbloc;  // 38h CMBLOC 3.1.11 (no controller memory buffer: 0)
  uint32_t cmbsz;   // 3Ch CMBSZ  3.1.12 (0)
  uint8_t rsvd40[0x1000 - 0x40];  // 40h..FFFh: boot partition, PMR, command set specific: 0
};
static_assert(offsetof(ControllerRegisters, cap) == 0x00);
static_assert(offsetof(ControllerRegisters, vs) == 0x08);
static_assert(offsetof(ControllerRegisters, intms) == 0x0C);
static_assert(offsetof(ControllerRegisters, intmc) == 0x10);
static_assert(offsetof(ControllerRegisters, cc) == 0x14);
static_assert(offsetof(ControllerRegisters, csts) == 0x1C);
static_assert(offsetof(ControllerRegisters, nssr) == 0x20);
static_assert(offsetof(ControllerRegisters, aqa) == 0x24);
static_assert(offsetof(ControllerRegisters, asq) == 0x28);
static_assert(offsetof(ControllerRegisters, acq) == 0x30);
static_assert(offsetof(ControllerRegisters, cmbloc) == 0x38);
static_assert(offsetof(ControllerRegisters, cmbsz) == 0x3C);
static_assert(sizeof(ControllerRegisters) == 0x1000);

// Register offsets, for drivers and tests (NVMe 1.4 3.1).
inline constexpr uint32_t kRegCap = 0x00;
inline constexpr uint32_t kRegVs = 0x08;
inline constexpr uint32_t kRegIntms = 0x0C;
inline constexpr uint32_t kRegIntmc = 0x10;
inline constexpr uint32_t kRegCc = 0x14;
inline constexpr uint32_t kRegCsts = 0x1C;
inline constexpr uint32_t kRegNssr = 0x20;
inline constexpr uint32_t kRegAqa = 0x24;
inline constexpr uint32_t kRegAsq = 0x28;
inline constexpr uint32_t kRegAcq = 0x30;
// NVMe 1.4 3.1.24/3.1.25: SQyTDBL at 1000h + (2y * (4 << CAP.DSTRD)), CQyHDBL at
// 1000h + ((2y + 1) * (4 << CAP.DSTRD)).
inline constexpr uint32_t kDoorbellBase = 0x1000;
constexpr uint64_t SqTailDoorbell(uint32_t qid, uint32_t dstrd) {
  return kDoorbellBase + (2ull * qid) * (4ull << dstrd);
}
constexpr uint64_t CqHeadDoorbell(uint32_t qid, uint32_t dstrd) {
  return kDoorbellBase + (2ull * qid + 1) * (4ull << dstrd);
}

// NVMe 1.4 3.1.1 CAP fields.
namespace cap {
inline constexpr uint64_t kMqesMask = 0xFFFF;  // 15:00 Maximum Queue Entries Supported (0's based)
inline constexpr uint64_t kCqr = 1ull << 16;   // Contiguous Queues Required
inline constexpr int kToShift = 24;            // 31:24 Timeout, 500 ms units
inline constexpr int kDstrdShift = 32;         // 35:32 Doorbell Stride
inline constexpr uint64_t kCssNvm = 1ull << 37;  // 44:37 bit 0: NVM command set
inline constexpr int kMpsminShift = 48;          // 51:48 Memory Page Size Minimum (2^(12+n))
inline constexpr int kMpsmaxShift = 52;          // 55:52 Memory Page Size Maximum
}  // namespace cap

// NVMe 1.4 3.1.5 CC fields.
namespace cc {
inline constexpr uint32_t kEn = 1u << 0;
inline constexpr int kCssShift = 4;      // 06:04 I/O Command Set Selected
inline constexpr int kMpsShift = 7;      // 10:07 Memory Page Size (2^(12+MPS))
inline constexpr int kAmsShift = 11;     // 13:11 Arbitration Mechanism Selected
inline constexpr int kShnShift = 14;     // 15:14 Shutdown Notification
inline constexpr int kIosqesShift = 16;  // 19:16 I/O SQ Entry Size (2^n)
inline constexpr int kIocqesShift = 20;  // 23:20 I/O CQ Entry Size (2^n)
inline constexpr uint32_t kWritableMask = 0x00FFFFF1;
}  // namespace cc

// NVMe 1.4 3.1.6 CSTS fields.
namespace csts {
inline constexpr uint32_t kRdy = 1u << 0;
inline constexpr uint32_t kCfs = 1u << 1;
inline constexpr int kShstShift = 2;  // 03:02 Shutdown Status
inline constexpr uint32_t kShstMask = 3u << 2;
inline constexpr uint32_t kShstOccurring = 1u << 2;
inline constexpr uint32_t kShstComplete = 2u << 2;
}  // namespace csts

// NVMe 1.4 4.2 Submission Queue Entry, 64 bytes.
struct SubmissionEntry {
  uint8_t opcode;  // CDW0 07:00
  uint8_t flags;   // CDW0 15:08: FUSE 09:08, PSDT 15:14 (0 = PRPs)
  uint16_t cid;    // CDW0 31:16 Command Identifier
  uint32_t nsid;   // CDW1
  uint32_t cdw2;
  uint32_t cdw3;
  uint64_t mptr;  // CDW4-5 Metadata Pointer
  uint64_t prp1;  // CDW6-7 Data Pointer, PRP Entry 1
  uint64_t prp2;  // CDW8-9 PRP Entry 2
  uint32_t cdw10;
  uint32_t cdw11;
  uint32_t cdw12;
  uint32_t cdw13;
  uint32_t cdw14;
  uint32_t cdw15;
};
static_assert(sizeof(SubmissionEntry) == 64);
static_assert(offsetof(SubmissionEntry, cid) == 2);
static_assert(offsetof(SubmissionEntry, prp1) == 24);
static_assert(offsetof(SubmissionEntry, cdw10) == 40);

// NVMe 1.4 4.6 Completion Queue Entry, 16 bytes.
struct CompletionEntry {
  uint32_t dw0;      // command specific
  uint32_t dw1;      // reserved
  uint16_t sq_head;  // DW2 15:00 SQ Head Pointer
  uint16_t sq_id;    // DW2 31:16 SQ Identifier
  uint16_t cid;      // DW3 15:00 Command Identifier
  uint16_t status;   // DW3 31:16: bit 0 Phase Tag, 15:01 Status Field (4.6.1)
};
static_assert(sizeof(CompletionEntry) == 16);
static_assert(offsetof(CompletionEntry, sq_head) == 8);
static_assert(offsetof(CompletionEntry, cid) == 12);
static_assert(offsetof(CompletionEntry, status) == 14);

// NVMe 1.4 4.6.1 Status Field: SC 08:01, SCT 11:09, M 14, DNR 15 (bit 0 is the phase tag).
constexpr uint16_t MakeStatus(uint8_t sct, uint8_t sc, bool dnr = false) {
  return static_cast<uint16_t>((sc << 1) | ((sct & 7) << 9) | (dnr ? 0x8000 : 0));
}
constexpr uint8_t StatusCode(uint16_t status) { return static_cast<uint8_t>(status >> 1); }
constexpr uint8_t StatusCodeType(uint16_t status) { return (status >> 9) & 7; }

// NVMe 1.4 4.6.1.2.1 Generic Command Status (SCT 0), and 4.6.1.2.2 Command Specific (SCT 1).
namespace sc {
inline constexpr uint8_t kSuccess = 0x00;
inline constexpr uint8_t kInvalidOpcode = 0x01;
inline constexpr uint8_t kInvalidField = 0x02;
inline constexpr uint8_t kDataTransferError = 0x04;
inline constexpr uint8_t kAbortRequested = 0x07;
inline constexpr uint8_t kAbortedSqDeletion = 0x08;
inline constexpr uint8_t kInvalidNamespace = 0x0B;
inline constexpr uint8_t kCommandSequenceError = 0x0C;
inline constexpr uint8_t kPrpOffsetInvalid = 0x13;
inline constexpr uint8_t kLbaOutOfRange = 0x80;
// SCT 1
inline constexpr uint8_t kCompletionQueueInvalid = 0x00;
inline constexpr uint8_t kInvalidQueueIdentifier = 0x01;
inline constexpr uint8_t kInvalidQueueSize = 0x02;
inline constexpr uint8_t kInvalidInterruptVector = 0x08;
inline constexpr uint8_t kInvalidQueueDeletion = 0x0C;
}  // namespace sc

// NVMe 1.4 5 Admin Command Set opcodes.
namespace admin {
inline constexpr uint8_t kDeleteIoSq = 0x00;
inline constexpr uint8_t kCreateIoSq = 0x01;
inline constexpr uint8_t kGetLogPage = 0x02;
inline constexpr uint8_t kDeleteIoCq = 0x04;
inline constexpr uint8_t kCreateIoCq = 0x05;
inline constexpr uint8_t kIdentify = 0x06;
inline constexpr uint8_t kAbort = 0x08;
inline constexpr uint8_t kSetFeatures = 0x09;
inline constexpr uint8_t kGetFeatures = 0x0A;
inline constexpr uint8_t kAsyncEventRequest = 0x0C;
}  // namespace admin

// NVMe 1.4 chapter 6 NVM Command Set opcodes.
namespace io {
inline constexpr uint8_t kFlush = 0x00;
inline constexpr uint8_t kWrite = 0x01;
inline constexpr uint8_t kRead = 0x02;
}  // namespace io

// NVMe 1.4 5.15.1 Identify CNS values.
namespace cns {
inline constexpr uint8_t kNamespace = 0x00;
inline constexpr uint8_t kController = 0x01;
inline constexpr uint8_t kActiveNamespaceList = 0x02;
}  // namespace cns

// NVMe 1.4 5.21.1 Feature identifiers the model implements.
namespace feature {
inline constexpr uint8_t kArbitration = 0x01;
inline constexpr uint8_t kPowerManagement = 0x02;
inline constexpr uint8_t kTemperatureThreshold = 0x04;
inline constexpr uint8_t kErrorRecovery = 0x05;
inline constexpr uint8_t kVolatileWriteCache = 0x06;
inline constexpr uint8_t kNumberOfQueues = 0x07;
inline constexpr uint8_t kInterruptCoalescing = 0x08;
inline constexpr uint8_t kInterruptVectorConfig = 0x09;
inline constexpr uint8_t kWriteAtomicity = 0x0A;
inline constexpr uint8_t kAsyncEventConfig = 0x0B;
}  // namespace feature

// NVMe 1.4 5.15.2.1 Identify Controller data structure, fields a driver uses.
struct IdentifyController {
  uint16_t vid;     // 01:00 PCI Vendor ID
  uint16_t ssvid;   // 03:02 PCI Subsystem Vendor ID
  char sn[20];      // 23:04 Serial Number
  char mn[40];      // 63:24 Model Number
  char fr[8];       // 71:64 Firmware Revision
  uint8_t rab;      // 72 Recommended Arbitration Burst
  uint8_t ieee[3];  // 75:73 IEEE OUI
  uint8_t cmic;     // 76
  uint8_t mdts;     // 77 Maximum Data Transfer Size (2^n pages of CAP.MPSMIN, 0 = none)
  uint16_t cntlid;  // 79:78 Controller ID
  uint32_t ver;     // 83:80 Version
  uint32_t rtd3r;   // 87:84
  uint32_t rtd3e;   // 91:88
  uint32_t oaes;    // 95:92
  uint32_t ctratt;  // 99:96
  uint8_t rsvd100[256 - 100];
  uint16_t oacs;  // 257:256 Optional Admin Command Support
  uint8_t acl;    // 258 Abort Command Limit (0's based)
  uint8_t aerl;   // 259 Asynchronous Event Request Limit (0's based)
  uint8_t frmw;   // 260
  uint8_t lpa;    // 261
  uint8_t elpe;   // 262
  uint8_t npss;   // 263
  uint8_t rsvd264[512 - 264];
  uint8_t sqes;     // 512 SQ Entry Size: 03:00 required, 07:04 maximum (2^n)
  uint8_t cqes;     // 513 CQ Entry Size
  uint16_t maxcmd;  // 515:514
  uint32_t nn;      // 519:516 Number of Namespaces
  uint16_t oncs;    // 521:520 Optional NVM Command Support
  uint16_t fuses;   // 523:522
  uint8_t fna;      // 524
  uint8_t vwc;      // 525 Volatile Write Cache
  uint16_t awun;    // 527:526
  uint16_t awupf;   // 529:528
  uint8_t nvscc;    // 530
  uint8_t rsvd531[536 - 531];
  uint32_t sgls;  // 539:536 SGL Support (0: SGLs not supported)
  uint8_t rsvd540[768 - 540];
  char subnqn[256];  // 1023:768
  uint8_t rsvd1024[2048 - 1024];
  uint8_t psd[32][32];  // 3071:2048 Power State Descriptors
  uint8_t vendor[4096 - 3072];
};
static_assert(offsetof(IdentifyController, sn) == 4);
static_assert(offsetof(IdentifyController, mn) == 24);
static_assert(offsetof(IdentifyController, fr) == 64);
static_assert(offsetof(IdentifyController, mdts) == 77);
static_assert(offsetof(IdentifyController, cntlid) == 78);
static_assert(offsetof(IdentifyController, ver) == 80);
static_assert(offsetof(IdentifyController, oacs) == 256);
static_assert(offsetof(IdentifyController, aerl) == 259);
static_assert(offsetof(IdentifyController, sqes) == 512);
static_assert(offsetof(IdentifyController, cqes) == 513);
static_assert(offsetof(IdentifyController, nn) == 516);
static_assert(offsetof(IdentifyController, oncs) == 520);
static_assert(offsetof(IdentifyController, vwc) == 525);
static_assert(offsetof(IdentifyController, sgls) == 536);
static_assert(offsetof(IdentifyController, subnqn) == 768);
static_assert(offsetof(IdentifyController, psd) == 2048);
static_assert(sizeof(IdentifyController) == 4096);

// NVMe 1.4 5.15.2.2 Identify Namespace data structure, fields a driver uses.
struct LbaFormat {
  uint16_t ms;    // 15:00 Metadata Size
  uint8_t lbads;  // 23:16 LBA Data Size (2^n bytes)
  uint8_t rp;     // 25:24 Relative Performance
};
static_assert(sizeof(LbaFormat) == 4);

struct IdentifyNamespace {
  uint64_t nsze;   // 07:00 Namespace Size (LBAs)
  uint64_t ncap;   // 15:08 Namespace Capacity
  uint64_t nuse;   // 23:16 Namespace Utilization
  uint8_t nsfeat;  // 24
  uint8_t nlbaf;   // 25 Number of LBA Formats (0's based)
  uint8_t flbas;   // 26 Formatted LBA Size: 03:00 index into lbaf
  uint8_t mc;      // 27
  uint8_t dpc;     // 28
  uint8_t dps;     // 29
  uint8_t nmic;    // 30
  uint8_t rescap;  // 31
  uint8_t rsvd32[128 - 32];
  LbaFormat lbaf[16];  // 191:128
  uint8_t rsvd192[4096 - 192];
};
static_assert(offsetof(IdentifyNamespace, ncap) == 8);
static_assert(offsetof(IdentifyNamespace, nuse) == 16);
static_assert(offsetof(IdentifyNamespace, nlbaf) == 25);
static_assert(offsetof(IdentifyNamespace, flbas) == 26);
static_assert(offsetof(IdentifyNamespace, lbaf) == 128);
static_assert(sizeof(IdentifyNamespace) == 4096);

}  // namespace msirig::hba::nvme

#endif  // MSIRIG_HBA_NVME_SPEC_H_
