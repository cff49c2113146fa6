// Scenario binary form: separator-split chunks of varints (layout in scenario_codec.h).
#include "msirig/fuzz/scenario_codec.h"

#include <algorithm>
#include <cstring>

#include "scenario_fields.h"

namespace msirig::fuzz {
namespace {

using internal::FieldSpec;

constexpr size_t kMaxVarintBytes = 10;

// Reads varints from one chunk; past its end every byte reads as zero, so truncation and
// deletion only ever turn the tail of one chunk into zeros (defaults).
class ChunkReader {
 public:
  ChunkReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint64_t Varint() {
    uint64_t value = 0;
    for (size_t i = 0; i < kMaxVarintBytes; ++i) {
      const uint8_t byte = pos_ < size_ ? data_[pos_++] : 0;
      value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) break;
    }
    return value;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

class ChunkWriter {
 public:
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<uint8_t>(value | 0x80));
      value >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(value));
  }

  // Appends the chunk to `out`: without an accidental separator (every separator byte is a
  // nonzero byte below 0x80, so inside an occurrence its second byte is a whole one-byte varint,
  // and its two-byte form (x | 0x80, 0x00) shares no byte with the separator), and without
  // trailing zeros, which the reader supplies anyway.
  void FinishInto(std::vector<uint8_t>& out) {
    const auto* sep = reinterpret_cast<const uint8_t*>(kChunkSeparator.data());
    for (size_t i = 0; i + kChunkSeparator.size() <= bytes_.size(); ++i) {
      if (std::memcmp(&bytes_[i], sep, kChunkSeparator.size()) != 0) continue;
      bytes_[i + 1] |= 0x80;
      bytes_.insert(bytes_.begin() + static_cast<ptrdiff_t>(i + 2), 0);
    }
    while (!bytes_.empty() && bytes_.back() == 0) bytes_.pop_back();
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    bytes_.clear();
  }

 private:
  std::vector<uint8_t> bytes_;
};

template <typename T, typename VisitFn>
void WriteFields(ChunkWriter& w, const T& config, const T& defaults, VisitFn visit_fields) {
  const internal::FieldValues base = internal::ValuesOf(defaults, visit_fields);
  size_t i = 0;
  visit_fields(config, [&](const FieldSpec&, const auto& f) {
    w.Varint(internal::GetField(f) ^ base[i++]);
  });
}

template <typename T, typename VisitFn>
T ReadFields(ChunkReader& r, const T& defaults, VisitFn visit_fields) {
  const internal::FieldValues base = internal::ValuesOf(defaults, visit_fields);
  T config = defaults;
  size_t i = 0;
  visit_fields(config, [&](const FieldSpec& spec, auto& f) {
    internal::SetField(f, internal::FoldIntoSpec(spec, r.Varint() ^ base[i++]));
  });
  return config;
}

using internal::kDeviceFields;
using internal::kFaultFields;
using internal::kMessageFields;
using internal::kNamespaceFields;
using internal::kPlatformFaultFields;

uint64_t Fold(uint64_t v, uint64_t min, uint64_t max) {
  if (v >= min && v <= max) return v;
  return min + (v - min) % (max - min + 1);
}

sp::PlatformConfig ReadPlatform(ChunkReader& r) {
  const sp::PlatformConfig defaults;
  sp::PlatformConfig p;
  p.os_version = internal::kOsValues[r.Varint() % std::size(internal::kOsValues)];
  p.interrupt_kind = internal::kInterruptValues[r.Varint() % std::size(internal::kInterruptValues)];
  if (p.os_version < sp::OsVersion::kVista) p.interrupt_kind = sp::InterruptKind::kLineBased;
  const uint32_t max = internal::MaxMessages(p.interrupt_kind);
  const uint64_t requested = r.Varint() ^ defaults.messages_requested;
  const uint64_t granted = r.Varint() ^ defaults.messages_granted;
  p.messages_requested = static_cast<uint32_t>(max == 0 ? 0 : Fold(requested, 1, max));
  p.messages_granted = static_cast<uint32_t>(Fold(granted, 0, p.messages_requested));
  p.cpu_count = static_cast<uint32_t>(Fold(r.Varint() ^ defaults.cpu_count, 1, sp::kMaxCpus));
  p.faults = ReadFields(r, defaults.faults, kPlatformFaultFields);
  const size_t length = std::min<uint64_t>(r.Varint(), sp::kMaxDriverParameterLength);
  for (size_t i = 0; i < length; ++i) p.driver_parameter.push_back(static_cast<char>(r.Varint()));
  return sp::Normalize(std::move(p));
}

void WritePlatform(ChunkWriter& w, const sp::PlatformConfig& p) {
  const sp::PlatformConfig defaults;
  const auto os =
      std::find(std::begin(internal::kOsValues), std::end(internal::kOsValues), p.os_version);
  w.Varint(static_cast<uint64_t>(os - std::begin(internal::kOsValues)));
  const auto kind = std::find(std::begin(internal::kInterruptValues),
                              std::end(internal::kInterruptValues), p.interrupt_kind);
  w.Varint(static_cast<uint64_t>(kind - std::begin(internal::kInterruptValues)));
  w.Varint(p.messages_requested ^ defaults.messages_requested);
  w.Varint(p.messages_granted ^ defaults.messages_granted);
  w.Varint(p.cpu_count ^ defaults.cpu_count);
  WriteFields(w, p.faults, defaults.faults, kPlatformFaultFields);
  w.Varint(p.driver_parameter.size());
  for (char c : p.driver_parameter) w.Varint(static_cast<uint8_t>(c));
}

