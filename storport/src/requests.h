// Request completion and scatter/gather lists (see requests.cc).
#ifndef MSIRIG_STORPORT_SRC_REQUESTS_H_
#define MSIRIG_STORPORT_SRC_REQUESTS_H_

#include "storport.h"

namespace msirig::sp {

struct PortState;
struct Adapter;
struct RequestRecord;

// Records the request as completed with `srb_status`, unmaps its buffers and frees it.
void RetireRequest(PortState& s, Adapter& a, RequestRecord& record, UCHAR srb_status);

// StorPortNotification(RequestComplete, ...).
void CompleteRequest(PortState& s, PVOID extension, PSCSI_REQUEST_BLOCK srb);
// StorPortCompleteRequest: the port completes every matching request the miniport holds.
void CompleteAllRequests(PortState& s, PVOID extension, UCHAR path_id, UCHAR target_id, UCHAR lun,
                         UCHAR srb_status);
// StorPortGetSrb: always NULL (requests.cc).
PSCSI_REQUEST_BLOCK FindSrb(PortState& s, PVOID extension);
PSTOR_SCATTER_GATHER_LIST ScatterGatherList(PortState& s, PVOID extension, PSCSI_REQUEST_BLOCK srb);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_REQUESTS_H_
