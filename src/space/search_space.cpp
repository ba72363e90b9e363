#include "mixbo/space/search_space.hpp"

#include <cmath>

namespace mixbo {

SearchSpace::SearchSpace(BoundedSimplex simplex, ScaleLadder scales, StepGrid steps)
    : simplex_(std::move(simplex)), scales_(std::move(scales)), steps_(std::move(steps)) {}

double SearchSpace::cost(int scale, std::int64_t steps) const {
  return scales_[scale].step_cost * static_cast<double>(steps) /
         static_cast<double>(steps_.max_steps());
}

double SearchSpace::target_run_cost() const { return cost(scales_.target(), steps_.max_steps()); }

Eigen::VectorXd SearchSpace::features(const Eigen::Ref<const Eigen::VectorXd>& w, int scale,
                                      std::int64_t steps) const {
  Eigen::VectorXd x(feature_dim());
  x.head(k()) = w;
  x[k()] = std::log(scales_[scale].params);
  x[k() + 1] = std::log(static_cast<double>(steps));
  return x;
}

Eigen::VectorXd SearchSpace::features(const Point& p) const {
  return features(p.w, p.scale, p.steps);
}

}  // namespace mixbo
