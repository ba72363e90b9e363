#include "mixbo/suite/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "mixbo/suite/goal_figures.hpp"

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

double worst_after_target(const std::vector<double>& value, double best, double eps) {
  const double threshold = best + eps * std::abs(best);
  // The first crossing (NaN compares false: no recommendation yet), then the worst from there.
  auto it = std::find_if(value.begin(), value.end(), [&](double v) { return v <= threshold; });
  if (it == value.end()) return std::numeric_limits<double>::quiet_NaN();
  double worst = relative_regret(*it, best);
  for (; it != value.end(); ++it)
    if (!std::isnan(*it)) worst = std::max(worst, relative_regret(*it, best));
  return worst;
}

double quantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  if (h == static_cast<double>(lo) || std::isinf(sorted[lo])) return sorted[lo];
  if (std::isinf(sorted[hi])) return sorted[hi];
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Quartiles quartiles(std::vector<double> x) {
  Quartiles q;
  q.n = static_cast<int>(x.size());
  q.finite = static_cast<int>(
      std::count_if(x.begin(), x.end(), [](double v) { return std::isfinite(v); }));
  std::sort(x.begin(), x.end());
  q.q1 = quantile(x, 0.25);
  q.median = quantile(x, 0.5);
  q.q3 = quantile(x, 0.75);
  return q;
}

double regret_at(const BenchCurve& c, double cost) {
  double r = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < c.cost.size() && i < c.regret.size() && c.cost[i] <= cost + 1e-12; ++i)
    r = std::isnan(c.regret[i]) ? std::numeric_limits<double>::infinity() : c.regret[i];
  return r;
}

namespace {

// Median regret over seeds at each cost of ascending `grid`: regret_at of every curve at every
// grid cost, by one walk along each curve (the bootstrap calls this a thousand times).
std::vector<double> median_curve(const std::vector<BenchCurve>& curves,
                                 const std::vector<double>& grid) {
  std::vector<std::vector<double>> at(grid.size(), std::vector<double>(curves.size()));
  for (size_t j = 0; j < curves.size(); ++j) {
    const BenchCurve& c = curves[j];
    const size_t len = std::min(c.cost.size(), c.regret.size());
    double r = std::numeric_limits<double>::infinity();
    size_t i = 0;
    for (size_t g = 0; g < grid.size(); ++g) {
      for (; i < len && c.cost[i] <= grid[g] + 1e-12; ++i)
        r = std::isnan(c.regret[i]) ? std::numeric_limits<double>::infinity() : c.regret[i];
      at[g][j] = r;
    }
  }
  std::vector<double> out;
  out.reserve(grid.size());
  for (auto& v : at) out.push_back(quartiles(std::move(v)).median);
  return out;
}

}  // namespace

