/*
 * storport.h - msirig's subset of the Windows WDK km/storport.h, for Storport miniports that run
 * under msirig on Linux (x86-64, built with clang as C17 or C++20).
 *
 * What it is: the names, values, x64 layouts and calling shapes of the WDK header for the parts
 * a PCIe block miniport (storahci, stornvme-class NVMe, virtio-win viostor/vioscsi) uses, so such
 * a miniport compiles against it unchanged. The StorPort* functions are exported by msirig's
 * emulated port driver (storport/src). Layout checks at the end of this file pin the Windows x64
 * (LLP64) layout: ULONG is 32 bits, pointers 64.
 *
 * Shape kept from the WDK: StorPortGetMSIInfo, StorPortAcquireMSISpinLock,
 * StorPortReleaseMSISpinLock, StorPortAllocatePool, ... are FORCEINLINE wrappers over the variadic
 * StorPortExtendedFunction; StorPortAcquireSpinLock, StorPortReleaseSpinLock, StorPortInitializeDpc,
 * StorPortIssueDpc, StorPortEnablePassiveInitialization are wrappers over StorPortNotification.
 * Each wrapper states the argument types the port driver must read with va_arg, in order.
 *
 * Deliberate differences: the register/port access routines are real functions (the WDK's free
 * x64 build turns them into READ_REGISTER_* macros; its DBG build keeps functions), so the rig
 * sees every device access. StorPortMoveMemory is a function, not memmove. NT_ASSERT reports
 * through MsirigNtAssertFailed. STOR_STATUS_* carry a U suffix so they stay 32-bit unsigned as on
 * LLP64 (the WDK's 0x...L is unsigned long there).
 *
 * Files (a miniport includes only this one): storport_base.h (NT base types, macros, wdm.h enums,
 * PCI config space), storport_sal.h (empty SAL), storport_srb.h (SRB), storport_scsi.h and
 * storport_cdb.h (SCSI data), this file (Storport types, callbacks, HW_INITIALIZATION_DATA, layout
 * checks), storport_api.h (dispatch codes, exported routines, FORCEINLINE wrappers).
 *
 * Not included: the extended SRB (STORAGE_REQUEST_BLOCK, SrbEx*), PoFx, ETW, crypto, StorMQ,
 * registry routines, WMI helpers (scsiwmi.h), ATA/NVMe pass-through, ntddk/wdm beyond the few
 * types listed in storport_base.h, and the pre-Win8 layouts.
 *
 * Sources for the facts (never copied text): the WDK DDI reference pages
 * (learn.microsoft.com/windows-hardware/drivers/ddi/storport/, markdown in
 * MicrosoftDocs/windows-driver-docs-ddi wdk-ddi-src/content/storport and /srb); ReactOS
 * sdk/include/ddk/storport.h, srb.h, scsi.h; a WDK-derived storport.h with the Win10 enumerations
 * (w32api lineage, in the public code index); the x64 PDB type dumps of storport.sys
 * (0x00ach/MS-public-PDB-structs: PORT_CONFIGURATION_INFORMATION 0xe0 bytes,
 * HW_INITIALIZATION_DATA 0xd0, KDPC 0x40); storahci (microsoft/Windows-driver-samples) and
 * virtio-win for how miniports use them.
 */
#ifndef _NTSTORPORT_
#define _NTSTORPORT_
#ifndef MSIRIG_STORPORT_H_
#define MSIRIG_STORPORT_H_

/* The WDK dialect (anonymous structs and unions, flexible arrays, ULONG-sized enums) is not
 * ISO C++ and partly not ISO C; keep -Wpedantic quiet inside this header only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

#include "storport_base.h"
#include "storport_scsi.h"
#include "storport_srb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status values                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Returned by StorPortExtendedFunction and its wrappers (storport.h, STOR_STATUS_*). */
#define STOR_STATUS_SUCCESS 0x00000000U
#define STOR_STATUS_UNSUCCESSFUL 0xC1000001U
#define STOR_STATUS_NOT_IMPLEMENTED 0xC1000002U
#define STOR_STATUS_INSUFFICIENT_RESOURCES 0xC1000003U
#define STOR_STATUS_BUFFER_TOO_SMALL 0xC1000004U
#define STOR_STATUS_ACCESS_DENIED 0xC1000005U
#define STOR_STATUS_INVALID_PARAMETER 0xC1000006U
#define STOR_STATUS_INVALID_DEVICE_REQUEST 0xC1000007U
#define STOR_STATUS_INVALID_IRQL 0xC1000008U
#define STOR_STATUS_INVALID_DEVICE_STATE 0xC1000009U
#define STOR_STATUS_INVALID_BUFFER_SIZE 0xC100000AU
#define STOR_STATUS_UNSUPPORTED_VERSION 0xC100000BU
#define STOR_STATUS_BUSY 0xC100000CU
#define STOR_STATUS_THROTTLED_REQUEST 0xC100000DU
#define STOR_STATUS_TIMEOUT 0xC100000EU
#define STOR_STATUS_INVALID_DATA 0xC100000FU

/* HwFindAdapter results. */
#define SP_RETURN_NOT_FOUND 0
#define SP_RETURN_FOUND 1
#define SP_RETURN_ERROR 2
#define SP_RETURN_BAD_CONFIG 3

