/*
 * nvme_hw.h - the NVMe hardware interface this miniport drives: controller registers, queue
 * entries, opcodes and status codes, cited by section of the NVM Express Base Specification 1.4.
 */
#ifndef NVME_HW_H_
#define NVME_HW_H_

#include <storport.h>

/* ------------------------------------------------------------------------------------------ */
/* 3.1 Controller registers (BAR0)                                                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct _NVME_CONTROLLER_REGISTERS {
  ULONG64 CAP;   /* 00h 3.1.1 Controller Capabilities */
  ULONG VS;      /* 08h 3.1.2 Version */
  ULONG INTMS;   /* 0Ch 3.1.3 Interrupt Mask Set */
  ULONG INTMC;   /* 10h 3.1.4 Interrupt Mask Clear */
  ULONG CC;      /* 14h 3.1.5 Controller Configuration */
  ULONG Reserved18;
  ULONG CSTS;    /* 1Ch 3.1.6 Controller Status */
  ULONG NSSR;    /* 20h 3.1.7 NVM Subsystem Reset */
  ULONG AQA;     /* 24h 3.1.8 Admin Queue Attributes */
  ULONG64 ASQ;   /* 28h 3.1.9 Admin Submission Queue Base Address */
  ULONG64 ACQ;   /* 30h 3.1.10 Admin Completion Queue Base Address */
} NVME_CONTROLLER_REGISTERS, *PNVME_CONTROLLER_REGISTERS;

C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, VS) == 0x08);
C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CC) == 0x14);
C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, CSTS) == 0x1C);
C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, AQA) == 0x24);
C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, ASQ) == 0x28);
C_ASSERT(FIELD_OFFSET(NVME_CONTROLLER_REGISTERS, ACQ) == 0x30);

/* 3.1.1 CAP */
#define NVME_CAP_MQES(cap) ((ULONG)((cap) & 0xFFFF)) /* 0's based */
#define NVME_CAP_TO(cap) ((ULONG)(((cap) >> 24) & 0xFF)) /* 500 ms units */
#define NVME_CAP_DSTRD(cap) ((ULONG)(((cap) >> 32) & 0xF))
#define NVME_CAP_CSS_NVM(cap) ((((cap) >> 37) & 1) != 0)
#define NVME_CAP_MPSMIN(cap) ((ULONG)(((cap) >> 48) & 0xF))

/* 3.1.5 CC */
#define NVME_CC_EN 0x00000001UL
#define NVME_CC_CSS_NVM (0UL << 4)
#define NVME_CC_MPS_4K (0UL << 7)
#define NVME_CC_AMS_RR (0UL << 11)
#define NVME_CC_SHN_MASK (3UL << 14)
#define NVME_CC_SHN_NORMAL (1UL << 14)
#define NVME_CC_IOSQES (6UL << 16) /* 2^6 = 64-byte SQ entries */
#define NVME_CC_IOCQES (4UL << 20) /* 2^4 = 16-byte CQ entries */

/* 3.1.6 CSTS. A read of all ones means the device is gone (PCIe master abort). */
#define NVME_CSTS_RDY 0x00000001UL
#define NVME_CSTS_CFS 0x00000002UL
#define NVME_CSTS_SHST_MASK 0x0000000CUL
#define NVME_CSTS_SHST_COMPLETE 0x00000008UL
#define NVME_REGISTER_GONE 0xFFFFFFFFUL

/* 3.1.24 / 3.1.25 doorbells: SQyTDBL at 1000h + (2y)(4 << DSTRD), CQyHDBL at 1000h + (2y+1)(...). */
#define NVME_DOORBELL_BASE 0x1000
#define NVME_SQ_TAIL_DOORBELL(qid, dstrd) (NVME_DOORBELL_BASE + (2UL * (qid)) * (4UL << (dstrd)))
#define NVME_CQ_HEAD_DOORBELL(qid, dstrd) \
  (NVME_DOORBELL_BASE + (2UL * (qid) + 1UL) * (4UL << (dstrd)))

/* The memory page size this driver programs (CC.MPS = 0) and builds PRPs for (4.3). */
#define NVME_PAGE_SIZE 0x1000UL
#define NVME_PAGE_MASK (NVME_PAGE_SIZE - 1)

/* ------------------------------------------------------------------------------------------ */
/* 4.2 Submission Queue Entry and 4.6 Completion Queue Entry                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct _NVME_COMMAND {
  UCHAR Opcode;   /* CDW0 07:00 */
  UCHAR Flags;    /* CDW0 15:08: FUSE 09:08, PSDT 15:14 (0 = PRPs) */
  USHORT Cid;     /* CDW0 31:16 Command Identifier */
  ULONG Nsid;     /* CDW1 */
  ULONG Cdw2;
  ULONG Cdw3;
  ULONG64 Mptr;   /* CDW4-5 */
  ULONG64 Prp1;   /* CDW6-7 */
  ULONG64 Prp2;   /* CDW8-9 */
  ULONG Cdw10;
  ULONG Cdw11;
  ULONG Cdw12;
  ULONG Cdw13;
  ULONG Cdw14;
  ULONG Cdw15;
} NVME_COMMAND, *PNVME_COMMAND;

