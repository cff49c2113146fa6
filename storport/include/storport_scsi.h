/*
 * storport_scsi.h - the SCSI command set subset of the WDK storport.h: operation codes, status,
 * sense keys and codes, INQUIRY / READ CAPACITY / SENSE data layouts (the CDB union is in
 * storport_cdb.h).
 *
 * Part of msirig's WDK-compatible storport.h; a miniport includes only <storport.h>.
 * Sources: ReactOS sdk/include/ddk/storport.h and scsi.h, a WDK-derived storport.h with the Win8+
 * CDB variants (the w32api-lineage header in the public code index), SPC/SBC for the values.
 * SCSI fields are big-endian; the miniport converts them byte by byte (REVERSE_BYTES*).
 * All structures here are byte-packed like the WDK's #include <pshpack1.h> blocks.
 */
#ifndef MSIRIG_STORPORT_SCSI_H_
#define MSIRIG_STORPORT_SCSI_H_

/* The WDK dialect (anonymous structs and unions, flexible arrays, ULONG-sized enums) is not
 * ISO C++ and partly not ISO C; keep -Wpedantic quiet inside this header only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

#include "storport_base.h"
#include "storport_cdb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Peripheral device types (INQUIRY byte 0). */
#define DIRECT_ACCESS_DEVICE 0x00
#define SEQUENTIAL_ACCESS_DEVICE 0x01
#define PRINTER_DEVICE 0x02
#define PROCESSOR_DEVICE 0x03
#define WRITE_ONCE_READ_MULTIPLE_DEVICE 0x04
#define READ_ONLY_DIRECT_ACCESS_DEVICE 0x05
#define SCANNER_DEVICE 0x06
#define OPTICAL_DEVICE 0x07
#define MEDIUM_CHANGER 0x08
#define COMMUNICATION_DEVICE 0x09
#define ARRAY_CONTROLLER_DEVICE 0x0C
#define SCSI_ENCLOSURE_DEVICE 0x0D
#define REDUCED_BLOCK_DEVICE 0x0E
#define OPTICAL_CARD_READER_WRITER_DEVICE 0x0F
#define BRIDGE_CONTROLLER_DEVICE 0x10
#define OBJECT_BASED_STORAGE_DEVICE 0x11
#define LOGICAL_UNIT_NOT_PRESENT_DEVICE 0x7F
#define DEVICE_CONNECTED 0x00

#define CDB6GENERIC_LENGTH 6
#define CDB10GENERIC_LENGTH 10
#define CDB12GENERIC_LENGTH 12
#define SETBITON 1
#define SETBITOFF 0