/* StorPortLogError error codes (a subset of srb.h's SP_*). */
#define SP_BUS_PARITY_ERROR 0x0001
#define SP_UNEXPECTED_DISCONNECT 0x0002
#define SP_INVALID_RESELECTION 0x0003
#define SP_BUS_TIME_OUT 0x0004
#define SP_PROTOCOL_ERROR 0x0005
#define SP_INTERNAL_ADAPTER_ERROR 0x0006
#define SP_REQUEST_TIMEOUT 0x0007
#define SP_IRQ_NOT_RESPONDING 0x0008
#define SP_BAD_FW_WARNING 0x0009
#define SP_BAD_FW_ERROR 0x000a
#define SP_LOST_WMI_MINIPORT_REQUEST 0x000b

/* ------------------------------------------------------------------------------------------ */
/* Basic Storport types                                                                        */
/* ------------------------------------------------------------------------------------------ */

typedef PHYSICAL_ADDRESS STOR_PHYSICAL_ADDRESS, *PSTOR_PHYSICAL_ADDRESS;

typedef struct _ACCESS_RANGE {
  STOR_PHYSICAL_ADDRESS RangeStart;
  ULONG RangeLength;
  BOOLEAN RangeInMemory;
} ACCESS_RANGE, *PACCESS_RANGE;

typedef struct _MEMORY_REGION {
  PUCHAR VirtualBase;
  PHYSICAL_ADDRESS PhysicalBase;
  ULONG Length;
} MEMORY_REGION, *PMEMORY_REGION;

typedef enum _STOR_SYNCHRONIZATION_MODEL {
  StorSynchronizeHalfDuplex,
  StorSynchronizeFullDuplex
} STOR_SYNCHRONIZATION_MODEL;

/* ne-storport-_interrupt_synchronization_mode */
typedef enum _INTERRUPT_SYNCHRONIZATION_MODE {
  InterruptSupportNone,
  InterruptSynchronizeAll,
  InterruptSynchronizePerMessage
} INTERRUPT_SYNCHRONIZATION_MODE;

typedef enum _STOR_DMA_WIDTH {
  DmaUnknown,
  Dma32Bit,
  Dma64BitScatterGather,
  Dma64Bit
} STOR_DMA_WIDTH;

/* ne-storport-_stor_spinlock. ThreadedDpcLock and DpcLevelLock are only valid for the Ex
 * acquire routine, which this header does not declare (SPEC 1). */
typedef enum _STOR_SPINLOCK {
  InvalidLock = 0,
  DpcLock = 1,
  StartIoLock,
  InterruptLock,
  ThreadedDpcLock,
  DpcLevelLock
} STOR_SPINLOCK;

/* PORT_CONFIGURATION_INFORMATION.MapBuffers */
#define STOR_MAP_NO_BUFFERS (0)
#define STOR_MAP_ALL_BUFFERS (1)
#define STOR_MAP_NON_READ_WRITE_BUFFERS (2)
#define STOR_MAP_ALL_BUFFERS_INCLUDING_READ_WRITE (3)

/* PORT_CONFIGURATION_INFORMATION.Dma64BitAddresses */
#define SCSI_DMA64_MINIPORT_SUPPORTED 0x01
#define SCSI_DMA64_MINIPORT_FULL64BIT_SUPPORTED 0x02
#define SCSI_DMA64_MINIPORT_FULL64BIT_NO_BOUNDARY_REQ_SUPPORTED 0x03
#define SCSI_DMA64_SYSTEM_SUPPORTED 0x80

/* PORT_CONFIGURATION_INFORMATION.DumpMode */
#define DUMP_MODE_CRASH 0x01
#define DUMP_MODE_HIBER 0x02
#define DUMP_MODE_MARK_MEMORY 0x03
#define DUMP_MODE_RESUME 0x04

/* PORT_CONFIGURATION_INFORMATION.FeatureSupport */
#define STOR_ADAPTER_FEATURE_DEVICE_TELEMETRY 0x00000001
#define STOR_ADAPTER_FEATURE_STOP_UNIT_DURING_POWER_DOWN 0x00000002
#define STOR_ADAPTER_DMA_V3_PREFERRED 0x00000008
#define STOR_ADAPTER_FEATURE_RICH_TEMPERATURE_THRESHOLD 0x00000020

/* Storage address (Win8+); STOR_ADDRESS_ALIGN is 8 on 64-bit. */
typedef struct DECLSPEC_ALIGN(8) _STOR_ADDRESS {
  USHORT Type;
  USHORT Port;
  ULONG AddressLength;
  UCHAR AddressData[ANYSIZE_ARRAY];
} STOR_ADDRESS, *PSTOR_ADDRESS;

/* STOR_ADDRESS Type values, and the AddressLength of a STOR_ADDR_BTL8. */
#define STOR_ADDRESS_TYPE_UNKNOWN 0x0
#define STOR_ADDRESS_TYPE_BTL8 0x1
#define STOR_ADDRESS_TYPE_MAX 0xffff
#define STOR_ADDR_BTL8_ADDRESS_LENGTH 4

