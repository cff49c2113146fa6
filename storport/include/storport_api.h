/*
 * storport_api.h - the routines of msirig's WDK-compatible storport.h: the notification and
 * extended-function codes, the StorPort* routines the emulated port driver exports, and the
 * FORCEINLINE wrappers the WDK builds over StorPortNotification and StorPortExtendedFunction.
 *
 * Included by storport.h after the types; a miniport includes only <storport.h>.
 * Sources: the StorPort* reference pages (learn.microsoft.com/windows-hardware/drivers/ddi/
 * storport/nf-storport-*), ReactOS sdk/include/ddk/storport.h, and the WDK-derived storport.h with
 * the Win10 enumerations (see storport.h's banner).
 *
 * For the port driver: every wrapper's comment lists what the callee reads with va_arg after
 * HwDeviceExtension, in order. C default argument promotions apply to the variadic part: a
 * UCHAR, USHORT, BOOLEAN or enum argument arrives as int (reading it as int or as ULONG is fine,
 * C17 7.16.1.1); ULONG stays ULONG; ULONGLONG stays ULONGLONG; pointers keep their type.
 */
#ifndef MSIRIG_STORPORT_API_H_
#define MSIRIG_STORPORT_API_H_

#ifndef MSIRIG_STORPORT_H_
#error "include <storport.h>, not storport_api.h"
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Notification and extended-function codes                                                    */
/* ------------------------------------------------------------------------------------------ */

/* ne-storport-_scsi_notification_type. Arguments after HwDeviceExtension, as the callee reads
 * them with va_arg (UCHAR/BOOLEAN/enum arguments arrive promoted to int):
 *   RequestComplete        PSCSI_REQUEST_BLOCK
 *   NextRequest, ResetDetected, LinkUp, LinkDown, BufferOverrunDetected   (none)
 *   NextLuRequest          int PathId, int TargetId, int Lun
 *   RequestTimerCall       PHW_TIMER, ULONG MiniportTimerValue (microseconds; 0 cancels)
 *   BusChangeDetected      int PathId (optional)
 *   QueryTickCount         PLARGE_INTEGER
 *   IoTargetRequestServiceTime  ULONGLONG Duration, PSCSI_REQUEST_BLOCK
 *   EnablePassiveInitialization, InitializeDpc, IssueDpc, AcquireSpinLock, ReleaseSpinLock:
 *                          see the FORCEINLINE wrappers below. */
typedef enum _SCSI_NOTIFICATION_TYPE {
  RequestComplete,
  NextRequest,
  NextLuRequest,
  ResetDetected,
  _obsolete1, /* CallDisableInterrupts in scsiport */
  _obsolete2, /* CallEnableInterrupts in scsiport */
  RequestTimerCall,
  BusChangeDetected,
  WMIEvent,
  WMIReregister,
  LinkUp,
  LinkDown,
  QueryTickCount,
  BufferOverrunDetected,
  TraceNotification,
  GetExtendedFunctionTable,
  EnablePassiveInitialization = 0x1000,
  InitializeDpc,
  IssueDpc,
  AcquireSpinLock,
  ReleaseSpinLock,
  StateChangeDetectedCall,
  IoTargetRequestServiceTime,
  AsyncNotificationDetected,
  RequestDirectComplete,
  InitializeDpcWithContext,
  InitializeThreadedDpc,
  SetTargetProcessorDpc,
  MarkDeviceFailed,
  MarkDeviceFailedEx,
  TerminateSystemThread,
  NvmeofNotification
} SCSI_NOTIFICATION_TYPE, *PSCSI_NOTIFICATION_TYPE;

/* The scsiport names of the two obsolete codes. */
#define CallDisableInterrupts _obsolete1
#define CallEnableInterrupts _obsolete2

