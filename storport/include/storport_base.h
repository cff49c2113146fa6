/*
 * storport_base.h - the NT base types, macros and SAL annotations a Storport miniport sees.
 *
 * Part of msirig's WDK-compatible storport.h (see the banner of storport.h for scope and
 * sources). A miniport includes only <storport.h>; this file is included from there.
 *
 * Windows x64 is LLP64: LONG/ULONG are 32 bits (int32_t/uint32_t here), pointers are 64 bits.
 * Sources for the values: ReactOS sdk/include/xdk (ntdef.h, wdm.h, ntstatus.h lineage),
 * the WDK DDI reference (learn.microsoft.com/windows-hardware/drivers/ddi), and the x64 PDB
 * type dumps of storport.sys (0x00ach/MS-public-PDB-structs) for sizes.
 */
#ifndef MSIRIG_STORPORT_BASE_H_
#define MSIRIG_STORPORT_BASE_H_

/* The WDK dialect (anonymous structs and unions, flexible arrays, ULONG-sized enums) is not
 * ISO C++ and partly not ISO C; keep -Wpedantic quiet inside this header only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "storport_sal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Compile-time checks and layout helpers                                                      */
/* ------------------------------------------------------------------------------------------ */

#ifndef C_ASSERT
#ifdef __cplusplus
#define C_ASSERT(e) static_assert(e, #e)
#else
#define C_ASSERT(e) _Static_assert(e, #e)
#endif
#endif

/* ------------------------------------------------------------------------------------------ */
/* Base types (ntdef.h / basetsd.h), LLP64                                                     */
/* ------------------------------------------------------------------------------------------ */

#ifndef VOID
#define VOID void
#endif
typedef void* PVOID;
typedef void** PPVOID;
typedef char CHAR;
typedef char CCHAR;
typedef short SHORT;
typedef short CSHORT;
typedef int32_t LONG;
typedef uint8_t UCHAR;
typedef uint16_t USHORT;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef int64_t LONG64;
typedef uint64_t ULONG64;
typedef uint64_t DWORD64;
typedef uint32_t DWORD;
typedef int32_t INT;
typedef uint32_t UINT;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t SIZE_T;
typedef intptr_t SSIZE_T;
typedef uintptr_t DWORD_PTR;
typedef uint16_t WCHAR; /* Windows wchar_t is 16 bits */
typedef UCHAR BOOLEAN;
typedef LONG NTSTATUS;
typedef UCHAR KIRQL;
typedef ULONG_PTR KSPIN_LOCK;
typedef ULONG_PTR KAFFINITY;

typedef CHAR* PCHAR;
typedef CCHAR* PCCHAR;
typedef CHAR* PSTR;
typedef const CHAR* PCSTR;
typedef CHAR* PSZ;
typedef const CHAR* PCSZ;
typedef WCHAR* PWCHAR;
typedef WCHAR* PWSTR;
typedef WCHAR* PWCH;
typedef const WCHAR* PCWSTR;
typedef UCHAR* PUCHAR;
typedef USHORT* PUSHORT;
typedef SHORT* PSHORT;
typedef ULONG* PULONG;
typedef LONG* PLONG;
typedef ULONG64* PULONG64;
typedef LONG64* PLONG64;
typedef ULONGLONG* PULONGLONG;
typedef LONGLONG* PLONGLONG;
typedef ULONG_PTR* PULONG_PTR;
typedef LONG_PTR* PLONG_PTR;
typedef SIZE_T* PSIZE_T;
typedef BOOLEAN* PBOOLEAN;
typedef KIRQL* PKIRQL;
typedef KSPIN_LOCK* PKSPIN_LOCK;
typedef KAFFINITY* PKAFFINITY;
typedef NTSTATUS* PNTSTATUS;