typedef struct DECLSPEC_ALIGN(8) _STOR_ADDR_BTL8 {
  USHORT Type;
  USHORT Port;
  ULONG AddressLength;
  UCHAR Path;
  UCHAR Target;
  UCHAR Lun;
  UCHAR Reserved;
} STOR_ADDR_BTL8, *PSTOR_ADDR_BTL8;

/* ------------------------------------------------------------------------------------------ */
/* Message-signaled interrupts (SPEC 1)                                                        */
/* ------------------------------------------------------------------------------------------ */

/* ns-storport-_message_interrupt_information: offsets 0, 4, 8, 16, 20, 24; 32 bytes. */
typedef struct _MESSAGE_INTERRUPT_INFORMATION {
  ULONG MessageId;
  ULONG MessageData;
  STOR_PHYSICAL_ADDRESS MessageAddress;
  ULONG InterruptVector;
  ULONG InterruptLevel;
  KINTERRUPT_MODE InterruptMode;
} MESSAGE_INTERRUPT_INFORMATION, *PMESSAGE_INTERRUPT_INFORMATION;

/* nc-storport-hw_message_signaled_interrupt_routine */
typedef BOOLEAN NTAPI HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE(_In_ PVOID HwDeviceExtension,
                                                            _In_ ULONG MessageId);
typedef HW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE* PHW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE;

/* ------------------------------------------------------------------------------------------ */
/* PORT_CONFIGURATION_INFORMATION, Win8+ Storport layout (x64: 224 bytes)                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct _PORT_CONFIGURATION_INFORMATION {
  ULONG Length;
  ULONG SystemIoBusNumber;
  INTERFACE_TYPE AdapterInterfaceType;
  ULONG BusInterruptLevel;
  ULONG BusInterruptVector;
  KINTERRUPT_MODE InterruptMode;
  ULONG MaximumTransferLength;
  ULONG NumberOfPhysicalBreaks;
  ULONG DmaChannel;
  ULONG DmaPort;
  DMA_WIDTH DmaWidth;
  DMA_SPEED DmaSpeed;
  ULONG AlignmentMask;
  ULONG NumberOfAccessRanges;
  _Field_size_(NumberOfAccessRanges) ACCESS_RANGE (*AccessRanges)[];
  PVOID MiniportDumpData; /* "Reserved" before Win8 */
  UCHAR NumberOfBuses;
  CCHAR InitiatorBusId[8];
  BOOLEAN ScatterGather;
  BOOLEAN Master;
  BOOLEAN CachesData;
  BOOLEAN AdapterScansDown;
  BOOLEAN AtdiskPrimaryClaimed;
  BOOLEAN AtdiskSecondaryClaimed;
  BOOLEAN Dma32BitAddresses;
  BOOLEAN DemandMode;
  UCHAR MapBuffers;
  BOOLEAN NeedPhysicalAddresses;
  BOOLEAN TaggedQueuing;
  BOOLEAN AutoRequestSense;
  BOOLEAN MultipleRequestPerLu;
  BOOLEAN ReceiveEvent;
  BOOLEAN RealModeInitialized;
  BOOLEAN BufferAccessScsiPortControlled;
  UCHAR MaximumNumberOfTargets;
  UCHAR SrbType;     /* ReservedUchars[0] before Win8 */
  UCHAR AddressType; /* ReservedUchars[1] before Win8 */
  ULONG SlotNumber;
  ULONG BusInterruptLevel2;
  ULONG BusInterruptVector2;
  KINTERRUPT_MODE InterruptMode2;
  ULONG DmaChannel2;
  ULONG DmaPort2;
  DMA_WIDTH DmaWidth2;
  DMA_SPEED DmaSpeed2;
  ULONG DeviceExtensionSize;
  ULONG SpecificLuExtensionSize;
  ULONG SrbExtensionSize;
  UCHAR Dma64BitAddresses;
  BOOLEAN ResetTargetSupported;
  UCHAR MaximumNumberOfLogicalUnits;
  BOOLEAN WmiDataProvider;
  STOR_SYNCHRONIZATION_MODEL SynchronizationModel;
  PHW_MESSAGE_SIGNALED_INTERRUPT_ROUTINE HwMSInterruptRoutine;
  INTERRUPT_SYNCHRONIZATION_MODE InterruptSynchronizationMode;
  MEMORY_REGION DumpRegion;
  ULONG RequestedDumpBufferSize;
  BOOLEAN VirtualDevice;
  UCHAR DumpMode;
  UCHAR DmaAddressWidth; /* Win10 2004+; sits in what was padding */
  ULONG ExtendedFlags1;
  ULONG MaxNumberOfIO;
  ULONG MaxIOsPerLun;
  ULONG InitialLunQueueDepth;
  ULONG BusResetHoldTime; /* microseconds */
  ULONG FeatureSupport;
} PORT_CONFIGURATION_INFORMATION, *PPORT_CONFIGURATION_INFORMATION;

#define CONFIG_INFO_VERSION_2 sizeof(PORT_CONFIGURATION_INFORMATION)

