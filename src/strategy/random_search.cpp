#include "mixbo/strategy/random_search.hpp"

#include "mixbo/space/sampling.hpp"

namespace mixbo {

std::vector<Point> RandomSearch::propose(const History& history, const std::vector<Point>&, int q) {
  const auto& sp = setup_.space;
  Rng rng = make_rng(setup_.seed, static_cast<std::uint64_t>(history.iteration));
  const Eigen::MatrixXd w = sample_dirichlet(sp.simplex(), 1.0, q, rng);
  std::vector<Point> out;
  for (int i = 0; i < q; ++i)
    out.push_back({w.row(i).transpose(), sp.scales().target(), sp.steps().max_steps()});
  return out;
}

Recommendation RandomSearch::recommend(const History& history) {
  return best_target_observation(setup_.space, history);
}

Recommendation best_target_observation(const SearchSpace& space, const History& history) {
  Recommendation r;
  for (const auto& o : history.observations) {
    if (!space.is_target(o.point)) continue;
    if (!r.valid || o.value < r.mean) r = Recommendation::observed(o.point, o.value);
  }
  return r;
}

}  // namespace mixbo