/* STORPORT_FUNCTION_CODE, in WDK order; the value is the position. 11..15 are pinned by SPEC 1. */
typedef enum _STORPORT_FUNCTION_CODE {
  ExtFunctionAllocatePool,                            /* 0 */
  ExtFunctionFreePool,                                /* 1 */
  ExtFunctionAllocateMdl,                             /* 2 */
  ExtFunctionFreeMdl,                                 /* 3 */
  ExtFunctionBuildMdlForNonPagedPool,                 /* 4 */
  ExtFunctionGetSystemAddress,                        /* 5 */
  ExtFunctionGetOriginalMdl,                          /* 6 */
  ExtFunctionCompleteServiceIrp,                      /* 7 */
  ExtFunctionGetDeviceObjects,                        /* 8 */
  ExtFunctionBuildScatterGatherList,                  /* 9 */
  ExtFunctionPutScatterGatherList,                    /* 10 */
  ExtFunctionAcquireMSISpinLock,                      /* 11, Vista */
  ExtFunctionReleaseMSISpinLock,                      /* 12 */
  ExtFunctionGetMessageInterruptInformation,          /* 13 */
  ExtFunctionInitializePerformanceOptimizations,      /* 14 */
  ExtFunctionGetStartIoPerformanceParameters,         /* 15 */
  ExtFunctionLogSystemEvent,                          /* 16, Win7 */
  ExtFunctionGetCurrentProcessorNumber,               /* 17 */
  ExtFunctionGetActiveGroupCount,                     /* 18 */
  ExtFunctionGetGroupAffinity,                        /* 19 */
  ExtFunctionGetActiveNodeCount,                      /* 20 */
  ExtFunctionGetNodeAffinity,                         /* 21 */
  ExtFunctionGetHighestNodeNumber,                    /* 22 */
  ExtFunctionGetLogicalProcessorRelationship,         /* 23 */
  ExtFunctionAllocateContiguousMemorySpecifyCacheNode, /* 24 */
  ExtFunctionFreeContiguousMemorySpecifyCache,        /* 25 */
  ExtFunctionSetPowerSettingNotificationGuids,        /* 26, Win8 */
  ExtFunctionInvokeAcpiMethod,                        /* 27 */
  ExtFunctionGetRequestInfo,                          /* 28 */
  ExtFunctionInitializeWorker,                        /* 29 */
  ExtFunctionQueueWorkItem,                           /* 30 */
  ExtFunctionFreeWorker,                              /* 31 */
  ExtFunctionInitializeTimer,                         /* 32 */
  ExtFunctionRequestTimer,                            /* 33 */
  ExtFunctionFreeTimer,                               /* 34 */
  ExtFunctionInitializeSListHead,                     /* 35 */
  ExtFunctionInterlockedFlushSList,                   /* 36 */
  ExtFunctionInterlockedPopEntrySList,                /* 37 */
  ExtFunctionInterlockedPushEntrySList,               /* 38 */
  ExtFunctionQueryDepthSList,                         /* 39 */
  ExtFunctionGetActivityId,                           /* 40 */
  ExtFunctionGetSystemPortNumber,                     /* 41 */
  ExtFunctionGetDataInBufferMdl,                      /* 42 */
  ExtFunctionGetDataInBufferSystemAddress,            /* 43 */
  ExtFunctionGetDataInBufferScatterGatherList,        /* 44 */
  ExtFunctionMarkDumpMemory,                          /* 45 */
  ExtFunctionSetUnitAttributes,                       /* 46 */
  ExtFunctionQueryPerformanceCounter,                 /* 47 */
  ExtFunctionInitializePoFxPower,                     /* 48 */
  ExtFunctionPoFxActivateComponent,                   /* 49 */
  ExtFunctionPoFxIdleComponent,                       /* 50 */
  ExtFunctionPoFxSetComponentLatency,                 /* 51 */
  ExtFunctionPoFxSetComponentResidency,               /* 52 */
  ExtFunctionPoFxPowerControl,                        /* 53 */
  ExtFunctionFlushDataBufferMdl,                      /* 54 */
  ExtFunctionDeviceOperationAllowed,                  /* 55 */
  ExtFunctionGetProcessorIndexFromNumber,             /* 56 */
  ExtFunctionPoFxSetIdleTimeout,                      /* 57 */
  ExtFunctionMiniportEtwEvent2,                       /* 58 */
  ExtFunctionMiniportEtwEvent4,                       /* 59 */
  ExtFunctionMiniportEtwEvent8,                       /* 60 */
  ExtFunctionCurrentOsInstallationUpgrade,            /* 61 */
  ExtFunctionRegistryReadAdapterKey,                  /* 62 */
  ExtFunctionRegistryWriteAdapterKey,                 /* 63 */
  ExtFunctionSetAdapterBusType,                       /* 64 */
  ExtFunctionPoFxRegisterPerfStates,                  /* 65 */
  ExtFunctionPoFxSetPerfState,                        /* 66 */
  ExtFunctionGetD3ColdSupport,                        /* 67 */
  ExtFunctionInitializeRpmb,                          /* 68 */
  ExtFunctionAllocateHmb,                             /* 69 */
  ExtFunctionFreeHmb,                                 /* 70 */
  ExtFunctionPropagateIrpExtension,                   /* 71 */
  ExtFunctionInterlockedInsertHeadList,               /* 72 */
  ExtFunctionInterlockedInsertTailList,               /* 73 */
  ExtFunctionInterlockedRemoveHeadList,               /* 74 */
  ExtFunctionInitializeSpinlock,                      /* 75 */
  ExtFunctionGetPfns,                                 /* 76 */
  ExtFunctionInitializeCryptoEngine,                  /* 77 */
  ExtFunctionGetRequestCryptoInfo,                    /* 78 */
  ExtFunctionMiniportTelemetry,                       /* 79 */
  ExtFunctionUpdateAdapterMaxIO,                      /* 80 */
  ExtFunctionDelayExecution,                          /* 81 */
  ExtFunctionAllocateDmaMemory,                       /* 82 */
  ExtFunctionFreeDmaMemory,                           /* 83 */
  ExtFunctionUpdateAdapterMaxIOInfo,                  /* 84 */
  ExtFunctionMiniportChannelEtwEvent2,                /* 85 */
  ExtFunctionMiniportChannelEtwEvent4,                /* 86 */
  ExtFunctionMiniportChannelEtwEvent8,                /* 87 */
  ExtFunctionInitializeHighResolutionTimer,           /* 88 */
  ExtFunctionRequestHighResolutionTimer,              /* 89 */
  ExtFunctionCancelHighResolutionTimer,               /* 90 */
  ExtFunctionFreeHighResolutionTimer,                 /* 91 */
  ExtFunctionGetCurrentProcessorIndex,                /* 92 */
  ExtFunctionAcquireSpinLock,                         /* 93 */
  ExtFunctionGetProcessorCount,                       /* 94 */
  ExtFunctionCancelDpc,                               /* 95 */
  ExtFunctionMiniportTelemetryEx,                     /* 96 */
  ExtFunctionQueryConfiguration,                      /* 97 */
  ExtFunctionLogHardwareError,                        /* 98 */
  ExtFunctionInitializeEvent,                         /* 99 */
  ExtFunctionWaitForEvent,                            /* 100 */
  ExtFunctionSetEvent,                                /* 101 */
  ExtFunctionDeviceReset,                             /* 102 */
  ExtFunctionSetFeatureList,                          /* 103 */
  ExtFunctionCaptureLiveDump,                         /* 104 */
  ExtFunctionMiniportLogByteStream,                   /* 105 */
  ExtFunctionQueryDpcWatchdogInformation,             /* 106 */
  ExtFunctionQueryTimerMinInterval,                   /* 107 */
  ExtFunctionMaskPciMsixEntry,                        /* 108 */
  ExtFunctionGetCurrentIrql,                          /* 109 */
  ExtFunctionCreateSystemThread,                      /* 110 */
  ExtFunctionSetPriorityThread,                       /* 111 */
  ExtFunctionSetSystemGroupAffinityThread,            /* 112 */
  ExtFunctionRevertToUserGroupAffinityThread,         /* 113 */
  ExtFunctionDeviceResetEx,                           /* 114 */
  ExtFunctionMiniportReportInternalData,              /* 115 */
  ExtFunctionGetMessageInterruptIDFromProcessorIndex, /* 116 */
  ExtFunctionGetNodeAffinity2,                        /* 117 */
  ExtFunctionEnableRegistryKeyNotification,           /* 118 */
  ExtFunctionPoFxRegisterPerfStatesEx,                /* 119 */
  ExtFunctionReadRegistryKey,                         /* 120 */
  ExtFunctionGetDeviceBase2,                          /* 121 */
  ExtFunctionIsDriverHotSwapEnabled,                  /* 122 */
  ExtFunctionRegisterDriverProxy,                     /* 123 */
  ExtFunctionRegisterDriverProxyEndpoints,            /* 124 */
  ExtFunctionGetDriverProxyEndpointWrapper,           /* 125 */
  ExtFunctionNvmeIceIoStart,                          /* 126 */
  ExtFunctionNvmeIceIoComplete,                       /* 127 */
  ExtFunctionNvmeMiniportEvent,                       /* 128 */
  ExtFunctionNvmeMiniportTelemetry                    /* 129 */
} STORPORT_FUNCTION_CODE, *PSTORPORT_FUNCTION_CODE;

