#pragma once
// The whole search space and its cost model: mixture simplex x scale ladder x step grid.
#include <Eigen/Core>
#include <cstdint>

#include "mixbo/space/point.hpp"
#include "mixbo/space/scale_ladder.hpp"
#include "mixbo/space/simplex.hpp"
#include "mixbo/space/step_grid.hpp"

namespace mixbo {

class SearchSpace {
 public:
  SearchSpace() = default;
  SearchSpace(BoundedSimplex simplex, ScaleLadder scales, StepGrid steps);

  const BoundedSimplex& simplex() const { return simplex_; }
  const ScaleLadder& scales() const { return scales_; }
  const StepGrid& steps() const { return steps_; }
  int k() const { return simplex_.dim(); }

  // cost(m, z) = step_cost(m) * z / max_steps: a full run at a scale of step cost 1 costs 1.
  double cost(int scale, std::int64_t steps) const;
  double cost(const Point& p) const { return cost(p.scale, p.steps); }
  // The cost of one full-length run at the target scale (the "target-run equivalent").
  double target_run_cost() const;

  // GP input features of a point: [w_1..w_k, log(params), log(steps)]. Column k is the scale
  // feature and column k+1 the steps feature (kernels address these column groups).
  int feature_dim() const { return k() + 2; }
  Eigen::VectorXd features(const Point& p) const;
  Eigen::VectorXd features(const Eigen::Ref<const Eigen::VectorXd>& w, int scale,
                           std::int64_t steps) const;
  bool is_target(const Point& p) const {
    return p.scale == scales_.target() && p.steps == steps_.max_steps();
  }

 private:
  BoundedSimplex simplex_;
  ScaleLadder scales_;
  StepGrid steps_;
};

}  // namespace mixbo
