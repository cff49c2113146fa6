// E2eWorld: see e2e_world.h.
#include "e2e_world.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace msirig::e2e {
namespace {

constexpr int kMaxDeviceStepsPerRound = 100000;
// A stalling CPU lets the device work a bounded amount, as the executor does
// (Executor::Impl::kStallDeviceSteps): a polling loop sees progress, and a device that never
// goes idle (an interrupt storm) does not turn every StorPortStallExecution into 100,000 steps.
// The executor also stops a stall after kStallIdleSteps steps in a row that move no command
// (Executor::Impl::StepDevice); these scenarios have no storms, so the bound would not change
// them, and this world keeps the plain count.
constexpr int kDeviceStepsPerStall = 64;

void PutBe(std::vector<uint8_t>& bytes, size_t at, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * (width - 1 - i)));
}

sp::RequestSpec Spec(const std::vector<uint8_t>& cdb_bytes, ULONG flags, std::vector<uint8_t> data) {
  sp::RequestSpec spec;
  std::copy(cdb_bytes.begin(), cdb_bytes.end(), spec.cdb);
  spec.cdb_length = static_cast<UCHAR>(cdb_bytes.size());
  spec.srb_flags = flags;
  spec.data = std::move(data);
  return spec;
}

}  // namespace

void StallingScheduler::Stalled(uint64_t microseconds) {
  if (device_ == nullptr || port_ == nullptr) return;
  // The port has already moved its clock; the device catches up and works meanwhile.
  device_->AdvanceTime(std::max(device_->NowNs(), port_->NowNanoseconds()));
  for (int i = 0; i < kDeviceStepsPerStall && device_->Step(); ++i) {
  }
}

namespace cdb {

sp::RequestSpec Read10(uint32_t lba, uint16_t blocks, uint32_t block_size) {
  std::vector<uint8_t> c(10, 0);
  c[0] = SCSIOP_READ;
  PutBe(c, 2, lba, 4);
  PutBe(c, 7, blocks, 2);
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(size_t{blocks} * block_size, 0xEE));
}

sp::RequestSpec Write10(uint32_t lba, const std::vector<uint8_t>& data, uint32_t block_size) {
  std::vector<uint8_t> c(10, 0);
  c[0] = SCSIOP_WRITE;
  PutBe(c, 2, lba, 4);
  PutBe(c, 7, data.size() / block_size, 2);
  return Spec(c, SRB_FLAGS_DATA_OUT, data);
}

sp::RequestSpec Read16(uint64_t lba, uint32_t blocks, uint32_t block_size) {
  std::vector<uint8_t> c(16, 0);
  c[0] = SCSIOP_READ16;
  PutBe(c, 2, lba, 8);
  PutBe(c, 10, blocks, 4);
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(size_t{blocks} * block_size, 0xEE));
}

sp::RequestSpec Write16(uint64_t lba, const std::vector<uint8_t>& data, uint32_t block_size) {
  std::vector<uint8_t> c(16, 0);
  c[0] = SCSIOP_WRITE16;
  PutBe(c, 2, lba, 8);
  PutBe(c, 10, data.size() / block_size, 4);
  return Spec(c, SRB_FLAGS_DATA_OUT, data);
}

sp::RequestSpec SynchronizeCache10() {
  std::vector<uint8_t> c(10, 0);
  c[0] = SCSIOP_SYNCHRONIZE_CACHE;
  return Spec(c, SRB_FLAGS_NO_DATA_TRANSFER, {});
}

sp::RequestSpec Inquiry(bool evpd, uint8_t page, uint16_t allocation) {
  std::vector<uint8_t> c(6, 0);
  c[0] = SCSIOP_INQUIRY;
  c[1] = evpd ? 1 : 0;
  c[2] = page;
  PutBe(c, 3, allocation, 2);
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(allocation, 0xEE));
}

sp::RequestSpec ReadCapacity10() {
  std::vector<uint8_t> c(10, 0);
  c[0] = SCSIOP_READ_CAPACITY;
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(8, 0xEE));
}

sp::RequestSpec ReadCapacity16(uint32_t allocation) {
  std::vector<uint8_t> c(16, 0);
  c[0] = SCSIOP_SERVICE_ACTION_IN16;
  c[1] = SERVICE_ACTION_READ_CAPACITY16;
  PutBe(c, 10, allocation, 4);
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(allocation, 0xEE));
}

sp::RequestSpec ReportLuns(uint32_t allocation) {
  std::vector<uint8_t> c(12, 0);
  c[0] = SCSIOP_REPORT_LUNS;
  PutBe(c, 6, allocation, 4);
  return Spec(c, SRB_FLAGS_DATA_IN, std::vector<uint8_t>(allocation, 0xEE));
}

sp::RequestSpec Raw(std::vector<uint8_t> bytes, uint32_t data_in_length) {
  return Spec(bytes, data_in_length ? SRB_FLAGS_DATA_IN : SRB_FLAGS_NO_DATA_TRANSFER,
              std::vector<uint8_t>(data_in_length, 0xEE));
}

}  // namespace cdb

