#include "mixbo/strategy/bimix_law.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "mixbo/core/error.hpp"
#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/run_lookup.hpp"

namespace mixbo {
namespace {

constexpr std::uint64_t kBimixDesignStream = 0x42694d6978000001ULL;  // "BiMix"
constexpr int kBimixDesignLength = 4096;  // design points available (far more than any budget uses)
constexpr double kSameAnswer = 0.01;      // minimisers closer than this (max |dw|) are one answer

}  // namespace

BimixLawStrategy::BimixLawStrategy(const StrategySetup& setup, Team& team)
    : setup_(setup),
      team_(&team),
      fitter_(setup.space, setup.seed, std::max(4, setup.options.fit_starts / 2)) {
  const auto& sp = setup_.space;
  scale_ =
      setup_.options.bimix_scale.empty() ? 0 : sp.scales().index_of(setup_.options.bimix_scale);
  if (scale_ < 0)
    throw ConfigError("strategy.bimix_scale names unknown scale '" + setup_.options.bimix_scale +
                      "'");
  n_design_ = std::max(setup_.options.n_init, 3 * sp.k());
  design_ = sample_sobol(sp.simplex(), kBimixDesignLength, setup_.seed ^ kBimixDesignStream);
  if (!setup_.options.bimix_entropy.empty() &&
      static_cast<int>(setup_.options.bimix_entropy.size()) != sp.k())
    throw ConfigError("strategy.bimix_entropy has " +
                      std::to_string(setup_.options.bimix_entropy.size()) + " values for " +
                      std::to_string(sp.k()) + " domains");
}

Eigen::VectorXd BimixLawStrategy::design_point(int j) const {
  return design_.row(j % kBimixDesignLength).transpose();
}

Eigen::VectorXd BimixLawStrategy::entropy_mixture() const {
  const auto& h = setup_.options.bimix_entropy;
  Eigen::VectorXd e =
      Eigen::Map<const Eigen::VectorXd>(h.data(), static_cast<Eigen::Index>(h.size()));
  const Eigen::VectorXd p = (e.array() - e.maxCoeff()).exp().matrix();
  return setup_.space.simplex().project(p / p.sum());
}

std::optional<BimixFit> BimixLawStrategy::fit(const History& history, int scale) {
  return fitter_.fit(history, scale, *team_, &diag_);
}

BimixLawStrategy::Plan BimixLawStrategy::plan(const History& history, int scale) {
  Plan p;
  p.scale = scale;
  p.fit = fit(history, scale);
  if (!p.fit) return p;
  const auto m = fitter_.minimum(p.fit->law);
  p.w = m.w;
  p.predicted = m.value;
  return p;
}

int BimixLawStrategy::stage_scale(int stage) const {
  const int target = setup_.space.scales().target();
  const int s = scale_ + stage;
  return s < target || stage == 0 ? s : -1;
}

BimixLawStrategy::StageState BimixLawStrategy::stage_state(const History& history,
                                                           const std::vector<Point>& pending,
                                                           int scale) const {
  const std::int64_t full = setup_.space.steps().max_steps();
  StageState st;
  for (int j = 0; j < kBimixDesignLength; ++j) {
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
  const auto& sp = setup_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  std::vector<Eigen::VectorXd> out;
  for (const auto& r : history.runs) {
    if (r.scale != target || r.steps != full) continue;
    // Not a design point (a design at the target scale itself: bimix_scale = target).
    bool design = false;
    for (int j = 0; j < kBimixDesignLength && !design && scale_ == target; ++j) {
      if (!contains_run(history.runs, {design_point(j), scale_, full})) break;
      design = same_mixture(r.w, design_point(j));
    }
    if (!design) out.push_back(r.w);
  }
  return out;
}

std::vector<Point> BimixLawStrategy::propose(const History& history,
                                             const std::vector<Point>& pending, int q) {
  const auto& sp = setup_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  std::vector<Point> out;
  if (q <= 0) return out;
  if (!setup_.options.bimix_entropy.empty()) {
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
      for (int j = st.next;
           static_cast<int>(out.size()) < std::min(more, q) && j < kBimixDesignLength; ++j) {
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
  const auto& sp = setup_.space;
  const int target = sp.scales().target();
  const std::int64_t full = sp.steps().max_steps();
  Recommendation r;
  if (!setup_.options.bimix_entropy.empty()) {
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