/* Operation codes (SCSIOP_*). */
#define SCSIOP_TEST_UNIT_READY 0x00
#define SCSIOP_REZERO_UNIT 0x01
#define SCSIOP_REWIND 0x01
#define SCSIOP_REQUEST_BLOCK_ADDR 0x02
#define SCSIOP_REQUEST_SENSE 0x03
#define SCSIOP_FORMAT_UNIT 0x04
#define SCSIOP_READ_BLOCK_LIMITS 0x05
#define SCSIOP_REASSIGN_BLOCKS 0x07
#define SCSIOP_READ6 0x08
#define SCSIOP_RECEIVE 0x08
#define SCSIOP_WRITE6 0x0A
#define SCSIOP_PRINT 0x0A
#define SCSIOP_SEND 0x0A
#define SCSIOP_SEEK6 0x0B
#define SCSIOP_SPACE 0x11
#define SCSIOP_INQUIRY 0x12
#define SCSIOP_VERIFY6 0x13
#define SCSIOP_RECOVER_BUF_DATA 0x14
#define SCSIOP_MODE_SELECT 0x15
#define SCSIOP_RESERVE_UNIT 0x16
#define SCSIOP_RELEASE_UNIT 0x17
#define SCSIOP_COPY 0x18
#define SCSIOP_ERASE 0x19
#define SCSIOP_MODE_SENSE 0x1A
#define SCSIOP_START_STOP_UNIT 0x1B
#define SCSIOP_STOP_PRINT 0x1B
#define SCSIOP_LOAD_UNLOAD 0x1B
#define SCSIOP_RECEIVE_DIAGNOSTIC 0x1C
#define SCSIOP_SEND_DIAGNOSTIC 0x1D
#define SCSIOP_MEDIUM_REMOVAL 0x1E
#define SCSIOP_READ_FORMATTED_CAPACITY 0x23
#define SCSIOP_READ_CAPACITY 0x25
#define SCSIOP_READ 0x28
#define SCSIOP_WRITE 0x2A
#define SCSIOP_SEEK 0x2B
#define SCSIOP_LOCATE 0x2B
#define SCSIOP_WRITE_VERIFY 0x2E
#define SCSIOP_VERIFY 0x2F
#define SCSIOP_SEARCH_DATA_HIGH 0x30
#define SCSIOP_SEARCH_DATA_EQUAL 0x31
#define SCSIOP_SEARCH_DATA_LOW 0x32
#define SCSIOP_SET_LIMITS 0x33
#define SCSIOP_READ_POSITION 0x34
#define SCSIOP_SYNCHRONIZE_CACHE 0x35
#define SCSIOP_COMPARE 0x39
#define SCSIOP_COPY_COMPARE 0x3A
#define SCSIOP_WRITE_DATA_BUFF 0x3B
#define SCSIOP_READ_DATA_BUFF 0x3C
#define SCSIOP_WRITE_LONG 0x3F
#define SCSIOP_CHANGE_DEFINITION 0x40
#define SCSIOP_WRITE_SAME 0x41
#define SCSIOP_READ_SUB_CHANNEL 0x42
#define SCSIOP_UNMAP 0x42
#define SCSIOP_READ_TOC 0x43
#define SCSIOP_GET_CONFIGURATION 0x46
#define SCSIOP_GET_EVENT_STATUS 0x4A
#define SCSIOP_LOG_SELECT 0x4C
#define SCSIOP_LOG_SENSE 0x4D
#define SCSIOP_MODE_SELECT10 0x55
#define SCSIOP_RESERVE_UNIT10 0x56
#define SCSIOP_RELEASE_UNIT10 0x57
#define SCSIOP_MODE_SENSE10 0x5A
#define SCSIOP_PERSISTENT_RESERVE_IN 0x5E
#define SCSIOP_PERSISTENT_RESERVE_OUT 0x5F
#define SCSIOP_XDWRITE_EXTENDED16 0x80
#define SCSIOP_WRITE_FILEMARKS16 0x80
#define SCSIOP_REBUILD16 0x81
#define SCSIOP_READ_REVERSE16 0x81
#define SCSIOP_REGENERATE16 0x82
#define SCSIOP_EXTENDED_COPY 0x83
#define SCSIOP_RECEIVE_COPY_RESULTS 0x84
#define SCSIOP_ATA_PASSTHROUGH16 0x85
#define SCSIOP_ACCESS_CONTROL_IN 0x86
#define SCSIOP_ACCESS_CONTROL_OUT 0x87
#define SCSIOP_READ16 0x88
#define SCSIOP_WRITE16 0x8A
#define SCSIOP_READ_ATTRIBUTES 0x8C
#define SCSIOP_WRITE_ATTRIBUTES 0x8D
#define SCSIOP_WRITE_VERIFY16 0x8E
#define SCSIOP_VERIFY16 0x8F
#define SCSIOP_PREFETCH16 0x90
#define SCSIOP_SYNCHRONIZE_CACHE16 0x91
#define SCSIOP_SPACE16 0x91
#define SCSIOP_LOCK_UNLOCK_CACHE16 0x92
#define SCSIOP_LOCATE16 0x92
#define SCSIOP_WRITE_SAME16 0x93
#define SCSIOP_ERASE16 0x93
#define SCSIOP_READ_CAPACITY16 0x9E
#define SCSIOP_SERVICE_ACTION_IN16 0x9E
#define SCSIOP_SERVICE_ACTION_OUT16 0x9F
#define SCSIOP_REPORT_LUNS 0xA0
#define SCSIOP_ATA_PASSTHROUGH12 0xA1
#define SCSIOP_SECURITY_PROTOCOL_IN 0xA2
#define SCSIOP_MAINTENANCE_IN 0xA3
#define SCSIOP_MAINTENANCE_OUT 0xA4
#define SCSIOP_READ12 0xA8
#define SCSIOP_SERVICE_ACTION_OUT12 0xA9
#define SCSIOP_WRITE12 0xAA
#define SCSIOP_SERVICE_ACTION_IN12 0xAB
#define SCSIOP_WRITE_VERIFY12 0xAE
#define SCSIOP_VERIFY12 0xAF
#define SCSIOP_SECURITY_PROTOCOL_OUT 0xB5
#define SCSIOP_READ_DEFECT_DATA 0xB7

