#pragma once
// One proxy training run's coordinates: a mixture, a rung of the scale ladder and a step count.
#include <Eigen/Core>
#include <cstdint>

namespace mixbo {

struct Point {
  Eigen::VectorXd w;       // mixture proportions, on the simplex
  int scale = 0;           // index into the ScaleLadder
  std::int64_t steps = 0;  // training steps (a run's budget, or one checkpoint of it)
};

}  // namespace mixbo
