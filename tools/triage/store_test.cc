#include "store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace msirig::triage {
namespace {

namespace fs = std::filesystem;

constexpr char kFinding[] =
    "# comment\n"
    "target: planted_msi_lock_fuzz\n"
    "signature: msirig: violation StorPortMSILock\n"
    "sanitizers: address, thread\n"
    "status: open\n"
    "first_seen: a62d4dc\n"
    "cause: a long\n"
    "  explanation: with colons\n";

TEST(StoreTest, ParsesFinding) {
  StoredGroup group;
  std::string error;
  ASSERT_TRUE(ParseFinding(kFinding, "f", &group, &error)) << error;
  EXPECT_EQ(group.target, "planted_msi_lock_fuzz");
  EXPECT_EQ(group.signature, "msirig: violation StorPortMSILock");
  EXPECT_EQ(group.sanitizers, "address, thread");
  EXPECT_EQ(group.status, "open");
  EXPECT_EQ(group.first_seen, "a62d4dc");
}

TEST(StoreTest, ErrorsNameFileLineAndKey) {
  StoredGroup group;
  std::string error;
  EXPECT_FALSE(ParseFinding("target: x\nnot a pair\n", "crashes/g/finding", &group, &error));
  EXPECT_EQ(error, "crashes/g/finding:2: expected `key: value`, got 'not a pair'");
  std::string text = kFinding;
  text.replace(text.find("status: open"), 12, "status: expected");
  EXPECT_FALSE(ParseFinding(text, "f", &group, &error));
  EXPECT_NE(error.find("status 'expected': expected open or fixed"), std::string::npos);
  text = kFinding;
  text.erase(text.find("first_seen"), 19);
  EXPECT_FALSE(ParseFinding(text, "f", &group, &error));
  EXPECT_NE(error.find("no `first_seen:` line"), std::string::npos);
}

class StoreDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("msirig_store_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

StoredGroup Group(const std::string& name) {
  StoredGroup g;
  g.name = name;
  g.target = "schedule_fuzz";
  g.signature = "msirig: violation X";
  g.sanitizers = "address";
  g.status = "open";
  g.first_seen = "abc1234";
  return g;
}

TEST_F(StoreDirTest, AddThenLoadRoundTrips) {
  std::string error;
  ASSERT_TRUE(AddGroup(dir_, Group("one"), "triage", "", {{"input.txt", "write cpu=0\n"}}, &error))
      << error;
  std::vector<StoredGroup> groups;
  ASSERT_TRUE(LoadStore(dir_, &groups, &error)) << error;
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, "one");
  EXPECT_EQ(groups[0].signature, "msirig: violation X");
  std::string text;
  ASSERT_TRUE(ReadFile(dir_ / "one" / "input.txt", &text));
  EXPECT_EQ(text, "write cpu=0\n");
  // No temporary left behind.
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) entries += entry.is_directory() ? 1 : 0;
  EXPECT_EQ(entries, 1u);
}

TEST_F(StoreDirTest, RefusesToOverwriteAndBadNames) {
  std::string error;
  ASSERT_TRUE(AddGroup(dir_, Group("one"), "", "", {{"a", "1"}}, &error));
  EXPECT_FALSE(AddGroup(dir_, Group("one"), "", "", {{"a", "2"}}, &error));
  EXPECT_NE(error.find("exists already"), std::string::npos);
  std::string text;
  ASSERT_TRUE(ReadFile(dir_ / "one" / "a", &text));
  EXPECT_EQ(text, "1");
  fs::create_directory(dir_ / "empty");  // rename(2) would replace an empty directory
  EXPECT_FALSE(AddGroup(dir_, Group("empty"), "", "", {{"a", "2"}}, &error));
  EXPECT_FALSE(AddGroup(dir_, Group("Bad-Name"), "", "", {{"a", "2"}}, &error));
  EXPECT_FALSE(AddGroup(dir_, Group("two"), "", "", {{"../escape", "2"}}, &error));
  EXPECT_FALSE(fs::exists(dir_ / "two"));
}

TEST_F(StoreDirTest, LoadSkipsTemporariesAndNamesBrokenGroups) {
  fs::create_directory(dir_ / ".tmp-half-123");
  std::vector<StoredGroup> groups;
  std::string error;
  EXPECT_TRUE(LoadStore(dir_, &groups, &error)) << error;
  EXPECT_TRUE(groups.empty());
  fs::create_directory(dir_ / "broken");
  EXPECT_FALSE(LoadStore(dir_, &groups, &error));
  EXPECT_NE(error.find("broken/finding: cannot read"), std::string::npos);
}

TEST_F(StoreDirTest, AtomicFileWrite) {
  std::string error;
  const std::string path = dir_ / "report.md";
  ASSERT_TRUE(WriteFileAtomically(path, "one", &error));
  ASSERT_TRUE(WriteFileAtomically(path, "two", &error));
  std::string text;
  ASSERT_TRUE(ReadFile(path, &text));
  EXPECT_EQ(text, "two");
}

}  // namespace
}  // namespace msirig::triage
