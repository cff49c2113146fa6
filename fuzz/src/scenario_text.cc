// Scenario text form: printer and line parser (grammar in scenario_text.h).
#include "msirig/fuzz/scenario_text.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "scenario_fields.h"

namespace msirig::fuzz {
namespace {

using internal::FieldSpec;

using internal::kDeviceFields;
using internal::kFaultFields;
using internal::kMessageFields;
using internal::kNamespaceFields;
using internal::kPlatformFaultFields;
constexpr std::string_view kGenericArgumentNames[3] = {"a", "b", "c"};

// --- printing ---------------------------------------------------------------------------------

std::string Number(uint64_t value, bool hex) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, hex ? "0x%" PRIx64 : "%" PRIu64, value);
  return buffer;
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte > 0x7E) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// " key=value" for every field that differs from `defaults`.
template <typename T, typename VisitFn>
std::string ChangedFields(const T& config, const T& defaults, VisitFn visit_fields) {
  const internal::FieldValues base = internal::ValuesOf(defaults, visit_fields);
  std::string out;
  size_t i = 0;
  visit_fields(config, [&](const FieldSpec& spec, const auto& f) {
    const uint64_t value = internal::GetField(f);
    if (value != base[i++]) out += " " + std::string(spec.name) + "=" + Number(value, spec.hex);
  });
  return out;
}

size_t IndexOf(sp::OsVersion os) {
  const auto* it = std::find(std::begin(internal::kOsValues), std::end(internal::kOsValues), os);
  return static_cast<size_t>(it - std::begin(internal::kOsValues)) % std::size(internal::kOsValues);
}

size_t IndexOf(sp::InterruptKind kind) {
  const auto* it =
      std::find(std::begin(internal::kInterruptValues), std::end(internal::kInterruptValues), kind);
  return static_cast<size_t>(it - std::begin(internal::kInterruptValues)) %
         std::size(internal::kInterruptValues);
}

// --- parsing ----------------------------------------------------------------------------------

struct Token {
  std::string_view raw;  // as written, for error messages
  std::string_view key;  // before '=' (the whole token when there is no '=')
  std::string value;     // after '=', unquoted
  bool has_value = false;
};

