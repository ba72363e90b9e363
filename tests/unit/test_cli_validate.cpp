#include <gtest/gtest.h>

#include "run_command.hpp"

using mixbo::test::mixbo_binary;
using mixbo::test::run_command;

TEST(CliValidate, DemoCampaignIsValid) {
  const auto r = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR "/examples/demo.ini");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("valid"), std::string::npos);
  EXPECT_NE(r.output.find("StackExchange"), std::string::npos);
  EXPECT_NE(r.output.find("full target-scale runs"), std::string::npos);
}

TEST(CliValidate, BadInputExitsTwoWithTheKey) {
  const auto r = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                              "/examples/demo.ini --space.lower=0.6,0.5,0,0,0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("lower bounds sum to"), std::string::npos) << r.output;
  EXPECT_EQ(run_command(mixbo_binary() + " validate").exit_code, 2);
  EXPECT_EQ(run_command(mixbo_binary() + " frobnicate").exit_code, 2);
  // A second plain argument (e.g. a folder meant as --campaign.workdir) is refused, not ignored.
  const auto extra = run_command(mixbo_binary() + " validate " MIXBO_SOURCE_DIR
                                                  "/examples/demo.ini runs/elsewhere");
  EXPECT_EQ(extra.exit_code, 2) << extra.output;
  EXPECT_NE(extra.output.find("unexpected argument 'runs/elsewhere'"), std::string::npos)
      << extra.output;
}

TEST(CliValidate, HelpTeachesTheKeys) {
  const auto r = run_command(mixbo_binary() + " validate --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("[strategy]"), std::string::npos);
  EXPECT_NE(r.output.find("--section.key=value"), std::string::npos);
}