/* ------------------------------------------------------------------------------------------ */
/* Scatter/gather, DPCs, locks                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct _STOR_SCATTER_GATHER_ELEMENT {
  STOR_PHYSICAL_ADDRESS PhysicalAddress;
  ULONG Length;
  ULONG_PTR Reserved;
} STOR_SCATTER_GATHER_ELEMENT, *PSTOR_SCATTER_GATHER_ELEMENT;

typedef struct _STOR_SCATTER_GATHER_LIST {
  ULONG NumberOfElements;
  ULONG_PTR Reserved;
  _Field_size_(NumberOfElements) STOR_SCATTER_GATHER_ELEMENT List[];
} STOR_SCATTER_GATHER_LIST, *PSTOR_SCATTER_GATHER_LIST;

typedef enum _GETSGSTATUS { SG_ALLOCATED = 0, SG_BUFFER_TOO_SMALL } GETSGSTATUS, *PGETSGSTATUS;

/* DPC_BUFFER is the WDK's stand-in for a KDPC: 64 bytes on x64, opaque to the miniport. */
typedef struct _DPC_BUFFER {
  CSHORT Type;
  UCHAR Number;
  UCHAR Importance;
  struct {
    PVOID F;
    PVOID B;
  };
  PVOID DeferredRoutine;
  PVOID DeferredContext;
  PVOID SystemArgument1;
  PVOID SystemArgument2;
  PVOID DpcData;
} DPC_BUFFER;

typedef struct _STOR_DPC {
  DPC_BUFFER Dpc;
  ULONG_PTR Lock;
} STOR_DPC, *PSTOR_DPC;

/* Context has the shape of a KLOCK_QUEUE_HANDLE (24 bytes on x64). */
typedef struct _STOR_LOCK_HANDLE {
  STOR_SPINLOCK Lock;
  struct {
    struct {
      PVOID Next;
      PVOID Lock;
    } LockQueue;
    KIRQL OldIrql;
  } Context;
} STOR_LOCK_HANDLE, *PSTOR_LOCK_HANDLE;

/* ------------------------------------------------------------------------------------------ */
/* Performance options (StorPortInitializePerfOpts)                                            */
/* ------------------------------------------------------------------------------------------ */

#define STOR_PERF_DPC_REDIRECTION 0x00000001
#define STOR_PERF_CONCURRENT_CHANNELS 0x00000002
#define STOR_PERF_INTERRUPT_MESSAGE_RANGES 0x00000004
#define STOR_PERF_ADV_CONFIG_LOCALITY 0x00000008
#define STOR_PERF_OPTIMIZE_FOR_COMPLETION_DURING_STARTIO 0x00000010
#define STOR_PERF_DPC_REDIRECTION_CURRENT_CPU 0x00000020
#define STOR_PERF_NO_SGL 0x00000040
#define STOR_PERF_SOFT_NUMA 0x00000080
#define STOR_PERF_HETEROGENEOUS_CPU 0x00000100
#define STOR_PERF_VERSION_2 0x00000002
#define STOR_PERF_VERSION_3 0x00000003
#define STOR_PERF_VERSION_4 0x00000004
#define STOR_PERF_VERSION_5 0x00000005
#define STOR_PERF_VERSION_6 0x00000006
#define STOR_PERF_VERSION_7 0x00000007
#define STOR_PERF_VERSION_8 0x00000008
#define STOR_PERF_VERSION STOR_PERF_VERSION_8

typedef struct _PERF_CONFIGURATION_DATA {
  ULONG Version;
  ULONG Size;
  ULONG Flags;
  ULONG ConcurrentChannels;
  ULONG FirstRedirectionMessageNumber, LastRedirectionMessageNumber;
  ULONG DeviceNode;
  ULONG Reserved;
  PGROUP_AFFINITY MessageTargets;
} PERF_CONFIGURATION_DATA, *PPERF_CONFIGURATION_DATA;

typedef struct _STARTIO_PERFORMANCE_PARAMETERS {
  ULONG Version;
  ULONG Size;
  ULONG MessageNumber;
  ULONG ChannelNumber;
} STARTIO_PERFORMANCE_PARAMETERS, *PSTARTIO_PERFORMANCE_PARAMETERS;

/* ------------------------------------------------------------------------------------------ */
/* Adapter and unit control                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* The two control-type enums end with a 0xffffffff enumerator that makes them ULONG-sized, as in
 * the WDK (ISO C allows only int-range enumerators; -Wpedantic is off inside this header). */
/* ne-storport-_scsi_adapter_control_type (Win10 list). */
typedef enum _SCSI_ADAPTER_CONTROL_TYPE {
  ScsiQuerySupportedControlTypes = 0,
  ScsiStopAdapter,
  ScsiRestartAdapter,
  ScsiSetBootConfig,
  ScsiSetRunningConfig,
  ScsiPowerSettingNotification,
  ScsiAdapterPower,
  ScsiAdapterPoFxPowerRequired,
  ScsiAdapterPoFxPowerActive,
  ScsiAdapterPoFxPowerSetFState,
  ScsiAdapterPoFxPowerControl,
  ScsiAdapterPrepareForBusReScan,
  ScsiAdapterSystemPowerHints,
  ScsiAdapterFilterResourceRequirements,
  ScsiAdapterPoFxMaxOperationalPower,
  ScsiAdapterPoFxSetPerfState,
  ScsiAdapterSurpriseRemoval,
  ScsiAdapterSerialNumber,
  ScsiAdapterCryptoOperation,
  ScsiAdapterQueryFruId,
  ScsiAdapterSetEventLogging,
  ScsiAdapterReportInternalData,
  ScsiAdapterResetBusSynchronous,
  ScsiAdapterPostHwInitialize,
  ScsiAdapterPrepareEarlyDumpData,
  ScsiAdapterRestoreEarlyDumpData,
  ScsiAdapterKsrPowerDown,
  ScsiAdapterPreparePLDR,
  ScsiNvmeofAdapterOperation,
  ScsiAdapterControlMax,
  MakeAdapterControlTypeSizeOfUlong = 0xffffffff
} SCSI_ADAPTER_CONTROL_TYPE, *PSCSI_ADAPTER_CONTROL_TYPE;

