// The MSI spin locks and interrupt synchronization (SPEC 3): StorPortMSILock in both modes,
// InterruptLock excluding every message ISR in per-message mode, OldIrql handed back, nesting
// of message ISRs per mode.
#include <gtest/gtest.h>

#include <vector>

#include "scripted_miniport.h"

namespace msirig::sp {
namespace {

TEST(MsiLock, PerMessageModeAcquireRaisesToTheMessageDirqlAndReleaseRestores) {
  ScriptedRig rig(MsiX(4));
  ASSERT_TRUE(rig.Start());
  ULONG old_irql = 0xFF;
  ASSERT_EQ(StorPortAcquireMSISpinLock(rig.extension(), 2, &old_irql), STOR_STATUS_SUCCESS);
  EXPECT_EQ(old_irql, PASSIVE_LEVEL);
  EXPECT_EQ(rig.port().Irql(0), MessageDirql(2));
  EXPECT_EQ(rig.port().LocksHeld(0), 1u);
  ASSERT_EQ(StorPortReleaseMSISpinLock(rig.extension(), 2, old_irql), STOR_STATUS_SUCCESS);
  EXPECT_EQ(rig.port().Irql(0), PASSIVE_LEVEL);
  EXPECT_EQ(rig.port().LocksHeld(0), 0u);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(MsiLock, SynchronizeAllModeIsAStorPortMSILockViolationThatStillSerializes) {
  ScriptedRig rig(MsiX(4));
  rig.miniport().sync_mode = InterruptSynchronizeAll;
  ASSERT_TRUE(rig.Start());
  ULONG old_irql = 0;
  EXPECT_EQ(StorPortAcquireMSISpinLock(rig.extension(), 1, &old_irql), STOR_STATUS_SUCCESS);
  EXPECT_TRUE(rig.Saw(Rule::kStorPortMSILock)) << rig.Violations();
  // Keep-going semantics: it holds the interrupt lock, so no ISR can run on another CPU.
  rig.port().SignalMessage(rig.adapter(), 3);
  rig.OnCpu(
      1, [&] { EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 3), Delivery::kWouldSpin); });
  StorPortReleaseMSISpinLock(rig.extension(), 1, old_irql);
  rig.OnCpu(
      1, [&] { EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 3), Delivery::kDelivered); });
}

TEST(MsiLock, LineBasedInterruptsAreAStorPortMSILockViolation) {
  PlatformConfig p;
  p.interrupt_kind = InterruptKind::kLineBased;
  p.messages_requested = 0;
  p.messages_granted = 0;
  ScriptedRig rig(p);
  ASSERT_TRUE(rig.Start());
  ULONG old_irql = 0;
  StorPortAcquireMSISpinLock(rig.extension(), 0, &old_irql);
  EXPECT_TRUE(rig.Saw(Rule::kStorPortMSILock)) << rig.Violations();
  StorPortReleaseMSISpinLock(rig.extension(), 0, old_irql);
}

TEST(MsiLock, AMessageIdOutsideTheGrantIsAViolationAndInvalidParameter) {
  ScriptedRig rig(MsiX(3));
  ASSERT_TRUE(rig.Start());
  ULONG old_irql = 0;
  EXPECT_EQ(StorPortAcquireMSISpinLock(rig.extension(), 3, &old_irql),
            STOR_STATUS_INVALID_PARAMETER);
  EXPECT_TRUE(rig.Saw(Rule::kMSILockMessageId)) << rig.Violations();
  EXPECT_EQ(rig.port().LocksHeld(0), 0u);
}

