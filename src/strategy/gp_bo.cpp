#include "mixbo/strategy/gp_bo.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mixbo/acq/max_value_entropy.hpp"
#include "mixbo/acq/maximize.hpp"
#include "mixbo/core/clock.hpp"
#include "mixbo/core/error.hpp"
#include "mixbo/core/splitmix.hpp"
#include "mixbo/gp/kernels.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/run_lookup.hpp"
#include "mixbo/strategy/run_noise_estimate.hpp"

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
  key += "; checkpoints " + setup_.options.checkpoints;
  // Only where declared, so that the states archived before the option still match theirs.
  if (setup_.options.run_noise == StrategyOptions::kAutoRunNoise)
    key += "; run noise auto";
  else if (setup_.options.run_noise > 0)
    key += "; run noise " + std::to_string(setup_.options.run_noise);
  return key;
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
  // mfms-bo: design runs first_pair .. first_pair + pairs - 1 repeat mixtures 0, 1, ... at the
  // second scale, full length.
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

std::optional<Point> GpBoStrategy::due_replicate(const History& history,
                                                 const std::vector<Point>& batch) const {
  if (fidelity_ != Fidelity::kMulti) return std::nullopt;
  const auto& sp = setup_.space;
  const int reps = setup_.options.design_replicates_for(sp);
  if (reps == 0 || setup_.options.design_cost(sp) >= kDesignShare * history.budget)
    return std::nullopt;  // none wanted, or the design was cut short: describe() says so
  std::vector<Point> runs = history.runs;
  runs.insert(runs.end(), batch.begin(), batch.end());
  const auto design = static_cast<size_t>(design_size());
  if (runs.size() < design) return std::nullopt;
  // After the design: the runs that repeat an earlier one are the replicates (the acquisition
  // never proposes a run an earlier one covers), the others the acquisition's.
  int made = 0, acquired = 0;
  for (size_t j = design; j < runs.size(); ++j) {
    const bool repeat = std::any_of(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(j),
                                    [&](const Point& r) { return same_run(r, runs[j]); });
    ++(repeat ? made : acquired);
  }
  if (made >= reps || acquired <= made) return std::nullopt;
  // A repeat that came back identical to its run shows the objective does not depend on the
  // seed (a simulator, a fitted law): the size is 0, and the other repeats would only spend.
  if (made > 0 && estimate_run_noise(history).exact) return std::nullopt;
  const Point& original = runs[static_cast<size_t>(made)];  // the design's first runs, in order
  if (sp.cost(original) > history.budget_left() * (1 + 1e-9)) return std::nullopt;
  return original;
}

AcqPair GpBoStrategy::acq_pair(int scale, std::int64_t steps) const {
  const auto& sp = setup_.space;
  AcqPair p;
  p.scale = scale;
  p.steps = steps;
  const Eigen::VectorXd f = sp.features(sp.simplex().center(), scale, steps);
  p.log_params = f[sp.k()];
  p.log_steps = f[sp.k() + 1];
  p.log_cost = std::log(sp.cost(scale, steps));
  return p;
}

AcqPair GpBoStrategy::target_pair() const {
  return acq_pair(setup_.space.scales().target(), setup_.space.steps().max_steps());
}

std::vector<AcqPair> GpBoStrategy::pairs(double budget_left) const {
  const auto& sp = setup_.space;
  std::vector<AcqPair> out;
  auto add = [&](int s, std::int64_t z) {
    if (sp.cost(s, z) <= budget_left * (1 + 1e-9)) out.push_back(acq_pair(s, z));
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
    if (const auto replicate = due_replicate(history, out)) {
      out.push_back(*replicate);
      busy.push_back(*replicate);
      continue;
    }
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
