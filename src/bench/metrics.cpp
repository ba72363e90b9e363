#include "mixbo/bench/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace mixbo {

double relative_regret(double value, double best) {
  return (value - best) / std::max(std::abs(best), 1e-300);
}

double cost_to_target(const std::vector<double>& cost, const std::vector<double>& value,
                      double best, double eps) {
  const double threshold = best + eps * std::abs(best);
  for (size_t i = 0; i < std::min(cost.size(), value.size()); ++i)
    if (!std::isnan(value[i]) && value[i] <= threshold) return cost[i];
  return std::numeric_limits<double>::infinity();
}

double cost_to_stay(const std::vector<double>& cost, const std::vector<double>& value, double best,
                    double eps) {
  const double threshold = best + eps * std::abs(best);
  double from = std::numeric_limits<double>::infinity();
  for (size_t i = std::min(cost.size(), value.size()); i-- > 0;) {
    if (std::isnan(value[i]) || value[i] > threshold) break;
    from = cost[i];
  }
  return from;
}

Quartiles quartiles(std::vector<double> x) {
  Quartiles q;
  q.n = static_cast<int>(x.size());
  q.finite = static_cast<int>(
      std::count_if(x.begin(), x.end(), [](double v) { return std::isfinite(v); }));
  if (x.empty()) {
    q.q1 = q.median = q.q3 = std::numeric_limits<double>::quiet_NaN();
    return q;
  }
  std::sort(x.begin(), x.end());
  auto at = [&](double p) {
    const double h = p * static_cast<double>(x.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, x.size() - 1);
    if (h == static_cast<double>(lo) || std::isinf(x[lo])) return x[lo];
    if (std::isinf(x[hi])) return x[hi];
    return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
  };
  q.q1 = at(0.25);
  q.median = at(0.5);
  q.q3 = at(0.75);
  return q;
}

std::vector<StrategySummary> summarise(const std::vector<BenchCurve>& curves,
                                       const std::string& reference) {
  std::vector<std::string> order;
  for (const auto& c : curves)
    if (std::find(order.begin(), order.end(), c.strategy) == order.end())
      order.push_back(c.strategy);
  std::vector<StrategySummary> rows;
  for (const auto& s : order) {
    std::vector<double> cost, stay, regret, spent;
    double wall = 0;
    for (const auto& c : curves)
      if (c.strategy == s) {
        cost.push_back(c.cost_to_target);
        stay.push_back(c.cost_to_stay);
        regret.push_back(c.final_regret);
        spent.push_back(c.spent);
        wall += c.wall_seconds;
      }
    StrategySummary r;
    r.strategy = s;
    r.cost = quartiles(cost);
    r.stay = quartiles(stay);
    r.regret = quartiles(regret);
    r.mean_wall_seconds = wall / static_cast<double>(cost.size());
    r.spent_median = quartiles(spent).median;
    rows.push_back(r);
  }
  double ref = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : rows)
    if (r.strategy == reference) ref = r.cost.median;
  for (auto& r : rows) {
    r.ratio_to_reference = std::numeric_limits<double>::quiet_NaN();
    if (!(std::isfinite(ref) && ref > 0)) continue;
    r.ratio_is_lower_bound = std::isinf(r.cost.median);
    r.ratio_to_reference = (r.ratio_is_lower_bound ? r.spent_median : r.cost.median) / ref;
  }
  return rows;
}

namespace {
std::string num(double v, int precision = 3) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return "never";
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << v;
  return o.str();
}
}  // namespace

std::string format_summary(const std::vector<StrategySummary>& rows, const std::string& reference,
                           double eps) {
  std::ostringstream o;
  o << "cost to reach within " << num(eps * 100, 2) << "% of the best target loss "
    << "(cost unit: one full target-scale run)\n";
  o << std::left << std::setw(12) << "strategy" << std::right << std::setw(10) << "median"
    << std::setw(10) << "q1" << std::setw(10) << "q3" << std::setw(10) << "reached" << std::setw(14)
    << ("x " + reference) << std::setw(14) << "final regret" << std::setw(10) << "wall s"
    << std::setw(12) << "stays from" << std::setw(8) << "stays"
    << "\n";
  for (const auto& r : rows) {
    o << std::left << std::setw(12) << r.strategy << std::right << std::setw(10)
      << num(r.cost.median) << std::setw(10) << num(r.cost.q1) << std::setw(10) << num(r.cost.q3)
      << std::setw(10) << (std::to_string(r.cost.finite) + "/" + std::to_string(r.cost.n))
      << std::setw(14) << ((r.ratio_is_lower_bound ? "> " : "") + num(r.ratio_to_reference, 2))
      << std::setw(13) << num(r.regret.median * 100, 2) << "%" << std::setw(10)
      << num(r.mean_wall_seconds, 1) << std::setw(12) << num(r.stay.median) << std::setw(8)
      << (std::to_string(r.stay.finite) + "/" + std::to_string(r.stay.n)) << "\n";
  }
  return o.str();
}

}  // namespace mixbo