/* LARGE_INTEGER / PHYSICAL_ADDRESS: 8 bytes, 8-aligned (ntdef.h). */
typedef union _LARGE_INTEGER {
  struct {
    ULONG LowPart;
    LONG HighPart;
  };
  struct {
    ULONG LowPart;
    LONG HighPart;
  } u;
  LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
  struct {
    ULONG LowPart;
    ULONG HighPart;
  };
  struct {
    ULONG LowPart;
    ULONG HighPart;
  } u;
  ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _GUID {
  ULONG Data1;
  USHORT Data2;
  USHORT Data3;
  UCHAR Data4[8];
} GUID, *PGUID, *LPGUID;
typedef const GUID* LPCGUID;

/* wdm.h: processor group types used by the Win7+ extended functions. */
typedef struct _PROCESSOR_NUMBER {
  USHORT Group;
  UCHAR Number;
  UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

typedef struct _GROUP_AFFINITY {
  KAFFINITY Mask;
  USHORT Group;
  USHORT Reserved[3];
} GROUP_AFFINITY, *PGROUP_AFFINITY;

/* ------------------------------------------------------------------------------------------ */
/* Base macros (ntdef.h / wdm.h)                                                               */
/* ------------------------------------------------------------------------------------------ */

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL ((void*)0)
#endif

#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef STORPORT_API
#define STORPORT_API
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#endif
/* The WDK's FORCEINLINE is __forceinline; static inline keeps one private copy per
 * translation unit, which is what a header-only wrapper needs under C and C++ alike. */
#ifndef FORCEINLINE
#define FORCEINLINE static inline __attribute__((always_inline))
#endif
#ifndef DUMMYSTRUCTNAME
#define DUMMYSTRUCTNAME
#endif
#ifndef DUMMYUNIONNAME
#define DUMMYUNIONNAME
#endif
#ifndef ANYSIZE_ARRAY
#define ANYSIZE_ARRAY 1
#endif

#ifndef UNREFERENCED_PARAMETER
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#endif
#ifndef DBG_UNREFERENCED_PARAMETER
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#endif
#ifndef DBG_UNREFERENCED_LOCAL_VARIABLE
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#endif

#ifndef FIELD_OFFSET
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#endif
#ifndef RTL_FIELD_SIZE
#define RTL_FIELD_SIZE(type, field) (sizeof(((type*)0)->field))
#endif
#ifndef RTL_SIZEOF_THROUGH_FIELD
#define RTL_SIZEOF_THROUGH_FIELD(type, field) \
  (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#endif
#ifndef RTL_NUMBER_OF
#define RTL_NUMBER_OF(A) (sizeof(A) / sizeof((A)[0]))
#endif
#ifndef ARRAYSIZE
#define ARRAYSIZE(A) RTL_NUMBER_OF(A)
#endif
#ifndef CONTAINING_RECORD
#define CONTAINING_RECORD(address, type, field) \
  ((type*)((PCHAR)(address) - offsetof(type, field)))
#endif
#ifndef ARGUMENT_PRESENT
#define ARGUMENT_PRESENT(ArgumentPointer) ((CHAR*)((ULONG_PTR)(ArgumentPointer)) != (CHAR*)NULL)
#endif

#ifndef MAXUCHAR
#define MAXUCHAR 0xff
#endif
#ifndef MAXUSHORT
#define MAXUSHORT 0xffff
#endif
#ifndef MAXULONG
#define MAXULONG 0xffffffffU
#endif
#ifndef MAXLONG
#define MAXLONG 0x7fffffff
#endif

/* ntdef.h defines min/max unless NOMINMAX; C++ translation units (the rig) must keep std::min. */
#if !defined(__cplusplus) && !defined(NOMINMAX)
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

/* Pages (x64: 4 KiB). */
#ifndef PAGE_SIZE
#define PAGE_SIZE 0x1000
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12L
#endif
#ifndef BYTE_OFFSET
#define BYTE_OFFSET(Va) ((ULONG)((LONG_PTR)(Va) & (PAGE_SIZE - 1)))
#endif
#ifndef PAGE_ALIGN
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~((ULONG_PTR)PAGE_SIZE - 1)))
#endif
#ifndef ROUND_TO_PAGES
#define ROUND_TO_PAGES(Size) \
  (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~((ULONG_PTR)PAGE_SIZE - 1))
#endif
#ifndef BYTES_TO_PAGES
#define BYTES_TO_PAGES(Size) \
  (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))
#endif
#ifndef ADDRESS_AND_SIZE_TO_SPAN_PAGES
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) \
  ((BYTE_OFFSET(Va) + ((SIZE_T)(Size)) + (PAGE_SIZE - 1)) >> PAGE_SHIFT)
#endif

