// Scoring of benchmark campaigns: cost-to-target, quartiles with "never", summary ratios.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mixbo/suite/goal_figures.hpp"
#include "mixbo/suite/metrics.hpp"

using namespace mixbo;

namespace {
const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(BenchMetrics, CostToTargetIsTheFirstCrossing) {
  const std::vector<double> cost = {0.1, 0.5, 1.0, 2.0};
  const std::vector<double> value = {kNaN, 1.10, 1.004, 1.0};
  EXPECT_EQ(cost_to_target(cost, value, 1.0, 0.005), 1.0);
  EXPECT_EQ(cost_to_target(cost, value, 1.0, 0.2), 0.5);
  EXPECT_EQ(cost_to_target(cost, value, 0.99, 0.005), kInf);
  // Relative to |best| also for negative (maximised) objectives.
  EXPECT_EQ(cost_to_target({1, 2}, {-0.9, -0.996}, -1.0, 0.005), 2);
  EXPECT_NEAR(relative_regret(1.01, 1.0), 0.01, 1e-15);
}

TEST(BenchMetrics, CostToStayIsWhereTheRecommendationStopsLeavingTheTarget) {
  const std::vector<double> cost = {0.1, 0.5, 1.0, 2.0, 3.0};
  // Within eps (1.005) at 0.5, out at 1.0, back in from 2.0 on.
  const std::vector<double> value = {kNaN, 1.004, 1.02, 1.003, 1.0};
  EXPECT_EQ(cost_to_target(cost, value, 1.0, 0.005), 0.5);
  EXPECT_EQ(cost_to_stay(cost, value, 1.0, 0.005), 2.0);
  EXPECT_EQ(cost_to_stay(cost, {kNaN, 1.0, 1.0, 1.0, 1.02}, 1.0, 0.005),
            kInf);  // drifts at the end
  EXPECT_EQ(cost_to_stay(cost, {1.0, 1.0, 1.0, 1.0, 1.0}, 1.0, 0.005), 0.1);
  EXPECT_EQ(cost_to_stay({}, {}, 1.0, 0.005), kInf);
}

// Issue 13's "no drift": once within eps, the worst regret from there on; the regrets before the
// first crossing do not count, and a curve that never crosses has none.
TEST(BenchMetrics, WorstAfterTargetStartsAtTheFirstCrossing) {
  const std::vector<double> value = {kNaN, 1.30, 1.004, 1.02, 1.003, kNaN, 1.0};
  EXPECT_NEAR(worst_after_target(value, 1.0, 0.005), 0.02, 1e-12);
  EXPECT_NEAR(worst_after_target({1.004, 1.003}, 1.0, 0.005), 0.004, 1e-12);
  EXPECT_TRUE(std::isnan(worst_after_target({1.3, 1.02}, 1.0, 0.005)));
  EXPECT_TRUE(std::isnan(worst_after_target({}, 1.0, 0.005)));
  // Maximised objectives (negated values) too: -0.996 is within 0.5% of -1.
  EXPECT_NEAR(worst_after_target({-0.9, -0.996, -0.98}, -1.0, 0.005), 0.02, 1e-12);
}

TEST(BenchMetrics, QuartilesMatchNumpyAndCarryNever) {
  auto q = quartiles({4, 1, 3, 2});  // numpy.percentile([1,2,3,4], [25,50,75]) = 1.75, 2.5, 3.25
  EXPECT_DOUBLE_EQ(q.q1, 1.75);
  EXPECT_DOUBLE_EQ(q.median, 2.5);
  EXPECT_DOUBLE_EQ(q.q3, 3.25);
  q = quartiles({1, 2, kInf, kInf, 3});
  EXPECT_EQ(q.finite, 3);
  EXPECT_DOUBLE_EQ(q.median, 3);
  EXPECT_EQ(q.q3, kInf);
  q = quartiles({1, kInf});
  EXPECT_EQ(q.median, kInf);
  EXPECT_TRUE(std::isnan(quartiles({}).median));
}

TEST(BenchMetrics, SummaryRatiosAgainstTheReference) {
  std::vector<BenchCurve> curves;
  auto add = [&](const std::string& s, double c, double spent) {
    BenchCurve b;
    b.strategy = s;
    b.cost_to_target = c;
    b.spent = spent;
    b.holds = s == "mfms-bo" && c < 3.0;  // two of mfms-bo's three seeds hold
    curves.push_back(b);
  };
  for (double c : {1.0, 2.0, 3.0}) add("mfms-bo", c, 10);
  for (double c : {5.0, 6.0, 7.0}) add("random", c, 10);
  for (int i = 0; i < 3; ++i) add("hyperband", kInf, 12);
  const auto rows = summarise(curves, "mfms-bo");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].strategy, "random");
  EXPECT_DOUBLE_EQ(rows[0].ratio_to_reference, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].ratio_to_reference, 3.0);
  EXPECT_TRUE(rows[2].ratio_is_lower_bound);
  EXPECT_DOUBLE_EQ(rows[2].ratio_to_reference, 6.0);
  EXPECT_EQ(rows[0].holds, 2);
  EXPECT_EQ(rows[1].holds, 0);
  const auto table = format_summary(rows, "mfms-bo", 0.005);
  EXPECT_NE(table.find("> 6.00"), std::string::npos) << table;
  EXPECT_NE(table.find("never"), std::string::npos) << table;
  EXPECT_NE(table.find("3/3"), std::string::npos) << table;
  EXPECT_NE(table.find("2/3"), std::string::npos) << table;  // mfms-bo holds 2 of 3 reached
}

