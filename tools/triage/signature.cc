// Signatures (see signature.h).
#include "signature.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace msirig::triage {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "/a/b.cc:12:3" or "/a/b.cc:12": the file part, or "" when `token` is no source location.
std::string_view SourceFileOf(std::string_view token) {
  for (int i = 0; i < 2; ++i) {
    const size_t colon = token.rfind(':');
    if (colon == std::string_view::npos || !IsDigits(token.substr(colon + 1))) break;
    token = token.substr(0, colon);
  }
  if (token.find('/') == std::string_view::npos && token.find('.') == std::string_view::npos)
    return {};
  return token;
}

// The bug type of a sanitizer headline: the words after "<Sanitizer>: " up to the first
// address, pid or detail ("heap-use-after-free on address 0x..." -> "heap-use-after-free").
std::string BugType(std::string_view sanitizer, std::string_view rest) {
  for (std::string_view stop : {" on ", " (pid", " at ", " (", ": "}) {
    const size_t at = rest.find(stop);
    if (at != std::string_view::npos) rest = rest.substr(0, at);
  }
  return std::string(sanitizer) + ": " + std::string(Trim(rest));
}

// UBSan's "runtime error: index 5 out of bounds for type 'int [4]'": the words without
// numbers or quoted types, so that values never enter the signature.
std::string UbsanType(std::string_view rest) {
  const size_t colon = rest.find(':');
  if (colon != std::string_view::npos) rest = rest.substr(0, colon);
  std::istringstream words{std::string(rest)};
  std::string word, out;
  bool quoted = false;
  while (words >> word) {
    const size_t quotes = static_cast<size_t>(std::count(word.begin(), word.end(), '\''));
    if (quoted || quotes > 0) {
      if (quotes % 2 == 1) quoted = !quoted;
      continue;
    }
    bool digits = false;
    for (char c : word) digits = digits || std::isdigit(static_cast<unsigned char>(c));
    if (digits) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return "UndefinedBehaviorSanitizer: " + out;
}

// Recognizes a sanitizer headline; sets *type. Verifier lines are handled by the caller.
bool Headline(std::string_view line, std::string* type) {
  static constexpr std::string_view kHeads[] = {
      "ERROR: AddressSanitizer: ",  "ERROR: LeakSanitizer: ",
      "WARNING: ThreadSanitizer: ", "ERROR: ThreadSanitizer: ",
      "ERROR: MemorySanitizer: ",   "WARNING: MemorySanitizer: ",
      "ERROR: libFuzzer: ",         "ERROR: UndefinedBehaviorSanitizer: ",
  };
  for (std::string_view head : kHeads) {
    const size_t at = line.find(head);
    if (at == std::string_view::npos) continue;
    std::string_view name = head.substr(head.find(' ') + 1);
    name = name.substr(0, name.find(':'));
    *type = BugType(name, line.substr(at + head.size()));
    return true;
  }
  const size_t ub = line.find("runtime error: ");
  if (ub != std::string_view::npos) {
    *type = UbsanType(line.substr(ub + std::string_view("runtime error: ").size()));
    return true;
  }
  return false;
}

std::string Rule(std::string_view rest) {
  size_t n = 0;
  while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '_'))
    ++n;
  return std::string(rest.substr(0, n));
}

// A file of the toolchain or the system: libc, libstdc++ and sanitizer or libFuzzer sources
// (which Debian's runtime libraries name by their build path).
bool IsSystemPath(std::string_view path) {
  for (std::string_view part : {"compiler-rt/", "sanitizer_common/", "llvm-toolchain", "/libfuzzer/"}) {
    if (path.find(part) != std::string_view::npos) return true;
  }
  return path.starts_with("/usr/") || path.starts_with("/lib/") || path.starts_with("/opt/");
}

// The signature of the verifier finding whose line starts `rest` (the text after the
// violation line): the rule with the driver's top three frames of the first stack after it,
// or with its place when no frame of the driver is on that stack (signature.h).
std::string ViolationSignature(std::string_view rule, std::string_view rest) {
  static constexpr std::string_view kPlace = "msirig: place: ";
  std::string place;
  std::vector<std::string> frames;
  bool in_stack = false, symbolized = false;
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find('\n', start);
    if (end == std::string_view::npos) end = rest.size();
    const std::string_view line = rest.substr(start, end - start);
    start = end + 1;
    Frame frame;
    if (ParseFrame(line, &frame)) {
      in_stack = true;
      symbolized = symbolized || !frame.function.empty();
      if (IsDriverFrame(frame) && frames.size() < 3) frames.push_back(frame.function);
      continue;
    }
    if (in_stack) break;  // the first stack ends at its first line that is no frame
    if (line.starts_with("msirig: violation ")) break;  // another finding: not this one's
    if (place.empty() && line.starts_with(kPlace)) place = Trim(line.substr(kPlace.size()));
  }
  std::string signature = "msirig: violation " + std::string(rule);
  if (!frames.empty()) {
    for (size_t i = 0; i < frames.size(); ++i) signature += (i == 0 ? " in " : " / ") + frames[i];
  } else if (in_stack && !symbolized) {
    // Function names are what a signature compares: without them it would silently be
    // another signature than the same bug's symbolized one.
    signature += " (unsymbolized stack)";
  } else if (!place.empty()) {
    signature += " at " + place;
  }
  return signature;
}

}  // namespace

