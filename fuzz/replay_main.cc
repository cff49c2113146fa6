// Replay driver: runs LLVMFuzzerTestOneInput once on each file named on the command line (a
// directory stands for every regular file in it, in name order), without any fuzzing engine.
// It is the binary the tests and `repro` use; a finding aborts the process like it would under
// libFuzzer, with the same report, so the exit status tells whether an input reproduces.
//
// MSIRIG_TRACE_OUT=FILE: record the port driver's full event trace of every run into FILE
// (msirig/storport/trace_recorder.h), written when the process ends, also when it ends in a
// finding. `tools/msirig show` uses it.
//
// A finding's reproduce command names the input file as given on the command line, or
// MSIRIG_INPUT_NAME when set and there is one input (a tool replaying a scratch copy names the
// user's file).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// In the port driver (storport/src/trace.cc); absent from targets without one.
extern "C" __attribute__((weak)) bool msirig_trace_record_to(const char* path);
extern "C" __attribute__((weak)) bool msirig_trace_flush(void);
// In the executor (fuzz/src/executor_run.cc): a finding's reproduce command names this file.
extern "C" __attribute__((weak)) void msirig_set_current_input(const char* path);

namespace {

bool ReadWholeFile(const std::filesystem::path& path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  const char* trace_out = std::getenv("MSIRIG_TRACE_OUT");
  if (trace_out != nullptr && *trace_out != '\0') {
    if (msirig_trace_record_to == nullptr) {
      std::fprintf(stderr, "replay: MSIRIG_TRACE_OUT: %s has no port driver to trace\n", argv[0]);
      return 2;
    }
    if (!msirig_trace_record_to(trace_out)) return 2;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s FILE_OR_DIR...\n  runs each input once through the fuzz target\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list directory %s: %s\n", argv[i],
                     ec.message().c_str());
        return 2;
      }
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else {
      inputs.push_back(arg);
    }
  }
  std::vector<uint8_t> data;
  for (const auto& path : inputs) {
    if (!ReadWholeFile(path, data)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), data.size());
    if (msirig_set_current_input != nullptr) {
      const char* name = std::getenv("MSIRIG_INPUT_NAME");
      const bool renamed = name != nullptr && *name != '\0' && inputs.size() == 1;
      msirig_set_current_input(renamed ? name : path.c_str());
    }
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  if (trace_out != nullptr && *trace_out != '\0' && !msirig_trace_flush()) {
    std::fprintf(stderr, "replay: MSIRIG_TRACE_OUT: cannot write %s\n", trace_out);
    return 2;
  }
  std::fprintf(stderr, "replay: %zu input(s), no finding\n", inputs.size());
  return 0;
}
