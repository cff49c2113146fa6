// The STOR_SPINLOCK routines and StorPortSynchronizeAccess (see spinlocks.cc).
#ifndef MSIRIG_STORPORT_SRC_SPINLOCKS_H_
#define MSIRIG_STORPORT_SRC_SPINLOCKS_H_

#include "storport.h"

namespace msirig::sp {

struct PortState;

void AcquireSpinLock(PortState& s, PVOID extension, STOR_SPINLOCK type, PVOID context,
                     PSTOR_LOCK_HANDLE handle);
void ReleaseSpinLock(PortState& s, PVOID extension, PSTOR_LOCK_HANDLE handle);
BOOLEAN SynchronizeAccess(PortState& s, PVOID extension, PSTOR_SYNCHRONIZED_ACCESS routine,
                          PVOID context);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_SPINLOCKS_H_