typedef enum _SCSI_ADAPTER_CONTROL_STATUS {
  ScsiAdapterControlSuccess = 0,
  ScsiAdapterControlUnsuccessful,
  ScsiAdapterControlRetryNeeded,
  ScsiAdapterControlBufferTooSmall
} SCSI_ADAPTER_CONTROL_STATUS, *PSCSI_ADAPTER_CONTROL_STATUS;

typedef enum _SCSI_UNIT_CONTROL_TYPE {
  ScsiQuerySupportedUnitControlTypes = 0,
  ScsiUnitUsage,
  ScsiUnitStart,
  ScsiUnitPower,
  ScsiUnitPoFxPowerInfo,
  ScsiUnitPoFxPowerRequired,
  ScsiUnitPoFxPowerActive,
  ScsiUnitPoFxPowerSetFState,
  ScsiUnitPoFxPowerControl,
  ScsiUnitRemove,
  ScsiUnitSurpriseRemoval,
  ScsiUnitRichDescription,
  ScsiUnitQueryBusType,
  ScsiUnitQueryFruId,
  ScsiUnitReportInternalData,
  ScsiUnitKsrPowerDown,
  ScsiUnitControlMax,
  MakeUnitControlTypeSizeOfUlong = 0xffffffff
} SCSI_UNIT_CONTROL_TYPE, *PSCSI_UNIT_CONTROL_TYPE;

typedef enum _SCSI_UNIT_CONTROL_STATUS {
  ScsiUnitControlSuccess = 0,
  ScsiUnitControlUnsuccessful
} SCSI_UNIT_CONTROL_STATUS, *PSCSI_UNIT_CONTROL_STATUS;

/* Parameters of ScsiQuerySupportedControlTypes / ScsiQuerySupportedUnitControlTypes. */
typedef struct _SCSI_SUPPORTED_CONTROL_TYPE_LIST {
  ULONG MaxControlType;
  BOOLEAN SupportedTypeList[];
} SCSI_SUPPORTED_CONTROL_TYPE_LIST, *PSCSI_SUPPORTED_CONTROL_TYPE_LIST;

typedef struct _STOR_POWER_CONTROL_HEADER {
  ULONG Version;
  ULONG Size;
  PSTOR_ADDRESS Address;
} STOR_POWER_CONTROL_HEADER, *PSTOR_POWER_CONTROL_HEADER;

typedef struct _STOR_ADAPTER_CONTROL_POWER {
  STOR_POWER_CONTROL_HEADER Header;
  STOR_POWER_ACTION PowerAction;
  STOR_DEVICE_POWER_STATE PowerState;
} STOR_ADAPTER_CONTROL_POWER, *PSTOR_ADAPTER_CONTROL_POWER;

typedef struct _STOR_UNIT_CONTROL_POWER {
  PSTOR_ADDRESS Address;
  STOR_POWER_ACTION PowerAction;
  STOR_DEVICE_POWER_STATE PowerState;
} STOR_UNIT_CONTROL_POWER, *PSTOR_UNIT_CONTROL_POWER;

/* ------------------------------------------------------------------------------------------ */
/* Miniport callbacks, declared by role type as the WDK does                                   */
/* ------------------------------------------------------------------------------------------ */

/* DriverEntry of a Storport miniport (storahci: sp_DRIVER_INITIALIZE DriverEntry;). */
typedef ULONG NTAPI sp_DRIVER_INITIALIZE(_In_ PVOID DriverObject, _In_ PVOID RegistryPath);
typedef sp_DRIVER_INITIALIZE* Psp_DRIVER_INITIALIZE;

typedef BOOLEAN NTAPI HW_INITIALIZE(_In_ PVOID DeviceExtension);
typedef HW_INITIALIZE* PHW_INITIALIZE;

typedef BOOLEAN NTAPI HW_BUILDIO(_In_ PVOID DeviceExtension, _In_ PSCSI_REQUEST_BLOCK Srb);
typedef HW_BUILDIO* PHW_BUILDIO;

typedef BOOLEAN NTAPI HW_STARTIO(_In_ PVOID DeviceExtension, _In_ PSCSI_REQUEST_BLOCK Srb);
typedef HW_STARTIO* PHW_STARTIO;

typedef BOOLEAN NTAPI HW_INTERRUPT(_In_ PVOID DeviceExtension);
typedef HW_INTERRUPT* PHW_INTERRUPT;

typedef VOID NTAPI HW_TIMER(_In_ PVOID DeviceExtension);
typedef HW_TIMER* PHW_TIMER;

