// msirig_show: writes the chart of one replay (chart.h). `tools/msirig show` runs the replay and
// then this; it can also be run by hand:
//   msirig_show --trace TRACE --report LOG [--scenario TEXT] [--title T] [-o OUT.html] [--svg
//   OUT.svg]
// Exit status: 0 written, 2 bad arguments or unreadable/unwritable files.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "chart.h"

namespace {

int Usage(const char* message) {
  std::fprintf(stderr,
               "msirig_show: %s\nusage: msirig_show --trace TRACE --report LOG [--scenario TEXT] "
               "[--title T] [-o OUT.html] [--svg OUT.svg]\n",
               message);
  return 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Through a temporary file and a rename: the old file or the whole new one, never half.
bool WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::fprintf(stderr, "msirig_show: cannot write %s: %s\n", tmp.c_str(), std::strerror(errno));
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::fprintf(stderr, "msirig_show: cannot rename %s to %s: %s\n", tmp.c_str(), path.c_str(),
                 ec.message().c_str());
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string trace_path, report_path, scenario_path, html_path, svg_path, title = "msirig show";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      Usage("draws the interleaving chart of one replay");
      return 0;
    }
    if (i + 1 >= argc) return Usage(("'" + arg + "' needs a value (or is unknown)").c_str());
    const std::string value = argv[++i];
    if (arg == "--trace") {
      trace_path = value;
    } else if (arg == "--report") {
      report_path = value;
    } else if (arg == "--scenario") {
      scenario_path = value;
    } else if (arg == "--title") {
      title = value;
    } else if (arg == "-o") {
      html_path = value;
    } else if (arg == "--svg") {
      svg_path = value;
    } else {
      return Usage(("unknown option '" + arg + "'").c_str());
    }
  }
  if (trace_path.empty() || report_path.empty()) return Usage("--trace and --report are required");
  if (html_path.empty() && svg_path.empty()) return Usage("nothing to write: give -o and/or --svg");
  msirig::show::ChartInput input;
  input.title = title;
  std::string text;
  if (!ReadFile(trace_path, &text)) {
    std::fprintf(stderr, "msirig_show: cannot read trace %s\n", trace_path.c_str());
    return 2;
  }
  std::string error;
  if (!msirig::show::ParseTrace(text, &input.trace, &error)) {
    std::fprintf(stderr, "msirig_show: %s: %s\n", trace_path.c_str(), error.c_str());
    return 2;
  }
  if (!ReadFile(report_path, &text)) {
    std::fprintf(stderr, "msirig_show: cannot read report %s\n", report_path.c_str());
    return 2;
  }
  input.finding = msirig::show::ParseReport(text);
  if (!scenario_path.empty() && !ReadFile(scenario_path, &input.scenario)) {
    std::fprintf(stderr, "msirig_show: cannot read scenario %s\n", scenario_path.c_str());
    return 2;
  }
  if (!html_path.empty() && !WriteFile(html_path, msirig::show::RenderHtml(input))) return 2;
  if (!svg_path.empty() && !WriteFile(svg_path, msirig::show::RenderSvg(input))) return 2;
  return 0;
}
