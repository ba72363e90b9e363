#pragma once
// Shared by the bench tests: a demo campaign, and the check that `mixbo bench`'s in-memory
// campaign replays run_loop with the simulated executor run for run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "mixbo/config/campaign_config.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/exec/simulated_executor.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/loop/loop.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/simjob/simulate_run.hpp"
#include "mixbo/suite/bench.hpp"
#include "scratch.hpp"

namespace mixbo::test {

namespace fs = std::filesystem;

inline CampaignConfig demo(const fs::path& workdir, const std::string& strategy, double budget,
                           double noise = 0.0) {
  return load_config("", {"--campaign.name=bt", "--campaign.workdir=" + workdir.string(),
                          "--campaign.seed=5", "--campaign.budget=" + std::to_string(budget),
                          "--space.domains=Wikipedia, StackExchange, Github, ArXiv, Book",
                          "--space.lower=0.02, 0.02, 0.02, 0.02, 0.02", "--scales.target=1B",
                          "--objective.metric=StackExchange_CE", "--executor.type=simulated",
                          "--executor.max_concurrent=2", "--executor.poll_seconds=0.001",
                          "--simulator.type=bimix", "--simulator.noise=" + std::to_string(noise),
                          "--strategy.type=" + strategy, "--strategy.n_init=4"});
}

inline bool available(const CampaignConfig& c) {
  SerialTeam team;
  try {
    make_strategy(c.strategy_setup(), team);
    return true;
  } catch (const ConfigError&) {
    return false;
  }
}

// `mixbo run` on cfg with the simulated executor, in process: a fresh campaign (loaded from its
// archive when the workdir has one, as a resumed campaign is), strategy and executor, for at
// most `max_passes` loop passes (-1: to the end).
inline LoopResult run_simulated_loop(const CampaignConfig& cfg, int max_passes = -1) {
  SerialTeam team;
  Campaign campaign(cfg);
  auto strategy = make_strategy(cfg.strategy_setup(), team);
  SimulatedExecutor executor(simulated_trial_runner());
  std::ostringstream sink;
  LoopOptions o;
  o.quiet = true;
  o.out = &sink;
  o.max_passes = max_passes;
  return run_loop(campaign, &executor, *strategy, o);
}

// The in-memory driver against the real loop, for every strategy this build has.
inline void expect_bench_replays_loop(const std::string& strategy_name, double budget) {
  TempDir tmp;
  // Noise on, so the observation path (per-trial seeds) is compared too.
  auto cfg = demo(tmp.path / "loop", strategy_name, budget, 0.01);
  // What is compared is the two drivers, not the fits: fewer fit starts (the GP's, and half as
  // many for the bimix law) keep the sanitizer run short.
  cfg.strategy.fit_starts = 8;
  if (!available(cfg)) GTEST_SKIP() << strategy_name << " is not in this build";
  ASSERT_TRUE(run_simulated_loop(cfg).finished);
  const Archive a = load_archive(tmp.path / "loop" / "campaign.h5");

  const auto sim = make_simulator(cfg.simulator, cfg.space);
  const SimulatedObjective truth(*sim, cfg.objective);
  SerialTeam team;
  auto strategy = make_strategy(cfg.strategy_setup(), team);
  const auto b = drive_campaign(cfg, *strategy, *sim, truth, 1.0, 0.005, tmp.path / "mem");
  const Archive m = load_archive(tmp.path / "mem" / "campaign.h5");

  ASSERT_EQ(a.trials.size(), m.trials.size());
  for (size_t i = 0; i < a.trials.size(); ++i) {
    EXPECT_EQ(a.trials[i].point.scale, m.trials[i].point.scale) << "trial " << i;
    EXPECT_EQ(a.trials[i].point.steps, m.trials[i].point.steps) << "trial " << i;
    EXPECT_EQ(a.trials[i].iteration, m.trials[i].iteration) << "trial " << i;
    EXPECT_LT((a.trials[i].point.w - m.trials[i].point.w).cwiseAbs().maxCoeff(), 1e-15);
  }
  ASSERT_EQ(a.observations.size(), m.observations.size());
  for (size_t i = 0; i < a.observations.size(); ++i)
    ASSERT_EQ(a.observations.value[i], m.observations.value[i]) << "observation " << i;
  // One point per round plus the final recommendation.
  ASSERT_EQ(a.iterations.size(), m.iterations.size());
  ASSERT_EQ(static_cast<size_t>(b.curve.w.rows()), a.iterations.size() + 1);
  ASSERT_EQ(b.curve.cost.size(), a.iterations.size() + 1);
  for (size_t i = 0; i < a.iterations.size(); ++i) {
    ASSERT_EQ(a.iterations[i].rec_valid, m.iterations[i].rec_valid);
    if (!a.iterations[i].rec_valid) {
      EXPECT_TRUE(std::isnan(b.curve.w(static_cast<Eigen::Index>(i), 0)));
      continue;
    }
    const Eigen::VectorXd w = b.curve.w.row(static_cast<Eigen::Index>(i)).transpose();
    EXPECT_LT((a.iterations[i].rec_w - w).cwiseAbs().maxCoeff(), 1e-12) << "round " << i;
  }
  ASSERT_TRUE(a.recommendation.rec_valid);
  const Eigen::VectorXd last = b.curve.w.bottomRows(1).transpose();
  EXPECT_LT((a.recommendation.rec_w - last).cwiseAbs().maxCoeff(), 1e-12);
  // Costs: non-decreasing, ending at everything spent.
  for (size_t i = 1; i < b.curve.cost.size(); ++i) EXPECT_GE(b.curve.cost[i], b.curve.cost[i - 1]);
  double spent = 0;
  for (const auto& t : a.trials) spent += t.cost;
  EXPECT_NEAR(b.curve.cost.back(), spent, 1e-12);
  EXPECT_NEAR(b.curve.spent, spent, 1e-12);
}

}  // namespace mixbo::test
