#include "mixbo/strategy/gp_bo.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "mixbo/acq/max_value_entropy.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/splitmix.hpp"
#include "mixbo/gp/curve_fit.hpp"
#include "mixbo/gp/fit.hpp"
#include "mixbo/gp/kernels.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/hull_minimize.hpp"
#include "mixbo/strategy/run_lookup.hpp"
#include "mixbo/strategy/run_out_calibration.hpp"

namespace mixbo {

namespace {

KernelContext kernel_context(const SearchSpace& sp) {
  KernelContext c;
  c.k = sp.k();
  c.target_log_params = std::log(sp.scales().target_scale().params);
  return c;
}

// Proposals come from a continuous optimiser, so a candidate within 1e-6 of a run is that run.
constexpr double kSameProposal = 1e-6;

bool same_proposal(const Point& a, const Point& b) {
  return a.scale == b.scale && a.steps == b.steps && same_mixture(a.w, b.w, kSameProposal);
}

// A run of `run` already reports everything `p` would: same mixture and scale, at least as
// many steps. Proposing p again would only repeat a checkpoint of its curve.
bool covered_by(const Point& p, const Point& run) {
  return p.scale == run.scale && p.steps <= run.steps && same_mixture(p.w, run.w, kSameProposal);
}

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

// The trend model's mean: linear, centred at the simplex's centre at the target scale and full
// steps, so that c is the level there and b the trend per e-fold of parameters and of steps.
GpOptions trend_options(const SearchSpace& sp) {
  GpOptions o;
  o.linear_mean = true;
  o.mean_origin = sp.features(sp.simplex().center(), sp.scales().target(), sp.steps().max_steps());
  return o;
}

}  // namespace

std::uint64_t GpBoStrategy::derived_seed(std::uint64_t iteration, std::uint64_t purpose) const {
  return splitmix64(splitmix64(splitmix64(setup_.seed) ^ iteration) ^ purpose);
}

GpBoStrategy::GpBoStrategy(const StrategySetup& setup, Team& team, Fidelity fidelity)
    : setup_(setup),
      team_(team),
      fidelity_(fidelity),
      kind_(parse_acquisition(setup.options.acquisition)),
      model_(GpModel::from_expression(setup.options.kernel_expression(),
                                      kernel_context(setup.space))) {
  for (const auto& expression : setup.options.trend_kernel_expressions())
    trends_.push_back({GpModel::from_expression(expression, kernel_context(setup.space),
                                                trend_options(setup.space)),
                       std::nullopt, -1});
  if (model_every_checkpoint() && !split_steps(model_.kernel_ptr()))
    throw ConfigError(
        "strategy.checkpoints = all needs a kernel that is a product of "
        "factors on the mixture and scale and factors on the steps, e.g. " +
        std::string(StrategyOptions::kSeparableKernel) + "; strategy.kernel is " +
        model_.kernel().expression());
}

std::string GpBoStrategy::state_key() const {
  std::string key = name() + "; kernel " + model_.kernel().expression() + " (" +
                    std::to_string(model_.num_params()) + " hyperparameters)";
  for (const auto& t : trends_) key += "; trend kernel " + t.model.kernel().expression();
  return key + "; checkpoints " + setup_.options.checkpoints;
}

std::string GpBoStrategy::trend_name(size_t i) {
  return i == 0 ? "trend" : "trend" + std::to_string(i + 1);
}

StrategyState GpBoStrategy::save_state() const {
  StrategyState s;
  s.key = state_key();
  const auto vec = [](const Eigen::VectorXd& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  if (theta_) s.values["theta"] = vec(*theta_);
  s.values["fit_cost"] = {fit_cost_};
  if (standardizer_) s.values["standardizer"] = {standardizer_->mean, standardizer_->scale};
  for (size_t i = 0; i < trends_.size(); ++i)
    if (trends_[i].theta) {
      s.values[trend_name(i) + "_theta"] = vec(*trends_[i].theta);
      s.values[trend_name(i) + "_fit_cost"] = {trends_[i].fit_cost};
    }
  if (last_recommendation_) s.values["last_recommendation"] = vec(*last_recommendation_);
  for (size_t i = 0; i < modes_.size(); ++i)
    s.values["mode" + std::to_string(i + 1)] = vec(modes_[i]);
  if (setup_.options.answer_modes == "transfer")
    s.values["modes_scales"] = {static_cast<double>(modes_scales_)};
  return s;
}

void GpBoStrategy::restore_state(const StrategyState& state) {
  if (state.key != state_key()) return;  // another model's: start afresh
  const auto get = [&](const std::string& name, size_t size) -> const std::vector<double>* {
    const auto it = state.values.find(name);
    return it != state.values.end() && it->second.size() == size ? &it->second : nullptr;
  };
  const auto vec = [](const std::vector<double>& v) {
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  };
  const auto* theta = get("theta", static_cast<size_t>(model_.num_params()));
  const auto* cost = get("fit_cost", 1);
  if (!theta || !cost) return;  // without fitted hyperparameters there is nothing to continue
  theta_ = vec(*theta);
  fit_cost_ = cost->front();
  if (const auto* st = get("standardizer", 2)) standardizer_ = Standardizer{(*st)[0], (*st)[1]};
  for (size_t i = 0; i < trends_.size(); ++i) {
    auto& t = trends_[i];
    const auto* trend_theta =
        get(trend_name(i) + "_theta", static_cast<size_t>(t.model.num_params()));
    const auto* trend_cost = get(trend_name(i) + "_fit_cost", 1);
    if (trend_theta && trend_cost) {
      t.theta = vec(*trend_theta);
      t.fit_cost = trend_cost->front();
    }
  }
  if (const auto* w = get("last_recommendation", static_cast<size_t>(setup_.space.k())))
    last_recommendation_ = vec(*w);
  modes_.clear();
  for (size_t i = 1;; ++i) {
    const auto* m = get("mode" + std::to_string(i), static_cast<size_t>(model_.num_params()));
    if (!m) break;
    modes_.push_back(vec(*m));
  }
  // A state saved before modes were refitted at new scales: the rows of the last refit are not
  // known, so the next round's scales count as new (one more fit, no other answer lost).
  const auto* modes_scales = get("modes_scales", 1);
  modes_scales_ = modes_scales ? static_cast<int>(modes_scales->front()) : 0;
  gp_.reset();
}

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
  const int per_run =
      thinned ? std::clamp(static_cast<int>(kMaxTrainingRows / std::max<size_t>(runs.size(), 1)), 1,
                           kCheckpointsPerRun)
              : std::numeric_limits<int>::max();
  TrainingSet ts;
  std::vector<size_t> rows;
  std::vector<Eigen::VectorXd> mixtures;
  for (auto& r : runs) {
    std::stable_sort(r.begin(), r.end(), [&](size_t a, size_t b) {
      return history.observations[a].point.steps < history.observations[b].point.steps;
    });
    std::vector<size_t> kept(r.size());
    std::iota(kept.begin(), kept.end(), size_t{0});
    if (thinned) kept = thin(r.size(), per_run);
    for (size_t j : kept) {
      rows.push_back(r[j]);
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
    ts.y[static_cast<Eigen::Index>(i)] = o.value;
  }
  ts.log_output = setup_.options.output == "log" ||
                  (setup_.options.output == "auto" && ts.y.size() > 0 && ts.y.minCoeff() > 0);
  if (ts.log_output) {
    if (ts.y.size() > 0 && !(ts.y.minCoeff() > 0))
      throw Error("strategy.output = log needs positive objective values; the history has " +
                  std::to_string(ts.y.minCoeff()) + " (use output = raw or auto)");
    ts.y = ts.y.array().log().matrix();
  }
  ts.mixtures.resize(static_cast<Eigen::Index>(mixtures.size()), sp.k());
  for (size_t i = 0; i < mixtures.size(); ++i)
    ts.mixtures.row(static_cast<Eigen::Index>(i)) = mixtures[i].transpose();
  return ts;
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
      FitResult fit = fit_gp(model_, ts.X, ts.y, team_, rng, theta_, fo);
      theta_ = fit.theta;
      gp_ = std::make_shared<const GaussianProcess>(std::move(fit.gp));
      diag_.values["gp.log_posterior"] = fit.log_posterior;
    }
    fit_cost_ = data_cost;
    refitted = true;
  } else {
    gp_ = std::make_shared<const GaussianProcess>(model_, ts.X, ts.y, *theta_, standardizer_);
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
    const FitResult fit = fit_gp(model_, ts.X, ts.y, team_, rng, starts[q], one);
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
                                                          standardizer_));
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
    FitResult fit = fit_gp(t.model, ts.X, ts.y, team_, rng, t.theta, fo);
    t.theta = fit.theta;
    t.fit_cost = fit_cost_;
    diag_.values[prefix + "log_posterior"] = fit.log_posterior;
    out = std::make_shared<const GaussianProcess>(std::move(fit.gp));
  } else {
    out = std::make_shared<const GaussianProcess>(t.model, ts.X, ts.y, *t.theta);
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

int GpBoStrategy::design_size() const {
  return fidelity_ == Fidelity::kMulti ? setup_.options.design_runs_for(setup_.space)
                                       : setup_.options.n_init;
}

std::vector<Point> GpBoStrategy::initial_design(const History& history, int count) const {
  const auto& sp = setup_.space;
  // Continue the sequence after every run proposed so far, so a failed design run is replaced
  // by a new mixture rather than repeated.
  const int done = static_cast<int>(history.runs.size());
  const Eigen::MatrixXd W = sample_sobol(sp.simplex(), done + count, setup_.seed ^ kSeedDesign);
  const bool multi = fidelity_ == Fidelity::kMulti;
  const int scale = multi ? 0 : sp.scales().target();
  const std::int64_t steps = multi ? setup_.options.design_steps_for(sp) : sp.steps().max_steps();
  // mfms-bo: design runs first_pair .. size - 1 repeat mixtures 0, 1, ... at the second scale,
  // full length.
  const int pairs = multi ? setup_.options.design_pairs_for(sp) : 0;
  const int size = design_size();
  const int first_pair = size - pairs;
  std::vector<Point> out;
  for (int i = 0; i < count; ++i) {
    const int j = done + i;
    if (j >= first_pair && j < size)
      out.push_back({W.row(j - first_pair).transpose(), 1, sp.steps().max_steps()});
    else
      out.push_back({W.row(j).transpose(), scale, steps});
  }
  return out;
}

std::vector<AcqPair> GpBoStrategy::pairs(double budget_left) const {
  const auto& sp = setup_.space;
  std::vector<AcqPair> out;
  auto add = [&](int s, std::int64_t z) {
    if (sp.cost(s, z) > budget_left * (1 + 1e-9)) return;
    AcqPair p;
    p.scale = s;
    p.steps = z;
    const Eigen::VectorXd f = sp.features(sp.simplex().center(), s, z);
    p.log_params = f[sp.k()];
    p.log_steps = f[sp.k() + 1];
    p.log_cost = std::log(sp.cost(s, z));
    out.push_back(p);
  };
  if (fidelity_ == Fidelity::kSingle || !is_multi_fidelity(kind_)) {
    add(sp.scales().target(), sp.steps().max_steps());
  } else {
    // At the target scale (and above) only full-length runs: such a run costs as much as the
    // question it answers is worth only at full length, and a shorter one is the proxy that
    // misleads most where the ranking of mixtures changes late in training (paper simulator:
    // at 1B the best mixture after 9,700 steps is 3.4% worse after 19,500; README, Acquisition
    // functions).
    for (int s = 0; s < sp.scales().size(); ++s)
      for (auto z : sp.steps().budgets())
        if (s < sp.scales().target() || z == sp.steps().max_steps()) add(s, z);
  }
  return out;
}

Eigen::MatrixXd GpBoStrategy::target_points(const GaussianProcess& gp, const TrainingSet& ts,
                                            std::uint64_t seed) const {
  // T: the last recommendation, the 16 observed mixtures with the lowest target mean, and 32
  // space-filling mixtures: where the target's best can plausibly be.
  const auto& sp = setup_.space;
  constexpr int kObserved = 16, kSpread = 32;
  std::vector<Eigen::VectorXd> ws;
  if (last_recommendation_) ws.push_back(*last_recommendation_);
  auto target_rows = [&](const Eigen::MatrixXd& W) {
    Eigen::MatrixXd X(W.rows(), sp.feature_dim());
    for (Eigen::Index i = 0; i < W.rows(); ++i)
      X.row(i) = sp.features(W.row(i).transpose(), sp.scales().target(), sp.steps().max_steps())
                     .transpose();
    return X;
  };
  const Eigen::VectorXd mu = gp.predict(target_rows(ts.mixtures)).mean;
  std::vector<Eigen::Index> order(static_cast<size_t>(mu.size()));
  for (Eigen::Index i = 0; i < mu.size(); ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return mu[a] < mu[b]; });
  for (size_t i = 0; i < order.size() && i < kObserved; ++i)
    ws.push_back(ts.mixtures.row(order[i]).transpose());
  const Eigen::MatrixXd S = sample_sobol(sp.simplex(), kSpread, seed);
  for (Eigen::Index i = 0; i < S.rows(); ++i) ws.push_back(S.row(i).transpose());
  Eigen::MatrixXd W(static_cast<Eigen::Index>(ws.size()), sp.k());
  for (size_t i = 0; i < ws.size(); ++i) W.row(static_cast<Eigen::Index>(i)) = ws[i].transpose();
  return target_rows(W);
}

