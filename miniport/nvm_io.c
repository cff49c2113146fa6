/*
 * nvm_io.c - the request path: HwBuildIo translates SCSI to NVMe (NVM Express SCSI
 * Translation Reference 1.5 for the mapping) and answers the commands the controller has no
 * counterpart for; HwStartIo submits to an I/O queue under that queue's lock.
 */
#include "nvm_miniport.h"

#define NVM_NSID 1 /* LUN 0 is namespace 1 */

static VOID NvmCompleteNow(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb,
                           _In_ UCHAR SrbStatus) {
  if (SrbStatus != 0) {
    Srb->SrbStatus = SrbStatus;
  }
  StorPortNotification(RequestComplete, Adapter, Srb);
}

_Use_decl_annotations_
VOID NvmSetSense(PSCSI_REQUEST_BLOCK Srb, UCHAR SenseKey, UCHAR Asc) {
  PUCHAR sense = (PUCHAR)Srb->SenseInfoBuffer;
  Srb->ScsiStatus = SCSISTAT_CHECK_CONDITION;
  if (sense == NULL || Srb->SenseInfoBufferLength < 14 ||
      (Srb->SrbFlags & SRB_FLAGS_DISABLE_AUTOSENSE) != 0) {
    Srb->SrbStatus = SRB_STATUS_ERROR;
    return;
  }
  NvmZeroMemory(sense, Srb->SenseInfoBufferLength);
  sense[0] = SCSI_SENSE_ERRORCODE_FIXED_CURRENT;
  sense[2] = SenseKey;
  sense[7] = (UCHAR)(NvmMin(Srb->SenseInfoBufferLength, 18) - 8); /* additional length */
  sense[12] = Asc;
  Srb->SrbStatus = SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID;
}

/* NVMe 4.6.1 status to SRB status and sense (SCSI translation reference, 6.1). */
_Use_decl_annotations_
VOID NvmTranslateStatus(PSCSI_REQUEST_BLOCK Srb, USHORT Status) {
  UCHAR sct = NVME_CQE_SCT(Status);
  UCHAR sc = NVME_CQE_SC(Status);

  if (sct == NVME_SCT_GENERIC) {
    switch (sc) {
      case NVME_SC_SUCCESS:
        Srb->ScsiStatus = SCSISTAT_GOOD;
        Srb->SrbStatus = SRB_STATUS_SUCCESS;
        return;
      case NVME_SC_LBA_OUT_OF_RANGE:
        NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_ILLEGAL_BLOCK);
        return;
      case NVME_SC_INVALID_OPCODE:
      case NVME_SC_INVALID_FIELD:
        NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_INVALID_CDB);
        return;
      case NVME_SC_INVALID_NAMESPACE:
        NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_INVALID_LUN);
        return;
      case NVME_SC_ABORT_REQUESTED:
      case NVME_SC_ABORTED_SQ_DELETION:
        Srb->SrbStatus = SRB_STATUS_ABORTED;
        return;
      case NVME_SC_DATA_TRANSFER_ERROR:
        NvmSetSense(Srb, SCSI_SENSE_HARDWARE_ERROR, 0);
        return;
      default:
        break;
    }
  } else if (sct == NVME_SCT_MEDIA) {
    NvmSetSense(Srb, SCSI_SENSE_MEDIUM_ERROR, 0);
    return;
  }
  NvmSetSense(Srb, SCSI_SENSE_ABORTED_COMMAND, 0);
}

/* --- commands answered by the driver ------------------------------------------------------ */

static ULONG NvmBigEndian16(_In_reads_(2) const UCHAR* p) { return ((ULONG)p[0] << 8) | p[1]; }
static ULONG NvmBigEndian32(_In_reads_(4) const UCHAR* p) {
  return ((ULONG)p[0] << 24) | ((ULONG)p[1] << 16) | ((ULONG)p[2] << 8) | p[3];
}
static ULONG64 NvmBigEndian64(_In_reads_(8) const UCHAR* p) {
  return ((ULONG64)NvmBigEndian32(p) << 32) | NvmBigEndian32(p + 4);
}
static VOID NvmPutBigEndian32(_Out_writes_(4) PUCHAR p, _In_ ULONG v) {
  p[0] = (UCHAR)(v >> 24);
  p[1] = (UCHAR)(v >> 16);
  p[2] = (UCHAR)(v >> 8);
  p[3] = (UCHAR)v;
}

