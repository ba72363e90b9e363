#pragma once
// How `mixbo bench` scores a campaign: the TRUE objective (noiseless simulator, target scale,
// full steps) of the strategy's recommendation after each round, against the cumulative cost
// spent on the runs that recommendation could see.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mixbo {

struct BenchCurve {
  std::string strategy;
  std::uint64_t seed = 0;
  std::vector<double> cost;    // cumulative cost of the runs behind each recommendation
  std::vector<double> value;   // true objective of the recommendation (NaN: none yet)
  std::vector<double> regret;  // relative regret of each value (NaN: none yet)
  // The recommendation's 95% interval when it has one at the target (NaN otherwise), oriented
  // like value: the calibration check is lo <= value <= hi.
  std::vector<double> lo, hi;
  Eigen::MatrixXd w;               // recommended mixtures, one row per point (NaN: none yet)
  std::vector<double> scale_cost;  // cost spent per scale of the ladder (failed trials: none)
  double cost_to_1pct = 0;         // cost_to_target at 1% (+inf: never)
  double spent = 0;                // everything the campaign spent
  double cost_to_target = 0;       // +inf when the target was never reached
  double cost_to_stay = 0;         // from here on every recommendation is within eps (+inf: never)
  // The largest regret of any recommendation from the first one within eps on (NaN: never
  // within eps), and whether it stayed within 2 eps (issue 13's "no drift": once within 0.5%,
  // within 1% for the rest of the campaign).
  double worst_after_target = 0;
  bool holds = false;
  double final_regret = 0;  // relative regret of the last recommendation
  int trials = 0, failed = 0;
  double wall_seconds = 0;
};

// Relative simple regret (value - best) / |best| (NaN stays NaN).
double relative_regret(double value, double best);

// The first cost at which the recommendation is within eps (relative) of best:
// value <= best + eps * |best|; +inf when it never is.
double cost_to_target(const std::vector<double>& cost, const std::vector<double>& value,
                      double best, double eps);

// The cost from which every later recommendation stays within eps (relative) of best, up to
// the last one; +inf when the last one is not within eps. A strategy whose recommendation
// touches the target once and drifts away scores cost_to_target but not this.
double cost_to_stay(const std::vector<double>& cost, const std::vector<double>& value, double best,
                    double eps);

// The largest relative regret from the first recommendation within eps (relative) of best to
// the last one; NaN when none is within eps.
double worst_after_target(const std::vector<double>& value, double best, double eps);

// The p-quantile of ascending `sorted` by linear interpolation between order statistics (type
// 7, as numpy's default); +inf entries sort last and make any quantile they touch +inf. NaN
// when empty.
double quantile(const std::vector<double>& sorted, double p);

// Quartiles by linear interpolation between order statistics (type 7, as numpy's default);
// +inf entries (never reached) sort last and make any quartile they touch +inf.
struct Quartiles {
  double q1 = 0, median = 0, q3 = 0;
  int n = 0;
  int finite = 0;  // entries below +inf
};
Quartiles quartiles(std::vector<double> x);

// The costs (in full target-scale runs) at which `mixbo bench` reports every strategy's regret.
inline const std::vector<double>& report_costs() {
  static const std::vector<double> c = {0.1, 0.3, 1, 2, 5};
  return c;
}

// Regret of the latest recommendation made at or before `cost` (+inf before any).
double regret_at(const BenchCurve& c, double cost);

// The paper's speedup of `reference` over `baseline` (Yen et al. 2025): the cost the baseline
// needs to reach its own final quality divided by the cost the reference needs to reach that
// same quality, both read off the median-over-seeds regret curves. 0 when the reference never
// reaches it; NaN when the baseline has no final quality (no recommendation in most seeds).
double paper_speedup(const std::vector<BenchCurve>& reference,
                     const std::vector<BenchCurve>& baseline);

struct StrategySummary {
  std::string strategy;
  std::vector<double> regret_at;    // median regret at report_costs() (+inf: most seeds had none)
  Quartiles cost_1pct;              // cost to within 1% over seeds
  double speedup = 0;               // paper_speedup of the reference over this strategy (NaN: self)
  double coverage = 0;              // share of recommendations whose 95% interval held the truth
  int coverage_rounds = 0;          // recommendations with an interval (0: coverage is NaN)
  std::vector<double> scale_share;  // mean share of the spend per scale
  Quartiles cost;                   // cost to target over seeds
  Quartiles stay;                   // cost to stay within eps over seeds
  int holds = 0;                    // seeds that came within eps and never left 2 eps after
  Quartiles regret;                 // final relative regret over seeds
  double ratio_to_reference;        // median cost / the reference strategy's median (NaN if none)
  // When this strategy's median is "never", the ratio is a lower bound: median spent / the
  // reference's median.
  bool ratio_is_lower_bound = false;
  double mean_wall_seconds;
  double spent_median = 0;  // median total spend of a campaign
};

// One row per strategy, in the order of first appearance; ratio_to_reference against the
// strategy named `reference` (usually mfms-bo).
std::vector<StrategySummary> summarise(const std::vector<BenchCurve>& curves,
                                       const std::string& reference);

// A number as the bench tables print it: fixed precision, "never" for +inf, "-" for NaN.
std::string table_number(double v, int precision = 3);

// The printed table (median and IQR of cost-to-target, reached/seeds, ratio, final regret).
std::string format_summary(const std::vector<StrategySummary>& rows, const std::string& reference,
                           double eps);
// The second table: regret at report_costs(), cost to 1%, the paper's speedup, interval
// coverage and the cost split by scale (`scales`: the ladder's names).
std::string format_quality(const std::vector<StrategySummary>& rows, const std::string& reference,
                           const std::vector<std::string>& scales);
// The reference against the best of the other strategies (issue 13's anytime dominance and
// speedup goals), cost by cost: at each of report_costs() the other strategy with the lowest
// median regret, and the reference's median regret over it (at most 1: no worse than any of
// them); then the lowest paper speedup of the reference over any other strategy, and against
// which.
struct AgainstBestOther {
  double cost = 0;
  std::string best_other;
  double theirs = 0, mine = 0;  // median regrets (+inf: most seeds had no answer yet)
  // mine / theirs when both have an answer (+inf when only theirs is 0, 1 when both are);
  // +inf when only the best other has an answer, 0 when only the reference has, NaN when neither.
  double ratio = 0;
};
struct AgainstOthers {
  std::vector<AgainstBestOther> at;  // the report costs that some other strategy reached
  std::string slowest;               // the strategy of the lowest speedup ("" when none)
  double lowest_speedup = std::numeric_limits<double>::quiet_NaN();
};
// Empty when the reference is not among `rows` or no other strategy is.
std::optional<AgainstOthers> against_others(const std::vector<StrategySummary>& rows,
                                            const std::string& reference);
// The table of against_others (empty string when it is empty).
std::string format_against_others(const std::vector<StrategySummary>& rows,
                                  const std::string& reference);

}  // namespace mixbo
