// Fuzz target: the full schedule (the main target). Any input decodes to a scenario (platform,
// device, fault plan, interleaved steps on virtual CPUs; scenario_codec.h), played by the
// executor against the miniport, the port driver and the HBA model. The oracles are the
// verifier's rules, the sanitizers and the executor's end-of-run checks; the custom mutator
// works on scenarios, not bytes (scenario_mutator_hooks.cc).
#include <cstddef>
#include <cstdint>

#include "executor_target.h"
#include "msirig/fuzz/scenario_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msirig::targets::Play(msirig::fuzz::Decode(data, size));
  return 0;
}