/* IRQLs, x64 values (wdm.h, AMD64 section). */
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
#define CMCI_LEVEL 5
#define CLOCK_LEVEL 13
#define IPI_LEVEL 14
#define DRS_LEVEL 14
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15

/* NTSTATUS (ntstatus.h); typed as LONG like the WDK's ((NTSTATUS)0x...L). */
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define STATUS_SUCCESS ((NTSTATUS)0x00000000)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102)
#define STATUS_PENDING ((NTSTATUS)0x00000103)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009A)
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BB)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184)

/* ------------------------------------------------------------------------------------------ */
/* Assertions. msirig's port driver exports MsirigNtAssertFailed and reports a finding.        */
/* ------------------------------------------------------------------------------------------ */

VOID MsirigNtAssertFailed(const char* Expression, const char* File, ULONG Line);

#ifndef NT_ASSERT
#define NT_ASSERT(e) ((e) ? (void)0 : MsirigNtAssertFailed(#e, __FILE__, (ULONG)__LINE__))
#endif
#ifndef NT_ASSERTMSG
#define NT_ASSERTMSG(msg, e) ((e) ? (void)0 : MsirigNtAssertFailed(msg, __FILE__, (ULONG)__LINE__))
#endif
#ifndef NT_ASSERT_ASSUME
#define NT_ASSERT_ASSUME(e) NT_ASSERT(e)
#endif
/* NT_VERIFY evaluates e in every build and yields its truth value. */
#ifndef NT_VERIFY
#define NT_VERIFY(e) \
  ((e) ? TRUE : (MsirigNtAssertFailed(#e, __FILE__, (ULONG)__LINE__), FALSE))
#endif
#ifndef NT_VERIFYMSG
#define NT_VERIFYMSG(msg, e) \
  ((e) ? TRUE : (MsirigNtAssertFailed(msg, __FILE__, (ULONG)__LINE__), FALSE))
#endif
#if !defined(__cplusplus) && !defined(ASSERT)
#define ASSERT(e) NT_ASSERT(e)
#endif

/* ------------------------------------------------------------------------------------------ */
/* wdm.h enumerations used by PORT_CONFIGURATION_INFORMATION and the bus routines              */
/* ------------------------------------------------------------------------------------------ */

typedef enum _INTERFACE_TYPE {
  InterfaceTypeUndefined = -1,
  Internal = 0,
  Isa,
  Eisa,
  MicroChannel,
  TurboChannel,
  PCIBus,
  VMEBus,
  NuBus,
  PCMCIABus,
  CBus,
  MPIBus,
  MPSABus,
  ProcessorInternal,
  InternalPowerBus,
  PNPISABus,
  PNPBus,
  Vmcs,
  ACPIBus,
  MaximumInterfaceType
} INTERFACE_TYPE, *PINTERFACE_TYPE;

typedef enum _BUS_DATA_TYPE {
  ConfigurationSpaceUndefined = -1,
  Cmos,
  EisaConfiguration,
  Pos,
  CbusConfiguration,
  PCIConfiguration,
  VMEConfiguration,
  NuBusConfiguration,
  PCMCIAConfiguration,
  MPIConfiguration,
  MPSAConfiguration,
  PNPISAConfiguration,
  SgiInternalConfiguration,
  MaximumBusDataType
} BUS_DATA_TYPE, *PBUS_DATA_TYPE;

typedef enum _KINTERRUPT_MODE { LevelSensitive, Latched } KINTERRUPT_MODE;

typedef enum _DMA_WIDTH {
  Width8Bits,
  Width16Bits,
  Width32Bits,
  Width64Bits,
  WidthNoWrap,
  MaximumDmaWidth
} DMA_WIDTH, *PDMA_WIDTH;

typedef enum _DMA_SPEED {
  Compatible,
  TypeA,
  TypeB,
  TypeC,
  TypeF,
  MaximumDmaSpeed
} DMA_SPEED, *PDMA_SPEED;

typedef enum _MEMORY_CACHING_TYPE {
  MmNonCached = 0,
  MmCached = 1,
  MmWriteCombined = 2,
  MmHardwareCoherentCached,
  MmNonCachedUnordered,
  MmUSWCCached,
  MmMaximumCacheType,
  MmNotMapped = -1
} MEMORY_CACHING_TYPE;

/* ------------------------------------------------------------------------------------------ */
/* PCI configuration space, type 0 header (wdm.h). 256 bytes with DeviceSpecific.              */
/* ------------------------------------------------------------------------------------------ */

#define PCI_TYPE0_ADDRESSES 6
#define PCI_TYPE1_ADDRESSES 2
#define PCI_TYPE2_ADDRESSES 5

/* The header fields VendorID..BIST, spelled out so the C and C++ layouts are identical. */
#define MSIRIG_PCI_HEADER_FIELDS_ \
  USHORT VendorID;                \
  USHORT DeviceID;                \
  USHORT Command;                 \
  USHORT Status;                  \
  UCHAR RevisionID;               \
  UCHAR ProgIf;                   \
  UCHAR SubClass;                 \
  UCHAR BaseClass;                \
  UCHAR CacheLineSize;            \
  UCHAR LatencyTimer;             \
  UCHAR HeaderType;               \
  UCHAR BIST;                     \
  union {                         \
    struct _PCI_HEADER_TYPE_0 type0; \
    struct _PCI_HEADER_TYPE_1 type1; \
    struct _PCI_HEADER_TYPE_2 type2; \
  } u;

struct _PCI_HEADER_TYPE_0 {
  ULONG BaseAddresses[PCI_TYPE0_ADDRESSES];
  ULONG CIS;
  USHORT SubVendorID;
  USHORT SubSystemID;
  ULONG ROMBaseAddress;
  UCHAR CapabilitiesPtr;
  UCHAR Reserved1[3];
  ULONG Reserved2;
  UCHAR InterruptLine;
  UCHAR InterruptPin;
  UCHAR MinimumGrant;
  UCHAR MaximumLatency;
};

struct _PCI_HEADER_TYPE_1 {
  ULONG BaseAddresses[PCI_TYPE1_ADDRESSES];
  UCHAR PrimaryBus;
  UCHAR SecondaryBus;
  UCHAR SubordinateBus;
  UCHAR SecondaryLatency;
  UCHAR IOBase;
  UCHAR IOLimit;
  USHORT SecondaryStatus;
  USHORT MemoryBase;
  USHORT MemoryLimit;
  USHORT PrefetchBase;
  USHORT PrefetchLimit;
  ULONG PrefetchBaseUpper32;
  ULONG PrefetchLimitUpper32;
  USHORT IOBaseUpper16;
  USHORT IOLimitUpper16;
  UCHAR CapabilitiesPtr;
  UCHAR Reserved1[3];
  ULONG ROMBaseAddress;
  UCHAR InterruptLine;
  UCHAR InterruptPin;
  USHORT BridgeControl;
};

struct _PCI_HEADER_TYPE_2 {
  ULONG SocketRegistersBaseAddress;
  UCHAR CapabilitiesPtr;
  UCHAR Reserved;
  USHORT SecondaryStatus;
  UCHAR PrimaryBus;
  UCHAR SecondaryBus;
  UCHAR SubordinateBus;
  UCHAR SecondaryLatency;
  struct {
    ULONG Base;
    ULONG Limit;
  } Range[PCI_TYPE2_ADDRESSES - 1];
  UCHAR InterruptLine;
  UCHAR InterruptPin;
  USHORT BridgeControl;
};

typedef struct _PCI_COMMON_HEADER {
  MSIRIG_PCI_HEADER_FIELDS_
} PCI_COMMON_HEADER, *PPCI_COMMON_HEADER;

typedef struct _PCI_COMMON_CONFIG {
  MSIRIG_PCI_HEADER_FIELDS_
  UCHAR DeviceSpecific[192];
} PCI_COMMON_CONFIG, *PPCI_COMMON_CONFIG;

#define PCI_COMMON_HDR_LENGTH (FIELD_OFFSET(PCI_COMMON_CONFIG, DeviceSpecific))
#define PCI_EXTENDED_CONFIG_LENGTH 0x1000
#define PCI_MAX_DEVICES 32
#define PCI_MAX_FUNCTION 8
#define PCI_MAX_BRIDGE_NUMBER 0xFF
#define PCI_INVALID_VENDORID 0xFFFF

/* HeaderType */
#define PCI_MULTIFUNCTION 0x80
#define PCI_DEVICE_TYPE 0x00
#define PCI_BRIDGE_TYPE 0x01
#define PCI_CARDBUS_BRIDGE_TYPE 0x02
#define PCI_CONFIGURATION_TYPE(PciData) (((PPCI_COMMON_CONFIG)(PciData))->HeaderType & ~PCI_MULTIFUNCTION)
#define PCI_MULTIFUNCTION_DEVICE(PciData) \
  ((((PPCI_COMMON_CONFIG)(PciData))->HeaderType & PCI_MULTIFUNCTION) != 0)

/* Command */
#define PCI_ENABLE_IO_SPACE 0x0001
#define PCI_ENABLE_MEMORY_SPACE 0x0002
#define PCI_ENABLE_BUS_MASTER 0x0004
#define PCI_ENABLE_SPECIAL_CYCLES 0x0008
#define PCI_ENABLE_WRITE_AND_INVALIDATE 0x0010
#define PCI_ENABLE_VGA_COMPATIBLE_PALETTE 0x0020
#define PCI_ENABLE_PARITY 0x0040
#define PCI_ENABLE_WAIT_CYCLE 0x0080
#define PCI_ENABLE_SERR 0x0100
#define PCI_ENABLE_FAST_BACK_TO_BACK 0x0200
#define PCI_DISABLE_LEVEL_INTERRUPT 0x0400

/* Status */
#define PCI_STATUS_INTERRUPT_PENDING 0x0008
#define PCI_STATUS_CAPABILITIES_LIST 0x0010
#define PCI_STATUS_66MHZ_CAPABLE 0x0020
#define PCI_STATUS_UDF_SUPPORTED 0x0040
#define PCI_STATUS_FAST_BACK_TO_BACK 0x0080
#define PCI_STATUS_DATA_PARITY_DETECTED 0x0100
#define PCI_STATUS_DEVSEL 0x0600
#define PCI_STATUS_SIGNALED_TARGET_ABORT 0x0800
#define PCI_STATUS_RECEIVED_TARGET_ABORT 0x1000
#define PCI_STATUS_RECEIVED_MASTER_ABORT 0x2000
#define PCI_STATUS_SIGNALED_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY_ERROR 0x8000

/* Capability ids */
#define PCI_CAPABILITY_ID_POWER_MANAGEMENT 0x01
#define PCI_CAPABILITY_ID_AGP 0x02
#define PCI_CAPABILITY_ID_VPD 0x03
#define PCI_CAPABILITY_ID_SLOT_ID 0x04
#define PCI_CAPABILITY_ID_MSI 0x05
#define PCI_CAPABILITY_ID_PCIX 0x07
#define PCI_CAPABILITY_ID_VENDOR_SPECIFIC 0x09
#define PCI_CAPABILITY_ID_PCI_EXPRESS 0x10
#define PCI_CAPABILITY_ID_MSIX 0x11
#define PCI_CAPABILITY_ID_SATA_CONFIGURATION 0x12

/* Base addresses */
#define PCI_ADDRESS_IO_SPACE 0x00000001
#define PCI_ADDRESS_MEMORY_TYPE_MASK 0x00000006
#define PCI_ADDRESS_MEMORY_PREFETCHABLE 0x00000008
#define PCI_ADDRESS_IO_ADDRESS_MASK 0xfffffffcU
#define PCI_ADDRESS_MEMORY_ADDRESS_MASK 0xfffffff0U
#define PCI_ADDRESS_ROM_ADDRESS_MASK 0xfffff800U
#define PCI_TYPE_32BIT 0
#define PCI_TYPE_20BIT 2
#define PCI_TYPE_64BIT 4
#define PCI_ROMADDRESS_ENABLED 0x00000001

/* Class codes used by storage miniports */
#define PCI_CLASS_MASS_STORAGE_CTLR 0x01
#define PCI_SUBCLASS_MSC_SCSI_BUS_CTLR 0x00
#define PCI_SUBCLASS_MSC_IDE_CTLR 0x01
#define PCI_SUBCLASS_MSC_RAID_CTLR 0x04
#define PCI_SUBCLASS_MSC_AHCI_CTLR 0x06
#define PCI_SUBCLASS_MSC_NVM_CTLR 0x08
#define PCI_SUBCLASS_MSC_OTHER 0x80

#ifdef __cplusplus
}  /* extern "C" */
#endif

#pragma GCC diagnostic pop

#endif /* MSIRIG_STORPORT_BASE_H_ */
