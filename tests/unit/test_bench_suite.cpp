// `mixbo bench`'s engine: the in-memory campaign driver must replay run_loop with the simulated
// executor exactly (same proposals, same recommendations), scoring must match the simulator,
// unavailable strategies must be reported as skipped, and the output files must read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "mixbo/bench/bench.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/exec/simulated_executor.hpp"
#include "mixbo/io/archive.hpp"
#include "mixbo/io/hdf5.hpp"
#include "mixbo/loop/loop.hpp"
#include "mixbo/par/team.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mixbo-bench-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

CampaignConfig demo(const fs::path& workdir, const std::string& strategy, double budget,
                    double noise = 0.0) {
  return load_config("", {"--campaign.name=bt", "--campaign.workdir=" + workdir.string(),
                          "--campaign.seed=5", "--campaign.budget=" + std::to_string(budget),
                          "--space.domains=Wikipedia, StackExchange, Github, ArXiv, Book",
                          "--space.lower=0.02, 0.02, 0.02, 0.02, 0.02",
                          "--scales.target=1B", "--objective.metric=StackExchange_CE",
                          "--executor.type=simulated", "--executor.max_concurrent=2",
                          "--executor.poll_seconds=0.001", "--simulator.type=bimix",
                          "--simulator.noise=" + std::to_string(noise),
                          "--strategy.type=" + strategy, "--strategy.n_init=4"});
}

bool available(const CampaignConfig& c) {
  SerialTeam team;
  try {
    make_strategy(c, team);
    return true;
  } catch (const ConfigError&) {
    return false;
  }
}

// The in-memory driver against the real loop, for every strategy this build has.
class BenchVsLoop : public ::testing::TestWithParam<std::string> {};

