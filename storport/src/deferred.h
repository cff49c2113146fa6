// Passive initialization, DPCs and the miniport timer (see deferred.cc).
#ifndef MSIRIG_STORPORT_SRC_DEFERRED_H_
#define MSIRIG_STORPORT_SRC_DEFERRED_H_

#include "storport.h"

namespace msirig::sp {

struct PortState;

BOOLEAN EnablePassiveInitialization(PortState& s, PVOID extension,
                                    PHW_PASSIVE_INITIALIZE_ROUTINE routine);
void InitializeDpc(PortState& s, PVOID extension, PSTOR_DPC dpc, PHW_DPC_ROUTINE routine);
BOOLEAN IssueDpc(PortState& s, PVOID extension, PSTOR_DPC dpc, PVOID argument1, PVOID argument2);
void RequestTimer(PortState& s, PVOID extension, PHW_TIMER timer, ULONG microseconds);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_DEFERRED_H_
