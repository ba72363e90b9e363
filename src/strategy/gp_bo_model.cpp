// GpBoStrategy's models (gp_bo.hpp: "Training data thinning", "Hyperparameters", "Hyperparameter
// modes", "The value and its interval"): the training rows, the decision GP and when it is
// refitted, the answer's transfer modes, the value's trend models and the GP on every checkpoint
// (strategy.checkpoints = all) with its minimiser.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/kernels.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/curve_smoothing.hpp"
#include "mixbo/strategy/gp_bo.hpp"
#include "mixbo/strategy/run_lookup.hpp"
#include "mixbo/strategy/run_noise_estimate.hpp"

namespace mixbo {

namespace {

// Indices 0..c-1 to keep: at most `keep`, the last one and then halving the step count back
// from it (c-1, c/2-1, c/4-1, ...). Late checkpoints carry the information about the final
// loss; the first few hundred steps, where every curve falls steeply, carry little and would
// dominate the outputs' spread.
std::vector<size_t> thin(size_t c, int keep) {
  std::vector<size_t> out;
  for (size_t m = c; m > 0 && static_cast<int>(out.size()) < keep; m /= 2) out.push_back(m - 1);
  std::reverse(out.begin(), out.end());
  return out;
}

// The cost of the runs the observations come from, each run up to its latest checkpoint so far
// (a run still going counts what it has reported; an observation without a trial is a run of
// its own).
double observed_cost(const History& history, const SearchSpace& sp) {
  std::map<std::string, const Point*> latest;
  double cost = 0;
  for (const auto& o : history.observations) {
    if (o.trial.empty()) {
      cost += sp.cost(o.point);
      continue;
    }
    auto [it, fresh] = latest.try_emplace(o.trial, &o.point);
    if (!fresh && o.point.steps > it->second->steps) it->second = &o.point;
  }
  for (const auto& [trial, p] : latest) cost += sp.cost(*p);
  return cost;
}

// Runs that repeat an earlier run (same mixture, scale and step budget) and agree with it at
// every checkpoint they have, bit for bit: the repeats of strategy.run_noise = auto on an exact
// objective. Such a run tells nothing about the objective its original did not, and as rows of
// its own it tells the likelihood that the noise is smaller than the kernel's misfit it also
// stands for (on the paper simulator without seed noise the repeats' rows cost the answers at
// cost 5: 0.22% -> 0.70% over 30 seeds; docs/decision-quality.md, sessions 53-54). A repeat that
// differs by any seed noise, or checkpoint noise, is a reading of its own and stays.
std::vector<bool> exact_repeats(const History& history,
                                const std::vector<std::vector<size_t>>& runs) {
  const auto& obs = history.observations;
  // Each run's mixture, scale and step budget; none for a run without a trial or a known budget.
  std::vector<std::optional<Point>> at(runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    const Observation& o = obs[runs[r].front()];
    if (!o.trial.empty() && o.run_steps > 0) at[r] = Point{o.point.w, o.point.scale, o.run_steps};
  }
  std::vector<bool> out(runs.size(), false);
  for (size_t b = 0; b < runs.size(); ++b) {
    if (!at[b]) continue;
    for (size_t a = 0; a < b && !out[b]; ++a) {
      if (out[a] || !at[a] || !same_run(*at[a], *at[b])) continue;
      out[b] = std::all_of(runs[b].begin(), runs[b].end(), [&](size_t i) {
        return std::any_of(runs[a].begin(), runs[a].end(), [&](size_t j) {
          return obs[j].point.steps == obs[i].point.steps && obs[j].value == obs[i].value;
        });
      });
    }
  }
  return out;
}

}  // namespace

GpBoStrategy::TrainingSet GpBoStrategy::training_set(const History& history, bool thinned) const {
  const auto& sp = setup_.space;
  // Observations grouped by run, runs in order of first appearance.
  std::vector<std::vector<size_t>> runs;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < history.observations.size(); ++i) {
    const auto& o = history.observations[i];
    if (fidelity_ == Fidelity::kSingle && !sp.is_target(o.point)) continue;
    if (o.trial.empty()) {
      runs.push_back({i});
      continue;
    }
    auto [it, fresh] = index.try_emplace(o.trial, runs.size());
    if (fresh) runs.emplace_back();
    runs[it->second].push_back(i);
  }
  // The rows are shared among the runs that give rows: an exact repeat gives none, so it thins
  // no other run's (the model is then the one without it).
  const std::vector<bool> repeat = exact_repeats(history, runs);
  const auto fitted = static_cast<size_t>(std::count(repeat.begin(), repeat.end(), false));
  const int per_run =
      thinned ? std::clamp(static_cast<int>(kMaxTrainingRows / std::max<size_t>(fitted, 1)), 1,
                           kCheckpointsPerRun)
              : std::numeric_limits<int>::max();
  TrainingSet ts;
  std::vector<size_t> rows;
  std::vector<double> values;
  std::vector<Eigen::VectorXd> mixtures;
  for (auto& r : runs) {
    if (repeat[static_cast<size_t>(&r - runs.data())]) continue;
    std::stable_sort(r.begin(), r.end(), [&](size_t a, size_t b) {
      return history.observations[a].point.steps < history.observations[b].point.steps;
    });
    std::vector<size_t> kept(r.size());
    std::iota(kept.begin(), kept.end(), size_t{0});
    std::vector<CurvePoint> curve;
    for (size_t i : r)
      curve.push_back({static_cast<double>(history.observations[i].point.steps),
                       history.observations[i].value});
    if (thinned) kept = thin(r.size(), per_run);
    for (size_t j : kept) {
      rows.push_back(r[j]);
      // A kept checkpoint stands for its neighbours, which thinning leaves out; with every
      // checkpoint a row of its own (thinned = false) each is its own reading.
      values.push_back(thinned ? smoothed_checkpoint(curve, j, kCheckpointWindow) : curve[j].value);
      ts.run.push_back(static_cast<int>(&r - runs.data()));
    }
    const Eigen::VectorXd& w = history.observations[r.front()].point.w;
    if (std::none_of(mixtures.begin(), mixtures.end(),
                     [&](const Eigen::VectorXd& m) { return m == w; }))
      mixtures.push_back(w);
  }
  ts.X.resize(static_cast<Eigen::Index>(rows.size()), sp.feature_dim());
  ts.y.resize(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& o = history.observations[rows[i]];
    ts.X.row(static_cast<Eigen::Index>(i)) = sp.features(o.point).transpose();
    ts.y[static_cast<Eigen::Index>(i)] = values[i];
  }
  ts.log_output = setup_.options.output == "log" ||
                  (setup_.options.output == "auto" && ts.y.size() > 0 && ts.y.minCoeff() > 0);
  if (ts.log_output) {
    if (ts.y.size() > 0 && !(ts.y.minCoeff() > 0))
      throw Error("strategy.output = log needs positive objective values; the history has " +
                  std::to_string(ts.y.minCoeff()) + " (use output = raw or auto)");
    ts.y = ts.y.array().log().matrix();
  }
  ts.run_noise = setup_.options.run_noise;
  if (setup_.options.run_noise == StrategyOptions::kAutoRunNoise) {
    const RunNoiseEstimate e = estimate_run_noise(history);
    ts.run_noise = e.sd;
    ts.run_noise_contrasts = e.contrasts;
    ts.run_noise_exact = e.exact;
  }
  ts.mixtures.resize(static_cast<Eigen::Index>(mixtures.size()), sp.k());
  for (size_t i = 0; i < mixtures.size(); ++i)
    ts.mixtures.row(static_cast<Eigen::Index>(i)) = mixtures[i].transpose();
  return ts;
}

