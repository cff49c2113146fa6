// msirig_triage: the analysis behind `tools/msirig repro`, `triage` and `add` (README.md,
// "Triage"). tools/msirig builds it and passes it the binaries and paths; it can be run alone:
//
//   msirig_triage signature [LOG]
//       the signature of the finding in a replay's output (signature.h); exit 0 when there is
//       one, 1 when the output shows none, 2 when LOG cannot be read
//   msirig_triage triage --replay BIN --target T --out DIR [options] INPUT...
//       replay, group by signature, minimize one input per group, compare with the crash
//       store, write DIR/report.md, DIR/report.html and DIR/groups.tsv;
//       exit 0 when every group is known-open (or nothing reproduces), 1 when a group is new
//       or a regression, 2 on a usage or I/O error
//   msirig_triage add --crashes DIR --group NAME --target T --signature S --sanitizers S
//                     --first-seen REV [--status open|fixed] [--found TEXT] FILE...
//       writes crashes/NAME/ atomically; exit 0 done, 2 refused or failed
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ddmin.h"
#include "msirig/fuzz/scenario_codec.h"
#include "msirig/fuzz/scenario_text.h"
#include "replay.h"
#include "report.h"
#include "signature.h"
#include "store.h"

namespace msirig::triage {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: msirig_triage signature [LOG]\n"
    "       msirig_triage triage --replay BIN --target T --out DIR [--crashes DIR]\n"
    "                            [--scenario] [--retries N] [--timeout S] [--max-tests N]\n"
    "                            [--no-minimize] [--fuzz-binary BIN] [--sanitizer S]\n"
    "                            [--input-dir DIR] [--repro-prefix CMD] INPUT...\n"
    "       msirig_triage add --crashes DIR --group NAME --target T --signature S\n"
    "                         --sanitizers S --first-seen REV [--status open|fixed]\n"
    "                         [--found TEXT] [--cause TEXT] FILE...\n";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "msirig_triage: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int IoError(const std::string& message) {
  std::fprintf(stderr, "msirig_triage: %s\n", message.c_str());
  return 2;
}

// --key value options and positional arguments; `flags` take no value.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  std::string error;
};

Args ParseArgs(int argc, char** argv, const std::vector<std::string>& valued,
               const std::vector<std::string>& flags) {
  Args args;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      args.positional.push_back(arg);
      continue;
    }
    const std::string key = arg.substr(2);
    if (std::find(flags.begin(), flags.end(), key) != flags.end()) {
      args.options[key] = "1";
    } else if (std::find(valued.begin(), valued.end(), key) != valued.end()) {
      if (i + 1 >= argc) {
        args.error = arg + " needs a value";
        return args;
      }
      args.options[key] = argv[++i];
    } else {
      args.error = "unknown option '" + arg + "'";
      return args;
    }
  }
  return args;
}

bool ParseCount(const std::string& text, int min, int max, int* out) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) return false;
  *out = static_cast<int>(value);
  return true;
}

