/*
 * storport_cdb.h - the CDB union of the WDK storport.h (Win8+ variant): the command descriptor
 * block layouts a block miniport decodes in HwStartIo / HwBuildIo. 16 bytes, byte-packed.
 *
 * Part of msirig's WDK-compatible storport.h; a miniport includes only <storport.h>.
 * Sources: ReactOS sdk/include/ddk/storport.h and scsi.h, and the WDK-derived storport.h with the
 * Win8+ CDB variants (see storport.h's banner). Multi-byte fields are byte arrays in SCSI
 * (big-endian) order, as in the WDK.
 */
#ifndef MSIRIG_STORPORT_CDB_H_
#define MSIRIG_STORPORT_CDB_H_

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

#include "storport_base.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma pack(push, 1)

/* The CDB union: the WDK's Win8+ variant, the members a block miniport decodes. 16 bytes. */
typedef union _CDB {
  struct _CDB6GENERIC {
    UCHAR OperationCode;
    UCHAR Immediate : 1;
    UCHAR CommandUniqueBits : 4;
    UCHAR LogicalUnitNumber : 3;
    UCHAR CommandUniqueBytes[3];
    UCHAR Link : 1;
    UCHAR Flag : 1;
    UCHAR Reserved : 4;
    UCHAR VendorUnique : 2;
  } CDB6GENERIC;
  struct _CDB6READWRITE {
    UCHAR OperationCode;
    UCHAR LogicalBlockMsb1 : 5;
    UCHAR LogicalUnitNumber : 3;
    UCHAR LogicalBlockMsb0;
    UCHAR LogicalBlockLsb;
    UCHAR TransferBlocks;
    UCHAR Control;
  } CDB6READWRITE;
  struct _CDB6INQUIRY {
    UCHAR OperationCode;
    UCHAR Reserved1 : 5;
    UCHAR LogicalUnitNumber : 3;
    UCHAR PageCode;
    UCHAR IReserved;
    UCHAR AllocationLength;
    UCHAR Control;
  } CDB6INQUIRY;
  struct _CDB6INQUIRY3 {
    UCHAR OperationCode;
    UCHAR EnableVitalProductData : 1;
    UCHAR CommandSupportData : 1;
    UCHAR Reserved1 : 6;
    UCHAR PageCode;
    UCHAR Reserved2;
    UCHAR AllocationLength;
    UCHAR Control;
  } CDB6INQUIRY3;
  struct _CDB6VERIFY {
    UCHAR OperationCode;
    UCHAR Fixed : 1;
    UCHAR ByteCompare : 1;
    UCHAR Immediate : 1;
    UCHAR Reserved : 2;
    UCHAR LogicalUnitNumber : 3;
    UCHAR VerificationLength[3];
    UCHAR Control;
  } CDB6VERIFY;
  struct _CDB6FORMAT {
    UCHAR OperationCode;
    UCHAR FormatControl : 5;
    UCHAR LogicalUnitNumber : 3;
    UCHAR FReserved1;
    UCHAR InterleaveMsb;
    UCHAR InterleaveLsb;
    UCHAR FReserved2;
  } CDB6FORMAT;
  struct _CDB10 {
    UCHAR OperationCode;
    UCHAR RelativeAddress : 1;
    UCHAR Reserved1 : 2;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR LogicalBlockByte0;
    UCHAR LogicalBlockByte1;
    UCHAR LogicalBlockByte2;
    UCHAR LogicalBlockByte3;
    UCHAR Reserved2;
    UCHAR TransferBlocksMsb;
    UCHAR TransferBlocksLsb;
    UCHAR Control;
  } CDB10;
  struct _CDB12 {
    UCHAR OperationCode;
    UCHAR RelativeAddress : 1;
    UCHAR Reserved1 : 2;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR LogicalBlock[4];
    UCHAR TransferLength[4];
    UCHAR Reserved2;
    UCHAR Control;
  } CDB12;
  struct _CDB16 {
    UCHAR OperationCode;
    UCHAR Reserved1 : 3;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR Protection : 3;
    UCHAR LogicalBlock[8];
    UCHAR TransferLength[4];
    UCHAR Reserved2;
    UCHAR Control;
  } CDB16;
  struct _SECURITY_PROTOCOL_IN {
    UCHAR OperationCode;
    UCHAR SecurityProtocol;
    UCHAR SecurityProtocolSpecific[2];
    UCHAR Reserved1 : 7;
    UCHAR INC_512 : 1;
    UCHAR Reserved2;
    UCHAR AllocationLength[4];
    UCHAR Reserved3;
    UCHAR Control;
  } SECURITY_PROTOCOL_IN;
  struct _SECURITY_PROTOCOL_OUT {
    UCHAR OperationCode;
    UCHAR SecurityProtocol;
    UCHAR SecurityProtocolSpecific[2];
    UCHAR Reserved1 : 7;
    UCHAR INC_512 : 1;
    UCHAR Reserved2;
    UCHAR AllocationLength[4];
    UCHAR Reserved3;
    UCHAR Control;
  } SECURITY_PROTOCOL_OUT;
  struct _UNMAP {
    UCHAR OperationCode;
    UCHAR Anchor : 1;
    UCHAR Reserved1 : 7;
    UCHAR Reserved2[4];
    UCHAR GroupNumber : 5;
    UCHAR Reserved3 : 3;
    UCHAR AllocationLength[2];
    UCHAR Control;
  } UNMAP;
  struct _MODE_SENSE {
    UCHAR OperationCode;
    UCHAR Reserved1 : 3;
    UCHAR Dbd : 1;
    UCHAR Reserved2 : 4;
    UCHAR PageCode : 6;
    UCHAR Pc : 2;
    UCHAR SubPageCode;
    UCHAR AllocationLength;
    UCHAR Control;
  } MODE_SENSE;
  struct _MODE_SENSE10 {
    UCHAR OperationCode;
    UCHAR Reserved1 : 3;
    UCHAR Dbd : 1;
    UCHAR LongLBAAccepted : 1;
    UCHAR Reserved2 : 3;
    UCHAR PageCode : 6;
    UCHAR Pc : 2;
    UCHAR SubPageCode;
    UCHAR Reserved3[3];
    UCHAR AllocationLength[2];
    UCHAR Control;
  } MODE_SENSE10;
  struct _MODE_SELECT {
    UCHAR OperationCode;
    UCHAR SPBit : 1;
    UCHAR Reserved1 : 3;
    UCHAR PFBit : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR Reserved2[2];
    UCHAR ParameterListLength;
    UCHAR Control;
  } MODE_SELECT;
  struct _MODE_SELECT10 {
    UCHAR OperationCode;
    UCHAR SPBit : 1;
    UCHAR Reserved1 : 3;
    UCHAR PFBit : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR Reserved2[5];
    UCHAR ParameterListLength[2];
    UCHAR Control;
  } MODE_SELECT10;
  struct _LOGSENSE {
    UCHAR OperationCode;
    UCHAR SPBit : 1;
    UCHAR PPCBit : 1;
    UCHAR Reserved1 : 3;
    UCHAR LogicalUnitNumber : 3;
    UCHAR PageCode : 6;
    UCHAR PCBit : 2;
    union {
      UCHAR SubPageCode;
      UCHAR Reserved2;
    };
    UCHAR Reserved3;
    UCHAR ParameterPointer[2];
    UCHAR AllocationLength[2];
    UCHAR Control;
  } LOGSENSE;
  struct _START_STOP {
    UCHAR OperationCode;
    UCHAR Immediate : 1;
    UCHAR Reserved1 : 4;
    UCHAR LogicalUnitNumber : 3;
    UCHAR Reserved2[2];
    UCHAR Start : 1;
    UCHAR LoadEject : 1;
    UCHAR Reserved3 : 6;
    UCHAR Control;
  } START_STOP;
  struct _MEDIA_REMOVAL {
    UCHAR OperationCode;
    UCHAR Reserved1 : 5;
    UCHAR LogicalUnitNumber : 3;
    UCHAR Reserved2[2];
    UCHAR Prevent : 1;
    UCHAR Persistant : 1; /* sic, WDK spelling */
    UCHAR Reserved3 : 6;
    UCHAR Control;
  } MEDIA_REMOVAL;
  struct _SYNCHRONIZE_CACHE10 {
    UCHAR OperationCode;
    UCHAR RelAddr : 1;
    UCHAR Immediate : 1;
    UCHAR Reserved : 3;
    UCHAR Lun : 3;
    UCHAR LogicalBlockAddress[4];
    UCHAR Reserved2;
    UCHAR BlockCount[2];
    UCHAR Control;
  } SYNCHRONIZE_CACHE10;
  struct _REPORT_LUNS {
    UCHAR OperationCode;
    UCHAR Reserved1[5];
    UCHAR AllocationLength[4];
    UCHAR Reserved2[1];
    UCHAR Control;
  } REPORT_LUNS;
  struct _PERSISTENT_RESERVE_IN {
    UCHAR OperationCode;
    UCHAR ServiceAction : 5;
    UCHAR Reserved1 : 3;
    UCHAR Reserved2[5];
    UCHAR AllocationLength[2];
    UCHAR Control;
  } PERSISTENT_RESERVE_IN;
  struct _PERSISTENT_RESERVE_OUT {
    UCHAR OperationCode;
    UCHAR ServiceAction : 5;
    UCHAR Reserved1 : 3;
    UCHAR Type : 4;
    UCHAR Scope : 4;
    UCHAR Reserved2[4];
    UCHAR ParameterListLength[2];
    UCHAR Control;
  } PERSISTENT_RESERVE_OUT;
  struct _READ12 {
    UCHAR OperationCode;
    UCHAR RelativeAddress : 1;
    UCHAR Reserved1 : 2;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR LogicalBlock[4];
    UCHAR TransferLength[4];
    UCHAR Reserved2 : 7;
    UCHAR Streaming : 1;
    UCHAR Control;
  } READ12;
  struct _WRITE12 {
    UCHAR OperationCode;
    UCHAR RelativeAddress : 1;
    UCHAR Reserved1 : 1;
    UCHAR EBP : 1;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR LogicalUnitNumber : 3;
    UCHAR LogicalBlock[4];
    UCHAR TransferLength[4];
    UCHAR Reserved2 : 7;
    UCHAR Streaming : 1;
    UCHAR Control;
  } WRITE12;
  struct _READ16 {
    UCHAR OperationCode;
    UCHAR DurationLimitDescriptor2 : 1;
    UCHAR Reserved1 : 1;
    UCHAR RebuildAssistRecoveryControl : 1;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR ReadProtect : 3;
    UCHAR LogicalBlock[8];
    UCHAR TransferLength[4];
    UCHAR Group : 6;
    UCHAR DurationLimitDescriptor0 : 1;
    UCHAR DurationLimitDescriptor1 : 1;
    UCHAR Control;
  } READ16;
  struct _WRITE16 {
    UCHAR OperationCode;
    UCHAR DurationLimitDescriptor2 : 1;
    UCHAR Reserved1 : 2;
    UCHAR ForceUnitAccess : 1;
    UCHAR DisablePageOut : 1;
    UCHAR WriteProtect : 3;
    UCHAR LogicalBlock[8];
    UCHAR TransferLength[4];
    UCHAR Group : 6;
    UCHAR DurationLimitDescriptor0 : 1;
    UCHAR DurationLimitDescriptor1 : 1;
    UCHAR Control;
  } WRITE16;
  struct _VERIFY16 {
    UCHAR OperationCode;
    UCHAR Reserved1 : 1;
    UCHAR ByteCheck : 1;
    UCHAR BlockVerify : 1;
    UCHAR Reserved2 : 1;
    UCHAR DisablePageOut : 1;
    UCHAR VerifyProtect : 3;
    UCHAR LogicalBlock[8];
    UCHAR VerificationLength[4];
    UCHAR Reserved3 : 7;
    UCHAR Streaming : 1;
    UCHAR Control;
  } VERIFY16;
  struct _SYNCHRONIZE_CACHE16 {
    UCHAR OperationCode;
    UCHAR Reserved1 : 1;
    UCHAR Immediate : 1;
    UCHAR Reserved2 : 6;
    UCHAR LogicalBlock[8];
    UCHAR BlockCount[4];
    UCHAR Reserved3;
    UCHAR Control;
  } SYNCHRONIZE_CACHE16;
  struct _READ_CAPACITY16 {
    UCHAR OperationCode;
    UCHAR ServiceAction : 5;
    UCHAR Reserved1 : 3;
    UCHAR LogicalBlock[8];
    UCHAR AllocationLength[4];
    UCHAR PMI : 1;
    UCHAR Reserved2 : 7;
    UCHAR Control;
  } READ_CAPACITY16;
  ULONG AsUlong[4];
  UCHAR AsByte[16];
} CDB, *PCDB;

#pragma pack(pop)

#ifdef __cplusplus
}  /* extern "C" */
#endif

#pragma GCC diagnostic pop

#endif /* MSIRIG_STORPORT_CDB_H_ */