/* Service actions of SERVICE ACTION IN(16). */
#define SERVICE_ACTION_READ_CAPACITY16 0x10

/* Mode pages */
#define MODE_PAGE_VENDOR_SPECIFIC 0x00
#define MODE_PAGE_ERROR_RECOVERY 0x01
#define MODE_PAGE_DISCONNECT 0x02
#define MODE_PAGE_FORMAT_DEVICE 0x03
#define MODE_PAGE_RIGID_GEOMETRY 0x04
#define MODE_PAGE_FLEXIBILE 0x05
#define MODE_PAGE_VERIFY_ERROR 0x07
#define MODE_PAGE_CACHING 0x08
#define MODE_PAGE_PERIPHERAL 0x09
#define MODE_PAGE_CONTROL 0x0A
#define MODE_PAGE_MEDIUM_TYPES 0x0B
#define MODE_PAGE_NOTCH_PARTITION 0x0C
#define MODE_PAGE_POWER_CONDITION 0x1A
#define MODE_PAGE_FAULT_REPORTING 0x1C
#define MODE_SENSE_RETURN_ALL 0x3f
#define MODE_SENSE_CURRENT_VALUES 0x00
#define MODE_SENSE_CHANGEABLE_VALUES 0x40
#define MODE_SENSE_DEFAULT_VAULES 0x80 /* sic, WDK spelling */
#define MODE_SENSE_SAVED_VALUES 0xc0
#define MODE_DSP_FUA_SUPPORTED 0x10
#define MODE_DSP_WRITE_PROTECT 0x80

/* SCSI status byte (SCSISTAT_*). */
#define SCSISTAT_GOOD 0x00
#define SCSISTAT_CHECK_CONDITION 0x02
#define SCSISTAT_CONDITION_MET 0x04
#define SCSISTAT_BUSY 0x08
#define SCSISTAT_INTERMEDIATE 0x10
#define SCSISTAT_INTERMEDIATE_COND_MET 0x14
#define SCSISTAT_RESERVATION_CONFLICT 0x18
#define SCSISTAT_COMMAND_TERMINATED 0x22
#define SCSISTAT_QUEUE_FULL 0x28

/* Sense keys. */
#define SCSI_SENSE_NO_SENSE 0x00
#define SCSI_SENSE_RECOVERED_ERROR 0x01
#define SCSI_SENSE_NOT_READY 0x02
#define SCSI_SENSE_MEDIUM_ERROR 0x03
#define SCSI_SENSE_HARDWARE_ERROR 0x04
#define SCSI_SENSE_ILLEGAL_REQUEST 0x05
#define SCSI_SENSE_UNIT_ATTENTION 0x06
#define SCSI_SENSE_DATA_PROTECT 0x07
#define SCSI_SENSE_BLANK_CHECK 0x08
#define SCSI_SENSE_UNIQUE 0x09
#define SCSI_SENSE_COPY_ABORTED 0x0A
#define SCSI_SENSE_ABORTED_COMMAND 0x0B
#define SCSI_SENSE_EQUAL 0x0C
#define SCSI_SENSE_VOL_OVERFLOW 0x0D
#define SCSI_SENSE_MISCOMPARE 0x0E
#define SCSI_SENSE_RESERVED 0x0F

#define SCSI_SENSE_ERRORCODE_FIXED_CURRENT 0x70
#define SCSI_SENSE_ERRORCODE_FIXED_DEFERRED 0x71
#define SCSI_SENSE_ERRORCODE_DESCRIPTOR_CURRENT 0x72
#define SCSI_SENSE_ERRORCODE_DESCRIPTOR_DEFERRED 0x73

