// Scenario mutator: step- and field-level mutation and crossover (see scenario_mutator.h).
#include "msirig/fuzz/scenario_mutator.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <random>
#include <string_view>

#include "msirig/fuzz/scenario_codec.h"
#include "scenario_fields.h"

// Provided by libFuzzer (and AFL++'s libFuzzer driver); absent in replay builds and tests.
extern "C" __attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t* data, size_t size,
                                                         size_t max_size);

namespace msirig::fuzz {
namespace {

using internal::FieldSpec;

class Random {
 public:
  explicit Random(unsigned seed) : engine_(seed) {}

  uint64_t Next64() {
    const uint64_t hi = engine_();
    const uint64_t mid = engine_();
    const uint64_t lo = engine_();
    return (hi << 40) ^ (mid << 20) ^ lo;
  }
  // Uniform enough in [0, n); n == 0 means the whole 64-bit range.
  uint64_t Below(uint64_t n) { return n == 0 ? Next64() : Next64() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }
  template <typename T, size_t N>
  T Pick(const T (&values)[N]) {
    return values[Below(N)];
  }

 private:
  std::minstd_rand engine_;
};

// --- interesting values -----------------------------------------------------------------------

uint32_t InterestingArgument(const Scenario& s, std::string_view name, uint32_t current,
                             Random& rng) {
  switch (rng.Below(8)) {
    case 0:
      return current + 1;
    case 1:
      return current - 1;
    case 2:
      return current ^ (uint32_t{1} << rng.Below(32));
    default:
      break;
  }
  const uint32_t granted = s.platform.messages_granted;
  const uint64_t size = s.device.namespaces.empty() ? 0 : s.device.namespaces[0].size_blocks;
  const auto size32 = static_cast<uint32_t>(std::min<uint64_t>(size, 0xFFFFFFFF));
  if (name == "message") {
    const uint32_t values[] = {0,
                               1,
                               granted - 1,
                               granted,
                               granted + 1,
                               0xFFFFFFFF,
                               s.platform.messages_requested,
                               31,
                               32,
                               2047,
                               2048,
                               static_cast<uint32_t>(rng.Below(granted + 1u))};
    return rng.Pick(values);
  }
  if (name == "lba") {
    const uint32_t values[] = {0,
                               1,
                               size32 - 1,
                               size32,
                               size32 + 1,
                               size32 - 8,
                               0xFFFFFFFF,
                               0x7FFFFFFF,
                               0x80000000,
                               0x10000,
                               static_cast<uint32_t>(rng.Below(std::min<uint64_t>(size, 1 << 20)))};
    return rng.Pick(values);
  }
  if (name == "blocks") {
    const uint32_t values[] = {
        0,      1,       2,          8,      32,         256,
        0xFFFF, 0x10000, 0xFFFFFFFF, size32, size32 + 1, static_cast<uint32_t>(rng.Below(64))};
    return rng.Pick(values);
  }
  if (name == "args") return static_cast<uint32_t>(rng.Below(32));
  if (name == "page") {  // VPD pages (SPC-4 7.8): supported list, serial, device id, block limits
    const uint32_t values[] = {0x00, 0x80, 0x83, 0x86,
                               0xB0, 0xB1, 0xFF, static_cast<uint32_t>(rng.Below(256))};
    return rng.Pick(values);
  }
  if (name == "allocation") {
    const uint32_t values[] = {0,  1,   4,   5,      8,
                               36, 255, 256, 0xFFFF, static_cast<uint32_t>(rng.Below(300))};
    return rng.Pick(values);
  }
  if (name == "steps") {
    const uint32_t values[] = {0, 1, 2, 4, 16, 1000, static_cast<uint32_t>(rng.Below(64))};
    return rng.Pick(values);
  }
  if (name == "microseconds") {
    const uint32_t values[] = {
        0, 1, 10, 100, 1000, 500000, 30000000, 0xFFFFFFFF, static_cast<uint32_t>(rng.Below(10000))};
    return rng.Pick(values);
  }
  const uint32_t values[] = {0,
                             1,
                             2,
                             0x7F,
                             0x80,
                             0xFF,
                             0x100,
                             0xFFFF,
                             0x10000,
                             0x7FFFFFFF,
                             0x80000000,
                             0xFFFFFFFF,
                             static_cast<uint32_t>(rng.Next64())};
  return rng.Pick(values);
}

uint64_t InterestingFieldValue(const FieldSpec& spec, uint64_t current, Random& rng) {
  switch (rng.Below(12)) {
    case 0:
      return spec.min;
    case 1:
      return spec.max;
    case 2:
      return spec.min + 1;
    case 3:
      return spec.max - 1;
    case 4:
      return current + 1;
    case 5:
      return current - 1;
    case 6:
      return current ^ (uint64_t{1} << rng.Below(64));
    case 7:
      return rng.Below(17);  // small counts: "every n-th", step indices, shifts
    case 8:
      return 0xFFFFFFFF;
    case 9:
      return current == spec.min ? spec.min + 1 + rng.Below(8) : spec.min;  // switch on / off
    default:
      return spec.min + rng.Below(spec.max - spec.min + 1);  // 0: the whole 64-bit range
  }
}

// --- steps ------------------------------------------------------------------------------------

uint8_t RandomCpu(const Scenario& s, Random& rng) {
  return static_cast<uint8_t>(rng.Below(s.platform.cpu_count));
}

uint16_t RandomPreempt(Random& rng) {
  const uint16_t values[] = {0, 1, 2, 3, 4, 8, 16, 0xFFFF, static_cast<uint16_t>(rng.Below(32))};
  return rng.Pick(values);
}

void RandomizeArguments(const Scenario& s, Step& step, Random& rng) {
  const StepInfo& info = InfoOf(step.kind);
  uint32_t* args[3] = {&step.a, &step.b, &step.c};
  for (int i = 0; i < 3; ++i) {
    *args[i] = info.argument_names[i].empty() || rng.OneIn(16)
                   ? 0
                   : InterestingArgument(s, info.argument_names[i], 0, rng);
  }
}

Step RandomStep(const Scenario& s, Random& rng) {
  Step step;
  step.kind = static_cast<StepKind>(rng.Below(kStepKindCount));
  step.cpu = RandomCpu(s, rng);
  step.preempt = rng.OneIn(4) ? RandomPreempt(rng) : 0;
  RandomizeArguments(s, step, rng);
  return step;
}

Step InterruptStep(const Scenario& s, uint8_t cpu, Random& rng) {
  Step step;
  step.kind = StepKind::kInterrupt;
  step.cpu = cpu;
  step.a = InterestingArgument(s, "message", 0, rng);
  return step;
}

uint8_t OtherCpu(const Scenario& s, uint8_t cpu, Random& rng) {
  if (s.platform.cpu_count < 2) return cpu;
  return static_cast<uint8_t>((cpu + 1 + rng.Below(s.platform.cpu_count - 1)) %
                              s.platform.cpu_count);
}

void InsertAt(Scenario& s, size_t at, const Step& step) {
  if (s.steps.size() >= kMaxSteps) return;
  s.steps.insert(s.steps.begin() + static_cast<ptrdiff_t>(std::min(at, s.steps.size())), step);
}

// DESIGN.md decision 3: a step suspended early (e.g. between a submission's queue write and its
// doorbell) while an ISR, the DPCs or a reset run on another CPU.
void OpenWindow(Scenario& s, Random& rng) {
  if (s.steps.empty()) InsertAt(s, 0, RandomStep(s, rng));
  const size_t i = rng.Below(s.steps.size());
  Step& victim = s.steps[i];
  victim.preempt = static_cast<uint16_t>(1 + rng.Below(8));
  const uint8_t cpu = OtherCpu(s, victim.cpu, rng);
  Step intruder = InterruptStep(s, cpu, rng);
  const StepKind kinds[] = {StepKind::kInterrupt,      StepKind::kInterrupt,
                            StepKind::kRunDpcs,        StepKind::kResetBus,
                            StepKind::kDeviceProgress, StepKind::kAdvanceTime};
  intruder.kind = rng.Pick(kinds);
  if (intruder.kind != StepKind::kInterrupt) RandomizeArguments(s, intruder, rng);
  InsertAt(s, i + 1, intruder);
  if (rng.OneIn(3)) {
    // The victim runs on a little and stops again, so that the two alternate (A, B, A, B).
    Step resume;
    resume.kind = StepKind::kResume;
    resume.cpu = s.steps[i].cpu;
    resume.preempt = static_cast<uint16_t>(1 + rng.Below(8));
    InsertAt(s, i + 2, resume);
  }
}

// A second message's ISR nested inside a preempted first one on the same CPU.
void NestInterrupts(Scenario& s, Random& rng) {
  const size_t at = rng.Below(s.steps.size() + 1);
  const uint8_t cpu = RandomCpu(s, rng);
  Step outer = InterruptStep(s, cpu, rng);
  outer.preempt = static_cast<uint16_t>(1 + rng.Below(4));
  Step inner = InterruptStep(s, cpu, rng);
  if (inner.a == outer.a) inner.a = outer.a + 1;
  InsertAt(s, at, inner);
  InsertAt(s, at, outer);
}

void MutateStep(Scenario& s, int what, Random& rng) {
  Step& step = s.steps[rng.Below(s.steps.size())];
  switch (what) {
    case 0:
      step.kind = static_cast<StepKind>(rng.Below(kStepKindCount));
      if (rng.OneIn(2)) RandomizeArguments(s, step, rng);
      break;
    case 1:
      step.cpu = RandomCpu(s, rng);
      break;
    case 2:
      step.preempt = rng.OneIn(4) ? static_cast<uint16_t>(step.preempt + 1) : RandomPreempt(rng);
      break;
    default: {
      const int slot = static_cast<int>(rng.Below(3));
      const std::string_view name = InfoOf(step.kind).argument_names[slot];
      uint32_t& arg = slot == 0 ? step.a : slot == 1 ? step.b : step.c;
      arg = InterestingArgument(s, name, arg, rng);
    }
  }
}

// --- configuration ----------------------------------------------------------------------------

template <typename Visit>
void VisitConfigFields(Scenario& s, Visit&& visit) {
  internal::VisitPlatformFaultFields(s.platform.faults, visit);
  internal::VisitDeviceFields(s.device, visit);
  for (hba::NamespaceConfig& n : s.device.namespaces) internal::VisitNamespaceFields(n, visit);
  internal::VisitScenarioFaultFields(s, visit);
  for (sp::MessageContents& m : s.platform.message_contents) internal::VisitMessageFields(m, visit);
}

void MutateConfigField(Scenario& s, Random& rng) {
  size_t count = 0;
  VisitConfigFields(s, [&](const FieldSpec&, auto&) { ++count; });
  const size_t target = rng.Below(count);
  size_t index = 0;
  VisitConfigFields(s, [&](const FieldSpec& spec, auto& field) {
    if (index++ != target) return;
    const uint64_t value = InterestingFieldValue(spec, internal::GetField(field), rng);
    internal::SetField(field, internal::FoldIntoSpec(spec, value));
  });
}

constexpr std::string_view kParameterWords[] = {
    "SyncMode=PerMessage", "SyncMode=All", "IoQueues=0",         "IoQueues=1", "IoQueues=3",
    "IoQueues=64",         "IoQueues=-1",  "IoQueues=",          "=",          ";",
    "SyncMode=",           "syncmode=all", "IoQueues=4294967296"};

void MutateParameter(std::string& parameter, Random& rng) {
  switch (rng.Below(5)) {
    case 0:
      parameter = rng.Pick(kParameterWords);
      return;
    case 1:
      if (!parameter.empty()) parameter += ';';
      parameter += rng.Pick(kParameterWords);
      return;
    case 2:
      parameter.clear();
      return;
    case 3:
      if (!parameter.empty()) parameter.erase(rng.Below(parameter.size()), 1 + rng.Below(4));
      return;
    default:
      parameter.insert(parameter.begin() + static_cast<ptrdiff_t>(rng.Below(parameter.size() + 1)),
                       static_cast<char>(1 + rng.Below(255)));
  }
}

void MutatePlatform(Scenario& s, Random& rng) {
  sp::PlatformConfig& p = s.platform;
  switch (rng.Below(6)) {
    case 0:
      p.os_version = rng.Pick(internal::kOsValues);
      break;
    case 1:
      p.interrupt_kind = rng.Pick(internal::kInterruptValues);
      if (p.messages_requested == 0) p.messages_requested = 1 + static_cast<uint32_t>(rng.Below(8));
      if (p.messages_granted == 0) p.messages_granted = p.messages_requested;
      break;
    case 2: {
      const uint32_t values[] = {1,  2,  3,  4,  8,    16,
                                 17, 32, 33, 64, 2048, static_cast<uint32_t>(1 + rng.Below(2048))};
      p.messages_requested = rng.Pick(values);
      break;
    }
    case 3: {
      const uint32_t r = p.messages_requested;
      const uint32_t values[] = {0, 1,     2,     3,
                                 r, r - 1, r / 2, static_cast<uint32_t>(rng.Below(r + 1u))};
      p.messages_granted = rng.Pick(values);
      break;
    }
    case 4: {
      const uint32_t values[] = {1, 2, 3, 4, 8, 64, static_cast<uint32_t>(1 + rng.Below(64))};
      p.cpu_count = rng.Pick(values);
      break;
    }
    default:
      MutateParameter(p.driver_parameter, rng);
  }
}

void AddOrRemoveEntry(Scenario& s, Random& rng) {
  std::vector<hba::NamespaceConfig>& namespaces = s.device.namespaces;
  std::vector<sp::MessageContents>& contents = s.platform.message_contents;
  switch (rng.Below(4)) {
    case 0:
      if (namespaces.size() < internal::kMaxNamespaces) {
        hba::NamespaceConfig n;
        const uint64_t sizes[] = {
            1, 8, 1024, 1u << 21, internal::kMaxNamespaceBlocks, 1 + rng.Below(1u << 16)};
        n.size_blocks = rng.Pick(sizes);
        n.block_size_bytes = rng.OneIn(2) ? 4096 : 512;
        namespaces.insert(
            namespaces.begin() + static_cast<ptrdiff_t>(rng.Below(namespaces.size() + 1)), n);
      }
      break;
    case 1:
      if (namespaces.size() > 1)
        namespaces.erase(namespaces.begin() + static_cast<ptrdiff_t>(rng.Below(namespaces.size())));
      break;
    case 2:
      if (contents.size() < s.platform.messages_granted) {
        sp::MessageContents m = sp::DefaultMessageContents(static_cast<uint32_t>(contents.size()));
        // A plausible-but-different entry: another vector, or the same as message 0 (shared).
        const uint32_t vectors[] = {0, 0x60, 0xFF, static_cast<uint32_t>(rng.Below(256))};
        m.interrupt_vector = rng.Pick(vectors);
        m.message_data = m.interrupt_vector;
        contents.push_back(m);
      }
      break;
    default:
      if (!contents.empty()) contents.pop_back();
  }
}

// --- one mutation -----------------------------------------------------------------------------

void MutateOnce(Scenario& s, Random& rng) {
  const uint64_t op = rng.Below(17);
  if (s.steps.empty() && op <= 8) {
    InsertAt(s, 0, RandomStep(s, rng));
    return;
  }
  const size_t n = s.steps.size();
  switch (op) {
    case 0:
      s.steps.erase(s.steps.begin() + static_cast<ptrdiff_t>(rng.Below(n)));
      return;
    case 1: {
      const Step copy = s.steps[rng.Below(n)];
      InsertAt(s, rng.Below(n + 1), copy);
      return;
    }
    case 2:
      std::swap(s.steps[rng.Below(n)], s.steps[rng.Below(n)]);
      return;
    case 3: {
      const size_t from = rng.Below(n);
      const Step moved = s.steps[from];
      s.steps.erase(s.steps.begin() + static_cast<ptrdiff_t>(from));
      InsertAt(s, rng.Below(n), moved);
      return;
    }
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
      MutateStep(s, static_cast<int>(op - 4), rng);
      return;
    case 9:
    case 10:
      InsertAt(s, rng.Below(n + 1), RandomStep(s, rng));
      return;
    case 11:
      OpenWindow(s, rng);
      return;
    case 12:
      NestInterrupts(s, rng);
      return;
    case 13:
      MutatePlatform(s, rng);
      return;
    case 14:
    case 15:
      MutateConfigField(s, rng);
      return;
    default:
      AddOrRemoveEntry(s, rng);
  }
}

// Encodes into out[0, max_size): whole steps from the end go first; a plain cut (still a valid
// input, as every byte string is) only when the configuration alone does not fit.
size_t WriteFitting(const Scenario& s, uint8_t* out, size_t max_size) {
  std::vector<size_t> offsets;
  const std::vector<uint8_t> bytes = Encode(s, &offsets);
  size_t size = bytes.size();
  if (size > max_size) {
    size_t k = offsets.size() - 1;
    while (k > 0 && offsets[k] > max_size) --k;
    size = std::min(offsets[k], max_size);
  }
  if (size != 0) std::memcpy(out, bytes.data(), size);
  return size;
}

}  // namespace

size_t MutateScenario(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  Random rng(seed);
  // The draw comes first so that a seed picks the same structured mutation with or without an
  // engine; an oversized input (outside libFuzzer's contract) is cut by the structured path.
  if (rng.OneIn(10) && LLVMFuzzerMutate != nullptr && size <= max_size)
    return LLVMFuzzerMutate(data, size, max_size);
  const Scenario before = Decode(data, size);
  Scenario s = before;
  // Retry until something changed: an operation can be a no-op after normalization (a cpu
  // folded back, a namespace that cannot be added).
  for (int attempt = 0; attempt < 16 && s == before; ++attempt) {
    const uint64_t rounds = attempt == 0 ? 1 + rng.Below(3) : 1;
    for (uint64_t r = 0; r < rounds; ++r) MutateOnce(s, rng);
    s = Normalize(std::move(s));
  }
  return WriteFitting(s, data, max_size);
}

size_t CrossOverScenarios(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size,
                          uint8_t* out, size_t max_out, unsigned seed) {
  Random rng(seed);
  const Scenario x = Decode(a, a_size);
  const Scenario y = Decode(b, b_size);
  Scenario r = x;
  const size_t i = rng.Below(x.steps.size() + 1);
  const size_t j = rng.Below(y.steps.size() + 1);
  switch (rng.Below(4)) {
    case 0:  // x's first steps, then y's last ones
      r.steps.assign(x.steps.begin(), x.steps.begin() + static_cast<ptrdiff_t>(i));
      r.steps.insert(r.steps.end(), y.steps.begin() + static_cast<ptrdiff_t>(j), y.steps.end());
      break;
    case 1: {  // a run of y's steps inside x's
      const size_t length = std::min<size_t>(y.steps.size() - j, 1 + rng.Below(8));
      r.steps.insert(r.steps.begin() + static_cast<ptrdiff_t>(i),
                     y.steps.begin() + static_cast<ptrdiff_t>(j),
                     y.steps.begin() + static_cast<ptrdiff_t>(j + length));
      break;
    }
    case 2:  // interleaved one by one
      r.steps.clear();
      for (size_t k = 0; k < std::max(x.steps.size(), y.steps.size()); ++k) {
        if (k < x.steps.size()) r.steps.push_back(x.steps[k]);
        if (k < y.steps.size()) r.steps.push_back(y.steps[k]);
      }
      break;
    default:  // x's schedule on one part of y's configuration
      switch (rng.Below(3)) {
        case 0:
          r.platform = y.platform;
          break;
        case 1:
          r.device = y.device;
          break;
        default:
          r.faults = y.faults;
          r.faults_during_init = y.faults_during_init;
      }
  }
  return WriteFitting(Normalize(std::move(r)), out, max_out);
}

}  // namespace msirig::fuzz
