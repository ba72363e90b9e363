// The test suites clean up after themselves (tests/support/scratch.hpp): a test process that
// passed leaves nothing in the temporary folder, and MIXBO_KEEP_SCRATCH=1 keeps its scratch
// folders for a look. Before, each of the ~400 test processes of a run left its folders behind
// (3,500 in /tmp after a day of runs).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;

namespace scratch_cleanup_test {

// Runs one unit test that writes scratch files, with TMPDIR = `tmp`; returns its exit code.
int run_unit_test(const std::filesystem::path& tmp, const std::string& env = "") {
  const auto r =
      test::run_command("TMPDIR=" + tmp.string() + " " + env + " " + std::string(MIXBO_BINARY_DIR) +
                        "/tests/mixbo_unit_tests --gtest_filter=ResultFile.RoundTrip");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.exit_code;
}

bool empty(const std::filesystem::path& d) {
  return std::filesystem::directory_iterator(d) == std::filesystem::directory_iterator();
}

}  // namespace scratch_cleanup_test

using namespace scratch_cleanup_test;

TEST(ScratchCleanup, APassingTestLeavesNothingBehind) {
  test::TempDir tmp("mixbo-scratch-check");
  ASSERT_EQ(run_unit_test(tmp.path), 0);
  EXPECT_TRUE(empty(tmp.path)) << "left in " << tmp.path;
}

TEST(ScratchCleanup, KeepScratchKeepsTheFolders) {
  test::TempDir tmp("mixbo-scratch-check");
  ASSERT_EQ(run_unit_test(tmp.path, "MIXBO_KEEP_SCRATCH=1"), 0);
  ASSERT_FALSE(empty(tmp.path));
  for (const auto& e : std::filesystem::directory_iterator(tmp.path))
    EXPECT_EQ(e.path().filename().string().rfind("mixbo-result-test-", 0), 0u) << e.path();
}
