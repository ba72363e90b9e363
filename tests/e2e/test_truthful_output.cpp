// What `mixbo run` tells the user must be so: a campaign whose jobs keep failing stops with the
// reason instead of burning its budget, and resumes once the cause is fixed; a synchronous
// campaign is reproducible on a real executor whatever order its jobs finish in; progress lines
// name the scale and steps of the value they print.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "e2e_campaign.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/loop/campaign.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

int count_state(const Archive& a, TrialState s) {
  return static_cast<int>(std::count_if(a.trials.begin(), a.trials.end(),
                                        [&](const TrialRecord& t) { return t.state == s; }));
}

}  // namespace

// Every job fails (the metric is never written): at budget 400 the campaign used to run 400
// trials x 2 attempts and count 400 units as spent.
TEST(FailureStop, StopsAfterFailuresInARowWithTheReasonThenResumes) {
  const auto c = test::make_e2e_campaign("fail-stop", "[strategy]\ntype = random\n", 400);
  const auto r = test::mixbo("MIXBO_PROXY_FAULT=missing-metric", "run " + c.config.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("jobs in a row failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("metric 'code_CE' is missing"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run `mixbo run` again"), std::string::npos) << r.output;
  {
    const Archive a = load_archive(c.archive());
    EXPECT_LE(a.trials.size(), 8u) << "stopped after 5 failed jobs, not at the budget";
    EXPECT_EQ(count_state(a, TrialState::Done), 0);
    for (const auto& t : a.trials)
      if (t.state == TrialState::Failed) {
        EXPECT_EQ(t.attempt, 2);
      }
    const double spent = spent_cost(a.trials);
    // Failed trials cost nothing; only the ones still waiting for a retry are reserved.
    EXPECT_LE(spent, 8.0);
  }
  // The cause fixed (no fault): the same command resumes and finishes within the budget.
  const auto again = test::mixbo("", "run --quiet " + c.config.string() + " --campaign.budget=3");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const Archive a = load_archive(c.archive());
  EXPECT_GE(count_state(a, TrialState::Done), 1);
  EXPECT_LE(spent_cost(a.trials), 3.0 + 1e-9);
}

// Failed trials cost nothing, so only the stop ends a campaign whose jobs all fail: it cannot
// be turned off.
TEST(FailureStop, TheStopCannotBeTurnedOff) {
  const auto c = test::make_e2e_campaign("fail-zero", "[strategy]\ntype = random\n", 3);
  const auto r =
      test::mixbo("", "validate " + c.config.string() + " --executor.stop_after_failures=0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("executor.stop_after_failures"), std::string::npos) << r.output;
}

// Jobs that sleep a random time finish in a random order; with executor.synchronous every round
// waits for all of them, so two campaigns from one file make the same runs.
TEST(Synchronous, SameSeedSameCampaignOnTheLocalExecutor) {
  std::vector<Archive> archives;
  for (int rep = 0; rep < 2; ++rep) {
    const auto c = test::make_e2e_campaign(
        "sync" + std::to_string(rep),
        "[strategy]\ntype = mfms-bo\nn_init = 4\nfit_starts = 2\nraw_samples = 128\n"
        "refine_starts = 2\n\n[job]\ntemplate = " +
            std::string(MIXBO_SOURCE_DIR) +
            "/jobs/train.sbatch.in\ncommand = sleep 0.$((RANDOM % 4)); exec " +
            test::proxy_binary() + " \"$MIXBO_PARAMS\"\n",
        0.25, 3);
    const auto r = test::mixbo("", "run --quiet " + c.config.string() +
                                       " --executor.synchronous=true --simulator.noise=0.01");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    archives.push_back(load_archive(c.archive()));
  }
  const auto& a = archives[0];
  const auto& b = archives[1];
  ASSERT_EQ(a.trials.size(), b.trials.size());
  ASSERT_GT(a.trials.size(), 4u) << "the model chose runs after the initial design";
  for (size_t i = 0; i < a.trials.size(); ++i) {
    EXPECT_EQ(a.trials[i].point.scale, b.trials[i].point.scale) << i;
    EXPECT_EQ(a.trials[i].point.steps, b.trials[i].point.steps) << i;
    EXPECT_EQ(a.trials[i].point.w, b.trials[i].point.w) << i;
  }
  EXPECT_EQ(a.recommendation.rec_w, b.recommendation.rec_w);
}

// Hyperband's early recommendations come from runs below the target: the progress line says
// there is no estimate at the target yet instead of printing the cheap run's loss as "best 1B".
TEST(ProgressLine, NamesTheScaleOfTheValue) {
  // One run at a time, so that rounds see the cheap rungs' results before any target run.
  const auto c = test::make_e2e_campaign("progress", "[strategy]\ntype = hyperband\n", 2, 1);
  const auto r = test::mixbo("", "run " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream in(r.output);
  std::string line;
  int below = 0, lines = 0;
  while (std::getline(in, line)) {
    const auto at = line.find("| best ");
    if (at == std::string::npos) continue;
    ++lines;
    const std::string best = line.substr(at + 7);
    EXPECT_TRUE(best.rfind("no estimate at 1B yet (", 0) == 0 || best.rfind("1B@1000 ", 0) == 0)
        << line;
    below += best.rfind("no estimate", 0) == 0;
    // Hyperband has no uncertainty estimate: never a zero-width "[x, x]".
    EXPECT_EQ(best.find('['), std::string::npos) << line;
  }
  EXPECT_GT(lines, 0) << r.output;
  EXPECT_GT(below, 0) << r.output;
}

// The plot scripts take a campaign folder as `mixbo status` does, and a bad argument ends in
// one line, not an h5py traceback, whichever python3 comes first on PATH (one without h5py
// re-runs the script with /usr/bin/python3).
TEST(PlotScripts, TakeAFolderAndFailInOneLine) {
  if (test::run_command("/usr/bin/python3 -c 'import h5py, matplotlib'").exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks h5py/matplotlib: plots not checked";
  const auto c = test::make_e2e_campaign("plot", "[strategy]\ntype = random\n", 2);
  ASSERT_EQ(test::mixbo("", "run --quiet " + c.config.string()).exit_code, 0);
  const std::string script = std::string(MIXBO_SOURCE_DIR) + "/scripts/plot_campaign.py";
  const auto png = c.dir / "plot.png";
  const auto ok =
      test::run_command("python3 " + script + " " + c.workdir().string() + " -o " + png.string());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(fs::exists(png));
  const auto bad = test::run_command("python3 " + script + " " + (c.dir / "nope").string());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(bad.output.find("Traceback"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("plot_campaign: error:"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("does not exist"), std::string::npos) << bad.output;
}
