// The MSI routines behind StorPortExtendedFunction codes 11, 12 and 13 (SPEC 2, 3).
#ifndef MSIRIG_STORPORT_SRC_MSI_H_
#define MSIRIG_STORPORT_SRC_MSI_H_

#include "storport.h"

namespace msirig::sp {

struct PortState;

// The byte StorPortGetMSIInfo fills its output with on failure (SPEC 2).
inline constexpr unsigned char kMsiInfoPoisonByte = 0xA5;

// Leaves a non-NULL output of a failed StorPortGetMSIInfo poisoned (SPEC 2: every failure,
// NOT_IMPLEMENTED before Vista included).
void PoisonMsiInfo(PMESSAGE_INTERRUPT_INFORMATION info);

ULONG GetMsiInfo(PortState& s, PVOID extension, ULONG message_id,
                 PMESSAGE_INTERRUPT_INFORMATION info);
ULONG AcquireMsiLock(PortState& s, PVOID extension, ULONG message_id, PULONG old_irql);
ULONG ReleaseMsiLock(PortState& s, PVOID extension, ULONG message_id, ULONG old_irql);

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_MSI_H_