/* Copies a built response into the data buffer, as much as both lengths allow. */
static UCHAR NvmReturnData(_In_ PSCSI_REQUEST_BLOCK Srb, _In_reads_bytes_(Length) const UCHAR* Data,
                           _In_ ULONG Length, _In_ ULONG AllocationLength) {
  ULONG n = NvmMin(NvmMin(Length, AllocationLength), Srb->DataTransferLength);
  if (n > 0 && Srb->DataBuffer == NULL) {
    return SRB_STATUS_INVALID_REQUEST;
  }
  if (n > 0) {
    NvmCopyMemory(Srb->DataBuffer, Data, n);
  }
  Srb->DataTransferLength = n;
  Srb->ScsiStatus = SCSISTAT_GOOD;
  return SRB_STATUS_SUCCESS;
}

static VOID NvmPadCopy(_Out_writes_(Length) PUCHAR Destination, _In_reads_(Length) const UCHAR* Source,
                       _In_ ULONG Length) {
  ULONG i;
  for (i = 0; i < Length; i++) {
    Destination[i] = (Source[i] >= 0x20 && Source[i] < 0x7F) ? Source[i] : ' ';
  }
}

/* The device identification VPD page (SPC-4 7.8.6) has one designator: a T10 vendor ID based
 * one (type 1, ASCII, associated with the logical unit), "NVMe    " then the controller's model
 * and serial numbers, as SCSI translations of NVMe controllers without an EUI-64 or NGUID give. */
#define NVM_DESIGNATOR_LENGTH \
  (8 + RTL_FIELD_SIZE(NVM_ADAPTER_EXTENSION, Model) + RTL_FIELD_SIZE(NVM_ADAPTER_EXTENSION, Serial))
#define NVM_DEVICE_ID_PAGE_LENGTH (4 + NVM_DESIGNATOR_LENGTH)

static UCHAR NvmInquiry(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb) {
  UCHAR data[4 + NVM_DEVICE_ID_PAGE_LENGTH];
  const UCHAR* cdb = Srb->Cdb;
  ULONG allocation = NvmBigEndian16(&cdb[3]);
  static const UCHAR vendor[8] = {'N', 'V', 'M', 'e', ' ', ' ', ' ', ' '};

  NvmZeroMemory(data, sizeof(data));
  if ((cdb[1] & 1) == 0) {
    if (cdb[2] != 0) {
      NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_INVALID_CDB);
      return Srb->SrbStatus;
    }
    data[0] = DIRECT_ACCESS_DEVICE;
    data[2] = 0x06; /* SPC-4 */
    data[3] = 0x02; /* response data format 2 */
    data[4] = INQUIRYDATABUFFERSIZE - 5;
    data[7] = 0x02; /* CmdQue */
    NvmCopyMemory(&data[8], vendor, sizeof(vendor));
    NvmPadCopy(&data[16], Adapter->Model, 16);
    NvmPadCopy(&data[32], Adapter->Firmware, 4);
    return NvmReturnData(Srb, data, INQUIRYDATABUFFERSIZE, allocation);
  }
  switch (cdb[2]) {
    case 0x00: /* supported VPD pages */
      data[3] = 3;
      data[4] = 0x00;
      data[5] = 0x80;
      data[6] = 0x83;
      return NvmReturnData(Srb, data, 7, allocation);
    case 0x80: /* unit serial number */
      data[1] = 0x80;
      data[3] = sizeof(Adapter->Serial);
      NvmPadCopy(&data[4], Adapter->Serial, sizeof(Adapter->Serial));
      return NvmReturnData(Srb, data, 4 + sizeof(Adapter->Serial), allocation);
    case 0x83: /* device identification */
      data[1] = 0x83;
      data[3] = NVM_DEVICE_ID_PAGE_LENGTH;
      data[4] = 0x02; /* code set: ASCII */
      data[5] = 0x01; /* association: logical unit; designator type: T10 vendor ID */
      data[7] = NVM_DESIGNATOR_LENGTH;
      NvmCopyMemory(&data[8], vendor, sizeof(vendor));
      NvmPadCopy(&data[16], Adapter->Model, sizeof(Adapter->Model));
      NvmPadCopy(&data[16 + sizeof(Adapter->Model)], Adapter->Serial, sizeof(Adapter->Serial));
      return NvmReturnData(Srb, data, 4 + NVM_DEVICE_ID_PAGE_LENGTH, allocation);
    default:
      NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_INVALID_CDB);
      return Srb->SrbStatus;
  }
}

