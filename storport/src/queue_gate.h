// StorPortBusy, StorPortReady, StorPortPause, StorPortResume (see queue_gate.cc).
#ifndef MSIRIG_STORPORT_SRC_QUEUE_GATE_H_
#define MSIRIG_STORPORT_SRC_QUEUE_GATE_H_

#include "storport.h"

namespace msirig::sp {

struct PortState;

BOOLEAN AdapterBusy(PortState& s, PVOID extension, ULONG requests_to_complete);
BOOLEAN AdapterReady(PortState& s, PVOID extension);
// StorPortDeviceBusy / StorPortDeviceReady: the same for one logical unit's requests.
BOOLEAN DeviceBusy(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                   ULONG requests_to_complete);
BOOLEAN DeviceReady(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun);
// StorPortPauseDevice / StorPortResumeDevice, StorPortSetDeviceQueueDepth.
BOOLEAN DevicePause(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                    ULONG timeout_seconds);
BOOLEAN DeviceResume(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun);
BOOLEAN DeviceQueueDepth(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                         ULONG depth);
BOOLEAN AdapterPause(PortState& s, PVOID extension, ULONG timeout_seconds);
BOOLEAN AdapterResume(PortState& s, PVOID extension);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_QUEUE_GATE_H_