std::optional<uint64_t> ParseNumber(std::string_view s) {
  uint64_t base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (value > (~uint64_t{0} - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

std::optional<int> HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

std::string ExpectedForSpec(const FieldSpec& spec) {
  switch (spec.shape) {
    case internal::Shape::kBlockSize:
      return "expected 512 or 4096";
    case internal::Shape::kPowerOfTwo:
      return "expected a power of two in " + std::to_string(spec.min) + ".." +
             std::to_string(spec.max);
    case internal::Shape::kRange:
      break;
  }
  if (spec.min == 0 && spec.max == 1) return "expected 0 or 1";
  return "expected a number in " + std::to_string(spec.min) + ".." + std::to_string(spec.max);
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

// Where a platform value came from, for errors found once every line is read.
struct Origin {
  int line = 0;
  std::string_view raw;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  bool Run(Scenario* out, std::string* error) {
    size_t start = 0;
    while (start <= text_.size()) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      ++line_;
      std::string_view line = text_.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!ParseLine(line)) {
        *error = error_;
        return false;
      }
      start = end + 1;
    }
    if (!Finish()) {
      *error = error_;
      return false;
    }
    *out = std::move(s_);
    return true;
  }

 private:
  bool Fail(std::string_view raw, const std::string& expected) {
    error_ = "line " + std::to_string(line_) + ": '" + std::string(raw) + "': " + expected;
    return false;
  }
  bool FailAt(const Origin& at, const std::string& expected) {
    line_ = at.line;
    return Fail(at.raw, expected);
  }

  bool Tokenize(std::string_view line) {
    tokens_.clear();
    size_t i = 0;
    while (i < line.size()) {
      if (line[i] == ' ' || line[i] == '\t') {
        ++i;
        continue;
      }
      if (line[i] == '#') break;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '#') {
        if (line[i] == '"') {
          for (++i; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] == '\\') ++i;
          }
          if (i >= line.size()) return Fail(line.substr(start), "expected a closing '\"'");
        }
        ++i;
      }
      Token token;
      token.raw = line.substr(start, i - start);
      const size_t eq = token.raw.find('=');
      token.key = token.raw.substr(0, eq);
      if (eq != std::string_view::npos) {
        token.has_value = true;
        if (!Unquote(token.raw, token.raw.substr(eq + 1), &token.value)) return false;
      }
      if (token.key.find('"') != std::string_view::npos)
        return Fail(token.raw, "expected '\"' only around a value");
      tokens_.push_back(std::move(token));
    }
    return true;
  }

  bool Unquote(std::string_view raw, std::string_view value, std::string* out) {
    if (value.empty() || value[0] != '"') {
      if (value.find('"') != std::string_view::npos)
        return Fail(raw, "expected '\"' only around a whole value");
      *out = std::string(value);
      return true;
    }
    out->clear();
    size_t i = 1;
    for (; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] != '\\') {
        *out += value[i];
        continue;
      }
      const char e = i + 1 < value.size() ? value[i + 1] : '\0';
      ++i;
      if (e == '\\' || e == '"') {
        *out += e;
      } else if (e == 'n') {
        *out += '\n';
      } else if (e == 'r') {
        *out += '\r';
      } else if (e == 't') {
        *out += '\t';
      } else if (e == 'x' && i + 2 < value.size() && HexDigit(value[i + 1]) &&
                 HexDigit(value[i + 2])) {
        *out += static_cast<char>(*HexDigit(value[i + 1]) * 16 + *HexDigit(value[i + 2]));
        i += 2;
      } else {
        return Fail(raw, "expected an escape \\\\, \\\", \\n, \\r, \\t or \\xHH");
      }
    }
    if (i + 1 != value.size()) return Fail(raw, "expected a space after the closing '\"'");
    return true;
  }

  // Applies key=value tokens [first, end) to the fields of one config.
  template <typename T, typename VisitFn>
  bool ApplyFields(size_t first, T& config, VisitFn visit_fields) {
    std::vector<std::string_view> seen;
    for (size_t t = first; t < tokens_.size(); ++t) {
      const Token& token = tokens_[t];
      if (!CheckKeyValue(token, &seen)) return false;
      bool found = false;
      bool ok = true;
      visit_fields(config, [&](const FieldSpec& spec, auto& field) {
        if (found || spec.name != token.key) return;
        found = true;
        const std::optional<uint64_t> value = ParseNumber(token.value);
        if (!value) {
          ok = Fail(token.raw, "expected a number");
        } else if (!internal::InSpec(spec, *value)) {
          ok = Fail(token.raw, ExpectedForSpec(spec));
        } else {
          internal::SetField(field, *value);
        }
      });
      if (!found) {
        std::vector<std::string_view> names;
        visit_fields(config, [&](const FieldSpec& spec, auto&) { names.push_back(spec.name); });
        return Fail(token.raw, "expected one of " + JoinNames(names));
      }
      if (!ok) return false;
    }
    return true;
  }

  bool CheckKeyValue(const Token& token, std::vector<std::string_view>* seen) {
    if (!token.has_value) return Fail(token.raw, "expected key=value");
    if (std::find(seen->begin(), seen->end(), token.key) != seen->end())
      return Fail(token.raw, "expected each key once per line");
    seen->push_back(token.key);
    return true;
  }

  bool Once(std::string_view keyword, int* first_line) {
    if (*first_line != 0) {
      return Fail(keyword, "expected one " + std::string(keyword) + " line (the first is line " +
                               std::to_string(*first_line) + ")");
    }
    *first_line = line_;
    return true;
  }

  bool ParseLine(std::string_view line) {
    if (!Tokenize(line)) return false;
    if (tokens_.empty()) return true;
    const Token& head = tokens_[0];
    const std::string_view keyword = head.raw;
    if (!head.has_value) {
      if (keyword == "platform") return ParsePlatform();
      if (keyword == "platform-fault") {
        return Once(keyword, &platform_fault_line_) &&
               ApplyFields(1, s_.platform.faults, kPlatformFaultFields);
      }
      if (keyword == "message") return ParseMessage();
      if (keyword == "controller") {
        hba::DeviceConfig& d = s_.device;
        return Once(keyword, &device_line_) && ApplyFields(1, d, kDeviceFields);
      }
      if (keyword == "namespace") return ParseNamespace();
      if (keyword == "fault")
        return Once(keyword, &fault_line_) && ApplyFields(1, s_, kFaultFields);
      for (int k = 0; k < kStepKindCount; ++k) {
        if (InfoOf(static_cast<StepKind>(k)).text == keyword)
          return ParseStep(static_cast<StepKind>(k));
      }
    }
    std::vector<std::string_view> steps;
    for (int k = 0; k < kStepKindCount; ++k) steps.push_back(InfoOf(static_cast<StepKind>(k)).text);
    return Fail(
        keyword,
        "expected platform, platform-fault, message, controller, namespace, fault or a step: " +
            JoinNames(steps));
  }

  bool ParsePlatform() {
    if (!Once("platform", &platform_line_)) return false;
    platform_origin_ = {line_, tokens_[0].raw};
    std::vector<std::string_view> seen;
    sp::PlatformConfig& p = s_.platform;
    for (size_t t = 1; t < tokens_.size(); ++t) {
      const Token& token = tokens_[t];
      if (!CheckKeyValue(token, &seen)) return false;
      const Origin here{line_, token.raw};
      if (token.key == "os") {
        const auto* it =
            std::find(std::begin(internal::kOsNames), std::end(internal::kOsNames), token.value);
        if (it == std::end(internal::kOsNames))
          return Fail(token.raw, "expected win10, win8, win7, vista or server2003");
        p.os_version = internal::kOsValues[it - std::begin(internal::kOsNames)];
      } else if (token.key == "interrupts") {
        const auto* it = std::find(std::begin(internal::kInterruptNames),
                                   std::end(internal::kInterruptNames), token.value);
        if (it == std::end(internal::kInterruptNames))
          return Fail(token.raw, "expected msix, msi or line");
        p.interrupt_kind = internal::kInterruptValues[it - std::begin(internal::kInterruptNames)];
        interrupts_ = here;
      } else if (token.key == "requested" || token.key == "granted" || token.key == "cpus") {
        const std::optional<uint64_t> value = ParseNumber(token.value);
        if (!value) return Fail(token.raw, "expected a number");
        if (token.key == "cpus") {
          if (*value < 1 || *value > sp::kMaxCpus)
            return Fail(token.raw, "expected a number in 1.." + std::to_string(sp::kMaxCpus));
          p.cpu_count = static_cast<uint32_t>(*value);
        } else {
          if (*value > sp::kMaxMsiXMessages)
            return Fail(token.raw,
                        "expected a number in 0.." + std::to_string(sp::kMaxMsiXMessages));
          (token.key == "requested" ? p.messages_requested : p.messages_granted) =
              static_cast<uint32_t>(*value);
          (token.key == "requested" ? requested_ : granted_) = here;
        }
      } else if (token.key == "parameter") {
        if (token.value.find('\0') != std::string::npos)
          return Fail(token.raw, "expected no NUL byte (the parameter is a C string)");
        if (token.value.size() > sp::kMaxDriverParameterLength)
          return Fail(token.raw, "expected at most " +
                                     std::to_string(sp::kMaxDriverParameterLength) + " bytes");
        p.driver_parameter = token.value;
      } else {
        return Fail(token.raw,
                    "expected one of os, interrupts, requested, granted, cpus or parameter");
      }
    }
    return true;
  }

  bool ParseMessage() {
    if (tokens_.size() < 2 || tokens_[1].has_value)
      return Fail(tokens_.size() < 2 ? tokens_[0].raw : tokens_[1].raw, "expected a message id");
    const std::optional<uint64_t> id = ParseNumber(tokens_[1].raw);
    if (!id) return Fail(tokens_[1].raw, "expected a message id (a number)");
    std::vector<sp::MessageContents>& contents = s_.platform.message_contents;
    if (*id < contents.size())
      return Fail(tokens_[1].raw, "expected a message id above " +
                                      std::to_string(contents.size() - 1) + " (ids increase)");
    if (*id >= sp::kMaxMsiXMessages)
      return Fail(tokens_[1].raw,
                  "expected a message id below " + std::to_string(sp::kMaxMsiXMessages));
    while (contents.size() <= *id) {
      contents.push_back(sp::DefaultMessageContents(static_cast<uint32_t>(contents.size())));
    }
    message_lines_.push_back({*id, Origin{line_, tokens_[1].raw}});
    return ApplyFields(2, contents.back(), kMessageFields);
  }

  bool ParseNamespace() {
    if (namespaces_.size() >= internal::kMaxNamespaces)
      return Fail(tokens_[0].raw, "expected at most " + std::to_string(internal::kMaxNamespaces) +
                                      " namespace lines");
    namespaces_.emplace_back();
    return ApplyFields(1, namespaces_.back(), kNamespaceFields);
  }

  bool ParseStep(StepKind kind) {
    const StepInfo& info = InfoOf(kind);
    Step step;
    step.kind = kind;
    std::vector<std::string_view> seen;
    std::vector<std::string_view> names = {"cpu", "preempt"};
    for (int i = 0; i < 3; ++i) {
      names.push_back(info.argument_names[i].empty() ? kGenericArgumentNames[i]
                                                     : info.argument_names[i]);
    }
    Origin cpu_origin{line_, tokens_[0].raw};
    for (size_t t = 1; t < tokens_.size(); ++t) {
      const Token& token = tokens_[t];
      if (!CheckKeyValue(token, &seen)) return false;
      const auto it = std::find(names.begin(), names.end(), token.key);
      if (it == names.end()) return Fail(token.raw, "expected one of " + JoinNames(names));
      const size_t slot = static_cast<size_t>(it - names.begin());
      const uint64_t max = slot == 0   ? sp::kMaxCpus - 1
                           : slot == 1 ? internal::kU16
                                       : internal::kU32;
      const std::optional<uint64_t> value = ParseNumber(token.value);
      if (!value) return Fail(token.raw, "expected a number");
      if (*value > max) return Fail(token.raw, "expected a number in 0.." + std::to_string(max));
      switch (slot) {
        case 0:
          step.cpu = static_cast<uint8_t>(*value);
          cpu_origin = {line_, token.raw};
          break;
        case 1:
          step.preempt = static_cast<uint16_t>(*value);
          break;
        default:
          (slot == 2 ? step.a : slot == 3 ? step.b : step.c) = static_cast<uint32_t>(*value);
      }
    }
    if (s_.steps.size() >= kMaxSteps)
      return Fail(tokens_[0].raw, "expected at most " + std::to_string(kMaxSteps) + " steps");
    s_.steps.push_back(step);
    step_cpus_.push_back(cpu_origin);
    return true;
  }

  // Checks that need every line: defaults that depend on other platform keys, and values
  // bounded by the platform.
  bool Finish() {
    sp::PlatformConfig& p = s_.platform;
    const bool pre_vista = p.os_version < sp::OsVersion::kVista;
    if (interrupts_.line == 0 && pre_vista) p.interrupt_kind = sp::InterruptKind::kLineBased;
    const bool line_based = p.interrupt_kind == sp::InterruptKind::kLineBased;
    const bool msi = p.interrupt_kind == sp::InterruptKind::kMsi;
    if (requested_.line == 0) p.messages_requested = line_based ? 0 : 8;
    if (granted_.line == 0) {
      p.messages_granted = msi ? std::bit_floor(p.messages_requested) : p.messages_requested;
    }
    const Origin& fallback = platform_origin_;
    if (pre_vista && !line_based) {
      return FailAt(interrupts_.line ? interrupts_ : fallback,
                    "expected interrupts=line: MSI needs Vista or later");
    }
    const uint32_t max = internal::MaxMessages(p.interrupt_kind);
    const std::string kind_text(internal::kInterruptNames[IndexOf(p.interrupt_kind)]);
    if (line_based && p.messages_requested != 0)
      return FailAt(requested_, "expected 0 for interrupts=line");
    if (line_based && p.messages_granted != 0)
      return FailAt(granted_, "expected 0 for interrupts=line");
    if (!line_based && (p.messages_requested < 1 || p.messages_requested > max)) {
      return FailAt(
          requested_.line ? requested_ : fallback,
          "expected a number in 1.." + std::to_string(max) + " for interrupts=" + kind_text);
    }
    if (p.messages_granted > p.messages_requested) {
      return FailAt(granted_.line ? granted_ : fallback,
                    "expected at most requested=" + std::to_string(p.messages_requested));
    }
    if (msi && p.messages_granted != 0 && !std::has_single_bit(p.messages_granted))
      return FailAt(granted_, "expected 0, 1, 2, 4, 8, 16 or 32 for interrupts=msi");
    for (const auto& [id, origin] : message_lines_) {
      if (id >= p.messages_granted) {
        return FailAt(origin,
                      "expected a message id below granted=" + std::to_string(p.messages_granted));
      }
    }
    for (size_t i = 0; i < s_.steps.size(); ++i) {
      if (s_.steps[i].cpu >= p.cpu_count) {
        return FailAt(step_cpus_[i],
                      "expected a cpu below cpus=" + std::to_string(p.cpu_count) + " (platform)");
      }
    }
    if (!namespaces_.empty()) s_.device.namespaces = namespaces_;
    if (const std::string why = sp::Validate(p); !why.empty())
      return FailAt(fallback, "expected a valid platform (" + why + ")");
    if (!(Normalize(s_) == s_))
      return FailAt(fallback, "expected a normalized scenario (a parser bug)");
    return true;
  }

  std::string_view text_;
  int line_ = 0;
  std::string error_;
  std::vector<Token> tokens_;
  Scenario s_;
  std::vector<hba::NamespaceConfig> namespaces_;
  std::vector<Origin> step_cpus_;
  int platform_line_ = 0;
  int platform_fault_line_ = 0;
  int device_line_ = 0;
  int fault_line_ = 0;
  Origin platform_origin_{0, "platform"};
  Origin interrupts_, requested_, granted_;
  std::vector<std::pair<uint64_t, Origin>> message_lines_;
};

}  // namespace