static UCHAR NvmReadCapacity(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb,
                             _In_ BOOLEAN Sixteen) {
  UCHAR data[32];
  ULONG64 last = Adapter->NamespaceBlocks - 1;

  NvmZeroMemory(data, sizeof(data));
  if (!Sixteen) {
    NvmPutBigEndian32(&data[0], last > 0xFFFFFFFFULL ? 0xFFFFFFFFUL : (ULONG)last);
    NvmPutBigEndian32(&data[4], Adapter->BlockSize);
    return NvmReturnData(Srb, data, 8, 8);
  }
  NvmPutBigEndian32(&data[0], (ULONG)(last >> 32));
  NvmPutBigEndian32(&data[4], (ULONG)last);
  NvmPutBigEndian32(&data[8], Adapter->BlockSize);
  return NvmReturnData(Srb, data, 32, NvmBigEndian32(&Srb->Cdb[10]));
}

static UCHAR NvmReportLuns(_In_ PSCSI_REQUEST_BLOCK Srb) {
  UCHAR data[16];
  NvmZeroMemory(data, sizeof(data));
  NvmPutBigEndian32(&data[0], 8); /* one LUN: 0 */
  return NvmReturnData(Srb, data, sizeof(data), NvmBigEndian32(&Srb->Cdb[6]));
}

static UCHAR NvmModeSense(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb) {
  UCHAR data[4];
  NvmZeroMemory(data, sizeof(data));
  data[0] = 3; /* header only: no block descriptor, no pages */
  UNREFERENCED_PARAMETER(Adapter);
  return NvmReturnData(Srb, data, sizeof(data), Srb->Cdb[4]);
}

/* --- reads, writes, flush --------------------------------------------------------------- */

/* 4.3: PRP1 may start anywhere (dword aligned); every later entry is a whole page. Built from
 * the scatter/gather list whatever its shape; a list PRPs cannot express is refused. */
static BOOLEAN NvmBuildPrps(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb,
                            _In_ ULONG Bytes) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  PSTOR_SCATTER_GATHER_LIST sg = StorPortGetScatterGatherList(Adapter, Srb);
  ULONG remaining = Bytes;
  ULONG element;
  ULONG64 address;
  ULONG length;
  ULONG chunk;

  extension->PrpCount = 0;
  if (sg == NULL) {
    return FALSE;
  }
  for (element = 0; element < sg->NumberOfElements && remaining > 0; element++) {
    address = (ULONG64)sg->List[element].PhysicalAddress.QuadPart;
    length = NvmMin(sg->List[element].Length, remaining);
    if ((address & 3) != 0 || (extension->PrpCount > 0 && (address & NVME_PAGE_MASK) != 0)) {
      return FALSE;
    }
    while (length > 0) {
      if (extension->PrpCount >= NVM_MAX_PRPS) {
        return FALSE;
      }
      chunk = NvmMin(length, (ULONG)(NVME_PAGE_SIZE - (address & NVME_PAGE_MASK)));
      extension->Prps[extension->PrpCount++] = address;
      address += chunk;
      length -= chunk;
      remaining -= chunk;
    }
    /* An element that ends inside a page must be the last one. */
    if (remaining > 0 && (address & NVME_PAGE_MASK) != 0) {
      return FALSE;
    }
  }
  return remaining == 0 && extension->PrpCount > 0;
}

