// MSIRIG_PLUMBING: for a function of the rig's own plumbing (which virtual CPU is current, the
// trace, the bookkeeping around every callback and lock operation), which runs at every StorPort
// call, register access and lock operation. It keeps the function out of
//  - SanitizerCoverage (edges and comparison tracing): the function takes the same branches in
//    every run, or branches that follow what the miniport's own coverage already shows, so it
//    gives the fuzzer no signal; instrumented, its comparison callbacks cost more than its work
//    (perf on schedule_fuzz: a fifth of all time);
//  - UBSan's vptr check, which hashes the dynamic type at every member access of a polymorphic
//    object (the scheduler): type confusion there would be a rig bug, never the miniport's (C).
// Code whose branches follow what the miniport or the device does (lock contention, interrupt
// delivery, the device's commands, the verifier's rules) stays instrumented.
#ifndef MSIRIG_STORPORT_SRC_PLUMBING_H_
#define MSIRIG_STORPORT_SRC_PLUMBING_H_

#ifndef MSIRIG_PLUMBING
#define MSIRIG_PLUMBING __attribute__((no_sanitize("coverage", "vptr")))
#endif

#endif  // MSIRIG_STORPORT_SRC_PLUMBING_H_
