#pragma once
// A run's objective at one of its checkpoints, read from the checkpoints around it. Losses are
// measured with noise at every checkpoint (evaluation batches, the optimiser's last steps),
// while neighbouring checkpoints of one run measure nearly the same point of a smooth curve: a
// straight line in log steps through the checkpoints within a factor exp(half_width) of a
// checkpoint's steps, read at those steps, averages their noise and keeps the curve's value
// (the bias is the curve's curvature over the window, the same for every mixture to first
// order). The GP strategies train on a few checkpoints of each run (gp_bo.hpp, "Training data
// thinning"); with this each stands for its neighbours instead of one reading.
#include <cstddef>
#include <vector>

namespace mixbo {

struct CurvePoint {
  double steps = 0;
  double value = 0;
};

// The least-squares line value + slope log(steps / curve[j].steps) through the points of
// `curve` (one run's checkpoints, any order) whose steps are within a factor exp(half_width) of
// curve[j]'s, at curve[j]'s steps. Fewer than 3 such points: curve[j]'s own value.
double smoothed_checkpoint(const std::vector<CurvePoint>& curve, size_t j, double half_width);

}  // namespace mixbo
