#include "mixbo/strategy/hyperband.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mixbo/space/sampling.hpp"
#include "mixbo/strategy/random_search.hpp"
#include "mixbo/strategy/run_lookup.hpp"

namespace mixbo {
namespace {

std::int64_t ipow(std::int64_t b, int e) {
  std::int64_t r = 1;
  for (int i = 0; i < e; ++i) r *= b;
  return r;
}

}  // namespace

std::vector<Fidelity> hyperband_rungs(const SearchSpace& space, int eta) {
  const int target = space.scales().target();
  const std::int64_t full = space.steps().max_steps();
  std::vector<Fidelity> down{{target, full, space.cost(target, full)}};
  for (;;) {
    const Fidelity& top = down.back();
    const double want = std::log(top.cost / eta);
    const Fidelity* best = nullptr;
    Fidelity cand;
    double best_gap = std::numeric_limits<double>::infinity();
    Fidelity chosen;
    for (int m = 0; m <= top.scale; ++m)
      for (const auto z : space.steps().budgets()) {
        if (z > top.steps) continue;
        cand = {m, z, space.cost(m, z)};
        if (cand.cost > top.cost / std::sqrt(static_cast<double>(eta))) continue;
        const double gap = std::abs(std::log(cand.cost) - want);
        // Ties: the larger scale (closer to the target's behaviour).
        if (gap < best_gap - 1e-12 || (gap <= best_gap + 1e-12 && best && m > chosen.scale)) {
          best_gap = gap;
          chosen = cand;
          best = &chosen;
        }
      }
    if (!best) break;
    down.push_back(chosen);
  }
  std::reverse(down.begin(), down.end());
  return down;
}

Hyperband::Hyperband(const StrategySetup& setup)
    : setup_(setup), eta_(std::max(2, setup.options.hyperband_eta)) {
  const auto chain = hyperband_rungs(setup_.space, eta_);
  // The deepest bracket whose own cost fits the budget.
  for (int s = static_cast<int>(chain.size()) - 1; s >= 0; --s) {
    rungs_.assign(chain.end() - (s + 1), chain.end());
    s_max_ = s;
    if (s == 0 || bracket_cost(s) <= setup_.budget) break;
  }
  diag_.values["hyperband.s_max"] = s_max_;
  diag_.values["hyperband.rungs"] = static_cast<double>(rungs_.size());
}

std::int64_t Hyperband::rung_size(int s, int i) const {
  const std::int64_t num = (s_max_ + 1) * ipow(eta_, s);
  const std::int64_t n = (num + s) / (s + 1);  // ceil((s_max + 1) eta^s / (s + 1))
  return std::max<std::int64_t>(1, n / ipow(eta_, i));
}

double Hyperband::bracket_cost(int s) const {
  double c = 0;
  for (int i = 0; i <= s; ++i)
    c += static_cast<double>(rung_size(s, i)) * rungs_[static_cast<size_t>(s_max_ - s + i)].cost;
  return c;
}

Eigen::MatrixXd Hyperband::bracket_mixtures(int b) const {
  Rng rng = make_rng(setup_.seed, kStream + static_cast<std::uint64_t>(b));
  return sample_dirichlet(setup_.space.simplex(), 1.0, static_cast<int>(rung_size(bracket_s(b), 0)),
                          rng);
}

std::vector<Point> Hyperband::propose(const History& history, const std::vector<Point>& pending,
                                      int q) {
  std::vector<Point> out;
  if (q <= 0) return out;
  int promoted = 0, settled_brackets = 0;
  const RunIndex index(history);
  for (int b = 0;; ++b) {
    const int s = bracket_s(b);
    const Eigen::MatrixXd W0 = bracket_mixtures(b);
    std::vector<Eigen::VectorXd> configs;
    for (Eigen::Index r = 0; r < W0.rows(); ++r) configs.push_back(W0.row(r).transpose());
    for (int i = 0; i <= s; ++i) {
      const Fidelity& f = rungs_[static_cast<size_t>(s_max_ - s + i)];
      bool settled = true;
      std::vector<std::pair<double, size_t>> results;  // value, index into configs
      for (size_t c = 0; c < configs.size(); ++c) {
        const Point p{configs[c], f.scale, f.steps};
        if (contains_run(pending, p) || contains_run(out, p)) {
          settled = false;
        } else if (index.contains(p)) {
          const auto v = index.final_value(p);  // none: failed, never promoted
          if (v) results.push_back({*v, c});
        } else {
          settled = false;
          out.push_back(p);
          if (static_cast<int>(out.size()) == q) {
            diag_.values["hyperband.bracket"] = b;
            return out;
          }
        }
      }
      if (!settled || i == s) {
        if (settled && i == s) ++settled_brackets;
        break;
      }
      // Successive halving: the best floor(n / eta^(i+1)) go on (ties: the earlier config).
      std::stable_sort(results.begin(), results.end(),
                       [](const auto& a, const auto& c) { return a.first < c.first; });
      const auto keep = std::min<size_t>(results.size(), static_cast<size_t>(rung_size(s, i + 1)));
      std::vector<Eigen::VectorXd> next;
      for (size_t j = 0; j < keep; ++j) next.push_back(configs[results[j].second]);
      promoted += static_cast<int>(keep);
      configs = std::move(next);
      if (configs.empty()) break;  // every run of the rung failed
    }
    diag_.values["hyperband.settled_brackets"] = settled_brackets;
    diag_.values["hyperband.promoted"] = promoted;
  }
}

Recommendation Hyperband::recommend(const History& history) {
  Recommendation r = best_target_observation(setup_.space, history);
  if (r.valid) return r;
  double top = -1;
  for (const auto& o : history.observations) top = std::max(top, setup_.space.cost(o.point));
  for (const auto& o : history.observations) {
    if (setup_.space.cost(o.point) < top) continue;
    if (!r.valid || o.value < r.mean) r = Recommendation::observed(o.point, o.value);
  }
  return r;
}

}  // namespace mixbo
