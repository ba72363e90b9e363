// The campaigns `mixbo bench` runs without a file are the example files' campaigns: a change to
// either that the other does not make fails here.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/suite/suite_campaigns.hpp"

namespace suite_campaigns_test {

// describe()'s lines without those that start with one of `skip` (the name, the file, ...).
std::string described(const mixbo::CampaignConfig& c, const std::vector<std::string>& skip) {
  std::istringstream in(mixbo::describe(c));
  std::string out, line;
  while (std::getline(in, line)) {
    bool keep = true;
    for (const auto& s : skip) keep = keep && line.rfind(s, 0) != 0;
    if (keep) out += line + "\n";
  }
  return out;
}

}  // namespace suite_campaigns_test

TEST(SuiteCampaigns, TheLongLadderIsTheExampleFile) {
  using suite_campaigns_test::described;
  const auto file = mixbo::load_config(MIXBO_SOURCE_DIR "/examples/long-ladder.ini", {});
  const auto flags = mixbo::load_config("", mixbo::long_ladder_campaign_flags());
  EXPECT_EQ(flags.name, file.name);
  EXPECT_EQ(flags.budget, file.budget);
  EXPECT_EQ(described(flags, {"file ", "workdir "}), described(file, {"file ", "workdir "}));
}

TEST(SuiteCampaigns, TheDemoIsTheExampleFileWithTheSuitesBudget) {
  using suite_campaigns_test::described;
  const auto file = mixbo::load_config(MIXBO_SOURCE_DIR "/examples/demo.ini", {});
  const auto flags = mixbo::load_config("", mixbo::demo_campaign_flags());
  EXPECT_EQ(flags.budget, 6);
  const std::vector<std::string> skip = {"file ", "workdir ", "budget ", "executor "};
  EXPECT_EQ(described(flags, skip), described(file, skip));
}

// A flag the user gives replaces the base's flag of the same key, once.
TEST(SuiteCampaigns, AnOverrideReplacesTheBasesKey) {
  const auto f = mixbo::flags_with({"--a.b=1", "--a.c=2"}, {"--a.b=3", "--d.e=4"});
  EXPECT_EQ(f, (std::vector<std::string>{"--a.c=2", "--a.b=3", "--d.e=4"}));
}
