// Every verifier rule: a miniport that breaks it on purpose and sees its id, and a clean twin
// that does the same thing right and sees nothing (DESIGN.md decision 4).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <ostream>
#include <set>

#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

PlatformConfig Line() {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kLineBased;
  p.messages_requested = 0;
  p.messages_granted = 0;
  return p;
}

// A PCI function with one 16 KiB memory BAR of plain registers and nothing else.
class RegisterFile final : public hba::PciFunction {
 public:
  uint32_t ConfigRead(uint16_t offset, unsigned size) override {
    if (offset == 0x10) return bar0_;
    if (offset == 0x00) return 0x00011234;  // vendor/device
    return 0;
  }
  void ConfigWrite(uint16_t offset, unsigned size, uint32_t value) override {
    if (offset == 0x10) bar0_ = value == 0xFFFFFFFFu ? ~(kSize - 1) : value & ~(kSize - 1);
  }
  uint64_t MmioRead(unsigned bar, uint64_t offset, unsigned size) override {
    uint64_t v = 0;
    std::memcpy(&v, regs_ + offset, size);
    return v;
  }
  void MmioWrite(unsigned bar, uint64_t offset, unsigned size, uint64_t value) override {
    std::memcpy(regs_ + offset, &value, size);
  }

 private:
  static constexpr uint32_t kSize = 0x4000;
  uint32_t bar0_ = 0;
  uint8_t regs_[kSize] = {};
};

