// hba_registers_fuzz: the device alone against a hostile driver. The input is a device
// configuration, a fault plan and a sequence of ops (config and MMIO accesses, doorbells, host
// memory writes, command entries, device steps, virtual time). Any byte string is valid; the
// model must survive every one under ASan+UBSan and keep its introspection consistent.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../testing/fake_host.h"
#include "msirig/hba/nvme_device.h"
#include "msirig/hba/nvme_spec.h"

namespace {

using msirig::hba::DeviceConfig;
using msirig::hba::FaultPlan;
using msirig::hba::NvmeDevice;
using msirig::hba::testing::FakeHost;
namespace nvme = msirig::hba::nvme;

// Two DMA regions the fake platform maps; everything else is unmapped.
constexpr uint64_t kRegionA = 0x100000;
constexpr uint64_t kRegionASize = 256 * 1024;
constexpr uint64_t kRegionB = 0x80000000;
constexpr uint64_t kRegionBSize = 64 * 1024;

enum Op : uint8_t {
  kConfigWrite,
  kConfigRead,
  kMmioWrite,
  kMmioRead,
  kDoorbell,
  kSteps,
  kAdvanceTime,
  kHostMemory,
  kCommand,
  kBringUp,
  kFaults,
  kRunUntilIdle,
  kMsixProgram,
  kOpCount
};

uint64_t Address(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return kRegionA + in.ConsumeIntegralInRange<uint64_t>(0, kRegionASize / 64 - 1) * 64;
    case 1:
      return kRegionB + in.ConsumeIntegralInRange<uint64_t>(0, kRegionBSize - 1);
    case 2:
      return kRegionA + in.ConsumeIntegralInRange<uint64_t>(0, kRegionASize / 4096 - 1) * 4096;
    default:
      return in.ConsumeIntegral<uint64_t>();
  }
}

unsigned Size(FuzzedDataProvider& in, bool allow8) {
  static constexpr unsigned kSizes[] = {4, 8, 2, 1, 3};
  return kSizes[in.ConsumeIntegralInRange<int>(0, allow8 ? 4 : 3) % 5];
}

DeviceConfig ConsumeConfig(FuzzedDataProvider& in) {
  DeviceConfig config;
  config.has_msix = in.ConsumeBool();
  config.has_msi = in.ConsumeBool();
  config.msix_vectors = in.ConsumeIntegralInRange<uint32_t>(1, 2048);
  config.msi_messages = in.ConsumeIntegralInRange<uint32_t>(1, 32);
  config.max_queue_entries = in.ConsumeIntegralInRange<uint32_t>(2, 4096);
  config.doorbell_stride_shift = in.ConsumeIntegralInRange<uint32_t>(0, 3);
  config.io_queue_pairs_max = in.ConsumeIntegralInRange<uint32_t>(1, 8);
  config.mdts_pages_log2 = in.ConsumeIntegralInRange<uint8_t>(1, 5);
  config.ready_latency_ns = in.ConsumeIntegralInRange<uint64_t>(0, 3) * 1000;
  config.shutdown_latency_ns = in.ConsumeIntegralInRange<uint64_t>(0, 3) * 1000;
  config.namespaces.clear();
  const int namespaces = in.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < namespaces; ++i) {
    config.namespaces.push_back(
        {in.ConsumeIntegralInRange<uint64_t>(1, 1u << 21), in.ConsumeBool() ? 4096u : 512u});
  }
  return config;
}

FaultPlan ConsumeFaults(FuzzedDataProvider& in) {
  FaultPlan plan;
  if (!in.ConsumeBool()) return plan;
  auto small = [&](uint32_t max) { return in.ConsumeIntegralInRange<uint32_t>(0, max); };
  plan.drop_interrupt_every_n = small(5);
  plan.duplicate_interrupt_every_n = small(5);
  plan.misroute_interrupt_every_n = small(5);
  plan.misroute_vector_xor = in.ConsumeIntegral<uint32_t>();
  plan.delay_interrupt_every_n = small(5);
  plan.delay_interrupt_ns = small(100000);
  plan.spurious_interrupt_every_n_steps = small(20);
  plan.spurious_interrupt_vector = in.ConsumeIntegral<uint32_t>();
  plan.interrupt_storm_at_step = small(200);
  plan.interrupt_storm_count = small(500);
  plan.interrupt_storm_vector = in.ConsumeIntegral<uint32_t>();
  plan.late_completion_every_n = small(5);
  plan.late_completion_ns = small(100000);
  plan.out_of_order_window_commands = small(8);
  plan.corrupt_cid_every_n = small(7);
  plan.corrupt_sqid_every_n = small(7);
  plan.corrupt_phase_every_n = small(7);
  plan.complete_after_reset = in.ConsumeBool();
  plan.surprise_removal_at_step = small(2000);
  plan.fatal_status_at_step = small(2000);
  return plan;
}