RunEffect GpBoStrategy::run_effect(const TrainingSet& ts) const {
  if (!(ts.run_noise > 0)) return {};
  return RunEffect(ts.run, ts.y, ts.run_noise, ts.log_output);
}

std::shared_ptr<const GaussianProcess> GpBoStrategy::model_for(const History& history) {
  if (gp_ && gp_key_ == history.observations.size()) return gp_;
  TrainingSet ts = training_set(history);
  if (ts.y.size() == 0) return nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  const auto n = static_cast<double>(ts.y.size());
  // Refits follow the cost of the runs behind the data, not the row count: the thinned rows
  // stop growing near kMaxTrainingRows after about half a campaign, and a row count froze the
  // hyperparameters from then on, fitted before most of the large-scale runs had reported.
  const double data_cost = observed_cost(history, setup_.space);
  FitOptions fo;
  fo.starts = setup_.options.fit_starts;
  bool refitted = false;
  if (!theta_ || data_cost >= kRefitGrowth * fit_cost_) {
    Rng rng = make_rng(derived_seed(static_cast<std::uint64_t>(history.iteration), kSeedFit), 0);
    if (model_every_checkpoint()) {
      // Hyperparameters from every checkpoint; the posterior on the training rows, in the
      // standardisation the hyperparameters were fitted in.
      const auto [grid, y_all] = every_checkpoint(history);
      const CurveFitResult fit = fit_curve_gp(model_, grid, y_all, team_, rng, theta_, fo);
      theta_ = fit.theta;
      standardizer_ = fit.standardizer;
      diag_.values["gp.log_posterior"] = fit.log_posterior;
      diag_.values["gp.n_fit"] = grid.n();
      diag_.values["gp.curve_rank"] = fit.rank;
      gp_ = std::make_shared<const GaussianProcess>(model_, ts.X, ts.y, *theta_, standardizer_);
    } else {
      FitResult fit = fit_gp(model_, ts.X, ts.y, team_, rng, theta_, fo, run_effect(ts));
      theta_ = fit.theta;
      gp_ = std::make_shared<const GaussianProcess>(std::move(fit.gp));
      diag_.values["gp.log_posterior"] = fit.log_posterior;
    }
    fit_cost_ = data_cost;
    refitted = true;
  } else {
    gp_ = std::make_shared<const GaussianProcess>(model_, ts.X, ts.y, *theta_, standardizer_,
                                                  run_effect(ts));
  }
  // The answer's modes (gp_bo.hpp): fitted with the decision GP, and again, for the answer alone,
  // on the first rows from a scale the last fit's rows did not reach.
  if (setup_.options.answer_modes == "transfer" && !model_every_checkpoint()) {
    const int scales = distinct_scales(ts);
    const bool refit_modes = refitted || scales > modes_scales_;
    if (refit_modes) {
      modes_ = transfer_modes(ts, history, *theta_, fo, !refitted);
      modes_scales_ = scales;
    }
    diag_.values["gp.modes_refit"] = refit_modes ? 1.0 : 0.0;
  }
  diag_.values["fit_seconds"] = seconds_since(t0);
  diag_.values["gp.n_train"] = n;
  if (setup_.options.run_noise != 0) diag_.values["gp.run_noise"] = ts.run_noise;
  if (ts.run_noise_contrasts >= 0) {
    diag_.values["gp.run_noise_contrasts"] = ts.run_noise_contrasts;
    diag_.values["gp.run_noise_exact"] = ts.run_noise_exact ? 1.0 : 0.0;
  }
  diag_.values["gp.log_output"] = ts.log_output ? 1.0 : 0.0;
  diag_.values["gp.refit"] = refitted ? 1.0 : 0.0;
  diag_.values["gp.data_cost"] = data_cost;
  // In natural units (lengthscales, variances, not their logs): the archive's readers see names,
  // not the optimiser's parametrisation.
  for (int i = 0; i < model_.num_params(); ++i)
    diag_.values["gp." + model_.natural_name(i)] = model_.natural_value(*theta_, i);
  gp_key_ = history.observations.size();
  gp_rows_ = std::move(ts);
  return gp_;
}

