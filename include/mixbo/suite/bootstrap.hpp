#pragma once
// How precise `mixbo bench`'s figures are. A bench median over 10 seeds moves when the seeds
// change, and so does it when only the rounding does: a BO campaign is chaotic (a different last
// bit in one posterior can pick a different run, and the campaign goes its own way from there),
// so the same code built for AVX2 and for AVX-512 gives other medians (README, Benchmark,
// "How precise these figures are"). The percentile bootstrap over campaign seeds (Efron and
// Tibshirani 1993) puts an interval on each figure: whole seeds are resampled with replacement,
// the same draw for every strategy (the seeds are shared, so comparisons stay paired), and every
// figure is recomputed by summarise() from the resampled campaigns.
#include <cstdint>
#include <string>
#include <vector>

#include "mixbo/suite/metrics.hpp"

namespace mixbo {

// Fewer samples than this (seeds, or law-family members) get no intervals: a bootstrap of a
// median of two or three values is little more than their range, and of one value a point,
// which would read as a perfectly precise figure.
inline constexpr int kMinBootstrapSamples = 5;

struct PercentileInterval {
  double lo = 0, hi = 0;  // +inf where that share of the replicates never reached the figure
};

struct StrategyPrecision {
  std::string strategy;
  PercentileInterval cost;                    // median cost to within eps
  std::vector<PercentileInterval> regret_at;  // median regret at report_costs()
  PercentileInterval speedup;                 // the paper's speedup of the reference (NaN: self)
  PercentileInterval coverage;                // interval coverage (NaN: no intervals)
  PercentileInterval holds_share;             // holds / seeds within eps
};

// `level` is the interval's central share (0.9: the 5th and 95th percentiles of the replicates).
// Reproducible for a given seed. Strategies in summarise()'s order.
std::vector<StrategyPrecision> bootstrap_summary(const std::vector<BenchCurve>& curves,
                                                 const std::string& reference, int resamples,
                                                 double level, std::uint64_t seed);

// The percentile-bootstrap interval of the median of x (e.g. a figure of each law-family
// member: resampling members). The same seed draws the same indices for vectors of one length,
// so several strategies' figures over the same members are resampled alike.
PercentileInterval bootstrap_median(const std::vector<double>& x, int resamples, double level,
                                    std::uint64_t seed);

// "lo-hi" with each end scaled by `unit` at `precision` decimals and followed by `suffix`;
// `infinite` for a +inf end (alone when both are), "-" when there is no interval.
std::string format_interval(PercentileInterval v, double unit, int precision,
                            const std::string& suffix, const std::string& infinite = "never");

// The printed table: each figure as "lo-hi".
std::string format_precision(const std::vector<StrategyPrecision>& rows,
                             const std::string& reference, int seeds, int resamples, double level);

}  // namespace mixbo
