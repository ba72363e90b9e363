#pragma once
// Baseline: random mixtures (Dirichlet(1) on the bounded simplex), always trained at the target
// scale for the full number of steps; recommends the best target run seen.
#include "mixbo/strategy/strategy.hpp"

namespace mixbo {

class RandomSearch : public Strategy {
 public:
  RandomSearch(const StrategySetup& setup) : setup_(setup) {}
  std::string name() const override { return "random"; }
  std::vector<Point> propose(const History& history, const std::vector<Point>& pending,
                             int q) override;
  Recommendation recommend(const History& history) override;

 private:
  StrategySetup setup_;
};

// The best observation at the target scale and full steps (shared by the baselines that
// recommend what they have seen). Invalid when there is none.
Recommendation best_target_observation(const SearchSpace& space, const History& history);

}  // namespace mixbo