/* The next part of a read or write: at most MDTS (MaxTransferBytes) worth of blocks from
 * NextLba, its data the bytes BytesSent.. of the transfer. Sets PRP1, the command's LBA and
 * count, and PartFirstPrp/PrpCount for the caller to place PRP2 (4.3: PRP1 may start inside a
 * page, every later entry is a page; a part starting inside the transfer starts inside the page
 * that holds that byte). */
_Use_decl_annotations_
VOID NvmPreparePart(PNVM_ADAPTER_EXTENSION Adapter, PSCSI_REQUEST_BLOCK Srb) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  PNVME_COMMAND command = &extension->Command;
  ULONG part = Adapter->MaxTransferBytes / Adapter->BlockSize; /* 8 KiB and up; a block: 4 KiB */
  ULONG blocks = NvmMin(extension->BlocksLeft, part);
  ULONG bytes = blocks * Adapter->BlockSize;
  ULONG offset = (ULONG)(extension->Prps[0] & NVME_PAGE_MASK) + extension->BytesSent;
  ULONG first = offset / NVME_PAGE_SIZE;
  ULONG last = (offset + bytes - 1) / NVME_PAGE_SIZE;
  ULONG64 page =
      first == 0 ? extension->Prps[0] & ~(ULONG64)NVME_PAGE_MASK : extension->Prps[first];

  command->Prp1 = page + (offset & NVME_PAGE_MASK);
  command->Prp2 = 0;
  command->Cdw10 = (ULONG)extension->NextLba;
  command->Cdw11 = (ULONG)(extension->NextLba >> 32);
  command->Cdw12 = blocks - 1; /* 6.9/6.15: NLB is 0's based */
  extension->PartFirstPrp = first;
  extension->PrpCount = last - first + 1;
  extension->NextLba += blocks;
  extension->BlocksLeft -= blocks;
  extension->BytesSent += bytes;
}

/* PRP2 of the command in `Slot`: the part's second page, or its PRP list in the slot's list
 * page (4.3). */
_Use_decl_annotations_
VOID NvmPlacePrp2(PNVM_QUEUE Queue, ULONG Slot, PNVM_SRB_EXTENSION Extension) {
  PULONG64 list;
  ULONG i;
  ULONG first = Extension->PartFirstPrp;

  if (Extension->PrpCount == 2) {
    Extension->Command.Prp2 = Extension->Prps[first + 1];
  } else if (Extension->PrpCount > 2) {
    list = (PULONG64)(Queue->PrpLists + Slot * NVM_PRP_LIST_BYTES);
    for (i = 1; i < Extension->PrpCount; i++) {
      list[i - 1] = Extension->Prps[first + i];
    }
    Extension->Command.Prp2 = (ULONG64)Queue->PrpListsPhysical.QuadPart + Slot * NVM_PRP_LIST_BYTES;
  }
}

static UCHAR NvmBuildReadWrite(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb,
                               _In_ BOOLEAN Write, _In_ ULONG64 Lba, _In_ ULONG Blocks) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  PNVME_COMMAND command = &extension->Command;
  ULONG bytes;

  if (Blocks == 0) {
    Srb->DataTransferLength = 0;
    return SRB_STATUS_SUCCESS; /* SBC: a transfer length of zero transfers nothing */
  }
  if (Blocks > NVM_MAX_TRANSFER_BYTES / Adapter->BlockSize) {
    NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_INVALID_CDB);
    return Srb->SrbStatus;
  }
  if (Lba >= Adapter->NamespaceBlocks || Blocks > Adapter->NamespaceBlocks - Lba) {
    NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_ILLEGAL_BLOCK);
    return Srb->SrbStatus;
  }
  bytes = Blocks * Adapter->BlockSize;
  if (bytes > Srb->DataTransferLength || !NvmBuildPrps(Adapter, Srb, bytes)) {
    return SRB_STATUS_INVALID_REQUEST;
  }
  command->Opcode = Write ? NVME_NVM_WRITE : NVME_NVM_READ;
  command->Nsid = NVM_NSID;
  Srb->DataTransferLength = bytes;
  /* Over MDTS: the first part now, the others as each completes (NvmSubmitNextPart). */
  extension->BlocksLeft = Blocks;
  extension->BytesSent = 0;
  extension->NextLba = Lba;
  NvmPreparePart(Adapter, Srb);
  return SRB_STATUS_PENDING;
}