// Runs `body` inside HwStartIo of one request (DISPATCH_LEVEL, StartIo lock held), then
// completes the request.
void InStartIo(ScriptedRig& rig, std::function<void(PVOID, PSCSI_REQUEST_BLOCK)> body) {
  rig.miniport().start_io = [&, body](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    body(ext, srb);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
}

// Runs `body` inside a DPC routine (DISPATCH_LEVEL, no lock held).
STOR_DPC g_dpc;
void InDpc(ScriptedRig& rig, std::function<void(PVOID)> body) {
  rig.miniport().dpc = [body](PSTOR_DPC, PVOID ext, PVOID, PVOID) { body(ext); };
  EXPECT_TRUE(StorPortIssueDpc(rig.extension(), &g_dpc, nullptr, nullptr));
  rig.port().RunDpcs();
}

// Starts an MSI-X rig whose passive routine initializes g_dpc.
void StartWithDpc(ScriptedRig& rig) {
  rig.miniport().passive_initialize = [](PVOID ext) {
    StorPortInitializeDpc(ext, &g_dpc, ScriptedDpcRoutine);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
}

void ExpectOnly(ScriptedRig& rig, Rule rule) {
  ASSERT_TRUE(rig.Saw(rule)) << "expected " << RuleId(rule) << ", saw:\n" << rig.Violations();
  const std::string prefix = "msirig: violation " + std::string(RuleId(rule)) + ": ";
  bool found = false;
  for (const Violation& v : rig.port().verifier().violations()) {
    if (v.rule == rule) found = found || v.line.rfind(prefix, 0) == 0;
  }
  EXPECT_TRUE(found) << "no line starts with '" << prefix << "'";
}

void ExpectClean(ScriptedRig& rig) { EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations(); }

// Each case: a name, the rule, and the same scenario done wrong and done right.
struct RuleCase {
  const char* name;
  Rule rule;
  std::function<void(ScriptedRig&, bool wrong)> run;
  std::function<PlatformConfig()> platform = [] { return MsiX(4); };
  INTERRUPT_SYNCHRONIZATION_MODE mode = InterruptSynchronizePerMessage;
};

// gtest prints a parameter in test listings and failures; without this, its bytes (pointers).
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

std::vector<RuleCase> Cases() {
  std::vector<RuleCase> cases;
  cases.push_back({"StorPortMSILock", Rule::kStorPortMSILock, [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().sync_mode =
                         wrong ? InterruptSynchronizeAll : InterruptSynchronizePerMessage;
                     ASSERT_TRUE(rig.Start());
                     ULONG old_irql;
                     StorPortAcquireMSISpinLock(rig.extension(), 0, &old_irql);
                     StorPortReleaseMSISpinLock(rig.extension(), 0, old_irql);
                   }});
  cases.push_back({"MSILockMessageId", Rule::kMSILockMessageId, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     ULONG old_irql;
                     const ULONG id = wrong ? 4 : 3;
                     if (StorPortAcquireMSISpinLock(rig.extension(), id, &old_irql) ==
                         STOR_STATUS_SUCCESS)
                       StorPortReleaseMSISpinLock(rig.extension(), id, old_irql);
                   }});
  cases.push_back({"MSILockOldIrql", Rule::kMSILockOldIrql, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     InStartIo(rig, [wrong](PVOID ext, PSCSI_REQUEST_BLOCK) {
                       ULONG old_irql;
                       StorPortAcquireMSISpinLock(ext, 1, &old_irql);
                       StorPortReleaseMSISpinLock(ext, 1, wrong ? old_irql - 1 : old_irql);
                       if (wrong) {  // put the IRQL back so only the rule under test fires
                         ULONG again;
                         StorPortAcquireMSISpinLock(ext, 1, &again);
                         StorPortReleaseMSISpinLock(ext, 1, old_irql);
                       }
                     });
                   }});
  cases.push_back({"GetMSIInfoInIsr", Rule::kGetMSIInfoInIsr, [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().ms_isr = [wrong](PVOID ext, ULONG) {
                       MESSAGE_INTERRUPT_INFORMATION info;
                       if (wrong) StorPortGetMSIInfo(ext, 0, &info);
                       return TRUE;
                     };
                     rig.miniport().initialize = [](PVOID ext) {
                       MESSAGE_INTERRUPT_INFORMATION info;
                       return StorPortGetMSIInfo(ext, 0, &info) == STOR_STATUS_SUCCESS;
                     };
                     ASSERT_TRUE(rig.Start());
                     rig.port().SignalMessage(rig.adapter(), 0);
                     rig.port().DeliverInterrupt(rig.adapter(), 0);
                   }});
  cases.push_back({"GetMSIInfoBeforeFindAdapter", Rule::kGetMSIInfoBeforeFindAdapter,
                   [](ScriptedRig& rig, bool wrong) {
                     auto query = [](PVOID ext) {
                       MESSAGE_INTERRUPT_INFORMATION info;
                       StorPortGetMSIInfo(ext, 0, &info);
                     };
                     if (wrong) {
                       rig.miniport().find_adapter = [query](PVOID ext, auto) { query(ext); };
                     } else {
                       rig.miniport().initialize = [query](PVOID ext) {
                         query(ext);
                         return TRUE;
                       };
                     }
                     ASSERT_TRUE(rig.Start());
                   }});
  cases.push_back({"NotAnAdapter", Rule::kNotAnAdapter, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     char stale[256] = {};
                     MESSAGE_INTERRUPT_INFORMATION info;
                     StorPortGetMSIInfo(wrong ? stale : rig.extension(), 0, &info);
                   }});
  cases.push_back({"StorPortSpinLock", Rule::kStorPortSpinLock, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       STOR_LOCK_HANDLE handle = {};
                       if (!wrong) StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
                       handle.Lock = StartIoLock;
                       handle.Context.OldIrql = DISPATCH_LEVEL;
                       StorPortReleaseSpinLock(ext, &handle);
                     });
                   }});
  cases.push_back({"StorPortSpinLock4", Rule::kStorPortSpinLock4, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     InStartIo(rig, [wrong](PVOID ext, PSCSI_REQUEST_BLOCK) {
                       ULONG old_irql;
                       StorPortAcquireMSISpinLock(ext, 0, &old_irql);
                       StorPortReleaseMSISpinLock(ext, wrong ? 3 : 0, old_irql);
                       if (wrong) StorPortReleaseMSISpinLock(ext, 0, old_irql);
                     });
                   }});
  cases.push_back(
      {"StorPortSpinLock3", Rule::kStorPortSpinLock3, [](ScriptedRig& rig, bool wrong) {
         StartWithDpc(rig);
         InDpc(rig, [wrong](PVOID ext) {
           STOR_LOCK_HANDLE first, second;
           StorPortAcquireSpinLock(ext, wrong ? InterruptLock : StartIoLock, nullptr, &first);
           StorPortAcquireSpinLock(ext, wrong ? StartIoLock : InterruptLock, nullptr, &second);
           StorPortReleaseSpinLock(ext, &second);
           StorPortReleaseSpinLock(ext, &first);
         });
       }});
  cases.push_back({"SpinLockReacquire", Rule::kSpinLockReacquire, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       STOR_LOCK_HANDLE first, second;
                       StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &first);
                       if (wrong) {
                         StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &second);
                         StorPortReleaseSpinLock(ext, &second);
                       }
                       StorPortReleaseSpinLock(ext, &first);
                     });
                   }});
  cases.push_back(
      {"SpinLockNotAllowed", Rule::kSpinLockNotAllowed, [](ScriptedRig& rig, bool wrong) {
         rig.miniport().passive_initialize = [wrong](PVOID ext) {
           StorPortInitializeDpc(ext, &g_dpc, ScriptedDpcRoutine);
           if (wrong) {
             STOR_LOCK_HANDLE handle;
             StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
             StorPortReleaseSpinLock(ext, &handle);
           }
           return TRUE;
         };
         ASSERT_TRUE(rig.Start());
         InDpc(rig, [](PVOID ext) {
           STOR_LOCK_HANDLE handle;
           StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
           StorPortReleaseSpinLock(ext, &handle);
         });
       }});
  cases.push_back({"LockHeldOnReturn", Rule::kLockHeldOnReturn, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       static STOR_LOCK_HANDLE handle;
                       StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
                       if (!wrong) StorPortReleaseSpinLock(ext, &handle);
                     });
                   }});
  cases.push_back({"IrqlOnReturn", Rule::kIrqlOnReturn, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       STOR_LOCK_HANDLE handle;
                       StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
                       if (wrong) handle.Context.OldIrql = PASSIVE_LEVEL;  // corrupted handle
                       StorPortReleaseSpinLock(ext, &handle);
                     });
                   }});
  cases.push_back({"StorPortIrql", Rule::kStorPortIrql, [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().ms_isr = [wrong](PVOID ext, ULONG) {
                       PVOID block = nullptr;
                       if (wrong &&
                           StorPortAllocatePool(ext, 64, 'grsm', &block) == STOR_STATUS_SUCCESS)
                         StorPortFreePool(ext, block);
                       return TRUE;
                     };
                     StartWithDpc(rig);
                     rig.port().SignalMessage(rig.adapter(), 0);
                     rig.port().DeliverInterrupt(rig.adapter(), 0);
                     InDpc(rig, [](PVOID ext) {
                       PVOID block = nullptr;
                       if (StorPortAllocatePool(ext, 64, 'grsm', &block) == STOR_STATUS_SUCCESS)
                         StorPortFreePool(ext, block);
                     });
                   }});
  cases.push_back({"CallContext", Rule::kCallContext, [](ScriptedRig& rig, bool wrong) {
                     auto grab = [](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
                       StorPortGetUncachedExtension(ext, config, 4096);
                     };
                     if (wrong) {
                       rig.miniport().initialize = [grab](PVOID ext) {
                         grab(ext, nullptr);
                         return TRUE;
                       };
                     } else {
                       rig.miniport().find_adapter = grab;
                     }
                     ASSERT_TRUE(rig.Start());
                   }});
  cases.push_back({"Deadlock", Rule::kDeadlock, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     InStartIo(rig, [&rig, wrong](PVOID ext, PSCSI_REQUEST_BLOCK) {
                       // Another CPU wants the lock this one holds; with one runnable CPU
                       // only (the inline scheduler), nothing can ever release it.
                       rig.OnCpu(1, [&] {
                         STOR_LOCK_HANDLE handle;
                         StorPortAcquireSpinLock(ext, wrong ? StartIoLock : InterruptLock, nullptr,
                                                 &handle);
                         StorPortReleaseSpinLock(ext, &handle);
                       });
                     });
                   }});
  cases.push_back(
      {"SrbDoubleCompletion", Rule::kSrbDoubleCompletion, [](ScriptedRig& rig, bool wrong) {
         rig.miniport().start_io = [wrong](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
           srb->SrbStatus = SRB_STATUS_SUCCESS;
           StorPortNotification(RequestComplete, ext, srb);
           // The SRB is gone now; completing it again must not touch it.
           if (wrong) StorPortNotification(RequestComplete, ext, srb);
           return TRUE;
         };
         ASSERT_TRUE(rig.Start());
         rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
       }});
  cases.push_back({"SrbNotOwned", Rule::kSrbNotOwned, [](ScriptedRig& rig, bool wrong) {
                     ASSERT_TRUE(rig.Start());
                     SCSI_REQUEST_BLOCK made_up = {};
                     made_up.SrbStatus = SRB_STATUS_SUCCESS;
                     if (wrong) StorPortNotification(RequestComplete, rig.extension(), &made_up);
                   }});
  cases.push_back({"SrbStatusPending", Rule::kSrbStatusPending, [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().start_io = [wrong](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
                       srb->SrbStatus = wrong ? SRB_STATUS_PENDING : SRB_STATUS_SUCCESS;
                       StorPortNotification(RequestComplete, ext, srb);
                       return TRUE;
                     };
                     ASSERT_TRUE(rig.Start());
                     rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
                   }});
  cases.push_back(
      {"RequestsOutstanding", Rule::kRequestsOutstanding, [](ScriptedRig& rig, bool wrong) {
         static PSCSI_REQUEST_BLOCK kept;
         rig.miniport().start_io = [](PVOID, PSCSI_REQUEST_BLOCK srb) {
           kept = srb;
           return TRUE;
         };
         ASSERT_TRUE(rig.Start());
         rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
         if (!wrong) {
           kept->SrbStatus = SRB_STATUS_SUCCESS;
           StorPortNotification(RequestComplete, rig.extension(), kept);
         }
         rig.port().CheckEndOfRun();
       }});
  cases.push_back({"IsrSpuriousClaim", Rule::kIsrSpuriousClaim,
                   [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().isr = [](PVOID) { return TRUE; };
                     ASSERT_TRUE(rig.Start());
                     rig.port().SetLineLevel(rig.adapter(), !wrong);
                     EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), kLineInterrupt),
                               Delivery::kDelivered);
                   },
                   Line});
  cases.push_back({"DpcNotInitialized", Rule::kDpcNotInitialized, [](ScriptedRig& rig, bool wrong) {
                     static STOR_DPC never;
                     StartWithDpc(rig);
                     StorPortIssueDpc(rig.extension(), wrong ? &never : &g_dpc, nullptr, nullptr);
                     rig.port().RunDpcs();
                   }});
  cases.push_back(
      {"RegisterUnmapped", Rule::kRegisterUnmapped, [](ScriptedRig& rig, bool wrong) {
         static RegisterFile device;
         static PULONG registers;
         rig.miniport().find_adapter = [](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
           const ACCESS_RANGE& range = (*config->AccessRanges)[0];
           registers = static_cast<PULONG>(
               StorPortGetDeviceBase(ext, PCIBus, 0, range.RangeStart, range.RangeLength, FALSE));
         };
         rig.port().LoadMiniport(ScriptedDriverEntry);
         const uint32_t id = rig.port().CreateAdapter(MsiX(1));
         ASSERT_TRUE(rig.port().StartAdapter(id, &device));
         ASSERT_NE(registers, nullptr);
         StorPortWriteRegisterUlong(rig.port().DeviceExtension(id), registers + 4, 0x1234);
         EXPECT_EQ(StorPortReadRegisterUlong(rig.port().DeviceExtension(id), registers + 4),
                   0x1234u);
         if (wrong) {
           StorPortReadRegisterUlong(rig.port().DeviceExtension(id), registers + 0x4000 / 4);
         }
       }});
  cases.push_back(
      {"PhysicalAddressUnknown", Rule::kPhysicalAddressUnknown, [](ScriptedRig& rig, bool wrong) {
         static PVOID uncached;
         rig.miniport().find_adapter = [](PVOID ext, PPORT_CONFIGURATION_INFORMATION config) {
           uncached = StorPortGetUncachedExtension(ext, config, 8192);
         };
         ASSERT_TRUE(rig.Start());
         char on_stack[64];
         ULONG length = 0;
         StorPortGetPhysicalAddress(rig.extension(), nullptr, wrong ? on_stack : uncached, &length);
         if (!wrong) EXPECT_EQ(length, 8192u);
       }});
  cases.push_back({"DmaUnmapped", Rule::kDmaUnmapped, [](ScriptedRig& rig, bool wrong) {
                     static PVOID uncached;
                     rig.miniport().find_adapter = [](PVOID ext,
                                                      PPORT_CONFIGURATION_INFORMATION config) {
                       uncached = StorPortGetUncachedExtension(ext, config, 4096);
                     };
                     ASSERT_TRUE(rig.Start());
                     ULONG length = 0;
                     const STOR_PHYSICAL_ADDRESS pa =
                         StorPortGetPhysicalAddress(rig.extension(), nullptr, uncached, &length);
                     uint8_t bytes[16] = {1, 2, 3};
                     const uint64_t target = static_cast<uint64_t>(pa.QuadPart) +
                                             (wrong ? 4096 - 8 : 0);  // runs past the end
                     rig.port().HostBusOf(rig.adapter()).DmaWrite(target, bytes, sizeof bytes);
                     if (!wrong) EXPECT_EQ(static_cast<uint8_t*>(uncached)[2], 3);
                   }});
  cases.push_back({"PoolFree", Rule::kPoolFree, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       PVOID block = nullptr;
                       ASSERT_EQ(StorPortAllocatePool(ext, 32, 'grsm', &block),
                                 STOR_STATUS_SUCCESS);
                       StorPortFreePool(ext, block);
                       if (wrong) StorPortFreePool(ext, block);
                     });
                   }});
  cases.push_back({"MiniportAssertion", Rule::kMiniportAssertion, [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().initialize = [wrong](PVOID) {
                       NT_ASSERT(!wrong);
                       return TRUE;
                     };
                     ASSERT_TRUE(rig.Start());
                   }});
  cases.push_back({"StallExecutionDelay", Rule::kStallExecutionDelay,
                   [](ScriptedRig& rig, bool wrong) {
                     rig.miniport().initialize = [wrong](PVOID) {
                       StorPortStallExecution(wrong ? 1000 : 999);
                       return TRUE;
                     };
                     ASSERT_TRUE(rig.Start());
                   }});
  cases.push_back({"NullLockHandle", Rule::kNullLockHandle, [](ScriptedRig& rig, bool wrong) {
                     StartWithDpc(rig);
                     InDpc(rig, [wrong](PVOID ext) {
                       STOR_LOCK_HANDLE handle = {};
                       StorPortAcquireSpinLock(ext, StartIoLock, nullptr,
                                               wrong ? nullptr : &handle);
                       if (!wrong) StorPortReleaseSpinLock(ext, &handle);
                     });
                     InDpc(rig, [wrong](PVOID ext) {
                       STOR_LOCK_HANDLE handle = {};
                       StorPortAcquireSpinLock(ext, StartIoLock, nullptr, &handle);
                       StorPortReleaseSpinLock(ext, wrong ? nullptr : &handle);
                       if (wrong) StorPortReleaseSpinLock(ext, &handle);
                     });
                   }});
  cases.push_back(
      {"NullDpc", Rule::kNullDpc, [](ScriptedRig& rig, bool wrong) {
         rig.miniport().passive_initialize = [wrong](PVOID ext) {
           StorPortInitializeDpc(ext, wrong ? nullptr : &g_dpc, ScriptedDpcRoutine);
           if (wrong) StorPortInitializeDpc(ext, &g_dpc, ScriptedDpcRoutine);
           return TRUE;
         };
         ASSERT_TRUE(rig.Start());
         EXPECT_EQ(StorPortIssueDpc(rig.extension(), wrong ? nullptr : &g_dpc, nullptr, nullptr),
                   !wrong);
         rig.port().RunDpcs();
         InDpc(rig, [wrong](PVOID ext) {
           STOR_LOCK_HANDLE handle = {};
           StorPortAcquireSpinLock(ext, DpcLock, wrong ? nullptr : &g_dpc, &handle);
           StorPortReleaseSpinLock(ext, &handle);
         });
       }});
  cases.push_back(
      {"NullOldIrql", Rule::kNullOldIrql, [](ScriptedRig& rig, bool wrong) {
         ASSERT_TRUE(rig.Start());
         InStartIo(rig, [wrong](PVOID ext, PSCSI_REQUEST_BLOCK) {
           ULONG old_irql = 0;
           const ULONG status = StorPortAcquireMSISpinLock(ext, 1, wrong ? nullptr : &old_irql);
           EXPECT_EQ(status, wrong ? STOR_STATUS_INVALID_PARAMETER : STOR_STATUS_SUCCESS);
           if (status == STOR_STATUS_SUCCESS) StorPortReleaseMSISpinLock(ext, 1, old_irql);
         });
       }});
  return cases;
}

class EveryRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(EveryRule, BrokenOnPurposeIsReportedWithItsId) {
  ScriptedRig rig(GetParam().platform());
  GetParam().run(rig, /*wrong=*/true);
  ExpectOnly(rig, GetParam().rule);
}

TEST_P(EveryRule, TheCleanTwinIsNotReported) {
  ScriptedRig rig(GetParam().platform());
  GetParam().run(rig, /*wrong=*/false);
  ExpectClean(rig);
}

INSTANTIATE_TEST_SUITE_P(Rules, EveryRule, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RuleTable, EveryRuleHasACaseAndAUniqueId) {
  // The executor's own oracles break and pass in fuzz/src/executor_test.cc.
  std::set<Rule> covered = {Rule::kDataCorruption, Rule::kInterruptCauseUnserviced,
                            Rule::kRequestStatus};
  for (const RuleCase& c : Cases()) {
    covered.insert(c.rule);
    EXPECT_EQ(RuleId(c.rule), c.name);
  }
  std::set<std::string_view> ids;
  for (int i = 0; i < kRuleCount; ++i) {
    const auto rule = static_cast<Rule>(i);
    EXPECT_TRUE(covered.count(rule)) << RuleId(rule) << " has no test";
    EXPECT_TRUE(ids.insert(RuleId(rule)).second) << RuleId(rule) << " twice";
    EXPECT_FALSE(RuleSource(rule).empty());
    Rule back;
    ASSERT_TRUE(RuleFromId(RuleId(rule), &back));
    EXPECT_EQ(back, rule);
  }
}

TEST(VerifierDeathTest, InAbortModeAViolationPrintsItsSignatureLineAndAborts) {
  EXPECT_DEATH(
      {
        PortOptions options;
        options.verifier_mode = VerifierMode::kAbort;
        ScriptedRig rig(MsiX(2), options);
        rig.miniport().sync_mode = InterruptSynchronizeAll;
        rig.Start();
        ULONG old_irql;
        StorPortAcquireMSISpinLock(rig.extension(), 1, &old_irql);
      },
      "msirig: violation StorPortMSILock: StorPortAcquireMSISpinLock\\(message 1\\)");
}

}  // namespace
}  // namespace msirig::sp