// The paper's speedup (Yen et al. 2025) off the median-over-seeds regret curves: the baseline's
// median curve reaches its final quality (1%) at cost 1.0; the reference's median curve first
// gets there at 0.25 (its seeds cross at 0.2, 0.25 and 3.0: the median seed at 0.25).
TEST(BenchMetrics, PaperSpeedupReadsTheMedianCurves) {
  auto curve = [](std::vector<double> cost, std::vector<double> regret) {
    BenchCurve c;
    c.cost = std::move(cost);
    c.regret = std::move(regret);
    return c;
  };
  const std::vector<BenchCurve> baseline = {curve({0.1, 1.0, 2.0}, {0.05, 0.01, 0.01}),
                                            curve({0.1, 0.5, 2.0}, {0.04, 0.01, 0.01}),
                                            curve({0.1, 1.5, 2.0}, {0.06, 0.02, 0.01})};
  const std::vector<BenchCurve> reference = {curve({0.05, 0.2, 4.0}, {0.1, 0.008, 0.001}),
                                             curve({0.05, 0.25, 4.0}, {0.1, 0.009, 0.001}),
                                             curve({0.05, 3.0, 4.0}, {0.1, 0.002, 0.001})};
  EXPECT_DOUBLE_EQ(paper_speedup(reference, baseline), 1.0 / 0.25);
  // The other way round: the reference's final quality (0.1%) is never reached by the baseline.
  EXPECT_EQ(paper_speedup(baseline, reference), 0.0);
  // No recommendation in most of the baseline's seeds: no final quality to reach.
  const std::vector<BenchCurve> silent = {curve({1, 2}, {kNaN, kNaN}), curve({1, 2}, {kNaN, kNaN}),
                                          curve({1, 2}, {kNaN, 0.01})};
  EXPECT_TRUE(std::isnan(paper_speedup(reference, silent)));
  EXPECT_TRUE(std::isnan(paper_speedup({}, baseline)));
}

