// MSIRIG_NO_COVERAGE: keeps a function of the rig's own plumbing out of SanitizerCoverage (edges
// and comparison tracing), as the trace's hashing already was. Functions such as "which virtual
// CPU is current" run at every StorPort call, register access and lock operation; instrumented,
// they cost more than the work they do (perf on schedule_fuzz: the comparison callbacks in them
// were a fifth of all time) and give the fuzzer no signal, since they take the same branches in
// every run. Only plumbing gets it: code whose branches follow what the miniport or the device
// does (lock contention, delivery outcomes, the verifier) stays instrumented.
#ifndef MSIRIG_STORPORT_SRC_NO_COVERAGE_H_
#define MSIRIG_STORPORT_SRC_NO_COVERAGE_H_

#ifndef MSIRIG_NO_COVERAGE
#define MSIRIG_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#endif

#endif  // MSIRIG_STORPORT_SRC_NO_COVERAGE_H_
