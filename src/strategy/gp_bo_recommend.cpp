// GpBoStrategy's recommendation (gp_bo.hpp, "Recommendation"): which mixture is the answer
// (choose_answer, then prefer_verified_run) and what is stated of it (state_value).
#include <algorithm>
#include <cmath>
#include <vector>

#include "mixbo/acq/maximize.hpp"
#include "mixbo/strategy/gp_bo.hpp"
#include "mixbo/strategy/hull_minimize.hpp"
#include "mixbo/strategy/run_out_calibration.hpp"

namespace mixbo {

namespace {

// reach_past_hull: below this share of the two values' summed variance, the variance of their
// difference is the cancellation error of computing it (the two minimisers coincide).
constexpr double kReachRelativeVariance = 1e-6;

// The observation at the largest scale observed, at its longest steps (history has one).
const Observation& farthest_observation(const History& history) {
  const Observation* far = &history.observations.front();
  for (const auto& o : history.observations)
    if (o.point.scale > far->point.scale ||
        (o.point.scale == far->point.scale && o.point.steps > far->point.steps))
      far = &o;
  return *far;
}

}  // namespace

Eigen::VectorXd GpBoStrategy::simplex_minimiser(const std::shared_ptr<const GaussianProcess>& gp,
                                                const AcqPair& target, std::uint64_t seed) {
  AcqSpec spec;
  spec.kind = AcqKind::kPosteriorMean;
  spec.pairs.push_back(target);
  MaximizeOptions mo;
  mo.raw_samples = setup_.options.raw_samples;
  mo.refine_starts = setup_.options.refine_starts;
  mo.keep_raw = 0;
  mo.seed = seed;
  return maximize_acquisition(gp, spec, setup_.space.simplex(), team_, mo).front().w;
}

std::optional<Eigen::VectorXd> GpBoStrategy::reach_past_hull(
    const std::shared_ptr<const GaussianProcess>& gp, const Eigen::VectorXd& hull_w,
    const AcqPair& target, std::uint64_t seed) {
  const auto& sp = setup_.space;
  const Eigen::VectorXd w = simplex_minimiser(gp, target, seed);
  Eigen::MatrixXd X(2, gp->dim());
  X.row(0) = sp.features(w, target.scale, target.steps).transpose();
  X.row(1) = sp.features(hull_w, target.scale, target.steps).transpose();
  const Eigen::MatrixXd C = gp->covariance(X, X);
  const Eigen::VectorXd m = gp->mean(X);
  // The variance of the difference, from the 2 x 2 joint posterior: the two values share most of
  // their uncertainty (the trend to the target), which says nothing about which mixture is lower.
  // Where the two minimisers (nearly) coincide it is rounding error, and so is the difference of
  // the means: their ratio is noise (it reached +-1e149 on the paper simulator, with both
  // minimisers at the StackExchange vertex), so there is nothing to reach for.
  const double var = C(0, 0) + C(1, 1) - 2 * C(0, 1);
  const double z =
      var > kReachRelativeVariance * (C(0, 0) + C(1, 1)) ? (m[1] - m[0]) / std::sqrt(var) : 0.0;
  diag_.values["rec.reach_z"] = z;
  diag_.values["rec.reached"] = z > setup_.options.reach_z ? 1.0 : 0.0;
  if (!(z > setup_.options.reach_z)) return std::nullopt;
  return w;
}

GpBoStrategy::Answer GpBoStrategy::choose_answer(const std::shared_ptr<const GaussianProcess>& gp,
                                                 const AcqPair& target, const CurveModel* curve,
                                                 const ModeMixture* modes, std::uint64_t seed) {
  const auto& sp = setup_.space;
  Answer a;
  // The minimiser is taken where the runs are: within the convex hull of the mixtures run so
  // far (strategy.recommend_within = hull). Past every run, the posterior mean at the target is
  // the fitted trend of the mixture effect carried to a face or vertex of the simplex: with
  // fewer distinct mixtures than domains (a design of 5 in 9 domains) a linear effect fits them
  // exactly, the fit takes lengthscales of 10-60 shares, and its minimum is a vertex that no
  // run supports (law family: 4-7% from the optimum at cost 0.03-0.2; docs/experiments.md, "Where
  // the answer may lie"). The acquisition still ranges over the whole simplex, so the hull grows
  // wherever runs promise to tell most about the target.
  if (setup_.options.recommend_within != "hull") {
    a.w = simplex_minimiser(gp, target, seed);
    if (curve) a.w = curve_minimiser(*curve, target, a.w, seed);
    return a;
  }
  // The posterior mean at the target of whichever GP the answer comes from (each has mean() and
  // mean_gradient()), minimised over the hull.
  const auto minimise_mean = [&](const auto& model) {
    const auto mean = [&](const Eigen::VectorXd& w, Eigen::VectorXd* grad) {
      const Eigen::VectorXd x = sp.features(w, target.scale, target.steps);
      if (grad) *grad = model.mean_gradient(x).head(sp.k());
      return model.mean(x.transpose())[0];
    };
    return minimize_over_hull(mean, gp_rows_.mixtures).w;
  };
  if (curve) {
    a.w = minimise_mean(*curve->gp);
    return a;
  }
  a.w = modes ? minimise_mean(*modes) : minimise_mean(*gp);
  if (modes) a.map_w = minimise_mean(*gp);
  if (setup_.options.reach_z > 0)
    if (const auto w = reach_past_hull(gp, a.map_w ? *a.map_w : a.w, target, seed)) {
      a.w = *w;
      if (a.map_w) a.map_w = *w;
    }
  return a;
}

void GpBoStrategy::prefer_verified_run(const History& history, const GaussianProcess& gp,
                                       const AcqPair& target, const CurveModel* curve,
                                       const ModeMixture* modes, Answer& a) {
  const auto& sp = setup_.space;
  // A mixture already run at the target scale and full steps is evidence: keep the best such
  // run unless the model expects its minimiser to beat it. (Until session 20 it had to beat it by
  // one posterior sd, a margin against the simplex minimiser's drift past every run; within the
  // hull it kept the paper simulator's StackExchange vertex, a 1B run 0.35% off, over better
  // answers on the edge beside it: final regret 0.35% -> 0.21% over 30 seeds without it.)
  const Observation* verified = nullptr;
  for (const auto& o : history.observations)
    if (sp.is_target(o.point) && (!verified || o.value < verified->value)) verified = &o;
  diag_.values["rec.verified"] = 0.0;
  if (!verified) return;
  const auto target_mean = [&](const Eigen::VectorXd& w) {
    const Eigen::MatrixXd x = sp.features(w, target.scale, target.steps).transpose();
    return curve ? curve->posterior(x).mean[0] : modes ? modes->mean(x)[0] : gp.mean(x)[0];
  };
  const double y = gp_rows_.log_output ? std::log(verified->value) : verified->value;
  if (!(target_mean(a.w) < y)) {
    a.w = verified->point.w;
    diag_.values["rec.verified"] = 1.0;
  }
  if (a.map_w && !(gp.mean(sp.features(*a.map_w, target.scale, target.steps).transpose())[0] < y))
    a.map_w = verified->point.w;
}

void GpBoStrategy::state_value(const History& history,
                               const std::shared_ptr<const GaussianProcess>& gp,
                               const AcqPair& target, const CurveModel* curve,
                               const ModeMixture* modes, Recommendation& r) {
  const auto& sp = setup_.space;
  const TrainingSet& ts = gp_rows_;
  const RunOutCalibration cal = run_out_calibration(*gp, ts.run, sp.k());
  diag_.values["rec.sd_scale"] = cal.sd_scale;
  diag_.values["rec.shared_error"] = cal.shared_error;
  diag_.values["rec.checked_gap"] = cal.max_gap;
  // The value at the target is an extrapolation across scales while every run is below the
  // target scale. It is stated there, with its interval, only once the run-out check has
  // measured how far extrapolations as long as this one miss. Before that it is stated where
  // the runs are (the largest scale run so far at its longest steps, the mixture still the
  // target's choice) with no interval: e.g. while every run is at the smallest scale, where
  // nothing tells how the loss falls with scale, or while the largest runs are at 60M and the
  // check has predicted 60M from 20M, not 1B from 60M. (Stated at the target, such values made
  // 58 of the 98 misses of 315 intervals on the demo law, 10 seeds, every one too optimistic. An
  // interval where the runs are would need a check of its own: the model's missed the truth in
  // 27% of such rounds on the paper simulator and on the demo law.)
  const Observation& far = farthest_observation(history);
  const Eigen::Index scale_column = sp.k();
  const double gap = sp.features(r.w, target.scale, target.steps)[scale_column] -
                     sp.features(r.w, far.point.scale, far.point.steps)[scale_column];
  diag_.values["rec.gap"] = gap;
  // "As long": up to kCheckedReach times the longest extrapolation checked, so that one rung
  // of a ladder with near-even rungs vouches for the next (demo ladder: 700M from 500M is ln 1.4,
  // 1B from 700M ln 1.43), and 60M from 20M (ln 3) does not for 1B from 60M (ln 16.7).
  const bool checked = far.point.scale >= target.scale ||
                       (cal.measured && gap <= kCheckedReach * cal.max_gap + 1e-9);
  AcqPair at = target;  // where the value is stated
  if (!checked) {
    at.scale = far.point.scale;
    at.steps = far.point.steps;
  }
  diag_.values["rec.at_target"] = at.scale == target.scale ? 1.0 : 0.0;
  // The interval's sd: the posterior sd times how many of them a held-out run's own miss is
  // (sd_scale, >= 1), and, in quadrature, the error no posterior sd of this model contains: while
  // the target is extrapolated to (no run at or above it), the miss the runs at the scale nearest
  // the target shared when predicted from below (the trend's error at such an extrapolation);
  // once enough runs at the target exist to measure it, how far each of them is missed when
  // held out alone. With fewer (one target run: nothing else there to predict it from) the
  // trend's error stands: the value is still mostly extrapolated from below, and taking the
  // unmeasured error as 0 narrowed the interval to the posterior sd (demo law, budget 6: 16 of
  // 217 intervals, stated after one 1B run, missed values at the optimum 0.1-0.2% too high).
  const bool extrapolated = far.point.scale < target.scale;
  struct Value {
    double mean, lo, hi, model_error;
  };
  const auto value_of = [&](const GaussianProcess& g, const RunOutCalibration& c) {
    const Eigen::MatrixXd x = sp.features(r.w, at.scale, at.steps).transpose();
    const Posterior p = curve ? curve->posterior(x) : g.predict(x);
    Value v{p.mean[0], 0, 0, c.shared_error};
    if (!extrapolated) {
      const double target_column = sp.features(r.w, target.scale, target.steps)[scale_column];
      const HeldOutMiss held = leave_run_out_miss(g, ts.run, scale_column, target_column);
      if (held.measured) v.model_error = held.rms;
    }
    const double sd =
        std::hypot(std::sqrt(p.variance[0]) * std::max(1.0, c.sd_scale), v.model_error);
    v.lo = v.mean - 1.96 * sd;
    v.hi = v.mean + 1.96 * sd;
    return v;
  };
  Value v = value_of(*gp, cal);
  diag_.values["rec.model_error"] = v.model_error;
  if (modes) {
    // The modes' values as one Gaussian mixture: its mean, and its 2.5% and 97.5% quantiles
    // (one mode not the MAP, where the MAP's weight fell below ModeMixture::kMinWeight: its value).
    std::vector<double> weights, means, sds;
    for (size_t i = 0; i < modes->size(); ++i) {
      const GaussianProcess& g = modes->gp(i);
      const Value m = &g == gp.get() ? v : value_of(g, run_out_calibration(g, ts.run, sp.k()));
      weights.push_back(modes->weight(i));
      means.push_back(m.mean);
      sds.push_back((m.hi - m.lo) / (2 * 1.96));
    }
    v.mean = 0;
    for (size_t i = 0; i < weights.size(); ++i) v.mean += weights[i] * means[i];
    v.lo = gaussian_mixture_quantile(weights, means, sds, 0.025);
    v.hi = gaussian_mixture_quantile(weights, means, sds, 0.975);
  }
  // Every extrapolation of the trend (gp_bo.hpp): the midpoint of the lowest and highest value,
  // the union of their intervals.
  if (!curve) {
    double low = v.mean, high = v.mean;
    for (size_t i = 0; i < trends_.size(); ++i) {
      const auto trend = trend_model_for(i, history);
      const Value t = value_of(*trend, run_out_calibration(*trend, ts.run, sp.k()));
      diag_.values["rec." + trend_name(i) + "_gap"] = t.mean - v.mean;
      diag_.values["rec." + trend_name(i) + "_model_error"] = t.model_error;
      low = std::min(low, t.mean);
      high = std::max(high, t.mean);
      v.lo = std::min(v.lo, t.lo);
      v.hi = std::max(v.hi, t.hi);
    }
    v.mean = 0.5 * (low + high);
  }
  r.mean = v.mean;
  r.lo = checked ? v.lo : r.mean;
  r.hi = checked ? v.hi : r.mean;
  if (ts.log_output) {  // a log-normal's median and 95% interval in the objective's units
    r.mean = std::exp(r.mean);
    r.lo = std::exp(r.lo);
    r.hi = std::exp(r.hi);
  }
  r.valid = true;
  r.has_interval = checked;
  r.scale = at.scale;
  r.steps = at.steps;
}

Recommendation GpBoStrategy::recommend(const History& history) {
  Recommendation r;
  const auto gp = model_for(history);
  if (!gp) return r;
  const AcqPair target = target_pair();
  const std::uint64_t seed =
      derived_seed(static_cast<std::uint64_t>(history.iteration), kSeedRecommend);
  // checkpoints = all: the recommendation comes from the GP on every checkpoint, with the
  // thinned GP's hyperparameters (refined from the thinned model's minimiser on the simplex).
  std::unique_ptr<CurveModel> curve;
  if (model_every_checkpoint()) curve = curve_model(history);
  // strategy.answer_modes = transfer: the answer and its value from the decision GP and its
  // transfer modes, weighted by their posterior on these rows (gp/mode_mixture.hpp). The
  // acquisition stays the MAP GP's, and so does its target point (map_w, target_points): the
  // runs chosen are the MAP model's whatever the answer, so a campaign's runs are those of
  // answer_modes = map and only its answers differ, in the rounds where a second mode has weight.
  const bool in_hull = setup_.options.recommend_within == "hull";
  const std::optional<ModeMixture> modes = curve || !in_hull ? std::nullopt : answer_mixture(gp);
  if (modes) {
    diag_.values["rec.modes"] = static_cast<double>(modes->size());
    diag_.values["rec.map_weight"] = &modes->gp(0) == gp.get() ? modes->weight(0) : 0.0;
  }
  const ModeMixture* mm = modes ? &*modes : nullptr;
  Answer a = choose_answer(gp, target, curve.get(), mm, seed);
  prefer_verified_run(history, *gp, target, curve.get(), mm, a);
  r.w = a.w;
  state_value(history, gp, target, curve.get(), mm, r);
  last_recommendation_ = a.map_w ? *a.map_w : a.w;
  return r;
}

}  // namespace mixbo
