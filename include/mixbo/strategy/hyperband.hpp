#pragma once
// Baseline: Hyperband (Li et al. 2018) over the fidelities (model scale, step budget), with
// random mixtures (Dirichlet(1) on the bounded simplex) as its configurations — the paper's
// multi-fidelity baseline.
//
// Rungs: a chain of (scale, steps) pairs ending at (target scale, full steps), each about eta
// times cheaper than the next (hyperband_rungs). Brackets: Hyperband's, over the top
// s_max + 1 rungs; bracket b (b = 0, 1, ...) has s = s_max - (b mod (s_max + 1)), starts
// n = ceil((s_max + 1) / (s + 1) * eta^s) mixtures at rung s_max - s and promotes the best
// floor(n / eta^i) (at least 1) of each rung to the next, ending at the target. s_max is the
// deepest bracket whose own cost fits the campaign budget, so at least one bracket finishes.
//
// Asynchronous successive halving: a rung is promoted once all its runs have settled (a failed
// run is never promoted); while it waits, free slots start the next bracket. The whole state
// (which bracket and rung each run belongs to, what has been promoted) is rebuilt from
// history.runs / observations / pending on every call: bracket b's mixtures come from
// make_rng(seed, kStream + b), so a fresh strategy on the same history proposes the same points.
//
// Recommendation: the best observation at the target scale and full steps; before any, the best
// observation at the most expensive fidelity observed so far.
#include <cstdint>
#include <vector>

#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

struct Fidelity {
  int scale = 0;
  std::int64_t steps = 0;
  double cost = 0;
};

// The rung chain, cheapest first, last = (target, max_steps): built downwards from the target,
// each rung the pair (scale <= the next rung's, steps <= the next rung's) whose cost is closest
// in log to 1/eta of the next rung's, while one at most 1/sqrt(eta) as costly exists.
std::vector<Fidelity> hyperband_rungs(const SearchSpace& space, int eta);

class Hyperband : public Strategy {
 public:
  explicit Hyperband(const StrategySetup& setup);
  std::string name() const override { return "hyperband"; }
  std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                             int q) override;
  Recommendation recommend(const History& history) override;
  Diagnostics diagnostics() const override { return diag_; }

  int s_max() const { return s_max_; }
  const std::vector<Fidelity>& rungs() const { return rungs_; }  // the top s_max + 1
  // Mixtures that start bracket b, and how many runs rung i of a bracket with this s holds.
  Eigen::MatrixXd bracket_mixtures(int b) const;
  int bracket_s(int b) const { return s_max_ - b % (s_max_ + 1); }
  std::int64_t rung_size(int s, int i) const;
  double bracket_cost(int s) const;

  static constexpr std::uint64_t kStream = 0x4879706572000000ULL;  // "Hyper"

 private:
  StrategySetup setup_;
  int eta_ = 3;
  std::vector<Fidelity> rungs_;
  int s_max_ = 0;
  Diagnostics diag_;
};

}  // namespace mixbo