// What a sane driver does first, so the fuzzer reaches the queues quickly: memory decode, bus
// mastering, MSI-X or MSI programming, admin queues in region A, CC.EN=1.
void BringUp(FuzzedDataProvider& in, NvmeDevice& dev) {
  dev.ConfigWrite(0x04, 2, 0x0006);
  if (in.ConsumeBool()) {
    for (uint32_t v = 0; v < 8; ++v) {
      dev.MmioWrite(msirig::hba::kMsixBar, v * 16, 8, 0xFEE00000);
      dev.MmioWrite(msirig::hba::kMsixBar, v * 16 + 8, 4, 0x40 + v);
      dev.MmioWrite(msirig::hba::kMsixBar, v * 16 + 12, 4, 0);
    }
    dev.ConfigWrite(0x72, 2, 0x8000);
  } else {
    dev.ConfigWrite(0x54, 4, 0xFEE00000);
    dev.ConfigWrite(0x5C, 2, 0x40);
    dev.ConfigWrite(0x52, 2, 0x01 | (in.ConsumeIntegralInRange<uint32_t>(0, 5) << 4));
  }
  const uint32_t entries = in.ConsumeIntegralInRange<uint32_t>(2, 64);
  dev.MmioWrite(0, nvme::kRegAqa, 4, ((entries - 1) << 16) | (entries - 1));
  dev.MmioWrite(0, nvme::kRegAsq, 8, kRegionA);
  dev.MmioWrite(0, nvme::kRegAcq, 8, kRegionA + 0x1000);
  dev.MmioWrite(0, nvme::kRegCc, 4, 0x00460001);
  dev.RunUntilIdle(2000);
}