TEST(MsiLock, ANullExtensionIsInvalidParameterWithoutAViolation) {
  ScriptedRig rig(MsiX(2));
  ASSERT_TRUE(rig.Start());
  ULONG old_irql = 0;
  EXPECT_EQ(StorPortAcquireMSISpinLock(nullptr, 0, &old_irql), STOR_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(StorPortReleaseMSISpinLock(nullptr, 0, 0), STOR_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(rig.ViolationCount(), 0u);
}

TEST(MsiLock, OldIrqlIsTheCallersIrqlAndMustComeBack) {
  ScriptedRig rig(MsiX(4));
  std::vector<ULONG> written;
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    ULONG old0 = 0, old1 = 0;
    StorPortAcquireMSISpinLock(ext, 0, &old0);
    StorPortAcquireMSISpinLock(ext, 1, &old1);
    written = {old0, old1};
    StorPortReleaseMSISpinLock(ext, 1, old1);
    StorPortReleaseMSISpinLock(ext, 0, old0);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  // From HwStartIo (DISPATCH_LEVEL); the second acquire is made at the first one's DIRQL, and
  // the DIRQLs differ per message (SPEC 3 decision), so the two OldIrql values differ.
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0], DISPATCH_LEVEL);
  EXPECT_EQ(written[1], MessageDirql(0));
  EXPECT_NE(written[0], written[1]);
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(MsiLock, HandingBackTheWrongOldIrqlIsReportedAndLeavesTheWrongIrql) {
  ScriptedRig rig(MsiX(4));
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    ULONG old0 = 0, old1 = 0;
    StorPortAcquireMSISpinLock(ext, 0, &old0);
    StorPortAcquireMSISpinLock(ext, 1, &old1);
    StorPortReleaseMSISpinLock(ext, 1, old0);  // swapped
    StorPortReleaseMSISpinLock(ext, 0, old1);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_TRUE(rig.Saw(Rule::kMSILockOldIrql)) << rig.Violations();
  EXPECT_TRUE(rig.Saw(Rule::kIrqlOnReturn)) << rig.Violations();
}

TEST(InterruptLock, InPerMessageModeItExcludesEveryMessageIsr) {
  constexpr uint32_t kMessages = 5;
  ScriptedRig rig(MsiX(kMessages));
  int isr_runs = 0;
  rig.miniport().ms_isr = [&](PVOID, ULONG) {
    ++isr_runs;
    return TRUE;
  };
  rig.miniport().start_io = [&](PVOID ext, PSCSI_REQUEST_BLOCK srb) {
    STOR_LOCK_HANDLE handle;
    StorPortAcquireSpinLock(ext, InterruptLock, nullptr, &handle);
    for (uint32_t m = 0; m < kMessages; ++m) {
      rig.port().SignalMessage(rig.adapter(), m);
      EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), m), Delivery::kIrqlTooHigh) << m;
      rig.OnCpu(1, [&] {
        EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), m), Delivery::kWouldSpin) << m;
      });
    }
    StorPortReleaseSpinLock(ext, &handle);
    srb->SrbStatus = SRB_STATUS_SUCCESS;
    StorPortNotification(RequestComplete, ext, srb);
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SubmitRequest(rig.adapter(), RequestSpec{});
  EXPECT_EQ(isr_runs, 0);
  for (uint32_t m = 0; m < kMessages; ++m) {
    rig.OnCpu(1, [&] {
      EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), m), Delivery::kDelivered) << m;
    });
  }
  EXPECT_EQ(isr_runs, static_cast<int>(kMessages));
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(InterruptLock, StorPortSynchronizeAccessHoldsEveryMessageLockInPerMessageMode) {
  ScriptedRig rig(MsiX(3));
  ASSERT_TRUE(rig.Start());
  struct Context {
    ScriptedRig* rig;
    size_t locks;
  } context{&rig, 0};
  auto routine = [](PVOID, PVOID raw) -> BOOLEAN {
    auto* c = static_cast<Context*>(raw);
    c->locks = c->rig->port().LocksHeld(0);
    c->rig->port().SignalMessage(c->rig->adapter(), 2);
    c->rig->OnCpu(1, [&] {
      EXPECT_EQ(c->rig->port().DeliverInterrupt(c->rig->adapter(), 2), Delivery::kWouldSpin);
    });
    return TRUE;
  };
  EXPECT_TRUE(StorPortSynchronizeAccess(rig.extension(), routine, &context));
  EXPECT_EQ(context.locks, 1u);  // one acquisition: all three message locks
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(MessageIsrs, OfDifferentMessagesNestOnOneCpuInPerMessageMode) {
  ScriptedRig rig(MsiX(4));
  std::vector<std::pair<ULONG, size_t>> runs;  // message, nesting depth seen
  size_t depth = 0;
  rig.miniport().ms_isr = [&](PVOID, ULONG message) {
    ++depth;
    runs.emplace_back(message, depth);
    if (message == 0) {
      rig.port().SignalMessage(rig.adapter(), 1);
      EXPECT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 1), Delivery::kDelivered);
      // The same message cannot nest in itself.
      rig.port().SignalMessage(rig.adapter(), 0);
      EXPECT_NE(rig.port().DeliverInterrupt(rig.adapter(), 0), Delivery::kDelivered);
    }
    --depth;
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SignalMessage(rig.adapter(), 0);
  ASSERT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 0), Delivery::kDelivered);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1], std::make_pair(ULONG{1}, size_t{2}));
  EXPECT_TRUE(rig.port().Pending(rig.adapter(), 0));  // re-signaled while in service
  EXPECT_EQ(rig.ViolationCount(), 0u) << rig.Violations();
}