/* Additional sense codes (ASC) commonly used by block miniports. */
#define SCSI_ADSENSE_NO_SENSE 0x00
#define SCSI_ADSENSE_NO_SEEK_COMPLETE 0x02
#define SCSI_ADSENSE_LUN_NOT_READY 0x04
#define SCSI_ADSENSE_LUN_COMMUNICATION 0x08
#define SCSI_ADSENSE_WRITE_ERROR 0x0C
#define SCSI_ADSENSE_TRACK_ERROR 0x14
#define SCSI_ADSENSE_SEEK_ERROR 0x15
#define SCSI_ADSENSE_REC_DATA_NOECC 0x17
#define SCSI_ADSENSE_REC_DATA_ECC 0x18
#define SCSI_ADSENSE_PARAMETER_LIST_LENGTH 0x1A
#define SCSI_ADSENSE_ILLEGAL_COMMAND 0x20
#define SCSI_ADSENSE_ILLEGAL_BLOCK 0x21
#define SCSI_ADSENSE_INVALID_CDB 0x24
#define SCSI_ADSENSE_INVALID_LUN 0x25
#define SCSI_ADSENSE_INVALID_FIELD_PARAMETER_LIST 0x26
#define SCSI_ADSENSE_WRITE_PROTECT 0x27
#define SCSI_ADWRITE_PROTECT SCSI_ADSENSE_WRITE_PROTECT
#define SCSI_ADSENSE_MEDIUM_CHANGED 0x28
#define SCSI_ADSENSE_BUS_RESET 0x29
#define SCSI_ADSENSE_PARAMETERS_CHANGED 0x2A
#define SCSI_ADSENSE_INVALID_MEDIA 0x30
#define SCSI_ADSENSE_NO_MEDIA_IN_DEVICE 0x3a
#define SCSI_ADSENSE_POSITION_ERROR 0x3b
#define SCSI_ADSENSE_INTERNAL_TARGET_FAILURE 0x44
#define SCSI_ADSENSE_OPERATOR_REQUEST 0x5a
#define SCSI_ADSENSE_FAILURE_PREDICTION_THRESHOLD_EXCEEDED 0x5d

/* Additional sense code qualifiers (ASCQ). */
#define SCSI_SENSEQ_CAUSE_NOT_REPORTABLE 0x00
#define SCSI_SENSEQ_BECOMING_READY 0x01
#define SCSI_SENSEQ_INIT_COMMAND_REQUIRED 0x02
#define SCSI_SENSEQ_MANUAL_INTERVENTION_REQUIRED 0x03
#define SCSI_SENSEQ_FORMAT_IN_PROGRESS 0x04

/* VPD pages */
#define VPD_SUPPORTED_PAGES 0x00
#define VPD_SERIAL_NUMBER 0x80
#define VPD_DEVICE_IDENTIFIERS 0x83
#define VPD_MEDIA_SERIAL_NUMBER 0x84
#define VPD_SOFTWARE_INTERFACE_IDENTIFIERS 0x84
#define VPD_NETWORK_MANAGEMENT_ADDRESSES 0x85
#define VPD_EXTENDED_INQUIRY_DATA 0x86
#define VPD_MODE_PAGE_POLICY 0x87
#define VPD_SCSI_PORTS 0x88
#define VPD_ATA_INFORMATION 0x89
#define VPD_BLOCK_LIMITS 0xB0
#define VPD_BLOCK_DEVICE_CHARACTERISTICS 0xB1
#define VPD_LOGICAL_BLOCK_PROVISIONING 0xB2

#define INQUIRYDATABUFFERSIZE 36
#define MAX_SENSE_BUFFER_SIZE 255

#pragma pack(push, 1)

typedef union _EIGHT_BYTE {
  struct {
    UCHAR Byte0;
    UCHAR Byte1;
    UCHAR Byte2;
    UCHAR Byte3;
    UCHAR Byte4;
    UCHAR Byte5;
    UCHAR Byte6;
    UCHAR Byte7;
  };
  ULONGLONG AsULongLong;
} EIGHT_BYTE, *PEIGHT_BYTE;

typedef union _FOUR_BYTE {
  struct {
    UCHAR Byte0;
    UCHAR Byte1;
    UCHAR Byte2;
    UCHAR Byte3;
  };
  ULONG AsULong;
} FOUR_BYTE, *PFOUR_BYTE;

