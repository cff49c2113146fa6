#include "report.h"

#include <gtest/gtest.h>

namespace msirig::triage {
namespace {

TEST(ReliabilityTest, HalfOrMoreIsReliable) {
  EXPECT_TRUE(IsReliable(3, 3));
  EXPECT_TRUE(IsReliable(2, 4));
  EXPECT_FALSE(IsReliable(1, 3));
  EXPECT_FALSE(IsReliable(0, 0));
}

TEST(ReliabilityTest, MostFrequentIgnoresCleanRuns) {
  int count = 0;
  EXPECT_EQ(MostFrequent({"", "a", "b", "a"}, &count), "a");
  EXPECT_EQ(count, 2);
  EXPECT_EQ(MostFrequent({"", ""}, &count), "");
  EXPECT_EQ(count, 0);
}

std::vector<InputResult> Inputs() {
  return {{"in/1", "", "msirig: violation A", 3, 3},
          {"in/2", "", "", 0, 3},
          {"in/3", "", "msirig: violation B", 1, 3},
          {"in/4", "", "msirig: violation A", 2, 3}};
}

TEST(GroupTest, GroupsBySignatureInOrder) {
  const auto groups = GroupBySignature(Inputs());
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].signature, "msirig: violation A");
  EXPECT_EQ(groups[0].inputs.size(), 2u);
  EXPECT_TRUE(groups[0].reliable);
  EXPECT_EQ(groups[1].signature, "msirig: violation B");
  EXPECT_FALSE(groups[1].reliable);  // 1 of 3: flaky
}

TEST(GroupTest, IdsAreStableAndDistinct) {
  EXPECT_EQ(GroupId("msirig: violation StorPortMSILock"),
            GroupId("msirig: violation StorPortMSILock"));
  EXPECT_NE(GroupId("msirig: violation A"), GroupId("msirig: violation B"));
  EXPECT_EQ(GroupId("msirig: violation StorPortMSILock").rfind("violation_storportmsilock_", 0),
            0u);
}

TEST(GroupTest, ClassifiesAgainstTheStore) {
  auto groups = GroupBySignature(Inputs());
  StoredGroup open{"g_open", "t", "msirig: violation A", "address", "open", "r1"};
  StoredGroup fixed{"g_fixed", "t", "msirig: violation B", "address", "fixed", "r1"};
  StoredGroup other_target{"g_other", "u", "msirig: violation B", "address", "open", "r1"};
  Classify({open, fixed, other_target}, "t", &groups);
  EXPECT_EQ(groups[0].status, GroupStatus::kKnownOpen);
  EXPECT_EQ(groups[0].store_group, "g_open");
  EXPECT_EQ(groups[1].status, GroupStatus::kRegression);
  EXPECT_EQ(groups[1].store_group, "g_fixed");
  Classify({other_target}, "t", &groups);
  EXPECT_EQ(groups[1].status, GroupStatus::kNew);
}

TEST(ReportTest, MarkdownListsGroupsAndEscapesCells) {
  Report report;
  report.target = "t";
  report.retries = 3;
  report.groups = GroupBySignature({{"in/1", "", "ThreadSanitizer: data race in a|b", 3, 3}});
  report.groups[0].reproduce = "tools/msirig repro --target t x";
  report.clean_inputs = {"in/2"};
  const std::string md = MarkdownReport(report);
  EXPECT_NE(md.find("data race in a\\|b"), std::string::npos);
  EXPECT_NE(md.find("| new |"), std::string::npos);
  EXPECT_NE(md.find("reliable (3/3 runs)"), std::string::npos);
  EXPECT_NE(md.find("## Clean inputs"), std::string::npos);
}

TEST(ReportTest, HtmlEscapesEverything) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'\x01"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;?");
  Report report;
  report.target = "<t>";
  report.groups = GroupBySignature({{"in/<1>", "", "AddressSanitizer: x in f<int>", 1, 3}});
  const std::string html = HtmlReport(report);
  EXPECT_EQ(html.find("<t>"), std::string::npos);
  EXPECT_EQ(html.find("f<int>"), std::string::npos);
  EXPECT_NE(html.find("f&lt;int&gt;"), std::string::npos);
  EXPECT_NE(html.find("class=\"flaky\""), std::string::npos);
}

}  // namespace
}  // namespace msirig::triage