typedef VOID NTAPI HW_TIMER_EX(_In_ PVOID DeviceExtension, _In_opt_ PVOID Context);
typedef HW_TIMER_EX* PHW_TIMER_EX;

typedef VOID NTAPI HW_DMA_STARTED(_In_ PVOID DeviceExtension);
typedef HW_DMA_STARTED* PHW_DMA_STARTED;

/* nc-storport-hw_find_adapter. Returns SP_RETURN_*. The last parameter is reserved
 * ("Again" in scsiport); Storport passes NULL or ignores it. */
typedef ULONG NTAPI HW_FIND_ADAPTER(_In_ PVOID DeviceExtension, _In_ PVOID HwContext,
                                    _In_ PVOID BusInformation, _In_z_ PCHAR ArgumentString,
                                    _Inout_ PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                    _In_ PBOOLEAN Reserved3);
typedef HW_FIND_ADAPTER* PHW_FIND_ADAPTER;

typedef BOOLEAN NTAPI HW_RESET_BUS(_In_ PVOID DeviceExtension, _In_ ULONG PathId);
typedef HW_RESET_BUS* PHW_RESET_BUS;

typedef BOOLEAN NTAPI HW_ADAPTER_STATE(_In_ PVOID DeviceExtension, _In_ PVOID Context,
                                       _In_ BOOLEAN SaveState);
typedef HW_ADAPTER_STATE* PHW_ADAPTER_STATE;

typedef SCSI_ADAPTER_CONTROL_STATUS NTAPI HW_ADAPTER_CONTROL(
    _In_ PVOID DeviceExtension, _In_ SCSI_ADAPTER_CONTROL_TYPE ControlType, _In_ PVOID Parameters);
typedef HW_ADAPTER_CONTROL* PHW_ADAPTER_CONTROL;

typedef SCSI_UNIT_CONTROL_STATUS NTAPI HW_UNIT_CONTROL(_In_ PVOID DeviceExtension,
                                                       _In_ SCSI_UNIT_CONTROL_TYPE ControlType,
                                                       _In_ PVOID Parameters);
typedef HW_UNIT_CONTROL* PHW_UNIT_CONTROL;

typedef BOOLEAN NTAPI HW_PASSIVE_INITIALIZE_ROUTINE(_In_ PVOID DeviceExtension);
typedef HW_PASSIVE_INITIALIZE_ROUTINE* PHW_PASSIVE_INITIALIZE_ROUTINE;

typedef VOID NTAPI HW_DPC_ROUTINE(_In_ PSTOR_DPC Dpc, _In_ PVOID HwDeviceExtension,
                                  _In_opt_ PVOID SystemArgument1, _In_opt_ PVOID SystemArgument2);
typedef HW_DPC_ROUTINE* PHW_DPC_ROUTINE;

typedef VOID NTAPI HW_WORKITEM(_In_ PVOID HwDeviceExtension, _In_opt_ PVOID Context,
                               _In_ PVOID Worker);
typedef HW_WORKITEM* PHW_WORKITEM;

typedef VOID NTAPI HW_FREE_ADAPTER_RESOURCES(_In_ PVOID DeviceExtension);
typedef HW_FREE_ADAPTER_RESOURCES* PHW_FREE_ADAPTER_RESOURCES;

typedef VOID NTAPI HW_PROCESS_SERVICE_REQUEST(_In_ PVOID DeviceExtension, _In_ PVOID Irp);
typedef HW_PROCESS_SERVICE_REQUEST* PHW_PROCESS_SERVICE_REQUEST;

typedef VOID NTAPI HW_COMPLETE_SERVICE_IRP(_In_ PVOID DeviceExtension);
typedef HW_COMPLETE_SERVICE_IRP* PHW_COMPLETE_SERVICE_IRP;

typedef VOID NTAPI HW_INITIALIZE_TRACING(_In_ PVOID Arg1, _In_ PVOID Arg2);
typedef HW_INITIALIZE_TRACING* PHW_INITIALIZE_TRACING;

typedef VOID NTAPI HW_CLEANUP_TRACING(_In_ PVOID Arg1);
typedef HW_CLEANUP_TRACING* PHW_CLEANUP_TRACING;

typedef VOID NTAPI HW_TRACING_ENABLED(_In_ PVOID HwDeviceExtension, _In_ BOOLEAN Enabled);
typedef HW_TRACING_ENABLED* PHW_TRACING_ENABLED;

/* nc-storport-stor_synchronized_access: runs holding the interrupt lock(s); its result is
 * StorPortSynchronizeAccess's result. */
typedef BOOLEAN NTAPI STOR_SYNCHRONIZED_ACCESS(_In_ PVOID HwDeviceExtension, _In_ PVOID Context);
typedef STOR_SYNCHRONIZED_ACCESS* PSTOR_SYNCHRONIZED_ACCESS;

typedef VOID NTAPI POST_SCATTER_GATHER_EXECUTE(_In_ PVOID* DeviceObject, _In_ PVOID* Irp,
                                               _In_ PSTOR_SCATTER_GATHER_LIST ScatterGather,
                                               _In_ PVOID Context);
typedef POST_SCATTER_GATHER_EXECUTE* PPOST_SCATTER_GATHER_EXECUTE;