typedef union _TWO_BYTE {
  struct {
    UCHAR Byte0;
    UCHAR Byte1;
  };
  USHORT AsUShort;
} TWO_BYTE, *PTWO_BYTE;

typedef USHORT VERSION_DESCRIPTOR, *PVERSION_DESCRIPTOR;

/* Standard INQUIRY data as the WDK lays it out (WinXP+ variant). The WDK structure covers 104
 * bytes (through the version descriptors); INQUIRYDATABUFFERSIZE is the 36-byte standard part. */
typedef struct _INQUIRYDATA {
  UCHAR DeviceType : 5;
  UCHAR DeviceTypeQualifier : 3;
  union {
    struct {
      UCHAR DeviceTypeModifier : 7;
      UCHAR ReservedField1 : 1;
    };
    struct {
      UCHAR ReservedField2 : 4;
      UCHAR HotPluggable : 2;
      UCHAR LU_CONG : 1;
      UCHAR RemovableMedia : 1;
    };
  };
  union {
    UCHAR Versions;
    struct {
      UCHAR ANSIVersion : 3;
      UCHAR ECMAVersion : 3;
      UCHAR ISOVersion : 2;
    };
  };
  UCHAR ResponseDataFormat : 4;
  UCHAR HiSupport : 1;
  UCHAR NormACA : 1;
  UCHAR TerminateTask : 1;
  UCHAR AERC : 1;
  UCHAR AdditionalLength;
  union {
    UCHAR Reserved;
    struct {
      UCHAR PROTECT : 1;
      UCHAR Reserved_1 : 2;
      UCHAR ThirdPartyCoppy : 1; /* sic, WDK spelling */
      UCHAR TPGS : 2;
      UCHAR ACC : 1;
      UCHAR SCCS : 1;
    };
  };
  UCHAR Addr16 : 1;
  UCHAR Addr32 : 1;
  UCHAR AckReqQ : 1;
  UCHAR MediumChanger : 1;
  UCHAR MultiPort : 1;
  UCHAR ReservedBit2 : 1;
  UCHAR EnclosureServices : 1;
  UCHAR ReservedBit3 : 1;
  UCHAR SoftReset : 1;
  UCHAR CommandQueue : 1;
  UCHAR TransferDisable : 1;
  UCHAR LinkedCommands : 1;
  UCHAR Synchronous : 1;
  UCHAR Wide16Bit : 1;
  UCHAR Wide32Bit : 1;
  UCHAR RelativeAddressing : 1;
  UCHAR VendorId[8];
  UCHAR ProductId[16];
  UCHAR ProductRevisionLevel[4];
  UCHAR VendorSpecific[20];
  UCHAR Reserved3[2];
  VERSION_DESCRIPTOR VersionDescriptors[8];
  UCHAR Reserved4[30];
} INQUIRYDATA, *PINQUIRYDATA;

typedef struct _VPD_SUPPORTED_PAGES_PAGE {
  UCHAR DeviceType : 5;
  UCHAR DeviceTypeQualifier : 3;
  UCHAR PageCode;
  UCHAR Reserved;
  UCHAR PageLength;
  UCHAR SupportedPageList[];
} VPD_SUPPORTED_PAGES_PAGE, *PVPD_SUPPORTED_PAGES_PAGE;

typedef struct _VPD_SERIAL_NUMBER_PAGE {
  UCHAR DeviceType : 5;
  UCHAR DeviceTypeQualifier : 3;
  UCHAR PageCode;
  UCHAR Reserved;
  UCHAR PageLength;
  UCHAR SerialNumber[];
} VPD_SERIAL_NUMBER_PAGE, *PVPD_SERIAL_NUMBER_PAGE;

typedef struct _VPD_IDENTIFICATION_PAGE {
  UCHAR DeviceType : 5;
  UCHAR DeviceTypeQualifier : 3;
  UCHAR PageCode;
  UCHAR Reserved;
  UCHAR PageLength;
  UCHAR Descriptors[];
} VPD_IDENTIFICATION_PAGE, *PVPD_IDENTIFICATION_PAGE;

typedef struct _VPD_IDENTIFICATION_DESCRIPTOR {
  UCHAR CodeSet : 4;
  UCHAR Reserved : 4;
  UCHAR IdentifierType : 4;
  UCHAR Association : 2;
  UCHAR Reserved2 : 2;
  UCHAR Reserved3;
  UCHAR IdentifierLength;
  UCHAR Identifier[];
} VPD_IDENTIFICATION_DESCRIPTOR, *PVPD_IDENTIFICATION_DESCRIPTOR;

