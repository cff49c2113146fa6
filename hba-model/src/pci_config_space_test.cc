// Tests of the PCI face of the device: identity, BAR sizing, capability list, MSI and MSI-X
// capability fields (PCI 3.0 chapter 6, PCIe 4.0 chapter 7).
#include <gtest/gtest.h>

#include "../testing/fake_host.h"
#include "msirig/hba/nvme_device.h"

namespace msirig::hba {
namespace {

using testing::FakeHost;

// Walks the capability list and returns (offset of each capability by ID).
std::map<uint8_t, uint16_t> Capabilities(NvmeDevice& dev) {
  std::map<uint8_t, uint16_t> caps;
  uint16_t at = dev.ConfigRead(0x34, 1);
  for (int guard = 0; at != 0 && guard < 48; ++guard) {
    caps[static_cast<uint8_t>(dev.ConfigRead(at, 1))] = at;
    at = static_cast<uint16_t>(dev.ConfigRead(at + 1, 1));
  }
  return caps;
}

TEST(PciConfigSpace, IdentifiesAsAnNvmeController) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  EXPECT_EQ(dev.ConfigRead(0x00, 2), 0x1B36u);
  EXPECT_EQ(dev.ConfigRead(0x02, 2), 0x0010u);
  EXPECT_EQ(dev.ConfigRead(0x08, 4) >> 8, 0x010802u);  // class 01h / 08h / 02h
  EXPECT_EQ(dev.ConfigRead(0x0E, 1), 0u);              // type 0 header
  EXPECT_EQ(dev.ConfigRead(0x3D, 1), 1u);              // INTA#
  EXPECT_TRUE(dev.ConfigRead(0x06, 2) & 0x10);         // capability list present
  EXPECT_EQ(dev.ConfigRead(0x100, 4), 0u);             // no extended capabilities
}

TEST(PciConfigSpace, Bar0SizesAsA64BitMemoryBarOfAtLeast16KiB) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  EXPECT_EQ(dev.ConfigRead(0x10, 4), 0x4u);
  dev.ConfigWrite(0x10, 4, 0xFFFFFFFF);
  dev.ConfigWrite(0x14, 4, 0xFFFFFFFF);
  const uint32_t low = dev.ConfigRead(0x10, 4);
  EXPECT_EQ(low & 0xF, 0x4u);
  const uint32_t size = ~(low & ~0xFu) + 1;
  EXPECT_GE(size, 0x4000u);
  EXPECT_EQ(dev.ConfigRead(0x14, 4), 0xFFFFFFFFu);
  dev.ConfigWrite(0x10, 4, 0xFEB00000);
  dev.ConfigWrite(0x14, 4, 0x1);
  EXPECT_EQ(dev.ConfigRead(0x10, 4), 0xFEB00004u);
  EXPECT_EQ(dev.ConfigRead(0x14, 4), 0x1u);
}

TEST(PciConfigSpace, Bar0GrowsWithTheDoorbellStride) {
  FakeHost host;
  DeviceConfig config;
  config.doorbell_stride_shift = 8;  // 1 KiB per doorbell
  config.io_queue_pairs_max = 64;
  NvmeDevice dev(config, host);
  dev.ConfigWrite(0x10, 4, 0xFFFFFFFF);
  const uint32_t size = ~(dev.ConfigRead(0x10, 4) & ~0xFu) + 1;
  EXPECT_GE(size, 0x1000u + 130u * 1024u);
}

TEST(PciConfigSpace, MsixTableAndPbaLiveInBar4) {
  FakeHost host;
  DeviceConfig config;
  config.msix_vectors = 2048;
  NvmeDevice dev(config, host);
  const auto caps = Capabilities(dev);
  ASSERT_TRUE(caps.count(0x11));
  const uint16_t msix = caps.at(0x11);
  EXPECT_EQ(dev.ConfigRead(msix + 2, 2) & 0x7FF, 2047u);  // table size N-1
  EXPECT_EQ(dev.ConfigRead(msix + 4, 4), 0x4u);           // table at 0 in BAR4
  EXPECT_EQ(dev.ConfigRead(msix + 8, 4), static_cast<uint32_t>(kMsixPbaOffset) | 4u);
  dev.ConfigWrite(0x20, 4, 0xFFFFFFFF);
  const uint32_t size = ~(dev.ConfigRead(0x20, 4) & ~0xFu) + 1;
  EXPECT_GE(size, kMsixPbaOffset + 256);
  EXPECT_EQ(dev.ConfigRead(0x20, 4) & 0xF, 0x4u);
}