/* ------------------------------------------------------------------------------------------ */
/* Routines exported by the (emulated) port driver                                             */
/* ------------------------------------------------------------------------------------------ */

STORPORT_API ULONG NTAPI StorPortInitialize(_In_ PVOID Argument1, _In_ PVOID Argument2,
                                            _In_ struct _HW_INITIALIZATION_DATA* HwInitializationData,
                                            _In_opt_ PVOID HwContext);

/* The variadic dispatchers. See SCSI_NOTIFICATION_TYPE and each wrapper for the argument lists. */
STORPORT_API VOID StorPortNotification(_In_ SCSI_NOTIFICATION_TYPE NotificationType,
                                       _In_ PVOID HwDeviceExtension, ...);
STORPORT_API ULONG StorPortExtendedFunction(_In_ STORPORT_FUNCTION_CODE FunctionCode,
                                            _In_ PVOID HwDeviceExtension, ...);

STORPORT_API PVOID NTAPI StorPortGetDeviceBase(_In_ PVOID HwDeviceExtension,
                                               _In_ INTERFACE_TYPE BusType,
                                               _In_ ULONG SystemIoBusNumber,
                                               _In_ STOR_PHYSICAL_ADDRESS IoAddress,
                                               _In_ ULONG NumberOfBytes, _In_ BOOLEAN InIoSpace);
STORPORT_API VOID NTAPI StorPortFreeDeviceBase(_In_ PVOID HwDeviceExtension,
                                               _In_ PVOID MappedAddress);
STORPORT_API BOOLEAN NTAPI StorPortValidateRange(_In_ PVOID HwDeviceExtension,
                                                 _In_ INTERFACE_TYPE BusType,
                                                 _In_ ULONG SystemIoBusNumber,
                                                 _In_ STOR_PHYSICAL_ADDRESS IoAddress,
                                                 _In_ ULONG NumberOfBytes, _In_ BOOLEAN InIoSpace);

STORPORT_API ULONG NTAPI StorPortGetBusData(_In_ PVOID DeviceExtension, _In_ ULONG BusDataType,
                                            _In_ ULONG SystemIoBusNumber, _In_ ULONG SlotNumber,
                                            _Out_writes_bytes_(Length) PVOID Buffer,
                                            _In_ ULONG Length);