// The reference against the best other strategy at each report cost: the best other is chosen
// per cost (regmix early, hyperband later), "none" (most seeds without an answer yet) is worse
// than any answer, and the lowest paper speedup names its strategy.
TEST(BenchMetrics, AgainstOthersPicksTheBestOtherAtEachCost) {
  auto row = [](std::string name, std::vector<double> at, double speedup) {
    StrategySummary s;
    s.strategy = std::move(name);
    s.regret_at = std::move(at);
    s.speedup = speedup;
    return s;
  };
  const double none = std::numeric_limits<double>::infinity();
  ASSERT_EQ(report_costs().size(), 5u);
  const std::vector<StrategySummary> rows = {
      row("mfms-bo", {none, 0.006, 0.002, 0.001, 0.0005}, std::nan("")),
      row("regmix", {0.004, 0.003, 0.003, 0.003, 0.003}, 0.5),
      row("hyperband", {none, 0.008, 0.001, 0.002, 0.004}, 2.0)};
  const std::string t = format_against_others(rows, "mfms-bo");
  const auto line = [&](const std::string& head) {
    const auto at = t.find(head);
    EXPECT_NE(at, std::string::npos) << t;
    return at == std::string::npos ? std::string() : t.substr(at, t.find('\n', at) - at);
  };
  EXPECT_NE(line("@0.1").find("regmix"), std::string::npos) << t;
  EXPECT_NE(line("@0.1").find("worse"), std::string::npos) << t;
  EXPECT_NE(line("@0.3").find("2.00"), std::string::npos) << t;  // 0.6% over regmix's 0.3%
  EXPECT_NE(line("@1 ").find("hyperband"), std::string::npos) << t;
  EXPECT_NE(line("@1 ").find("2.00"), std::string::npos) << t;  // 0.2% over hyperband's 0.1%
  EXPECT_NE(line("@2").find("hyperband"), std::string::npos) << t;
  EXPECT_NE(line("@2").find("0.50"), std::string::npos) << t;  // no worse: below 1
  EXPECT_NE(line("@5").find("regmix"), std::string::npos) << t;
  EXPECT_NE(line("lowest paper speedup").find("0.50x, against regmix"), std::string::npos) << t;
  EXPECT_EQ(format_against_others({rows[1], rows[2]}, "mfms-bo"), "");  // no reference
  EXPECT_EQ(format_against_others({rows[0]}, "mfms-bo"), "");           // nobody to compare
}

// The bench's own tables print a figure that a goal reads as the goal table does: a coverage of
// 89.94% (the demo law over 30 seeds) read "90%" in the quality table beside the goal table's
// "no: 89.9%"; a speedup of 2.996x read "3.00x", a regret ratio of 1.0042 "1.00".
TEST(BenchMetrics, AFigureJustShortOfItsGoalIsNotRoundedOntoIt) {
  StrategySummary ref;
  ref.strategy = "mfms-bo";
  ref.regret_at = {0.010042, 0.003, 0.002, 0.001, 0.0005};
  ref.speedup = std::nan("");
  ref.coverage = 0.8994;
  ref.coverage_rounds = 636;
  ref.scale_share = {1.0};
  StrategySummary other;
  other.strategy = "regmix";
  other.regret_at = {0.01, 0.004, 0.004, 0.004, 0.004};
  other.speedup = 2.996;
  other.scale_share = {1.0};
  const std::vector<StrategySummary> rows = {ref, other};

  const std::string q = format_quality(rows, "mfms-bo", {"1B"});
  EXPECT_NE(q.find("89.9%"), std::string::npos) << q;
  EXPECT_EQ(q.find(" 90%"), std::string::npos) << q;
  EXPECT_NE(q.find("2.996x"), std::string::npos) << q;

  const std::string a = format_against_others(rows, "mfms-bo");
  EXPECT_NE(a.find("1.005"), std::string::npos) << a;  // 1.0042, away from 1: not "1.00"
  EXPECT_NE(a.find("lowest paper speedup of mfms-bo: 2.996x, against regmix"), std::string::npos)
      << a;

  // On the goal's side, or far from it, the usual precision.
  StrategySummary met = ref;
  met.coverage = 0.9;
  EXPECT_NE(format_quality({met, other}, "mfms-bo", {"1B"}).find(" 90%"), std::string::npos);
  EXPECT_EQ(coverage_percent(0.93), "93%");
  EXPECT_EQ(speedup_times(3.004), "3.00x");
  EXPECT_EQ(against_goal(0.996, 1, 2, /*at_most=*/true), "1.00");
}