int GpBoStrategy::distinct_scales(const TrainingSet& ts) const {
  std::set<double> s;
  for (Eigen::Index i = 0; i < ts.X.rows(); ++i) s.insert(ts.X(i, setup_.space.k()));
  return static_cast<int>(s.size());
}

std::vector<Eigen::VectorXd> GpBoStrategy::transfer_modes(const TrainingSet& ts,
                                                          const History& history,
                                                          const Eigen::VectorXd& map,
                                                          const FitOptions& options, bool local) {
  const auto& sp = setup_.space;
  // The kernel's scale correlations: the lengthscales of its factors on the scale column alone.
  std::vector<int> scale_lengthscales;
  for (int i = 0; i < model_.num_kernel_params(); ++i)
    if (model_.specs()[static_cast<size_t>(i)].name.find("(scale).lengthscale") !=
        std::string::npos)
      scale_lengthscales.push_back(i);
  // sf-bo's rows are all at the target: nothing there tells one scale correlation from another.
  if (fidelity_ == Fidelity::kSingle || scale_lengthscales.empty() || sp.scales().size() < 2)
    return {};
  // "Carries across the ladder": a lengthscale kTransferSpans times the ladder's span in log
  // parameters, a correlation of exp(-1 / (2 * 4^2)) = 0.97 from its smallest scale to the
  // target under rbf. The fit then moves on from there; it is the start that names the basin.
  constexpr double kTransferSpans = 4;
  const double span = std::log(sp.scales().target_scale().params) - std::log(sp.scales()[0].params);
  if (!(span > 0)) return {};
  // Two starts: the MAP optimum with its scale correlations carried (the nearest such mode), and
  // the model's defaults with them carried (one the MAP's basin does not lead to; on the demo
  // law's design the mode that carries the mixture effect lies 0.6-1.4 nats below the MAP).
  std::vector<Eigen::VectorXd> starts{map, model_.initial()};
  for (auto& start : starts) {
    for (const int i : scale_lengthscales) start[i] = std::log(kTransferSpans * span);
    start = model_.clamp(start);
  }
  // Rows `map` was not fitted on: the optimum it leads to on them is a mode of its own.
  if (local) starts.push_back(map);
  std::vector<Eigen::VectorXd> modes;
  const auto distinct = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return (a - b).cwiseAbs().maxCoeff() >= 0.1;  // log units in lengthscales and variances
  };
  FitOptions one = options;
  one.starts = 1;
  for (size_t q = 0; q < starts.size(); ++q) {
    Rng rng = make_rng(derived_seed(static_cast<std::uint64_t>(history.iteration), kSeedModes),
                       static_cast<std::uint64_t>(q));
    const FitResult fit = fit_gp(model_, ts.X, ts.y, team_, rng, starts[q], one, run_effect(ts));
    diag_.values["gp.mode" + std::to_string(q + 1) + "_log_posterior"] = fit.log_posterior;
    if (distinct(fit.theta, map) &&
        std::all_of(modes.begin(), modes.end(),
                    [&](const Eigen::VectorXd& m) { return distinct(fit.theta, m); }))
      modes.push_back(fit.theta);
  }
  return modes;
}