/* ------------------------------------------------------------------------------------------ */
/* HW_INITIALIZATION_DATA, Win8+ Storport layout (x64: 208 bytes)                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct _HW_INITIALIZATION_DATA {
  ULONG HwInitializationDataSize;
  INTERFACE_TYPE AdapterInterfaceType;
  PHW_INITIALIZE HwInitialize;
  PHW_STARTIO HwStartIo;
  PHW_INTERRUPT HwInterrupt;
  PHW_FIND_ADAPTER HwFindAdapter;
  PHW_RESET_BUS HwResetBus;
  PHW_DMA_STARTED HwDmaStarted;
  PHW_ADAPTER_STATE HwAdapterState;
  ULONG DeviceExtensionSize;
  ULONG SpecificLuExtensionSize;
  ULONG SrbExtensionSize;
  ULONG NumberOfAccessRanges;
  PVOID Reserved;
  UCHAR MapBuffers;
  BOOLEAN NeedPhysicalAddresses;
  BOOLEAN TaggedQueuing;
  BOOLEAN AutoRequestSense;
  BOOLEAN MultipleRequestPerLu;
  BOOLEAN ReceiveEvent;
  USHORT VendorIdLength;
  PVOID VendorId;
  union {
    USHORT ReservedUshort;
    USHORT PortVersionFlags;
  };
  USHORT DeviceIdLength;
  PVOID DeviceId;
  PHW_ADAPTER_CONTROL HwAdapterControl;
  PHW_BUILDIO HwBuildIo;
  PHW_FREE_ADAPTER_RESOURCES HwFreeAdapterResources;
  PHW_PROCESS_SERVICE_REQUEST HwProcessServiceRequest;
  PHW_COMPLETE_SERVICE_IRP HwCompleteServiceIrp;
  PHW_INITIALIZE_TRACING HwInitializeTracing;
  PHW_CLEANUP_TRACING HwCleanupTracing;
  PHW_TRACING_ENABLED HwTracingEnabled;
  ULONG FeatureSupport;
  ULONG SrbTypeFlags;
  ULONG AddressTypeFlags;
  ULONG Reserved1;
  PHW_UNIT_CONTROL HwUnitControl;
} HW_INITIALIZATION_DATA, *PHW_INITIALIZATION_DATA;

#define HW_INIT_DATA_SIZE_PHYSICAL FIELD_OFFSET(HW_INITIALIZATION_DATA, HwFreeAdapterResources)
#define HW_INIT_DATA_SIZE_VIRTUAL FIELD_OFFSET(HW_INITIALIZATION_DATA, HwTracingEnabled)

/* HW_INITIALIZATION_DATA.FeatureSupport */
#define STOR_FEATURE_VIRTUAL_MINIPORT 0x00000001
#define STOR_FEATURE_ATA_PASS_THROUGH 0x00000002
#define STOR_FEATURE_FULL_PNP_DEVICE_CAPABILITIES 0x00000004
#define STOR_FEATURE_DUMP_POINTERS 0x00000008
#define STOR_FEATURE_DEVICE_NAME_NO_SUFFIX 0x00000010
#define STOR_FEATURE_DUMP_RESUME_CAPABLE 0x00000020
#define STOR_FEATURE_DEVICE_DESCRIPTOR_FROM_ATA_INFO_VPD 0x00000040
#define STOR_FEATURE_EXTRA_IO_INFORMATION 0x00000080
#define STOR_FEATURE_ADAPTER_CONTROL_PRE_FINDADAPTER 0x00000100
#define STOR_FEATURE_ADAPTER_NOT_REQUIRE_IO_PORT 0x00000200
#define STOR_FEATURE_SET_ADAPTER_INTERFACE_TYPE 0x00000800
#define STOR_FEATURE_DUMP_INFO 0x00001000
#define STOR_FEATURE_SUPPORTS_NVME_ADAPTER 0x00004000

/* HW_INITIALIZATION_DATA.SrbTypeFlags / AddressTypeFlags */
#define SRB_TYPE_FLAG_SCSI_REQUEST_BLOCK 0x1
#define SRB_TYPE_FLAG_STORAGE_REQUEST_BLOCK 0x2
#define ADDRESS_TYPE_FLAG_BTL8 0x1

/* The dispatch codes, the routines the port driver exports, and the FORCEINLINE wrappers. */
#include "storport_api.h"

/* ------------------------------------------------------------------------------------------ */
/* Layout checks: Windows x64 (SPEC 1; PDB type dumps of storport.sys)                         */
/* ------------------------------------------------------------------------------------------ */

#if defined(__x86_64__)
C_ASSERT(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(PVOID) == 8);
C_ASSERT(sizeof(LARGE_INTEGER) == 8 && __alignof__(LARGE_INTEGER) == 8);
C_ASSERT(sizeof(STOR_PHYSICAL_ADDRESS) == 8);
C_ASSERT(sizeof(KINTERRUPT_MODE) == 4);

C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, MessageId) == 0);
C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, MessageData) == 4);
C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, MessageAddress) == 8);
C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, InterruptVector) == 16);
C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, InterruptLevel) == 20);
C_ASSERT(FIELD_OFFSET(MESSAGE_INTERRUPT_INFORMATION, InterruptMode) == 24);
C_ASSERT(sizeof(MESSAGE_INTERRUPT_INFORMATION) == 32);