TEST(PciConfigSpace, CapabilityListHasPmMsiMsixAndPcie) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  const auto caps = Capabilities(dev);
  EXPECT_EQ(caps.size(), 4u);
  EXPECT_TRUE(caps.count(0x01));
  EXPECT_TRUE(caps.count(0x05));
  EXPECT_TRUE(caps.count(0x11));
  EXPECT_TRUE(caps.count(0x10));
}

TEST(PciConfigSpace, HbaWithoutMsiHasNeitherCapability) {
  FakeHost host;
  DeviceConfig config;
  config.has_msi = false;
  config.has_msix = false;
  NvmeDevice dev(config, host);
  const auto caps = Capabilities(dev);
  EXPECT_FALSE(caps.count(0x05));
  EXPECT_FALSE(caps.count(0x11));
  EXPECT_TRUE(caps.count(0x01));
  dev.ConfigWrite(0x20, 4, 0xFFFFFFFF);
  EXPECT_EQ(dev.ConfigRead(0x20, 4), 0u);  // BAR4 unimplemented
}

TEST(PciConfigSpace, MsiCapabilityIs64BitWithPerVectorMasking) {
  FakeHost host;
  DeviceConfig config;
  config.msi_messages = 8;
  NvmeDevice dev(config, host);
  const uint16_t msi = Capabilities(dev).at(0x05);
  const uint32_t control = dev.ConfigRead(msi + 2, 2);
  EXPECT_TRUE(control & 0x80);                 // 64-bit address
  EXPECT_TRUE(control & 0x100);                // per-vector masking
  EXPECT_EQ((control >> 1) & 7, 3u);           // 8 messages capable
  dev.ConfigWrite(msi + 0x10, 4, 0xFFFFFFFF);  // mask bits only for capable messages
  EXPECT_EQ(dev.ConfigRead(msi + 0x10, 4), 0xFFu);
  dev.ConfigWrite(msi + 0x14, 4, 0xFFFFFFFF);  // pending bits are read only
  EXPECT_EQ(dev.ConfigRead(msi + 0x14, 4), 0u);
  dev.ConfigWrite(msi + 2, 2, 0x31);  // enable, 8 messages
  EXPECT_EQ(dev.ConfigRead(msi + 2, 2) & 0x71, 0x31u);
}

TEST(PciConfigSpace, MsiMultipleMessageEnableBeyondCapableIsClampedAndReported) {
  FakeHost host;
  DeviceConfig config;
  config.msi_messages = 4;
  NvmeDevice dev(config, host);
  dev.ConfigWrite(0x52, 2, 0x51);  // 32 messages asked, 4 capable
  EXPECT_EQ((dev.ConfigRead(0x52, 2) >> 4) & 7, 2u);
  EXPECT_TRUE(host.HasEvent("ub_msi_mme_exceeds_mmc"));
}

TEST(PciConfigSpace, MsixControlKeepsTableSizeReadOnly) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  dev.ConfigWrite(0x72, 2, 0xFFFF);
  EXPECT_EQ(dev.ConfigRead(0x72, 2), 0xC000u | 15u);
}

TEST(PciConfigSpace, CommandRegisterKeepsOnlyImplementedBits) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  dev.ConfigWrite(0x04, 2, 0xFFFF);
  EXPECT_EQ(dev.ConfigRead(0x04, 2), 0x0546u);
}

TEST(PciConfigSpace, BadConfigAccessesAreEventsNotCrashes) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  EXPECT_EQ(dev.ConfigRead(4095, 4), 0xFFFFFFFFu);
  dev.ConfigWrite(0x10, 3, 0);
  EXPECT_EQ(host.CountEvents("ub_config_bad_access"), 2u);
}

TEST(PciConfigSpace, PowerManagementStateIsWritable) {
  FakeHost host;
  NvmeDevice dev(DeviceConfig{}, host);
  dev.ConfigWrite(0x44, 2, 0x3);
  EXPECT_EQ(dev.ConfigRead(0x44, 2) & 3, 3u);
}

}  // namespace
}  // namespace msirig::hba
