// Fuzz target: the StorPortGetMSIInfo and MSI spin lock contract (SPEC 2, 3).
//
// The input picks a platform (OS version; MSI, MSI-X or line-based; any grant; any message
// contents), a miniport configuration (synchronization mode, MSI routine or not), then a
// sequence of calls with NULL, foreign or real extensions, NULL or real outputs and arbitrary
// message ids, interleaved with interrupts on two virtual CPUs. Every result is checked against
// a reference model written from the documentation, independent of the emulation: which
// status, which fields, which bytes poisoned, which verifier rule reported. A disagreement is a
// bug in the rig (or the model), reported as `msirig: contract mismatch` and an abort.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "msi.h"
#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

[[noreturn]] void Mismatch(const char* what, unsigned long long got, unsigned long long expected) {
  std::fprintf(stderr, "msirig: contract mismatch: %s: got 0x%llx, expected 0x%llx\n", what, got,
               expected);
  std::abort();
}

void Expect(bool ok, const char* what) {
  if (!ok) Mismatch(what, 0, 1);
}

constexpr OsVersion kOsVersions[] = {OsVersion::kServer2003, OsVersion::kVista, OsVersion::kWin7,
                                     OsVersion::kWin8, OsVersion::kWin10};
constexpr INTERRUPT_SYNCHRONIZATION_MODE kModes[] = {InterruptSupportNone, InterruptSynchronizeAll,
                                                     InterruptSynchronizePerMessage};

// The reference model: what the documentation and SPEC 2/3 say each call returns.
struct Model {
  bool old_os;
  uint32_t connected;  // messages connected to HwMSInterruptRoutine
  bool per_message;
};

ULONG ExpectedGetMsiInfo(const Model& m, bool null_extension, bool null_info, ULONG id) {
  if (m.old_os) return STOR_STATUS_NOT_IMPLEMENTED;
  if (null_extension) return STOR_STATUS_INVALID_PARAMETER;
  if (null_info) return STOR_STATUS_INVALID_PARAMETER;
  if (m.connected == 0) return STOR_STATUS_INVALID_DEVICE_REQUEST;
  if (id >= m.connected) return STOR_STATUS_INVALID_PARAMETER;
  return STOR_STATUS_SUCCESS;
}

ULONG PickMessageId(FuzzedDataProvider& fdp, uint32_t connected) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return connected ? fdp.ConsumeIntegralInRange<ULONG>(0, connected - 1) : 0;
    case 1:
      return connected;
    case 2:
      return fdp.ConsumeIntegral<ULONG>();
    default:
      return fdp.ConsumeIntegralInRange<ULONG>(0, 40);
  }
}

struct HeldMsiLock {
  ULONG id;
  ULONG old_irql;
};

