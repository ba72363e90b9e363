// Faulty jobs through the whole loop: `mixbo run` of a local-executor campaign of mixbo-proxy
// jobs where trial t0002 misbehaves (mixbo-proxy's injected faults, chosen through the
// environment the job inherits). Each time the trial ends failed with the reason in the archive
// after executor.max_attempts submissions, the other trials are done, and the loop finishes and
// prints its recommendation.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "e2e_campaign.hpp"
#include "mixbo/io/archive.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

// The parameter type and the fixture live outside the anonymous namespace: see HardBudget in
// test_round.cpp.
struct Fault {
  std::string mode;
  std::string reason;  // expected in the failed trial's reason
  std::string time;    // slurm.time (the local executor enforces it)
};
// The mode where ctest lists the test (it showed the struct's bytes).
void PrintTo(const Fault& f, std::ostream* os) { *os << f.mode; }

namespace {

std::string sections(const std::string& time) {
  return "[strategy]\ntype = random\n\n[slurm]\ntime = " + time + "\n";
}

int failed_events(const Archive& a, std::int64_t trial) {
  return static_cast<int>(std::count_if(a.events.begin(), a.events.end(), [&](const TrialEvent& e) {
    return e.trial == trial && e.state == TrialState::Failed;
  }));
}

}  // namespace

class Faults : public ::testing::TestWithParam<Fault> {};

TEST_P(Faults, TrialFailsWithTheReasonAndTheLoopGoesOn) {
  const Fault& f = GetParam();
  const auto c = test::make_e2e_campaign("fault-" + f.mode, sections(f.time));
  const auto r = test::mixbo("MIXBO_PROXY_FAULT=" + f.mode + " MIXBO_PROXY_FAULT_TRIALS=t0002",
                             "run " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The failed trial costs nothing (README "Budget"): a fourth run takes its place.
  EXPECT_NE(r.output.find("campaign finished: 4 trials (3 done, 1 failed)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("recommended mixture for 1B"), std::string::npos) << r.output;

  const Archive a = load_archive(c.archive());
  ASSERT_EQ(a.trials.size(), 4u);
  const auto& bad = a.trials[1];
  EXPECT_EQ(bad.id, "t0002");
  EXPECT_EQ(bad.state, TrialState::Failed);
  EXPECT_EQ(bad.attempt, 2) << "retried up to executor.max_attempts";
  EXPECT_NE(bad.reason.find(f.reason), std::string::npos) << bad.reason;
  EXPECT_EQ(failed_events(a, 1), 2);
  EXPECT_EQ(a.job_ids(1).size(), 2u);  // two submissions, two job ids
  for (size_t i : {0u, 2u, 3u}) {
    EXPECT_EQ(a.trials[i].state, TrialState::Done) << a.trials[i].id << ": " << a.trials[i].reason;
    EXPECT_EQ(a.trials[i].attempt, 1);
  }
  // Only the good trials' curves are observations: 10 checkpoints each.
  EXPECT_EQ(a.observations.size(), 30u);
  for (auto t : a.observations.trial) EXPECT_NE(t, 1);
  // The first attempt's leftovers are kept beside the second's.
  EXPECT_TRUE(fs::exists(c.workdir() / "trials" / "t0002" / "stderr.attempt1"));
  // A job that exits with an error says why in its stderr: the reason carries its last line
  // (until session 57 it was "exit code 1" alone).
  if (f.mode == "fail") {
    EXPECT_EQ(bad.reason, "exit code 1; stderr: mixbo-proxy: injected failure");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Proxy, Faults,
    ::testing::Values(Fault{"fail", "exit code 1", "10"}, Fault{"hang", "TIMEOUT", "0:01"},
                      Fault{"truncate", "unreadable result file", "10"},
                      Fault{"nan", "is not finite", "10"},
                      Fault{"wrong-id", "trial_id is 't0002-wrong', expected 't0002'", "10"},
                      Fault{"missing-metric", "metric 'code_CE' is missing", "10"}),
    [](const auto& info) {
      std::string n = info.param.mode;
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

// A fault on the first attempt only: the retry succeeds and the trial is done at attempt 2.
TEST(FaultsRetry, SecondAttemptSucceeds) {
  const auto c = test::make_e2e_campaign("fault-retry", sections("10"));
  const auto r = test::mixbo(
      "MIXBO_PROXY_FAULT=nan MIXBO_PROXY_FAULT_TRIALS=t0001,t0003 MIXBO_PROXY_FAULT_ATTEMPTS=1",
      "run --quiet " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("round "), std::string::npos) << "--quiet prints no progress";
  EXPECT_NE(r.output.find("recommended mixture"), std::string::npos) << r.output;
  const Archive a = load_archive(c.archive());
  ASSERT_EQ(a.trials.size(), 3u);
  for (const auto& t : a.trials) EXPECT_EQ(t.state, TrialState::Done) << t.id << t.reason;
  EXPECT_EQ(a.trials[0].attempt, 2);
  EXPECT_EQ(a.trials[1].attempt, 1);
  EXPECT_EQ(a.trials[2].attempt, 2);
  EXPECT_EQ(failed_events(a, 0), 1);
  EXPECT_EQ(a.observations.size(), 30u);  // each curve once, none from a failed attempt
}

// A job that fails after a valid partial curve: the curve counts, the trial is done, noted.
TEST(FaultsPartial, PartialCurveOfAFailedJobCounts) {
  const auto c = test::make_e2e_campaign("fault-partial", sections("10"));
  const auto r = test::mixbo("MIXBO_PROXY_FAULT=partial MIXBO_PROXY_FAULT_TRIALS=t0002",
                             "run " + c.config.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Archive a = load_archive(c.archive());
  ASSERT_EQ(a.trials.size(), 3u);
  EXPECT_EQ(a.trials[1].state, TrialState::Done);
  EXPECT_EQ(a.trials[1].attempt, 1);
  EXPECT_EQ(a.trials[1].reason, "partial: exit code 1");
  EXPECT_EQ(std::count(a.observations.trial.begin(), a.observations.trial.end(), 1), 5);
  EXPECT_EQ(a.observations.size(), 25u);
}