void GpBoStrategy::set_minimum_samples(const GaussianProcess& gp, const TrainingSet& ts,
                                       std::uint64_t iteration, AcqSpec& spec) {
  // f* is the lowest target loss anywhere on the simplex, drawn as the minimum over a discrete
  // set (BoTorch's max-value entropy samples it over a candidate set likewise): the knowledge
  // gradient's target points (the last answer, the best runs, 32 space-filling mixtures) and
  // 224 more space-filling mixtures, all at the target scale and full steps.
  const auto& sp = setup_.space;
  constexpr int kExtra = 224, kSamples = 32;
  const Eigen::MatrixXd T = target_points(gp, ts, derived_seed(iteration, kSeedTargets));
  const Eigen::MatrixXd S = sample_sobol(sp.simplex(), kExtra, derived_seed(iteration, kSeedMes));
  Eigen::MatrixXd C(T.rows() + S.rows(), T.cols());
  C.topRows(T.rows()) = T;
  for (Eigen::Index i = 0; i < S.rows(); ++i)
    C.row(T.rows() + i) =
        sp.features(S.row(i).transpose(), sp.scales().target(), sp.steps().max_steps()).transpose();
  spec.target_log_params = T(0, sp.k());
  spec.target_log_steps = T(0, sp.k() + 1);
  spec.min_samples = sample_minimum_values(gp, C, kSamples, derived_seed(iteration, kSeedMes + 1));
  diag_.values["acq.min_sample_median"] = [&] {
    Eigen::VectorXd v = spec.min_samples;
    std::sort(v.data(), v.data() + v.size());
    return v[v.size() / 2];
  }();
}