// The next separator at or after `from`, or `size`.
size_t FindSeparator(const uint8_t* data, size_t size, size_t from) {
  const size_t n = kChunkSeparator.size();
  for (size_t i = from; i + n <= size; ++i) {
    if (data[i] == static_cast<uint8_t>(kChunkSeparator[0]) &&
        std::memcmp(data + i, kChunkSeparator.data(), n) == 0)
      return i;
  }
  return size;
}

void AppendSeparator(std::vector<uint8_t>& out) {
  out.insert(out.end(), kChunkSeparator.begin(), kChunkSeparator.end());
}

}  // namespace

Scenario Decode(const uint8_t* data, size_t size) {
  if (data == nullptr) size = 0;
  Scenario s;
  size_t end = FindSeparator(data, size, 0);
  {
    ChunkReader r(data, end);
    s.platform = ReadPlatform(r);
  }
  std::vector<hba::NamespaceConfig> namespaces;
  const hba::DeviceConfig default_device;
  // The first device and faults chunks win: the encoder puts them before the steps, so a step
  // whose kind byte a mutation turned into one of these tags cannot replace the configuration.
  bool have_device = false;
  bool have_faults = false;
  while (end < size) {
    const size_t begin = end + kChunkSeparator.size();
    end = FindSeparator(data, size, begin);
    ChunkReader r(data + begin, end - begin);
    const uint32_t tag = static_cast<uint32_t>(r.Varint() % kChunkTagCount);
    if (StepKind kind; StepOfTag(tag, &kind)) {
      if (s.steps.size() >= kMaxSteps) continue;
      Step step;
      step.kind = kind;
      step.cpu = static_cast<uint8_t>(r.Varint() % s.platform.cpu_count);
      step.preempt = static_cast<uint16_t>(r.Varint());
      step.a = static_cast<uint32_t>(r.Varint());
      step.b = static_cast<uint32_t>(r.Varint());
      step.c = static_cast<uint32_t>(r.Varint());
      s.steps.push_back(step);
    } else if (tag == kDeviceTag) {
      if (!have_device) s.device = ReadFields(r, default_device, kDeviceFields);
      have_device = true;
    } else if (tag == kNamespaceTag) {
      if (namespaces.size() < internal::kMaxNamespaces)
        namespaces.push_back(ReadFields(r, hba::NamespaceConfig{}, kNamespaceFields));
    } else if (tag == kFaultsTag) {
      if (!have_faults) {
        const Scenario read = ReadFields(r, Scenario{}, kFaultFields);
        s.faults = read.faults;
        s.faults_during_init = read.faults_during_init;
      }
      have_faults = true;
    } else {  // kMessageTag
      std::vector<sp::MessageContents>& contents = s.platform.message_contents;
      if (contents.size() < s.platform.messages_granted) {
        const uint32_t id = static_cast<uint32_t>(contents.size());
        contents.push_back(ReadFields(r, sp::DefaultMessageContents(id), kMessageFields));
      }
    }
  }
  if (!namespaces.empty()) s.device.namespaces = std::move(namespaces);
  return Normalize(std::move(s));
}

std::vector<uint8_t> Encode(const Scenario& scenario) { return Encode(scenario, nullptr); }

std::vector<uint8_t> Encode(const Scenario& s, std::vector<size_t>* step_offsets) {
  std::vector<uint8_t> out;
  ChunkWriter w;
  WritePlatform(w, s.platform);
  w.FinishInto(out);

  const hba::DeviceConfig default_device;
  if (!internal::FieldsEqual(s.device, default_device, kDeviceFields)) {
    AppendSeparator(out);
    w.Varint(kDeviceTag);
    WriteFields(w, s.device, default_device, kDeviceFields);
    w.FinishInto(out);
  }
  const bool default_namespaces =
      s.device.namespaces.size() == 1 &&
      internal::FieldsEqual(s.device.namespaces[0], hba::NamespaceConfig{}, kNamespaceFields);
  if (!default_namespaces) {
    for (const hba::NamespaceConfig& n : s.device.namespaces) {
      AppendSeparator(out);
      w.Varint(kNamespaceTag);
      WriteFields(w, n, hba::NamespaceConfig{}, kNamespaceFields);
      w.FinishInto(out);
    }
  }
  if (!internal::FieldsEqual(s, Scenario{}, kFaultFields)) {
    AppendSeparator(out);
    w.Varint(kFaultsTag);
    WriteFields(w, s, Scenario{}, kFaultFields);
    w.FinishInto(out);
  }
  for (size_t i = 0; i < s.platform.message_contents.size(); ++i) {
    AppendSeparator(out);
    w.Varint(kMessageTag);
    WriteFields(w, s.platform.message_contents[i],
                sp::DefaultMessageContents(static_cast<uint32_t>(i)), kMessageFields);
    w.FinishInto(out);
  }

  if (step_offsets != nullptr) step_offsets->clear();
  for (const Step& step : s.steps) {
    if (step_offsets != nullptr) step_offsets->push_back(out.size());
    AppendSeparator(out);
    w.Varint(TagOfStep(step.kind));
    w.Varint(step.cpu);
    w.Varint(step.preempt);
    w.Varint(step.a);
    w.Varint(step.b);
    w.Varint(step.c);
    w.FinishInto(out);
  }
  if (step_offsets != nullptr) step_offsets->push_back(out.size());
  return out;
}

}  // namespace msirig::fuzz