double paper_speedup(const std::vector<BenchCurve>& reference,
                     const std::vector<BenchCurve>& baseline) {
  if (reference.empty() || baseline.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> grid;
  for (const auto* set : {&reference, &baseline})
    for (const auto& c : *set) grid.insert(grid.end(), c.cost.begin(), c.cost.end());
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  const auto ref = median_curve(reference, grid), base = median_curve(baseline, grid);
  // The baseline's final quality: its median curve at the largest cost any of its seeds saw.
  double last = 0;
  for (const auto& c : baseline)
    if (!c.cost.empty()) last = std::max(last, c.cost.back());
  double quality = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < grid.size() && grid[i] <= last; ++i) quality = base[i];
  if (!std::isfinite(quality)) return std::numeric_limits<double>::quiet_NaN();
  auto first = [&](const std::vector<double>& m) {
    for (size_t i = 0; i < grid.size(); ++i)
      if (m[i] <= quality) return grid[i];
    return std::numeric_limits<double>::infinity();
  };
  const double cb = first(base), cr = first(ref);
  if (std::isinf(cr)) return 0.0;
  return cb / std::max(cr, 1e-12);
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
    int r_holds = 0;
    for (const auto& c : curves)
      if (c.strategy == s) {
        cost.push_back(c.cost_to_target);
        stay.push_back(c.cost_to_stay);
        r_holds += c.holds ? 1 : 0;
        regret.push_back(c.final_regret);
        spent.push_back(c.spent);
        wall += c.wall_seconds;
      }
    StrategySummary r;
    r.strategy = s;
    std::vector<BenchCurve> mine;
    for (const auto& c : curves)
      if (c.strategy == s) mine.push_back(c);
    for (double at : report_costs()) {
      std::vector<double> v;
      for (const auto& c : mine) v.push_back(regret_at(c, at));
      r.regret_at.push_back(quartiles(v).median);
    }
    std::vector<double> c1;
    size_t scales = 0;
    for (const auto& c : mine) {
      c1.push_back(c.cost_to_1pct);
      scales = std::max(scales, c.scale_cost.size());
      for (size_t i = 0; i < c.value.size() && i < c.lo.size() && i < c.hi.size(); ++i) {
        if (std::isnan(c.lo[i]) || std::isnan(c.value[i])) continue;
        ++r.coverage_rounds;
        r.coverage += c.lo[i] <= c.value[i] && c.value[i] <= c.hi[i];
      }
    }
    r.coverage = r.coverage_rounds ? r.coverage / r.coverage_rounds
                                   : std::numeric_limits<double>::quiet_NaN();
    r.cost_1pct = quartiles(c1);
    r.scale_share.assign(scales, 0.0);
    for (const auto& c : mine) {
      double total = 0;
      for (double x : c.scale_cost) total += x;
      for (size_t i = 0; i < c.scale_cost.size() && total > 0; ++i)
        r.scale_share[i] += c.scale_cost[i] / total / static_cast<double>(mine.size());
    }
    r.cost = quartiles(cost);
    r.stay = quartiles(stay);
    r.holds = r_holds;
    r.regret = quartiles(regret);
    r.mean_wall_seconds = wall / static_cast<double>(cost.size());
    r.spent_median = quartiles(spent).median;
    rows.push_back(r);
  }
  double ref = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : rows)
    if (r.strategy == reference) ref = r.cost.median;
  std::vector<BenchCurve> ref_curves;
  for (const auto& c : curves)
    if (c.strategy == reference) ref_curves.push_back(c);
  for (auto& r : rows) {
    std::vector<BenchCurve> mine;
    for (const auto& c : curves)
      if (c.strategy == r.strategy) mine.push_back(c);
    r.speedup = r.strategy == reference ? std::numeric_limits<double>::quiet_NaN()
                                        : paper_speedup(ref_curves, mine);
    r.ratio_to_reference = std::numeric_limits<double>::quiet_NaN();
    if (!(std::isfinite(ref) && ref > 0)) continue;
    r.ratio_is_lower_bound = std::isinf(r.cost.median);
    r.ratio_to_reference = (r.ratio_is_lower_bound ? r.spent_median : r.cost.median) / ref;
  }
  return rows;
}

std::string table_number(double v, int precision) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return "never";
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << v;
  return o.str();
}

std::string format_summary(const std::vector<StrategySummary>& rows, const std::string& reference,
                           double eps) {
  std::ostringstream o;
  o << "cost to reach within " << table_number(eps * 100, 2) << "% of the best target loss "
    << "(cost unit: one full target-scale run)\n";
  o << std::left << std::setw(12) << "strategy" << std::right << std::setw(10) << "median"
    << std::setw(10) << "q1" << std::setw(10) << "q3" << std::setw(10) << "reached" << std::setw(14)
    << ("x " + reference) << std::setw(14) << "final regret" << std::setw(10) << "wall s"
    << std::setw(12) << "stays from" << std::setw(8) << "stays" << std::setw(8) << "holds"
    << "\n";
  for (const auto& r : rows) {
    o << std::left << std::setw(12) << r.strategy << std::right << std::setw(10)
      << table_number(r.cost.median) << std::setw(10) << table_number(r.cost.q1) << std::setw(10)
      << table_number(r.cost.q3) << std::setw(10)
      << (std::to_string(r.cost.finite) + "/" + std::to_string(r.cost.n)) << std::setw(14)
      << ((r.ratio_is_lower_bound ? "> " : "") + table_number(r.ratio_to_reference, 2))
      << std::setw(13) << table_number(r.regret.median * 100, 2) << "%" << std::setw(10)
      << table_number(r.mean_wall_seconds, 1) << std::setw(12) << table_number(r.stay.median)
      << std::setw(8) << (std::to_string(r.stay.finite) + "/" + std::to_string(r.stay.n))
      << std::setw(8) << (std::to_string(r.holds) + "/" + std::to_string(r.cost.finite)) << "\n";
  }
  return o.str();
}

