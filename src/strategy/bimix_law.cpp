#include "mixbo/strategy/bimix_law.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "mixbo/core/error.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/run_lookup.hpp"
#include "mixbo/strategy/surrogate_minimize.hpp"

namespace mixbo {
namespace {

constexpr std::uint64_t kDesignStream = 0x42694d6978000001ULL;  // "BiMix"
constexpr std::uint64_t kFitStream = 0x42694d6978000002ULL;
constexpr int kDesignLength = 4096;  // design points available (far more than any budget uses)
constexpr int kCheckpointsPerRun = 24;
constexpr double kSameAnswer = 0.01;  // minimisers closer than this (max |dw|) are one answer

}  // namespace

BimixLawStrategy::BimixLawStrategy(const CampaignConfig& config, Team& team)
    : config_(config), team_(&team) {
  const auto& sp = config_.space;
  scale_ =
      config_.strategy.bimix_scale.empty() ? 0 : sp.scales().index_of(config_.strategy.bimix_scale);
  if (scale_ < 0)
    throw ConfigError("strategy.bimix_scale names unknown scale '" + config_.strategy.bimix_scale +
                      "'");
  n_design_ = std::max(config_.strategy.n_init, 3 * sp.k());
  design_ = sample_sobol(sp.simplex(), kDesignLength, config_.seed ^ kDesignStream);
  if (!config_.strategy.bimix_entropy.empty() &&
      static_cast<int>(config_.strategy.bimix_entropy.size()) != sp.k())
    throw ConfigError("strategy.bimix_entropy has " +
                      std::to_string(config_.strategy.bimix_entropy.size()) + " values for " +
                      std::to_string(sp.k()) + " domains");
}

Eigen::VectorXd BimixLawStrategy::design_point(int j) const {
  return design_.row(j % kDesignLength).transpose();
}

Eigen::VectorXd BimixLawStrategy::entropy_mixture() const {
  const auto& h = config_.strategy.bimix_entropy;
  Eigen::VectorXd e =
      Eigen::Map<const Eigen::VectorXd>(h.data(), static_cast<Eigen::Index>(h.size()));
  const Eigen::VectorXd p = (e.array() - e.maxCoeff()).exp().matrix();
  return config_.space.simplex().project(p / p.sum());
}

std::optional<BimixFit> BimixLawStrategy::fit(const History& history, int scale) {
  const auto& sp = config_.space;
  const std::int64_t min_step = std::max<std::int64_t>(1, sp.steps().max_steps() / 20);
  // Observations at the fit scale, grouped by trial, thinned evenly in log steps.
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
  const int k = sp.k();
  if (static_cast<int>(kept.size()) < 4 * k + 1 || by_trial.size() < 2) return std::nullopt;
  BimixData d;
  d.W.resize(static_cast<Eigen::Index>(kept.size()), k);
  d.steps.resize(d.W.rows());
  d.y.resize(d.W.rows());
  for (size_t i = 0; i < kept.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    d.W.row(r) = kept[i]->point.w.transpose();
    d.steps[r] = static_cast<double>(kept[i]->point.steps);
    d.y[r] = kept[i]->value;
  }
  // propose() and recommend() of one round see the same data: fit once.
  if (const auto c = cache_.find(scale);
      c != cache_.end() && c->second.first.y.size() == d.y.size() && c->second.first.W == d.W &&
      c->second.first.steps == d.steps && c->second.first.y == d.y)
    return c->second.second;
  Rng rng = make_rng(config_.seed, kFitStream + kept.size());
  BimixFit f = fit_bimix_law(d, static_cast<double>(sp.steps().max_steps()), *team_, rng,
                             std::max(4, config_.strategy.fit_starts / 2));
  diag_.values["bimix.fit_rmse"] = f.rmse;
  diag_.values["bimix.fit_observations"] = static_cast<double>(kept.size());
  for (int i = 0; i < k; ++i) {
    const std::string n = sp.simplex().names()[static_cast<size_t>(i)];
    diag_.values["bimix.alpha." + n] = f.law.alpha[i];
    diag_.values["bimix.beta." + n] = f.law.beta[i];
  }
  cache_.insert_or_assign(scale, std::make_pair(std::move(d), f));
  return f;
}

BimixLawStrategy::Plan BimixLawStrategy::plan(const History& history, int scale) {
  Plan p;
  p.scale = scale;
  p.fit = fit(history, scale);
  if (!p.fit) return p;
  const BimixLaw law = p.fit->law;
  const double full = static_cast<double>(config_.space.steps().max_steps());
  const auto m = minimize_surrogate(
      [&](const Eigen::VectorXd& w, Eigen::VectorXd* g) { return law.predict(w, full, g); },
      config_.space.simplex(), config_.seed ^ kFitStream);
  p.w = m.w;
  p.predicted = m.value;
  return p;
}

int BimixLawStrategy::stage_scale(int stage) const {
  const int target = config_.space.scales().target();
  const int s = scale_ + stage;
  return s < target || stage == 0 ? s : -1;
}

BimixLawStrategy::StageState BimixLawStrategy::stage_state(const History& history,
                                                           const std::vector<Point>& pending,
                                                           int scale) const {
  const std::int64_t full = config_.space.steps().max_steps();
  StageState st;
  for (int j = 0; j < kDesignLength; ++j) {
    const Point p{design_point(j), scale, full};
    if (!contains_run(history.runs, p)) {
      st.next = j;
      break;
    }
    ++st.proposed;
    if (contains_run(pending, p))
      ++st.waiting;
    else if (final_value(history, p))
      ++st.finished;
  }
  return st;
}

std::vector<Eigen::VectorXd> BimixLawStrategy::verified(const History& history) const {
  const auto& sp = config_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  std::vector<Eigen::VectorXd> out;
  for (const auto& r : history.runs) {
    if (r.scale != target || r.steps != full) continue;
    // Not a design point (a design at the target scale itself: bimix_scale = target).
    bool design = false;
    for (int j = 0; j < kDesignLength && !design && scale_ == target; ++j) {
      if (!contains_run(history.runs, {design_point(j), scale_, full})) break;
      design = same_mixture(r.w, design_point(j));
    }
    if (!design) out.push_back(r.w);
  }
  return out;
}

std::vector<Point> BimixLawStrategy::propose(const History& history,
                                             const std::vector<Point>& pending, int q) {
  const auto& sp = config_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  std::vector<Point> out;
  if (q <= 0) return out;
  if (!config_.strategy.bimix_entropy.empty()) {
    const Point p{entropy_mixture(), target, full};
    if (!contains_run(history.runs, p)) out.push_back(p);
    return out;
  }
  const auto done = verified(history);
  for (int stage = 0;; ++stage) {
    const int scale = stage_scale(stage);
    if (scale < 0) return out;  // every stage below the target is done: nothing more to learn
    const StageState st = stage_state(history, pending, scale);
    // Design points still to run: the stage's design (failures replaced), and while its runs
    // are pending, the free slots too (more data rather than idle slots).
    int more = std::max(0, n_design_ - (st.proposed - st.failed()));
    if (more == 0 && st.finished < n_design_) more = q;
    const Plan p = more > 0 ? Plan{} : plan(history, scale);
    if (more == 0 && p.w.size() == 0) more = q;  // too little data (failures)
    if (more > 0) {
      for (int j = st.next; static_cast<int>(out.size()) < std::min(more, q) && j < kDesignLength;
           ++j) {
        const Point d{design_point(j), scale, full};
        if (!contains_run(history.runs, d)) out.push_back(d);
      }
      return out;
    }
    // The stage's minimiser at the target, unless that answer has been trained there already.
    if (std::none_of(done.begin(), done.end(),
                     [&](const Eigen::VectorXd& w) { return same_mixture(w, p.w, kSameAnswer); })) {
      out.push_back({p.w, target, full});
      return out;
    }
  }
}

Recommendation BimixLawStrategy::recommend(const History& history) {
  const auto& sp = config_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  Recommendation r;
  if (!config_.strategy.bimix_entropy.empty()) {
    const Point p{entropy_mixture(), target, full};
    if (const auto v = final_value(history, p)) r = Recommendation::observed(p, *v);
    return r;
  }
  // The best verification run that has a value.
  for (const auto& w : verified(history)) {
    const Point run{w, target, full};
    if (const auto v = final_value(history, run); v && (!r.valid || *v < r.mean))
      r = Recommendation::observed(run, *v);
  }
  if (r.valid) return r;
  // Else the law of the latest stage that has one, at its own scale.
  for (int stage = 0; stage_scale(stage) >= 0; ++stage) {
    Plan p = plan(history, stage_scale(stage));
    if (p.w.size() == 0) break;
    r.valid = true;
    r.w = p.w;
    r.mean = p.predicted;
    r.lo = p.predicted - 1.96 * p.fit->rmse;
    r.hi = p.predicted + 1.96 * p.fit->rmse;
    r.has_interval = p.fit->rmse > 0;
    r.scale = p.scale;  // the law has no size term: its prediction is for the scale it is fitted at
    r.steps = full;
  }
  return r;
}

}  // namespace mixbo
