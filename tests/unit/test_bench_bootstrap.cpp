// The bench's precision table: percentile-bootstrap intervals over whole seeds, paired across
// strategies.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mixbo/core/error.hpp"
#include "mixbo/suite/bench.hpp"
#include "mixbo/suite/bootstrap.hpp"

using namespace mixbo;

namespace bench_bootstrap_test {

const double kInf = std::numeric_limits<double>::infinity();

// A campaign that comes within eps at `reach` and has regret `r` from there on.
BenchCurve campaign(const std::string& strategy, std::uint64_t seed, double reach, double r) {
  BenchCurve c;
  c.strategy = strategy;
  c.seed = seed;
  c.cost = {0.05, reach, 10};
  c.regret = {0.1, r, r};
  c.value = c.regret;
  c.lo = {std::nan(""), r - 1, r - 1};
  c.hi = {std::nan(""), seed % 2 ? r + 1 : r - 0.5, r + 1};  // an even seed's first one misses
  c.cost_to_target = reach;
  c.holds = seed % 3 != 0;
  return c;
}

TEST(BenchBootstrap, QuantileMatchesNumpy) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(quantile(x, 0.05), 1.2);  // numpy.percentile([1,2,3,4,5], 5)
  EXPECT_DOUBLE_EQ(quantile(x, 0.95), 4.8);
  EXPECT_DOUBLE_EQ(quantile(x, 0.5), 3);
  EXPECT_EQ(quantile({1, 2, kInf}, 0.95), kInf);
  EXPECT_TRUE(std::isnan(quantile({}, 0.5)));
}

// Ten identical seeds: every resample is the same campaigns, so every interval is the point.
TEST(BenchBootstrap, IdenticalSeedsGiveThePointEstimate) {
  std::vector<BenchCurve> curves;
  for (std::uint64_t s = 1; s <= 10; ++s) {
    curves.push_back(campaign("mfms-bo", s, 0.5, 0.001));
    curves.back().hi = {std::nan(""), 1.0, 1.0};
    curves.back().holds = true;
  }
  const auto p = bootstrap_summary(curves, "mfms-bo", 200, 0.9, 7);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(p[0].cost.lo, 0.5);
  EXPECT_DOUBLE_EQ(p[0].cost.hi, 0.5);
  EXPECT_DOUBLE_EQ(p[0].coverage.lo, 1.0);
  EXPECT_DOUBLE_EQ(p[0].holds_share.hi, 1.0);
  ASSERT_EQ(p[0].regret_at.size(), report_costs().size());
  EXPECT_DOUBLE_EQ(p[0].regret_at[0].hi, 0.1);  // @0.1: the first recommendation's
  EXPECT_DOUBLE_EQ(p[0].regret_at[2].lo, 0.001);
  EXPECT_TRUE(std::isnan(p[0].speedup.lo));  // the reference against itself
}

// The seeds are shared, so one draw of seeds serves every strategy: a baseline that is the same
// campaigns as the reference has a speedup of exactly 1 in every resample, however much the
// seeds differ. Resampling each strategy's seeds on its own would not give that.
TEST(BenchBootstrap, ResamplesArePairedAcrossStrategiesAndReproducible) {
  std::vector<BenchCurve> curves;
  for (std::uint64_t s = 1; s <= 10; ++s)
    curves.push_back(campaign("mfms-bo", s, 0.1 * s, 0.001 * s));
  for (std::uint64_t s = 1; s <= 10; ++s) {
    curves.push_back(campaign("mfms-bo", s, 0.1 * s, 0.001 * s));
    curves.back().strategy = "copy";
  }
  const auto p = bootstrap_summary(curves, "mfms-bo", 300, 0.9, 11);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].strategy, "copy");
  EXPECT_DOUBLE_EQ(p[1].speedup.lo, 1.0);
  EXPECT_DOUBLE_EQ(p[1].speedup.hi, 1.0);
  // The seeds differ, so the median cost's interval is a real range around the point (0.55).
  EXPECT_LT(p[0].cost.lo, 0.55);
  EXPECT_GT(p[0].cost.hi, 0.55);
  EXPECT_DOUBLE_EQ(p[1].cost.lo, p[0].cost.lo);
  EXPECT_DOUBLE_EQ(p[1].cost.hi, p[0].cost.hi);
  // Coverage: odd seeds' two intervals hold, even seeds' one of two (15 of 20 pooled).
  EXPECT_LT(p[0].coverage.lo, 0.75);
  EXPECT_GT(p[0].coverage.hi, 0.75);
  const auto again = bootstrap_summary(curves, "mfms-bo", 300, 0.9, 11);
  EXPECT_EQ(again[0].cost.lo, p[0].cost.lo);
  EXPECT_EQ(again[0].coverage.hi, p[0].coverage.hi);
  const auto table = format_precision(p, "mfms-bo", 10, 300, 0.9);
  EXPECT_NE(table.find("90% bootstrap intervals over the 10 seeds"), std::string::npos) << table;
  EXPECT_NE(table.find("1.00x-1.00x"), std::string::npos) << table;
  EXPECT_THROW(bootstrap_summary(curves, "mfms-bo", 0, 0.9, 1), Error);
}

// The law family's intervals resample members: a constant figure has no spread; a spread one
// gets an interval around its median that the same seed reproduces, and "never" ends print so.
TEST(BenchBootstrap, MedianOverMembers) {
  const auto flat = bootstrap_median({0.2, 0.2, 0.2}, 100, 0.9, 3);
  EXPECT_DOUBLE_EQ(flat.lo, 0.2);
  EXPECT_DOUBLE_EQ(flat.hi, 0.2);
  const std::vector<double> x = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, kInf, kInf};
  const auto iv = bootstrap_median(x, 500, 0.9, 5);
  EXPECT_LT(iv.lo, 0.6);
  EXPECT_GE(iv.hi, 0.6);
  EXPECT_EQ(bootstrap_median(x, 500, 0.9, 5).lo, iv.lo);
  EXPECT_TRUE(std::isnan(bootstrap_median({}, 10, 0.9, 1).lo));
  EXPECT_EQ(format_interval({0.1, kInf}, 1, 3, ""), "0.100-never");
  EXPECT_EQ(format_interval({kInf, kInf}, 100, 2, "%", "none"), "none");
  EXPECT_EQ(format_interval({0.001, 0.002}, 100, 2, "%"), "0.10%-0.20%");
  EXPECT_EQ(format_interval({std::nan(""), 1}, 1, 3, ""), "-");
}

// A bench of fewer than kMinBootstrapSamples seeds states no intervals (with one seed every
// resample is that seed: a zero-width interval that would read as a precise figure).
TEST(BenchBootstrap, TooFewSeedsGetNoIntervals) {
  BenchResult r;
  r.options.bootstrap = 100;
  for (int seeds : {1, kMinBootstrapSamples - 1, kMinBootstrapSamples}) {
    r.options.seeds = seeds;
    r.campaigns.clear();
    for (int s = 1; s <= seeds; ++s)
      r.campaigns.push_back(
          {campaign("mfms-bo", static_cast<std::uint64_t>(s), 0.1 * s, 0.001), {}});
    EXPECT_EQ(bench_precision(r).empty(), seeds < kMinBootstrapSamples) << seeds << " seeds";
  }
  r.options.bootstrap = 0;
  EXPECT_TRUE(bench_precision(r).empty());
}

}  // namespace bench_bootstrap_test
