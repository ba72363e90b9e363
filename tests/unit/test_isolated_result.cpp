// A job's result file is read in a process of its own first (loop/isolated_result.hpp): a file
// that hangs or crashes libhdf5 fails its trial instead of stopping the driver.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "mixbo/io/result_file.hpp"
#include "mixbo/loop/isolated_result.hpp"
#include "run_command.hpp"
#include "scratch.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace isolated_result_test {

ResultCurve usable() {
  ResultCurve c;
  c.trial_id = "t0004";
  c.steps = {100, 200};
  c.metrics["loss"] = {3.0, 2.5};
  return c;
}

std::string refusal(const fs::path& file, const ResultExpectations& expect, double timeout) {
  try {
    read_result_isolated(file, expect, timeout);
  } catch (const ResultError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace isolated_result_test

using namespace isolated_result_test;

TEST(IsolatedResult, ReadsWhatTheCheckerAcceptsAndSaysWhyItRefuses) {
  const auto f = test::scratch_dir("isolated") / "result.h5";
  write_result(f, usable());
  const auto c = read_result_isolated(f, {"t0004", {"loss"}, 200});
  EXPECT_EQ(c.steps, usable().steps);
  EXPECT_EQ(c.metrics.at("loss"), usable().metrics.at("loss"));
  // The checker's reason, as read_result gives it in process (no "mixbo check-result:").
  EXPECT_EQ(refusal(f, {"t0005", {"loss"}, 200}, 60),
            f.string() + ": trial_id is 't0004', expected 't0005'");
  EXPECT_NE(refusal(f, {"t0004", {"acc"}, 200}, 60).find("metric 'acc' is missing"),
            std::string::npos);
}

// tests/fuzz/hdf5-findings: Debian 12's libhdf5 never returns from H5Aread on this file. Read in
// the driver it hung the campaign; now its trial fails once the time limit is up.
TEST(IsolatedResult, AFileThatHangsLibhdf5FailsInsteadOfHangingTheDriver) {
  const fs::path hang = MIXBO_SOURCE_DIR
      "/tests/fuzz/hdf5-findings/result_file/timeout-302a5249df5b7f9dc00e3af465b7eb1c97fab065";
  ASSERT_TRUE(fs::exists(hang));
  const auto t0 = std::chrono::steady_clock::now();
  const auto why = refusal(hang, {"t0001", {"loss"}, 0}, 2);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(why.find(hang.string() + ": reading it did not finish in 2 s"), std::string::npos)
      << why;
  EXPECT_LT(seconds, 30);
}

// Without a mixbo program that knows the command (mixbo's library in another program, an older
// mixbo), the file is read here.
TEST(IsolatedResult, WithoutTheCheckerTheFileIsReadInProcess) {
  const auto f = test::scratch_dir("isolated-none") / "result.h5";
  write_result(f, usable());
  ::setenv("MIXBO_PROGRAM", "/nonexistent/mixbo", 1);
  const std::string why = refusal(f, {"t0005", {"loss"}, 200}, 60);
  const auto c = read_result_isolated(f, {"t0004", {"loss"}, 200});
  // A program that does not know the command (exit 2, as an older mixbo on PATH would).
  const auto old = test::scratch_dir("isolated-none") / "old-mixbo";
  { std::ofstream(old) << "#!/bin/sh\necho \"mixbo: unknown command '$1'\" >&2\nexit 2\n"; }
  fs::permissions(old, fs::perms::owner_all);
  ::setenv("MIXBO_PROGRAM", old.c_str(), 1);
  const std::string old_why = refusal(f, {"t0005", {"loss"}, 200}, 60);
  ::unsetenv("MIXBO_PROGRAM");
  EXPECT_EQ(why, f.string() + ": trial_id is 't0004', expected 't0005'");
  EXPECT_EQ(old_why, why);
  EXPECT_EQ(c.steps, usable().steps);
}

// The command a user runs on a training script's output before a campaign.
TEST(CheckResult, SaysWhetherAFileIsUsableAndWhyNot) {
  const auto f = test::scratch_dir("check-result") / "result.h5";
  write_result(f, usable());
  const std::string cmd = test::mixbo_binary() + " check-result " + f.string();
  auto r = test::run_command(cmd + " --trial-id t0004 --metrics loss --max-steps 200");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": usable: trial_id 't0004', status ok, 2 checkpoints (steps 100..200), "
                          "metrics checked: loss"),
            std::string::npos)
      << r.output;
  r = test::run_command(cmd + " --max-steps 150");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("mixbo check-result: " + f.string() + ": "), std::string::npos)
      << r.output;
  r = test::run_command(test::mixbo_binary() + " check-result");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // It takes a FILE and no campaign keys, and its help says so (it showed the campaign
  // commands' "[--section.key=value ...]" and "show this help and every campaign key").
  r = test::run_command(cmd + " --campaign.seed=3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("campaign.seed"), std::string::npos) << r.output;
  r = test::run_command(test::mixbo_binary() + " check-result --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("usage: mixbo check-result [options] FILE\n"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("section.key"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("campaign key"), std::string::npos) << r.output;
}
