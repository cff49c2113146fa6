// Every event the model emits is listed in device_events.def: the table is the contract the
// rig's traces and documentation rely on.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../testing/fake_host.h"

namespace msirig::hba {
namespace {

const std::set<std::string>& ListedEvents() {
  static const std::set<std::string> names = {
#define MSIRIG_HBA_EVENT(name, arg0, arg1, meaning) #name,
#include "msirig/hba/device_events.def"
#undef MSIRIG_HBA_EVENT
  };
  return names;
}

TEST(DeviceEvents, NamesAreUniqueAndWellFormed) {
  size_t count = 0;
#define MSIRIG_HBA_EVENT(name, arg0, arg1, meaning) ++count;
#include "msirig/hba/device_events.def"
#undef MSIRIG_HBA_EVENT
  EXPECT_EQ(count, ListedEvents().size());
  for (const std::string& name : ListedEvents()) {
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
}

}  // namespace

namespace testing {
// Called by FakeHost for every event (see fake_host.h): unlisted names fail the running test.
void CheckListedEvent(std::string_view name) {
  EXPECT_TRUE(ListedEvents().count(std::string(name))) << "unlisted device event " << name;
}
}  // namespace testing

}  // namespace msirig::hba