std::string CleanFunction(std::string_view function) {
  std::string f(Trim(function));
  for (std::string_view junk : {"(anonymous namespace)::", "[abi:cxx11]"}) {
    for (size_t at; (at = f.find(junk)) != std::string::npos;) f.erase(at, junk.size());
  }
  for (std::string_view suffix : {" const", " volatile", " &&", " &"}) {
    if (f.size() > suffix.size() && f.ends_with(suffix)) f.resize(f.size() - suffix.size());
  }
  if (!f.empty() && f.back() == ')') {  // the parameter list: from its matching '('
    int depth = 0;
    for (size_t i = f.size(); i-- > 0;) {
      if (f[i] == ')') ++depth;
      if (f[i] == '(' && --depth == 0) {
        if (i > 0) f.resize(i);  // keep "(anonymous)"-like names whole
        break;
      }
    }
  }
  return f;
}

std::string ProjectRelative(std::string_view path) {
  size_t best = std::string_view::npos;
  for (std::string_view folder : kProjectFolders) {
    const std::string needle = "/" + std::string(folder) + "/";
    // The last occurrence: a checkout under a folder of the same name still resolves.
    const size_t at = path.rfind(needle);
    if (at != std::string_view::npos && (best == std::string_view::npos || at > best)) best = at;
  }
  if (best == std::string_view::npos) {
    for (std::string_view folder : kProjectFolders) {  // already relative: "storport/src/a.cc"
      if (path.starts_with(std::string(folder) + "/")) return std::string(path);
    }
    return {};
  }
  return std::string(path.substr(best + 1));
}

bool ParseFrame(std::string_view line, Frame* frame) {
  line = Trim(line);
  if (line.size() < 2 || line[0] != '#' || !std::isdigit(static_cast<unsigned char>(line[1])))
    return false;
  size_t n = 1;
  while (n < line.size() && std::isdigit(static_cast<unsigned char>(line[n]))) ++n;
  std::string_view rest = Trim(line.substr(n));
  if (rest.starts_with("0x")) {  // ASan/UBSan: "#3 0x55d0 in f ..."
    const size_t space = rest.find(' ');
    rest = space == std::string_view::npos ? std::string_view() : Trim(rest.substr(space));
    if (rest.starts_with("in ")) rest = Trim(rest.substr(3));
  }
  // Trailing "(module+0x12)" (TSan frames, unsymbolized ones) and "(BuildId: ...)" groups.
  while (rest.ends_with(")")) {
    const size_t open = rest.rfind('(');
    const std::string_view group = rest.substr(open);
    if (open == std::string_view::npos ||
        (group.find("+0x") == std::string_view::npos && !group.starts_with("(BuildId:")))
      break;
    rest = Trim(rest.substr(0, open));
  }
  frame->file.clear();
  frame->path.clear();
  const size_t space = rest.rfind(' ');
  if (space != std::string_view::npos) {
    const std::string_view file = SourceFileOf(rest.substr(space + 1));
    if (!file.empty()) {
      frame->path = std::string(file);
      frame->file = ProjectRelative(file);
      rest = Trim(rest.substr(0, space));
    }
  }
  frame->function = CleanFunction(rest);
  return true;
}

bool IsInfrastructure(const Frame& frame) {
  if (frame.function == "LLVMFuzzerTestOneInput") return true;
  for (std::string_view prefix : kInfrastructure) {
    if (std::string_view(frame.file).starts_with(prefix)) return true;
  }
  return false;
}

bool IsDriverFrame(const Frame& frame) {
  if (frame.function.empty() || frame.path.empty() || IsInfrastructure(frame)) return false;
  if (frame.file.empty()) {  // a miniport outside the project's folders: a source file of its own
    const std::string_view path = frame.path;
    const size_t dot = path.rfind('.');
    const std::string_view extension = dot == std::string_view::npos ? "" : path.substr(dot);
    bool source = false;
    for (std::string_view known : {".c", ".cc", ".cpp", ".cxx", ".h", ".hpp"})
      source = source || extension == known;
    // Not an object file (Boost.Context's trampoline), and not libc's own sources, which its
    // debug information names relatively ("csu/../sysdeps/nptl/libc_start_call_main.h").
    return source && path.starts_with("/") && !IsSystemPath(path);
  }
  for (std::string_view rig : kRig) {
    if (std::string_view(frame.file).starts_with(rig)) return false;
  }
  return true;
}

std::string SignatureOf(std::string_view output) {
  static constexpr std::string_view kViolation = "msirig: violation ";
  static constexpr std::string_view kMismatch = "msirig: contract mismatch: ";
  std::string type;
  std::vector<std::string> frames;
  bool in_stack = false;
  size_t start = 0;
  while (start <= output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    const std::string_view line = output.substr(start, end - start);
    start = end + 1;
    if (type.empty()) {
      if (line.starts_with(kViolation)) {
        return ViolationSignature(Rule(line.substr(kViolation.size())),
                                  start <= output.size() ? output.substr(start) : "");
      }
      if (line.starts_with(kMismatch)) {
        return std::string(kMismatch) + Rule(line.substr(kMismatch.size()));
      }
      Headline(line, &type);
      continue;
    }
    // The first stack after the headline: the faulting access (ASan, UBSan) or the current
    // thread's access (TSan). It ends at the first line that is not a frame.
    Frame frame;
    if (ParseFrame(line, &frame)) {
      in_stack = true;
      if (!frame.file.empty() && !IsInfrastructure(frame) && frames.size() < 3)
        frames.push_back(frame.function);
    } else if (in_stack) {
      break;
    }
    if (end == output.size()) break;
  }
  if (type.empty()) return {};
  std::string signature = type;
  for (size_t i = 0; i < frames.size(); ++i) signature += (i == 0 ? " in " : " / ") + frames[i];
  return signature;
}

}  // namespace msirig::triage
