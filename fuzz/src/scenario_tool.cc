// msirig_scenario_tool: converts scenarios between the text form and the binary form, so that
// corpus seeds are written as text and the build turns them into fuzzer inputs.
//
//   msirig_scenario_tool encode IN.txt OUT.bin   text -> binary
//   msirig_scenario_tool decode IN.bin           binary -> text on stdout
//
// Exit status: 0 done; 1 an input could not be read or parsed, or the output not written
// (the message names the file, and the line for text); 2 wrong usage.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "msirig/fuzz/scenario_codec.h"
#include "msirig/fuzz/scenario_text.h"

namespace {

constexpr char kUsage[] =
    "usage: msirig_scenario_tool encode IN.txt OUT.bin   (text scenario -> fuzzer input)\n"
    "       msirig_scenario_tool decode IN.bin           (fuzzer input -> text on stdout)\n";

bool ReadFile(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "msirig_scenario_tool: %s\n", message.c_str());
  return 1;
}

int EncodeFile(const char* in_path, const char* out_path) {
  std::string text;
  if (!ReadFile(in_path, &text)) return Fail(std::string(in_path) + ": cannot read");
  msirig::fuzz::Scenario scenario;
  std::string error;
  if (!msirig::fuzz::ParseText(text, &scenario, &error))
    return Fail(std::string(in_path) + ": " + error);
  const std::vector<uint8_t> bytes = msirig::fuzz::Encode(scenario);
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Fail(std::string(out_path) + ": cannot write");
  return 0;
}

int DecodeFile(const char* in_path) {
  std::string bytes;
  if (!ReadFile(in_path, &bytes)) return Fail(std::string(in_path) + ": cannot read");
  const msirig::fuzz::Scenario scenario =
      msirig::fuzz::Decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  const std::string text = msirig::fuzz::ToText(scenario);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : Fail("stdout: cannot write");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "encode" && argc == 4) return EncodeFile(argv[2], argv[3]);
  if (command == "decode" && argc == 3) return DecodeFile(argv[2]);
  std::fputs(kUsage, stderr);
  return 2;
}
