#include "mixbo/strategy/regmix.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/random_search.hpp"
#include "mixbo/strategy/run_lookup.hpp"

namespace mixbo {
namespace {

constexpr std::uint64_t kRegmixDesignStream = 0x5265674d69780001ULL;  // "RegMix"
constexpr std::uint64_t kSweepStream = 0x5265674d69780002ULL;
constexpr int kRegmixDesignLength = 4096;

}  // namespace

RegMix::RegMix(const StrategySetup& setup) : setup_(setup) {
  const auto& steps = setup_.space.steps();
  cheap_steps_ = steps.max_steps();
  for (const auto b : steps.budgets())
    if (4 * b >= steps.max_steps()) {
      cheap_steps_ = b;
      break;
    }
  Rng rng = make_rng(setup_.seed, kRegmixDesignStream);
  design_ = sample_dirichlet(setup_.space.simplex(), 1.0, kRegmixDesignLength, rng);
  sweep_ = sample_sobol(setup_.space.simplex(), kSweep, setup_.seed ^ kSweepStream);
}

Point RegMix::cheap_run(int j) const {
  return {design_.row(j % kRegmixDesignLength).transpose(), 0, cheap_steps_};
}

std::optional<MixtureRidge> RegMix::regression(const History& history) {
  std::vector<std::pair<Eigen::VectorXd, double>> data;
  for (int j = 0; j < kRegmixDesignLength; ++j) {
    const Point p = cheap_run(j);
    if (!contains_run(history.runs, p)) break;
    if (const auto v = final_value(history, p)) data.push_back({p.w, *v});
  }
  if (data.size() < 3) return std::nullopt;
  Eigen::MatrixXd W(static_cast<Eigen::Index>(data.size()), setup_.space.k());
  Eigen::VectorXd y(W.rows());
  for (size_t i = 0; i < data.size(); ++i) {
    W.row(static_cast<Eigen::Index>(i)) = data[i].first.transpose();
    y[static_cast<Eigen::Index>(i)] = data[i].second;
  }
  MixtureRidge m = MixtureRidge::fit(W, y);
  diag_.values["regmix.runs_fitted"] = static_cast<double>(data.size());
  diag_.values["regmix.loo_rmse"] = m.loo_rmse();
  diag_.values["regmix.lambda"] = m.lambda();
  return m;
}

std::optional<RegMix::Ranking> RegMix::rank(const History& history) {
  auto m = regression(history);
  if (!m) return std::nullopt;
  Ranking r{*m, {}, {}, 0};
  std::vector<double> pred(static_cast<size_t>(sweep_.rows()));
  for (Eigen::Index i = 0; i < sweep_.rows(); ++i)
    pred[static_cast<size_t>(i)] = m->predict(sweep_.row(i).transpose());
  std::vector<size_t> order(pred.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pred[a] < pred[b]; });
  r.sorted.resize(sweep_.rows(), sweep_.cols());
  for (size_t i = 0; i < order.size(); ++i)
    r.sorted.row(static_cast<Eigen::Index>(i)) = sweep_.row(static_cast<Eigen::Index>(order[i]));
  const int top = std::min<int>(kTopAverage, static_cast<int>(order.size()));
  r.average = setup_.space.simplex().project(r.sorted.topRows(top).colwise().mean().transpose());
  r.average_pred = m->predict(r.average);
  return r;
}

std::vector<Point> RegMix::propose(const History& history, const std::vector<Point>& pending,
                                   int q) {
  std::vector<Point> out;
  if (q <= 0) return out;
  const int n = setup_.options.regmix_runs;
  int proposed = 0, waiting = 0, finished = 0;
  for (int j = 0; j < kRegmixDesignLength; ++j) {
    const Point p = cheap_run(j);
    if (!contains_run(history.runs, p)) break;
    ++proposed;
    if (contains_run(pending, p))
      ++waiting;
    else if (final_value(history, p))
      ++finished;
  }
  const int failed = proposed - waiting - finished;
  int more = std::max(0, n - (proposed - failed));
  if (more == 0 && 4 * finished < 3 * n) more = q;  // waiting for the design: keep slots busy
  if (more > 0) {
    for (int j = proposed; static_cast<int>(out.size()) < std::min(more, q); ++j)
      out.push_back(cheap_run(j));
    return out;
  }
  const auto r = rank(history);
  if (!r) {  // every design run failed: more design runs
    for (int j = proposed; static_cast<int>(out.size()) < q; ++j) out.push_back(cheap_run(j));
    return out;
  }
  const auto& sp = setup_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  std::vector<Eigen::VectorXd> taken;
  for (const auto& run : history.runs)
    if (run.scale == target && run.steps == full) taken.push_back(run.w);
  const auto far = [&](const Eigen::VectorXd& w) {
    for (const auto& t : taken)
      if ((t - w).lpNorm<1>() < kMinDistance) return false;
    return true;
  };
  if (far(r->average)) {
    out.push_back({r->average, target, full});
    taken.push_back(r->average);
  }
  for (Eigen::Index i = 0; i < r->sorted.rows() && static_cast<int>(out.size()) < q; ++i) {
    const Eigen::VectorXd w = r->sorted.row(i).transpose();
    if (!far(w)) continue;
    out.push_back({w, target, full});
    taken.push_back(w);
  }
  return out;
}

Recommendation RegMix::recommend(const History& history) {
  Recommendation rec = best_target_observation(setup_.space, history);
  if (rec.valid) return rec;
  const auto r = rank(history);
  if (!r) return rec;
  rec.valid = true;
  rec.w = r->average;
  rec.mean = r->average_pred;
  rec.lo = rec.mean - 1.96 * r->model.loo_rmse();
  rec.hi = rec.mean + 1.96 * r->model.loo_rmse();
  rec.has_interval = r->model.loo_rmse() > 0;
  rec.scale = 0;  // the regression predicts the small runs it was fitted on
  rec.steps = cheap_steps_;
  return rec;
}

}  // namespace mixbo