STORPORT_API ULONG NTAPI StorPortSetBusDataByOffset(_In_ PVOID DeviceExtension,
                                                    _In_ ULONG BusDataType,
                                                    _In_ ULONG SystemIoBusNumber,
                                                    _In_ ULONG SlotNumber,
                                                    _In_reads_bytes_(Length) PVOID Buffer,
                                                    _In_ ULONG Offset, _In_ ULONG Length);

STORPORT_API PVOID NTAPI StorPortGetUncachedExtension(_In_ PVOID HwDeviceExtension,
                                                      _In_ PPORT_CONFIGURATION_INFORMATION ConfigInfo,
                                                      _In_ ULONG NumberOfBytes);
STORPORT_API STOR_PHYSICAL_ADDRESS NTAPI StorPortGetPhysicalAddress(
    _In_ PVOID HwDeviceExtension, _In_opt_ PSCSI_REQUEST_BLOCK Srb, _In_ PVOID VirtualAddress,
    _Out_ ULONG* Length);
STORPORT_API PVOID NTAPI StorPortGetVirtualAddress(_In_ PVOID HwDeviceExtension,
                                                   _In_ STOR_PHYSICAL_ADDRESS PhysicalAddress);
STORPORT_API PSTOR_SCATTER_GATHER_LIST NTAPI StorPortGetScatterGatherList(
    _In_ PVOID HwDeviceExtension, _In_ PSCSI_REQUEST_BLOCK Srb);

STORPORT_API PVOID NTAPI StorPortGetLogicalUnit(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                                _In_ UCHAR TargetId, _In_ UCHAR Lun);
STORPORT_API PSCSI_REQUEST_BLOCK NTAPI StorPortGetSrb(_In_ PVOID DeviceExtension,
                                                      _In_ UCHAR PathId, _In_ UCHAR TargetId,
                                                      _In_ UCHAR Lun, _In_ LONG QueueTag);
STORPORT_API VOID NTAPI StorPortCompleteRequest(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                                _In_ UCHAR TargetId, _In_ UCHAR Lun,
                                                _In_ UCHAR SrbStatus);

STORPORT_API BOOLEAN NTAPI StorPortBusy(_In_ PVOID HwDeviceExtension,
                                        _In_ ULONG RequestsToComplete);
STORPORT_API BOOLEAN NTAPI StorPortReady(_In_ PVOID HwDeviceExtension);
STORPORT_API BOOLEAN NTAPI StorPortPause(_In_ PVOID HwDeviceExtension, _In_ ULONG Timeout);
STORPORT_API BOOLEAN NTAPI StorPortResume(_In_ PVOID HwDeviceExtension);
STORPORT_API BOOLEAN NTAPI StorPortDeviceBusy(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                              _In_ UCHAR TargetId, _In_ UCHAR Lun,
                                              _In_ ULONG RequestsToComplete);
STORPORT_API BOOLEAN NTAPI StorPortDeviceReady(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                               _In_ UCHAR TargetId, _In_ UCHAR Lun);
STORPORT_API BOOLEAN NTAPI StorPortPauseDevice(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                               _In_ UCHAR TargetId, _In_ UCHAR Lun,
                                               _In_ ULONG Timeout);
STORPORT_API BOOLEAN NTAPI StorPortResumeDevice(_In_ PVOID HwDeviceExtension, _In_ UCHAR PathId,
                                                _In_ UCHAR TargetId, _In_ UCHAR Lun);
STORPORT_API BOOLEAN NTAPI StorPortSetDeviceQueueDepth(_In_ PVOID HwDeviceExtension,
                                                       _In_ UCHAR PathId, _In_ UCHAR TargetId,
                                                       _In_ UCHAR Lun, _In_ ULONG Depth);

/* Returns the routine's result (nf-storport-storportsynchronizeaccess). */
STORPORT_API BOOLEAN NTAPI StorPortSynchronizeAccess(
    _In_ PVOID HwDeviceExtension, _In_ PSTOR_SYNCHRONIZED_ACCESS SynchronizedAccessRoutine,
    _In_opt_ PVOID Context);

STORPORT_API VOID NTAPI StorPortStallExecution(_In_ ULONG Delay);
STORPORT_API VOID NTAPI StorPortQuerySystemTime(_Out_ PLARGE_INTEGER CurrentTime);
STORPORT_API VOID NTAPI StorPortMoveMemory(_Out_writes_bytes_(Length) PVOID WriteBuffer,
                                           _In_reads_bytes_(Length) PVOID ReadBuffer,
                                           _In_ ULONG Length);
#ifndef StorPortCopyMemory
#define StorPortCopyMemory(Destination, Source, Length) \
  __builtin_memcpy((Destination), (Source), (Length))
#endif

STORPORT_API VOID NTAPI StorPortLogError(_In_ PVOID HwDeviceExtension,
                                         _In_opt_ PSCSI_REQUEST_BLOCK Srb, _In_ UCHAR PathId,
                                         _In_ UCHAR TargetId, _In_ UCHAR Lun, _In_ ULONG ErrorCode,
                                         _In_ ULONG UniqueId);
STORPORT_API VOID StorPortDebugPrint(_In_ ULONG DebugPrintLevel, _In_ PSTR DebugMessage, ...);