void Run(FuzzedDataProvider& fdp) {
  PlatformConfig platform;
  platform.os_version = fdp.PickValueInArray(kOsVersions);
  platform.interrupt_kind = static_cast<InterruptKind>(fdp.ConsumeIntegralInRange<int>(0, 2));
  platform.messages_requested = fdp.ConsumeIntegralInRange<uint32_t>(0, 2048);
  platform.messages_granted = fdp.ConsumeIntegralInRange<uint32_t>(0, 2048);
  const size_t contents = fdp.ConsumeIntegralInRange<size_t>(0, 8);
  for (size_t i = 0; i < contents; ++i) {
    MessageContents c;
    c.message_data = fdp.ConsumeIntegral<uint32_t>();
    c.message_address = fdp.ConsumeIntegral<uint64_t>();
    c.interrupt_vector = fdp.ConsumeIntegral<uint32_t>();
    c.interrupt_level = fdp.ConsumeIntegral<uint32_t>();
    c.interrupt_mode = fdp.ConsumeIntegral<uint32_t>();
    platform.message_contents.push_back(c);
  }
  platform = Normalize(platform);

  ScriptedRig rig(platform);
  rig.miniport().sync_mode = fdp.PickValueInArray(kModes);
  rig.miniport().install_msi_routine = fdp.ConsumeBool();
  if (!rig.Start()) Mismatch("adapter start", 0, 1);

  const bool old_os = platform.os_version < OsVersion::kVista;
  const uint32_t connected = rig.miniport().install_msi_routine ? platform.messages_granted : 0;
  const Model model{old_os, connected,
                    connected > 0 && rig.miniport().sync_mode == InterruptSynchronizePerMessage};
  if (rig.port().ConnectedMessages(rig.adapter()) != connected)
    Mismatch("connected messages", rig.port().ConnectedMessages(rig.adapter()), connected);

  Verifier& verifier = rig.port().verifier();
  std::vector<HeldMsiLock> held;
  char foreign[64] = {};
  for (int step = 0; step < 64 && fdp.remaining_bytes() > 0; ++step) {
    const size_t violations_before = verifier.violations().size();
    auto expect_violations = [&](std::initializer_list<Rule> rules) {
      const auto& all = verifier.violations();
      if (all.size() - violations_before != rules.size())
        Mismatch("number of violations", all.size() - violations_before, rules.size());
      size_t i = violations_before;
      for (Rule r : rules) {
        if (all[i].rule != r)
          Mismatch("violation rule", static_cast<int>(all[i].rule), static_cast<int>(r));
        ++i;
      }
    };
    switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {  // StorPortGetMSIInfo with any arguments
        const int which = fdp.ConsumeIntegralInRange<int>(0, 2);
        PVOID extension = which == 0 ? nullptr : which == 1 ? rig.extension() : foreign;
        const bool null_info = fdp.ConsumeBool();
        const ULONG id = PickMessageId(fdp, connected);
        MESSAGE_INTERRUPT_INFORMATION info;
        std::memset(&info, 0x11, sizeof info);
        const ULONG status = StorPortGetMSIInfo(extension, id, null_info ? nullptr : &info);
        ULONG expected = ExpectedGetMsiInfo(model, which == 0, null_info, id);
        const bool foreign_checked = which == 2 && !old_os;
        if (foreign_checked) expected = STOR_STATUS_INVALID_PARAMETER;
        if (status != expected) Mismatch("StorPortGetMSIInfo status", status, expected);
        if (foreign_checked) {
          expect_violations({Rule::kNotAnAdapter});
        } else {
          expect_violations({});
        }
        if (null_info) break;
        const auto* bytes = reinterpret_cast<const unsigned char*>(&info);
        if (status == STOR_STATUS_SUCCESS) {
          const MessageContents c = id < platform.message_contents.size()
                                        ? platform.message_contents[id]
                                        : DefaultMessageContents(id);
          Expect(info.MessageId == id, "MessageId");
          Expect(info.MessageData == c.message_data, "MessageData");
          Expect(static_cast<uint64_t>(info.MessageAddress.QuadPart) == c.message_address,
                 "MessageAddress");
          Expect(info.InterruptVector == c.interrupt_vector, "InterruptVector");
          Expect(info.InterruptLevel == c.interrupt_level, "InterruptLevel");
          uint32_t mode;  // read as bytes: any value is allowed (see msi.cc)
          std::memcpy(&mode, &info.InterruptMode, sizeof mode);
          Expect(mode == c.interrupt_mode, "InterruptMode");
        } else {  // SPEC 2: every failure, NOT_IMPLEMENTED included
          for (size_t i = 0; i < sizeof info; ++i)
            Expect(bytes[i] == kMsiInfoPoisonByte, "output poisoned after failure");
        }
        break;
      }
      case 1: {  // StorPortAcquireMSISpinLock
        if (held.size() >= 4) break;
        const bool null_extension = fdp.ConsumeBool() && fdp.ConsumeBool();
        const ULONG id = PickMessageId(fdp, connected);
        ULONG old_irql = 0xEE;
        const uint8_t irql_before = rig.port().Irql(0);
        const ULONG status =
            StorPortAcquireMSISpinLock(null_extension ? nullptr : rig.extension(), id, &old_irql);
        bool already_held = false;
        for (const HeldMsiLock& h : held) already_held |= h.id == id || !model.per_message;
        ULONG expected = STOR_STATUS_SUCCESS;
        if (old_os) {
          expected = STOR_STATUS_NOT_IMPLEMENTED;
          expect_violations({});
        } else if (null_extension) {
          expected = STOR_STATUS_INVALID_PARAMETER;
          expect_violations({});
        } else if (!model.per_message) {
          if (already_held) {
            expect_violations({Rule::kStorPortMSILock, Rule::kSpinLockReacquire});
          } else {
            expect_violations({Rule::kStorPortMSILock});
          }
        } else if (id >= connected) {
          expected = STOR_STATUS_INVALID_PARAMETER;
          expect_violations({Rule::kMSILockMessageId});
        } else if (already_held) {
          expect_violations({Rule::kSpinLockReacquire});
        } else {
          expect_violations({});
        }
        if (status != expected) Mismatch("StorPortAcquireMSISpinLock status", status, expected);
        if (status == STOR_STATUS_SUCCESS) {
          if (old_irql != irql_before) Mismatch("OldIrql", old_irql, irql_before);
          held.push_back({id, old_irql});
        }
        break;
      }
      case 2: {  // StorPortReleaseMSISpinLock of the most recent acquire
        if (held.empty()) break;
        const HeldMsiLock top = held.back();
        held.pop_back();
        const ULONG status = StorPortReleaseMSISpinLock(rig.extension(), top.id, top.old_irql);
        if (status != STOR_STATUS_SUCCESS) Mismatch("release status", status, 0);
        expect_violations({});
        if (rig.port().Irql(0) != top.old_irql)
          Mismatch("IRQL after release", rig.port().Irql(0), top.old_irql);
        break;
      }
      case 3: {  // an interrupt on message m, on CPU 0 or 1
        if (connected == 0 || old_os) break;
        const uint32_t m = fdp.ConsumeIntegralInRange<uint32_t>(0, connected - 1);
        const uint32_t cpu = fdp.ConsumeIntegralInRange<uint32_t>(0, 1);
        rig.port().SignalMessage(rig.adapter(), m);
        Delivery delivery = Delivery::kNotPending;
        rig.OnCpu(cpu, [&] { delivery = rig.port().DeliverInterrupt(rig.adapter(), m); });
        // Held MSI locks are on CPU 0: any of them blocks the ISRs it must exclude.
        bool blocked = false;
        for (const HeldMsiLock& h : held) blocked |= !model.per_message || h.id == m;
        if (blocked && delivery == Delivery::kDelivered)
          Mismatch("an ISR ran while its MSI lock was held", m, 0);
        if (!blocked && cpu == 1 && delivery != Delivery::kDelivered)
          Mismatch("an ISR on a free CPU was not delivered", static_cast<int>(delivery), 0);
        expect_violations({});
        break;
      }
    }
  }
  while (!held.empty()) {
    StorPortReleaseMSISpinLock(rig.extension(), held.back().id, held.back().old_irql);
    held.pop_back();
  }
  if (rig.port().Irql(0) != PASSIVE_LEVEL) Mismatch("IRQL at the end", rig.port().Irql(0), 0);
  if (rig.port().LocksHeld(0) != 0) Mismatch("locks at the end", rig.port().LocksHeld(0), 0);
}

}  // namespace
}  // namespace msirig::sp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  msirig::sp::Run(fdp);
  return 0;
}
