// Scenario text form: what people read in a finding and write as a corpus seed.
//
// One item per line; `#` starts a comment (outside quotes); blank lines are ignored. Every
// item is a keyword followed by key=value pairs, in any order; omitted keys keep their
// defaults. Numbers are decimal or 0x-hexadecimal; flags are 0 or 1.
//
//   platform os=win10 interrupts=msix requested=8 granted=3 cpus=2 parameter="SyncMode=All"
//       os: win10 win8 win7 vista server2003; interrupts: msix msi line. Omitted: interrupts is
//       line before Vista, else msix; requested is 8 (0 for line); granted is requested (for
//       MSI the largest power of two not above it). parameter is a quoted string with the
//       escapes \\ \" \n \r \t \xHH (no NUL, at most 255 bytes).
//   platform-fault pool_fail_from_call=3 uncached_extension_fails=1 passive_init_unsupported=1
//   message 2 data=0x41 address=0xfee00000 vector=0x62 level=7 mode=1
//       contents of granted message 2; ids increase; skipped ids get the default contents.
//   controller has_msix=0 msix_vectors=4 msi_messages=8 max_queue_entries=64 ...
//       (not "device": that is the name of the device-progress step in steps.def)
//   namespace blocks=2097152 block_size=512      (up to 4 lines; none: one default namespace)
//   fault drop_interrupt_every_n=3 delay_interrupt_every_n=2 delay_interrupt_ns=5000 ...
//       controller, namespace and fault keys are the field names of hba::DeviceConfig,
//       hba::NamespaceConfig (blocks, block_size) and hba::FaultPlan; the fault line also takes
//       during_init=1 (Scenario::faults_during_init: arm the plan before initialization).
//   write cpu=0 preempt=3 lba=8 blocks=2 pattern=0x5a
//       a step: its name and argument names from steps.def; an argument the step ignores is
//       written a=, b= or c=. cpu is below the platform's cpus; preempt is 0..65535.
//
// platform, platform-fault, controller and fault appear at most once each; steps run in line order.
// ToText writes every platform key and only the other values that differ from their defaults.
#ifndef MSIRIG_FUZZ_SCENARIO_TEXT_H_
#define MSIRIG_FUZZ_SCENARIO_TEXT_H_

#include <string>
#include <string_view>

#include "msirig/fuzz/scenario.h"

namespace msirig::fuzz {

// The text of a normalized scenario; ParseText(ToText(s)) gives back s.
std::string ToText(const Scenario& scenario);

// Parses a whole scenario. On success stores it in *out (normalized: a value out of range is
// an error, never silently changed) and returns true. On failure leaves *out untouched, sets
// *error to one line such as "line 7: 'blocks=x': expected a number", and returns false.
bool ParseText(std::string_view text, Scenario* out, std::string* error);

}  // namespace msirig::fuzz

#endif  // MSIRIG_FUZZ_SCENARIO_TEXT_H_