typedef enum _VPD_CODE_SET {
  VpdCodeSetReserved = 0,
  VpdCodeSetBinary = 1,
  VpdCodeSetAscii = 2,
  VpdCodeSetUTF8 = 3
} VPD_CODE_SET, *PVPD_CODE_SET;

typedef enum _VPD_ASSOCIATION {
  VpdAssocDevice = 0,
  VpdAssocPort = 1,
  VpdAssocTarget = 2,
  VpdAssocReserved1 = 3,
  VpdAssocReserved2 = 4
} VPD_ASSOCIATION, *PVPD_ASSOCIATION;

typedef enum _VPD_IDENTIFIER_TYPE {
  VpdIdentifierTypeVendorSpecific = 0,
  VpdIdentifierTypeVendorId = 1,
  VpdIdentifierTypeEUI64 = 2,
  VpdIdentifierTypeFCPHName = 3,
  VpdIdentifierTypePortRelative = 4,
  VpdIdentifierTypeTargetPortGroup = 5,
  VpdIdentifierTypeLogicalUnitGroup = 6,
  VpdIdentifierTypeMD5LogicalUnitId = 7,
  VpdIdentifierTypeSCSINameString = 8
} VPD_IDENTIFIER_TYPE, *PVPD_IDENTIFIER_TYPE;

/* READ CAPACITY(10) / (16) parameter data; fields are big-endian on the wire. */
typedef struct _READ_CAPACITY_DATA {
  ULONG LogicalBlockAddress;
  ULONG BytesPerBlock;
} READ_CAPACITY_DATA, *PREAD_CAPACITY_DATA;

typedef struct _READ_CAPACITY_DATA_EX {
  LARGE_INTEGER LogicalBlockAddress;
  ULONG BytesPerBlock;
} READ_CAPACITY_DATA_EX, *PREAD_CAPACITY_DATA_EX;

typedef struct _READ_CAPACITY16_DATA {
  LARGE_INTEGER LogicalBlockAddress;
  ULONG BytesPerBlock;
  UCHAR ProtectionEnable : 1;
  UCHAR ProtectionType : 3;
  UCHAR RcBasis : 2;
  UCHAR Reserved : 2;
  UCHAR LogicalPerPhysicalExponent : 4;
  UCHAR ProtectionInfoExponent : 4;
  UCHAR LowestAlignedBlock_MSB : 6;
  UCHAR LBPRZ : 1;
  UCHAR LBPME : 1;
  UCHAR LowestAlignedBlock_LSB;
  UCHAR Reserved3[16];
} READ_CAPACITY16_DATA, *PREAD_CAPACITY16_DATA;

typedef struct _MODE_PARAMETER_HEADER {
  UCHAR ModeDataLength;
  UCHAR MediumType;
  UCHAR DeviceSpecificParameter;
  UCHAR BlockDescriptorLength;
} MODE_PARAMETER_HEADER, *PMODE_PARAMETER_HEADER;

typedef struct _MODE_PARAMETER_HEADER10 {
  UCHAR ModeDataLength[2];
  UCHAR MediumType;
  UCHAR DeviceSpecificParameter;
  UCHAR Reserved[2];
  UCHAR BlockDescriptorLength[2];
} MODE_PARAMETER_HEADER10, *PMODE_PARAMETER_HEADER10;

typedef struct _MODE_PARAMETER_BLOCK {
  UCHAR DensityCode;
  UCHAR NumberOfBlocks[3];
  UCHAR Reserved;
  UCHAR BlockLength[3];
} MODE_PARAMETER_BLOCK, *PMODE_PARAMETER_BLOCK;

typedef struct _MODE_CACHING_PAGE {
  UCHAR PageCode : 6;
  UCHAR Reserved : 1;
  UCHAR PageSavable : 1;
  UCHAR PageLength;
  UCHAR ReadDisableCache : 1;
  UCHAR MultiplicationFactor : 1;
  UCHAR WriteCacheEnable : 1;
  UCHAR Reserved2 : 5;
  UCHAR WriteRetensionPriority : 4;
  UCHAR ReadRetensionPriority : 4;
  UCHAR DisablePrefetchTransfer[2];
  UCHAR MinimumPrefetch[2];
  UCHAR MaximumPrefetch[2];
  UCHAR MaximumPrefetchCeiling[2];
} MODE_CACHING_PAGE, *PMODE_CACHING_PAGE;