C_ASSERT(sizeof(ACCESS_RANGE) == 16);
C_ASSERT(sizeof(MEMORY_REGION) == 24);

C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, InterruptMode) == 20);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, AccessRanges) == 56);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, MiniportDumpData) == 0x40);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, NumberOfBuses) == 0x48);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, SrbType) == 0x62);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, SlotNumber) == 0x64);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, DeviceExtensionSize) == 0x84);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, Dma64BitAddresses) == 0x90);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, SynchronizationModel) == 148);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, HwMSInterruptRoutine) == 152);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, InterruptSynchronizationMode) == 160);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, DumpRegion) == 168);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, RequestedDumpBufferSize) == 0xc0);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, DumpMode) == 0xc5);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, ExtendedFlags1) == 0xc8);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, MaxNumberOfIO) == 204);
C_ASSERT(FIELD_OFFSET(PORT_CONFIGURATION_INFORMATION, FeatureSupport) == 0xdc);
C_ASSERT(sizeof(PORT_CONFIGURATION_INFORMATION) == 224);

C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwInitialize) == 0x08);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwFindAdapter) == 0x20);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, DeviceExtensionSize) == 0x40);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, MapBuffers) == 0x58);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, VendorId) == 0x60);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, DeviceIdLength) == 0x6a);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, DeviceId) == 0x70);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwAdapterControl) == 0x78);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwBuildIo) == 0x80);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwFreeAdapterResources) == 0x88);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwTracingEnabled) == 0xb0);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, FeatureSupport) == 0xb8);
C_ASSERT(FIELD_OFFSET(HW_INITIALIZATION_DATA, HwUnitControl) == 0xc8);
C_ASSERT(sizeof(HW_INITIALIZATION_DATA) == 0xd0);

C_ASSERT(FIELD_OFFSET(SCSI_REQUEST_BLOCK, SrbFlags) == 12);
C_ASSERT(FIELD_OFFSET(SCSI_REQUEST_BLOCK, DataBuffer) == 24);
C_ASSERT(FIELD_OFFSET(SCSI_REQUEST_BLOCK, SrbExtension) == 56);
C_ASSERT(FIELD_OFFSET(SCSI_REQUEST_BLOCK, InternalStatus) == 64);
C_ASSERT(FIELD_OFFSET(SCSI_REQUEST_BLOCK, Cdb) == 72);
C_ASSERT(sizeof(SCSI_REQUEST_BLOCK) == 88);
C_ASSERT(sizeof(SCSI_POWER_REQUEST_BLOCK) == 88);
C_ASSERT(sizeof(SCSI_PNP_REQUEST_BLOCK) == 88);
C_ASSERT(sizeof(SCSI_WMI_REQUEST_BLOCK) == 88);

C_ASSERT(sizeof(STOR_SCATTER_GATHER_ELEMENT) == 24);
C_ASSERT(FIELD_OFFSET(STOR_SCATTER_GATHER_LIST, List) == 16);
C_ASSERT(sizeof(DPC_BUFFER) == 64); /* == sizeof(KDPC) on x64 */
C_ASSERT(FIELD_OFFSET(STOR_DPC, Lock) == 64);
C_ASSERT(sizeof(STOR_DPC) == 72);
C_ASSERT(FIELD_OFFSET(STOR_LOCK_HANDLE, Context) == 8);
C_ASSERT(sizeof(STOR_LOCK_HANDLE) == 32);
C_ASSERT(sizeof(PERF_CONFIGURATION_DATA) == 40);
C_ASSERT(sizeof(STOR_ADDR_BTL8) == 16);

C_ASSERT(sizeof(CDB) == 16);
C_ASSERT(sizeof(SENSE_DATA) == 18);
C_ASSERT(FIELD_OFFSET(INQUIRYDATA, VendorId) == 8);
C_ASSERT(FIELD_OFFSET(INQUIRYDATA, VendorSpecific) == INQUIRYDATABUFFERSIZE);
C_ASSERT(sizeof(INQUIRYDATA) == 104);
C_ASSERT(sizeof(READ_CAPACITY_DATA) == 8);
C_ASSERT(sizeof(READ_CAPACITY_DATA_EX) == 12);
C_ASSERT(sizeof(READ_CAPACITY16_DATA) == 32);
C_ASSERT(FIELD_OFFSET(LUN_LIST, Lun) == 8);

C_ASSERT(PCI_COMMON_HDR_LENGTH == 64);
C_ASSERT(sizeof(PCI_COMMON_HEADER) == 64);
C_ASSERT(sizeof(PCI_COMMON_CONFIG) == 256);
C_ASSERT(FIELD_OFFSET(PCI_COMMON_CONFIG, u.type0.BaseAddresses) == 0x10);
C_ASSERT(FIELD_OFFSET(PCI_COMMON_CONFIG, u.type0.CapabilitiesPtr) == 0x34);
C_ASSERT(FIELD_OFFSET(PCI_COMMON_CONFIG, u.type0.InterruptLine) == 0x3c);
#endif /* __x86_64__ */

#ifdef __cplusplus
}  /* extern "C" */
#endif

#pragma GCC diagnostic pop

#endif /* MSIRIG_STORPORT_H_ */
#endif /* _NTSTORPORT_ */