TEST(MessageIsrs, OfDifferentMessagesOverlapOnTwoCpusInPerMessageMode) {
  ScriptedRig rig(MsiX(4));
  Delivery other = Delivery::kNotPending;
  rig.miniport().ms_isr = [&](PVOID, ULONG message) {
    if (message == 2) {
      rig.port().SignalMessage(rig.adapter(), 0);
      rig.OnCpu(1, [&] { other = rig.port().DeliverInterrupt(rig.adapter(), 0); });
    }
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SignalMessage(rig.adapter(), 2);
  ASSERT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 2), Delivery::kDelivered);
  EXPECT_EQ(other, Delivery::kDelivered);
}

TEST(MessageIsrs, NeverNestOrOverlapInSynchronizeAllMode) {
  ScriptedRig rig(MsiX(4));
  rig.miniport().sync_mode = InterruptSynchronizeAll;
  std::vector<Delivery> inner;
  rig.miniport().ms_isr = [&](PVOID, ULONG message) {
    if (message == 0) {
      for (ULONG other : {1u, 2u, 3u}) {
        rig.port().SignalMessage(rig.adapter(), other);
        inner.push_back(rig.port().DeliverInterrupt(rig.adapter(), other));
        rig.OnCpu(1, [&] { inner.push_back(rig.port().DeliverInterrupt(rig.adapter(), other)); });
      }
    }
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SignalMessage(rig.adapter(), 0);
  ASSERT_EQ(rig.port().DeliverInterrupt(rig.adapter(), 0), Delivery::kDelivered);
  ASSERT_EQ(inner.size(), 6u);
  for (size_t i = 0; i < inner.size(); i += 2) {
    EXPECT_EQ(inner[i], Delivery::kIrqlTooHigh);    // same CPU: masked by the IRQL
    EXPECT_EQ(inner[i + 1], Delivery::kWouldSpin);  // other CPU: waits for the one lock
  }
}

TEST(MessageIsrs, ANestedIsrTakingTheInterruptedMessagesLockSelfDeadlocks) {
  ScriptedRig rig(MsiX(4));
  rig.miniport().ms_isr = [&](PVOID ext, ULONG message) {
    if (message == 0) {
      rig.port().SignalMessage(rig.adapter(), 1);
      rig.port().DeliverInterrupt(rig.adapter(), 1);
    } else {
      ULONG old_irql = 0;
      StorPortAcquireMSISpinLock(ext, 0, &old_irql);  // held by the ISR it interrupted
      StorPortReleaseMSISpinLock(ext, 0, old_irql);
    }
    return TRUE;
  };
  ASSERT_TRUE(rig.Start());
  rig.port().SignalMessage(rig.adapter(), 0);
  rig.port().DeliverInterrupt(rig.adapter(), 0);
  EXPECT_TRUE(rig.Saw(Rule::kSpinLockReacquire)) << rig.Violations();
}

}  // namespace
}  // namespace msirig::sp