std::optional<ModeMixture> GpBoStrategy::answer_mixture(
    const std::shared_ptr<const GaussianProcess>& gp) const {
  if (modes_.empty() || setup_.options.answer_modes != "transfer") return std::nullopt;
  std::vector<std::shared_ptr<const GaussianProcess>> gps{gp};
  for (const auto& theta : modes_)
    gps.push_back(std::make_shared<const GaussianProcess>(model_, gp_rows_.X, gp_rows_.y, theta,
                                                          standardizer_, gp->run_effect()));
  ModeMixture mixture(std::move(gps));
  // Every other mode below ModeMixture::kMinWeight: the MAP GP alone answers.
  if (mixture.size() == 1 && &mixture.gp(0) == gp.get()) return std::nullopt;
  return mixture;
}

std::shared_ptr<const GaussianProcess> GpBoStrategy::trend_model_for(size_t i,
                                                                     const History& history) {
  const TrainingSet& ts = gp_rows_;
  TrendModel& t = trends_[i];
  const std::string prefix = trend_name(i) + ".";
  std::shared_ptr<const GaussianProcess> out;
  if (!t.theta || t.fit_cost != fit_cost_) {
    // The decision fit's seed, stream i + 1: the fits' starts differ.
    Rng rng = make_rng(derived_seed(static_cast<std::uint64_t>(history.iteration), kSeedFit),
                       static_cast<std::uint64_t>(i + 1));
    FitOptions fo;
    fo.starts = setup_.options.fit_starts;
    FitResult fit = fit_gp(t.model, ts.X, ts.y, team_, rng, t.theta, fo, run_effect(ts));
    t.theta = fit.theta;
    t.fit_cost = fit_cost_;
    diag_.values[prefix + "log_posterior"] = fit.log_posterior;
    out = std::make_shared<const GaussianProcess>(std::move(fit.gp));
  } else {
    out = std::make_shared<const GaussianProcess>(t.model, ts.X, ts.y, *t.theta, std::nullopt,
                                                  run_effect(ts));
  }
  for (int j = 0; j < t.model.num_params(); ++j)
    diag_.values[prefix + t.model.natural_name(j)] = t.model.natural_value(*t.theta, j);
  return out;
}

