#include <gtest/gtest.h>
#include <stdlib.h>

#include "mixbo/exec/job_environment.hpp"
#include "mixbo/exec/subprocess.hpp"

using namespace mixbo;

TEST(JobEnvironment, LauncherWiringIsDroppedUserSettingsKept) {
  EXPECT_TRUE(is_launcher_variable("OMPI_COMM_WORLD_RANK"));
  EXPECT_TRUE(is_launcher_variable("PMIX_RANK"));
  EXPECT_TRUE(is_launcher_variable("OMPI_MCA_ess_base_jobid"));
  EXPECT_FALSE(is_launcher_variable("OMPI_ALLOW_RUN_AS_ROOT"));
  EXPECT_FALSE(is_launcher_variable("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"));
  EXPECT_FALSE(is_launcher_variable("OMPI_MCA_btl_vader_single_copy_mechanism"));
  EXPECT_FALSE(is_launcher_variable("PATH"));
  EXPECT_FALSE(is_launcher_variable("CUDA_VISIBLE_DEVICES"));
}

TEST(JobEnvironment, ChildProcessesDoNotInheritTheDriversRank) {
  ::setenv("OMPI_COMM_WORLD_RANK", "0", 1);
  ::setenv("PMIX_NAMESPACE", "prterun-x", 1);
  ::setenv("MIXBO_TEST_KEEP", "a b=c", 1);
  const auto r = run_process({"env"}, 10);
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("PMIX_NAMESPACE");
  ::unsetenv("MIXBO_TEST_KEEP");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out.find("OMPI_COMM_WORLD_RANK="), std::string::npos);
  EXPECT_EQ(r.out.find("PMIX_NAMESPACE="), std::string::npos);
  EXPECT_NE(r.out.find("MIXBO_TEST_KEEP=a b=c\n"), std::string::npos);
  EXPECT_NE(r.out.find("PATH="), std::string::npos);
}