STORPORT_API STOR_PHYSICAL_ADDRESS NTAPI
StorPortConvertUlongToPhysicalAddress(_In_ ULONG_PTR UlongAddress);
/* A macro in the WDK (it also declares the function; the macro wins). */
#ifndef StorPortConvertPhysicalAddressToUlong
#define StorPortConvertPhysicalAddressToUlong(Address) ((Address).LowPart)
#endif
/* ReactOS-only spellings; the port driver exports them too. */
STORPORT_API ULONG64 NTAPI StorPortConvertPhysicalAddressToUlong64(_In_ STOR_PHYSICAL_ADDRESS Address);
STORPORT_API STOR_PHYSICAL_ADDRESS NTAPI StorPortConvertUlong64ToPhysicalAddress(_In_ ULONG64 UlongAddress);

/* Register (memory-mapped) access. Register is the virtual address from StorPortGetDeviceBase.
 * The WDK's free x64 build makes these macros over READ_/WRITE_REGISTER_* (and documents the
 * Ulong64 pair as macros (h, r) / (h, r, v)); here they are functions so the rig sees every
 * access. A miniport calls them the same way either way. */
STORPORT_API UCHAR NTAPI StorPortReadRegisterUchar(_In_ PVOID HwDeviceExtension,
                                                   _In_ PUCHAR Register);
STORPORT_API USHORT NTAPI StorPortReadRegisterUshort(_In_ PVOID HwDeviceExtension,
                                                     _In_ PUSHORT Register);
STORPORT_API ULONG NTAPI StorPortReadRegisterUlong(_In_ PVOID HwDeviceExtension,
                                                   _In_ PULONG Register);
STORPORT_API ULONG64 NTAPI StorPortReadRegisterUlong64(_In_ PVOID HwDeviceExtension,
                                                       _In_ PULONG64 Register);
