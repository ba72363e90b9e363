#pragma once
// Minimises a smooth function of the mixture over the convex hull of given mixtures (the rows
// of V): the mixtures a campaign has run, so that a recommendation interpolates between
// evidence instead of extrapolating past it (GpBoStrategy::recommend, docs/experiments.md "Where
// the answer may lie").
//
// Frank-Wolfe (conditional gradient): the linear minimiser over a hull is one of its points, so
// a step needs only V g, never a projection; the step length is a golden-section search on the
// segment towards that point. From the `starts` rows with the lowest value and from the
// centroid of the rows; the best end point wins. A local method: f need not be convex.
#include <Eigen/Core>

#include "mixbo/strategy/surrogate_minimize.hpp"

namespace mixbo {

struct HullMinimizeOptions {
  int starts = 6;                // lowest-valued rows of V to start from (plus the centroid)
  int max_iterations = 60;       // Frank-Wolfe steps per start
  int line_steps = 20;           // golden-section reductions per step (interval 0.618^20 ~ 7e-5)
  double gap_tolerance = 1e-10;  // stop when the Frank-Wolfe gap -g'(v - w) falls below it
};

// V: m x k, m >= 1 (rows: points of the hull). Returns a point of the hull (a convex
// combination of V's rows) and its value.
SurrogateMinimum minimize_over_hull(const SurrogateFunction& f, const Eigen::MatrixXd& V,
                                    const HullMinimizeOptions& options = {});

}  // namespace mixbo
