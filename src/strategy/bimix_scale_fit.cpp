#include "mixbo/strategy/bimix_scale_fit.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace mixbo {

namespace {
constexpr std::uint64_t kFitStream = 0x42694d6978000002ULL;  // "BiMix"
}  // namespace

BimixScaleFitter::BimixScaleFitter(SearchSpace space, std::uint64_t seed, int starts)
    : space_(std::move(space)), seed_(seed), starts_(starts) {}

BimixData BimixScaleFitter::data(const History& history, int scale) const {
  const std::int64_t min_step = std::max<std::int64_t>(1, space_.steps().max_steps() / 20);
  std::map<std::string, std::vector<const Observation*>> by_trial;
  for (const auto& o : history.observations)
    if (o.point.scale == scale && o.point.steps >= min_step && std::isfinite(o.value))
      by_trial[o.trial].push_back(&o);
  std::vector<const Observation*> kept;
  for (auto& [trial, obs] : by_trial) {
    std::stable_sort(obs.begin(), obs.end(),
                     [](auto* a, auto* b) { return a->point.steps < b->point.steps; });
    const double lo = std::log(static_cast<double>(obs.front()->point.steps));
    const double hi = std::log(static_cast<double>(obs.back()->point.steps));
    size_t next = 0;
    for (int g = 0; g < kCheckpointsPerRun && next < obs.size(); ++g) {
      const double thr = lo + (hi - lo) * g / (kCheckpointsPerRun - 1);
      while (next < obs.size() &&
             std::log(static_cast<double>(obs[next]->point.steps)) < thr - 1e-12)
        ++next;
      if (next < obs.size()) kept.push_back(obs[next++]);
    }
  }
  BimixData d;
  d.W.resize(static_cast<Eigen::Index>(kept.size()), space_.k());
  d.steps.resize(d.W.rows());
  d.y.resize(d.W.rows());
  for (size_t i = 0; i < kept.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    d.W.row(r) = kept[i]->point.w.transpose();
    d.steps[r] = static_cast<double>(kept[i]->point.steps);
    d.y[r] = kept[i]->value;
  }
  // Fewer than two runs: mark as unusable with an empty set.
  if (by_trial.size() < 2) d.y.resize(0);
  return d;
}

std::optional<BimixFit> BimixScaleFitter::fit(const History& history, int scale, Team& team,
                                              Diagnostics* diag) {
  BimixData d = data(history, scale);
  const int k = space_.k();
  if (d.y.size() < 4 * k + 1) return std::nullopt;
  if (const auto c = cache_.find(scale);
      c != cache_.end() && c->second.first.y.size() == d.y.size() && c->second.first.W == d.W &&
      c->second.first.steps == d.steps && c->second.first.y == d.y)
    return c->second.second;
  Rng rng = make_rng(seed_, kFitStream + static_cast<std::uint64_t>(d.y.size()));
  BimixFit f =
      fit_bimix_law(d, static_cast<double>(space_.steps().max_steps()), team, rng, starts_);
  if (diag) {
    diag->values["bimix.fit_rmse"] = f.rmse;
    diag->values["bimix.fit_observations"] = static_cast<double>(d.y.size());
    for (int i = 0; i < k; ++i) {
      const std::string n = space_.simplex().names()[static_cast<size_t>(i)];
      diag->values["bimix.alpha." + n] = f.law.alpha[i];
      diag->values["bimix.beta." + n] = f.law.beta[i];
    }
  }
  cache_.insert_or_assign(scale, std::make_pair(std::move(d), f));
  return f;
}

SurrogateMinimum BimixScaleFitter::minimum(const BimixLaw& law) const {
  const double full = static_cast<double>(space_.steps().max_steps());
  return minimize_surrogate(
      [&](const Eigen::VectorXd& w, Eigen::VectorXd* g) { return law.predict(w, full, g); },
      space_.simplex(), seed_ ^ kFitStream);
}

}  // namespace mixbo