int CmdSignature(int argc, char** argv) {
  if (argc > 1) return UsageError("signature takes at most one LOG");
  std::string log;
  if (argc == 1) {
    if (!ReadFile(argv[0], &log)) return IoError(std::string(argv[0]) + ": cannot read");
  } else {
    log.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const std::string signature = SignatureOf(log);
  if (signature.empty()) return 1;
  std::printf("%s\n", signature.c_str());
  return 0;
}

struct TriageConfig {
  std::string replay, target, out, crashes, fuzz_binary, sanitizer, input_dir, repro_prefix;
  bool scenario = false;
  bool minimize = true;
  int retries = 3;
  int timeout = 60;
  int max_tests = 400;
};

// Replays `path` once; "" when clean.
std::string ReplayOnce(const TriageConfig& config, const std::string& path) {
  return SignatureOfRun(RunCommand({config.replay, path}, config.timeout));
}

bool WriteOrSay(const std::string& path, std::string_view bytes) {
  std::string error;
  if (WriteFileAtomically(path, bytes, &error)) return true;
  std::fprintf(stderr, "msirig_triage: %s\n", error.c_str());
  return false;
}

std::string Bytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// Minimizes group.inputs' best input into <out>/groups/<id>/; fills the group's fields.
bool MinimizeGroup(const TriageConfig& config, Group* group) {
  const std::string dir = config.out + "/groups/" + group->id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError(dir + ": cannot create: " + ec.message()) == 0;
  // The representative: the smallest input among those that reproduce most reliably.
  const InputResult* best = &group->inputs.front();
  for (const InputResult& input : group->inputs) {
    const auto size = [](const InputResult& r) {
      std::error_code ignored;
      return fs::file_size(r.file.empty() ? r.path : r.file, ignored);
    };
    if (input.reproduced > best->reproduced ||
        (input.reproduced == best->reproduced && size(input) < size(*best)))
      best = &input;
  }
  const std::string& best_file = best->file.empty() ? best->path : best->file;
  std::string bytes;
  if (!ReadFile(best_file, &bytes)) return IoError(best_file + ": cannot read") == 0;
  const std::string candidate_path = dir + "/candidate";
  auto keeps_bytes = [&](const std::string& candidate) {
    return WriteOrSay(candidate_path, candidate) &&
           ReplayOnce(config, candidate_path) == group->signature;
  };
  std::string note;
  // Every candidate of a hang would cost a whole timeout: hangs are kept as they are.
  const bool minimize = config.minimize && group->signature != "timeout";
  if (!minimize && config.minimize) {
    note = "not minimized: a timeout";
  } else if (minimize && config.scenario) {
    const fuzz::Scenario original =
        fuzz::Decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    MinimizeStats stats;
    const fuzz::Scenario minimized = MinimizeScenario(
        original, [&](const fuzz::Scenario& s) { return keeps_bytes(Bytes(fuzz::Encode(s))); },
        static_cast<size_t>(config.max_tests), &stats);
    const std::string encoded = Bytes(fuzz::Encode(minimized));
    note = "ddmin: " + std::to_string(stats.steps_before) + " -> " +
           std::to_string(stats.steps_after) + " steps, " + std::to_string(stats.tests) +
           " replays";
    if (keeps_bytes(encoded))
      bytes = encoded;
    else
      note += " (the result did not reproduce again: kept the input; flaky?)";
  } else if (!config.minimize) {
    note = "not minimized (--no-minimize)";
  } else {
    note = "not a scenario target: no step-level minimization";
  }
  if (minimize && !config.fuzz_binary.empty()) {
    // libFuzzer's own minimizer on the step-minimal input (libFuzzer docs, "-minimize_crash"),
    // its result kept only when it still shows the same signature: libFuzzer compares ASan's
    // DEDUP_TOKEN, which for every verifier finding is the verifier's own frames. A fixed
    // -seed (passed on to each of its steps), or it would draw one from the clock.
    const std::string in = dir + "/libfuzzer-in", out_path = dir + "/libfuzzer-out";
    if (WriteOrSay(in, bytes)) {
      fs::remove(out_path, ec);
      const RunResult run = RunCommand({config.fuzz_binary, "-minimize_crash=1", "-runs=2000",
                                        "-seed=1", "-exact_artifact_path=" + out_path, in},
                                       config.timeout * 4);
      // The engine's own account (each attempt, the crash it kept), beside the reproducer.
      WriteOrSay(dir + "/libfuzzer.log", run.started ? run.output : run.error);
      std::string minimized;
      if (run.started && ReadFile(out_path, &minimized) && minimized.size() < bytes.size() &&
          keeps_bytes(minimized)) {
        note += "; libFuzzer -minimize_crash: " + std::to_string(bytes.size()) + " -> " +
                std::to_string(minimized.size()) + " bytes";
        bytes = minimized;
      } else {
        note += "; libFuzzer -minimize_crash: no smaller input with the same signature";
      }
      fs::remove(in, ec);
      fs::remove(out_path, ec);
    }
  }
  fs::remove(candidate_path, ec);
  group->minimized = dir + "/minimized";
  if (!WriteOrSay(group->minimized, bytes)) return false;
  if (config.scenario) {
    const fuzz::Scenario s =
        fuzz::Decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    group->minimized_text = dir + "/minimized.txt";
    if (!WriteOrSay(group->minimized_text, "# " + group->signature +
                                               "\n# minimized by msirig_triage from " + best->path +
                                               "\n" + fuzz::ToText(s)))
      return false;
  }
  const std::string final_signature = ReplayOnce(config, group->minimized);
  if (final_signature != group->signature)
    note += "; WARNING: the minimized input replayed as '" + final_signature + "'";
  group->minimize_note = note;
  group->reproduce = config.repro_prefix + " " + group->minimized;
  return true;
}

int CmdTriage(int argc, char** argv) {
  const Args args =
      ParseArgs(argc, argv,
                {"replay", "target", "out", "crashes", "retries", "timeout", "max-tests",
                 "fuzz-binary", "sanitizer", "input-dir", "repro-prefix"},
                {"scenario", "no-minimize"});
  if (!args.error.empty()) return UsageError(args.error);
  auto get = [&](const char* key) {
    auto it = args.options.find(key);
    return it == args.options.end() ? std::string() : it->second;
  };
  TriageConfig config;
  config.replay = get("replay");
  config.target = get("target");
  config.out = get("out");
  config.crashes = get("crashes");
  config.fuzz_binary = get("fuzz-binary");
  config.sanitizer = get("sanitizer").empty() ? "address" : get("sanitizer");
  config.input_dir = get("input-dir");
  config.repro_prefix = get("repro-prefix").empty() ? "tools/msirig repro --target " + config.target
                                                    : get("repro-prefix");
  config.scenario = !get("scenario").empty();
  config.minimize = get("no-minimize").empty();
  if (config.replay.empty() || config.target.empty() || config.out.empty())
    return UsageError("triage needs --replay, --target and --out");
  if (::access(config.replay.c_str(), X_OK) != 0)
    return IoError("--replay " + config.replay + ": not an executable file");
  if (!get("retries").empty() && !ParseCount(get("retries"), 1, 100, &config.retries))
    return UsageError("--retries '" + get("retries") + "': expected 1..100");
  if (!get("timeout").empty() && !ParseCount(get("timeout"), 1, 3600, &config.timeout))
    return UsageError("--timeout '" + get("timeout") + "': expected 1..3600 seconds");
  if (!get("max-tests").empty() && !ParseCount(get("max-tests"), 1, 100000, &config.max_tests))
    return UsageError("--max-tests '" + get("max-tests") + "': expected 1..100000");
  if (args.positional.empty()) return UsageError("triage: no INPUT given");

  std::vector<StoredGroup> store;
  std::string error;
  if (!config.crashes.empty() && !LoadStore(config.crashes, &store, &error)) return IoError(error);
  std::error_code ec;
  fs::create_directories(config.out + "/inputs", ec);
  if (ec) return IoError(config.out + ": cannot create: " + ec.message());

  Report report;
  report.target = config.target;
  report.sanitizer = config.sanitizer;
  report.input_dir = config.input_dir;
  report.retries = config.retries;
  std::vector<InputResult> results;
  int index = 0;
  for (const std::string& input : args.positional) {
    std::string path = input;
    if (config.scenario && input.ends_with(".txt")) {  // a text scenario: encoded first
      std::string text;
      if (!ReadFile(input, &text)) return IoError(input + ": cannot read");
      fuzz::Scenario scenario;
      if (!fuzz::ParseText(text, &scenario, &error)) return IoError(input + ": " + error);
      path =
          config.out + "/inputs/" + std::to_string(index) + "-" + fs::path(input).stem().string();
      if (!WriteOrSay(path, Bytes(fuzz::Encode(scenario)))) return 2;
    } else if (::access(input.c_str(), R_OK) != 0) {
      return IoError(input + ": cannot read");
    }
    ++index;
    std::vector<std::string> signatures;
    for (int i = 0; i < config.retries; ++i) signatures.push_back(ReplayOnce(config, path));
    InputResult result;
    result.path = input;
    if (path != input) result.file = path;
    result.runs = config.retries;
    result.signature = MostFrequent(signatures, &result.reproduced);
    std::printf("  %s: %s (%d/%d)\n", input.c_str(),
                result.signature.empty() ? "no finding" : result.signature.c_str(),
                result.reproduced, result.runs);
    std::fflush(stdout);
    if (result.signature.empty()) report.clean_inputs.push_back(input);
    results.push_back(result);
  }
  report.groups = GroupBySignature(results);
  Classify(store, config.target, &report.groups);
  for (Group& group : report.groups) {
    std::printf("  minimizing %s ...\n", group.id.c_str());
    std::fflush(stdout);
    if (!MinimizeGroup(config, &group)) return 2;
  }
  for (const StoredGroup& stored : store) {
    if (stored.target != config.target || stored.status != "open") continue;
    bool seen = false;
    for (const Group& g : report.groups) seen = seen || g.signature == stored.signature;
    if (!seen)
      report.notes.push_back("crashes/" + stored.name + " (open) did not show in these inputs");
  }
  std::string tsv;
  int bad = 0;
  for (const Group& g : report.groups) {
    tsv += g.id + "\t" + std::string(StatusName(g.status)) + "\t" +
           (g.reliable ? "reliable" : "flaky") + "\t" + std::to_string(g.inputs.size()) + "\t" +
           g.minimized + "\t" + g.signature + "\n";
    bad += g.status == GroupStatus::kKnownOpen ? 0 : 1;
  }
  if (!WriteOrSay(config.out + "/groups.tsv", tsv) ||
      !WriteOrSay(config.out + "/report.md", MarkdownReport(report)) ||
      !WriteOrSay(config.out + "/report.html", HtmlReport(report)))
    return 2;
  std::printf("msirig: triage of %zu input(s): %zu group(s), %d new or regressed, %zu clean\n",
              results.size(), report.groups.size(), bad, report.clean_inputs.size());
  for (const Group& g : report.groups) {
    std::printf("  %-18s %s  [%s, %zu input(s)]\n    %s\n",
                std::string(StatusName(g.status)).substr(0, 18).c_str(), g.signature.c_str(),
                g.reliable ? "reliable" : "flaky", g.inputs.size(), g.reproduce.c_str());
  }
  std::printf("  report: %s/report.html (and report.md)\n", config.out.c_str());
  return bad > 0 ? 1 : 0;
}

int CmdAdd(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv,
                              {"crashes", "group", "target", "signature", "sanitizers",
                               "first-seen", "status", "found", "cause"},
                              {});
  if (!args.error.empty()) return UsageError(args.error);
  auto get = [&](const char* key) {
    auto it = args.options.find(key);
    return it == args.options.end() ? std::string() : it->second;
  };
  StoredGroup group;
  group.name = get("group");
  group.target = get("target");
  group.signature = get("signature");
  group.sanitizers = get("sanitizers");
  group.first_seen = get("first-seen");
  group.status = get("status").empty() ? "open" : get("status");
  for (const char* key : {"crashes", "group", "target", "signature", "sanitizers", "first-seen"}) {
    if (get(key).empty()) return UsageError(std::string("add needs --") + key);
  }
  if (group.status != "open" && group.status != "fixed")
    return UsageError("--status '" + group.status + "': expected open or fixed");
  if (args.positional.empty()) return UsageError("add: no reproducer FILE given");
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& path : args.positional) {
    std::string bytes;
    if (!ReadFile(path, &bytes)) return IoError(path + ": cannot read");
    files.emplace_back(fs::path(path).filename().string(), bytes);
  }
  std::string error;
  if (!AddGroup(get("crashes"), group, get("found"), get("cause"), files, &error))
    return IoError(error);
  std::printf("msirig: added %s/%s\n", get("crashes").c_str(), group.name.c_str());
  return 0;
}

}  // namespace
}  // namespace msirig::triage

int main(int argc, char** argv) {
  using namespace msirig::triage;
  // Symbolized stacks (function names for the signature), and ASan's own three-frame dedup
  // token in the report, whatever the caller's options (later options win).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = std::string(asan ? asan : "abort_on_error=1:halt_on_error=1") +
                                   ":symbolize=1:dedup_token_length=3";
  ::setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "signature") return CmdSignature(argc - 2, argv + 2);
  if (command == "triage") return CmdTriage(argc - 2, argv + 2);
  if (command == "add") return CmdAdd(argc - 2, argv + 2);
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return UsageError(command.empty() ? "no command" : "unknown command '" + command + "'");
}