std::vector<Point> GpBoStrategy::propose(const History& history, const std::vector<Point>& pending,
                                         int q) {
  diag_.values.clear();
  if (q <= 0) return {};
  const auto& sp = setup_.space;
  const auto it = static_cast<std::uint64_t>(history.iteration);
  const bool designing = static_cast<int>(history.runs.size()) < design_size() &&
                         history.spent < kDesignShare * history.budget;
  const int n_random =
      designing ? std::clamp(design_size() - static_cast<int>(history.runs.size()), 0, q) : 0;
  std::vector<Point> out = initial_design(history, n_random);
  if (static_cast<int>(out.size()) == q) return out;

  const auto gp = model_for(history);
  if (!gp) return initial_design(history, q);  // nothing to model yet: keep the slots busy
  const TrainingSet& ts = gp_rows_;
  const auto t0 = std::chrono::steady_clock::now();
  AcqSpec spec;
  spec.kind = kind_;
  spec.alpha = std::pow(0.99, static_cast<double>(history.iteration));
  spec.pairs = pairs(history.budget_left());
  if (spec.pairs.empty()) return out;  // no run fits the budget left
  if (kind_ == AcqKind::kTargetEiPerCost)
    spec.targets = target_points(*gp, ts, derived_seed(it, kSeedTargets));
  if (kind_ == AcqKind::kMesPerCost) set_minimum_samples(*gp, ts, it, spec);
  diag_.values["acq.alpha"] = spec.alpha;
  diag_.values["acq.pairs"] = static_cast<double>(spec.pairs.size());

  std::vector<Point> busy = pending;
  busy.insert(busy.end(), out.begin(), out.end());
  for (int b = static_cast<int>(out.size()); b < q; ++b) {
    std::shared_ptr<const GaussianProcess> g = gp;
    if (!busy.empty()) {
      Eigen::MatrixXd Xf(static_cast<Eigen::Index>(busy.size()), sp.feature_dim());
      for (size_t i = 0; i < busy.size(); ++i)
        Xf.row(static_cast<Eigen::Index>(i)) = sp.features(busy[i]).transpose();
      g = std::make_shared<const GaussianProcess>(gp->fantasize(Xf, gp->predict(Xf).mean));
    }
    if (kind_ == AcqKind::kLogEi || kind_ == AcqKind::kEiPerCost)
      set_pair_incumbents(*g, ts.mixtures, spec);
    MaximizeOptions mo;
    mo.raw_samples = setup_.options.raw_samples;
    mo.refine_starts = setup_.options.refine_starts;
    mo.max_evaluations = 100;
    mo.seed = derived_seed(it, kSeedAcq + 16 * static_cast<std::uint64_t>(b));
    const auto cands = maximize_acquisition(g, spec, sp.simplex(), team_, mo);
    const AcqCandidate* pick = nullptr;
    for (const auto& c : cands) {
      const Point p{c.w, spec.pairs[static_cast<size_t>(c.pair)].scale,
                    spec.pairs[static_cast<size_t>(c.pair)].steps};
      if (std::none_of(busy.begin(), busy.end(),
                       [&](const Point& o) { return same_proposal(o, p); }) &&
          std::none_of(history.runs.begin(), history.runs.end(),
                       [&](const Point& r) { return covered_by(p, r); })) {
        pick = &c;
        break;
      }
    }
    if (!pick) break;  // every candidate repeats a pending or earlier run: propose fewer
    const auto& pr = spec.pairs[static_cast<size_t>(pick->pair)];
    Point p{pick->w, pr.scale, pr.steps};
    diag_.values["acq.value." + std::to_string(b)] = pick->value;
    out.push_back(p);
    busy.push_back(p);
  }
  diag_.values["acq_seconds"] = seconds_since(t0);
  return out;
}

}  // namespace mixbo