std::string ToText(const Scenario& s) {
  const sp::PlatformConfig& p = s.platform;
  std::string out =
      "platform os=" + std::string(internal::kOsNames[IndexOf(p.os_version)]) +
      " interrupts=" + std::string(internal::kInterruptNames[IndexOf(p.interrupt_kind)]) +
      " requested=" + Number(p.messages_requested, false) +
      " granted=" + Number(p.messages_granted, false) + " cpus=" + Number(p.cpu_count, false);
  if (!p.driver_parameter.empty()) out += " parameter=" + Quote(p.driver_parameter);
  out += "\n";
  if (const std::string f = ChangedFields(p.faults, sp::PlatformFaults{}, kPlatformFaultFields);
      !f.empty())
    out += "platform-fault" + f + "\n";
  for (size_t i = 0; i < p.message_contents.size(); ++i) {
    const auto id = static_cast<uint32_t>(i);
    out += "message " + std::to_string(i) +
           ChangedFields(p.message_contents[i], sp::DefaultMessageContents(id), kMessageFields) +
           "\n";
  }
  if (const std::string f = ChangedFields(s.device, hba::DeviceConfig{}, kDeviceFields); !f.empty())
    out += "controller" + f + "\n";
  const bool default_namespaces =
      s.device.namespaces.size() == 1 &&
      ChangedFields(s.device.namespaces[0], hba::NamespaceConfig{}, kNamespaceFields).empty();
  if (!default_namespaces) {
    for (const hba::NamespaceConfig& n : s.device.namespaces)
      out += "namespace" + ChangedFields(n, hba::NamespaceConfig{}, kNamespaceFields) + "\n";
  }
  if (const std::string f = ChangedFields(s, Scenario{}, kFaultFields); !f.empty())
    out += "fault" + f + "\n";
  for (const Step& step : s.steps) {
    const StepInfo& info = InfoOf(step.kind);
    out += std::string(info.text) + " cpu=" + Number(step.cpu, false);
    if (step.preempt != 0) out += " preempt=" + Number(step.preempt, false);
    const uint32_t args[3] = {step.a, step.b, step.c};
    for (int i = 0; i < 3; ++i) {
      const std::string_view name =
          info.argument_names[i].empty() ? kGenericArgumentNames[i] : info.argument_names[i];
      if (info.argument_names[i].empty() && args[i] == 0) continue;
      const bool hex = args[i] >= 0x10000 || name == "pattern" || name == "args";
      out += " " + std::string(name) + "=" + Number(args[i], hex);
    }
    out += "\n";
  }
  return out;
}

bool ParseText(std::string_view text, Scenario* out, std::string* error) {
  std::string ignored;
  return Parser(text).Run(out, error != nullptr ? error : &ignored);
}

}  // namespace msirig::fuzz