TEST_P(BenchVsLoop, SameProposalsAndRecommendations) {
  TempDir tmp;
  // Noise on, so the observation path (per-trial seeds) is compared too.
  const auto cfg = demo(tmp.path / "loop", GetParam(), GetParam() == "random" ? 4.0 : 0.6, 0.01);
  if (!available(cfg)) GTEST_SKIP() << GetParam() << " is not in this build";
  SerialTeam team;
  {
    Campaign campaign(cfg);
    auto strategy = make_strategy(cfg, team);
    SimulatedExecutor executor;
    std::ostringstream sink;
    LoopOptions o;
    o.quiet = true;
    o.out = &sink;
    const auto res = run_loop(campaign, &executor, *strategy, o);
    ASSERT_TRUE(res.finished);
  }
  const Archive a = load_archive(tmp.path / "loop" / "campaign.h5");

  const auto sim = make_simulator(cfg.simulator, cfg.space);
  const SimulatedObjective truth(*sim, cfg.objective);
  auto strategy = make_strategy(cfg, team);
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

INSTANTIATE_TEST_SUITE_P(Strategies, BenchVsLoop,
                         ::testing::ValuesIn(default_bench_strategies()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(BenchScore, ValuesRegretAndCostToTargetFromTheSimulator) {
  TempDir tmp;
  const auto cfg = demo(tmp.path, "random", 4.0);
  const auto sim = make_simulator(cfg.simulator, cfg.space);
  const SimulatedObjective truth(*sim, cfg.objective);
  const auto opt = dense_optimum(*sim, cfg.objective, cfg.space, 2048, 4, 1);
  BenchCurve c;
  c.cost = {0.0, 1.0, 2.0, 3.0};
  c.w = Eigen::MatrixXd::Constant(4, 5, std::numeric_limits<double>::quiet_NaN());
  c.w.row(1) = cfg.space.simplex().center().transpose();
  c.w.row(2) = opt.w.transpose();
  c.w.row(3) = opt.w.transpose();
  score_curve(c, cfg.space, truth, opt.value, 0.005);
  EXPECT_TRUE(std::isnan(c.value[0]));
  EXPECT_DOUBLE_EQ(c.value[1], truth(cfg.space.simplex().center(), 1e9, 19500));
  EXPECT_DOUBLE_EQ(c.value[2], opt.value);
  EXPECT_GT(c.value[1], opt.value * 1.005);  // the centre is not within 0.5% (else the test is void)
  EXPECT_EQ(c.cost_to_target, 2.0);
  EXPECT_NEAR(c.final_regret, 0.0, 1e-15);
}

TEST(BenchSuite, SkipsUnavailableRejectsUnknownAndWritesReadableFiles) {
  TempDir tmp;
  auto cfg = demo(tmp.path, "random", 3.0);
  SerialTeam team;
  BenchOptions o;
  o.seeds = 2;
  o.sweep_points = 1024;
  o.sweep_starts = 2;
  o.strategies = {"random", "no-such-strategy"};
  EXPECT_THROW(run_bench(cfg, o, team), ConfigError);

  // Only the cheap strategy runs here; the others are either skipped or left out.
  o.strategies = {"random"};
  for (const auto& s : default_bench_strategies()) {
    auto c = cfg;
    c.strategy.type = s;
    if (!available(c)) o.strategies.push_back(s);  // must come back as skipped
  }
  int calls = 0;
  const auto r = run_bench(cfg, o, team, [&](int done, int total, const BenchCampaign&) {
    ++calls;
    EXPECT_EQ(total, 2);
    EXPECT_EQ(done, calls);
  });
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(r.strategies, std::vector<std::string>{"random"});
  EXPECT_EQ(r.skipped.size(), o.strategies.size() - 1);
  ASSERT_EQ(r.campaigns.size(), 2u);
  EXPECT_EQ(r.campaigns[0].curve.seed, cfg.seed + 1);
  EXPECT_EQ(r.campaigns[1].curve.seed, cfg.seed + 2);
  EXPECT_FALSE(r.campaigns[0].curve.w.row(1).isApprox(r.campaigns[1].curve.w.row(1)));  // seeds differ
  const auto report = format_bench_report(r);
  EXPECT_NE(report.find("censored at the budget"), std::string::npos);
  for (const auto& s : r.skipped) EXPECT_NE(report.find(s.strategy + ": "), std::string::npos);

  write_bench_h5(tmp.path / "out" / "bench.h5", r);
  write_bench_csv(tmp.path / "out" / "summary.csv", tmp.path / "out" / "runs.csv", r);
  h5::Handle f = h5::open_file(tmp.path / "out" / "bench.h5");
  EXPECT_EQ(h5::read_strings(f.id(), "strategies"), r.strategies);
  EXPECT_DOUBLE_EQ(h5::read_attr_double(f.id(), "best_value"), r.optimum.value);
  EXPECT_DOUBLE_EQ(h5::read_attr_double(f.id(), "epsilon"), 0.005);
  h5::Handle g = h5::open_group(f.id(), "curves");
  h5::Handle s = h5::open_group(g.id(), "random");
  const auto seeds = h5::list_children(s.id());
  ASSERT_EQ(seeds.size(), 2u);
  h5::Handle run = h5::open_group(s.id(), seeds[0]);
  EXPECT_EQ(h5::read_doubles(run.id(), "cost"), r.campaigns[0].curve.cost);
  const auto regret = h5::read_doubles(run.id(), "regret");
  ASSERT_EQ(regret.size(), r.campaigns[0].curve.value.size());
  EXPECT_DOUBLE_EQ(regret.back(), r.campaigns[0].curve.final_regret);
  EXPECT_EQ(h5::read_attr_double(run.id(), "cost_to_target"), r.campaigns[0].curve.cost_to_target);

  std::ifstream in(tmp.path / "out" / "runs.csv");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 3);  // header + 2 campaigns
  std::ifstream sum(tmp.path / "out" / "summary.csv");
  std::getline(sum, line);
  EXPECT_EQ(line.rfind("strategy,seeds,reached,median_cost_to_target", 0), 0u) << line;
  std::getline(sum, line);
  EXPECT_EQ(line.rfind("random,2,", 0), 0u) << line;
}

}  // namespace