C_ASSERT(sizeof(NVME_COMMAND) == 64);
C_ASSERT(FIELD_OFFSET(NVME_COMMAND, Prp1) == 24);
C_ASSERT(FIELD_OFFSET(NVME_COMMAND, Cdw10) == 40);

typedef struct _NVME_COMPLETION {
  ULONG Dw0;      /* command specific */
  ULONG Dw1;
  USHORT SqHead;  /* DW2 15:00 */
  USHORT SqId;    /* DW2 31:16 */
  USHORT Cid;     /* DW3 15:00 */
  USHORT Status;  /* DW3 31:16: bit 0 Phase Tag, 15:01 Status Field (4.6.1) */
} NVME_COMPLETION, *PNVME_COMPLETION;

C_ASSERT(sizeof(NVME_COMPLETION) == 16);
C_ASSERT(FIELD_OFFSET(NVME_COMPLETION, Cid) == 12);

/* 4.6.1 Status Field: P bit 0, SC 08:01, SCT 11:09, M 14, DNR 15. */
#define NVME_CQE_PHASE(status) ((status) & 1)
#define NVME_CQE_SC(status) ((UCHAR)(((status) >> 1) & 0xFF))
#define NVME_CQE_SCT(status) ((UCHAR)(((status) >> 9) & 0x7))

/* 4.6.1.2.1 Generic Command Status (SCT 0). */
#define NVME_SCT_GENERIC 0
#define NVME_SCT_COMMAND_SPECIFIC 1
#define NVME_SCT_MEDIA 2
#define NVME_SC_SUCCESS 0x00
#define NVME_SC_INVALID_OPCODE 0x01
#define NVME_SC_INVALID_FIELD 0x02
#define NVME_SC_DATA_TRANSFER_ERROR 0x04
#define NVME_SC_ABORT_REQUESTED 0x07
#define NVME_SC_ABORTED_SQ_DELETION 0x08
#define NVME_SC_INVALID_NAMESPACE 0x0B
#define NVME_SC_LBA_OUT_OF_RANGE 0x80

/* ------------------------------------------------------------------------------------------ */
/* 5 Admin command set, 6 NVM command set                                                      */
/* ------------------------------------------------------------------------------------------ */

#define NVME_ADMIN_DELETE_IO_SQ 0x00
#define NVME_ADMIN_CREATE_IO_SQ 0x01
#define NVME_ADMIN_DELETE_IO_CQ 0x04
#define NVME_ADMIN_CREATE_IO_CQ 0x05
#define NVME_ADMIN_IDENTIFY 0x06
#define NVME_ADMIN_SET_FEATURES 0x09

#define NVME_NVM_FLUSH 0x00
#define NVME_NVM_WRITE 0x01
#define NVME_NVM_READ 0x02

/* 5.3 Create I/O Completion Queue CDW11: PC bit 0, IEN bit 1, IV 31:16. */
#define NVME_CREATE_CQ_PC 0x1UL
#define NVME_CREATE_CQ_IEN 0x2UL
/* 5.4 Create I/O Submission Queue CDW11: PC bit 0, QPRIO 02:01, CQID 31:16. */
#define NVME_CREATE_SQ_PC 0x1UL

/* 5.15.1 Identify CNS. */
#define NVME_CNS_NAMESPACE 0x00
#define NVME_CNS_CONTROLLER 0x01

/* 5.21.1.7 Number of Queues feature. */
#define NVME_FEATURE_NUMBER_OF_QUEUES 0x07

/* 5.15.2.1 Identify Controller: byte offsets of the fields this driver reads. */
#define NVME_IDCTRL_SN 4   /* 20 bytes */
#define NVME_IDCTRL_MN 24  /* 40 bytes */
#define NVME_IDCTRL_FR 64  /* 8 bytes */
#define NVME_IDCTRL_MDTS 77
#define NVME_IDCTRL_NN 516
#define NVME_IDCTRL_VWC 525

/* 5.15.2.2 Identify Namespace: NSZE at 0, FLBAS at 26, LBAF[16] at 128 (LBADS in byte 2). */
#define NVME_IDNS_NSZE 0
#define NVME_IDNS_FLBAS 26
#define NVME_IDNS_LBAF 128

#define NVME_IDENTIFY_SIZE 4096

#endif /* NVME_HW_H_ */