/* Returns SRB_STATUS_PENDING when an NVMe command was built for HwStartIo, else the status the
 * request completes with now. */
static UCHAR NvmTranslateCdb(_In_ PNVM_ADAPTER_EXTENSION Adapter, _In_ PSCSI_REQUEST_BLOCK Srb) {
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  const UCHAR* cdb = Srb->Cdb;

  switch (cdb[0]) {
    case SCSIOP_READ:
    case SCSIOP_WRITE:
      if (Srb->CdbLength < 10) {
        break;
      }
      return NvmBuildReadWrite(Adapter, Srb, cdb[0] == SCSIOP_WRITE, NvmBigEndian32(&cdb[2]),
                               NvmBigEndian16(&cdb[7]));
    case SCSIOP_READ16:
    case SCSIOP_WRITE16:
      if (Srb->CdbLength < 16) {
        break;
      }
      return NvmBuildReadWrite(Adapter, Srb, cdb[0] == SCSIOP_WRITE16, NvmBigEndian64(&cdb[2]),
                               NvmBigEndian32(&cdb[10]));
    case SCSIOP_SYNCHRONIZE_CACHE:
    case SCSIOP_SYNCHRONIZE_CACHE16:
      extension->Command.Opcode = NVME_NVM_FLUSH; /* 6.8 */
      extension->Command.Nsid = NVM_NSID;
      Srb->DataTransferLength = 0;
      return SRB_STATUS_PENDING;
    case SCSIOP_INQUIRY:
      return NvmInquiry(Adapter, Srb);
    case SCSIOP_READ_CAPACITY:
      return NvmReadCapacity(Adapter, Srb, FALSE);
    case SCSIOP_SERVICE_ACTION_IN16:
      if ((cdb[1] & 0x1F) == SERVICE_ACTION_READ_CAPACITY16) {
        return NvmReadCapacity(Adapter, Srb, TRUE);
      }
      break;
    case SCSIOP_REPORT_LUNS:
      return NvmReportLuns(Srb);
    case SCSIOP_MODE_SENSE:
      return NvmModeSense(Adapter, Srb);
    case SCSIOP_TEST_UNIT_READY:
    case SCSIOP_START_STOP_UNIT:
    case SCSIOP_VERIFY:
      Srb->DataTransferLength = 0;
      Srb->ScsiStatus = SCSISTAT_GOOD;
      return SRB_STATUS_SUCCESS;
    default:
      break;
  }
  NvmSetSense(Srb, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ADSENSE_ILLEGAL_COMMAND);
  return Srb->SrbStatus;
}

/* DISPATCH_LEVEL, no lock: everything that needs no shared state. FALSE = completed here. */
_Use_decl_annotations_
BOOLEAN NvmHwBuildIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  UCHAR status;

  NvmZeroMemory(&extension->Command, sizeof(extension->Command));
  extension->Next = NULL;
  extension->PrpCount = 0;
  extension->QueueIndex = 0;
  extension->Cid = 0;
  extension->BlocksLeft = 0;
  extension->BytesSent = 0;
  extension->PartFirstPrp = 0;
  extension->NextLba = 0;
#if defined(MSIRIG_BUG_REQUEST_ID_UNLOCKED)
  /* ZOO: the request id drawn from an adapter-wide counter in HwBuildIo, which runs on every
   * CPU at once without a lock. */
  extension->Cid = (USHORT)adapter->NextRequestId++;
