#include "mixbo/suite/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include "mixbo/core/error.hpp"

namespace mixbo {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Percentiles of the replicates (quantile()); NaN replicates (a figure a resample cannot have,
// e.g. coverage without intervals) are left out.
PercentileInterval percentiles(std::vector<double> x, double level) {
  x.erase(std::remove_if(x.begin(), x.end(), [](double v) { return std::isnan(v); }), x.end());
  if (x.empty()) return {kNaN, kNaN};
  std::sort(x.begin(), x.end());
  return {quantile(x, (1 - level) / 2), quantile(x, (1 + level) / 2)};
}

}  // namespace

std::vector<StrategyPrecision> bootstrap_summary(const std::vector<BenchCurve>& curves,
                                                 const std::string& reference, int resamples,
                                                 double level, std::uint64_t seed) {
  if (resamples < 1 || !(level > 0 && level < 1))
    throw Error("bootstrap_summary: resamples must be >= 1 and level in (0, 1)");
  // Campaigns by seed, seeds in order of first appearance.
  std::vector<std::uint64_t> seeds;
  std::map<std::uint64_t, std::vector<const BenchCurve*>> by_seed;
  for (const auto& c : curves) {
    if (by_seed.find(c.seed) == by_seed.end()) seeds.push_back(c.seed);
    by_seed[c.seed].push_back(&c);
  }
  const auto point = summarise(curves, reference);
  const size_t n_costs = report_costs().size();
  struct Replicates {
    std::vector<double> cost, speedup, coverage, holds;
    std::vector<std::vector<double>> at;
  };
  std::vector<Replicates> reps(point.size());
  for (auto& r : reps) r.at.assign(n_costs, {});
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, seeds.empty() ? 0 : seeds.size() - 1);
  std::vector<BenchCurve> sample;
  for (int b = 0; b < resamples && !seeds.empty(); ++b) {
    sample.clear();
    // One draw of seeds for every strategy; a seed drawn twice enters twice.
    for (size_t i = 0; i < seeds.size(); ++i)
      for (const BenchCurve* c : by_seed[seeds[pick(rng)]]) sample.push_back(*c);
    const auto rows = summarise(sample, reference);
    for (size_t s = 0; s < point.size(); ++s) {
      const auto it = std::find_if(rows.begin(), rows.end(), [&](const StrategySummary& r) {
        return r.strategy == point[s].strategy;
      });
      if (it == rows.end()) continue;
      reps[s].cost.push_back(it->cost.median);
      reps[s].speedup.push_back(it->speedup);
      reps[s].coverage.push_back(it->coverage);
      reps[s].holds.push_back(it->cost.finite ? static_cast<double>(it->holds) / it->cost.finite
                                              : kNaN);
      for (size_t j = 0; j < n_costs && j < it->regret_at.size(); ++j)
        reps[s].at[j].push_back(it->regret_at[j]);
    }
  }
  std::vector<StrategyPrecision> out;
  for (size_t s = 0; s < point.size(); ++s) {
    StrategyPrecision p;
    p.strategy = point[s].strategy;
    p.cost = percentiles(reps[s].cost, level);
    p.speedup = percentiles(reps[s].speedup, level);
    p.coverage = percentiles(reps[s].coverage, level);
    p.holds_share = percentiles(reps[s].holds, level);
    for (size_t j = 0; j < n_costs; ++j) p.regret_at.push_back(percentiles(reps[s].at[j], level));
    out.push_back(p);
  }
  return out;
}

PercentileInterval bootstrap_median(const std::vector<double>& x, int resamples, double level,
                                    std::uint64_t seed) {
  if (resamples < 1 || !(level > 0 && level < 1))
    throw Error("bootstrap_median: resamples must be >= 1 and level in (0, 1)");
  if (x.empty()) return {kNaN, kNaN};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, x.size() - 1);
  std::vector<double> medians, sample(x.size());
  for (int b = 0; b < resamples; ++b) {
    for (auto& v : sample) v = x[pick(rng)];
    medians.push_back(quartiles(sample).median);
  }
  return percentiles(std::move(medians), level);
}

std::string format_interval(PercentileInterval v, double unit, int precision,
                            const std::string& suffix, const std::string& infinite) {
  if (std::isnan(v.lo)) return "-";
  if (std::isinf(v.lo)) return infinite;  // then hi is too
  auto one = [&](double x) {
    return std::isinf(x) ? infinite : table_number(x * unit, precision) + suffix;
  };
  return one(v.lo) + "-" + one(v.hi);
}

std::string format_precision(const std::vector<StrategyPrecision>& rows,
                             const std::string& reference, int seeds, int resamples, double level) {
  std::ostringstream o;
  o << "how precise these figures are: " << table_number(level * 100, 0)
    << "% bootstrap intervals over the " << seeds << " seeds (" << resamples
    << " resamples of whole seeds, the same for every strategy)\n";
  o << std::left << std::setw(12) << "strategy" << std::right << std::setw(14) << "median cost";
  for (double c : report_costs())
    o << std::setw(14) << (std::string("@") += table_number(c, c < 1 ? 1 : 0));
  o << std::setw(14) << "speedup" << std::setw(11) << "coverage" << std::setw(11) << "holds"
    << "\n";
  for (const auto& r : rows) {
    o << std::left << std::setw(12) << r.strategy << std::right << std::setw(14)
      << format_interval(r.cost, 1, 3, "");
    for (const auto& a : r.regret_at) o << std::setw(14) << format_interval(a, 100, 2, "%", "none");
    o << std::setw(14)
      << (r.strategy == reference ? std::string("-") : format_interval(r.speedup, 1, 2, "x"))
      << std::setw(11) << format_interval(r.coverage, 100, 0, "%") << std::setw(11)
      << format_interval(r.holds_share, 100, 0, "%") << "\n";
  }
  return o.str();
}

}  // namespace mixbo