// A submission entry whose fields are mostly meaningful: a known opcode, queue ids, PRPs into
// mapped memory. Written at a 64-byte slot of region A (where the admin and I/O queues live).
void WriteCommand(FuzzedDataProvider& in, FakeHost& host) {
  static constexpr uint8_t kOpcodes[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06,
                                         0x08, 0x09, 0x0A, 0x0C, 0x7F, 0xFF};
  nvme::SubmissionEntry sqe{};
  sqe.opcode = kOpcodes[in.ConsumeIntegralInRange<size_t>(0, sizeof(kOpcodes) - 1)];
  sqe.flags = in.ConsumeBool() ? 0 : in.ConsumeIntegral<uint8_t>();
  sqe.cid = in.ConsumeIntegral<uint16_t>();
  sqe.nsid = in.ConsumeIntegralInRange<uint32_t>(0, 4);
  sqe.prp1 = Address(in);
  sqe.prp2 = Address(in);
  sqe.cdw10 = in.ConsumeBool() ? in.ConsumeIntegral<uint32_t>()
                               : (in.ConsumeIntegralInRange<uint32_t>(0, 63) << 16) |
                                     in.ConsumeIntegralInRange<uint32_t>(0, 9);
  sqe.cdw11 = in.ConsumeBool() ? in.ConsumeIntegral<uint32_t>()
                               : (in.ConsumeIntegralInRange<uint32_t>(0, 9) << 16) |
                                     in.ConsumeIntegralInRange<uint32_t>(0, 3);
  sqe.cdw12 = in.ConsumeIntegralInRange<uint32_t>(0, 300);
  const uint64_t slot = kRegionA + in.ConsumeIntegralInRange<uint64_t>(0, 255) * 64;
  host.DmaWrite(slot, &sqe, sizeof(sqe));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  FakeHost host;
  const bool verbose = std::getenv("HBA_FUZZ_VERBOSE") != nullptr;
  host.record_events = verbose;
  host.Map(kRegionA, kRegionASize);
  host.Map(kRegionB, kRegionBSize);
  const DeviceConfig config = ConsumeConfig(in);
  NvmeDevice dev(config, host);
  dev.SetFaultPlan(ConsumeFaults(in));
  uint64_t now_ns = 0;
  for (int ops = 0; ops < 4096 && in.remaining_bytes() > 0; ++ops) {
    switch (in.ConsumeIntegralInRange<uint8_t>(0, kOpCount - 1)) {
      case kConfigWrite:
        dev.ConfigWrite(in.ConsumeIntegralInRange<uint16_t>(0, 0x1003), Size(in, false),
                        in.ConsumeIntegral<uint32_t>());
        break;
      case kConfigRead:
        dev.ConfigRead(in.ConsumeIntegralInRange<uint16_t>(0, 0x1003), Size(in, false));
        break;
      case kMmioWrite: {
        const unsigned bar = in.ConsumeIntegralInRange<unsigned>(0, 5);
        const uint64_t offset = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 0x40)
                                                 : in.ConsumeIntegral<uint64_t>() & 0x1FFFF;
        dev.MmioWrite(bar, offset, Size(in, true), in.ConsumeIntegral<uint64_t>());
        break;
      }
      case kMmioRead: {
        const unsigned bar = in.ConsumeIntegralInRange<unsigned>(0, 5);
        const uint64_t offset = in.ConsumeIntegral<uint64_t>() & 0x1FFFF;
        dev.MmioRead(bar, offset, Size(in, true));
        break;
      }
      case kDoorbell: {
        const uint32_t index = in.ConsumeIntegralInRange<uint32_t>(0, 20);
        const uint64_t offset =
            nvme::kDoorbellBase + index * (4ull << config.doorbell_stride_shift);
        dev.MmioWrite(0, offset, 4, in.ConsumeIntegralInRange<uint32_t>(0, 70));
        break;
      }
      case kSteps: {
        const int steps = in.ConsumeIntegralInRange<int>(1, 64);
        for (int i = 0; i < steps; ++i) dev.Step();
        break;
      }
      case kAdvanceTime:
        now_ns += in.ConsumeIntegralInRange<uint64_t>(0, 200000);
        dev.AdvanceTime(now_ns);
        break;
      case kHostMemory: {
        const uint64_t address = Address(in);
        const std::vector<uint8_t> bytes =
            in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(1, 64));
        host.DmaWrite(address, bytes.data(), bytes.size());
        break;
      }
      case kCommand:
        WriteCommand(in, host);
        break;
      case kBringUp:
        BringUp(in, dev);
        break;
      case kFaults:
        dev.SetFaultPlan(ConsumeFaults(in));
        break;
      case kRunUntilIdle:
        dev.RunUntilIdle(2000);
        now_ns = dev.NowNs();
        break;
      case kMsixProgram: {
        const uint64_t entry = in.ConsumeIntegralInRange<uint64_t>(0, 2048) * 16;
        dev.MmioWrite(msirig::hba::kMsixBar, entry + 12, 4, in.ConsumeBool() ? 1 : 0);
        break;
      }
    }
  }
  dev.RunUntilIdle(2000);
  // HBA_FUZZ_VERBOSE=1 prints what the device did: the trace a reproducer needs.
  if (verbose) {
    for (const auto& e : host.events) {
      std::fprintf(stderr, "event %s 0x%llx 0x%llx\n", e.name.c_str(),
                   static_cast<unsigned long long>(e.arg0),
                   static_cast<unsigned long long>(e.arg1));
    }
    const auto& c = dev.Counters();
    std::fprintf(stderr,
                 "steps %llu fetched %llu completed %llu discarded %llu msis %zu ready %d\n",
                 static_cast<unsigned long long>(c.steps),
                 static_cast<unsigned long long>(c.commands_fetched),
                 static_cast<unsigned long long>(c.commands_completed),
                 static_cast<unsigned long long>(c.completions_discarded), host.msis.size(),
                 dev.Ready() ? 1 : 0);
  }
  // The introspection the rig's oracles rely on must stay consistent.
  for (const auto& cq : dev.UnconsumedCompletionQueues()) {
    if (cq.entries == 0 || cq.entries >= config.max_queue_entries) std::abort();
  }
  const auto& counters = dev.Counters();
  if (counters.commands_completed > counters.commands_fetched) std::abort();
  return 0;
}
