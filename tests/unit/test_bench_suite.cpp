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

#include "bench_test_support.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/io/hdf5.hpp"
#include "mixbo/par/team.hpp"
#include "mixbo/suite/bench.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

using test::available;
using test::demo;
using test::TempDir;

// The other strategies are slower to replay through run_loop (it writes every trial's files and
// the archive): tests/e2e/test_bench_equivalence.cpp.
TEST(BenchVsLoop, RandomSameProposalsAndRecommendations) {
  test::expect_bench_replays_loop("random", 4.0);
}

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
  EXPECT_GT(c.value[1],
            opt.value * 1.005);  // the centre is not within 0.5% (else the test is void)
  EXPECT_EQ(c.cost_to_target, 2.0);
  EXPECT_NEAR(c.final_regret, 0.0, 1e-15);
}

// One check of the bench's options, for `mixbo bench` and for run_bench's other callers: each
// refusal names the flag and the value (run_bench's own checks named no value and left out
// --bootstrap and --sweep, which only the command line checked).
TEST(BenchSuite, RefusesOptionsNoBenchCanRunNamingTheFlag) {
  const auto refusal = [](const BenchOptions& o) {
    try {
      check_bench_options(o);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(BenchOptions{}), "accepted");
  BenchOptions o;
  o.seeds = 0;
  EXPECT_EQ(refusal(o), "--seeds must be at least 1, got 0");
  o = {};
  o.epsilon = std::nan("");
  EXPECT_EQ(refusal(o), "--epsilon must be a positive number, got nan");
  o = {};
  o.bootstrap = -1;
  EXPECT_EQ(refusal(o), "--bootstrap must be 0 or more, got -1");
  o = {};
  o.sweep_points = 0;
  EXPECT_EQ(refusal(o), "--sweep must be positive, got 0");
  o = {};
  o.strategies.clear();
  EXPECT_EQ(refusal(o), "--strategies: no strategy named");

  TempDir tmp;
  auto cfg = demo(tmp.path, "random", 3.0);
  SerialTeam team;
  o = {};
  o.bootstrap = -1;
  EXPECT_THROW(run_bench(cfg, o, team), ConfigError);
  o = {};
  cfg.budget = std::numeric_limits<double>::infinity();
  EXPECT_THROW(run_bench(cfg, o, team), ConfigError);
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
  EXPECT_FALSE(
      r.campaigns[0].curve.w.row(1).isApprox(r.campaigns[1].curve.w.row(1)));  // seeds differ
  const auto precision = bench_precision(r);  // 2 seeds: none, and the report says so
  EXPECT_TRUE(precision.empty());
  const auto report = format_bench_report(r, precision);
  EXPECT_NE(report.find("censored at the budget"), std::string::npos);
  EXPECT_NE(report.find("no precision table: it needs 5 seeds or more"), std::string::npos);
  for (const auto& s : r.skipped) EXPECT_NE(report.find(s.strategy + ": "), std::string::npos);

  write_bench_h5(tmp.path / "out" / "bench.h5", r, precision);
  write_bench_csv(tmp.path / "out" / "summary.csv", tmp.path / "out" / "runs.csv", r, precision);
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
  EXPECT_EQ(h5::read_attr_double(run.id(), "cost_to_stay"), r.campaigns[0].curve.cost_to_stay);

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

// MPI ranks split a bench's campaigns: each campaign goes to exactly one rank, each rank gets
// every strategy on some seeds, and a family's members (deal_offset = member) put the same
// strategy of one seed on the ranks in turn. Without the offset a family of one seed a member gave
// every member's mfms-bo campaign to one rank, and the suite on 2 ranks took as long as on one.
TEST(BenchRanks, EveryCampaignOnceAndAFamilysCostliestCampaignsOnEveryRank) {
  for (int ranks = 1; ranks <= 4; ++ranks)
    for (int offset = 0; offset < 3; ++offset) {
      std::vector<int> owner(5 * 6, -1);  // seeds 1..5 x 6 strategies
      for (int rank = 0; rank < ranks; ++rank)
        for (const auto& [seed, s] : rank_share(5, 6, offset, rank, ranks)) {
          auto& o = owner[static_cast<size_t>(seed - 1) * 6 + s];
          EXPECT_EQ(o, -1) << "seed " << seed << " strategy " << s << " on two ranks";
          o = rank;
        }
      EXPECT_EQ(std::count(owner.begin(), owner.end(), -1), 0) << ranks << " ranks";
    }
  // 20 members of one seed, 2 ranks: the first strategy's campaigns split 10 / 10.
  std::vector<int> first(2, 0);
  for (int member = 0; member < 20; ++member)
    for (int rank = 0; rank < 2; ++rank)
      for (const auto& [seed, s] : rank_share(1, 6, member, rank, 2)) first[rank] += s == 0;
  EXPECT_EQ(first, (std::vector<int>{10, 10}));
}

}  // namespace