std::vector<uint8_t> Pattern(uint64_t lba, uint32_t blocks, uint32_t block_size, uint32_t seed) {
  std::vector<uint8_t> data(size_t{blocks} * block_size);
  for (size_t i = 0; i < data.size(); ++i) {
    const uint64_t block = lba + i / block_size;
    data[i] = static_cast<uint8_t>((block * 131 + (i % block_size) * 7 + seed * 29 + 1) & 0xFF);
  }
  return data;
}

WorldConfig DefaultConfig() {
  WorldConfig config;
  config.device.msix_vectors = 64;
  config.device.msi_messages = 32;
  config.device.namespaces = {hba::NamespaceConfig{1u << 16, 512}};  // 32 MiB
  config.platform.messages_requested = 32;
  config.platform.messages_granted = 8;
  return config;
}

E2eWorld::E2eWorld(const WorldConfig& config) : config_(config) {
  sp::PortOptions options;
  options.verifier_mode = sp::VerifierMode::kRecord;
  options.scheduler = &scheduler_;
  port_ = std::make_unique<sp::Port>(options);
  adapter_ = port_->CreateAdapter(config_.platform);
  device_ = std::make_unique<hba::NvmeDevice>(config_.device, port_->HostBusOf(adapter_));
  device_->SetFaultPlan(config_.faults);
  scheduler_.Attach(port_.get(), device_.get());
}

E2eWorld::~E2eWorld() { scheduler_.Attach(nullptr, nullptr); }

bool E2eWorld::Start() {
  if (port_->LoadMiniport(DriverEntry) != 0) return false;
  return port_->StartAdapter(adapter_, device_.get());
}

int E2eWorld::DeliverPending() {
  int delivered = 0;
  const uint32_t messages = port_->ConnectedMessages(adapter_);
  if (messages == 0) {
    if (port_->Pending(adapter_, sp::kLineInterrupt) &&
        port_->DeliverInterrupt(adapter_, sp::kLineInterrupt) == sp::Delivery::kDelivered)
      ++delivered;
    return delivered;
  }
  for (uint32_t m = 0; m < messages; ++m) {
    if (port_->Pending(adapter_, m) &&
        port_->DeliverInterrupt(adapter_, m) == sp::Delivery::kDelivered)
      ++delivered;
  }
  return delivered;
}

bool E2eWorld::RunOnce() {
  bool progress = false;
  for (int i = 0; i < kMaxDeviceStepsPerRound && device_->Step(); ++i) progress = true;
  if (DeliverPending() > 0) progress = true;
  if (port_->RunDpcs() > 0) progress = true;
  return progress;
}

bool E2eWorld::RunUntilQuiet(int max_rounds) {
  int idle_line_rounds = 0;
  for (int round = 0; round < max_rounds; ++round) {
    const size_t completed = port_->Completed(adapter_).size();
    const bool progress = RunOnce();
    // A level-triggered line that stays asserted with nothing to claim would be delivered
    // forever; after a few rounds without device or request progress it counts as quiet.
    const bool line_only = port_->ConnectedMessages(adapter_) == 0 &&
                           port_->Pending(adapter_, sp::kLineInterrupt) &&
                           port_->Completed(adapter_).size() == completed;
    idle_line_rounds = line_only ? idle_line_rounds + 1 : 0;
    if (progress && idle_line_rounds < 8) continue;
    const auto deadline = device_->NextDeadlineNs();
    if (!deadline) return true;
    const uint64_t now = port_->NowNanoseconds();
    if (*deadline > now) port_->AdvanceTime(*deadline - now);
    device_->AdvanceTime(std::max(device_->NowNs(), port_->NowNanoseconds()));
  }
  return false;
}

void E2eWorld::RecoverFor(uint32_t seconds) {
  RunUntilQuiet();
  for (uint32_t tick = 0; tick < seconds * 4 && port_->Outstanding(adapter_) > 0; ++tick) {
    port_->AdvanceTime(250'000'000);  // the miniport's timer and Storport's request timeouts
    device_->AdvanceTime(std::max(device_->NowNs(), port_->NowNanoseconds()));
    RunUntilQuiet();
  }
}

const sp::CompletedRequest* E2eWorld::Completion(uint64_t tag) const {
  for (const auto& done : port_->Completed(adapter_)) {
    if (done.tag == tag) return &done;
  }
  return nullptr;
}

sp::CompletedRequest E2eWorld::Execute(const sp::RequestSpec& spec) {
  const uint64_t tag = Submit(spec);
  RunUntilQuiet();
  const sp::CompletedRequest* done = Completion(tag);
  EXPECT_NE(done, nullptr) << "request " << tag << " (opcode 0x" << std::hex << int{spec.cdb[0]}
                           << ") never completed";
  return done ? *done : sp::CompletedRequest{};
}

std::string E2eWorld::EndOfRunFindings(uint64_t submitted) {
  port_->CheckEndOfRun();
  std::string findings;
  std::set<uint64_t> tags;
  for (const auto& done : port_->Completed(adapter_)) {
    if (!tags.insert(done.tag).second)
      findings += "request " + std::to_string(done.tag) + " completed twice\n";
  }
  if (tags.size() != submitted)
    findings += std::to_string(submitted) + " submitted, " + std::to_string(tags.size()) +
                " completed\n";
  for (const auto& violation : port_->verifier().violations()) findings += violation.line + "\n";
  if (!findings.empty()) findings += "last events:\n" + port_->TraceTail(40);
  return findings;
}

}  // namespace msirig::e2e