std::pair<CurveGrid, Eigen::VectorXd> GpBoStrategy::every_checkpoint(const History& history) const {
  const TrainingSet all = training_set(history, false);
  // A checkpoint reported twice (a run resumed from a partial result) counts once: its last
  // report.
  std::vector<Eigen::Index> rows;
  std::set<std::pair<int, double>> seen;
  for (Eigen::Index i = all.X.rows(); i-- > 0;)
    if (seen.emplace(all.run[static_cast<size_t>(i)], all.X(i, all.X.cols() - 1)).second)
      rows.push_back(i);
  std::reverse(rows.begin(), rows.end());
  std::vector<int> run;
  for (const Eigen::Index i : rows) run.push_back(all.run[static_cast<size_t>(i)]);
  return {CurveGrid::from_rows(all.X(rows, Eigen::all), run), all.y(rows)};
}

std::unique_ptr<GpBoStrategy::CurveModel> GpBoStrategy::curve_model(const History& history) const {
  auto [grid, y] = every_checkpoint(history);
  auto m = std::make_unique<CurveModel>(CurveModel{
      std::move(grid), *split_steps(model_.kernel_ptr()), *standardizer_, {}, std::nullopt});
  m->ys = m->standardizer.apply(y);
  m->gp.emplace(model_, m->split, m->grid, m->ys, *theta_);
  return m;
}

Posterior GpBoStrategy::CurveModel::posterior(const Eigen::MatrixXd& X) const {
  // In the units GaussianProcess::predict returns: the model's (log) output, not standardised.
  Posterior post;
  post.mean = (standardizer.mean + standardizer.scale * gp->mean(X).array()).matrix();
  post.variance = standardizer.scale * standardizer.scale * gp->variance(X);
  return post;
}

Eigen::VectorXd GpBoStrategy::curve_minimiser(const CurveModel& curve, const AcqPair& target,
                                              const Eigen::VectorXd& start,
                                              std::uint64_t seed) const {
  const auto& sp = setup_.space;
  // Candidates: a Sobol design on the bounded simplex, its centre and `start` (the thinned
  // model's choice); the refine_starts best by the posterior mean are refined by SLSQP.
  const int raw = setup_.options.raw_samples;
  Eigen::MatrixXd W(raw + 2, sp.k());
  W.topRows(raw) = sample_sobol(sp.simplex(), raw, seed);
  W.row(raw) = sp.simplex().center().transpose();
  W.row(raw + 1) = start.transpose();
  Eigen::MatrixXd X(W.rows(), sp.feature_dim());
  for (Eigen::Index i = 0; i < W.rows(); ++i)
    X.row(i) = sp.features(W.row(i).transpose(), target.scale, target.steps).transpose();
  const Eigen::VectorXd mu = curve.gp->mean(X);
  std::vector<Eigen::Index> order(static_cast<size_t>(X.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return mu[a] < mu[b]; });
  const auto minus_mean = [&](const Eigen::VectorXd& w, Eigen::VectorXd* g) {
    const Eigen::VectorXd x = sp.features(w, target.scale, target.steps);
    if (g) *g = -curve.gp->mean_gradient(x).head(sp.k());
    return -curve.gp->mean(x.transpose())[0];
  };
  Eigen::VectorXd best_w = W.row(order.front()).transpose();
  double best = -mu[order.front()];
  for (size_t i = 0; i < order.size() && static_cast<int>(i) < setup_.options.refine_starts; ++i) {
    const SimplexOptimum o =
        maximize_on_simplex(minus_mean, W.row(order[i]).transpose(), sp.simplex(), 200);
    if (o.value > best) {
      best = o.value;
      best_w = o.w;
    }
  }
  return best_w;
}

}  // namespace mixbo
