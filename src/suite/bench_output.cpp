// bench.h5 layout (read by scripts/plot_bench.py):
//   /                 attrs schema (1), epsilon, objective, target_scale, max_steps, simulator,
//                     budget, seeds, reference, hit_probability (share of Dirichlet(1)
//                     mixtures within eps of the optimum), best_value (lower is better, as
//                     strategies see it), wall_seconds; datasets config (text), domains, strategies
//                     (the ones that ran), skipped ("name: reason")
//   /optimum          dataset w; attrs value, sweep_value, evaluations
//   /curves/<strategy>/seed_NNNN
//                     datasets cost (cumulative cost behind each recommendation), value (its
//                     true objective, NaN: none yet), regret (relative), w [points x k],
//                     round_seconds, lo/hi (95% interval at the target, NaN: none),
//                     scale_cost (spend per scale); attrs seed, cost_to_target (+inf: never),
//                     cost_to_1pct, cost_to_stay (+inf: the last recommendation is not within
//                     eps), worst_after_target (largest regret from the first recommendation
//                     within eps on; NaN: never within eps), spent, trials, failed, final_regret,
//                     wall_seconds
//   /summary          one entry per strategy: strategy, median, q1, q3, reached, seeds,
//                     ratio_to_reference, ratio_is_lower_bound, final_regret_median,
//                     mean_wall_seconds, stay_median, stayed, holds (seeds within eps that never
//                     left 2 eps after), regret_at [strategy x
//                     report_costs], report_costs, median_cost_to_1pct, paper_speedup,
//                     interval_coverage, interval_rounds, spend_share [strategy x scale];
//                     with bootstrap resamples (attrs interval_level, bootstrap_resamples) the
//                     precision table's intervals: median_lo/_hi, paper_speedup_lo/_hi,
//                     interval_coverage_lo/_hi, holds_share_lo/_hi, regret_at_lo/_hi
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>

#include "mixbo/core/error.hpp"
#include "mixbo/io/durable_file.hpp"
#include "mixbo/io/hdf5.hpp"
#include "mixbo/suite/bench.hpp"

namespace fs = std::filesystem;