#endif

  switch (Srb->Function) {
    case SRB_FUNCTION_EXECUTE_SCSI:
      break;
    case SRB_FUNCTION_RESET_BUS:
    case SRB_FUNCTION_RESET_DEVICE:
    case SRB_FUNCTION_RESET_LOGICAL_UNIT:
    case SRB_FUNCTION_FLUSH:
    case SRB_FUNCTION_SHUTDOWN:
      NvmCompleteNow(adapter, Srb, SRB_STATUS_SUCCESS);
      return FALSE;
    default:
      NvmCompleteNow(adapter, Srb, SRB_STATUS_INVALID_REQUEST);
      return FALSE;
  }
  if (Srb->PathId != 0 || Srb->TargetId != 0 || Srb->Lun != 0) {
    NvmCompleteNow(adapter, Srb,
                   Srb->PathId != 0     ? SRB_STATUS_INVALID_PATH_ID
                   : Srb->TargetId != 0 ? SRB_STATUS_INVALID_TARGET_ID
                                        : SRB_STATUS_INVALID_LUN);
    return FALSE;
  }
  status = NvmTranslateCdb(adapter, Srb);
  if (status != SRB_STATUS_PENDING) {
    NvmCompleteNow(adapter, Srb, status);
    return FALSE;
  }
  return TRUE;
}

/* DISPATCH_LEVEL holding StartIoLock: choose a queue, then take its lock for the slot, the SQ
 * entry and the doorbell (SPEC.md 5: a doorbell rung outside the lock races the ISR). */
_Use_decl_annotations_
BOOLEAN NvmHwStartIo(PVOID DeviceExtension, PSCSI_REQUEST_BLOCK Srb) {
  PNVM_ADAPTER_EXTENSION adapter = (PNVM_ADAPTER_EXTENSION)DeviceExtension;
  PNVM_SRB_EXTENSION extension = (PNVM_SRB_EXTENSION)Srb->SrbExtension;
  PNVM_QUEUE queue;
  NVM_LOCK lock;
  ULONG index;
  ULONG slot;
  ULONG generation;
  UCHAR status = SRB_STATUS_PENDING;

  if (adapter->IoQueueCount == 0) {
    NvmCompleteNow(adapter, Srb, SRB_STATUS_NO_HBA);
    return TRUE;
  }
  index = 1 + adapter->NextQueue % adapter->IoQueueCount;
  adapter->NextQueue++;
  queue = &adapter->Queues[index];

  NvmAcquireQueueLock(adapter, queue, &lock);
  if (adapter->State != NvmStateRunning || !queue->Created) {
    status = adapter->State == NvmStateRemoved || adapter->State == NvmStateFailed
                 ? SRB_STATUS_NO_HBA
                 : SRB_STATUS_BUSY;
  } else {
    for (slot = 0; slot < (ULONG)(queue->Depth - 1); slot++) {
      if (queue->Slots[slot] == NULL) {
        break;
      }
    }
    if (slot >= (ULONG)(queue->Depth - 1)) {
      status = SRB_STATUS_BUSY; /* Storport retries busy requests */
    }
  }
  if (status != SRB_STATUS_PENDING) {
    NvmReleaseQueueLock(adapter, &lock);
    NvmCompleteNow(adapter, Srb, status);
    return TRUE;
  }

#if defined(MSIRIG_BUG_REQUEST_ID_UNLOCKED)
  generation = extension->Cid;
#else
  generation = queue->NextGeneration++;
#endif
  extension->QueueIndex = (USHORT)index;
  extension->Cid = (USHORT)(((generation << NVM_CID_SLOT_BITS) | slot) & 0xFFFF);
  extension->Command.Cid = extension->Cid;
  NvmPlacePrp2(queue, slot, extension);
  queue->Slots[slot] = Srb;
  queue->SlotCid[slot] = extension->Cid;
  queue->Outstanding++;
#if defined(MSIRIG_BUG_DOORBELL_OUTSIDE_LOCK)
  /* ZOO: the lock dropped once the slot is taken, "to keep the hold time short": the SQ entry,
   * the tail and the doorbell race everything that resets the queue under that lock. */
  NvmReleaseQueueLock(adapter, &lock);
#endif
  NvmCopyMemory(&queue->Sq[queue->SqTail], &extension->Command, sizeof(NVME_COMMAND));
  queue->SqTail = (USHORT)((queue->SqTail + 1) % queue->Depth);
  StorPortWriteRegisterUlong(adapter, queue->SqDoorbell, queue->SqTail);
#if !defined(MSIRIG_BUG_DOORBELL_OUTSIDE_LOCK)
  NvmReleaseQueueLock(adapter, &lock);
#endif

  NvmArmTimer(adapter);
  return TRUE;
}