/* REPORT LUNS parameter data: an 8-byte header, then 8-byte LUN entries. */
typedef struct _LUN_LIST {
  UCHAR LunListLength[4];
  UCHAR Reserved[4];
  UCHAR Lun[][8];
} LUN_LIST, *PLUN_LIST;

typedef struct _UNMAP_BLOCK_DESCRIPTOR {
  UCHAR StartingLba[8];
  UCHAR LbaCount[4];
  UCHAR Reserved[4];
} UNMAP_BLOCK_DESCRIPTOR, *PUNMAP_BLOCK_DESCRIPTOR;

typedef struct _UNMAP_LIST_HEADER {
  UCHAR DataLength[2];
  UCHAR BlockDescrDataLength[2];
  UCHAR Reserved[4];
  UNMAP_BLOCK_DESCRIPTOR Descriptors[];
} UNMAP_LIST_HEADER, *PUNMAP_LIST_HEADER;

/* Fixed-format sense data, 18 bytes. */
typedef struct _SENSE_DATA {
  UCHAR ErrorCode : 7;
  UCHAR Valid : 1;
  UCHAR SegmentNumber;
  UCHAR SenseKey : 4;
  UCHAR Reserved : 1;
  UCHAR IncorrectLength : 1;
  UCHAR EndOfMedia : 1;
  UCHAR FileMark : 1;
  UCHAR Information[4];
  UCHAR AdditionalSenseLength;
  UCHAR CommandSpecificInformation[4];
  UCHAR AdditionalSenseCode;
  UCHAR AdditionalSenseCodeQualifier;
  UCHAR FieldReplaceableUnitCode;
  UCHAR SenseKeySpecific[3];
} SENSE_DATA, *PSENSE_DATA;

#pragma pack(pop)

#define SENSE_BUFFER_SIZE sizeof(SENSE_DATA)

/* Big-endian helpers (storport.h): copy with byte order reversed. */
#define REVERSE_BYTES_8(Destination, Source)      \
  {                                               \
    PEIGHT_BYTE d_ = (PEIGHT_BYTE)(Destination);  \
    PEIGHT_BYTE s_ = (PEIGHT_BYTE)(Source);       \
    d_->Byte7 = s_->Byte0;                        \
    d_->Byte6 = s_->Byte1;                        \
    d_->Byte5 = s_->Byte2;                        \
    d_->Byte4 = s_->Byte3;                        \
    d_->Byte3 = s_->Byte4;                        \
    d_->Byte2 = s_->Byte5;                        \
    d_->Byte1 = s_->Byte6;                        \
    d_->Byte0 = s_->Byte7;                        \
  }
#define REVERSE_BYTES_QUAD REVERSE_BYTES_8
#define REVERSE_BYTES_4(Destination, Source)    \
  {                                             \
    PFOUR_BYTE d_ = (PFOUR_BYTE)(Destination);  \
    PFOUR_BYTE s_ = (PFOUR_BYTE)(Source);       \
    d_->Byte3 = s_->Byte0;                      \
    d_->Byte2 = s_->Byte1;                      \
    d_->Byte1 = s_->Byte2;                      \
    d_->Byte0 = s_->Byte3;                      \
  }
#define REVERSE_BYTES REVERSE_BYTES_4
#define REVERSE_BYTES_2(Destination, Source)  \
  {                                           \
    PTWO_BYTE d_ = (PTWO_BYTE)(Destination);  \
    PTWO_BYTE s_ = (PTWO_BYTE)(Source);       \
    d_->Byte1 = s_->Byte0;                    \
    d_->Byte0 = s_->Byte1;                    \
  }
#define REVERSE_BYTES_SHORT REVERSE_BYTES_2

#ifdef __cplusplus
}  /* extern "C" */
#endif

#pragma GCC diagnostic pop

#endif /* MSIRIG_STORPORT_SCSI_H_ */