namespace mixbo {

namespace {

std::string csv_num(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream o;
  o << std::setprecision(10) << v;
  return o.str();
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// Root attributes and lists: what was compared, on what, with which budget.
void write_bench_attrs(h5::hid_t root, const BenchResult& r) {
  const auto& c = r.config;
  h5::write_attr(root, "schema", std::int64_t{1});
  h5::write_attr(root, "epsilon", r.options.epsilon);
  h5::write_attr(root, "objective", c.objective.text);
  h5::write_attr(root, "target_scale", c.space.scales().target_scale().name);
  h5::write_attr(root, "max_steps", static_cast<std::int64_t>(c.space.steps().max_steps()));
  h5::write_attr(root, "simulator",
                 c.simulator.type + (c.simulator.file.empty()
                                         ? std::string()
                                         : " (" + c.simulator.file.filename().string() + ")"));
  h5::write_attr(root, "hit_probability", r.hit_probability);
  h5::write_attr(root, "budget", c.budget);
  h5::write_attr(root, "seeds", static_cast<std::int64_t>(r.options.seeds));
  h5::write_attr(root, "reference", r.options.reference);
  h5::write_attr(root, "best_value", r.optimum.value);
  h5::write_attr(root, "wall_seconds", r.wall_seconds);
  h5::write_strings(root, "config", {c.text});
  h5::write_strings(root, "domains", c.space.simplex().names());
  h5::write_strings(root, "strategies", r.strategies);
  std::vector<std::string> skipped;
  for (const auto& s : r.skipped) skipped.push_back(s.strategy + ": " + s.reason);
  h5::write_strings(root, "skipped", skipped);
}

// /optimum: the dense search's best mixture and value.
void write_optimum(h5::hid_t root, const BenchResult& r) {
  h5::Handle opt = h5::create_group(root, "optimum");
  h5::write_doubles(
      opt.id(), "w",
      std::vector<double>(r.optimum.w.data(), r.optimum.w.data() + r.optimum.w.size()));
  h5::write_attr(opt.id(), "value", r.optimum.value);
  h5::write_attr(opt.id(), "sweep_value", r.optimum.sweep_value);
  h5::write_attr(opt.id(), "evaluations", static_cast<std::int64_t>(r.optimum.evaluations));
}

// /curves/<strategy>/seed_NNNN: one campaign's curve.
void write_curve(h5::hid_t strategy_group, const BenchCampaign& b, const BenchResult& r) {
  const auto& cv = b.curve;
  char name[32];
  std::snprintf(name, sizeof name, "seed_%04llu", static_cast<unsigned long long>(cv.seed));
  h5::Handle run = h5::create_group(strategy_group, name);
  h5::write_doubles(run.id(), "cost", cv.cost);
  h5::write_doubles(run.id(), "value", cv.value);
  std::vector<double> regret;
  for (double v : cv.value) regret.push_back(relative_regret(v, r.optimum.value));
  h5::write_doubles(run.id(), "regret", regret);
  // Row-major for HDF5.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = cv.w;
  h5::write_matrix(run.id(), "w", w.data(), static_cast<size_t>(w.rows()),
                   static_cast<size_t>(w.cols()));
  h5::write_doubles(run.id(), "round_seconds", b.round_seconds);
  h5::write_doubles(run.id(), "lo", cv.lo);
  h5::write_doubles(run.id(), "hi", cv.hi);
  h5::write_doubles(run.id(), "scale_cost", cv.scale_cost);
  h5::write_attr(run.id(), "cost_to_1pct", cv.cost_to_1pct);
  h5::write_attr(run.id(), "seed", static_cast<std::int64_t>(cv.seed));
  h5::write_attr(run.id(), "cost_to_target", cv.cost_to_target);
  h5::write_attr(run.id(), "cost_to_stay", cv.cost_to_stay);
  h5::write_attr(run.id(), "worst_after_target", cv.worst_after_target);
  h5::write_attr(run.id(), "spent", cv.spent);
  h5::write_attr(run.id(), "trials", static_cast<std::int64_t>(cv.trials));
  h5::write_attr(run.id(), "failed", static_cast<std::int64_t>(cv.failed));
  h5::write_attr(run.id(), "final_regret", cv.final_regret);
  h5::write_attr(run.id(), "wall_seconds", cv.wall_seconds);
}

// /summary: one row per strategy (the tables of format_bench_report).
void write_summary(h5::hid_t root, const BenchResult& r,
                   const std::vector<StrategyPrecision>& precision) {
  const auto rows = summarise(curves_of(r), r.options.reference);
  h5::Handle sum = h5::create_group(root, "summary");
  std::vector<std::string> names;
  std::vector<double> med, q1, q3, ratio, regret, wall, stay_med;
  std::vector<std::int64_t> reached, seeds, lower, stayed, holds;
  for (const auto& row : rows) {
    names.push_back(row.strategy);
    med.push_back(row.cost.median);
    q1.push_back(row.cost.q1);
    q3.push_back(row.cost.q3);
    reached.push_back(row.cost.finite);
    seeds.push_back(row.cost.n);
    ratio.push_back(row.ratio_to_reference);
    lower.push_back(row.ratio_is_lower_bound ? 1 : 0);
    regret.push_back(row.regret.median);
    wall.push_back(row.mean_wall_seconds);
    stay_med.push_back(row.stay.median);
    stayed.push_back(row.stay.finite);
    holds.push_back(row.holds);
  }
  h5::write_strings(sum.id(), "strategy", names);
  h5::write_doubles(sum.id(), "median", med);
  h5::write_doubles(sum.id(), "q1", q1);
  h5::write_doubles(sum.id(), "q3", q3);
  h5::write_ints(sum.id(), "reached", reached);
  h5::write_ints(sum.id(), "seeds", seeds);
  h5::write_doubles(sum.id(), "ratio_to_reference", ratio);
  h5::write_ints(sum.id(), "ratio_is_lower_bound", lower);
  h5::write_doubles(sum.id(), "final_regret_median", regret);
  h5::write_doubles(sum.id(), "mean_wall_seconds", wall);
  h5::write_doubles(sum.id(), "stay_median", stay_med);
  h5::write_ints(sum.id(), "stayed", stayed);
  h5::write_ints(sum.id(), "holds", holds);
  // The quality table: regret at fixed costs [strategy x cost], cost to 1%, the paper's
  // speedup of the reference, interval coverage, spend share [strategy x scale].
  h5::write_doubles(sum.id(), "report_costs", report_costs());
  std::vector<double> at, c1, speedup, coverage, share;
  std::vector<std::int64_t> cov_rounds;
  const auto n_scales = static_cast<size_t>(r.config.space.scales().size());
  for (const auto& row : rows) {
    at.insert(at.end(), row.regret_at.begin(), row.regret_at.end());
    c1.push_back(row.cost_1pct.median);
    speedup.push_back(row.speedup);
    coverage.push_back(row.coverage);
    cov_rounds.push_back(row.coverage_rounds);
    for (size_t i = 0; i < n_scales; ++i)
      share.push_back(i < row.scale_share.size() ? row.scale_share[i] : 0.0);
  }
  h5::write_matrix(sum.id(), "regret_at", at.data(), rows.size(), report_costs().size());
  h5::write_doubles(sum.id(), "median_cost_to_1pct", c1);
  h5::write_doubles(sum.id(), "paper_speedup", speedup);
  h5::write_doubles(sum.id(), "interval_coverage", coverage);
  h5::write_ints(sum.id(), "interval_rounds", cov_rounds);
  h5::write_matrix(sum.id(), "spend_share", share.data(), rows.size(), n_scales);
  // The precision table: each figure's bootstrap interval over seeds, [lo, hi] per strategy.
  if (precision.empty()) return;
  h5::write_attr(sum.id(), "interval_level", kBenchIntervalLevel);
  h5::write_attr(sum.id(), "bootstrap_resamples", static_cast<std::int64_t>(r.options.bootstrap));
  std::vector<double> lo, hi, at_lo, at_hi;
  auto both = [&](const char* name, PercentileInterval StrategyPrecision::*field) {
    lo.clear();
    hi.clear();
    for (const auto& p : precision) lo.push_back((p.*field).lo), hi.push_back((p.*field).hi);
    h5::write_doubles(sum.id(), std::string(name) + "_lo", lo);
    h5::write_doubles(sum.id(), std::string(name) + "_hi", hi);
  };
  both("median", &StrategyPrecision::cost);
  both("paper_speedup", &StrategyPrecision::speedup);
  both("interval_coverage", &StrategyPrecision::coverage);
  both("holds_share", &StrategyPrecision::holds_share);
  for (const auto& p : precision)
    for (const auto& a : p.regret_at) at_lo.push_back(a.lo), at_hi.push_back(a.hi);
  h5::write_matrix(sum.id(), "regret_at_lo", at_lo.data(), precision.size(), report_costs().size());
  h5::write_matrix(sum.id(), "regret_at_hi", at_hi.data(), precision.size(), report_costs().size());
}

}  // namespace

void write_bench_h5(const fs::path& file, const BenchResult& r,
                    const std::vector<StrategyPrecision>& precision) {
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  replace_file(file, [&](const fs::path& tmp) {
    h5::write_file(tmp, [&](h5::hid_t root) {
      write_bench_attrs(root, r);
      write_optimum(root, r);
      h5::Handle curves = h5::create_group(root, "curves");
      for (const auto& s : r.strategies) {
        h5::Handle g = h5::create_group(curves.id(), s);
        for (const auto& b : r.campaigns)
          if (b.curve.strategy == s) write_curve(g.id(), b, r);
      }
      write_summary(root, r, precision);
    });
  });
}

void write_bench_csv(const fs::path& summary, const fs::path& runs, const BenchResult& r,
                     const std::vector<StrategyPrecision>& precision) {
  auto write = [](const fs::path& file, const std::string& text) {
    if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
    write_text_atomic(file, text);
  };
  std::ostringstream s;
  s << "strategy,seeds,reached,median_cost_to_target,q1,q3,ratio_to_" << r.options.reference
    << ",ratio_is_lower_bound,median_final_regret,median_spent,mean_wall_seconds,mean_round_"
       "seconds,"
       "epsilon,budget,stayed,median_cost_to_stay,note";
  for (double c : report_costs()) s << ",median_regret_at_" << csv_num(c);
  s << ",median_cost_to_1pct,reached_1pct,paper_speedup_of_" << r.options.reference
    << ",interval_coverage,interval_rounds,holds";
  for (const auto& sc : r.config.space.scales().scales()) s << ",spend_share_" << sc.name;
  // The precision table's intervals (empty with --bootstrap 0 or fewer than 5 seeds).
  for (const char* f :
       {"median_cost_to_target", "paper_speedup", "interval_coverage", "holds_share"})
    s << "," << f << "_lo," << f << "_hi";
  for (double c : report_costs())
    s << ",median_regret_at_" << csv_num(c) << "_lo,median_regret_at_" << csv_num(c) << "_hi";
  s << "\n";
  for (const auto& row : summarise(curves_of(r), r.options.reference)) {
    double sum = 0;
    size_t n = 0;
    for (const auto& b : r.campaigns)
      if (b.curve.strategy == row.strategy)
        for (double t : b.round_seconds) sum += t, ++n;
    s << csv_text(row.strategy) << "," << row.cost.n << "," << row.cost.finite << ","
      << csv_num(row.cost.median) << "," << csv_num(row.cost.q1) << "," << csv_num(row.cost.q3)
      << "," << csv_num(row.ratio_to_reference) << "," << (row.ratio_is_lower_bound ? 1 : 0) << ","
      << csv_num(row.regret.median) << "," << csv_num(row.spent_median) << ","
      << csv_num(row.mean_wall_seconds) << ","
      << csv_num(n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN()) << ","
      << csv_num(r.options.epsilon) << "," << csv_num(r.config.budget) << "," << row.stay.finite
      << "," << csv_num(row.stay.median) << ","
      << (row.cost.finite < row.cost.n ? "unreached seeds censored at the budget" : "");
    for (double v : row.regret_at) s << "," << csv_num(v);
    s << "," << csv_num(row.cost_1pct.median) << "," << row.cost_1pct.finite << ","
      << csv_num(row.speedup) << "," << csv_num(row.coverage) << "," << row.coverage_rounds << ","
      << row.holds;
    for (int i = 0; i < r.config.space.scales().size(); ++i)
      s << ","
        << csv_num(static_cast<size_t>(i) < row.scale_share.size()
                       ? row.scale_share[static_cast<size_t>(i)]
                       : std::numeric_limits<double>::quiet_NaN());
    const auto p =
        std::find_if(precision.begin(), precision.end(),
                     [&](const StrategyPrecision& x) { return x.strategy == row.strategy; });
    if (p != precision.end()) {
      for (const auto& v : {p->cost, p->speedup, p->coverage, p->holds_share})
        s << "," << csv_num(v.lo) << "," << csv_num(v.hi);
      for (const auto& v : p->regret_at) s << "," << csv_num(v.lo) << "," << csv_num(v.hi);
    } else {
      s << std::string(2 * (4 + report_costs().size()), ',');
    }
    s << "\n";
  }
  for (const auto& sk : r.skipped)
    s << csv_text(sk.strategy) << ",0,0,,,,,0,,,,," << csv_num(r.options.epsilon) << ","
      << csv_num(r.config.budget) << ",0,," << csv_text("skipped: " + sk.reason) << "\n";
  write(summary, s.str());

  std::ostringstream o;
  o << "strategy,seed,cost_to_target,reached,cost_to_stay,worst_regret_after_target,final_regret,"
       "final_value,spent,trials,failed,rounds,wall_seconds\n";
  for (const auto& b : r.campaigns) {
    const auto& c = b.curve;
    o << csv_text(c.strategy) << "," << c.seed << "," << csv_num(c.cost_to_target) << ","
      << (std::isfinite(c.cost_to_target) ? 1 : 0) << "," << csv_num(c.cost_to_stay) << ","
      << csv_num(c.worst_after_target) << "," << csv_num(c.final_regret) << ","
      << csv_num(c.value.empty() ? std::numeric_limits<double>::quiet_NaN() : c.value.back()) << ","
      << csv_num(c.spent) << "," << c.trials << "," << c.failed << "," << b.round_seconds.size()
      << "," << csv_num(c.wall_seconds) << "\n";
  }
  write(runs, o.str());
}

}  // namespace mixbo