std::string format_quality(const std::vector<StrategySummary>& rows, const std::string& reference,
                           const std::vector<std::string>& scales) {
  std::ostringstream o;
  o << "median regret at a cost of (full target-scale runs); cost to within 1%; the paper's "
       "speedup of "
    << reference << " (baseline's cost to its own final quality / " << reference
    << "'s cost to that quality); 95% interval coverage; share of the spend per scale\n";
  o << std::left << std::setw(12) << "strategy" << std::right;
  for (double c : report_costs())
    o << std::setw(9) << (std::string("@") += table_number(c, c < 1 ? 1 : 0));
  o << std::setw(9) << "to 1%" << std::setw(10) << "speedup" << std::setw(10) << "coverage"
    << "  spend by scale\n";
  for (const auto& r : rows) {
    o << std::left << std::setw(12) << r.strategy << std::right;
    for (double v : r.regret_at)
      o << std::setw(9) << (std::isinf(v) ? std::string("none") : table_number(v * 100, 2) + "%");
    o << std::setw(9) << table_number(r.cost_1pct.median) << std::setw(10)
      << speedup_times(r.speedup) << std::setw(10)
      << (r.coverage_rounds ? coverage_percent(r.coverage) : std::string("-")) << "  ";
    for (size_t i = 0; i < r.scale_share.size() && i < scales.size(); ++i)
      if (r.scale_share[i] >= 0.005)
        o << scales[i] << " " << table_number(r.scale_share[i] * 100, 0) << "% ";
    o << "\n";
  }
  return o.str();
}

std::optional<AgainstOthers> against_others(const std::vector<StrategySummary>& rows,
                                            const std::string& reference) {
  const auto ref = std::find_if(rows.begin(), rows.end(),
                                [&](const StrategySummary& r) { return r.strategy == reference; });
  if (ref == rows.end() || rows.size() < 2) return std::nullopt;
  AgainstOthers out;
  for (size_t i = 0; i < report_costs().size(); ++i) {
    const StrategySummary* best = nullptr;
    for (const auto& r : rows)
      if (r.strategy != reference && i < r.regret_at.size() &&
          (!best || r.regret_at[i] < best->regret_at[i]))
        best = &r;
    if (!best || i >= ref->regret_at.size()) continue;
    AgainstBestOther a;
    a.cost = report_costs()[i];
    a.best_other = best->strategy;
    a.mine = ref->regret_at[i];
    a.theirs = best->regret_at[i];
    // A ratio needs both: "none" (most seeds had no answer yet) is worse than any answer.
    constexpr double kInf = std::numeric_limits<double>::infinity();
    if (std::isfinite(a.mine) && std::isfinite(a.theirs))
      a.ratio = a.theirs > 0 ? a.mine / a.theirs : (a.mine > 0 ? kInf : 1.0);
    else if (std::isinf(a.mine) != std::isinf(a.theirs))
      a.ratio = std::isinf(a.mine) ? kInf : 0.0;
    else
      a.ratio = std::numeric_limits<double>::quiet_NaN();
    out.at.push_back(a);
  }
  for (const auto& r : rows)  // the lowest speedup of the reference over another
    if (r.strategy != reference && !std::isnan(r.speedup) &&
        (out.slowest.empty() || r.speedup < out.lowest_speedup)) {
      out.slowest = r.strategy;
      out.lowest_speedup = r.speedup;
    }
  return out;
}

std::string format_against_others(const std::vector<StrategySummary>& rows,
                                  const std::string& reference) {
  const auto against = against_others(rows, reference);
  if (!against) return "";
  std::ostringstream o;
  o << reference << " against the best of the other strategies at each cost (its median regret "
    << "/ the best other's; at most 1.00: no worse than any)\n";
  o << std::left << std::setw(8) << "cost" << std::setw(14) << "best other" << std::right
    << std::setw(10) << "regret" << std::setw(10) << reference.substr(0, 9) << std::setw(10)
    << "ratio\n";
  const auto pct = [](double v) {
    return std::isinf(v) ? std::string("none") : table_number(v * 100, 2) + "%";
  };
  for (const auto& a : against->at) {
    std::string ratio = "-";
    if (std::isfinite(a.mine) && std::isfinite(a.theirs))
      ratio = std::isinf(a.ratio) ? "inf" : against_goal(a.ratio, 1, 2, /*at_most=*/true);
    else if (std::isinf(a.mine) != std::isinf(a.theirs))
      ratio = std::isinf(a.mine) ? "worse" : "better";
    o << std::left << std::setw(8) << (std::string("@") += table_number(a.cost, a.cost < 1 ? 1 : 0))
      << std::setw(14) << a.best_other << std::right << std::setw(10) << pct(a.theirs)
      << std::setw(10) << pct(a.mine) << std::setw(10) << ratio << "\n";
  }
  if (!against->slowest.empty())
    o << "lowest paper speedup of " << reference << ": " << speedup_times(against->lowest_speedup)
      << ", against " << against->slowest << "\n";
  return o.str();
}

}  // namespace mixbo