STORPORT_API VOID NTAPI StorPortReadRegisterBufferUchar(_In_ PVOID HwDeviceExtension,
                                                        _In_reads_(Count) PUCHAR Register,
                                                        _Out_writes_all_(Count) PUCHAR Buffer,
                                                        _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortReadRegisterBufferUshort(_In_ PVOID HwDeviceExtension,
                                                         _In_reads_(Count) PUSHORT Register,
                                                         _Out_writes_all_(Count) PUSHORT Buffer,
                                                         _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortReadRegisterBufferUlong(_In_ PVOID HwDeviceExtension,
                                                        _In_reads_(Count) PULONG Register,
                                                        _Out_writes_all_(Count) PULONG Buffer,
                                                        _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWriteRegisterUchar(_In_ PVOID HwDeviceExtension,
                                                   _In_ PUCHAR Register, _In_ UCHAR Value);
STORPORT_API VOID NTAPI StorPortWriteRegisterUshort(_In_ PVOID HwDeviceExtension,
                                                    _In_ PUSHORT Register, _In_ USHORT Value);
STORPORT_API VOID NTAPI StorPortWriteRegisterUlong(_In_ PVOID HwDeviceExtension,
                                                   _In_ PULONG Register, _In_ ULONG Value);
STORPORT_API VOID NTAPI StorPortWriteRegisterUlong64(_In_ PVOID HwDeviceExtension,
                                                     _In_ PULONG64 Register, _In_ ULONG64 Value);
STORPORT_API VOID NTAPI StorPortWriteRegisterBufferUchar(_In_ PVOID HwDeviceExtension,
                                                         _Out_writes_(Count) PUCHAR Register,
                                                         _In_reads_(Count) PUCHAR Buffer,
                                                         _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWriteRegisterBufferUshort(_In_ PVOID HwDeviceExtension,
                                                          _Out_writes_(Count) PUSHORT Register,
                                                          _In_reads_(Count) PUSHORT Buffer,
                                                          _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWriteRegisterBufferUlong(_In_ PVOID HwDeviceExtension,
                                                         _Out_writes_(Count) PULONG Register,
                                                         _In_reads_(Count) PULONG Buffer,
                                                         _In_ ULONG Count);

/* I/O port access. */
STORPORT_API UCHAR NTAPI StorPortReadPortUchar(_In_ PVOID HwDeviceExtension, _In_ PUCHAR Port);
STORPORT_API USHORT NTAPI StorPortReadPortUshort(_In_ PVOID HwDeviceExtension, _In_ PUSHORT Port);
STORPORT_API ULONG NTAPI StorPortReadPortUlong(_In_ PVOID HwDeviceExtension, _In_ PULONG Port);
STORPORT_API VOID NTAPI StorPortReadPortBufferUchar(_In_ PVOID HwDeviceExtension, _In_ PUCHAR Port,
                                                    _Out_writes_all_(Count) PUCHAR Buffer,
                                                    _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortReadPortBufferUshort(_In_ PVOID HwDeviceExtension,
                                                     _In_ PUSHORT Port,
                                                     _Out_writes_all_(Count) PUSHORT Buffer,
                                                     _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortReadPortBufferUlong(_In_ PVOID HwDeviceExtension, _In_ PULONG Port,
                                                    _Out_writes_all_(Count) PULONG Buffer,
                                                    _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWritePortUchar(_In_ PVOID HwDeviceExtension, _In_ PUCHAR Port,
                                               _In_ UCHAR Value);
STORPORT_API VOID NTAPI StorPortWritePortUshort(_In_ PVOID HwDeviceExtension, _In_ PUSHORT Port,
                                                _In_ USHORT Value);
STORPORT_API VOID NTAPI StorPortWritePortUlong(_In_ PVOID HwDeviceExtension, _In_ PULONG Port,
                                               _In_ ULONG Value);
STORPORT_API VOID NTAPI StorPortWritePortBufferUchar(_In_ PVOID HwDeviceExtension,
                                                     _In_ PUCHAR Port,
                                                     _In_reads_(Count) PUCHAR Buffer,
                                                     _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWritePortBufferUshort(_In_ PVOID HwDeviceExtension,
                                                      _In_ PUSHORT Port,
                                                      _In_reads_(Count) PUSHORT Buffer,
                                                      _In_ ULONG Count);
STORPORT_API VOID NTAPI StorPortWritePortBufferUlong(_In_ PVOID HwDeviceExtension,
                                                     _In_ PULONG Port,
                                                     _In_reads_(Count) PULONG Buffer,
                                                     _In_ ULONG Count);

/* ------------------------------------------------------------------------------------------ */
/* FORCEINLINE wrappers over StorPortNotification                                              */
/* Each comment lists what the callee reads with va_arg after HwDeviceExtension, in order.     */
/* ------------------------------------------------------------------------------------------ */

/* va_arg: PHW_PASSIVE_INITIALIZE_ROUTINE, LONG* Succ (callee stores nonzero on success). */
FORCEINLINE BOOLEAN StorPortEnablePassiveInitialization(
    _In_ PVOID DeviceExtension, _In_ PHW_PASSIVE_INITIALIZE_ROUTINE HwPassiveInitializeRoutine) {
  LONG Succ = FALSE;
  StorPortNotification(EnablePassiveInitialization, DeviceExtension, HwPassiveInitializeRoutine,
                       &Succ);
  return (BOOLEAN)Succ;
}

/* va_arg: PSTOR_DPC, PHW_DPC_ROUTINE. */
FORCEINLINE VOID StorPortInitializeDpc(_In_ PVOID DeviceExtension, _Out_ PSTOR_DPC Dpc,
                                       _In_ PHW_DPC_ROUTINE HwDpcRoutine) {
  StorPortNotification(InitializeDpc, DeviceExtension, Dpc, HwDpcRoutine);
}

/* va_arg: PSTOR_DPC, PVOID SystemArgument1, PVOID SystemArgument2, LONG* Succ (callee stores
 * nonzero when the DPC was queued, zero when it was already queued). */
FORCEINLINE BOOLEAN StorPortIssueDpc(_In_ PVOID DeviceExtension, _In_ PSTOR_DPC Dpc,
                                     _In_opt_ PVOID SystemArgument1,
                                     _In_opt_ PVOID SystemArgument2) {
  LONG Succ = FALSE;
  StorPortNotification(IssueDpc, DeviceExtension, Dpc, SystemArgument1, SystemArgument2, &Succ);
  return (BOOLEAN)Succ;
}

/* va_arg: int SpinLock (the STOR_SPINLOCK, promoted), PVOID LockContext (the PSTOR_DPC for
 * DpcLock, else unused), PSTOR_LOCK_HANDLE. */
FORCEINLINE VOID StorPortAcquireSpinLock(_In_ PVOID DeviceExtension, _In_ STOR_SPINLOCK SpinLock,
                                         _In_opt_ PVOID LockContext,
                                         _Inout_ PSTOR_LOCK_HANDLE LockHandle) {
  StorPortNotification(AcquireSpinLock, DeviceExtension, SpinLock, LockContext, LockHandle);
}

/* va_arg: PSTOR_LOCK_HANDLE. */
FORCEINLINE VOID StorPortReleaseSpinLock(_In_ PVOID DeviceExtension,
                                         _Inout_ PSTOR_LOCK_HANDLE LockHandle) {
  StorPortNotification(ReleaseSpinLock, DeviceExtension, LockHandle);
}

/* ------------------------------------------------------------------------------------------ */
/* FORCEINLINE wrappers over StorPortExtendedFunction                                          */
/* Each comment lists what the callee reads with va_arg after HwDeviceExtension, in order.     */
/* ------------------------------------------------------------------------------------------ */

/* va_arg: ULONG NumberOfBytes, ULONG Tag, PVOID* BufferPointer. */
FORCEINLINE ULONG StorPortAllocatePool(_In_ PVOID HwDeviceExtension, _In_ ULONG NumberOfBytes,
                                       _In_ ULONG Tag, _Out_ PVOID* BufferPointer) {
  return StorPortExtendedFunction(ExtFunctionAllocatePool, HwDeviceExtension, NumberOfBytes, Tag,
                                  BufferPointer);
}

/* va_arg: PVOID BufferPointer. */
FORCEINLINE ULONG StorPortFreePool(_In_ PVOID HwDeviceExtension, _In_ PVOID BufferPointer) {
  return StorPortExtendedFunction(ExtFunctionFreePool, HwDeviceExtension, BufferPointer);
}

/* va_arg: PSCSI_REQUEST_BLOCK Srb, PVOID* SystemAddress. */
FORCEINLINE ULONG StorPortGetSystemAddress(_In_ PVOID HwDeviceExtension,
                                           _In_ PSCSI_REQUEST_BLOCK Srb,
                                           _Outptr_ PVOID* SystemAddress) {
  return StorPortExtendedFunction(ExtFunctionGetSystemAddress, HwDeviceExtension, Srb,
                                  SystemAddress);
}

/* va_arg: PSCSI_REQUEST_BLOCK Srb, PVOID* Mdl. */
FORCEINLINE ULONG StorPortGetOriginalMdl(_In_ PVOID HwDeviceExtension,
                                         _In_ PSCSI_REQUEST_BLOCK Srb, _Outptr_ PVOID* Mdl) {
  return StorPortExtendedFunction(ExtFunctionGetOriginalMdl, HwDeviceExtension, Srb, Mdl);
}

/* va_arg: PVOID* AdapterDeviceObject, PVOID* PhysicalDeviceObject, PVOID* LowerDeviceObject. */
FORCEINLINE ULONG StorPortGetDeviceObjects(_In_ PVOID HwDeviceExtension,
                                           _Outptr_ PVOID* AdapterDeviceObject,
                                           _Outptr_ PVOID* PhysicalDeviceObject,
                                           _Outptr_ PVOID* LowerDeviceObject) {
  return StorPortExtendedFunction(ExtFunctionGetDeviceObjects, HwDeviceExtension,
                                  AdapterDeviceObject, PhysicalDeviceObject, LowerDeviceObject);
}

/* va_arg: PVOID Mdl, PVOID CurrentVa, ULONG Length, PPOST_SCATTER_GATHER_EXECUTE, PVOID Context,
 * int WriteToDevice (BOOLEAN, promoted), PVOID ScatterGatherBuffer, ULONG BufferLength. */
FORCEINLINE ULONG StorPortBuildScatterGatherList(
    _In_ PVOID HwDeviceExtension, _In_ PVOID Mdl, _In_reads_bytes_(Length) PVOID CurrentVa,
    _In_ ULONG Length, _In_ PPOST_SCATTER_GATHER_EXECUTE ExecutionRoutine, _In_ PVOID Context,
    _In_ BOOLEAN WriteToDevice,
    _Inout_updates_bytes_(ScatterGatherBufferLength) PVOID ScatterGatherBuffer,
    _In_ ULONG ScatterGatherBufferLength) {
  return StorPortExtendedFunction(ExtFunctionBuildScatterGatherList, HwDeviceExtension, Mdl,
                                  CurrentVa, Length, ExecutionRoutine, Context, WriteToDevice,
                                  ScatterGatherBuffer, ScatterGatherBufferLength);
}

/* va_arg: PSTOR_SCATTER_GATHER_LIST, int WriteToDevice (BOOLEAN, promoted). */
FORCEINLINE ULONG StorPortPutScatterGatherList(_In_ PVOID HwDeviceExtension,
                                               _In_ PSTOR_SCATTER_GATHER_LIST ScatterGatherList,
                                               _In_ BOOLEAN WriteToDevice) {
  return StorPortExtendedFunction(ExtFunctionPutScatterGatherList, HwDeviceExtension,
                                  ScatterGatherList, WriteToDevice);
}

/* nf-storport-storportacquiremsispinlock. va_arg: ULONG MessageId, ULONG* OldIrql (PULONG). */
FORCEINLINE ULONG StorPortAcquireMSISpinLock(_In_ PVOID HwDeviceExtension, _In_ ULONG MessageId,
                                             _In_ PULONG OldIrql) {
  return StorPortExtendedFunction(ExtFunctionAcquireMSISpinLock, HwDeviceExtension, MessageId,
                                  OldIrql);
}

/* nf-storport-storportreleasemsispinlock. va_arg: ULONG MessageId, ULONG OldIrql (by value). */
FORCEINLINE ULONG StorPortReleaseMSISpinLock(_In_ PVOID HwDeviceExtension, _In_ ULONG MessageId,
                                             _In_ ULONG OldIrql) {
  return StorPortExtendedFunction(ExtFunctionReleaseMSISpinLock, HwDeviceExtension, MessageId,
                                  OldIrql);
}

/* nf-storport-storportgetmsiinfo. va_arg: ULONG MessageId, PMESSAGE_INTERRUPT_INFORMATION. */
FORCEINLINE ULONG StorPortGetMSIInfo(_In_ PVOID HwDeviceExtension, _In_ ULONG MessageId,
                                     _Out_ PMESSAGE_INTERRUPT_INFORMATION InterruptInfo) {
  return StorPortExtendedFunction(ExtFunctionGetMessageInterruptInformation, HwDeviceExtension,
                                  MessageId, InterruptInfo);
}

/* va_arg: int Query (BOOLEAN, promoted), PPERF_CONFIGURATION_DATA. */
FORCEINLINE ULONG StorPortInitializePerfOpts(_In_ PVOID HwDeviceExtension, _In_ BOOLEAN Query,
                                             _Inout_ PPERF_CONFIGURATION_DATA PerfConfigData) {
  return StorPortExtendedFunction(ExtFunctionInitializePerformanceOptimizations, HwDeviceExtension,
                                  Query, PerfConfigData);
}

/* va_arg: PSCSI_REQUEST_BLOCK, PSTARTIO_PERFORMANCE_PARAMETERS. */
FORCEINLINE ULONG StorPortGetStartIoPerfParams(
    _In_ PVOID HwDeviceExtension, _In_ PSCSI_REQUEST_BLOCK Srb,
    _Inout_ PSTARTIO_PERFORMANCE_PARAMETERS StartIoPerfParams) {
  return StorPortExtendedFunction(ExtFunctionGetStartIoPerformanceParameters, HwDeviceExtension,
                                  Srb, StartIoPerfParams);
}

/* nf-storport-storportgetcurrentprocessornumber. va_arg: PPROCESSOR_NUMBER. */
FORCEINLINE ULONG StorPortGetCurrentProcessorNumber(_In_ PVOID HwDeviceExtension,
                                                    _Out_ PPROCESSOR_NUMBER ProcNumber) {
  return StorPortExtendedFunction(ExtFunctionGetCurrentProcessorNumber, HwDeviceExtension,
                                  ProcNumber);
}

/* va_arg: int GroupNumber (USHORT, promoted), PKAFFINITY. */
FORCEINLINE ULONG StorPortGetGroupAffinity(_In_ PVOID HwDeviceExtension, _In_ USHORT GroupNumber,
                                           _Out_ PKAFFINITY GroupAffinityMask) {
  return StorPortExtendedFunction(ExtFunctionGetGroupAffinity, HwDeviceExtension, GroupNumber,
                                  GroupAffinityMask);
}

/* nf-storport-storportqueryperformancecounter. va_arg: PLARGE_INTEGER PerformanceFrequency
 * (may be NULL), PLARGE_INTEGER PerformanceCounter. */
FORCEINLINE ULONG StorPortQueryPerformanceCounter(_In_ PVOID HwDeviceExtension,
                                                  _Out_opt_ PLARGE_INTEGER PerformanceFrequency,
                                                  _Out_ PLARGE_INTEGER PerformanceCounter) {
  return StorPortExtendedFunction(ExtFunctionQueryPerformanceCounter, HwDeviceExtension,
                                  PerformanceFrequency, PerformanceCounter);
}

/* va_arg: PVOID* Worker. */
FORCEINLINE ULONG StorPortInitializeWorker(_In_ PVOID HwDeviceExtension, _Out_ PVOID* Worker) {
  return StorPortExtendedFunction(ExtFunctionInitializeWorker, HwDeviceExtension, Worker);
}

/* va_arg: PHW_WORKITEM, PVOID Worker, PVOID Context. */
FORCEINLINE ULONG StorPortQueueWorkItem(_In_ PVOID HwDeviceExtension,
                                        _In_ PHW_WORKITEM WorkItemCallback, _In_ PVOID Worker,
                                        _In_opt_ PVOID Context) {
  return StorPortExtendedFunction(ExtFunctionQueueWorkItem, HwDeviceExtension, WorkItemCallback,
                                  Worker, Context);
}

/* va_arg: PVOID Worker. */
FORCEINLINE ULONG StorPortFreeWorker(_In_ PVOID HwDeviceExtension, _In_ PVOID Worker) {
  return StorPortExtendedFunction(ExtFunctionFreeWorker, HwDeviceExtension, Worker);
}

/* va_arg: PVOID* TimerHandle. */
FORCEINLINE ULONG StorPortInitializeTimer(_In_ PVOID HwDeviceExtension,
                                          _Out_ PVOID* TimerHandle) {
  return StorPortExtendedFunction(ExtFunctionInitializeTimer, HwDeviceExtension, TimerHandle);
}

/* va_arg: PVOID TimerHandle, PHW_TIMER_EX, PVOID CallbackContext, ULONGLONG TimerValue
 * (microseconds), ULONGLONG TolerableDelay (microseconds). */
FORCEINLINE ULONG StorPortRequestTimer(_In_ PVOID HwDeviceExtension, _In_ PVOID TimerHandle,
                                       _In_ PHW_TIMER_EX TimerCallback,
                                       _In_opt_ PVOID CallbackContext, _In_ ULONGLONG TimerValue,
                                       _In_ ULONGLONG TolerableDelay) {
  return StorPortExtendedFunction(ExtFunctionRequestTimer, HwDeviceExtension, TimerHandle,
                                  TimerCallback, CallbackContext, TimerValue, TolerableDelay);
}

/* va_arg: PVOID TimerHandle. */
FORCEINLINE ULONG StorPortFreeTimer(_In_ PVOID HwDeviceExtension, _In_ PVOID TimerHandle) {
  return StorPortExtendedFunction(ExtFunctionFreeTimer, HwDeviceExtension, TimerHandle);
}

/* DebugPrint((Level, Format, ...)) compiles to StorPortDebugPrint only in DBG builds. */
#ifndef DebugPrint
#if defined(DBG) && DBG
#define DebugPrint(x) StorPortDebugPrint x
#else
#define DebugPrint(x)
#endif
#endif

#ifdef __cplusplus
}  /* extern "C" */
#endif

#pragma GCC diagnostic pop

#endif /* MSIRIG_STORPORT_API_H_ */
